//! Groups in the GUI (issue 17): the group store as the app holds it once unlocked
//! ([`GroupVault`], shared by the start screen and review), the background jobs that open,
//! change and learn into it (key derivation and file I/O never run on the UI thread), the
//! start screen's group choice and management ([`GroupPanel`]: pick a group to fill the
//! participants and name known voices live, see who has a voice profile, forget a member or a
//! group, make a new group) and review's "save voices for group" dialog with its consent
//! question per member ([`SaveVoices`]). The data model, the store and the learning are
//! [`crate::groups`]; this module draws, asks and hands the work to threads.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow};
use crossbeam_channel::{Receiver, TryRecvError};
use egui::{RichText, Ui};
use zeroize::{Zeroize, Zeroizing};

use crate::app::core::in_background;
use crate::groups::learn::Learnt;
use crate::groups::{Group, GroupStore, VoicePrint, is_anonymous_label};
use crate::i18n::UiLang;
use crate::session::{Secret, Session};
use crate::speakers::enroll::Enrollment;
use crate::transcript::{Participant, Role, Transcript};
use crate::ui::theme;

// ---------------------------------------------------------------------------------------
// The store and its jobs

/// The group store of the app: its folder and, once a passphrase unlocked it, the open
/// store. Cheap to clone (the clones share the store).
#[derive(Clone)]
pub struct GroupVault {
    dir: PathBuf,
    store: Arc<Mutex<Option<GroupStore>>>,
    unlocked: Arc<AtomicBool>,
}

impl std::fmt::Debug for GroupVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupVault")
            .field("dir", &self.dir)
            .field("unlocked", &self.is_unlocked())
            .finish()
    }
}

impl GroupVault {
    /// The (still locked) store in `dir`.
    pub fn new(dir: PathBuf) -> GroupVault {
        GroupVault {
            dir,
            store: Arc::new(Mutex::new(None)),
            unlocked: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The store's folder.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Was the store unlocked in this process? (Never blocks: the UI asks every frame.)
    pub fn is_unlocked(&self) -> bool {
        self.unlocked.load(Ordering::Acquire)
    }

    /// The voices of group `name` for matching (blocks while another job holds the store:
    /// call it on a background thread). Fails when the store is locked or the group is gone.
    pub fn voices_of(&self, name: &str) -> Result<Vec<Enrollment>> {
        self.with_store(|store| Ok(store.require(name)?.enrollments()))
    }

    fn set(&self, store: GroupStore) {
        if let Ok(mut s) = self.store.lock() {
            *s = Some(store);
            self.unlocked.store(true, Ordering::Release);
        }
    }

    /// Runs `f` on the unlocked store (on a background thread: it may block on another job).
    fn with_store<T>(&self, f: impl FnOnce(&mut GroupStore) -> Result<T>) -> Result<T> {
        let mut guard = self
            .store
            .lock()
            .map_err(|_| anyhow!("interne fout / internal error"))?;
        let store = guard
            .as_mut()
            .ok_or_else(|| anyhow!("groepen zijn vergrendeld / groups are locked"))?;
        f(store)
    }
}

/// What opening the store found.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// There is no store yet (nothing was made: a mistyped passphrase makes no store).
    NoStore,
    /// The store is unlocked; its groups.
    Groups(Vec<Group>),
}

/// The calm line for a passphrase that does not open the groups.
fn wrong_passphrase(lang: UiLang) -> &'static str {
    lang.t(
        "Dit wachtwoord past niet bij de groepen. Probeer het nog eens.",
        "This passphrase does not match the groups. Please try again.",
    )
}

/// Unlocks the store with `secret` in the background (making an empty one when there is
/// none and `create` is set) and reads its groups.
pub fn unlock(
    vault: &GroupVault,
    secret: Secret,
    create: bool,
    lang: UiLang,
) -> Receiver<Result<Opened, String>> {
    let v = vault.clone();
    in_background("observant-groups", move || {
        if !create && !GroupStore::exists(&v.dir) {
            return Ok(Opened::NoStore);
        }
        let store = match GroupStore::open(&v.dir, &secret) {
            Ok(s) => s,
            Err(e) if crate::session::crypt::is_wrong_passphrase(&e) => {
                return Err(anyhow!(wrong_passphrase(lang)));
            }
            Err(e) => return Err(e),
        };
        let groups = store.load()?;
        v.set(store);
        Ok(Opened::Groups(groups))
    })
}

/// Changes the unlocked store with `f` in the background; the groups afterwards arrive.
pub fn change(
    vault: &GroupVault,
    f: impl FnOnce(&mut GroupStore) -> Result<()> + Send + 'static,
) -> Receiver<Result<Vec<Group>, String>> {
    let v = vault.clone();
    in_background("observant-groups", move || {
        v.with_store(|s| {
            f(s)?;
            s.load()
        })
    })
}

/// Reads the groups of the unlocked store again.
pub fn reload(vault: &GroupVault) -> Receiver<Result<Vec<Group>, String>> {
    change(vault, |_| Ok(()))
}

/// Parses the members typed for a new group: one per line (or separated by commas), each a
/// name or `Name=role`.
pub fn parse_members(text: &str) -> Result<Vec<(String, Option<Role>)>, String> {
    let mut out: Vec<(String, Option<Role>)> = Vec::new();
    for item in text.split(['\n', ',', ';']) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (name, role) = match item.split_once(['=', ':']) {
            Some((n, r)) => {
                let role = Role::parse(r).ok_or_else(|| {
                    format!(
                        "onbekende rol '{}' bij {} / unknown role '{}' for {}",
                        r.trim(),
                        n.trim(),
                        r.trim(),
                        n.trim()
                    )
                })?;
                (n.trim(), Some(role))
            }
            None => (item, None),
        };
        if name.is_empty() {
            return Err("lege naam / empty name".into());
        }
        if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(format!(
                "{name} staat er twee keer in / {name} is listed twice"
            ));
        }
        out.push((name.to_string(), role));
    }
    Ok(out)
}

/// The participant rows for `group`: its members in order, each with their default role,
/// else the role the row at that place had, else participant.
pub fn rows_for(group: &Group, current: &[Participant]) -> Vec<Participant> {
    group
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| Participant {
            name: m.name.clone(),
            role: m
                .role
                .or_else(|| current.get(i).map(|p| p.role))
                .unwrap_or(Role::Deelnemer),
        })
        .collect()
}

