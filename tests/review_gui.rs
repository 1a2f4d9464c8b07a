//! GUI tests of review mode with egui_kittest: rename a speaker, merge two speakers, mark a
//! flag wrong (counts update), jump to a time by clicking the timeline (the selected and
//! visible line changes, playback is asked to start there), and a 3-hour session staying
//! fast. Audio goes to a test player (no device needed); sessions live in temporary folders
//! (no ../shared). Snapshots land in `tests/snapshots/`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};
use observant::analysis::FlagKind;
use observant::audio::playback::{Player, PlayerStatus};
use observant::i18n::UiLang;
use observant::pipeline::{LiveConfig, PipelineStarter};
use observant::review::Edit;
use observant::review::ReviewDoc;
use observant::session::{Entry, KdfParams, Secret, Session, SessionMeta};
use observant::transcript::Transcript;
use observant::ui::app::ObservantApp;
use observant::ui::review::{ReviewAction, ReviewScreen};
use observant::ui::{AppOptions, ScriptedPipeline};

mod common;

use common::{harness_with, options, participants, pump_session, session};

/// Tall enough that the side panel shows the flags and every speaker without scrolling.
const SIZE: egui::Vec2 = egui::vec2(1280.0, 1100.0);

/// Writes `t` as a saved session folder under `root` (as the live pipeline would).
fn save_session(root: &std::path::Path, t: &Transcript) -> std::path::PathBuf {
    save_session_with(root, t, None)
}

/// [`save_session`], encrypted with `secret` when given.
fn save_session_with(
    root: &std::path::Path,
    t: &Transcript,
    secret: Option<&Secret>,
) -> std::path::PathBuf {
    let meta = SessionMeta {
        title: "Intervisie test".into(),
        created_unix: 1_764_288_000,
        participants: t.participants.clone(),
        method: t.method.clone(),
        language: t.language.clone(),
        ..Default::default()
    };
    let (s, mut j) = Session::create_with(root, meta, secret).unwrap();
    for (index, u) in t.utterances.iter().enumerate() {
        j.append(&Entry::Utterance {
            index,
            utterance: u.clone(),
        })
        .unwrap();
    }
    for m in &t.steps {
        j.append(&Entry::Step {
            step: m.step,
            t: m.start,
        })
        .unwrap();
    }
    j.flush().unwrap();
    s.dir
}

/// A player that plays nothing and records where it was asked to play.
#[derive(Clone, Default)]
struct TestPlayer {
    calls: Arc<Mutex<Vec<f64>>>,
    status: Arc<Mutex<PlayerStatus>>,
}

impl Player for TestPlayer {
    fn play_from(&mut self, t: f64) {
        self.calls.lock().unwrap().push(t);
        let mut s = self.status.lock().unwrap();
        s.playing = true;
        s.position = t;
    }
    fn pause(&mut self) {
        self.status.lock().unwrap().playing = false;
    }
    fn status(&self) -> PlayerStatus {
        self.status.lock().unwrap().clone()
    }
}

fn app_options() -> AppOptions {
    options(ScriptedPipeline::new(session()).instant().into_starter())
}

/// An unsaved review of the test session, with `audio` as its recording.
fn unsaved_doc(audio: Option<&str>) -> ReviewDoc {
    unsaved_doc_of(session(), audio)
}

/// An unsaved review of `t`, with `audio` as its recording.
fn unsaved_doc_of(t: Transcript, audio: Option<&str>) -> ReviewDoc {
    ReviewDoc::new(
        observant::review::Origin::Unsaved("test".into()),
        "test".into(),
        t,
        observant::review::History::default(),
        audio.map(Into::into),
        UiLang::Nl,
    )
}

/// The app showing `doc` in review, with a test player.
fn review_harness(doc: ReviewDoc, player: TestPlayer) -> Harness<'static, ObservantApp> {
    let mut h = harness_with(SIZE, app_options());
    h.state_mut()
        .show_review_screen(ReviewScreen::new(doc, Some(Box::new(player))));
    h.run_steps(4);
    h
}

