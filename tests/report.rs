//! Process-evaluation reports on the visible sessions in `tests/fixtures/sessions/`: the
//! numbers in the report are the analysis' numbers (talk shares, question counts, flag and
//! episode counts and times), pseudonymised HTML and Markdown hold no participant name
//! anywhere, the HTML is self-contained, and `observant report` / `observant progress`
//! behave as the contract says (exit 0 and a file with `-o`; one-line errors).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::analysis::session::analyze;
use observant::analysis::{Analysis, FlagKind};
use observant::i18n::UiLang;
use observant::report::labels::{kind_label, role_label};
use observant::report::{self, Report, ReportSource, pct, to_html, to_markdown};
use observant::session::{Entry, Note, Session, SessionMeta};
use observant::time::clock_padded as fmt_clock;
use observant::transcript::Transcript;
use observant::transcript::parse::load_transcript;

fn sessions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions")
}

/// The visible sessions (transcripts, not their truth files).
fn sessions() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(sessions_dir())
        .expect("sessions dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with(".truth.json")
        })
        .collect();
    v.sort();
    assert!(v.len() >= 3, "expected the visible sessions, got {v:?}");
    v
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

fn config(ui: UiLang) -> Config {
    Config {
        ui,
        ..Config::default()
    }
}

fn load(p: &Path) -> Transcript {
    load_transcript(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn analysis_and_report(p: &Path, ui: UiLang) -> (Analysis, Report) {
    let t = load(p);
    let cfg = config(ui);
    // The analysis as a reader sees it: its words written in `ui`.
    let mut a = analyze(&t, Classifier::shared(), &cfg);
    report::words::write_analysis(&mut a, ui);
    let r = report::generate(
        ReportSource::from_transcript(t, stem(p)),
        Classifier::shared(),
        &cfg,
        false,
    );
    (a, r)
}

fn esc(s: &str) -> String {
    observant::report::svg::esc(s)
}

fn observant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_observant"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run observant")
}

/// Whole-word, case-insensitive occurrences of `name` in `text`.
fn find_name(text: &str, name: &str) -> Option<String> {
    let re = regex::Regex::new(&format!(r"(?i)\b{}\b", regex::escape(name))).unwrap();
    re.find(text).map(|m| {
        let a = text[..m.start()]
            .char_indices()
            .rev()
            .nth(60)
            .map_or(0, |(i, _)| i);
        let b = (m.end() + 60).min(text.len());
        let b = (b..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        text[a..b].to_string()
    })
}

fn assert_no_names(text: &str, names: &[String], what: &str) {
    for n in names {
        if let Some(ctx) = find_name(text, n) {
            panic!("{what}: participant name {n:?} found: …{ctx}…");
        }
    }
}

fn assert_self_contained(html: &str, what: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "http://", "https://", "src=", "<script", "<link", "@import", "url(", "<iframe", "<object",
        "<embed", "<img",
    ] {
        assert!(!lower.contains(bad), "{what}: HTML holds {bad:?}");
    }
    assert!(lower.starts_with("<!doctype html>"), "{what}");
    assert!(
        lower.contains("<style>") && lower.contains("<svg"),
        "{what}"
    );
    assert!(lower.trim_end().ends_with("</html>"), "{what}");
}

