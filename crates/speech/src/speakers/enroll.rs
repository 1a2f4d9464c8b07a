//! Enrollment: a named voice print from a clip (`--enroll Anna=anna.wav`) or from a live
//! round of introductions, and the mapping of anonymous speaker clusters to enrolled
//! names (optimal one-to-one assignment by cosine similarity, with a minimum so that an
//! unknown voice keeps its `S<n>` label).

use std::path::PathBuf;

use anyhow::{Result, bail};

use super::assign::max_score_matching;
use super::cluster::speaker_label;
use super::encoder::{Embedding, VoiceEncoder};
use super::mel::SAMPLE_RATE;

/// Minimum similarity between a speaker centroid and an enrolled voice for the name to
/// be used (same speaker is typically 0.85-0.95 here, different speakers below 0.70).
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.72;
/// Enrollment audio must hold at least this much sound (seconds).
pub const MIN_ENROLL_S: f32 = 1.0;

/// A named voice print.
#[derive(Clone, Debug, PartialEq)]
pub struct Enrollment {
    /// The speaker's name as shown in transcripts.
    pub name: String,
    /// Normalised speaker embedding.
    pub embedding: Embedding,
    /// Further prints of the same voice (other sessions, rooms, microphones); a voice
    /// matches the enrollment as well as it matches the best of these or the main one.
    pub alternates: Vec<Embedding>,
    /// The prints, each centred on the mean voice of the recording it was learnt from
    /// (see [`VoiceMatch`]); empty when that is not known.
    pub centred: Vec<Embedding>,
    /// Some of the centred prints are the voice heard in a simulated room (see
    /// [`VoiceMatch::centred_min_rooms`]).
    pub heard_in_rooms: bool,
    /// Seconds of speech the prints were learnt from, when known (see
    /// [`VoiceMatch::thin_below_s`]).
    pub speech_seconds: Option<f32>,
}

impl Enrollment {
    /// Enrolls `name` from one clip (16 kHz mono). Fails when the name is empty or the
    /// clip is shorter than [`MIN_ENROLL_S`] or silent.
    pub fn from_pcm(encoder: &VoiceEncoder, name: &str, pcm_16k: &[f32]) -> Result<Enrollment> {
        Self::from_clips(encoder, name, &[pcm_16k])
    }

    /// Enrolls `name` from several clips (e.g. the turns a person spoke during a round of
    /// introductions): the normalised mean of the clips' embeddings, weighted by length.
    pub fn from_clips(encoder: &VoiceEncoder, name: &str, clips: &[&[f32]]) -> Result<Enrollment> {
        let name = name.trim();
        if name.is_empty() {
            bail!("enrollment needs a speaker name");
        }
        let usable: Vec<&[f32]> = clips
            .iter()
            .copied()
            .filter(|c| c.iter().any(|v| v.is_finite() && *v != 0.0))
            .collect();
        let total: usize = usable.iter().map(|c| c.len()).sum();
        if (total as f32) < MIN_ENROLL_S * SAMPLE_RATE as f32 {
            bail!(
                "enrollment audio for {name} is too short or silent (need at least {MIN_ENROLL_S} s of speech)"
            );
        }
        let embs = encoder.embed_utterances(&usable);
        let embedding = Embedding::weighted_mean(
            embs.iter()
                .zip(usable.iter())
                .map(|(e, c)| (e, (c.len() as f32 / SAMPLE_RATE as f32).min(10.0))),
        );
        if embedding.is_zero() {
            bail!("enrollment audio for {name} gave no usable voice print");
        }
        Ok(Enrollment {
            name: name.to_string(),
            embedding,
            alternates: Vec::new(),
            centred: Vec::new(),
            heard_in_rooms: false,
            speech_seconds: Some(total as f32 / SAMPLE_RATE as f32),
        })
    }

    /// Builds an enrollment from an embedding computed elsewhere (e.g. stored settings).
    pub fn from_embedding(name: &str, embedding: Embedding) -> Enrollment {
        Enrollment {
            name: name.trim().to_string(),
            embedding: embedding.normalized(),
            alternates: Vec::new(),
            centred: Vec::new(),
            heard_in_rooms: false,
            speech_seconds: None,
        }
    }

