//! GUI tests of groups (issue 17) with egui_kittest: starting a session for a group (the
//! passphrase typed for the session unlocks the groups, choosing one fills the participants,
//! and the started pipeline gets the group and its voices), review's consent dialog
//! ("Stemprofiel bewaren voor Bram?": Ja keeps a profile, Nee keeps nothing, a member who
//! consented before is updated without asking, a guest becomes a member) and forgetting a
//! member after a confirmation (gone from the store on disk). Group stores live in temporary
//! folders with cheap key derivation; the voice learner is a stand-in (no model runs).

use std::sync::{Arc, Mutex};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};
use observant::groups::learn::{Learnt, LearntVoice};
use observant::groups::{Group, GroupStore, Member, VoicePrint};
use observant::i18n::UiLang;
use observant::pipeline::{LiveConfig, PipelineStarter};
use observant::review::ReviewDoc;
use observant::session::{Entry, KdfParams, Secret, Session, SessionMeta};
use observant::speakers::encoder::Embedding;
use observant::transcript::{Role as PRole, Transcript};
use observant::ui::ScriptedPipeline;
use observant::ui::app::ObservantApp;
use observant::ui::groups::{PanelState, Recording, VoiceStep};
use observant::ui::review::ReviewScreen;

mod common;

use common::{harness_with, options, pump, session};

/// Tall enough that the start screen's group management shows without scrolling.
const SIZE: egui::Vec2 = egui::vec2(1280.0, 1100.0);
const PASS: &str = "groepsgeheim";
const GROUP: &str = "Intervisie Noord";

/// A test passphrase (cheap key derivation: tests only).
fn secret() -> Secret {
    Secret::new(PASS)
        .unwrap()
        .with_kdf(KdfParams::INSECURE_FOR_TESTS)
}

fn axis(k: usize) -> Embedding {
    let mut e = Embedding::default();
    e.0[k] = 1.0;
    e
}

/// A member with consent and a voice profile.
fn voiced(name: &str, k: usize, role: Option<PRole>) -> Member {
    let mut m = Member::new(name);
    m.role = role;
    m.consent = true;
    assert!(m.add_print(VoicePrint::new(&axis(k), 30.0, "eerder.wav", 1)));
    m
}

/// A group store in `dir` holding `group`.
fn store_with(dir: &std::path::Path, group: Group) {
    let s = GroupStore::open(dir, &secret()).unwrap();
    s.put(group).unwrap();
}

/// The group of three with a voice profile each (Bram usually brings the case, Carla
/// observes, Anna has no usual role).
fn three() -> Group {
    let mut g = Group::new(GROUP);
    g.members = vec![
        voiced("Anna", 0, None),
        voiced("Bram", 1, Some(PRole::Inbrenger)),
        voiced("Carla", 2, Some(PRole::Observant)),
    ];
    g
}

/// The group as it is on disk now (opened afresh).
fn on_disk(dir: &std::path::Path) -> Group {
    GroupStore::open(dir, &secret())
        .unwrap()
        .require(GROUP)
        .unwrap()
}

/// Types `text` into the (non-label) field labelled `label`.
fn type_into(h: &mut Harness<'static, ObservantApp>, label: &str, text: &str) {
    let f = h
        .get_all_by_label(label)
        .find(|n| n.accesskit_node().role() != Role::Label)
        .expect("field");
    f.focus();
    f.type_text(text);
    h.run_steps(2);
}

/// The start screen with the group store in `dir`, unlocked by typing the passphrase for
/// the new session twice.
fn start_screen_unlocked(
    dir: &std::path::Path,
    starter: PipelineStarter,
) -> Harness<'static, ObservantApp> {
    let mut opts = options(starter);
    opts.groups_dir = dir.to_path_buf();
    let mut h = harness_with(SIZE, opts);
    h.run_steps(3);
    h.get_by_label("Voer het wachtwoord in om groepen te zien");
    assert_eq!(h.state().form.groups.state, PanelState::Locked);
    type_into(&mut h, "Wachtwoord", PASS);
    type_into(&mut h, "Nog een keer", PASS);
    pump(&mut h, |app| {
        app.form.groups.state == PanelState::Open && !app.form.groups.busy()
    });
    h
}

