//! Reading transcripts: the contract's JSON, WebVTT (with `<v Name>` voice tags as Teams,
//! Zoom and Meet export them) and SRT, plus `--participants` / `--method` overrides.
//!
//! Every problem gives a one-line error, Dutch first and English second, naming what is
//! wrong and where (`utterances[3] (regel/line 17)` for JSON, `regel/line 42` for VTT/SRT).
//!
//! Time rules, the same for every format:
//! * times are finite seconds >= 0 and `end >= start`;
//! * utterances are in time order; a start up to [`ORDER_TOLERANCE_SECONDS`] before the
//!   previous start is tolerated (exporters round) and re-sorted, more is an error;
//! * different speakers may overlap freely (people talk over each other, "mm" during a
//!   turn), but one speaker's utterance may not begin more than
//!   [`SAME_SPEAKER_OVERLAP_SECONDS`] before that speaker's previous utterance ends: one
//!   person cannot say two things at once, so that is a broken transcript.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Value};

use super::{Participant, Role, StepMark, Transcript, Utterance};
use crate::methods;

/// How far (s) an utterance may start before the previous one and still count as in order.
pub const ORDER_TOLERANCE_SECONDS: f64 = 1.0;
/// How far (s) a speaker's utterance may overlap that speaker's previous utterance.
pub const SAME_SPEAKER_OVERLAP_SECONDS: f64 = 0.5;
/// Consecutive VTT/SRT cues of one speaker closer than this (s) are joined into one
/// utterance when the first does not end a sentence.
const CUE_JOIN_GAP_SECONDS: f64 = 1.0;
/// Speaker name for cues without any speaker label before the first label.
const UNKNOWN_SPEAKER: &str = "S1";

const VALID_ROLES: &str =
    "facilitator, inbrenger, deelnemer, observant (presenter, participant, observer)";

/// Reads a transcript file, choosing the parser by extension (`.json`, `.vtt`, `.srt`).
/// Errors name the file and the problem on one line.
pub fn load_transcript(path: &Path) -> Result<Transcript> {
    let shown = path.display();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !matches!(ext.as_str(), "json" | "vtt" | "srt") {
        bail!(
            "{shown}: onbekend transcriptformaat (verwacht .json, .vtt of .srt) / unknown transcript format (expected .json, .vtt or .srt)"
        );
    }
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow!("{shown}: kan bestand niet lezen / cannot read file: {e}"))?;
    let text = decode_text(&bytes).map_err(|e| anyhow!("{shown}: {e}"))?;
    let parsed = match ext.as_str() {
        "json" => parse_json(text),
        "vtt" => parse_vtt(text),
        _ => parse_srt(text),
    };
    parsed.map_err(|e| anyhow!("{shown}: {e}"))
}

/// UTF-8 text of a file without its byte-order mark; names the offset of invalid bytes.
pub fn decode_text(bytes: &[u8]) -> Result<&str> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        bail!("bestand is UTF-16; sla het op als UTF-8 / file is UTF-16; save it as UTF-8");
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow!(
            "geen geldige UTF-8 op byte {at} (regel {line}) / not valid UTF-8 at byte {at} (line {line})"
        )
    })
}

fn empty_file() -> anyhow::Error {
    anyhow!("leeg bestand / empty file")
}

/// Seconds as short text: `12.5`, `3`, `0.042`.
fn secs(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

// ---------------------------------------------------------------------------------------
// JSON

/// Parses the contract's JSON transcript (also a bare array of utterances, and the output of
/// `observant analyze --format json`, whose extra fields are ignored).
pub fn parse_json(text: &str) -> Result<Transcript> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(empty_file());
    }
    let root: Value =
        serde_json::from_str(text).map_err(|e| anyhow!("ongeldige JSON / invalid JSON: {e}"))?;
    let empty = Map::new();
    let (obj, utt_value) = match &root {
        Value::Object(o) => match o.get("utterances") {
            Some(u) => (o, u),
            None => bail!("veld \"utterances\" ontbreekt / missing field \"utterances\""),
        },
        Value::Array(_) => (&empty, &root),
        other => bail!(
            "verwacht een JSON-object met \"utterances\" / expected a JSON object with \"utterances\", found {}",
            type_name(other)
        ),
    };
    let lines = utterance_lines(text);
    let loc = |i: usize| match lines.get(i) {
        Some(l) => format!("utterances[{i}] (regel/line {l})"),
        None => format!("utterances[{i}]"),
    };

    let language = match obj.get("language") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim().to_lowercase()),
        Some(v) => bail!(
            "veld \"language\" moet tekst zijn / field \"language\" must be a string, found {}",
            type_name(v)
        ),
    };
    let participants = match obj.get("participants") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => parse_participant_list(v)?,
    };
    let method = match obj.get("method") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(canonical_method(s)?),
        Some(v) => bail!(
            "veld \"method\" moet tekst zijn / field \"method\" must be a string, found {}",
            type_name(v)
        ),
    };
    let mut steps = match obj.get("steps") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => parse_steps(v)?,
    };
    steps.sort_by(|a, b| a.start.total_cmp(&b.start));

    let arr = match utt_value {
        Value::Array(a) => a,
        v => bail!(
            "veld \"utterances\" moet een lijst zijn / field \"utterances\" must be an array, found {}",
            type_name(v)
        ),
    };
    if arr.is_empty() {
        bail!("geen uitingen in \"utterances\" / no utterances in \"utterances\"");
    }
    let mut utterances = Vec::with_capacity(arr.len());
    let mut locs = Vec::with_capacity(arr.len());
    for (i, v) in arr.iter().enumerate() {
        let at = loc(i);
        let o = match v {
            Value::Object(o) => o,
            other => bail!(
                "{at}: verwacht een object / expected an object, found {}",
                type_name(other)
            ),
        };
        let start = number_field(o, "start").map_err(|e| anyhow!("{at}: {e}"))?;
        let end = number_field(o, "end").map_err(|e| anyhow!("{at}: {e}"))?;
        let speaker = string_field(o, "speaker").map_err(|e| anyhow!("{at}: {e}"))?;
        let speaker = speaker.trim().to_string();
        if speaker.is_empty() {
            bail!("{at}: lege \"speaker\" / empty \"speaker\"");
        }
        let text = string_field(o, "text").map_err(|e| anyhow!("{at}: {e}"))?;
        let confidence = match o.get("confidence") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64().map(|c| c as f32),
            Some(v) => bail!(
                "{at}: veld \"confidence\" moet een getal zijn / field \"confidence\" must be a number, found {}",
                type_name(v)
            ),
        };
        // Optional and lenient: words that are not strings are ignored.
        let uncertain_words = match o.get("uncertain_words") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        utterances.push(Utterance {
            start,
            end,
            speaker,
            text: text.to_string(),
            confidence,
            uncertain_words,
            speech: None,
        });
        locs.push(at);
    }
    validate_times(&mut utterances, &locs)?;
    let t = Transcript {
        language,
        participants,
        utterances,
        method,
        steps,
    };
    check_method(&t)?;
    Ok(t)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "een getal / a number",
        Value::String(_) => "tekst / a string",
        Value::Array(_) => "een lijst / an array",
        Value::Object(_) => "een object / an object",
    }
}