#[test]
fn report_numbers_are_the_analysis_numbers() {
    for p in sessions() {
        let what = stem(&p);
        let (a, r) = analysis_and_report(&p, UiLang::Nl);
        // The model: statistics, flags and steps as the analysis has them.
        assert_eq!(r.speakers, a.speakers, "{what}");
        assert_eq!(r.duration_seconds, a.duration_seconds, "{what}");
        assert_eq!(r.utterance_count, a.utterances.len(), "{what}");
        assert_eq!(r.steps, a.steps, "{what}");
        assert_eq!(r.excluded_flags, 0);
        let flags: Vec<_> = r.flags.iter().map(|f| f.flag.clone()).collect();
        assert_eq!(flags, a.flags, "{what}");
        for kind in [FlagKind::Advice, FlagKind::RapidFire, FlagKind::Dominance] {
            assert_eq!(
                r.count(kind),
                a.flags.iter().filter(|f| f.kind == kind).count(),
                "{what}: {kind:?}"
            );
        }
        let q: u32 = a.speakers.iter().map(|s| s.questions).sum();
        let why: u32 = a.speakers.iter().map(|s| s.why_questions).sum();
        assert_eq!(
            (r.totals.questions, r.totals.why_questions),
            (q, why),
            "{what}"
        );

        // The rendered HTML shows these numbers.
        let html = to_html(&r, UiLang::Nl);
        for s in &a.speakers {
            let talk_row = format!(
                r#"<td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td>"#,
                esc(&s.name),
                role_label(s.role, UiLang::Nl),
                fmt_clock(s.talk_seconds),
                pct(s.share),
                s.turns
            );
            assert!(html.contains(&talk_row), "{what}: no talk row {talk_row}");
            let q_row = format!(
                r#"<td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td>"#,
                esc(&s.name),
                s.questions,
                s.open_questions,
                s.closed_questions,
                s.why_questions,
                s.advice,
                s.informative_questions,
                s.experience_questions,
                s.categories[0],
                s.categories[1],
                s.categories[2],
                s.categories[3]
            );
            assert!(html.contains(&q_row), "{what}: no question row {q_row}");
            // The chart labels the bar with the same share.
            assert!(
                html.contains(&format!(
                    "{} \u{b7} {}",
                    pct(s.share),
                    fmt_clock(s.talk_seconds)
                )),
                "{what}: chart label of {}",
                s.name
            );
        }
        for f in &a.flags {
            let when = if (f.end - f.start).abs() < 0.5 {
                fmt_clock(f.start)
            } else {
                format!("{}\u{2013}{}", fmt_clock(f.start), fmt_clock(f.end))
            };
            let head = format!(
                r#"<span class="when">{}</span><strong>{}</strong>"#,
                when,
                esc(kind_label(f.kind, UiLang::Nl))
            );
            assert!(html.contains(&head), "{what}: no flag {head}");
            assert!(
                html.contains(&esc(&f.message)),
                "{what}: message {}",
                f.message
            );
        }
        for (kind, title) in [
            (FlagKind::Advice, "Advies in plaats van reflectie"),
            (FlagKind::RapidFire, "Spervuur van vragen"),
            (FlagKind::Dominance, "Dominantie"),
        ] {
            let n = a.flags.iter().filter(|f| f.kind == kind).count();
            assert!(
                html.contains(&format!("<h3>{title} ({n})</h3>")),
                "{what}: episode count {title} {n}"
            );
        }
        let why_flags = a
            .flags
            .iter()
            .filter(|f| f.kind == FlagKind::WhyQuestion)
            .count();
        assert!(
            html.contains(&format!(
                r#"<div class="kpi"><b>{why_flags}</b><span>waarom-vragen</span></div>"#
            )),
            "{what}: why kpi"
        );
        assert_self_contained(&html, &what);

        // And the Markdown.
        let md = to_markdown(&r, UiLang::Nl);
        for s in &a.speakers {
            let row = format!(
                "| {} | {} | {} | {} |",
                s.name,
                role_label(s.role, UiLang::Nl),
                fmt_clock(s.talk_seconds),
                pct(s.share)
            );
            assert!(md.contains(&row), "{what}: md row {row}");
        }
        for f in &a.flags {
            let when = if (f.end - f.start).abs() < 0.5 {
                fmt_clock(f.start)
            } else {
                format!("{}\u{2013}{}", fmt_clock(f.start), fmt_clock(f.end))
            };
            let head = format!("- **{} {}**", when, kind_label(f.kind, UiLang::Nl));
            assert!(md.contains(&head), "{what}: md flag {head}");
        }
    }
}