/// The app listing the sessions under `root`, after clicking "Terugkijken" on the (only) one.
fn review_the_saved_session(root: &std::path::Path) -> Harness<'static, ObservantApp> {
    let mut opts = app_options();
    opts.sessions_root = Some(root.to_path_buf());
    let mut h = harness_with(SIZE, opts);
    h.run_steps(3);
    h.get_by_role_and_label(Role::Button, "Terugkijken").click();
    h.run_steps(2);
    h
}

fn review<'h>(h: &'h Harness<'static, ObservantApp>) -> &'h ReviewScreen {
    h.state().review().expect("review on screen")
}

#[test]
fn renaming_a_speaker_updates_every_line_and_survives_reopening() {
    let root = tempfile::tempdir().unwrap();
    let dir = save_session(root.path(), &session());
    let doc = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
    let mut h = review_harness(doc, TestPlayer::default());
    assert_eq!(
        h.query_all(by().label("Dirk").role(Role::Button)).count(),
        3
    );
    h.get_by_label("Hernoemen Dirk").click();
    h.run_steps(2);
    let field = h.get_by_role_and_label(Role::TextInput, "Nieuwe naam");
    field.focus();
    field.type_text("Daan");
    h.run_steps(1);
    h.get_by_label("Opslaan").click();
    h.run_steps(3);
    let r = review(&h);
    assert!(r.doc.lanes.contains(&"Daan".to_string()));
    assert!(!r.doc.lanes.contains(&"Dirk".to_string()));
    assert_eq!(
        h.query_all(by().label("Daan").role(Role::Button)).count(),
        3
    );
    assert_eq!(
        h.query_all(by().label("Dirk").role(Role::Button)).count(),
        0
    );
    // Statistics follow: Daan has Dirk's three questions and advice.
    let stats = r.doc.stats_of("Daan").expect("stats for Daan");
    assert_eq!(stats.turns, 3);
    // Saved with the session, the journal untouched.
    let back = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
    assert!(back.lanes.contains(&"Daan".to_string()));
    h.remove_cursor();
    h.run_steps(2);
    let _ = h.try_snapshot("review_renamed");
}

#[test]
fn merging_two_speakers_moves_their_lines_and_talk_time() {
    let doc = unsaved_doc(None);
    let carla = doc.stats_of("Carla").map_or(0.0, |s| s.talk_seconds);
    let dirk = doc.stats_of("Dirk").map_or(0.0, |s| s.talk_seconds);
    let mut h = review_harness(doc, TestPlayer::default());
    h.get_by_label("Samenvoegen Carla").click();
    h.run_steps(2);
    h.get_by_label("= Dirk").click();
    h.run_steps(3);
    let r = review(&h);
    assert!(!r.doc.lanes.contains(&"Carla".to_string()));
    let merged = r.doc.stats_of("Dirk").map_or(0.0, |s| s.talk_seconds);
    assert!((merged - (carla + dirk)).abs() < 1e-6, "{merged}");
    assert_eq!(
        h.query_all(by().label("Dirk").role(Role::Button)).count(),
        5
    );
    assert_eq!(
        h.query_all(by().label("Carla").role(Role::Button)).count(),
        0
    );
}

#[test]
fn marking_a_flag_wrong_updates_the_counts_at_once() {
    let root = tempfile::tempdir().unwrap();
    let dir = save_session(root.path(), &session());
    let doc = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
    let why = doc
        .analysis
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::WhyQuestion)
        .count();
    assert_eq!(why, 1, "one why-question in the session");
    let mut h = review_harness(doc, TestPlayer::default());
    h.get_by_label("waarom 1");
    h.get_by_label("Onjuist waarom 0:41").click();
    h.run_steps(3);
    assert!(h.query_by_label("waarom 1").is_none(), "the count is gone");
    h.get_by_label("1 als onjuist gemarkeerd (niet meegeteld)");
    let r = review(&h);
    assert!(
        r.doc
            .flag_counts()
            .iter()
            .all(|(k, _)| *k != FlagKind::WhyQuestion)
    );
    // The report leaves it out too, and the verdict is kept with the session.
    let report = observant::report::generate(
        r.doc.report_source(),
        observant::analysis::classify::Classifier::shared(),
        &observant::analysis::config::Config::default(),
        false,
    );
    assert_eq!(report.count(FlagKind::WhyQuestion), 0);
    assert_eq!(report.excluded_flags, 1);
    let back = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
    assert_eq!(back.excluded_flags(), 1);
    // Marking it wrong again takes the verdict back.
    h.get_by_label("Onjuist waarom 0:41").click();
    h.run_steps(3);
    h.get_by_label("waarom 1");
}