#[test]
fn starting_a_session_for_a_group_fills_the_participants_and_names_its_voices() {
    let dir = tempfile::tempdir().unwrap();
    store_with(dir.path(), three());
    let seen: Arc<Mutex<Option<LiveConfig>>> = Arc::default();
    let starter: PipelineStarter = {
        let seen = seen.clone();
        Box::new(move |cfg: LiveConfig| {
            *seen.lock().unwrap() = Some(cfg);
            Ok(ScriptedPipeline::new(session())
                .instant()
                .stop_at_end(false)
                .start())
        })
    };
    let mut h = start_screen_unlocked(dir.path(), starter);
    assert_eq!(h.state().form.groups.groups.len(), 1);
    // Choose the group in the combo box.
    h.get_by_role_and_label(Role::ComboBox, "Groep").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, GROUP).click();
    h.run_steps(3);
    assert_eq!(h.state().form.groups.chosen.as_deref(), Some(GROUP));
    let rows: Vec<(String, PRole)> = h
        .state()
        .form
        .participants
        .iter()
        .map(|p| (p.name.clone(), p.role))
        .collect();
    assert_eq!(
        rows,
        vec![
            // No usual role: the role the first row had.
            ("Anna".to_string(), PRole::Facilitator),
            ("Bram".to_string(), PRole::Inbrenger),
            ("Carla".to_string(), PRole::Observant),
        ]
    );
    h.get_by_label_contains("3 leden, 3 met stemprofiel");

    h.get_by_label_contains("stemt ermee in").click();
    h.run_steps(2);
    // The speech model is checked in the background.
    pump(&mut h, |app| !app.form.model_checking());
    h.get_by_label("Start sessie").click();
    pump(&mut h, |app| app.session().is_some());
    let cfg = seen
        .lock()
        .unwrap()
        .clone()
        .expect("the starter was called");
    assert_eq!(cfg.group.as_deref(), Some(GROUP));
    let names: Vec<&str> = cfg.voices.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["Anna", "Bram", "Carla"]);
    assert!(cfg.voices[1].similarity(&axis(1)) > 0.99);
    let people: Vec<&str> = cfg.participants.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(people, ["Anna", "Bram", "Carla"]);
    assert!(cfg.passphrase.is_some(), "the session is encrypted too");
    assert!(h.state().form.passphrase.is_empty(), "passphrase wiped");
}

/// Writes the test session as a plain saved session for `group`, with a (silent) recording.
fn saved_session(root: &std::path::Path, t: &Transcript, group: &str) -> std::path::PathBuf {
    let meta = SessionMeta {
        title: "Intervisie april".into(),
        created_unix: 1_764_288_000,
        participants: t.participants.clone(),
        language: t.language.clone(),
        group: Some(group.into()),
        ..Default::default()
    };
    let (s, mut j) = Session::create_with(root, meta, None).unwrap();
    for (index, u) in t.utterances.iter().enumerate() {
        j.append(&Entry::Utterance {
            index,
            utterance: u.clone(),
        })
        .unwrap();
    }
    j.flush().unwrap();
    let mut w = s.create_audio_writer(16000).unwrap();
    w.write(&vec![0.0; 16000]).unwrap();
    w.finish().unwrap();
    s.dir
}

/// The learner's stand-in for the voice encoder: one voice per named speaker it is given.
fn one_voice_per_speaker(t: &Transcript) -> Learnt {
    let mut out = Learnt::default();
    for (k, name) in observant::ui::groups::named_speakers(t).iter().enumerate() {
        out.voices.push(LearntVoice {
            name: name.clone(),
            embedding: axis(10 + k),
            seconds: 12.0,
            used: 2,
            dropped: 0,
            in_rooms: Vec::new(),
        });
    }
    out
}

