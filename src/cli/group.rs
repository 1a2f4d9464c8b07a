//! `observant group learn | list | forget`: the voices of groups that meet again (see
//! [`crate::groups`]). The store is encrypted; `--passphrase-file` or `$OBSERVANT_PASSPHRASE`
//! unlocks it. Messages go to stderr in the UI language; `list --format json` writes the
//! overview (never an embedding) to stdout.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};

use crate::groups::learn::{MIN_LEARN_S, learn_voices};
use crate::groups::store::open_default;
use crate::groups::{Group, VoicePrint};
use crate::i18n::UiLang;
use crate::session::Secret;
use crate::speakers::encoder::VoiceEncoder;
use crate::transcript::parse::load_transcript;

#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Add or update the members named in a transcript's utterances from a recording of
    /// them (the one running this confirms that these members agreed to a voice profile).
    Learn(LearnArgs),
    /// The groups and their members (who has a voice profile, from how much speech).
    List(ListArgs),
    /// Delete a group with every voice profile in it, or one member (`--member`).
    Forget(ForgetArgs),
}

#[derive(Args, Debug)]
pub struct LearnArgs {
    /// Group name (made when new).
    pub name: String,
    /// Recording of the speakers (WAV, mp3, m4a, ogg, flac).
    pub recording: PathBuf,
    /// Transcript of the recording whose utterances name the speakers (.json, .vtt, .srt).
    #[arg(long)]
    pub transcript: PathBuf,
    /// File holding the passphrase of the group store; default: $OBSERVANT_PASSPHRASE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// File holding the passphrase of the group store; default: $OBSERVANT_PASSPHRASE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ForgetArgs {
    /// Group name.
    pub name: String,
    /// Forget only this member (their voice profile and their place in the group).
    #[arg(long)]
    pub member: Option<String>,
    /// File holding the passphrase of the group store; default: $OBSERVANT_PASSPHRASE.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

pub fn run(cmd: &GroupCommand, ui: UiLang) -> Result<()> {
    match cmd {
        GroupCommand::Learn(a) => learn(a, ui),
        GroupCommand::List(a) => list(a, ui),
        GroupCommand::Forget(a) => forget(a, ui),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn learn(a: &LearnArgs, ui: UiLang) -> Result<()> {
    if a.name.trim().is_empty() {
        bail!("groepsnaam ontbreekt / group name missing");
    }
    // The passphrase first: no point decoding audio for a store that cannot be opened.
    let store = open_default(Secret::resolve(a.passphrase_file.as_deref())?)?;
    let transcript = load_transcript(&a.transcript)?;
    let pcm = crate::audio::decode::load_16k_mono(&a.recording, None)?;
    let encoder = VoiceEncoder::load_default().context("stemmodel / voice model")?;
    let learnt = learn_voices(&encoder, &pcm, &transcript);
    if learnt.voices.is_empty() {
        bail!(
            "geen stem geleerd: het transcript noemt geen sprekers met minstens {MIN_LEARN_S} s spraak / no voice learnt: the transcript names no speaker with at least {MIN_LEARN_S} s of speech"
        );
    }
    let mut group = store.get(&a.name)?.unwrap_or_else(|| Group::new(&a.name));
    let source = a
        .recording
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let at = now();
    for v in &learnt.voices {
        let role = transcript
            .participants
            .iter()
            .find(|p| p.name == v.name)
            .map(|p| p.role);
        let m = group.member_mut_or_add(&v.name);
        m.consent = true;
        if m.role.is_none() {
            m.role = role;
        }
        for print in VoicePrint::all_of(&learnt, v, &source, at) {
            m.add_print(print);
        }
        let dropped = |word: &str| {
            if v.dropped > 0 {
                format!(", {} {word}", v.dropped)
            } else {
                String::new()
            }
        };
        let thin = if m.thin_profile() {
            ui.t(
                "; dun profiel: noemt alleen bij een sterke gelijkenis tot er meer spraak is",
                "; thin profile: names only on a close match until there is more speech",
            )
        } else {
            ""
        };
        eprintln!(
            "{}",
            ui.t(
                &format!(
                    "{}: stem geleerd uit {:.0} s spraak ({} uitingen{}), {} opname(s) in het profiel{thin}",
                    v.name,
                    v.seconds,
                    v.used,
                    dropped("weggelaten"),
                    m.real_prints().count()
                ),
                &format!(
                    "{}: voice learnt from {:.0} s of speech ({} utterances{}), {} recording(s) in the profile{thin}",
                    v.name,
                    v.seconds,
                    v.used,
                    dropped("left out"),
                    m.real_prints().count()
                ),
            )
        );
    }
    for s in &learnt.too_short {
        eprintln!(
            "{}",
            ui.t(
                &format!(
                    "{}: te weinig spraak ({:.1} s, minstens {MIN_LEARN_S} s nodig), niet geleerd",
                    s.name, s.seconds
                ),
                &format!(
                    "{}: too little speech ({:.1} s, need at least {MIN_LEARN_S} s), not learnt",
                    s.name, s.seconds
                ),
            )
        );
    }
    group.sessions_learnt += 1;
    let name = group.name.clone();
    let members = group.members.len();
    store.put(group)?;
    eprintln!(
        "{}",
        ui.t(
            &format!("Groep '{name}': {members} leden"),
            &format!("Group '{name}': {members} members"),
        )
    );
    Ok(())
}

/// The overview `group list --format json` writes: names, roles and profile sizes only.
#[derive(serde::Serialize)]
struct GroupView<'a> {
    name: &'a str,
    sessions_learnt: u32,
    members: Vec<MemberView<'a>>,
}

#[derive(serde::Serialize)]
struct MemberView<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    voice: bool,
    recordings: usize,
    seconds: f32,
    /// Learnt from under 10 s of speech: names a voice only on a close match.
    thin: bool,
}

fn list(a: &ListArgs, ui: UiLang) -> Result<()> {
    let store = open_default(Secret::resolve(a.passphrase_file.as_deref())?)?;
    let groups = store.load()?;
    let views: Vec<GroupView> = groups
        .iter()
        .map(|g| GroupView {
            name: &g.name,
            sessions_learnt: g.sessions_learnt,
            members: g
                .members
                .iter()
                .map(|m| MemberView {
                    name: &m.name,
                    role: m.role.map(|r| r.as_str()),
                    voice: m.has_profile(),
                    recordings: m.real_prints().count(),
                    seconds: (m.profile_seconds() * 10.0).round() / 10.0,
                    thin: m.thin_profile(),
                })
                .collect(),
        })
        .collect();
    let out = match a.format {
        ListFormat::Json => format!("{}\n", serde_json::to_string(&views)?),
        ListFormat::Text => {
            let mut s = String::new();
            if views.is_empty() {
                s.push_str(ui.t("Nog geen groepen.\n", "No groups yet.\n"));
            }
            for g in &views {
                s.push_str(&format!(
                    "{} ({} {})\n",
                    g.name,
                    g.members.len(),
                    ui.t("leden", "members")
                ));
                for m in &g.members {
                    let voice = if m.voice {
                        let thin = if m.thin {
                            ui.t(
                                "; dun: noemt alleen bij een sterke gelijkenis",
                                "; thin: names only on a close match",
                            )
                        } else {
                            ""
                        };
                        ui.t(
                            &format!(
                                "stemprofiel uit {:.0} s ({} opname(s)){thin}",
                                m.seconds, m.recordings
                            ),
                            &format!(
                                "voice profile from {:.0} s ({} recording(s)){thin}",
                                m.seconds, m.recordings
                            ),
                        )
                        .to_string()
                    } else {
                        ui.t("geen stemprofiel", "no voice profile").to_string()
                    };
                    let role = m.role.map(|r| format!(", {r}")).unwrap_or_default();
                    s.push_str(&format!("  {}{role}: {voice}\n", m.name));
                }
            }
            s
        }
    };
    super::analyze::write_stdout(&out)
}

fn forget(a: &ForgetArgs, ui: UiLang) -> Result<()> {
    let mut store = open_default(Secret::resolve(a.passphrase_file.as_deref())?)?;
    match &a.member {
        Some(m) => {
            if !store.forget_member(&a.name, m)? {
                store.require(&a.name)?;
                bail!(
                    "groep '{}' heeft geen lid '{m}' / group '{}' has no member '{m}'",
                    a.name,
                    a.name
                );
            }
            eprintln!(
                "{}",
                ui.t(
                    &format!(
                        "{m} en het stemprofiel zijn uit groep '{}' verwijderd",
                        a.name
                    ),
                    &format!(
                        "{m} and the voice profile were removed from group '{}'",
                        a.name
                    ),
                )
            );
        }
        None => {
            if !store.forget_group(&a.name)? {
                store.require(&a.name)?;
            }
            eprintln!(
                "{}",
                ui.t(
                    &format!("Groep '{}' en alle stemprofielen zijn verwijderd", a.name),
                    &format!("Group '{}' and every voice profile were deleted", a.name),
                )
            );
        }
    }
    Ok(())
}