#[test]
fn clicking_the_timeline_jumps_there_and_plays_from_there() {
    let doc = unsaved_doc(Some("/test/audio.wav"));
    let player = TestPlayer::default();
    let mut h = review_harness(doc, player.clone());
    assert_eq!(review(&h).state.selected, Some(0));
    let rect = h.get_by_label("Tijdlijn").rect();
    // 96 px of lane names, then the session (84 s) over the rest: aim at 72 s (Dirk's advice).
    let x = rect.left() + 96.0 + (rect.width() - 96.0) * (72.0 / 84.0);
    let p = egui::pos2(x, rect.center().y);
    h.hover_at(p);
    h.run_steps(1);
    h.drag_at(p);
    h.run_steps(1);
    h.drop_at(p);
    h.run_steps(3);
    let calls = player.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!((calls[0] - 72.0).abs() < 0.5, "played from {}", calls[0]);
    assert_eq!(
        review(&h).state.selected,
        Some(7),
        "the advice line is selected"
    );
    h.get_by_label_contains("Je moet gewoon een gesprek");
    // Clicking a line's time plays from its start.
    h.get_by_role_and_label(Role::Button, "0:41").click();
    h.run_steps(2);
    assert_eq!(review(&h).state.selected, Some(2));
    assert_eq!(player.calls.lock().unwrap().last().copied(), Some(41.0));
}

#[test]
fn a_three_hour_session_opens_fast_and_jumps_to_its_end() {
    let root = tempfile::tempdir().unwrap();
    let t = observant::analysis::synthetic::session_with_names(3.0);
    let dir = save_session(root.path(), &t);
    let t0 = Instant::now();
    let doc = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
    let open = t0.elapsed();
    let mut h = review_harness(doc, TestPlayer::default());
    let first_frames = t0.elapsed();
    eprintln!(
        "3-hour session ({} lines): open {open:?}, open + first frames {first_frames:?}",
        review(&h).doc.analysis.utterances.len()
    );
    assert!(open < Duration::from_secs(2), "opening took {open:?}");
    let last = review(&h).doc.analysis.utterances.len() - 1;
    let end_label = observant::ui::theme::clock(review(&h).doc.analysis.utterances[last].start);
    assert!(
        h.query_by_role_and_label(Role::Button, &end_label)
            .is_none(),
        "the end is not laid out yet"
    );
    let rect = h.get_by_label("Tijdlijn").rect();
    let p = egui::pos2(rect.right() - 1.0, rect.center().y);
    h.drag_at(p);
    h.run_steps(1);
    h.drop_at(p);
    h.run_steps(4);
    let sel = review(&h).state.selected.unwrap_or(0);
    assert!(sel + 5 >= last, "selected {sel} of {last}");
    let label = observant::ui::theme::clock(review(&h).doc.analysis.utterances[sel].start);
    assert!(
        h.query_all(by().label(&label).role(Role::Button)).count() >= 1,
        "line {sel} is in view"
    );
    let t1 = Instant::now();
    for _ in 0..20 {
        h.step();
    }
    let per_frame = t1.elapsed() / 20;
    assert!(
        per_frame < Duration::from_millis(150),
        "a frame with {last} lines took {per_frame:?}"
    );
}

/// A test passphrase (cheap key derivation: tests only).
fn secret(p: &str) -> Secret {
    Secret::new(p)
        .unwrap()
        .with_kdf(KdfParams::INSECURE_FOR_TESTS)
}

