//! Groups that meet again: their members and, for each member who agreed, a voice profile
//! (a few speaker embeddings from earlier sessions), so that a new session names known voices
//! from the first utterance. This module owns the data model and its pure rules: adding
//! what a session taught about a voice to a profile (bounded number of prints, merging the
//! most alike), turning profiles into [`Enrollment`]s for attribution, and the calibrated
//! threshold below which a voice stays a guest. [`store`] keeps groups encrypted on disk;
//! [`learn`] computes voice prints from a recording and the speakers its transcript names.

pub mod learn;
pub mod store;

use serde::{Deserialize, Serialize};

use observant_model::transcript::Role;
use observant_speech::speakers::encoder::{EMBEDDING_DIM, Embedding};
use observant_speech::speakers::enroll::{Enrollment, GROUP_MATCH, VoiceMatch};

pub use store::GroupStore;

/// Most voice prints kept per member: each learning adds one; beyond this the two most
/// alike are merged, so old rooms and microphones are still represented but the profile
/// stays small.
pub const MAX_PRINTS: usize = 8;

/// How a session's voices are matched to the group's: [`GROUP_MATCH`], calibrated on data
/// (README "Groepen / Groups").
pub const VOICE_MATCH: VoiceMatch = GROUP_MATCH;

/// Similarity an utterance must reach with a member's voice in a live session before the
/// member's name is used (utterances are short, so their embeddings scatter more).
pub const MATCH_SIMILARITY: f32 = 0.74;

/// A group of colleagues who meet again.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    #[serde(default)]
    pub members: Vec<Member>,
    /// Sessions (and recordings) whose voices were learnt.
    #[serde(default)]
    pub sessions_learnt: u32,
}

/// One member of a group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    /// Role the member usually has (roles still rotate per session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The member agreed to a stored voice profile. Without consent no print is kept.
    #[serde(default)]
    pub consent: bool,
    /// Voice prints, one per session or recording learnt from (merged beyond [`MAX_PRINTS`]).
    #[serde(default)]
    pub prints: Vec<VoicePrint>,
}

/// What one session taught about a voice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VoicePrint {
    /// Normalised speaker embedding ([`EMBEDDING_DIM`] values).
    pub embedding: Vec<f32>,
    /// Seconds of speech it was computed from.
    pub seconds: f32,
    /// Where it came from (file name of the recording or session), for the member's overview.
    #[serde(default)]
    pub source: String,
    /// When it was learnt (Unix seconds).
    #[serde(default)]
    pub learnt_at: u64,
    /// Mean voice of the recording it was learnt from (all its named speakers, at least
    /// three), to centre the print on (see `VoiceMatch`); empty when unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub background: Vec<f32>,
    /// For a print of the voice as heard in a simulated room (`learn::PRINT_ROOMS`), which
    /// room; `None` for a print of the recording as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulated: Option<String>,
}

impl VoicePrint {
    /// A print from an embedding (normalised here).
    pub fn new(embedding: &Embedding, seconds: f32, source: &str, learnt_at: u64) -> VoicePrint {
        VoicePrint {
            embedding: embedding.normalized().0.to_vec(),
            seconds,
            source: source.to_string(),
            learnt_at,
            background: Vec::new(),
            simulated: None,
        }
    }

    /// The same print marked as the voice heard in simulated room `room`.
    pub fn simulated_in(mut self, room: &str) -> VoicePrint {
        self.simulated = Some(room.to_string());
        self
    }

    /// The prints one learnt voice gives: the recording's own, then one per simulated room
    /// it was heard in, each with its recording's (or room's) mean voice to centre on.
    pub fn all_of(
        learnt: &learn::Learnt,
        voice: &learn::LearntVoice,
        source: &str,
        learnt_at: u64,
    ) -> Vec<VoicePrint> {
        let mut out = vec![
            VoicePrint::new(&voice.embedding, voice.seconds, source, learnt_at)
                .with_background(&learnt.background),
        ];
        for (k, e) in voice.in_rooms.iter().enumerate() {
            let Some(room) = learn::PRINT_ROOMS.get(k) else {
                continue;
            };
            let bg = learnt.room_backgrounds.get(k).copied().unwrap_or_default();
            out.push(
                VoicePrint::new(e, voice.seconds, source, learnt_at)
                    .with_background(&bg)
                    .simulated_in(&learn::room_label(room)),
            );
        }
        out
    }