    /// How alike `voice` is to this enrollment: the cosine with the main embedding or the
    /// closest alternate, whichever is higher.
    pub fn similarity(&self, voice: &Embedding) -> f32 {
        self.alternates
            .iter()
            .map(|a| voice.cosine(a))
            .fold(voice.cosine(&self.embedding), f32::max)
    }
}

/// Parses a `--enroll` argument `NAME=PATH` (e.g. `Anna=anna.wav`).
pub fn parse_enroll_arg(arg: &str) -> Result<(String, PathBuf)> {
    let Some((name, path)) = arg.split_once('=') else {
        bail!("--enroll expects NAME=FILE (e.g. Anna=anna.wav), got `{arg}`");
    };
    let (name, path) = (name.trim(), path.trim());
    if name.is_empty() || path.is_empty() {
        bail!("--enroll expects NAME=FILE (e.g. Anna=anna.wav), got `{arg}`");
    }
    Ok((name.to_string(), PathBuf::from(path)))
}

/// For each centroid, the enrolled voice it is (index into `enrolled`), chosen one-to-one
/// to maximise the total similarity; `None` when no enrolled voice reaches
/// `min_similarity`.
pub fn match_enrolled(
    centroids: &[Embedding],
    enrolled: &[Enrollment],
    min_similarity: f32,
) -> Vec<Option<usize>> {
    if enrolled.is_empty() {
        return vec![None; centroids.len()];
    }
    let score: Vec<Vec<f32>> = centroids
        .iter()
        .map(|c| enrolled.iter().map(|e| e.similarity(c)).collect())
        .collect();
    // Pairs below the minimum must not win: give them a score that loses to any leaving
    // out, then drop them after matching.
    let gated: Vec<Vec<f32>> = score
        .iter()
        .map(|row| {
            row.iter()
                .map(|&s| if s >= min_similarity { s } else { -1.0 })
                .collect()
        })
        .collect();
    max_score_matching(&gated)
        .into_iter()
        .enumerate()
        .map(|(r, m)| m.filter(|&c| score[r][c] >= min_similarity))
        .collect()
}

/// The enrolled name of each matched speaker, else `S<n>`, numbering the anonymous speakers
/// 1, 2, ... in speaker order.
fn names_of(matched: &[Option<usize>], enrolled: &[Enrollment]) -> Vec<String> {
    let mut next = 0;
    matched
        .iter()
        .map(|m| match m {
            Some(e) => enrolled[*e].name.clone(),
            None => {
                next += 1;
                speaker_label(next - 1)
            }
        })
        .collect()
}

/// Display names of the speakers: the enrolled name where one matches, else `S<n>`,
/// numbering the anonymous speakers 1, 2, ... in speaker order (order of appearance).
pub fn speaker_names(
    centroids: &[Embedding],
    enrolled: &[Enrollment],
    min_similarity: f32,
) -> Vec<String> {
    let matched = match_enrolled(centroids, enrolled, min_similarity);
    names_of(&matched, enrolled)
}

/// How a session's voices are matched to a group's known voices, which come from other
/// recordings (other rooms, microphones, conversations). A room colours every voice in it
/// alike (reverberation, microphone, noise), which moves all of a session's embeddings the
/// same way and makes raw cosines between rooms unreliable (same voice 0.65-0.97, different
/// voices up to 0.77 here). So, when both sides hold at least [`VoiceMatch::min_voices`]
/// voices, each side is first centred on the mean of its own voices (the session's speaker
/// centroids; the group's members) and the centred cosines decide: the common room and
/// channel component cancels and what is left is what tells the voices apart (the
/// within-set mean normalisation of speaker verification back-ends, e.g. the centring
/// before LDA/PLDA in Garcia-Romero & Espy-Wilson 2011). With fewer voices centring is
/// meaningless and only a high raw cosine names a voice. The assignment is one-to-one
/// (best total score), so two voices never get one name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VoiceMatch {
    /// Raw cosine that names a voice on its own.
    pub raw_min: f32,
    /// Centred cosine that names a voice (when both sides are large enough to centre).
    pub centred_min: f32,
    /// The same for a voice whose prints include ones heard in simulated rooms
    /// ([`Enrollment::heard_in_rooms`]): those raise the scores of the same voice in a room
    /// and, a little, of other voices too, so the bar is higher.
    pub centred_min_rooms: f32,
    /// A profile learnt from less speech than this (seconds) is thin: one or two turns say
    /// little about a voice, and what its print holds besides the voice (the microphone,
    /// the language, the mood of those turns) weighs more, so such a profile needs
    /// [`VoiceMatch::centred_min_thin`] before it names anyone. It grows with every
    /// session the member is recognised in.
    pub thin_below_s: f32,
    /// Centred cosine that names a voice after a thin profile.
    pub centred_min_thin: f32,
    /// Raw cosine a centred match must also reach (no name for a voice far from the print).
    pub raw_floor: f32,
    /// Voices each side needs before centring is used.
    pub min_voices: usize,
}