fn number_field(o: &Map<String, Value>, key: &str) -> Result<f64> {
    match o.get(key) {
        None => bail!("veld \"{key}\" ontbreekt / missing field \"{key}\""),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| {
            anyhow!("veld \"{key}\" is geen geldig getal / field \"{key}\" is not a valid number")
        }),
        Some(v) => bail!(
            "veld \"{key}\" moet een getal (seconden) zijn / field \"{key}\" must be a number of seconds, found {}",
            type_name(v)
        ),
    }
}

fn string_field<'a>(o: &'a Map<String, Value>, key: &str) -> Result<&'a str> {
    match o.get(key) {
        None => bail!("veld \"{key}\" ontbreekt / missing field \"{key}\""),
        Some(Value::String(s)) => Ok(s),
        Some(v) => bail!(
            "veld \"{key}\" moet tekst zijn / field \"{key}\" must be a string, found {}",
            type_name(v)
        ),
    }
}

fn unknown_role(context: &str, role: &str) -> anyhow::Error {
    let role = shorten(role, 60);
    anyhow!(
        "{context}: onbekende rol \"{role}\" / unknown role \"{role}\"; geldig / valid: {VALID_ROLES}"
    )
}

/// `participants`: an array of `{"name", "role"}` (or an object `{"Anna": "facilitator"}`).
fn parse_participant_list(v: &Value) -> Result<Vec<Participant>> {
    let mut out: Vec<Participant> = Vec::new();
    let mut push = |ctx: String, name: &str, role: &str| -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            bail!("{ctx}: lege naam / empty name");
        }
        let shown = shorten(name, 60);
        let role =
            Role::parse(role).ok_or_else(|| unknown_role(&format!("{ctx} ({shown})"), role))?;
        if out.iter().any(|p| p.name == name) {
            bail!(
                "{ctx}: deelnemer \"{shown}\" staat er twee keer in / participant \"{shown}\" is listed twice"
            );
        }
        out.push(Participant {
            name: name.to_string(),
            role,
        });
        Ok(())
    };
    match v {
        Value::Array(a) => {
            for (i, p) in a.iter().enumerate() {
                let ctx = format!("participants[{i}]");
                let o = match p {
                    Value::Object(o) => o,
                    other => bail!(
                        "{ctx}: verwacht een object met \"name\" en \"role\" / expected an object with \"name\" and \"role\", found {}",
                        type_name(other)
                    ),
                };
                let name = string_field(o, "name").map_err(|e| anyhow!("{ctx}: {e}"))?;
                let role = string_field(o, "role").map_err(|e| anyhow!("{ctx}: {e}"))?;
                push(ctx, name, role)?;
            }
        }
        Value::Object(o) => {
            for (name, role) in o {
                let ctx = format!("participants.{name}");
                match role {
                    Value::String(r) => push(ctx, name, r)?,
                    other => bail!(
                        "{ctx}: rol moet tekst zijn / role must be a string, found {}",
                        type_name(other)
                    ),
                }
            }
        }
        other => bail!(
            "veld \"participants\" moet een lijst zijn / field \"participants\" must be an array, found {}",
            type_name(other)
        ),
    }
    Ok(out)
}

fn parse_steps(v: &Value) -> Result<Vec<StepMark>> {
    let arr = match v {
        Value::Array(a) => a,
        other => bail!(
            "veld \"steps\" moet een lijst zijn / field \"steps\" must be an array, found {}",
            type_name(other)
        ),
    };
    let mut out = Vec::with_capacity(arr.len());
    for (i, s) in arr.iter().enumerate() {
        let ctx = format!("steps[{i}]");
        let o = match s {
            Value::Object(o) => o,
            other => bail!(
                "{ctx}: verwacht een object met \"step\" en \"start\" / expected an object with \"step\" and \"start\", found {}",
                type_name(other)
            ),
        };
        let step = match o.get("step") {
            None => bail!("{ctx}: veld \"step\" ontbreekt / missing field \"step\""),
            Some(Value::Number(n)) => n
                .as_u64()
                .filter(|&n| (1..=u32::MAX as u64).contains(&n))
                .ok_or_else(|| {
                    anyhow!("{ctx}: \"step\" moet een geheel getal >= 1 zijn / \"step\" must be a whole number >= 1")
                })? as u32,
            Some(other) => bail!(
                "{ctx}: \"step\" moet een getal zijn / \"step\" must be a number, found {}",
                type_name(other)
            ),
        };
        let start = number_field(o, "start").map_err(|e| anyhow!("{ctx}: {e}"))?;
        if !start.is_finite() || start < 0.0 {
            bail!(
                "{ctx}: begintijd moet >= 0 zijn / start must be >= 0 (got {})",
                secs(start)
            );
        }
        out.push(StepMark { step, start });
    }
    Ok(out)
}