/// The voices of `group` for a session with `participants`: the members with a profile who
/// are among the participants (all of them when no participant is named), so a member who
/// is away today is not a candidate for somebody else's voice.
pub fn voices_for(group: &Group, participants: &[Participant]) -> Vec<Enrollment> {
    group
        .enrollments()
        .into_iter()
        .filter(|e| {
            participants.is_empty()
                || participants
                    .iter()
                    .any(|p| p.name.trim().eq_ignore_ascii_case(&e.name))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Learning voices from a reviewed session

/// The recording a reviewed session's voices are learnt from.
#[derive(Debug, Clone)]
pub enum Recording {
    /// A plain audio file (a recording, or a plain session's `audio.wav`).
    File(PathBuf),
    /// An (encrypted) saved session's own audio.
    Session(Box<Session>),
}

impl Recording {
    /// The recording of the document under review, if it has one.
    pub fn of(doc: &crate::review::ReviewDoc) -> Option<Recording> {
        match (&doc.audio, &doc.session) {
            (Some(p), _) => Some(Recording::File(p.clone())),
            (None, Some(s)) if s.has_audio() => Some(Recording::Session(Box::new(s.clone()))),
            _ => None,
        }
    }

    /// The whole recording as 16 kHz mono samples.
    pub fn pcm_16k(&self) -> Result<Vec<f32>> {
        match self {
            Recording::File(p) => crate::audio::load_16k_mono(p, None),
            Recording::Session(s) => {
                let mut audio = s.audio()?.ok_or_else(|| {
                    anyhow!("deze sessie heeft geen opname meer / this session has no recording any more")
                })?;
                let rate = audio.sample_rate();
                let pcm = audio.read_all()?;
                if rate == 16000 {
                    return Ok(pcm);
                }
                let mut r = crate::audio::resample::StreamResampler::new(rate)?;
                let mut out = Vec::with_capacity(pcm.len());
                r.push(&pcm, &mut out)?;
                r.finish(&mut out)?;
                Ok(out)
            }
        }
    }
}

/// Computes the voice prints of the speakers a transcript names from their recording (the
/// real one loads the audio and the bundled voice encoder; tests inject their own).
pub type VoiceLearner = Arc<dyn Fn(&Recording, &Transcript) -> Result<Learnt> + Send + Sync>;

/// The real learner: the recording at 16 kHz, the bundled voice encoder,
/// [`crate::groups::learn::learn_voices`].
pub fn default_learner() -> VoiceLearner {
    Arc::new(|recording: &Recording, t: &Transcript| {
        let pcm = recording.pcm_16k()?;
        let encoder = crate::speakers::encoder::VoiceEncoder::load_default()
            .map_err(|e| e.context("stemmodel / voice model"))?;
        Ok(crate::groups::learn::learn_voices(&encoder, &pcm, t))
    })
}

/// What saving a session's voices did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedVoices {
    /// Members whose profile got a print from this session.
    pub learnt: Vec<String>,
    /// Speakers with too little clean speech for a print.
    pub too_short: Vec<String>,
    /// Speakers who became members of the group now.
    pub added: Vec<String>,
}

/// Applies consent answers and what a session taught to `group`: a `yes` gives the speaker
/// consent (a guest becomes a member); every learnt voice of a member with consent is added
/// to their profile. A `no` changes nothing.
pub fn apply_learnt(
    group: &mut Group,
    consents: &[(String, bool)],
    learnt: &Learnt,
    source: &str,
    now: u64,
) -> SavedVoices {
    let mut out = SavedVoices::default();
    for (name, yes) in consents {
        if !*yes {
            continue;
        }
        if group.member(name).is_none() {
            out.added.push(name.clone());
        }
        group.member_mut_or_add(name).consent = true;
    }
    for v in &learnt.voices {
        let allowed = consents
            .iter()
            .any(|(n, yes)| *yes && n.eq_ignore_ascii_case(&v.name));
        if !allowed {
            continue;
        }
        let m = group.member_mut_or_add(&v.name);
        let mut added = false;
        for print in VoicePrint::all_of(learnt, v, source, now) {
            added |= m.add_print(print);
        }
        if added {
            out.learnt.push(m.name.clone());
        }
    }
    out.too_short = learnt.too_short.iter().map(|s| s.name.clone()).collect();
    if !out.learnt.is_empty() {
        group.sessions_learnt += 1;
    }
    out
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Learns the voices of the speakers who said yes (only theirs: no print is even computed
/// for the others) from `recording` and stores them in `group` (made when new), in the
/// background.
pub fn save_voices(
    vault: &GroupVault,
    learner: VoiceLearner,
    recording: Recording,
    mut transcript: Transcript,
    group: String,
    consents: Vec<(String, bool)>,
    source: String,
) -> Receiver<Result<SavedVoices, String>> {
    let v = vault.clone();
    in_background("observant-learn-voices", move || {
        transcript.utterances.retain(|u| {
            consents
                .iter()
                .any(|(n, yes)| *yes && n.eq_ignore_ascii_case(u.speaker.trim()))
        });
        let learnt = if transcript.utterances.is_empty() {
            Learnt::default()
        } else {
            learner(&recording, &transcript)?
        };
        v.with_store(|s| {
            let mut g = s.get(&group)?.unwrap_or_else(|| Group::new(&group));
            let out = apply_learnt(&mut g, &consents, &learnt, &source, now_unix());
            s.put(g)?;
            Ok(out)
        })
    })
}

/// The named speakers of a transcript (not `S1`, `S2`, ...), in order of first line.
pub fn named_speakers(t: &Transcript) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in &t.utterances {
        let n = u.speaker.trim();
        if !is_anonymous_label(n) && !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Small drawing helpers

fn muted(ui: &mut Ui, text: &str) {
    ui.add(egui::Label::new(RichText::new(text).small().color(theme::MUTED)).wrap());
}

fn message(ui: &mut Ui, m: &Option<(String, bool)>) {
    if let Some((text, bad)) = m {
        ui.add(
            egui::Label::new(RichText::new(text).small().color(if *bad {
                theme::RED
            } else {
                theme::OK
            }))
            .wrap(),
        );
    }
}

fn voice_summary(m: &crate::groups::Member, lang: UiLang) -> String {
    if m.has_profile() {
        let (n, s) = (m.real_prints().count(), m.profile_seconds());
        let thin = if m.thin_profile() {
            lang.t(
                "; dun: noemt alleen bij een sterke gelijkenis",
                "; thin: names only on a close match",
            )
        } else {
            ""
        };
        match lang {
            UiLang::Nl => format!("stemprofiel ({n} opname(s), {s:.0} s){thin}"),
            UiLang::En => format!("voice profile ({n} recording(s), {s:.0} s){thin}"),
        }
    } else if m.consent {
        lang.t("nog geen stemprofiel", "no voice profile yet")
            .to_string()
    } else {
        lang.t("geen stemprofiel", "no voice profile").to_string()
    }
}

/// Takes the result of a job when it arrived (a vanished worker is an error).
fn poll<T>(rx: &Receiver<Result<T, String>>) -> Option<Result<T, String>> {
    match rx.try_recv() {
        Ok(r) => Some(r),
        Err(TryRecvError::Empty) => None,
        Err(TryRecvError::Disconnected) => Some(Err("afgebroken / stopped".into())),
    }
}

// ---------------------------------------------------------------------------------------
// The start screen's group choice and management

/// Whether the start screen could see the groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelState {
    /// Waiting for the passphrase.
    Locked,
    /// The passphrase was given but there is no store yet.
    NoStore,
    /// Unlocked: the groups are listed.
    Open,
}

/// Something the user asked to forget, waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum Forget {
    Member { group: String, member: String },
    Group(String),
}

/// What the group choice changed for the form.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupEvent {
    /// A group was chosen: fill the participants with its members.
    Chosen(Group),
    /// No group any more.
    Cleared,
}

enum PanelJob {
    Open(Receiver<Result<Opened, String>>),
    /// A change (or reload), with the line to show when it worked.
    Change(Receiver<Result<Vec<Group>, String>>, Option<String>),
}

/// The start screen's "Groep / Group" section.
pub struct GroupPanel {
    pub vault: GroupVault,
    /// The groups as last read.
    pub groups: Vec<Group>,
    /// The chosen group's name (`None`: no group).
    pub chosen: Option<String>,
    /// The management area is open.
    pub manage: bool,
    pub confirm: Option<Forget>,
    /// The new group's name and members (one per line, `Name=role` allowed).
    pub new_name: String,
    pub new_members: String,
    /// What the last action did (`true`: a problem).
    pub message: Option<(String, bool)>,
    pub state: PanelState,
    job: Option<PanelJob>,
    /// The passphrase last tried automatically (not tried again until it changes).
    tried: Zeroizing<String>,
}

impl GroupPanel {
    /// The section for the store `vault` (locked until a passphrase opens it).
    pub fn new(vault: GroupVault) -> GroupPanel {
        GroupPanel {
            vault,
            groups: Vec::new(),
            chosen: None,
            manage: false,
            confirm: None,
            new_name: String::new(),
            new_members: String::new(),
            message: None,
            state: PanelState::Locked,
            job: None,
            tried: Zeroizing::new(String::new()),
        }
    }

    /// Is a background job running?
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Wipes the copy of the passphrase last tried (the form's fields were wiped).
    pub fn forget_typed(&mut self) {
        self.tried = Zeroizing::new(String::new());
    }

    /// The chosen group as last read.
    pub fn chosen_group(&self) -> Option<&Group> {
        let name = self.chosen.as_deref()?;
        self.groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }

    fn start_unlock(&mut self, pass: &str, create: bool, lang: UiLang) {
        match Secret::new(pass.to_string()) {
            Ok(secret) => {
                self.message = None;
                self.job = Some(PanelJob::Open(unlock(&self.vault, secret, create, lang)));
            }
            Err(e) => self.message = Some((crate::error::one_line(&e), true)),
        }
    }

    fn start_change(
        &mut self,
        done: Option<String>,
        f: impl FnOnce(&mut GroupStore) -> Result<()> + Send + 'static,
    ) {
        self.message = None;
        self.job = Some(PanelJob::Change(change(&self.vault, f), done));
    }

    fn set_groups(&mut self, groups: Vec<Group>) -> Option<GroupEvent> {
        self.groups = groups;
        self.state = PanelState::Open;
        if self.chosen.is_some() && self.chosen_group().is_none() {
            self.chosen = None;
            return Some(GroupEvent::Cleared);
        }
        None
    }

    /// Picks up a finished job.
    fn poll(&mut self) -> Option<GroupEvent> {
        let job = self.job.as_ref()?;
        let event = match job {
            PanelJob::Open(rx) => match poll(rx)? {
                Ok(Opened::NoStore) => {
                    self.state = PanelState::NoStore;
                    None
                }
                Ok(Opened::Groups(g)) => self.set_groups(g),
                Err(e) => {
                    self.message = Some((e, true));
                    None
                }
            },
            PanelJob::Change(rx, done) => {
                let done = done.clone();
                match poll(rx)? {
                    Ok(g) => {
                        self.message = done.map(|d| (d, false));
                        self.set_groups(g)
                    }
                    Err(e) => {
                        self.message = Some((e, true));
                        None
                    }
                }
            }
        };
        self.job = None;
        event
    }

    /// Draws the group choice into a row (`ui` is horizontal) and picks up finished jobs.
    /// `pass` and `again` are the new session's passphrase fields (the groups open with the
    /// same passphrase, tried once both fields agree); `encrypt` whether they are shown.
    /// [`GroupPanel::details`] draws the rest below the row.
    pub fn row(
        &mut self,
        ui: &mut Ui,
        lang: UiLang,
        pass: &str,
        again: &str,
        encrypt: bool,
    ) -> Option<GroupEvent> {
        let mut event = self.poll();
        // Unlocked elsewhere (review's dialog): read the groups.
        if self.state != PanelState::Open && self.job.is_none() && self.vault.is_unlocked() {
            self.job = Some(PanelJob::Change(reload(&self.vault), None));
        }
        // Both passphrase fields agree: try them once on the groups.
        if self.state == PanelState::Locked
            && self.job.is_none()
            && encrypt
            && !pass.is_empty()
            && pass == again
            && pass != self.tried.as_str()
        {
            self.tried = Zeroizing::new(pass.to_string());
            self.start_unlock(pass, false, lang);
        }
        if self.job.is_some() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
        {
            let label = ui.label(lang.t("Groep", "Group")).id;
            match self.state {
                PanelState::Open => {
                    let none = lang.t("Geen groep", "No group");
                    let shown = self.chosen.clone().unwrap_or_else(|| none.to_string());
                    let before = self.chosen.clone();
                    egui::ComboBox::from_id_salt("group")
                        .selected_text(shown)
                        .width(200.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut self.chosen, None, none);
                            for g in &self.groups {
                                ui.selectable_value(
                                    &mut self.chosen,
                                    Some(g.name.clone()),
                                    &g.name,
                                );
                            }
                        })
                        .response
                        .labelled_by(label);
                    if self.chosen != before {
                        event = Some(match self.chosen_group() {
                            Some(g) => GroupEvent::Chosen(g.clone()),
                            None => GroupEvent::Cleared,
                        });
                    }
                }
                PanelState::NoStore => {
                    ui.label(
                        RichText::new(lang.t("Nog geen groepen", "No groups yet"))
                            .color(theme::MUTED),
                    );
                }
                PanelState::Locked => {
                    ui.label(
                        RichText::new(lang.t(
                            "Voer het wachtwoord in om groepen te zien",
                            "Enter the passphrase to see groups",
                        ))
                        .color(theme::MUTED),
                    );
                    // Typed once only (the session's fields do not agree yet): offer to try.
                    if encrypt
                        && !pass.is_empty()
                        && pass != again
                        && self.job.is_none()
                        && ui
                            .small_button(lang.t("Groepen openen", "Open groups"))
                            .clicked()
                    {
                        self.tried = Zeroizing::new(pass.to_string());
                        self.start_unlock(pass, false, lang);
                    }
                }
            }
            if self.job.is_some() {
                ui.spinner();
            }
            if self.state != PanelState::Locked {
                let text = if self.manage {
                    lang.t("Beheren sluiten", "Close management")
                } else {
                    lang.t("Beheren…", "Manage…")
                };
                if ui.small_button(text).clicked() {
                    self.manage = !self.manage;
                    self.confirm = None;
                }
            }
        }
        event
    }

    /// Below the row: what the chosen group brings, the management area, the last message.
    pub fn details(&mut self, ui: &mut Ui, lang: UiLang, pass: &str, again: &str, encrypt: bool) {
        if self.state == PanelState::Locked && !encrypt {
            muted(
                ui,
                lang.t(
                    "Groepen zijn versleuteld: zet de versleuteling hieronder aan en voer het wachtwoord in.",
                    "Groups are encrypted: turn on encryption below and enter the passphrase.",
                ),
            );
        }
        if let Some(g) = self.chosen_group() {
            let voices = g.voices();
            let text = match lang {
                UiLang::Nl => format!(
                    "{} leden, {voices} met stemprofiel: bekende stemmen krijgen meteen hun naam.",
                    g.members.len()
                ),
                UiLang::En => format!(
                    "{} members, {voices} with a voice profile: known voices are named at once.",
                    g.members.len()
                ),
            };
            muted(ui, &text);
        }
        if self.manage && self.state != PanelState::Locked {
            self.manage_area(ui, lang, pass, again);
        }
        message(ui, &self.message);
    }

    /// The groups with their members (who has a voice profile), forgetting, a new group.
    fn manage_area(&mut self, ui: &mut Ui, lang: UiLang, pass: &str, again: &str) {
        let busy = self.job.is_some();
        egui::Frame::new()
            .stroke(egui::Stroke::new(1.0, theme::LINE))
            .corner_radius(6)
            .inner_margin(10)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                let mut ask = None;
                for g in &self.groups {
                    ui.label(RichText::new(&g.name).strong());
                    egui::Grid::new(("group_members", g.name.as_str()))
                        .num_columns(4)
                        .spacing([10.0, 4.0])
                        .show(ui, |ui| {
                            for m in &g.members {
                                ui.label(&m.name);
                                ui.label(
                                    RichText::new(
                                        m.role.map(|r| theme::role_label(r, lang)).unwrap_or("–"),
                                    )
                                    .color(theme::MUTED),
                                );
                                ui.label(RichText::new(voice_summary(m, lang)).small().color(
                                    if m.has_profile() {
                                        theme::OK
                                    } else {
                                        theme::MUTED
                                    },
                                ));
                                if ui
                                    .add_enabled(
                                        !busy,
                                        egui::Button::new(
                                            lang.t("Lid vergeten…", "Forget member…"),
                                        )
                                        .small(),
                                    )
                                    .accessible_name(format!(
                                        "{} {}",
                                        lang.t("Lid vergeten:", "Forget member:"),
                                        m.name
                                    ))
                                    .clicked()
                                {
                                    ask = Some(Forget::Member {
                                        group: g.name.clone(),
                                        member: m.name.clone(),
                                    });
                                }
                                ui.end_row();
                            }
                        });
                    if ui
                        .add_enabled(
                            !busy,
                            egui::Button::new(lang.t("Groep vergeten…", "Forget group…")).small(),
                        )
                        .accessible_name(format!(
                            "{} {}",
                            lang.t("Groep vergeten:", "Forget group:"),
                            g.name
                        ))
                        .clicked()
                    {
                        ask = Some(Forget::Group(g.name.clone()));
                    }
                    ui.add_space(8.0);
                }
                if let Some(a) = ask {
                    self.confirm = Some(a);
                }
                self.confirm_area(ui, lang);
                ui.separator();
                self.new_group_area(ui, lang, pass, again);
            });
    }

    fn confirm_area(&mut self, ui: &mut Ui, lang: UiLang) {
        let Some(what) = self.confirm.clone() else {
            return;
        };
        let question = match (&what, lang) {
            (Forget::Member { group, member }, UiLang::Nl) => format!(
                "{member} uit {group} vergeten? Het lid en het stemprofiel worden definitief verwijderd."
            ),
            (Forget::Member { group, member }, UiLang::En) => format!(
                "Forget {member} from {group}? The member and their voice profile are deleted for good."
            ),
            (Forget::Group(g), UiLang::Nl) => format!(
                "Groep {g} vergeten? Alle leden en stemprofielen worden definitief verwijderd."
            ),
            (Forget::Group(g), UiLang::En) => format!(
                "Forget group {g}? All its members and voice profiles are deleted for good."
            ),
        };
        ui.label(RichText::new(question).strong());
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new(lang.t("Ja, vergeten", "Yes, forget")).color(theme::RED))
                .clicked()
            {
                self.confirm = None;
                match what {
                    Forget::Member { group, member } => {
                        let done = match lang {
                            UiLang::Nl => format!("{member} is vergeten."),
                            UiLang::En => format!("{member} was forgotten."),
                        };
                        self.start_change(Some(done), move |s| {
                            s.forget_member(&group, &member).map(|_| ())
                        });
                    }
                    Forget::Group(g) => {
                        let done = match lang {
                            UiLang::Nl => format!("Groep {g} is vergeten."),
                            UiLang::En => format!("Group {g} was forgotten."),
                        };
                        self.start_change(Some(done), move |s| s.forget_group(&g).map(|_| ()));
                    }
                }
            }
            if ui.button(lang.t("Annuleren", "Cancel")).clicked() {
                self.confirm = None;
            }
        });
    }

    fn new_group_area(&mut self, ui: &mut Ui, lang: UiLang, pass: &str, again: &str) {
        ui.label(RichText::new(lang.t("Nieuwe groep", "New group")).strong());
        egui::Grid::new("new_group")
            .num_columns(2)
            .spacing([10.0, 6.0])
            .show(ui, |ui| {
                let l = ui.label(lang.t("Groepsnaam", "Group name")).id;
                ui.add(egui::TextEdit::singleline(&mut self.new_name).desired_width(240.0))
                    .labelled_by(l);
                ui.end_row();
                let l = ui.label(lang.t("Leden", "Members")).id;
                ui.add(
                    egui::TextEdit::multiline(&mut self.new_members)
                        .desired_rows(3)
                        .desired_width(240.0)
                        .hint_text(lang.t(
                            "één naam per regel, eventueel Naam=rol",
                            "one name per line, optionally Name=role",
                        )),
                )
                .labelled_by(l);
                ui.end_row();
            });
        muted(
            ui,
            lang.t(
                "Stemprofielen komen pas na een sessie, en alleen met toestemming van het lid.",
                "Voice profiles come only after a session, and only with the member's consent.",
            ),
        );
        let name = self.new_name.trim().to_string();
        let exists = self
            .groups
            .iter()
            .any(|g| g.name.eq_ignore_ascii_case(&name));
        // The first group makes the store: its passphrase must be typed twice the same.
        let need_pass = self.state == PanelState::NoStore && (pass.is_empty() || pass != again);
        let ok = !name.is_empty() && !exists && !need_pass && self.job.is_none();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(ok, egui::Button::new(lang.t("Groep maken", "Create group")))
                .clicked()
            {
                match parse_members(&self.new_members) {
                    Err(e) => self.message = Some((e, true)),
                    Ok(members) => {
                        let mut g = Group::new(&name);
                        for (n, role) in members {
                            g.member_mut_or_add(&n).role = role;
                        }
                        self.new_name.clear();
                        self.new_members.clear();
                        self.chosen = None;
                        self.create(g, pass, lang);
                    }
                }
            }
            if exists {
                ui.label(
                    RichText::new(lang.t("Die groep bestaat al.", "That group exists already."))
                        .small()
                        .color(theme::MUTED),
                );
            } else if need_pass {
                ui.label(
                    RichText::new(lang.t(
                        "Typ hieronder twee keer het wachtwoord: het versleutelt ook de groepen.",
                        "Type the passphrase twice below: it encrypts the groups too.",
                    ))
                    .small()
                    .color(theme::MUTED),
                );
            }
        });
    }

    /// Stores a new group (making the store first when there is none).
    fn create(&mut self, g: Group, pass: &str, lang: UiLang) {
        let done = match lang {
            UiLang::Nl => format!("Groep {} is gemaakt.", g.name),
            UiLang::En => format!("Group {} was created.", g.name),
        };
        if self.vault.is_unlocked() {
            self.start_change(Some(done), move |s| s.put(g));
            return;
        }
        let secret = match Secret::new(pass.to_string()) {
            Ok(s) => s,
            Err(e) => {
                self.message = Some((crate::error::one_line(&e), true));
                return;
            }
        };
        let vault = self.vault.clone();
        let rx = in_background("observant-groups", move || {
            let store = GroupStore::open(&vault.dir, &secret)?;
            store.put(g)?;
            let groups = store.load()?;
            vault.set(store);
            Ok(groups)
        });
        self.message = None;
        self.job = Some(PanelJob::Change(rx, Some(done)));
    }
}