#[test]
fn known_episodes_appear_with_their_times() {
    // nl-spervuur-basisschool: a rapid-fire burst on Sander about 02:53 and a why-question.
    let p = sessions_dir().join("nl-spervuur-basisschool.json");
    let (a, r) = analysis_and_report(&p, UiLang::Nl);
    let rf: Vec<_> = a
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::RapidFire)
        .collect();
    assert_eq!(rf.len(), 1);
    let html = to_html(&r, UiLang::Nl);
    let point = format!("Spervuur van vragen om {}", fmt_clock(rf[0].start));
    assert!(html.contains(&point), "feedback point {point}");
    assert!(html.contains("waarom-vraag (om "), "why feedback point");
    assert!(html.contains("Waarom ben je toen weggelopen?"), "why quote");
    // English on request.
    let en = to_html(&r, UiLang::En);
    assert!(en.contains("<html lang=\"en\">") && en.contains("Rapid-fire questions at"));
}

#[test]
fn pseudonymised_reports_hold_no_participant_name() {
    for p in sessions() {
        let what = stem(&p);
        let t = load(&p);
        let names: Vec<String> = t.participants.iter().map(|x| x.name.clone()).collect();
        assert!(!names.is_empty());
        // Names also in the title and the observer's notes.
        let mut src = ReportSource::from_transcript(
            t.clone(),
            format!("Intervisie van {} met {}", names[0], names[1]),
        );
        src.notes = vec![
            Note {
                t: 30.0,
                text: format!(
                    "{} kijkt weg als {} praat",
                    names[1],
                    names[2].to_uppercase()
                ),
            },
            Note {
                t: 90.0,
                text: format!("{}'s vraag was sterk", names[3].to_lowercase()),
            },
        ];
        src.created_unix = Some(1_764_288_000);
        for ui in [UiLang::Nl, UiLang::En] {
            let r = report::generate(src.clone(), Classifier::shared(), &config(ui), true);
            assert!(r.meta.pseudonymized);
            assert!(!r.flags.is_empty(), "{what}: flags expected");
            let html = to_html(&r, ui);
            let md = to_markdown(&r, ui);
            let json = serde_json::to_string(&r).unwrap();
            assert_no_names(&html, &names, &format!("{what} html {ui:?}"));
            assert_no_names(&md, &names, &format!("{what} md {ui:?}"));
            assert_no_names(&json, &names, &format!("{what} model {ui:?}"));
            assert_self_contained(&html, &what);
            // The roles are there instead.
            assert!(
                html.contains("inbrenger") && html.contains("deelnemer A"),
                "{what}"
            );
            assert!(html.contains("gepseudonimiseerd") || html.contains("pseudonymised"));
        }
    }
}

/// Pseudonymising changes names, never findings: the same flags at the same times, the same
/// question counts (the report redacts the analysis; replacing a name in the text before the
/// analysis once turned "Anna?" into a question more).
#[test]
fn pseudonymised_report_has_the_same_findings() {
    for p in sessions() {
        let what = stem(&p);
        let src = ReportSource::from_transcript(load(&p), what.clone());
        let plain = report::generate(
            src.clone(),
            Classifier::shared(),
            &config(UiLang::Nl),
            false,
        );
        let pseudo = report::generate(src, Classifier::shared(), &config(UiLang::Nl), true);
        let facts = |r: &Report| -> Vec<(FlagKind, String, String)> {
            r.flags
                .iter()
                .map(|f| (f.flag.kind, fmt_clock(f.flag.start), fmt_clock(f.flag.end)))
                .collect()
        };
        assert_eq!(facts(&plain), facts(&pseudo), "{what}");
        let counts = |r: &Report| -> Vec<(u32, u32, u32)> {
            r.speakers
                .iter()
                .map(|s| (s.questions, s.open_questions, s.closed_questions))
                .collect()
        };
        assert_eq!(counts(&plain), counts(&pseudo), "{what}");
    }
}