/// The rule a group's voices are matched by (`observant_store::groups::VOICE_MATCH`).
/// Calibrated on data (README "Groepen / Groups", `examples/voice_similarity.rs`): with
/// profiles from one recording and voices from another (clean, and simulated rooms RT60
/// 0.35-0.55 s), raw cosines of the same voice were 0.93-0.97 clean and 0.65-0.88 in a room,
/// of different voices up to 0.77; centred cosines of the same voice 0.29-0.86, of different
/// voices at most 0.29 (0.23 with a clean profile). With prints heard in simulated rooms
/// (the store's `learn::PRINT_ROOMS`), over 32 simulated rooms: the same voice's centred
/// cosine median 0.64 (5th percentile 0.38), a different voice's at most 0.29, hence 0.35
/// for them. With the print heard in a noisy room added (7 Dec; speakers of at least 5 s and
/// 85 % one voice in 71 room and held-out files): the same voice median 0.76 (5th percentile
/// 0.44), a different voice's at most 0.34 (next 0.31); the bar stayed at 0.35, as 0.38
/// named no guest less and members less often. A thin profile (under 10 s of speech) needs
/// 0.60: on 37 files of other conversations of the same voices a different voice reached at
/// most 0.58 against any print, every time against a thin one.
pub const GROUP_MATCH: VoiceMatch = VoiceMatch {
    raw_min: 0.80,
    centred_min: 0.30,
    centred_min_rooms: 0.35,
    thin_below_s: 10.0,
    centred_min_thin: 0.60,
    raw_floor: 0.55,
    min_voices: 3,
};

/// `vectors` minus their mean, each normalised again.
pub fn centred(vectors: &[Embedding], mean: &Embedding) -> Vec<Embedding> {
    vectors
        .iter()
        .map(|v| {
            let mut e = v.normalized();
            for (x, m) in e.0.iter_mut().zip(mean.0.iter()) {
                *x -= m;
            }
            e.normalized()
        })
        .collect()
}

/// The plain (unnormalised) mean of normalised vectors.
pub fn plain_mean<'a>(vectors: impl IntoIterator<Item = &'a Embedding>) -> Embedding {
    let mut mean = Embedding::default();
    let mut n = 0.0f32;
    for v in vectors {
        let e = v.normalized();
        for (m, x) in mean.0.iter_mut().zip(e.0.iter()) {
            *m += x;
        }
        n += 1.0;
    }
    if n > 0.0 {
        mean.0.iter_mut().for_each(|m| *m /= n);
    }
    mean
}

/// Score table of [`VoiceMatch`]: for each centroid and enrolled voice, the score that
/// decides (centred when possible, else raw) and whether the pair may be named at all.
pub fn group_scores(
    centroids: &[Embedding],
    enrolled: &[Enrollment],
    rule: &VoiceMatch,
) -> Vec<Vec<(f32, bool)>> {
    let live: Vec<usize> = (0..centroids.len())
        .filter(|&i| !centroids[i].is_zero())
        .collect();
    let own = enrolled.iter().all(|e| !e.centred.is_empty());
    let centre = live.len() >= rule.min_voices
        && (own || enrolled.len() >= rule.min_voices)
        && !enrolled.is_empty();
    let session_mean = plain_mean(live.iter().map(|&i| &centroids[i]));
    let group_mean = plain_mean(enrolled.iter().map(|e| &e.embedding));
    let c_centroids = centred(centroids, &session_mean);
    // Prints centred on their own recording when that is known for every voice (stable when
    // members come and go), else on the group's mean voice.
    let own = enrolled.iter().all(|e| !e.centred.is_empty());
    let c_enrolled: Vec<Vec<Embedding>> = enrolled
        .iter()
        .map(|e| {
            if own {
                return e.centred.clone();
            }
            let mut all = vec![e.embedding];
            all.extend(e.alternates.iter().copied());
            centred(&all, &group_mean)
        })
        .collect();
    centroids
        .iter()
        .enumerate()
        .map(|(i, c)| {
            enrolled
                .iter()
                .enumerate()
                .map(|(j, e)| {
                    if c.is_zero() {
                        return (-1.0, false);
                    }
                    let raw = e.similarity(c);
                    if !centre {
                        return (raw, raw >= rule.raw_min);
                    }
                    let cs = c_enrolled[j]
                        .iter()
                        .map(|p| c_centroids[i].cosine(p))
                        .fold(f32::NEG_INFINITY, f32::max);
                    let min = if e.speech_seconds.is_some_and(|t| t < rule.thin_below_s) {
                        rule.centred_min_thin
                    } else if e.heard_in_rooms {
                        rule.centred_min_rooms
                    } else {
                        rule.centred_min
                    };
                    let ok = raw >= rule.raw_min || (cs >= min && raw >= rule.raw_floor);
                    (cs, ok)
                })
                .collect()
        })
        .collect()
}