// ---------------------------------------------------------------------------------------
// Review: save voices for a group, with consent

/// Where the "save voices" dialog is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceStep {
    /// The groups are locked: asking the passphrase.
    Unlock,
    /// There is no store yet: the passphrase once more, to make it.
    Create,
    /// Choosing the group (or naming a new one).
    Group,
    /// Asking consent, one speaker at a time.
    Ask,
    /// Learning and storing in the background.
    Learning,
    Done,
}

/// One consent question: a speaker, whether they are a member already, the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub name: String,
    pub member: bool,
    pub answer: Option<bool>,
}

enum VoiceJob {
    Open(Receiver<Result<Opened, String>>),
    Groups(Receiver<Result<Vec<Group>, String>>),
    Save(Receiver<Result<SavedVoices, String>>),
}

/// Review's "Stemmen bewaren voor groep… / Save voices for group…" dialog.
pub struct SaveVoices {
    vault: GroupVault,
    learner: VoiceLearner,
    recording: Recording,
    /// The reviewed transcript (renames and merges applied).
    transcript: Transcript,
    /// Where the prints come from (the session's or recording's name).
    source: String,
    /// The named speakers.
    pub speakers: Vec<String>,
    pub step: VoiceStep,
    pub passphrase: String,
    pub passphrase_again: String,
    pub groups: Vec<Group>,
    /// The chosen group, or the name of a new one.
    pub group: String,
    /// Members with consent: updated without asking.
    pub updated: Vec<String>,
    pub questions: Vec<Question>,
    pub result: Option<SavedVoices>,
    pub message: Option<(String, bool)>,
    /// Still on screen (closing sets this false).
    pub open: bool,
    /// Go straight to the questions once the groups are read, when the preset group is one
    /// of them (at the end of a session for that group).
    pub auto_choose: bool,
    /// The groups were read and the preset group is among them: choose it.
    choose_now: bool,
    job: Option<VoiceJob>,
}