    /// The same print with the mean voice of its recording (ignored when zero).
    pub fn with_background(mut self, background: &Embedding) -> VoicePrint {
        self.background = if background.is_zero() {
            Vec::new()
        } else {
            background.0.to_vec()
        };
        self
    }

    /// The recording's mean voice, when known and sound.
    pub fn background(&self) -> Option<Embedding> {
        if self.background.len() != EMBEDDING_DIM || !self.background.iter().all(|v| v.is_finite())
        {
            return None;
        }
        let mut e = Embedding::default();
        e.0.copy_from_slice(&self.background);
        (!e.is_zero()).then_some(e)
    }

    /// The print centred on its recording's mean voice.
    fn centred(&self) -> Option<Embedding> {
        let (e, bg) = (self.embedding()?, self.background()?);
        let c = observant_speech::speakers::enroll::centred(&[e], &bg)[0];
        (!c.is_zero()).then_some(c)
    }

    /// The embedding; `None` when the stored vector has the wrong size or no direction.
    pub fn embedding(&self) -> Option<Embedding> {
        if self.embedding.len() != EMBEDDING_DIM || !self.embedding.iter().all(|v| v.is_finite()) {
            return None;
        }
        let mut e = Embedding::default();
        e.0.copy_from_slice(&self.embedding);
        let e = e.normalized();
        (!e.is_zero()).then_some(e)
    }
}

impl Member {
    /// A member without a profile.
    pub fn new(name: &str) -> Member {
        Member {
            name: name.trim().to_string(),
            ..Member::default()
        }
    }

    /// Does the member have a usable voice profile?
    pub fn has_profile(&self) -> bool {
        self.prints.iter().any(|p| p.embedding().is_some())
    }

    /// Seconds of speech behind the profile (simulated prints reuse the same speech).
    pub fn profile_seconds(&self) -> f32 {
        self.real_prints().map(|p| p.seconds).sum()
    }

    /// A profile learnt from so little speech that it names a voice only on a close match
    /// ([`VoiceMatch::thin_below_s`]); it grows with the sessions the member is recognised in.
    pub fn thin_profile(&self) -> bool {
        self.has_profile() && self.profile_seconds() < VOICE_MATCH.thin_below_s
    }

    /// Prints of recordings as they are (not heard in a simulated room).
    pub fn real_prints(&self) -> impl Iterator<Item = &VoicePrint> {
        self.prints.iter().filter(|p| p.simulated.is_none())
    }

    /// Adds a print (only with consent: returns false and keeps nothing otherwise). Beyond
    /// [`MAX_PRINTS`] of its kind (the recordings as they are, or one simulated room) the two
    /// most alike prints of that kind are merged into their weighted mean.
    pub fn add_print(&mut self, print: VoicePrint) -> bool {
        if !self.consent || print.embedding().is_none() {
            return false;
        }
        let kind = print.simulated.clone();
        self.prints.push(print);
        loop {
            let same: Vec<usize> = (0..self.prints.len())
                .filter(|&i| self.prints[i].simulated == kind)
                .collect();
            if same.len() <= MAX_PRINTS {
                break;
            }
            merge_closest(&mut self.prints, &same);
        }
        true
    }

    /// Deletes the voice profile (the member stays in the group).
    pub fn forget_profile(&mut self) {
        for p in &mut self.prints {
            p.embedding.iter_mut().for_each(|v| *v = 0.0);
        }
        self.prints.clear();
    }

    /// The member's voice for attribution: the duration-weighted mean of the prints of
    /// recordings as the main embedding, each of them as an alternative (a voice heard in
    /// another room or through another microphone matches the print made there), and every
    /// print centred on its recording's mean voice, those heard in simulated rooms included
    /// (only the centred score uses them). `None` without a profile.
    pub fn enrollment(&self) -> Option<Enrollment> {
        let real: Vec<(Embedding, f32)> = self
            .real_prints()
            .filter_map(|p| p.embedding().map(|e| (e, p.seconds.max(0.1))))
            .collect();
        if real.is_empty() {
            return None;
        }
        let mean = Embedding::weighted_mean(real.iter().map(|(e, w)| (e, *w)));
        let mut e = Enrollment::from_embedding(&self.name, mean);
        e.speech_seconds = Some(real.iter().map(|(_, s)| s).sum());
        if real.len() > 1 {
            e.alternates = real.iter().map(|(e, _)| *e).collect();
        }
        let usable = self
            .prints
            .iter()
            .filter(|p| p.embedding().is_some())
            .count();
        let centred: Vec<Embedding> = self.prints.iter().filter_map(VoicePrint::centred).collect();
        if centred.len() == usable {
            e.centred = centred;
            e.heard_in_rooms = self.prints.iter().any(|p| p.simulated.is_some());
        }
        Some(e)
    }
}