/// Every byte of every file in `dir`.
fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            out.extend(std::fs::read(&p).unwrap());
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A live-session starter that saves the session as the live pipeline does (encrypted with
/// the passphrase from the start screen) and replays `t` at once.
fn saving_starter(t: Transcript) -> PipelineStarter {
    Box::new(move |cfg: LiveConfig| {
        let dir = cfg
            .save_dir
            .clone()
            .expect("the app picks a session folder");
        let meta = SessionMeta {
            title: "Versleutelde sessie".into(),
            participants: t.participants.clone(),
            ..Default::default()
        };
        let (s, mut j) = Session::create_in_with(&dir, meta, cfg.passphrase.as_ref())?;
        for (index, u) in t.utterances.iter().enumerate() {
            j.append(&Entry::Utterance {
                index,
                utterance: u.clone(),
            })?;
        }
        j.flush()?;
        drop((s, j));
        Ok(ScriptedPipeline::new(t.clone()).instant().start())
    })
}

const CORRECTED: &str = "Wat maakte het lastig om het te benoemen, Bram?";

#[test]
fn an_encrypted_live_session_goes_into_review_without_asking_again_and_keeps_edits_encrypted() {
    let root = tempfile::tempdir().unwrap();
    let mut opts = app_options();
    opts.starter = saving_starter(session());
    opts.sessions_root = Some(root.path().to_path_buf());
    let mut h = harness_with(SIZE, opts);
    h.state_mut().start_live(LiveConfig {
        participants: participants(),
        passphrase: Some(secret("live geheim")),
        ..Default::default()
    });
    pump_session(&mut h, |s| s.model.stopped);
    let dir = h
        .state()
        .session()
        .and_then(|s| s.saved_in.clone())
        .expect("saved");
    assert!(Session::is_encrypted_dir(&dir));
    h.get_by_label("Terugkijken en rapport").click();
    h.run_steps(3);
    assert!(h.state().form.unlock.is_none(), "no passphrase prompt");
    assert_eq!(h.state().form.open_message, None);
    let r = review(&h);
    assert!(r.doc.is_encrypted());
    assert_eq!(r.doc.title, "Versleutelde sessie");
    assert_eq!(r.doc.transcript.utterances.len(), 9);
    // A correction is saved at once, encrypted.
    h.state_mut().review_mut().unwrap().apply(
        ReviewAction::Edit(Edit::EditText {
            index: 2,
            text: CORRECTED.into(),
        }),
        UiLang::Nl,
    );
    h.run_steps(2);
    assert_eq!(review(&h).doc.save_error, None);
    h.get_by_label_contains("Wat maakte het lastig");
    assert!(dir.join("review.json.enc").is_file());
    assert!(!dir.join("review.json").exists());
    let bytes = all_bytes(&dir);
    assert!(!contains(&bytes, CORRECTED.as_bytes()));
    assert!(!contains(&bytes, b"Waarom heb je dat nog niet gezegd"));
    // Reopened (as after a restart of review): the correction is there.
    let back = ReviewDoc::open(&dir, UiLang::Nl).unwrap();
    assert_eq!(back.transcript.utterances[2].text, CORRECTED);
}

#[test]
fn reviewing_an_encrypted_saved_session_asks_its_passphrase_and_a_wrong_one_is_calm() {
    let root = tempfile::tempdir().unwrap();
    let dir = save_session_with(root.path(), &session(), Some(&secret("bewaard geheim")));
    let mut h = review_the_saved_session(root.path());
    assert!(h.state().review().is_none());
    h.get_by_label_contains("Deze sessie is versleuteld");
    let type_and_open = |h: &mut Harness<'static, ObservantApp>, pass: &str| {
        // The prompt's field comes after the new session's two passphrase fields.
        let field = h
            .query_all(by().role(Role::PasswordInput))
            .last()
            .expect("the prompt's passphrase field");
        field.focus();
        field.type_text(pass);
        h.run_steps(2);
        assert_eq!(
            h.state().form.unlock.as_ref().map(|u| u.1.as_str()),
            Some(pass)
        );
        let open = h
            .get_all_by_role_and_label(Role::Button, "Openen")
            .last()
            .expect("the prompt's Open button");
        open.click();
        h.run_steps(3);
    };
    type_and_open(&mut h, "fout");
    assert!(h.state().review().is_none());
    h.get_by_label_contains("Dat wachtwoord past niet bij deze sessie");
    assert!(!Session::is_unlocked(&dir));
    type_and_open(&mut h, "bewaard geheim");
    let r = review(&h);
    assert!(r.doc.is_encrypted());
    assert_eq!(r.doc.title, "Intervisie test");
    assert_eq!(r.doc.transcript.utterances.len(), 9);
    assert!(h.state().form.unlock.is_none());
}