impl SaveVoices {
    /// The dialog for `transcript` with its `recording`; `group` is the session's group, if
    /// any. Reads the groups at once when the store is unlocked.
    pub fn new(
        vault: GroupVault,
        learner: VoiceLearner,
        recording: Recording,
        transcript: Transcript,
        source: String,
        group: Option<String>,
    ) -> SaveVoices {
        let unlocked = vault.is_unlocked();
        let job = unlocked.then(|| VoiceJob::Groups(reload(&vault)));
        SaveVoices {
            speakers: named_speakers(&transcript),
            vault,
            learner,
            recording,
            transcript,
            source,
            step: if unlocked {
                VoiceStep::Group
            } else {
                VoiceStep::Unlock
            },
            passphrase: String::new(),
            passphrase_again: String::new(),
            groups: Vec::new(),
            group: group.unwrap_or_default(),
            updated: Vec::new(),
            questions: Vec::new(),
            result: None,
            message: None,
            open: true,
            auto_choose: false,
            choose_now: false,
            job,
        }
    }

    /// The same dialog for the end of a session for its group: members who consented before
    /// are updated and new names asked at once, without choosing the group again.
    pub fn for_session_end(mut self) -> SaveVoices {
        self.auto_choose = !self.group.trim().is_empty();
        self
    }