/// Merges the two most similar prints among `among` (indices into `prints`, at least two)
/// into one.
fn merge_closest(prints: &mut Vec<VoicePrint>, among: &[usize]) {
    let embs: Vec<Option<Embedding>> = prints.iter().map(VoicePrint::embedding).collect();
    let mut best = (among[0], among[1], f32::NEG_INFINITY);
    for (n, &i) in among.iter().enumerate() {
        for &j in &among[n + 1..] {
            let s = match (&embs[i], &embs[j]) {
                (Some(a), Some(b)) => a.cosine(b),
                _ => f32::INFINITY,
            };
            if s > best.2 {
                best = (i, j, s);
            }
        }
    }
    let (i, j, _) = best;
    let b = prints.remove(j);
    let a = &mut prints[i];
    let merged = match (a.embedding(), b.embedding()) {
        (Some(ea), Some(eb)) => Some(Embedding::weighted_mean([
            (&ea, a.seconds.max(0.1)),
            (&eb, b.seconds.max(0.1)),
        ])),
        (Some(ea), None) => Some(ea),
        (None, e) => e,
    };
    if let Some(m) = merged {
        a.embedding = m.0.to_vec();
    }
    a.background = match (a.background(), b.background()) {
        (Some(x), Some(y)) => {
            let (wa, wb) = (a.seconds.max(0.1), b.seconds.max(0.1));
            x.0.iter()
                .zip(y.0.iter())
                .map(|(p, q)| (p * wa + q * wb) / (wa + wb))
                .collect()
        }
        _ => Vec::new(),
    };
    a.seconds += b.seconds;
    a.learnt_at = a.learnt_at.max(b.learnt_at);
    if !b.source.is_empty() && !a.source.contains(&b.source) {
        a.source = if a.source.is_empty() {
            b.source
        } else {
            format!("{}, {}", a.source, b.source)
        };
    }
}

impl Group {
    /// An empty group.
    pub fn new(name: &str) -> Group {
        Group {
            name: name.trim().to_string(),
            ..Group::default()
        }
    }

    /// The member called `name` (case-insensitive).
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name.trim()))
    }

    /// The member called `name`, added (without consent or profile) when new.
    pub fn member_mut_or_add(&mut self, name: &str) -> &mut Member {
        let i = match self
            .members
            .iter()
            .position(|m| m.name.eq_ignore_ascii_case(name.trim()))
        {
            Some(i) => i,
            None => {
                self.members.push(Member::new(name));
                self.members.len() - 1
            }
        };
        &mut self.members[i]
    }

    /// Removes a member with their profile; false when there is no such member.
    pub fn remove_member(&mut self, name: &str) -> bool {
        let Some(i) = self
            .members
            .iter()
            .position(|m| m.name.eq_ignore_ascii_case(name.trim()))
        else {
            return false;
        };
        let mut m = self.members.remove(i);
        m.forget_profile();
        true
    }

    /// The voices of the members who have a profile, for attribution.
    pub fn enrollments(&self) -> Vec<Enrollment> {
        self.members.iter().filter_map(Member::enrollment).collect()
    }

    /// Members with a profile.
    pub fn voices(&self) -> usize {
        self.members.iter().filter(|m| m.has_profile()).count()
    }
}