/// A session cut off while it was recorded (the app was killed before Whisper caught up):
/// opening it from the start screen first transcribes the audio its transcript is missing,
/// with the bundled model and a progress line, then reviews it whole and says what it added.
/// The session is complete on disk afterwards, so it opens directly the next time.
#[test]
fn opening_an_interrupted_session_transcribes_its_missing_audio_first() {
    let root = tempfile::tempdir().unwrap();
    let clip = observant::audio::load_16k_mono(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/audio/nl-cabin1-clip.wav"),
        None,
    )
    .unwrap();
    let clip_s = clip.len() as f64 / 16000.0;
    let meta = SessionMeta {
        title: "Onderbroken".into(),
        language: Some("nl".into()),
        ..Default::default()
    };
    let (s, mut j) = Session::create_with(root.path(), meta, None).unwrap();
    j.append(&Entry::Utterance {
        index: 0,
        utterance: observant::transcript::Utterance {
            start: 0.0,
            end: clip_s,
            speaker: "Anna".into(),
            text: "Wat al getranscribeerd was.".into(),
            confidence: Some(0.9),
            uncertain_words: Vec::new(),
            speech: None,
        },
    })
    .unwrap();
    j.flush().unwrap();
    drop(j);
    // The clip twice: the second time was never transcribed.
    let mut w = s.create_audio_writer(16000).unwrap();
    w.write(&clip).unwrap();
    w.write(&clip).unwrap();
    w.flush().unwrap();
    drop(w);
    let dir = s.dir.clone();
    drop(s);

    let mut h = review_the_saved_session(root.path());
    assert!(
        h.state().review().is_none(),
        "the tail is transcribed first"
    );
    h.get_by_label_contains("Onderbroken sessie");
    let deadline = Instant::now() + Duration::from_secs(120);
    while h.state().review().is_none() {
        assert!(Instant::now() < deadline, "recovery did not finish");
        std::thread::sleep(Duration::from_millis(50));
        h.step();
    }
    h.run_steps(3);
    let r = review(&h);
    let lines = &r.doc.transcript.utterances;
    assert_eq!(lines[0].text, "Wat al getranscribeerd was.");
    assert!(lines.len() >= 2, "{lines:?}");
    let words: usize = lines[1..]
        .iter()
        .inspect(|u| assert!(u.start >= clip_s - 0.5 && u.speaker == "Anna", "{u:?}"))
        .map(|u| u.text.split_whitespace().count())
        .sum();
    assert!(words >= 5, "{lines:?}");
    let (message, bad) = r
        .state
        .message
        .clone()
        .expect("a message about the recovery");
    assert!(
        !bad && message.contains("Deze sessie werd onderbroken"),
        "{message}"
    );
    h.get_by_label_contains("Deze sessie werd onderbroken");
    let _ = h.try_snapshot("review_recovered");
    assert!(observant::session::transcribed_at(&dir).is_some());
    assert!(observant::app::core::interrupted_session(&dir).is_none());
}