    /// Is a background job running?
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// The question on screen: the first one without an answer.
    pub fn current(&self) -> Option<&Question> {
        self.questions.iter().find(|q| q.answer.is_none())
    }

    fn got_groups(&mut self, groups: Vec<Group>) {
        let known = groups
            .iter()
            .any(|g| g.name.eq_ignore_ascii_case(self.group.trim()));
        if self.group.trim().is_empty()
            && let Some(g) = groups.first()
        {
            self.group = g.name.clone();
        }
        self.groups = groups;
        if matches!(self.step, VoiceStep::Unlock | VoiceStep::Create) {
            self.step = VoiceStep::Group;
        }
        if self.auto_choose && known && self.step == VoiceStep::Group {
            self.auto_choose = false;
            self.choose_now = true;
        }
    }

    fn poll(&mut self, lang: UiLang) {
        let Some(job) = &self.job else {
            return;
        };
        match job {
            VoiceJob::Open(rx) => match poll(rx) {
                None => return,
                Some(Ok(Opened::NoStore)) => self.step = VoiceStep::Create,
                Some(Ok(Opened::Groups(g))) => self.got_groups(g),
                Some(Err(e)) => self.message = Some((e, true)),
            },
            VoiceJob::Groups(rx) => match poll(rx) {
                None => return,
                Some(Ok(g)) => self.got_groups(g),
                Some(Err(e)) => self.message = Some((e, true)),
            },
            VoiceJob::Save(rx) => match poll(rx) {
                None => return,
                Some(Ok(r)) => {
                    self.message = Some((saved_line(&r, lang), r.learnt.is_empty()));
                    self.result = Some(r);
                    self.step = VoiceStep::Done;
                }
                Some(Err(e)) => {
                    self.message = Some((e, true));
                    self.step = VoiceStep::Done;
                }
            },
        }
        self.job = None;
        if std::mem::take(&mut self.choose_now) {
            self.choose(lang);
        }
    }