#[test]
fn session_text_is_escaped() {
    let json = r#"{"language":"nl",
      "participants":[{"name":"<b>Anna</b>","role":"facilitator"},{"name":"Bram & co","role":"inbrenger"}],
      "utterances":[
        {"start":0,"end":3,"speaker":"<b>Anna</b>","text":"<script>alert('x')</script> Welkom"},
        {"start":4,"end":8,"speaker":"Bram & co","text":"Dank je. \"Quotes\" en <img src=x>"},
        {"start":9,"end":12,"speaker":"<b>Anna</b>","text":"Waarom deed je dat?"}]}"#;
    let t = observant::transcript::parse::parse_json(json).unwrap();
    let r = report::generate(
        ReportSource::from_transcript(t, "</title><script>"),
        Classifier::shared(),
        &config(UiLang::Nl),
        false,
    );
    let html = to_html(&r, UiLang::Nl);
    assert!(!html.contains("<script"), "unescaped script");
    assert!(!html.contains("<img"), "unescaped img");
    assert!(!html.contains("<b>Anna"), "unescaped name");
    assert!(html.contains("&lt;b&gt;Anna&lt;/b&gt;"));
    assert!(html.contains("Bram &amp; co"));
    assert_self_contained(&html, "escape");
}

#[test]
fn flags_marked_wrong_are_left_out() {
    let p = sessions_dir().join("nl-crea-wijkverpleging.json");
    let t = load(&p);
    let cfg = config(UiLang::Nl);
    let a = analyze(&t, Classifier::shared(), &cfg);
    let advice: Vec<_> = a
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::Advice)
        .collect();
    assert!(advice.len() >= 2);
    let mut src = ReportSource::from_transcript(t, "crea");
    src.verdicts = vec![
        observant::session::FlagVerdict {
            kind: FlagKind::Advice,
            start: advice[0].start,
            correct: false,
        },
        observant::session::FlagVerdict {
            kind: FlagKind::Advice,
            start: advice[1].start,
            correct: true,
        },
    ];
    let r = report::generate(src, Classifier::shared(), &cfg, false);
    assert_eq!(r.excluded_flags, 1);
    assert_eq!(r.flags.len(), a.flags.len() - 1);
    assert_eq!(r.count(FlagKind::Advice), advice.len() - 1);
    assert!(r.flags.iter().any(|f| f.confirmed));
    let html = to_html(&r, UiLang::Nl);
    assert!(html.contains("bevestigd"));
    assert!(html.contains(&format!(
        "<h3>Advies in plaats van reflectie ({})</h3>",
        advice.len() - 1
    )));
}

#[test]
fn report_command_writes_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = sessions_dir().join("nl-spervuur-basisschool.json");
    let out = dir.path().join("rapport.html");
    let o = observant(&[
        "report",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty(), "nothing on stdout with -o");
    let html = std::fs::read_to_string(&out).unwrap();
    assert_self_contained(&html, "cli");
    assert!(html.contains("<html lang=\"nl\">") && html.contains("Procesevaluatie"));

    // Markdown, English, pseudonymised, to stdout.
    let o = observant(&[
        "--ui-lang",
        "en",
        "report",
        input.to_str().unwrap(),
        "--format",
        "md",
        "--pseudonymize",
    ]);
    assert!(o.status.success());
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.starts_with("# Process evaluation"));
    let names: Vec<String> = load(&input)
        .participants
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_no_names(&md, &names, "cli md");
}

/// A saved session folder from a fixture transcript, with a note and a verdict.
fn make_session(dir: &Path, fixture: &str, created: u64, note: &str) -> PathBuf {
    let t = load(&sessions_dir().join(fixture));
    let meta = SessionMeta {
        title: format!("Sessie met {}", t.participants[0].name),
        created_unix: created,
        participants: t.participants.clone(),
        language: t.language.clone(),
        ..Default::default()
    };
    let sdir = dir.join(fixture.trim_end_matches(".json"));
    let (_s, mut j) = Session::create_in(&sdir, meta).unwrap();
    for (index, u) in t.utterances.iter().enumerate() {
        j.append(&Entry::Utterance {
            index,
            utterance: u.clone(),
        })
        .unwrap();
    }
    j.append(&Entry::Note {
        t: 60.0,
        text: note.into(),
    })
    .unwrap();
    j.flush().unwrap();
    sdir
}