/// Canonical method id for a name or alias, or an error listing the valid ones.
pub fn canonical_method(name: &str) -> Result<String> {
    methods::find(name)
        .map(|m| m.id.to_string())
        .ok_or_else(|| {
            anyhow!(
                "onbekende werkvorm \"{}\" / unknown method \"{}\"; geldig / valid: {}",
                shorten(name, 60),
                shorten(name, 60),
                methods::valid_ids()
            )
        })
}

/// Checks the transcript's method and step marks belong together.
pub fn check_method(t: &Transcript) -> Result<()> {
    match &t.method {
        Some(id) => {
            let m = methods::find(id).ok_or_else(|| {
                let id = shorten(id, 60);
                anyhow!(
                    "onbekende werkvorm \"{id}\" / unknown method \"{id}\"; geldig / valid: {}",
                    methods::valid_ids()
                )
            })?;
            methods::check_steps(m, &t.steps).map_err(|e| anyhow!(e))
        }
        None if !t.steps.is_empty() => bail!(
            "stapmarkeringen zonder werkvorm: geef \"method\" of --method / step marks without a method: give \"method\" or --method"
        ),
        None => Ok(()),
    }
}

/// Line numbers (1-based) of the elements of the `utterances` array (or of a top-level
/// array). Scans already-validated JSON; returns what it found if anything is unexpected.
fn utterance_lines(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut sc = Scanner { b, i: 0 };
    let mut offsets = Vec::new();
    sc.ws();
    match sc.peek() {
        Some(b'[') => sc.array_elements(&mut offsets),
        Some(b'{') => {
            sc.i += 1;
            loop {
                sc.ws();
                let Some(key) = sc.string() else { break };
                sc.ws();
                if sc.peek() != Some(b':') {
                    break;
                }
                sc.i += 1;
                sc.ws();
                if key == b"utterances" && sc.peek() == Some(b'[') {
                    sc.array_elements(&mut offsets);
                    break;
                }
                if !sc.skip_value() {
                    break;
                }
                sc.ws();
                if sc.peek() == Some(b',') {
                    sc.i += 1;
                } else {
                    break;
                }
            }
        }
        _ => {}
    }
    let mut lines = Vec::with_capacity(offsets.len());
    let mut line = 1;
    let mut pos = 0;
    for off in offsets {
        line += b[pos..off].iter().filter(|&&c| c == b'\n').count();
        pos = off;
        lines.push(line);
    }
    lines
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    /// Raw bytes of a string (escapes left as they are).
    fn string(&mut self) -> Option<&'a [u8]> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            match c {
                b'\\' => self.i += 2,
                b'"' => {
                    let s = self.b.get(start..self.i);
                    self.i += 1;
                    return s;
                }
                _ => self.i += 1,
            }
        }
        None
    }
    fn skip_value(&mut self) -> bool {
        match self.peek() {
            Some(b'"') => self.string().is_some(),
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                while let Some(c) = self.peek() {
                    match c {
                        b'"' => {
                            if self.string().is_none() {
                                return false;
                            }
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                self.i += 1;
                                return true;
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
                false
            }
            Some(_) => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
                true
            }
            None => false,
        }
    }
    fn array_elements(&mut self, out: &mut Vec<usize>) {
        self.i += 1;
        loop {
            self.ws();
            match self.peek() {
                None | Some(b']') => return,
                _ => {}
            }
            out.push(self.i);
            if !self.skip_value() {
                return;
            }
            self.ws();
            if self.peek() == Some(b',') {
                self.i += 1;
            } else {
                return;
            }
        }
    }
}

/// Checks times and order (see the module documentation) and sorts by start.
fn validate_times(utts: &mut [Utterance], locs: &[String]) -> Result<()> {
    let mut prev_start = f64::NEG_INFINITY;
    let mut prev_loc = 0usize;
    let mut last_by_speaker: HashMap<&str, (f64, usize)> = HashMap::new();
    for (i, u) in utts.iter().enumerate() {
        let at = locs.get(i).map(String::as_str).unwrap_or("?");
        if !u.start.is_finite() || !u.end.is_finite() {
            bail!("{at}: tijd is geen eindig getal / time is not a finite number");
        }
        if u.start < 0.0 || u.end < 0.0 {
            let t = if u.start < 0.0 { u.start } else { u.end };
            bail!(
                "{at}: negatieve tijd ({} s) / negative time ({} s)",
                secs(t),
                secs(t)
            );
        }
        if u.end < u.start {
            bail!(
                "{at}: einde ({e} s) ligt vóór begin ({s} s) / end ({e} s) is before start ({s} s)",
                e = secs(u.end),
                s = secs(u.start)
            );
        }
        if u.start < prev_start - ORDER_TOLERANCE_SECONDS {
            let p = locs.get(prev_loc).map(String::as_str).unwrap_or("?");
            bail!(
                "{at}: begint op {s} s, vóór {p} ({ps} s); uitingen moeten op tijdvolgorde staan / starts at {s} s, before {p} ({ps} s); utterances must be in time order",
                s = secs(u.start),
                ps = secs(prev_start)
            );
        }
        if let Some(&(end, j)) = last_by_speaker.get(u.speaker.as_str())
            && u.start < end - SAME_SPEAKER_OVERLAP_SECONDS
        {
            let p = locs.get(j).map(String::as_str).unwrap_or("?");
            bail!(
                "{at}: overlapt met {p} van dezelfde spreker {n} (tot {e} s) / overlaps {p} by the same speaker {n} (until {e} s)",
                n = u.speaker,
                e = secs(end)
            );
        }
        if u.start >= prev_start {
            prev_start = u.start;
            prev_loc = i;
        }
        let e = last_by_speaker
            .get(u.speaker.as_str())
            .map_or(u.end, |&(e, _)| e.max(u.end));
        last_by_speaker.insert(u.speaker.as_str(), (e, i));
    }
    utts.sort_by(|a, b| a.start.total_cmp(&b.start));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// WebVTT and SRT

/// A cue as read from the file, before speakers are resolved.
struct Cue {
    start: f64,
    end: f64,
    line: usize,
    /// Text pieces with the speaker label that starts them, if any.
    segments: Vec<(Option<String>, String)>,
}

/// Lines of a subtitle file with their 1-based numbers, `\r\n` and `\r` normalised.
fn subtitle_lines(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(str::to_string)
        .collect()
}

/// Blocks of non-blank lines: (line number of the first line, lines).
fn blocks(lines: &[String], from: usize) -> Vec<(usize, Vec<&str>)> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut first = 0;
    for (i, l) in lines.iter().enumerate().skip(from) {
        if l.trim().is_empty() {
            if !cur.is_empty() {
                out.push((first, std::mem::take(&mut cur)));
            }
        } else {
            if cur.is_empty() {
                first = i + 1;
            }
            cur.push(l.as_str());
        }
    }
    if !cur.is_empty() {
        out.push((first, cur));
    }
    out
}