    fn unlock(&mut self, create: bool, lang: UiLang) {
        let result = Secret::new(self.passphrase.clone());
        self.passphrase.zeroize();
        self.passphrase_again.zeroize();
        match result {
            Ok(secret) => {
                self.message = None;
                self.job = Some(VoiceJob::Open(unlock(&self.vault, secret, create, lang)));
            }
            Err(e) => self.message = Some((crate::error::one_line(&e), true)),
        }
    }

    /// The group is chosen: who is updated without asking, whom to ask.
    fn choose(&mut self, lang: UiLang) {
        let name = self.group.trim().to_string();
        let group = self
            .groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(&name))
            .cloned()
            .unwrap_or_else(|| Group::new(&name));
        self.group = group.name.clone();
        self.updated.clear();
        self.questions.clear();
        for s in &self.speakers {
            match group.member(s) {
                Some(m) if m.consent => self.updated.push(s.clone()),
                m => self.questions.push(Question {
                    name: s.clone(),
                    member: m.is_some(),
                    answer: None,
                }),
            }
        }
        self.step = VoiceStep::Ask;
        self.after_answer(lang);
    }

    /// Starts learning once every question is answered.
    fn after_answer(&mut self, lang: UiLang) {
        if self.current().is_some() {
            return;
        }
        let consents: Vec<(String, bool)> = self
            .updated
            .iter()
            .map(|n| (n.clone(), true))
            .chain(
                self.questions
                    .iter()
                    .map(|q| (q.name.clone(), q.answer == Some(true))),
            )
            .collect();
        if !consents.iter().any(|(_, yes)| *yes) {
            self.step = VoiceStep::Done;
            self.message = Some((
                lang.t(
                    "Niemand gaf toestemming: er is niets bewaard.",
                    "Nobody consented: nothing was saved.",
                )
                .to_string(),
                false,
            ));
            return;
        }
        self.step = VoiceStep::Learning;
        self.message = None;
        self.job = Some(VoiceJob::Save(save_voices(
            &self.vault,
            self.learner.clone(),
            self.recording.clone(),
            self.transcript.clone(),
            self.group.clone(),
            consents,
            self.source.clone(),
        )));
    }

    /// Answers the current question.
    pub fn answer(&mut self, yes: bool, lang: UiLang) {
        if let Some(q) = self.questions.iter_mut().find(|q| q.answer.is_none()) {
            q.answer = Some(yes);
        }
        self.after_answer(lang);
    }

    /// Draws the dialog (a window over review).
    pub fn show(&mut self, ctx: &egui::Context, lang: UiLang) {
        self.poll(lang);
        if self.job.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
        let mut open = self.open;
        egui::Window::new(lang.t("Stemmen bewaren", "Save voices"))
            .collapsible(false)
            .resizable(false)
            .default_width(420.0)
            .open(&mut open)
            .show(ctx, |ui| self.body(ui, lang));
        self.open = open && self.open;
    }

    fn body(&mut self, ui: &mut Ui, lang: UiLang) {
        muted(
            ui,
            lang.t(
                "Een stemprofiel laat Observant dit lid in een volgende sessie meteen herkennen. Het blijft versleuteld op dit apparaat en komt nooit in een rapport of export.",
                "A voice profile lets Observant recognise this member at once in a next session. It stays encrypted on this device and never goes into a report or export.",
            ),
        );
        ui.add_space(6.0);
        match self.step {
            VoiceStep::Unlock | VoiceStep::Create => self.unlock_step(ui, lang),
            VoiceStep::Group => self.group_step(ui, lang),
            VoiceStep::Ask => self.ask_step(ui, lang),
            VoiceStep::Learning => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(lang.t(
                        "Stemmen leren uit de opname…",
                        "Learning voices from the recording…",
                    ));
                });
            }
            VoiceStep::Done => {
                if let Some(r) = &self.result
                    && !r.too_short.is_empty()
                {
                    let names = r.too_short.join(", ");
                    muted(
                        ui,
                        &match lang {
                            UiLang::Nl => format!(
                                "Te weinig duidelijke spraak voor een profiel: {names} (toestemming is wel bewaard)."
                            ),
                            UiLang::En => format!(
                                "Too little clear speech for a profile: {names} (consent was kept)."
                            ),
                        },
                    );
                }
                message(ui, &self.message);
                if ui.button(lang.t("Sluiten", "Close")).clicked() {
                    self.open = false;
                }
                return;
            }
        }
        if self.job.is_some() && self.step != VoiceStep::Learning {
            ui.spinner();
        }
        message(ui, &self.message);
    }

    fn unlock_step(&mut self, ui: &mut Ui, lang: UiLang) {
        let create = self.step == VoiceStep::Create;
        ui.label(if create {
            lang.t(
                "Er zijn nog geen groepen. Kies een wachtwoord voor de groepen en typ het twee keer:",
                "There are no groups yet. Choose a passphrase for the groups and type it twice:",
            )
        } else {
            lang.t(
                "Voer het wachtwoord in om groepen te zien:",
                "Enter the passphrase to see groups:",
            )
        });
        let edit = ui.add(
            egui::TextEdit::singleline(&mut self.passphrase)
                .password(true)
                .desired_width(240.0),
        );
        let mut enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if create {
            let again = ui.add(
                egui::TextEdit::singleline(&mut self.passphrase_again)
                    .password(true)
                    .desired_width(240.0),
            );
            enter = again.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        }
        let ok = !self.passphrase.is_empty()
            && (!create || self.passphrase == self.passphrase_again)
            && self.job.is_none();
        ui.horizontal(|ui| {
            let label = if create {
                lang.t("Groepen maken", "Create groups")
            } else {
                lang.t("Openen", "Open")
            };
            let clicked = ui.add_enabled(ok, egui::Button::new(label)).clicked();
            if ok && (clicked || enter) {
                self.unlock(create, lang);
            }
            if ui.button(lang.t("Annuleren", "Cancel")).clicked() {
                self.open = false;
            }
        });
    }

    fn group_step(&mut self, ui: &mut Ui, lang: UiLang) {
        if self.speakers.is_empty() {
            ui.label(lang.t(
                "Dit transcript noemt nog geen sprekers bij naam: geef ze eerst een naam (hernoem S1, S2, …).",
                "This transcript names no speakers yet: name them first (rename S1, S2, …).",
            ));
            return;
        }
        ui.horizontal(|ui| {
            let label = ui.label(lang.t("Groep", "Group")).id;
            egui::ComboBox::from_id_salt("voices_group")
                .selected_text(if self.group.trim().is_empty() {
                    lang.t("Kies een groep", "Choose a group").to_string()
                } else {
                    self.group.clone()
                })
                .width(220.0)
                .show_ui(ui, |ui| {
                    for g in &self.groups {
                        ui.selectable_value(&mut self.group, g.name.clone(), &g.name);
                    }
                })
                .response
                .labelled_by(label);
        });
        ui.horizontal(|ui| {
            let label = ui
                .label(lang.t("of een nieuwe groep:", "or a new group:"))
                .id;
            ui.add(egui::TextEdit::singleline(&mut self.group).desired_width(200.0))
                .labelled_by(label);
        });
        let speakers = self.speakers.join(", ");
        muted(
            ui,
            &match lang {
                UiLang::Nl => format!("Sprekers met een naam: {speakers}"),
                UiLang::En => format!("Named speakers: {speakers}"),
            },
        );
        let ok = !self.group.trim().is_empty() && self.job.is_none();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(ok, egui::Button::new(lang.t("Verder", "Next")))
                .clicked()
            {
                self.choose(lang);
            }
            if ui.button(lang.t("Annuleren", "Cancel")).clicked() {
                self.open = false;
            }
        });
    }

    fn ask_step(&mut self, ui: &mut Ui, lang: UiLang) {
        if !self.updated.is_empty() {
            let names = self.updated.join(", ");
            muted(
                ui,
                &match lang {
                    UiLang::Nl => format!("Al toestemming, profiel wordt bijgewerkt: {names}"),
                    UiLang::En => format!("Consented before, profile is updated: {names}"),
                },
            );
        }
        let Some(q) = self.current().cloned() else {
            return;
        };
        ui.add_space(4.0);
        ui.label(
            RichText::new(match lang {
                UiLang::Nl => format!("Stemprofiel bewaren voor {}?", q.name),
                UiLang::En => format!("Keep a voice profile for {}?", q.name),
            })
            .strong()
            .size(16.0),
        );
        if !q.member {
            muted(
                ui,
                &match lang {
                    UiLang::Nl => format!(
                        "{} is nog geen lid van {}; met Ja wordt {} lid.",
                        q.name, self.group, q.name
                    ),
                    UiLang::En => format!(
                        "{} is not a member of {} yet; Yes makes {} a member.",
                        q.name, self.group, q.name
                    ),
                },
            );
        }
        muted(
            ui,
            lang.t(
                "Vraag het de persoon zelf; alleen met Ja wordt er iets bewaard.",
                "Ask the person; only with Yes is anything kept.",
            ),
        );
        ui.horizontal(|ui| {
            if ui.button(lang.t("Ja", "Yes")).clicked() {
                self.answer(true, lang);
            }
            if ui.button(lang.t("Nee", "No")).clicked() {
                self.answer(false, lang);
            }
        });
    }
}