#[test]
fn a_why_question_on_an_uncertain_word_is_shown_and_counted_as_uncertain() {
    // The recogniser was unsure of "waarom" (as it is when it hears "hoe zo" or "maar om").
    let mut t = session();
    let i = t
        .utterances
        .iter()
        .position(|u| u.text.starts_with("Waarom"))
        .unwrap();
    t.utterances[i].uncertain_words = vec!["waarom".into()];
    let doc = unsaved_doc_of(t, None);
    let flag = doc
        .analysis
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::WhyQuestion)
        .expect("the why-question is still flagged");
    assert!(flag.uncertain);
    let mut h = review_harness(doc, TestPlayer::default());
    // The chips (on the line and in the list of flags) ask instead of asserting.
    assert_eq!(h.query_all_by_label("waarom?").count(), 2);
    assert!(h.query_by_label("waarom").is_none());
    let _ = h.try_snapshot("review_uncertain_flag");
    let report = observant::report::generate(
        review(&h).doc.report_source(),
        observant::analysis::classify::Classifier::shared(),
        &observant::analysis::config::Config::default(),
        false,
    );
    assert_eq!(report.count(FlagKind::WhyQuestion), 0);
    assert_eq!(report.count_uncertain(FlagKind::WhyQuestion), 1);
    let md = observant::report::markdown::to_markdown(&report, UiLang::Nl);
    assert!(md.contains("(+1 onzeker)"), "{md}");
}

#[test]
fn the_progress_view_reads_the_saved_sessions_in_the_background() {
    let root = tempfile::tempdir().unwrap();
    save_session(root.path(), &session());
    let mut second = session();
    second.utterances.truncate(5);
    save_session(root.path(), &second);
    let mut opts = app_options();
    opts.sessions_root = Some(root.path().to_path_buf());
    let mut h = harness_with(SIZE, opts);
    h.state_mut()
        .show_review_screen(ReviewScreen::new(unsaved_doc(None), None));
    h.run_steps(3);
    h.get_by_role_and_label(Role::Button, "Voortgang").click();
    h.run_steps(1);
    assert!(review(&h).state.progress.is_some(), "the window opened");
    // The sessions are opened and analysed on a thread of their own; the result arrives.
    common::pump(&mut h, |app| {
        app.review()
            .and_then(|r| r.state.progress.as_ref())
            .is_some_and(|p| p.rows().is_some())
    });
    let p = review(&h).state.progress.as_ref().unwrap().rows().unwrap();
    assert_eq!(p.rows.len(), 2);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert!(root.path().join("voortgang.html").exists());
    h.get_by_label("Voortgang over sessies");
    h.get_by_label_contains("Met grafieken geschreven naar");
}

/// A file dropped on the window, as eframe hands it to the app.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'static, ObservantApp>, path: &std::path::Path) {
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path.to_path_buf())));
    h.step();
}

/// [`common::pump`] with room for a real transcription of a 5-second clip.
fn pump_long(h: &mut Harness<'static, ObservantApp>, done: impl Fn(&ObservantApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "the UI did not get there");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_steps(3);
}

#[test]
fn dropping_a_transcript_a_saved_session_and_a_recording_on_the_start_screen_opens_each() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with(SIZE, app_options());
    h.run_steps(2);

    // A VTT transcript, dropped on the start screen.
    let vtt = dir.path().join("gesprek.vtt");
    std::fs::write(
        &vtt,
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Anna>Waarom heb je dat zo gedaan?\n\n\
         00:00:04.500 --> 00:00:08.000\n<v Bas>Ik wist het niet goed.\n",
    )
    .unwrap();
    drop_file(&mut h, &vtt);
    pump_long(&mut h, |app| app.review().is_some());
    let lines = &review(&h).doc.transcript.utterances;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].speaker, "Anna");
    h.get_by_label_contains("Waarom heb je dat zo gedaan?");

    // A saved session folder, dropped on the start screen.
    h.get_by_label("Naar startscherm").click();
    h.run_steps(2);
    assert!(h.state().review().is_none());
    let root = tempfile::tempdir().unwrap();
    let saved = save_session(root.path(), &session());
    drop_file(&mut h, &saved);
    pump_long(&mut h, |app| {
        app.review()
            .is_some_and(|r| r.doc.title == "Intervisie test")
    });
    assert_eq!(
        review(&h).doc.transcript.utterances.len(),
        session().utterances.len()
    );

    // A recording, dropped on the start screen: transcribed on this device with the bundled
    // model, then reviewed.
    h.get_by_label("Naar startscherm").click();
    h.run_steps(2);
    let wav = dir.path().join("opname.wav");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/audio/nl-cabin1-clip.wav"),
        &wav,
    )
    .unwrap();
    drop_file(&mut h, &wav);
    h.run_steps(2);
    assert!(
        h.state().review().is_none(),
        "a recording is transcribed first"
    );
    pump_long(&mut h, |app| app.review().is_some());
    let words: usize = review(&h)
        .doc
        .transcript
        .utterances
        .iter()
        .map(|u| u.text.split_whitespace().count())
        .sum();
    assert!(words >= 3, "{:?}", review(&h).doc.transcript.utterances);

    // A review takes a dropped file too: the transcript replaces the recording's review.
    drop_file(&mut h, &vtt);
    pump_long(&mut h, |app| {
        app.review()
            .is_some_and(|r| r.doc.transcript.utterances.len() == 2)
    });

    // Something else says so, on the start screen.
    let other = dir.path().join("notities.txt");
    std::fs::write(&other, "x").unwrap();
    drop_file(&mut h, &other);
    h.run_steps(3);
    assert!(h.state().review().is_none());
    h.get_by_label_contains("Dit kan Observant niet openen");
}