#[test]
fn saving_voices_asks_consent_for_members_without_it_and_yes_keeps_a_profile() {
    let groups = tempfile::tempdir().unwrap();
    let mut g = Group::new(GROUP);
    g.members = vec![
        voiced("Anna", 0, Some(PRole::Facilitator)),
        Member::new("Bram"),
    ];
    store_with(groups.path(), g);
    let root = tempfile::tempdir().unwrap();
    let dir = saved_session(root.path(), &session(), GROUP);

    // The learner stands in for the voice encoder: one voice per speaker it is given.
    let given: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut opts = options(ScriptedPipeline::new(session()).instant().into_starter());
    opts.groups_dir = groups.path().to_path_buf();
    opts.voice_learner = {
        let given = given.clone();
        Arc::new(move |rec: &Recording, t: &Transcript| {
            assert!(matches!(rec, Recording::File(p) if p.ends_with("audio.wav")));
            let out = one_voice_per_speaker(t);
            given
                .lock()
                .unwrap()
                .extend(out.voices.iter().map(|v| v.name.clone()));
            Ok(out)
        })
    };
    let mut h = harness_with(SIZE, opts);
    let doc = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
    h.state_mut()
        .show_review_screen(ReviewScreen::new(doc, None));
    h.run_steps(3);
    h.get_by_label("Stemmen bewaren voor groep…").click();
    h.run_steps(3);
    let step = |h: &Harness<'static, ObservantApp>| {
        h.state()
            .review()
            .and_then(|r| r.state.voices.as_ref())
            .map(|v| v.step)
    };
    assert_eq!(step(&h), Some(VoiceStep::Unlock));
    // The groups are locked in this process: the dialog asks the passphrase.
    h.get_by_label_contains("Voer het wachtwoord in om groepen te zien");
    let field = h
        .query_all(by().role(Role::PasswordInput))
        .last()
        .expect("passphrase field");
    field.focus();
    field.type_text(PASS);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Openen").click();
    pump(&mut h, |app| {
        app.review()
            .and_then(|r| r.state.voices.as_ref())
            .is_some_and(|v| v.step == VoiceStep::Group && !v.busy())
    });
    // The session's own group is chosen already.
    assert_eq!(
        h.state()
            .review()
            .unwrap()
            .state
            .voices
            .as_ref()
            .unwrap()
            .group,
        GROUP
    );
    h.get_by_label("Verder").click();
    h.run_steps(2);
    // Anna consented before: updated without asking. Bram is a member without consent;
    // Carla and Dirk are guests.
    h.get_by_label_contains("profiel wordt bijgewerkt: Anna");
    h.get_by_label("Stemprofiel bewaren voor Bram?");
    h.get_by_label("Ja").click();
    h.run_steps(2);
    h.get_by_label("Stemprofiel bewaren voor Carla?");
    h.get_by_label_contains("Carla is nog geen lid van Intervisie Noord");
    h.get_by_label("Nee").click();
    h.run_steps(2);
    h.get_by_label("Stemprofiel bewaren voor Dirk?");
    h.get_by_label("Ja").click();
    pump(&mut h, |app| {
        app.review()
            .and_then(|r| r.state.voices.as_ref())
            .is_some_and(|v| v.step == VoiceStep::Done)
    });
    h.get_by_label("Stemprofielen bewaard voor Anna, Bram, Dirk.");

    // Carla said no: her voice was not even computed.
    assert_eq!(*given.lock().unwrap(), ["Anna", "Bram", "Dirk"]);
    let g = on_disk(groups.path());
    let anna = g.member("Anna").unwrap();
    assert_eq!(anna.prints.len(), 2, "Anna's profile updated");
    let bram = g.member("Bram").unwrap();
    assert!(bram.consent && bram.has_profile());
    assert_eq!(
        bram.prints[0].source,
        dir.file_name().unwrap().to_str().unwrap()
    );
    assert!(g.member("Carla").is_none(), "no consent, not kept");
    let dirk = g.member("Dirk").expect("the guest became a member");
    assert!(dirk.consent && dirk.has_profile());
    assert_eq!(g.sessions_learnt, 1);

    h.get_by_label("Sluiten").click();
    h.run_steps(2);
    assert!(h.state().review().unwrap().state.voices.is_none());
}

#[test]
fn a_profile_from_a_few_seconds_is_shown_as_thin() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = three();
    let mut dirk = Member::new("Dirk");
    dirk.consent = true;
    assert!(dirk.add_print(VoicePrint::new(&axis(3), 6.0, "eerder.wav", 1)));
    g.members.push(dirk);
    store_with(dir.path(), g);
    let mut h = start_screen_unlocked(
        dir.path(),
        ScriptedPipeline::new(session()).instant().into_starter(),
    );
    h.get_by_label("Beheren…").click();
    h.run_steps(2);
    // Dirk spoke 6 s when his voice was learnt: his profile names him only on a close match.
    h.get_by_label("stemprofiel (1 opname(s), 6 s); dun: noemt alleen bij een sterke gelijkenis");
    assert_eq!(
        h.query_all_by_label("stemprofiel (1 opname(s), 30 s)")
            .count(),
        3
    );
}