/// The line after saving voices.
fn saved_line(r: &SavedVoices, lang: UiLang) -> String {
    if r.learnt.is_empty() {
        return lang
            .t(
                "Er is geen stemprofiel bewaard (te weinig duidelijke spraak).",
                "No voice profile was saved (too little clear speech).",
            )
            .to_string();
    }
    let names = r.learnt.join(", ");
    match lang {
        UiLang::Nl => format!("Stemprofielen bewaard voor {names}."),
        UiLang::En => format!("Voice profiles saved for {names}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::Member;
    use crate::groups::learn::{LearntVoice, Skipped};
    use crate::speakers::encoder::Embedding;

    fn axis(k: usize) -> Embedding {
        let mut e = Embedding::default();
        e.0[k] = 1.0;
        e
    }

    fn voice(name: &str, k: usize) -> LearntVoice {
        LearntVoice {
            name: name.into(),
            embedding: axis(k),
            seconds: 20.0,
            used: 3,
            dropped: 0,
            in_rooms: Vec::new(),
        }
    }

    #[test]
    fn consent_decides_what_is_kept_and_guests_become_members() {
        let mut g = Group::new("Noord");
        let mut anna = Member::new("Anna");
        anna.consent = true;
        g.members.push(anna);
        g.members.push(Member::new("Bram"));
        g.members.push(Member::new("Carla"));
        let learnt = Learnt {
            voices: vec![
                voice("Anna", 0),
                voice("bram", 1),
                voice("Carla", 2),
                voice("Eva", 4),
            ],
            too_short: vec![Skipped {
                name: "Dirk".into(),
                seconds: 1.0,
            }],
            ..Learnt::default()
        };
        let consents = vec![
            ("Anna".to_string(), true),
            ("Bram".to_string(), true),
            ("Carla".to_string(), false),
            ("Dirk".to_string(), true),
            ("Eva".to_string(), false),
        ];
        let r = apply_learnt(&mut g, &consents, &learnt, "sessie-1", 5);
        assert_eq!(r.learnt, vec!["Anna", "Bram"]);
        assert_eq!(r.added, vec!["Dirk"]);
        assert_eq!(r.too_short, vec!["Dirk"]);
        assert!(g.member("Bram").unwrap().consent && g.member("Bram").unwrap().has_profile());
        assert!(!g.member("Carla").unwrap().consent && !g.member("Carla").unwrap().has_profile());
        let dirk = g.member("Dirk").unwrap();
        assert!(dirk.consent && !dirk.has_profile());
        assert!(g.member("Eva").is_none(), "no consent, no member");
        assert_eq!(g.sessions_learnt, 1);
        assert_eq!(g.member("Anna").unwrap().prints[0].source, "sessie-1");
    }

    #[test]
    fn members_typed_in_and_rows_and_voices_for_a_session() {
        let m = parse_members("Anna=facilitator\nBram, Carla:inbrenger\n\n").unwrap();
        assert_eq!(
            m,
            vec![
                ("Anna".to_string(), Some(Role::Facilitator)),
                ("Bram".to_string(), None),
                ("Carla".to_string(), Some(Role::Inbrenger)),
            ]
        );
        assert!(parse_members("Anna=koning").unwrap_err().contains("koning"));
        assert!(parse_members("Anna\nanna").is_err());

        let mut g = Group::new("Noord");
        for (k, (n, r)) in m.iter().enumerate() {
            let mem = g.member_mut_or_add(n);
            mem.role = *r;
            mem.consent = k != 2;
            mem.add_print(VoicePrint::new(&axis(k), 10.0, "s", 1));
        }
        let current = vec![
            Participant::new("", Role::Facilitator),
            Participant::new("", Role::Inbrenger),
        ];
        let rows = rows_for(&g, &current);
        let roles: Vec<Role> = rows.iter().map(|p| p.role).collect();
        assert_eq!(
            roles,
            vec![Role::Facilitator, Role::Inbrenger, Role::Inbrenger]
        );
        assert_eq!(voices_for(&g, &rows).len(), 2, "Carla gave no consent");
        let only_anna = vec![Participant::new("anna", Role::Deelnemer)];
        let v = voices_for(&g, &only_anna);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].name, "Anna");
    }

    #[test]
    fn named_speakers_skip_anonymous_labels() {
        let mut t = Transcript::default();
        for s in ["S1", "Anna", "S2", "Bram", "Anna"] {
            t.utterances.push(crate::transcript::Utterance {
                start: 0.0,
                end: 1.0,
                speaker: s.into(),
                text: String::new(),
                confidence: None,
                uncertain_words: Vec::new(),
                speech: None,
            });
        }
        assert_eq!(named_speakers(&t), vec!["Anna", "Bram"]);
    }

    #[test]
    fn a_session_recording_is_read_at_16k() {
        let root = tempfile::tempdir().unwrap();
        let secret = Secret::new("x")
            .unwrap()
            .with_kdf(crate::session::crypt::KdfParams::INSECURE_FOR_TESTS);
        let (s, j) = Session::create_with(
            root.path(),
            crate::session::SessionMeta::default(),
            Some(&secret),
        )
        .unwrap();
        let mut w = s.create_audio_writer(16000).unwrap();
        let tone: Vec<f32> = (0..16000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
        w.write(&tone).unwrap();
        w.finish().unwrap();
        drop(j);
        let pcm = Recording::Session(Box::new(s)).pcm_16k().unwrap();
        assert_eq!(pcm.len(), 16000);
        assert!((pcm[100] - tone[100]).abs() < 1e-3);
    }
}