/// User text quoted in an error: on one line (whitespace runs, newlines included, become one
/// space) and at most `n` characters.
fn shorten(s: &str, n: usize) -> String {
    let joined;
    let s = if s.contains(char::is_whitespace) {
        joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
        joined.as_str()
    } else {
        s
    };
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// `[hh:]mm:ss[.,]ttt` to seconds. Hours may have any number of digits.
fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit());
    let (h, m) = if parts.len() == 3 {
        (parts[0], parts[1])
    } else {
        ("0", parts[0])
    };
    let (sec, frac) = match parts[parts.len() - 1].split_once(['.', ',']) {
        Some((a, b)) => (a, Some(b)),
        None => (parts[parts.len() - 1], None),
    };
    if !digits(h) || !digits(m) || !digits(sec) || sec.len() > 2 || h.len() > 6 || m.len() > 6 {
        return None;
    }
    let h: f64 = h.parse().ok()?;
    let m: f64 = m.parse().ok()?;
    let sec: f64 = sec.parse().ok()?;
    if sec >= 60.0 || (parts.len() == 3 && m >= 60.0) {
        return None;
    }
    let frac = match frac {
        Some(f) if digits(f) && f.len() <= 9 => f.parse::<f64>().ok()? / 10f64.powi(f.len() as i32),
        Some(_) => return None,
        None => 0.0,
    };
    Some(h * 3600.0 + m * 60.0 + sec + frac)
}

/// Parses `start --> end [settings]`; the error names the line.
fn parse_timing(line: &str, n: usize) -> Result<(f64, f64)> {
    let bad = || {
        anyhow!(
            "regel {n}: ongeldige tijdregel \"{l}\" / line {n}: invalid cue timing \"{l}\"",
            l = shorten(line, 60)
        )
    };
    let (a, b) = line.split_once("-->").ok_or_else(bad)?;
    let b = b.split_whitespace().next().ok_or_else(bad)?;
    let start = parse_timestamp(a).ok_or_else(bad)?;
    let end = parse_timestamp(b).ok_or_else(bad)?;
    Ok((start, end))
}

/// Parses a WebVTT file: `<v Name>` / `<v.class Name>` voice tags, or `Name: text`
/// prefixes; NOTE/STYLE/REGION blocks, cue ids, cue settings and markup are skipped.
pub fn parse_vtt(text: &str) -> Result<Transcript> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(empty_file());
    }
    let lines = subtitle_lines(text);
    let head = lines.first().map(String::as_str).unwrap_or("");
    let is_header = head == "WEBVTT" || head.starts_with("WEBVTT ") || head.starts_with("WEBVTT\t");
    if !is_header {
        bail!(
            "regel 1: geen WebVTT-bestand (eerste regel moet WEBVTT zijn) / line 1: not a WebVTT file (the first line must be WEBVTT)"
        );
    }
    // The header block runs to the first blank line.
    let body_from = lines
        .iter()
        .position(|l| l.trim().is_empty())
        .unwrap_or(lines.len());
    let mut cues = Vec::new();
    for (first, block) in blocks(&lines, body_from) {
        let head = block[0].trim_start();
        let keyword = |k: &str| {
            head == k || head.starts_with(&format!("{k} ")) || head.starts_with(&format!("{k}\t"))
        };
        if keyword("NOTE") || keyword("STYLE") || keyword("REGION") {
            continue;
        }
        let t = if block[0].contains("-->") {
            0
        } else if block.len() > 1 && block[1].contains("-->") {
            1
        } else {
            bail!(
                "regel {first}: verwacht een tijdregel (00:00:01.000 --> 00:00:04.000), gevonden \"{f}\" / line {first}: expected a cue timing line (00:00:01.000 --> 00:00:04.000), found \"{f}\"",
                f = shorten(block[0], 40)
            );
        };
        let n = first + t;
        let (start, end) = parse_timing(block[t], n)?;
        cues.push(Cue {
            start,
            end,
            line: n,
            segments: split_payload(&block[t + 1..]),
        });
    }
    finish_cues(cues, "WebVTT")
}