/// Display names of a session's speakers against a group's voices ([`VoiceMatch`]): the
/// member's name where one matches, else `S<n>` in speaker order.
pub fn group_speaker_names(
    centroids: &[Embedding],
    enrolled: &[Enrollment],
    rule: &VoiceMatch,
) -> Vec<String> {
    names_of(&group_matches_shared(centroids, enrolled, rule), enrolled)
}

/// [`group_matches`], then a speaker left without a name takes the name of the member it
/// scores highest with, when it passes that member's bar: the clustering had cut one
/// voice in two (the same person at another spot of the room, in another mood, or in
/// recordings made on different days), and both halves match the member on their own.
/// A guest is not named by this: a voice that is not the member's scores under the bar
/// (see [`VoiceMatch`]), which is what the one-to-one assignment relies on too. Used for
/// the names shown; the search for more speakers (`split_for_group`) keeps the
/// one-to-one matching, so a voice cut in two is still not a reason to split.
pub fn group_matches_shared(
    centroids: &[Embedding],
    enrolled: &[Enrollment],
    rule: &VoiceMatch,
) -> Vec<Option<usize>> {
    let scores = group_scores(centroids, enrolled, rule);
    let mut matched = matches_of(&scores, enrolled.len());
    for (m, row) in matched.iter_mut().zip(scores.iter()) {
        if m.is_some() {
            continue;
        }
        let best = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.0.total_cmp(&b.1.0))
            .filter(|(_, s)| s.1)
            .map(|(j, _)| j);
        *m = best;
    }
    matched
}

/// For each speaker centroid, the group voice (index into `enrolled`) it is named after by
/// [`VoiceMatch`] (one-to-one, best total score), `None` for a guest.
pub fn group_matches(
    centroids: &[Embedding],
    enrolled: &[Enrollment],
    rule: &VoiceMatch,
) -> Vec<Option<usize>> {
    matches_of(&group_scores(centroids, enrolled, rule), enrolled.len())
}