/// Is `name` an anonymous speaker label (`S1`, `S2`, ...) rather than a person's name?
pub fn is_anonymous_label(name: &str) -> bool {
    let n = name.trim();
    n.is_empty()
        || n == "?"
        || (n.len() > 1 && n.starts_with('S') && n[1..].chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(a: usize, b: usize, wb: f32) -> Embedding {
        let mut e = Embedding::default();
        e.0[a] = 1.0;
        e.0[b] += wb;
        e.normalized()
    }

    #[test]
    fn no_print_without_consent_and_prints_stay_bounded() {
        let mut m = Member::new(" Anna ");
        assert_eq!(m.name, "Anna");
        assert!(!m.add_print(VoicePrint::new(&axis(0, 1, 0.1), 5.0, "a.wav", 1)));
        assert!(!m.has_profile());
        m.consent = true;
        for k in 0..MAX_PRINTS + 3 {
            assert!(m.add_print(VoicePrint::new(
                &axis(0, 1 + k, 0.2),
                5.0,
                &format!("s{k}"),
                k as u64
            )));
        }
        assert_eq!(m.prints.len(), MAX_PRINTS);
        assert!((m.profile_seconds() - 5.0 * (MAX_PRINTS + 3) as f32).abs() < 1e-3);
        let e = m.enrollment().expect("profile");
        assert_eq!(e.name, "Anna");
        assert_eq!(e.alternates.len(), MAX_PRINTS);
        assert!(e.similarity(&axis(0, 2, 0.2)) > 0.95);
        m.forget_profile();
        assert!(!m.has_profile() && m.enrollment().is_none());
    }

    #[test]
    fn prints_heard_in_simulated_rooms_are_companions_not_recordings() {
        let mut m = Member::new("Anna");
        m.consent = true;
        let bg = axis(9, 8, 0.5);
        let learnt = learn::Learnt {
            background: bg,
            room_backgrounds: vec![axis(9, 7, 0.5), axis(9, 6, 0.5)],
            ..learn::Learnt::default()
        };
        for k in 0..MAX_PRINTS + 2 {
            let voice = learn::LearntVoice {
                name: "Anna".into(),
                embedding: axis(0, 1 + k, 0.2),
                seconds: 10.0,
                used: 3,
                dropped: 0,
                in_rooms: vec![axis(0, 10 + k, 0.9), axis(0, 20 + k, 1.2)],
            };
            let prints = VoicePrint::all_of(&learnt, &voice, &format!("s{k}.wav"), 1);
            assert_eq!(prints.len(), 3);
            for p in prints {
                assert!(m.add_print(p));
            }
        }
        // Each kind is bounded on its own; the recordings are what the profile rests on.
        assert_eq!(m.real_prints().count(), MAX_PRINTS);
        assert_eq!(m.prints.len(), 3 * MAX_PRINTS);
        assert!((m.profile_seconds() - 10.0 * (MAX_PRINTS + 2) as f32).abs() < 1e-3);
        let e = m.enrollment().expect("profile");
        assert!(e.heard_in_rooms);
        assert_eq!(
            e.alternates.len(),
            MAX_PRINTS,
            "raw scores use the recordings only"
        );
        assert_eq!(
            e.centred.len(),
            3 * MAX_PRINTS,
            "centred scores use every print"
        );
        assert!(
            e.similarity(&axis(0, 10, 0.9)) < 0.9,
            "a room print is no alternative"
        );
        // Stored and read back, the kind is kept.
        let json = serde_json::to_string(&m).expect("json");
        let back: Member = serde_json::from_str(&json).expect("read");
        assert_eq!(back, m);
        // A profile learnt before room prints existed reads as one without them.
        let old = json.replace(",\"simulated\":", ",\"x\":");
        let old: Member = serde_json::from_str(&old).expect("old");
        assert_eq!(old.real_prints().count(), old.prints.len());
    }

    #[test]
    fn members_are_found_added_and_removed_by_name() {
        let mut g = Group::new("Team Noord");
        g.member_mut_or_add("Anna").consent = true;
        g.member_mut_or_add("anna").role = Some(Role::Facilitator);
        assert_eq!(g.members.len(), 1);
        assert_eq!(
            g.member("ANNA").and_then(|m| m.role),
            Some(Role::Facilitator)
        );
        assert!(g.remove_member("Anna"));
        assert!(!g.remove_member("Anna"));
        assert!(g.members.is_empty());
    }

    #[test]
    fn a_broken_stored_vector_is_ignored_not_a_panic() {
        let p = VoicePrint {
            embedding: vec![1.0; 3],
            seconds: 1.0,
            source: String::new(),
            learnt_at: 0,
            background: vec![f32::NAN; 2],
            simulated: None,
        };
        assert!(p.embedding().is_none());
        let mut m = Member::new("Bram");
        m.prints.push(p);
        assert!(!m.has_profile() && m.enrollment().is_none());
    }

    #[test]
    fn anonymous_labels() {
        for s in ["S1", "S12", "", "?"] {
            assert!(is_anonymous_label(s), "{s}");
        }
        for s in ["Anna", "Sanne", "S", "S1b", "nl-small"] {
            assert!(!is_anonymous_label(s), "{s}");
        }
    }
}