#[test]
fn the_model_picker_lists_the_model_folder_and_refuses_a_truncated_model() {
    let folder = tempfile::tempdir().unwrap();
    let bundled = observant::default_model_path();
    // A model in the folder (a link to the bundled file: same bytes, no 80 MB copy) and a
    // truncated copy beside it.
    #[cfg(unix)]
    std::os::unix::fs::symlink(&bundled, folder.path().join("ggml-eigen.bin")).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(&bundled, folder.path().join("ggml-eigen.bin")).unwrap();
    let whole = std::fs::read(&bundled).unwrap();
    let half = tempfile::tempdir().unwrap();
    let cut = half.path().join("ggml-half.bin");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    std::fs::write(
        folder.path().join("ggml-kapot.bin"),
        &whole[..whole.len() / 3],
    )
    .unwrap();

    let mut h = harness_with(SIZE, app_options());
    h.state_mut().form.models = observant::ui::models::ModelShelf::new(folder.path().to_path_buf());
    pump_long(&mut h, |app| {
        !app.form.models.busy() && !app.form.models.listed().is_empty()
    });
    // The picker opens on the bundled model and lists the folder's, the broken one with why.
    let picker = h.get_by_role_and_label(Role::ComboBox, "Spraakmodel");
    assert_eq!(
        picker.accesskit_node().value().as_deref(),
        Some("ggml-base-q8_0.bin (base)")
    );
    picker.click();
    h.run_steps(2);
    h.get_by_label_contains("ggml-eigen.bin: base, meertalig");
    h.get_by_label_contains("Niet bruikbaar: ggml-kapot.bin is onvolledig");
    h.get_by_label_contains("ggml-eigen.bin: base").click();
    h.run_steps(2);
    assert!(
        h.state().form.model_path.ends_with("ggml-eigen.bin"),
        "{}",
        h.state().form.model_path
    );

    // Dropping a truncated model adds nothing and says why, on one line.
    drop_file(&mut h, &cut);
    pump_long(&mut h, |app| !app.form.models.busy());
    let (message, problem) = h.state().form.models.message.clone().expect("a message");
    assert!(problem && message.contains("onvolledig"), "{message}");
    assert!(!message.contains('\n'));
    assert!(!folder.path().join("ggml-half.bin").exists());
    h.get_by_label_contains("Niet toegevoegd: ggml-half.bin is onvolledig");

    // "Model toevoegen…" with a typed path: a good model is copied in and chosen.
    // (No dialog in tests: the typed path appears instead.)
    h.get_by_label("Model toevoegen…").click();
    pump_long(&mut h, |app| app.form.models.show_add);
    let field = h.get_by_label("Modelbestand");
    field.click();
    h.run_steps(1);
    h.get_by_label("Modelbestand")
        .type_text(&folder.path().join("ggml-eigen.bin").display().to_string());
    h.run_steps(1);
    assert!(h.state().form.models.add_path.ends_with("ggml-eigen.bin"));
    let other = tempfile::tempdir().unwrap();
    h.state_mut().form.models.dir = other.path().to_path_buf();
    h.get_by_label("Toevoegen").click();
    h.run_steps(1);
    pump_long(&mut h, |app| !app.form.models.busy());
    assert_eq!(
        h.state().form.model_path,
        other.path().join("ggml-eigen.bin").display().to_string(),
        "{:?}",
        h.state().form.models.message
    );
    assert!(other.path().join("ggml-eigen.bin").is_file());
    h.get_by_label_contains("Toegevoegd: ggml-eigen.bin");
}