#[test]
fn report_on_a_saved_session_with_notes_pseudonymised() {
    let dir = tempfile::tempdir().unwrap();
    let sdir = make_session(
        dir.path(),
        "nl-spervuur-basisschool.json",
        1_764_288_000,
        "Petra vat goed samen; Sander zucht bij de vragen van Koen.",
    );
    let out = dir.path().join("r.html");
    let o = observant(&[
        "report",
        sdir.to_str().unwrap(),
        "--pseudonymize",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("28-11-2025"), "session date");
    assert!(html.contains("vat goed samen"), "the observer's note");
    let names: Vec<String> = ["Petra", "Sander", "Mirjam", "Koen", "Yvonne", "Hans"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_no_names(&html, &names, "session html");
    assert_self_contained(&html, "session");
}

#[test]
fn bad_input_gives_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/invalid.json");
    let missing = dir.path().join("bestaat-niet.json");
    let cases: Vec<Vec<String>> = vec![
        vec!["report".into(), missing.display().to_string()],
        vec!["report".into(), bad.display().to_string()],
        vec!["report".into(), dir.path().display().to_string()],
        vec![
            "report".into(),
            sessions_dir()
                .join("nl-crea-wijkverpleging.json")
                .display()
                .to_string(),
            "--method".into(),
            "balint".into(),
        ],
        vec!["progress".into(), missing.display().to_string()],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = observant(&args);
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(lines[0].starts_with("observant: "), "{args:?}: {stderr}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn progress_over_two_sessions() {
    let a = sessions_dir().join("nl-spervuur-basisschool.json");
    let b = sessions_dir().join("nl-crea-wijkverpleging.json");
    let o = observant(&[
        "progress",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v["sessions"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for (row, p) in rows.iter().zip([&a, &b]) {
        let t = load(p);
        let an = analyze(&t, Classifier::shared(), &config(UiLang::Nl));
        let count = |k: FlagKind| an.flags.iter().filter(|f| f.kind == k).count() as u64;
        assert_eq!(row["label"], stem(p));
        assert_eq!(
            row["why_questions"].as_u64(),
            Some(count(FlagKind::WhyQuestion))
        );
        assert_eq!(row["advice"].as_u64(), Some(count(FlagKind::Advice)));
        assert_eq!(row["flags"].as_u64(), Some(an.flags.len() as u64));
        let fac: f64 = an
            .speakers
            .iter()
            .filter(|s| s.role == Some(observant::transcript::Role::Facilitator))
            .map(|s| s.share)
            .sum();
        assert!((row["facilitator_share"].as_f64().unwrap() - fac).abs() < 1e-9);
        let ratio = row["open_ratio"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&ratio));
    }

    // Text table (default), HTML with a line plot.
    let o = observant(&["progress", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("nl-spervuur-basisschool") && text.contains("nl-crea-wijkverpleging"));
    let o = observant(&[
        "progress",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert!(o.status.success());
    let html = String::from_utf8(o.stdout).unwrap();
    assert!(html.contains("<polyline"));
    assert_self_contained(&html, "progress");
}

#[test]
fn progress_by_date_orders_saved_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let newer = make_session(
        dir.path(),
        "nl-spervuur-basisschool.json",
        1_764_288_000,
        "later",
    );
    let older = make_session(
        dir.path(),
        "en-dominantie-platformteam.json",
        1_700_000_000,
        "eerder",
    );
    let o = observant(&[
        "progress",
        newer.to_str().unwrap(),
        older.to_str().unwrap(),
        "--by-date",
        "--format",
        "json",
        "--pseudonymize",
    ]);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let dates: Vec<u64> = v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["date_unix"].as_u64().unwrap())
        .collect();
    assert_eq!(dates, vec![1_700_000_000, 1_764_288_000]);
    // The titles named the facilitators; pseudonymised they do not.
    assert_no_names(
        &text,
        &["Petra".into(), "Maarten".into()],
        "progress labels",
    );
}