/// Parses an SRT file; speakers from `Name: text`, `[Name] text` or `<v Name>` labels.
pub fn parse_srt(text: &str) -> Result<Transcript> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(empty_file());
    }
    let lines = subtitle_lines(text);
    let mut cues = Vec::new();
    for (first, block) in blocks(&lines, 0) {
        let t = if block[0].contains("-->") {
            0
        } else if block.len() > 1 && block[1].contains("-->") {
            1
        } else {
            bail!(
                "regel {first}: verwacht een ondertitelnummer en tijdregel (00:00:01,000 --> 00:00:04,000), gevonden \"{f}\" / line {first}: expected a cue number and timing line (00:00:01,000 --> 00:00:04,000), found \"{f}\"",
                f = shorten(block[0], 40)
            );
        };
        let n = first + t;
        let (start, end) = parse_timing(block[t], n)?;
        cues.push(Cue {
            start,
            end,
            line: n,
            segments: split_payload(&block[t + 1..]),
        });
    }
    finish_cues(cues, "SRT")
}

/// Resolves speakers, splits multi-speaker cues, joins broken sentences, validates times.
fn finish_cues(cues: Vec<Cue>, format: &str) -> Result<Transcript> {
    if cues.is_empty() {
        bail!("geen ondertitels gevonden in {format}-bestand / no cues found in {format} file");
    }
    let mut utts: Vec<Utterance> = Vec::new();
    let mut locs: Vec<String> = Vec::new();
    let mut ends_sentence: Vec<bool> = Vec::new();
    let mut current: Option<String> = None;
    for cue in cues {
        if cue.end < cue.start {
            bail!(
                "regel {n}: einde ({e} s) ligt vóór begin ({s} s) / line {n}: end ({e} s) is before start ({s} s)",
                n = cue.line,
                e = secs(cue.end),
                s = secs(cue.start)
            );
        }
        let total: usize = cue
            .segments
            .iter()
            .map(|(_, t)| t.chars().count().max(1))
            .sum();
        let mut t0 = cue.start;
        let span = cue.end - cue.start;
        for (label, text) in cue.segments {
            let len = text.chars().count().max(1);
            let t1 = if total > 0 && span.is_finite() {
                t0 + span * len as f64 / total as f64
            } else {
                cue.end
            };
            if let Some(l) = label {
                current = Some(l);
            }
            let text = text.trim().to_string();
            if text.is_empty() {
                t0 = t1;
                continue;
            }
            let speaker = current
                .clone()
                .unwrap_or_else(|| UNKNOWN_SPEAKER.to_string());
            let join = match (utts.last(), ends_sentence.last()) {
                (Some(prev), Some(&ended)) => {
                    prev.speaker == speaker
                        && !ended
                        && t0 - prev.end <= CUE_JOIN_GAP_SECONDS
                        && t0 >= prev.start
                }
                _ => false,
            };
            let ended = text.ends_with(['.', '?', '!', '…']);
            if join
                && let (Some(prev), Some(last_ended)) = (utts.last_mut(), ends_sentence.last_mut())
            {
                prev.text.push(' ');
                prev.text.push_str(&text);
                prev.end = prev.end.max(t1);
                *last_ended = ended;
            } else {
                utts.push(Utterance {
                    start: t0,
                    end: t1.max(t0),
                    speaker,
                    text,
                    confidence: None,
                    uncertain_words: Vec::new(),
                    speech: None,
                });
                locs.push(format!("regel/line {}", cue.line));
                ends_sentence.push(ended);
            }
            t0 = t1;
        }
    }
    if utts.is_empty() {
        bail!(
            "alle ondertitels zijn leeg in {format}-bestand / all cues are empty in {format} file"
        );
    }
    validate_times(&mut utts, &locs)?;
    Ok(Transcript {
        utterances: utts,
        ..Default::default()
    })
}

/// Splits a cue's text lines into pieces, each starting with a speaker label when one is
/// given (voice tag, `Name:` prefix, `[Name]`). Markup is removed, entities decoded.
fn split_payload(lines: &[&str]) -> Vec<(Option<String>, String)> {
    let mut segs: Vec<(Option<String>, String)> = Vec::new();
    let mut push = |label: Option<String>, text: &str| {
        let text = text.trim();
        match (label, segs.last_mut()) {
            (Some(l), last) => {
                if let Some((Some(prev), t)) = last
                    && *prev == l
                {
                    if !text.is_empty() {
                        if !t.is_empty() {
                            t.push(' ');
                        }
                        t.push_str(text);
                    }
                    return;
                }
                segs.push((Some(l), text.to_string()));
            }
            (None, Some((_, t))) => {
                if !text.is_empty() {
                    if !t.is_empty() {
                        t.push(' ');
                    }
                    t.push_str(text);
                }
            }
            (None, None) => segs.push((None, text.to_string())),
        }
    };
    for line in lines {
        for (voice, piece) in voice_pieces(line) {
            let piece = decode_entities(&piece);
            let piece = piece.trim();
            if voice.is_some() {
                push(voice, piece);
            } else if let Some((name, rest)) = speaker_prefix(piece) {
                push(Some(name), rest);
            } else {
                push(None, piece);
            }
        }
    }
    segs
}