#[test]
fn browse_opens_what_the_desktop_dialog_chose_and_places_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let vtt = dir.path().join("gekozen.vtt");
    std::fs::write(
        &vtt,
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Anna>Wat wil je bereiken?\n",
    )
    .unwrap();
    let asked: Arc<Mutex<Vec<observant::app::dialog::Request>>> = Arc::default();
    let mut opts = app_options();
    let (answer, log, elsewhere) = (vtt.clone(), asked.clone(), dir.path().join("elders"));
    std::fs::create_dir_all(&elsewhere).unwrap();
    // Open: the VTT; save: the proposed name in another folder.
    opts.file_picker = Arc::new(move |req: &observant::app::dialog::Request| {
        log.lock().unwrap().push(req.clone());
        Ok(Some(match &req.save_as {
            Some(name) => elsewhere.join(name),
            None => answer.clone(),
        }))
    });
    let mut h = harness_with(SIZE, opts);
    h.run_steps(2);
    h.get_by_label("Kiezen…").click();
    pump_long(&mut h, |app| app.review().is_some());
    assert_eq!(
        review(&h).doc.transcript.utterances[0].text,
        "Wat wil je bereiken?"
    );
    let open = asked.lock().unwrap()[0].clone();
    assert!(open.save_as.is_none());
    assert!(
        open.filters[0].patterns.iter().any(|p| p == "*.vtt"),
        "{open:?}"
    );

    // In review, "Kiezen…" beside the report path asks where the report goes.
    let proposed = review(&h).state.report_path.clone();
    h.get_by_label("Kiezen…").click();
    pump_long(&mut h, |app| {
        app.review()
            .is_some_and(|r| r.state.report_path.contains("elders"))
    });
    let save = asked.lock().unwrap()[1].clone();
    let name = save.save_as.clone().expect("a save dialog");
    assert!(
        proposed.ends_with(&name) && name.ends_with(".html"),
        "{save:?}"
    );

    // Exporting asks where too, proposing the usual name, and writes there.
    h.get_by_label("Exporteren").click();
    h.run_steps(2);
    h.get_by_label("WebVTT (.vtt)").click();
    pump_long(&mut h, |app| {
        app.review().is_some_and(|r| {
            r.state
                .message
                .as_ref()
                .is_some_and(|(m, _)| m.contains("elders"))
        })
    });
    let export = asked.lock().unwrap()[2].clone();
    let name = export.save_as.expect("a save dialog");
    assert!(name.ends_with(".vtt"), "{name}");
    let written = std::fs::read_to_string(dir.path().join("elders").join(&name)).unwrap();
    assert!(written.contains("Wat wil je bereiken?"), "{written}");
}

#[test]
fn a_line_heard_without_words_shows_as_unintelligible_and_counts_as_talk_time() {
    // A turn in which the recogniser found no word (a far voice, another language) comes
    // with an empty text; review shows it as such, and its speaker keeps the talk time.
    let mut t = session();
    let far = t.utterances.last().map_or(0.0, |u| u.end) + 1.0;
    t.utterances.push(observant::transcript::Utterance {
        start: far,
        end: far + 4.0,
        speaker: "Ver weg".into(),
        text: String::new(),
        confidence: Some(0.0),
        uncertain_words: Vec::new(),
        speech: None,
    });
    let doc = unsaved_doc_of(t, None);
    let talk = doc.stats_of("Ver weg").map_or(0.0, |s| s.talk_seconds);
    assert!((talk - 4.0).abs() < 1e-6, "{talk}");
    let h = review_harness(doc, TestPlayer::default());
    h.get_by_label("(onverstaanbaar)");
}
