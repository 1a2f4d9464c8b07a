//! Do the labels survive speech? (issue 14) The `#[ignore]`d evaluations read
//! `../shared/data` (CI runs them with `--ignored`): `observant analyze` on each recording
//! against `observant classify` on the truth text of the same time span (the measure of
//! `shared/tools/score_labels.py`), plus the share of turns whose first word is found at the
//! start of the utterance covering them (`observant::analysis::survival`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use observant::analysis::survival::{Label, LabelCount, first_words, label_counts};
use observant::analysis::{Analysis, Classification};
use observant::transcript::Transcript;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_observant"))
}

fn shared(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(p)
}

fn analyze(wav: &Path) -> Analysis {
    let out = bin()
        .arg("analyze")
        .arg(wav)
        .args(["--format", "json", "--lang", "nl"])
        .output()
        .expect("run observant");
    assert!(
        out.status.success(),
        "analyze failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("analysis JSON")
}

fn classify(texts: &[String]) -> Vec<Classification> {
    use std::io::Write;
    let mut child = bin()
        .args(["classify", "--lang", "nl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run observant classify");
    let input: String = texts.iter().map(|t| t.replace('\n', " ") + "\n").collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("classify JSON"))
        .collect()
}

struct Scores {
    labels: [LabelCount; 3],
    first: (usize, usize),
}

fn eval_dir(dir: &str) -> Scores {
    let mut s = Scores {
        labels: [LabelCount::default(); 3],
        first: (0, 0),
    };
    let mut files: Vec<_> = std::fs::read_dir(shared(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    files.sort();
    for wav in files {
        let truth: Transcript =
            serde_json::from_str(&std::fs::read_to_string(wav.with_extension("json")).unwrap())
                .unwrap();
        let texts: Vec<String> = truth.utterances.iter().map(|u| u.text.clone()).collect();
        let ref_labels = classify(&texts);
        assert_eq!(ref_labels.len(), truth.utterances.len());
        let a = analyze(&wav);
        let mut line = String::new();
        for (k, label) in Label::ALL.into_iter().enumerate() {
            let n = label_counts(&truth.utterances, &ref_labels, &a.utterances, label);
            line += &format!(" {} {}/{}", label.name(), n.found, n.truth);
            s.labels[k].add(n);
        }
        let pred: Vec<(f64, f64, &str)> = a
            .utterances
            .iter()
            .map(|u| (u.start, u.end, u.text.as_str()))
            .collect();
        let (f, n) = first_words(&truth.utterances, &pred);
        s.first.0 += f;
        s.first.1 += n;
        eprintln!(
            "{}:{line}; first word {f}/{n}",
            wav.file_name().unwrap().to_string_lossy()
        );
    }
    for (k, label) in Label::ALL.into_iter().enumerate() {
        let n = s.labels[k];
        eprintln!(
            "{dir}: {} recall {:.2} precision {:.2} (n={})",
            label.name(),
            n.recall(),
            n.precision(),
            n.truth
        );
    }
    eprintln!(
        "{dir}: first word of a turn found {}/{} = {:.2}",
        s.first.0,
        s.first.1,
        s.first.0 as f64 / s.first.1.max(1) as f64
    );
    s
}

// Floors a little below what this build measures (see the README), so that a change that
// loses turn onsets or labels again fails here. The targets (question recall 0.85,
// why 0.80, advice 0.75, first word 0.85) are not all reached with the bundled base model.

#[test]
#[ignore = "reads ../shared/data/audio-nl (CI runs it)"]
fn eval_labels_survive_clean_dutch_speech() {
    let s = eval_dir("audio-nl");
    let [q, _why, advice] = s.labels;
    assert!(q.recall() >= 0.75, "question recall {}", q.recall());
    assert!(
        q.precision() >= 0.75,
        "question precision {}",
        q.precision()
    );
    assert!(advice.recall() >= 0.30, "advice recall {}", advice.recall());
    let first = s.first.0 as f64 / s.first.1 as f64;
    assert!(first >= 0.62, "first word found {first}");
}

#[test]
#[ignore = "reads ../shared/data/audio-room (CI runs it)"]
fn eval_labels_survive_room_audio() {
    let s = eval_dir("audio-room");
    // Room audio is issue 13's work: measured 0.33 question recall, 0.30 first word.
    let [q, _, _] = s.labels;
    assert!(q.recall() >= 0.20, "question recall {}", q.recall());
    let first = s.first.0 as f64 / s.first.1 as f64;
    assert!(first >= 0.20, "first word found {first}");
}