/// The one-to-one assignment of [`group_matches`] on a score table of `members` columns.
fn matches_of(scores: &[Vec<(f32, bool)>], members: usize) -> Vec<Option<usize>> {
    if members == 0 {
        return vec![None; scores.len()];
    }
    let gated: Vec<Vec<f32>> = scores
        .iter()
        .map(|row| {
            row.iter()
                .map(|&(s, ok)| if ok { s + 2.0 } else { -1.0 })
                .collect()
        })
        .collect();
    max_score_matching(&gated)
        .into_iter()
        .enumerate()
        .map(|(r, m)| m.filter(|&c| scores[r][c].1))
        .collect()
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
    fn parse() {
        let (n, p) = parse_enroll_arg("Anna=anna.wav").expect("parse");
        assert_eq!((n.as_str(), p.to_str()), ("Anna", Some("anna.wav")));
        assert!(parse_enroll_arg("anna.wav").is_err());
        assert!(parse_enroll_arg("=x.wav").is_err());
        assert!(parse_enroll_arg("Anna=").is_err());
    }

    /// Anna's print at centred cosine `c` with the first of three voices (raw 0.74).
    fn anna_at(c: f32) -> ([Embedding; 3], Enrollment) {
        let centroids = [axis(0, 9, 0.0), axis(1, 9, 0.0), axis(2, 9, 0.0)];
        let mean = plain_mean(centroids.iter());
        let c0 = centred(&centroids[..1], &mean)[0];
        let mut p = Embedding::default();
        for (x, v) in p.0.iter_mut().zip(c0.0.iter()) {
            *x = c * v;
        }
        p.0[5] = (1.0f32 - c * c).sqrt();
        let mut anna = Enrollment::from_embedding("Anna", axis(0, 5, 0.9));
        anna.centred = vec![p.normalized()];
        assert!((anna.similarity(&centroids[0]) - 0.74).abs() < 0.01);
        (centroids, anna)
    }

    #[test]
    fn a_thin_profile_names_a_voice_only_on_a_close_match() {
        let rule = GROUP_MATCH;
        let (centroids, mut anna) = anna_at(0.45);
        let names = |e: &Enrollment| group_matches(&centroids, std::slice::from_ref(e), &rule);
        // Unknown amount of speech, or enough of it: 0.45 names her.
        assert_eq!(names(&anna), vec![Some(0), None, None]);
        anna.speech_seconds = Some(24.0);
        assert_eq!(names(&anna), vec![Some(0), None, None]);
        // Learnt from 6 s: not at 0.45 (a guest can reach that against a thin print) ...
        anna.speech_seconds = Some(6.0);
        assert_eq!(names(&anna), vec![None, None, None]);
        // ... but on a close match.
        let (centroids, mut anna) = anna_at(0.7);
        anna.speech_seconds = Some(6.0);
        assert_eq!(
            group_matches(&centroids, std::slice::from_ref(&anna), &rule),
            vec![Some(0), None, None]
        );
    }

    #[test]
    fn a_print_heard_in_simulated_rooms_asks_a_higher_centred_score() {
        let rule = GROUP_MATCH;
        // A centred print at cosine 0.32 with the first voice, raw cosine 0.74.
        let (centroids, mut anna) = anna_at(0.32);
        let names = |e: &Enrollment| group_matches(&centroids, std::slice::from_ref(e), &rule);
        assert_eq!(names(&anna), vec![Some(0), None, None]);
        anna.heard_in_rooms = true;
        assert_eq!(names(&anna), vec![None, None, None]);
    }

    #[test]
    fn a_voice_cut_in_two_carries_the_name_twice_but_a_guest_does_not() {
        // Few voices: only the raw cosine names (0.80).
        let rule = VoiceMatch {
            min_voices: 10,
            ..GROUP_MATCH
        };
        let centroids = [
            axis(0, 9, 0.1), // Anna
            axis(0, 9, 0.3), // Anna again, heard another way (cosine 0.94 with her print)
            axis(1, 9, 0.1), // Bram
            axis(0, 2, 1.0), // a guest nearest Anna, but at 0.69
            axis(3, 9, 0.1), // a guest like nobody
        ];
        let enrolled = [
            Enrollment::from_embedding("Anna", axis(0, 8, 0.2)),
            Enrollment::from_embedding("Bram", axis(1, 8, 0.2)),
        ];
        assert_eq!(
            group_matches(&centroids, &enrolled, &rule),
            vec![Some(0), None, Some(1), None, None]
        );
        assert_eq!(
            group_speaker_names(&centroids, &enrolled, &rule),
            vec!["Anna", "Anna", "Bram", "S1", "S2"]
        );
    }

    #[test]
    fn names_and_unknowns() {
        let centroids = [axis(0, 9, 0.2), axis(1, 9, 0.2), axis(2, 9, 0.2)];
        let enrolled = [
            Enrollment::from_embedding("Bram", axis(1, 8, 0.3)),
            Enrollment::from_embedding("Anna", axis(0, 8, 0.3)),
            Enrollment::from_embedding("Cor", axis(5, 8, 0.3)),
        ];
        let names = speaker_names(&centroids, &enrolled, DEFAULT_MIN_SIMILARITY);
        assert_eq!(names, vec!["Anna", "Bram", "S1"]);
        assert_eq!(speaker_names(&centroids, &[], 0.7), vec!["S1", "S2", "S3"]);
        // Two clusters close to one enrolled voice: only the best gets the name.
        let two = [axis(0, 9, 0.1), axis(0, 9, 0.5)];
        let names = speaker_names(&two, &enrolled[1..2], 0.5);
        assert_eq!(names, vec!["Anna", "S1"]);
    }
}