/// Splits one line at `<v ...>` voice tags; other tags (`<i>`, `<c.x>`, `<00:01.000>`,
/// `{\an8}`) are dropped. Returns pieces with the voice name that starts them.
fn voice_pieces(line: &str) -> Vec<(Option<String>, String)> {
    let mut out: Vec<(Option<String>, String)> = vec![(None, String::new())];
    let mut rest = line;
    while let Some(i) = rest.find(['<', '{']) {
        let (before, tail) = rest.split_at(i);
        if let Some(last) = out.last_mut() {
            last.1.push_str(before);
        }
        let close = if tail.starts_with('<') { '>' } else { '}' };
        let Some(j) = tail.find(close) else {
            if let Some(last) = out.last_mut() {
                last.1.push_str(tail);
            }
            return out;
        };
        let tag = &tail[1..j];
        if close == '}' && !tag.starts_with('\\') {
            // A literal brace, not an ASS override tag.
            if let Some(last) = out.last_mut() {
                last.1.push_str(&tail[..=j]);
            }
        } else if close == '>'
            && (tag.starts_with("v ") || tag.starts_with("v.") || tag.starts_with("v\t"))
        {
            let after_classes = tag[1..].trim_start_matches(|c: char| c != ' ' && c != '\t');
            let name = after_classes.trim();
            let name = decode_entities(name);
            let name = name.trim();
            if !name.is_empty() {
                out.push((Some(name.to_string()), String::new()));
            }
        }
        rest = &tail[j + 1..];
    }
    if let Some(last) = out.last_mut() {
        last.1.push_str(rest);
    }
    out.retain(|(v, t)| v.is_some() || !t.trim().is_empty());
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(j) = tail
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(j, _)| j)
        else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let name = &tail[1..j];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            "lrm" | "rlm" => Some('\u{200b}'),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some('\u{200b}') => {}
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=j]),
        }
        rest = &tail[j + 1..];
    }
    out.push_str(rest);
    out
}

/// Words that start sentences or label lines; a `Word:` prefix made of them is no name.
const NOT_NAMES: &[&str] = &[
    "vraag",
    "antwoord",
    "let",
    "noot",
    "note",
    "nb",
    "ps",
    "tip",
    "question",
    "answer",
    "conclusie",
    "samenvatting",
    "hki",
    "opmerking",
    "actie",
    "action",
    "stap",
    "step",
    "casus",
    "dus",
    "maar",
    "en",
    "ik",
    "wij",
    "we",
    "het",
    "de",
    "dat",
    "dit",
    "so",
    "but",
    "and",
    "i",
    "the",
    "this",
    "that",
    "mijn",
    "my",
    "wat",
    "what",
    "hoe",
    "how",
    "waarom",
    "why",
    "nou",
    "ja",
    "nee",
    "oké",
    "ok",
    "okay",
    "well",
    "kijk",
    "stel",
    "zeg",
    "kortom",
    "punt",
    "thema",
    "doel",
    "vandaag",
    "today",
    "summary",
    "quote",
    "citaat",
    "titel",
    "title",
    "onderwerp",
    "topic",
    "voorbeeld",
    "example",
    "waarschuwing",
    "warning",
];

/// Particles allowed in lower case inside a name ("Anna van der Berg").
const NAME_PARTICLES: &[&str] = &[
    "van", "de", "der", "den", "het", "ter", "ten", "te", "'t", "von", "du", "da", "la", "le",
    "el", "al", "bin", "op",
];

fn looks_like_name(p: &str) -> bool {
    let p = p.trim();
    if p.is_empty() || p.chars().count() > 40 {
        return false;
    }
    if !p
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '\'' | '’' | '_'))
    {
        return false;
    }
    let words: Vec<&str> = p.split_whitespace().collect();
    if words.is_empty() || words.len() > 4 {
        return false;
    }
    let first = words[0];
    if NOT_NAMES.contains(&first.to_lowercase().as_str()) {
        return false;
    }
    let upper = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    if !upper(first) {
        return false;
    }
    words
        .iter()
        .skip(1)
        .all(|w| upper(w) || NAME_PARTICLES.contains(w) || w.bytes().all(|c| c.is_ascii_digit()))
}

/// `Name: text`, `- Name: text`, `[Name] text`, `[Name]: text` → (name, text).
fn speaker_prefix(s: &str) -> Option<(String, &str)> {
    let s = s
        .strip_prefix("- ")
        .or_else(|| s.strip_prefix("– "))
        .or_else(|| s.strip_prefix("— "))
        .unwrap_or(s)
        .trim_start();
    if let Some(inner) = s.strip_prefix('[')
        && let Some(j) = inner.find(']')
    {
        let name = &inner[..j];
        let rest = inner[j + 1..].trim_start();
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        if looks_like_name(name) {
            return Some((name.trim().to_string(), rest.trim_start()));
        }
    }
    let i = s.find(':')?;
    if i == 0 || i > 48 {
        return None;
    }
    let (name, rest) = (&s[..i], &s[i + 1..]);
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    if !looks_like_name(name) {
        return None;
    }
    Some((name.trim().to_string(), rest.trim_start()))
}

// ---------------------------------------------------------------------------------------
// Overrides from the command line

/// Parses `--participants "Anna=facilitator,Bram=inbrenger"` (also `;` between entries and
/// `:` between name and role).
pub fn parse_participants(spec: &str) -> Result<Vec<Participant>> {
    let mut out: Vec<Participant> = Vec::new();
    for item in spec.split([',', ';']) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let shown = shorten(item, 60);
        let Some((name, role)) = item.split_once(['=', ':']) else {
            bail!(
                "--participants: \"{shown}\" heeft geen rol (Naam=rol) / \"{shown}\" has no role (Name=role)"
            );
        };
        let name = name.trim();
        if name.is_empty() {
            bail!("--participants: lege naam in \"{shown}\" / empty name in \"{shown}\"");
        }
        let shown = shorten(name, 60);
        let role = Role::parse(role)
            .ok_or_else(|| unknown_role(&format!("--participants ({shown})"), role.trim()))?;
        if out.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
            bail!(
                "--participants: \"{shown}\" staat er twee keer in / \"{shown}\" is listed twice"
            );
        }
        out.push(Participant {
            name: name.to_string(),
            role,
        });
    }
    if out.is_empty() {
        bail!("--participants: geen deelnemers / no participants (Name=role,...)");
    }
    Ok(out)
}