#[test]
fn forgetting_a_member_after_confirming_removes_them_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    store_with(dir.path(), three());
    let mut h = start_screen_unlocked(
        dir.path(),
        ScriptedPipeline::new(session()).instant().into_starter(),
    );
    h.get_by_label("Beheren…").click();
    h.run_steps(2);
    assert_eq!(
        h.query_all_by_label("stemprofiel (1 opname(s), 30 s)")
            .count(),
        3,
        "every member shows their voice profile"
    );
    h.get_by_label("Lid vergeten: Bram").click();
    h.run_steps(2);
    h.get_by_label_contains("Bram uit Intervisie Noord vergeten?");
    // Cancelling keeps Bram.
    h.get_by_label("Annuleren").click();
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("Bram uit Intervisie Noord vergeten?")
            .is_none()
    );
    assert!(on_disk(dir.path()).member("Bram").is_some());

    h.get_by_label("Lid vergeten: Bram").click();
    h.run_steps(2);
    h.get_by_label("Ja, vergeten").click();
    pump(&mut h, |app| {
        !app.form.groups.busy() && app.form.groups.groups[0].members.len() == 2
    });
    h.get_by_label("Bram is vergeten.");
    assert!(h.query_by_label("Lid vergeten: Bram").is_none());
    let g = on_disk(dir.path());
    let names: Vec<&str> = g.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Anna", "Carla"]);
    // Nothing of Bram is in the store's files (they are encrypted anyway).
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        assert!(!bytes.windows(4).any(|w| w == b"Bram"));
    }
}

#[test]
fn at_the_end_of_a_group_session_members_are_updated_and_new_names_asked_at_once() {
    let groups = tempfile::tempdir().unwrap();
    let mut g = Group::new(GROUP);
    g.members = vec![
        voiced("Anna", 0, Some(PRole::Facilitator)),
        Member::new("Bram"),
    ];
    store_with(groups.path(), g);
    let root = tempfile::tempdir().unwrap();
    let dir = saved_session(root.path(), &session(), GROUP);
    let mut opts = options(ScriptedPipeline::new(session()).instant().into_starter());
    opts.groups_dir = groups.path().to_path_buf();
    opts.voice_learner = Arc::new(|_: &Recording, t: &Transcript| Ok(one_voice_per_speaker(t)));
    let mut h = harness_with(SIZE, opts);
    let doc = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
    h.state_mut()
        .show_review_screen(ReviewScreen::new(doc, None));
    // What the app does when a live session for the group ends and review opens.
    if let Some(r) = h.state_mut().review_mut() {
        r.offer_group_voices(UiLang::Nl);
    }
    h.run_steps(3);
    let field = h
        .query_all(by().role(Role::PasswordInput))
        .last()
        .expect("passphrase field");
    field.focus();
    field.type_text(PASS);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Openen").click();
    pump(&mut h, |app| {
        app.review()
            .and_then(|r| r.state.voices.as_ref())
            .is_some_and(|v| v.step == VoiceStep::Ask && !v.busy())
    });
    // No group to choose: Anna is updated, Bram (member without consent) asked first.
    h.get_by_label_contains("profiel wordt bijgewerkt: Anna");
    h.get_by_label("Stemprofiel bewaren voor Bram?");
    for _ in 0..3 {
        h.get_by_label("Nee").click();
        h.run_steps(2);
    }
    pump(&mut h, |app| {
        app.review()
            .and_then(|r| r.state.voices.as_ref())
            .is_some_and(|v| v.step == VoiceStep::Done)
    });
    let g = on_disk(groups.path());
    assert_eq!(g.member("Anna").unwrap().prints.len(), 2, "Anna updated");
    assert!(!g.member("Bram").unwrap().has_profile());
    assert!(g.member("Carla").is_none() && g.member("Dirk").is_none());
}

#[test]
fn a_session_without_a_group_offers_nothing_at_its_end() {
    let groups = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let dir = saved_session(root.path(), &session(), GROUP);
    let screen = |group: Option<String>| {
        let mut doc = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
        if let Some(s) = doc.session.as_mut() {
            s.meta.group = group;
        }
        let mut r = ReviewScreen::new(doc, None);
        r.state.groups = Some(observant::ui::groups::GroupVault::new(
            groups.path().to_path_buf(),
        ));
        r.state.voice_learner = Some(Arc::new(|_: &Recording, _: &Transcript| {
            Ok(Learnt::default())
        }));
        r.offer_group_voices(UiLang::Nl);
        r
    };
    assert!(screen(None).state.voices.is_none());
    let with = screen(Some(GROUP.into()));
    let v = with.state.voices.as_ref().expect("offered for the group");
    assert!(v.auto_choose && v.group == GROUP);
}
