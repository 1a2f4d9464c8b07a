//! Every session in `tests/fixtures/sessions/*.json` with a `.truth.json` beside it gives
//! the flags its truth file expects and none it forbids, analysed with the real classifier
//! and the default configuration.
//!
//! Truth semantics: an `expect` entry is met by one flag of its `kind` that satisfies every
//! other key given: `utterance_index` (the flag's `utterances` holds it, or the flag's time
//! span covers that utterance's), `speaker`, `target`, `start_min` / `start_max` (bounds
//! on the flag's start). A `forbid` entry with only `kind` forbids every flag of that kind;
//! with `speaker` only that speaker's flags of that kind.

use std::path::{Path, PathBuf};

use observant::analysis::classify::Classifier;
use observant::analysis::config::Config;
use observant::analysis::session::analyze;
use observant::analysis::{Analysis, Flag};
use observant::transcript::parse::load_transcript;
use serde_json::Value;

fn sessions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions")
}

fn flag_list(a: &Analysis) -> String {
    a.flags
        .iter()
        .map(|f| {
            format!(
                "  {:<34} {:>8.2}-{:<8.2} speaker={:<10} target={:<10} utts={:?}",
                f.kind.as_str(),
                f.start,
                f.end,
                f.speaker.as_deref().unwrap_or("-"),
                f.target.as_deref().unwrap_or("-"),
                f.utterances
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn matches_expect(f: &Flag, e: &Value, a: &Analysis) -> bool {
    if e["kind"].as_str() != Some(f.kind.as_str()) {
        return false;
    }
    if let Some(i) = e.get("utterance_index").and_then(Value::as_u64) {
        let i = i as usize;
        let covers = a
            .utterances
            .get(i)
            .is_some_and(|u| f.start <= u.start + 1e-6 && f.end >= u.end - 1e-6);
        if !f.utterances.contains(&i) && !covers {
            return false;
        }
    }
    if let Some(s) = e.get("speaker").and_then(Value::as_str)
        && f.speaker.as_deref() != Some(s)
    {
        return false;
    }
    if let Some(t) = e.get("target").and_then(Value::as_str)
        && f.target.as_deref() != Some(t)
    {
        return false;
    }
    if let Some(lo) = e.get("start_min").and_then(Value::as_f64)
        && f.start < lo
    {
        return false;
    }
    if let Some(hi) = e.get("start_max").and_then(Value::as_f64)
        && f.start > hi
    {
        return false;
    }
    true
}

fn matches_forbid(f: &Flag, e: &Value) -> bool {
    if e["kind"].as_str() != Some(f.kind.as_str()) {
        return false;
    }
    match e.get("speaker").and_then(Value::as_str) {
        Some(s) => f.speaker.as_deref() == Some(s),
        None => true,
    }
}

/// Problems of one session against its truth file (empty when all is well).
fn check_session(json: &Path, truth: &Path, classifier: &Classifier) -> Vec<String> {
    let name = json
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let t = match load_transcript(json) {
        Ok(t) => t,
        Err(e) => return vec![format!("{name}: cannot load: {e}")],
    };
    let truth: Value = match std::fs::read_to_string(truth)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return vec![format!("{name}: bad truth file: {e}")],
    };
    let a = analyze(&t, classifier, &Config::default());
    let mut problems = Vec::new();
    for e in truth["expect"].as_array().into_iter().flatten() {
        if !a.flags.iter().any(|f| matches_expect(f, e, &a)) {
            let detail = e
                .get("utterance_index")
                .and_then(Value::as_u64)
                .and_then(|i| a.utterances.get(i as usize))
                .map(|u| {
                    format!(
                        " [utterance: {} \"{}\" question={:?} why={} advice={}]",
                        u.speaker, u.text, u.question, u.why, u.advice
                    )
                })
                .unwrap_or_default();
            problems.push(format!("{name}: missing expected {e}{detail}"));
        }
    }
    for e in truth["forbid"].as_array().into_iter().flatten() {
        for f in a.flags.iter().filter(|f| matches_forbid(f, e)) {
            problems.push(format!(
                "{name}: forbidden {e} found: {} {:.1}-{:.1} {:?} ({})",
                f.kind.as_str(),
                f.start,
                f.end,
                f.speaker,
                f.evidence
            ));
        }
    }
    if !problems.is_empty() {
        problems.push(format!("{name}: flags were:\n{}", flag_list(&a)));
    }
    problems
}

#[test]
fn sessions_match_their_truth() {
    let dir = sessions_dir();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("sessions dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().ends_with(".truth.json")
        })
        .collect();
    entries.sort();
    let classifier = Classifier::new();
    let mut checked = 0;
    let mut problems = Vec::new();
    for json in entries {
        let truth = json.with_extension("truth.json");
        if !truth.exists() {
            continue;
        }
        checked += 1;
        problems.extend(check_session(&json, &truth, &classifier));
    }
    assert!(
        checked >= 3,
        "expected at least 3 sessions with truth files in {}",
        dir.display()
    );
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn demo_session_loads_and_shows_the_pitfalls_it_was_written_for() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/demo-session.json");
    let t = load_transcript(&path).expect("demo loads");
    assert_eq!(t.method.as_deref(), Some("crea"));
    assert!(!t.steps.is_empty());
    let a = analyze(&t, &Classifier::new(), &Config::default());
    let duration = a.duration_seconds;
    assert!((420.0..=720.0).contains(&duration), "duration {duration}");
    let has = |k: &str| a.flags.iter().any(|f| f.kind.as_str() == k);
    for kind in ["why_question", "advice", "rapid_fire"] {
        assert!(has(kind), "demo lacks {kind}:\n{}", flag_list(&a));
    }
    assert!(!has("dominance"), "demo has dominance:\n{}", flag_list(&a));
}

/// A session exported as WebVTT (voice tags) or SRT ("Name: text"), read back and given
/// the participants' roles, yields the same flags as the JSON transcript.
#[test]
fn vtt_and_srt_round_trip_give_the_same_flags() {
    use observant::transcript::export::{to_srt, to_vtt};
    use observant::transcript::parse::{apply_participants, parse_srt, parse_vtt};
    let classifier = Classifier::new();
    let key = |a: &Analysis| -> Vec<(String, i64, Option<String>)> {
        a.flags
            .iter()
            .map(|f| {
                (
                    f.kind.as_str().to_string(),
                    (f.start * 100.0).round() as i64,
                    f.speaker.clone(),
                )
            })
            .collect()
    };
    for name in [
        "nl-crea-wijkverpleging.json",
        "nl-spervuur-basisschool.json",
        "en-dominantie-platformteam.json",
    ] {
        let t = load_transcript(&sessions_dir().join(name)).expect("load");
        let want = analyze(&t, &classifier, &Config::default());
        for (fmt, parsed) in [
            ("vtt", parse_vtt(&to_vtt(&t))),
            ("srt", parse_srt(&to_srt(&t))),
        ] {
            let mut back = parsed.unwrap_or_else(|e| panic!("{name} {fmt}: {e}"));
            assert_eq!(back.utterances.len(), t.utterances.len(), "{name} {fmt}");
            for (a, b) in back.utterances.iter().zip(&t.utterances) {
                assert_eq!(a.speaker, b.speaker, "{name} {fmt}");
                assert_eq!(a.text, b.text, "{name} {fmt}");
                assert!((a.start - b.start).abs() < 0.001 && (a.end - b.end).abs() < 0.001);
            }
            apply_participants(&mut back, &t.participants);
            back.language = t.language.clone();
            let got = analyze(&back, &classifier, &Config::default());
            assert_eq!(key(&got), key(&want), "{name} {fmt}");
        }
    }
}