/// Sets roles from `--participants`: a listed name that matches a participant or speaker
/// (case-insensitively) takes the transcript's spelling; other names are added.
pub fn apply_participants(t: &mut Transcript, list: &[Participant]) {
    for p in list {
        let want = p.name.trim();
        if let Some(existing) = t
            .participants
            .iter_mut()
            .find(|q| q.name.trim().to_lowercase() == want.to_lowercase())
        {
            existing.role = p.role;
            continue;
        }
        let name = t
            .utterances
            .iter()
            .find(|u| u.speaker.trim().to_lowercase() == want.to_lowercase())
            .map(|u| u.speaker.clone())
            .unwrap_or_else(|| want.to_string());
        t.participants.push(Participant { name, role: p.role });
    }
}

/// Sets the method from `--method`, checking the transcript's step marks fit it.
pub fn apply_method(t: &mut Transcript, name: &str) -> Result<()> {
    t.method = Some(canonical_method(name)?);
    check_method(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(r: Result<Transcript>) -> String {
        let e = r.unwrap_err().to_string();
        assert!(!e.contains('\n'), "multi-line error: {e}");
        e
    }

    const GOOD: &str = r#"{
  "language": "nl",
  "participants": [{"name": "Anna", "role": "facilitator"},
                   {"name": "Bram", "role": "presenter"}],
  "utterances": [
    {"start": 0.0, "end": 3.2, "speaker": "Anna", "text": "Welkom."},
    {"start": 3.5, "end": 9.0, "speaker": "Bram", "text": "Dank je."}
  ]
}"#;

    #[test]
    fn parses_contract_json() {
        let t = parse_json(GOOD).unwrap();
        assert_eq!(t.language.as_deref(), Some("nl"));
        assert_eq!(t.participants[1].role, Role::Inbrenger);
        assert_eq!(t.utterances.len(), 2);
        assert_eq!(t.inbrenger(), Some("Bram"));
    }

    #[test]
    fn json_errors_name_problem_and_place() {
        let e = err(parse_json("{\"utterances\": [}"));
        assert!(e.contains("invalid JSON") && e.contains("line 1"), "{e}");
        let e = err(parse_json(&GOOD.replace("\"end\": 9.0, ", "")));
        assert!(
            e.contains("utterances[1]") && e.contains("\"end\"") && e.contains("line 7"),
            "{e}"
        );
        let e = err(parse_json(&GOOD.replace("\"start\": 3.5", "\"start\": -1")));
        assert!(e.contains("negative"), "{e}");
        let e = err(parse_json(&GOOD.replace("\"end\": 9.0", "\"end\": 2.0")));
        assert!(e.contains("before start"), "{e}");
        let e = err(parse_json(&GOOD.replace("presenter", "chef")));
        assert!(e.contains("chef") && e.contains("inbrenger"), "{e}");
        let e = err(parse_json(""));
        assert!(e.contains("empty"), "{e}");
        let e = err(parse_json("{\"utterances\": []}"));
        assert!(e.contains("no utterances"), "{e}");
        let e = err(parse_json(
            &GOOD.replace("\"start\": 0.0", "\"start\": \"0\""),
        ));
        assert!(e.contains("must be a number"), "{e}");
        let e = err(parse_json(
            &GOOD.replace("\"language\": \"nl\",", "\"method\": \"balint\","),
        ));
        assert!(e.contains("balint") && e.contains("crea"), "{e}");
        assert!(err(parse_json("[1, 2]")).contains("utterances[0]"));
        assert!(err(parse_json("42")).contains("utterances"));
    }

    #[test]
    fn order_and_overlap_rules() {
        let mk = |rows: &[(f64, f64, &str)]| {
            let us: Vec<String> = rows
                .iter()
                .map(|(s, e, w)| {
                    format!(r#"{{"start": {s}, "end": {e}, "speaker": "{w}", "text": "x"}}"#)
                })
                .collect();
            format!("{{\"utterances\": [{}]}}", us.join(","))
        };
        // Crosstalk between different speakers is fine.
        assert!(parse_json(&mk(&[(0.0, 10.0, "A"), (4.0, 5.0, "B"), (9.5, 12.0, "B")])).is_ok());
        // Small backwards jitter is re-sorted.
        let t = parse_json(&mk(&[(0.0, 2.0, "A"), (5.0, 6.0, "B"), (4.6, 4.9, "C")])).unwrap();
        assert_eq!(t.utterances[1].speaker, "C");
        // Going back further is an error.
        let e = err(parse_json(&mk(&[
            (0.0, 2.0, "A"),
            (10.0, 11.0, "B"),
            (3.0, 4.0, "C"),
        ])));
        assert!(
            e.contains("time order") && e.contains("utterances[2]"),
            "{e}"
        );
        // One speaker overlapping themselves is an error.
        let e = err(parse_json(&mk(&[(0.0, 10.0, "A"), (5.0, 12.0, "A")])));
        assert!(e.contains("same speaker"), "{e}");
        // ... but touching or a small overlap is fine.
        assert!(parse_json(&mk(&[(0.0, 10.0, "A"), (9.8, 12.0, "A")])).is_ok());
    }

    #[test]
    fn non_utf8_names_the_offset() {
        let e = decode_text(b"{\"a\": \"\xff\"}").unwrap_err().to_string();
        assert!(e.contains("byte 7"), "{e}");
        assert_eq!(decode_text(b"\xEF\xBB\xBFhi").unwrap(), "hi");
    }

    #[test]
    fn vtt_with_voice_tags_notes_and_styles() {
        let vtt = "WEBVTT\nKind: captions\n\nSTYLE\n::cue { color: red }\n\nNOTE exported by Teams\nsecond line\n\n\
            3f8a/12-0\n00:00:01.000 --> 00:00:04.500 align:start\n<v Anna de Vries>Welkom allemaal,\nfijn dat jullie er zijn.</v>\n\n\
            00:04.600 --> 00:08.000\n<v.loud Bram>Dank je &amp; goedemorgen.</v>\n\n\
            00:00:08.100 --> 00:00:10.000\n<v Anna de Vries>Bram, <i>wat</i> gebeurde er</v>\n\n\
            00:00:10.200 --> 00:00:12.000\n<v Anna de Vries>precies?</v>\n\n\
            00:00:12.000 --> 00:00:14.000\n<v Carla>Ja.</v> <v Bram>Nou, kijk.</v>\n";
        let t = parse_vtt(vtt).unwrap();
        let got: Vec<(&str, &str)> = t
            .utterances
            .iter()
            .map(|u| (u.speaker.as_str(), u.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Anna de Vries", "Welkom allemaal, fijn dat jullie er zijn."),
                ("Bram", "Dank je & goedemorgen."),
                ("Anna de Vries", "Bram, wat gebeurde er precies?"),
                ("Carla", "Ja."),
                ("Bram", "Nou, kijk."),
            ]
        );
        assert!((t.utterances[1].start - 4.6).abs() < 1e-9);
        assert!((t.utterances[2].end - 12.0).abs() < 1e-9);
        assert!(t.utterances[3].end <= t.utterances[4].start + 1e-9);
    }

    #[test]
    fn vtt_and_srt_name_prefixes() {
        let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nAnna: Mijn vraag is: hoe ging het?\n\n00:00:03.500 --> 00:00:05.000\nvervolg zonder naam.\n\n00:00:06.000 --> 00:00:08.000\nBram van Dijk: Goed.\n";
        let t = parse_vtt(vtt).unwrap();
        assert_eq!(t.utterances[0].speaker, "Anna");
        assert_eq!(t.utterances[0].text, "Mijn vraag is: hoe ging het?");
        assert_eq!(t.utterances[1].speaker, "Anna");
        assert_eq!(t.utterances[2].speaker, "Bram van Dijk");
        let srt = "1\n00:00:01,000 --> 00:00:03,000\n[Anna] Hallo <i>daar</i>\n\n2\n00:00:03,500 --> 00:00:05,000\n- Bram: Hoi.\n- Anna: Hoe gaat het?\n";
        let t = parse_srt(srt).unwrap();
        let got: Vec<&str> = t.utterances.iter().map(|u| u.speaker.as_str()).collect();
        assert_eq!(got, vec!["Anna", "Bram", "Anna"]);
        assert_eq!(t.utterances[0].text, "Hallo daar");
    }

    #[test]
    fn subtitle_errors() {
        assert!(err(parse_vtt("hello\n")).contains("WEBVTT"));
        let e = err(parse_vtt(
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>x</v>\n\nrandom garbage\nmore\n",
        ));
        assert!(e.contains("line 6"), "{e}");
        let e = err(parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:0x:02.000\nx\n"));
        assert!(e.contains("line 3") && e.contains("timing"), "{e}");
        let e = err(parse_vtt("WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nx\n"));
        assert!(e.contains("before start"), "{e}");
        assert!(err(parse_vtt("WEBVTT\n\nNOTE only\n")).contains("no cues"));
        assert!(err(parse_srt("1\nhello\n")).contains("line 1"));
        assert!(err(parse_srt(" \n")).contains("empty"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("00:01.500"), Some(1.5));
        assert_eq!(parse_timestamp("01:00:01.25"), Some(3601.25));
        assert_eq!(parse_timestamp("100:00:00,000"), Some(360000.0));
        assert_eq!(parse_timestamp("00:61.000"), None);
        assert_eq!(parse_timestamp("1:2:3:4"), None);
        assert_eq!(parse_timestamp("aa:bb"), None);
    }

    #[test]
    fn participants_override() {
        let mut t = parse_json(GOOD).unwrap();
        let list = parse_participants("bram=deelnemer, Carla=inbrenger").unwrap();
        apply_participants(&mut t, &list);
        assert_eq!(t.role_of("Bram"), Some(Role::Deelnemer));
        assert_eq!(t.role_of("Carla"), Some(Role::Inbrenger));
        assert!(parse_participants("Anna").is_err());
        let e = parse_participants("Anna=baas").unwrap_err().to_string();
        assert!(e.contains("baas") && e.contains("facilitator"), "{e}");
        apply_method(&mut t, "CREA").unwrap();
        assert_eq!(t.method.as_deref(), Some("crea"));
        assert!(apply_method(&mut t, "onbekend").is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let pieces = [
            "WEBVTT\n",
            "\n",
            "00:00:01.000 --> 00:00:02.000",
            "<v",
            "<v A>",
            "</v>",
            "&amp",
            "&#x1F600;",
            "&",
            ";",
            "{",
            "}",
            "{\\an8}",
            "[",
            "]",
            "Anna:",
            " ",
            "é",
            "-->",
            "NOTE",
            "1\n",
            ",",
            ":",
            "{\"utterances\": [",
            "{\"start\": 1",
            "\"",
            "\\",
            "]}",
            "99:99:99.999",
        ];
        let mut x: u64 = 7;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(x % 40) {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[((x >> 33) % pieces.len() as u64) as usize]);
            }
            x = x.wrapping_add(1);
            for r in [parse_json(&text), parse_vtt(&text), parse_srt(&text)] {
                if let Err(e) = r {
                    assert!(!e.to_string().contains('\n'), "{e}");
                }
            }
        }
    }

    #[test]
    fn names_are_not_sentences() {
        assert!(looks_like_name("Anna"));
        assert!(looks_like_name("Anna van der Berg"));
        assert!(looks_like_name("Speaker 1"));
        assert!(!looks_like_name("Mijn vraag is"));
        assert!(!looks_like_name("Vraag"));
        assert!(!looks_like_name("wat denk je"));
        assert!(!looks_like_name("10"));
    }
}
