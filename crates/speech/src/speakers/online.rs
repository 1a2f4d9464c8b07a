//! Online speaker attribution for the live pipeline: one utterance embedding at a time
//! gets the nearest speaker centroid when it is similar enough, else a new speaker.
//! Centroids are running (duration-weighted) means; enrolled voices start as named
//! speakers; the observer can move an utterance to another speaker (its embedding moves
//! with it) or name a speaker.
//!
//! One threshold cannot tell two similar voices apart one utterance at a time (two Dutch
//! voices of one recording all went to S1: live speaker accuracy 0.47-0.53 where the
//! offline clustering reaches 0.99). So, once there is enough speech, the anonymous
//! utterances so far are clustered again as a whole after each new one
//! ([`super::diarize::diarize_prints`], the offline clustering over each utterance's window
//! prints, as in online diarization systems that re-cluster a growing buffer; an utterance
//! goes with the speaker holding most of its time), the new clusters take over the labels
//! of the speakers they share the most speech with (so S1 stays S1), and the new utterance
//! gets its cluster's label. Named speakers (enrolled, renamed) and utterances the observer
//! moved by hand stay as they are. Earlier utterances that move can be read back with
//! [`OnlineSpeakers::speaker_of`] (the live pipeline sends those lines again). When the
//! session's speech ends, [`OnlineSpeakers::settle`] clusters once more over everything
//! heard, so a short recording and the last lines of a long one end as the clustering sees
//! them.

use anyhow::{Result, bail};

use super::assign::max_score_matching;
use super::cluster::{CENTRED_MIN_SHARE, ClusterConfig, nearest, speaker_label};
use super::diarize::{Diarization, DiarizeConfig, SegmentPrints, diarize_prints};
use super::encoder::{EMBEDDING_DIM, Embedding};
use super::enroll::Enrollment;

/// Settings of [`OnlineSpeakers`].
#[derive(Clone, Debug, PartialEq)]
pub struct OnlineConfig {
    /// Below this similarity to every centroid an utterance starts a new speaker.
    pub new_speaker_similarity: f32,
    /// Utterances shorter than this (seconds) never start a new speaker (their
    /// embeddings are too noisy); they go to the nearest one.
    pub min_new_speaker_s: f32,
    /// Known number of speakers: once reached, no new speaker is started.
    pub max_speakers: Option<usize>,
    /// The number of voices the user said the conversation has (`--speakers N`, the start
    /// screen's count): a re-clustering that finds fewer is replaced by one into exactly
    /// this many once each of them holds a real share of the speech (see
    /// [`OnlineSpeakers::keep_known_count`]). `None`: the count is estimated.
    pub known_speakers: Option<usize>,
    /// Weight (seconds of speech) an enrollment counts for in its speaker's centroid.
    pub enrolled_weight_s: f32,
    /// Weight cap per utterance (seconds).
    pub weight_cap_s: f32,
    /// Re-cluster the anonymous utterances once they hold this much speech (seconds);
    /// infinite: never.
    pub recluster_after_s: f32,
    /// Re-clustering happens after every utterance up to this many utterances, then every
    /// `n / recluster_every_upto`-th (bounded cost in long sessions).
    pub recluster_every_upto: usize,
}

impl Default for OnlineConfig {
    fn default() -> Self {
        Self {
            new_speaker_similarity: 0.66,
            min_new_speaker_s: 1.5,
            max_speakers: None,
            known_speakers: None,
            enrolled_weight_s: 6.0,
            weight_cap_s: 10.0,
            recluster_after_s: 20.0,
            recluster_every_upto: 150,
        }
    }
}

/// What [`OnlineSpeakers::push`] decided for an utterance.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribution {
    /// Id of the utterance (0, 1, 2, ... in push order), for [`OnlineSpeakers::reassign`].
    pub utterance: usize,
    /// Speaker index.
    pub speaker: usize,
    /// Speaker label: enrolled name or `S<n>`.
    pub label: String,
    /// Similarity to the chosen speaker's centroid before the update (1 for a new one).
    pub similarity: f32,
    /// True when this utterance started a new speaker.
    pub new_speaker: bool,
}

#[derive(Clone, Debug)]
struct Speaker {
    label: String,
    named: bool,
    sum: [f64; EMBEDDING_DIM],
    weight: f64,
}

impl Speaker {
    fn centroid(&self) -> Embedding {
        let mut e = Embedding::default();
        for (o, s) in e.0.iter_mut().zip(self.sum.iter()) {
            *o = *s as f32;
        }
        e.normalized()
    }

    fn add(&mut self, e: &Embedding, w: f64) {
        for (s, v) in self.sum.iter_mut().zip(e.0.iter()) {
            *s += w * f64::from(*v);
        }
        self.weight += w;
    }

    fn remove(&mut self, e: &Embedding, w: f64) {
        self.add(e, -w);
        if self.weight <= 1e-9 {
            self.weight = 0.0;
            self.sum = [0.0; EMBEDDING_DIM];
        }
    }
}

#[derive(Clone, Debug)]
struct Utterance {
    embedding: Embedding,
    /// Its window prints, which the re-clustering clusters as the offline path does.
    prints: SegmentPrints,
    weight: f64,
    speaker: usize,
    /// Moved by the observer: re-clustering leaves it where it was put.
    pinned: bool,
}

/// The live speaker attributor.
#[derive(Clone, Debug)]
pub struct OnlineSpeakers {
    config: OnlineConfig,
    speakers: Vec<Speaker>,
    utterances: Vec<Utterance>,
    anonymous: usize,
    /// Utterances pushed since the last re-clustering.
    since_recluster: usize,
}

impl OnlineSpeakers {
    /// An attributor without enrolled voices.
    pub fn new(config: OnlineConfig) -> Self {
        Self {
            config,
            speakers: Vec::new(),
            utterances: Vec::new(),
            anonymous: 0,
            since_recluster: 0,
        }
    }

    /// An attributor that starts with the enrolled voices as named speakers (in order).
    pub fn with_enrollments(config: OnlineConfig, enrolled: &[Enrollment]) -> Self {
        let mut s = Self::new(config);
        for e in enrolled {
            s.enroll(e);
        }
        s
    }

    /// Adds a named speaker (e.g. during a round of introductions); returns its index.
    /// Enrolling a name that exists already adds the voice print to that speaker.
    pub fn enroll(&mut self, enrollment: &Enrollment) -> usize {
        let w = f64::from(self.config.enrolled_weight_s.max(0.1));
        if let Some(i) = self
            .speakers
            .iter()
            .position(|s| s.named && s.label == enrollment.name)
        {
            self.speakers[i].add(&enrollment.embedding, w);
            return i;
        }
        let mut sp = Speaker {
            label: enrollment.name.clone(),
            named: true,
            sum: [0.0; EMBEDDING_DIM],
            weight: 0.0,
        };
        sp.add(&enrollment.embedding, w);
        self.speakers.push(sp);
        self.speakers.len() - 1
    }

    fn weight_of(&self, duration_s: f32) -> f64 {
        if duration_s.is_finite() && duration_s > 0.0 {
            f64::from(duration_s.min(self.config.weight_cap_s.max(0.1)))
        } else {
            0.0
        }
    }

    fn new_speaker(&mut self) -> usize {
        self.anonymous += 1;
        self.speakers.push(Speaker {
            label: speaker_label(self.anonymous - 1),
            named: false,
            sum: [0.0; EMBEDDING_DIM],
            weight: 0.0,
        });
        self.speakers.len() - 1
    }

    /// Attributes one utterance known by one embedding and its speech duration in seconds.
    pub fn push(&mut self, embedding: &Embedding, duration_s: f32) -> Attribution {
        let samples = if duration_s.is_finite() && duration_s > 0.0 {
            (f64::from(duration_s) * 16000.0) as usize
        } else {
            0
        };
        self.push_prints(
            SegmentPrints::from_embedding(embedding.normalized(), samples),
            duration_s,
        )
    }

    /// Attributes one utterance by its window prints ([`SegmentPrints::of`] its audio) and
    /// its speech duration in seconds: the utterance joins a speaker by the mean of its
    /// windows, and the re-clustering cuts it where its windows change voice, as offline.
    pub fn push_prints(&mut self, prints: SegmentPrints, duration_s: f32) -> Attribution {
        let e = prints.embedding().normalized();
        let w = if e.is_zero() {
            0.0
        } else {
            self.weight_of(duration_s)
        };
        let mut best: Option<(usize, f32)> = None;
        for (i, s) in self.speakers.iter().enumerate() {
            if s.weight > 0.0 {
                let sim = e.dot(&s.centroid());
                if best.is_none_or(|(_, b)| sim > b) {
                    best = Some((i, sim));
                }
            }
        }
        let room = self
            .config
            .max_speakers
            .is_none_or(|m| self.speakers.len() < m.max(1));
        let empty = self
            .speakers
            .iter()
            .position(|s| s.weight <= 0.0 && !s.named);
        let may_start = w > 0.0 && (duration_s >= self.config.min_new_speaker_s || best.is_none());
        let (speaker, similarity, new_speaker) = match best {
            Some((i, sim)) if sim >= self.config.new_speaker_similarity => (i, sim, false),
            Some((i, sim)) if !(may_start && (room || empty.is_some())) => (i, sim, false),
            _ => match empty {
                Some(i) => (i, 1.0, false),
                None if room || self.speakers.is_empty() => (self.new_speaker(), 1.0, true),
                None => (best.map_or(0, |b| b.0), best.map_or(0.0, |b| b.1), false),
            },
        };
        if w > 0.0 {
            self.speakers[speaker].add(&e, w);
        }
        let id = self.utterances.len();
        self.utterances.push(Utterance {
            embedding: e,
            prints,
            weight: w,
            speaker,
            pinned: false,
        });
        let before = self.speakers.len();
        let chosen = speaker;
        let speaker = if w > 0.0 && !self.speakers[speaker].named {
            self.recluster(id).unwrap_or(speaker)
        } else {
            speaker
        };
        let similarity = if speaker == chosen {
            similarity
        } else {
            e.dot(&self.speakers[speaker].centroid())
        };
        Attribution {
            utterance: id,
            speaker,
            label: self.speakers[speaker].label.clone(),
            similarity,
            new_speaker: new_speaker || self.speakers.len() > before,
        }
    }

    /// Clusters the anonymous, unpinned utterances again (see the module docs) when it is
    /// due; returns the speaker of utterance `id` afterwards, `None` when nothing was done.
    fn recluster(&mut self, id: usize) -> Option<usize> {
        self.since_recluster += 1;
        let free = self.free_utterances();
        let speech: f64 = free.iter().map(|&i| self.utterances[i].weight).sum();
        let every = (free.len() / self.config.recluster_every_upto.max(1)).max(1);
        let enough = speech >= f64::from(self.config.recluster_after_s);
        if !enough || self.since_recluster < every {
            return None;
        }
        self.recluster_now(free);
        Some(self.utterances[id].speaker)
    }

    /// The utterances a re-clustering moves: anonymous, not moved by hand, with speech.
    fn free_utterances(&self) -> Vec<usize> {
        (0..self.utterances.len())
            .filter(|&i| {
                let u = &self.utterances[i];
                !u.pinned && u.weight > 0.0 && !self.speakers[u.speaker].named
            })
            .collect()
    }

    /// The session's speech has ended: the anonymous utterances are clustered once more
    /// when any came since the last re-clustering, even below
    /// [`OnlineConfig::recluster_after_s`] (a recording of half a minute, whose lines were
    /// given voices one at a time, else keeps a voice cut in two) and between the spaced
    /// re-clusterings of a long session. Returns whether it clustered; earlier utterances
    /// that moved are read back with [`OnlineSpeakers::speaker_of`]. Never fails.
    pub fn settle(&mut self) -> bool {
        if self.since_recluster == 0 || self.config.recluster_after_s.is_infinite() {
            return false;
        }
        let free = self.free_utterances();
        if free.len() < 2 {
            return false;
        }
        self.recluster_now(free);
        true
    }

    /// Clusters the `free` utterances ([`Self::free_utterances`]) again (see the module docs).
    fn recluster_now(&mut self, free: Vec<usize>) {
        self.since_recluster = 0;
        let named = self.speakers.iter().filter(|s| s.named).count();
        let cluster_config = ClusterConfig {
            num_speakers: None,
            max_speakers: self
                .config
                .max_speakers
                .map_or(ClusterConfig::default().max_speakers, |m| {
                    m.saturating_sub(named).max(1)
                }),
            ..ClusterConfig::default()
        };
        // The session's speakers as the offline path finds them: each utterance's windows,
        // cut at pauses and where the voice changes, clustered over the whole session; an
        // utterance goes with the speaker holding most of its time. One print per line was
        // too coarse in noisy rooms: five voices came out as two.
        let prints: Vec<&SegmentPrints> =
            free.iter().map(|&i| &self.utterances[i].prints).collect();
        let clustering = diarize_prints(
            &prints,
            &DiarizeConfig {
                cluster: cluster_config.clone(),
                ..DiarizeConfig::default()
            },
        );
        let clustering = self.keep_known_count(&free, &prints, clustering, &cluster_config, named);
        let labels = clustering.segment_speakers;
        let k = clustering.centroids.len();
        // Which anonymous speaker each cluster continues: most shared speech, one-to-one.
        let anonymous: Vec<usize> = (0..self.speakers.len())
            .filter(|&s| !self.speakers[s].named)
            .collect();
        let mut shared = vec![vec![0.0f32; anonymous.len()]; k];
        for (j, &i) in free.iter().enumerate() {
            let u = &self.utterances[i];
            if let (Some(row), Some(col)) = (
                shared.get_mut(labels[j]),
                anonymous.iter().position(|&s| s == u.speaker),
            ) {
                row[col] += u.weight as f32;
            }
        }
        let matched = max_score_matching(&shared);
        let max_speakers = self.config.max_speakers;
        let room = |speakers: usize| max_speakers.is_none_or(|m| speakers < m.max(1));
        let mut target: Vec<usize> = Vec::with_capacity(k);
        for (c, m) in matched.iter().enumerate() {
            let to = match m.map(|col| anonymous[col]) {
                Some(s) => s,
                None if room(self.speakers.len()) => self.new_speaker(),
                // No room for another speaker: the nearest existing one.
                None => nearest(&clustering.centroids[c], &self.centroids()).map_or(0, |(s, _)| s),
            };
            target.push(to);
        }
        for (j, &i) in free.iter().enumerate() {
            let to = target
                .get(labels[j])
                .copied()
                .unwrap_or(self.utterances[i].speaker);
            let (from, e, w) = {
                let u = &self.utterances[i];
                (u.speaker, u.embedding, u.weight)
            };
            if from != to {
                self.speakers[from].remove(&e, w);
                self.speakers[to].add(&e, w);
                self.utterances[i].speaker = to;
            }
        }
    }

    /// With a count the user gave ([`OnlineConfig::known_speakers`]), a re-clustering that
    /// finds fewer anonymous voices than it leaves room for is checked against one into
    /// exactly that many, and that one stands once each of its voices holds a real share of
    /// the speech (at least [`CENTRED_MIN_SHARE`] and the clustering's minimum). Early in a
    /// session, before everyone has spoken, a split into that many would cut a voice in
    /// pieces too small to count, and the estimate stands. Measured on six simulated rooms
    /// of five voices told `--speakers 5`: one that ended with four voices under the cap
    /// alone (0.706) ends with five (0.817); the others as before (README, "Live speakers").
    fn keep_known_count(
        &self,
        free: &[usize],
        prints: &[&SegmentPrints],
        estimated: Diarization,
        cluster_config: &ClusterConfig,
        named: usize,
    ) -> Diarization {
        let Some(known) = self.config.known_speakers else {
            return estimated;
        };
        let wanted = known.saturating_sub(named);
        if wanted < 2 || estimated.centroids.len() >= wanted {
            return estimated;
        }
        let exact = diarize_prints(
            prints,
            &DiarizeConfig {
                cluster: ClusterConfig {
                    num_speakers: Some(wanted),
                    ..cluster_config.clone()
                },
                ..DiarizeConfig::default()
            },
        );
        if exact.centroids.len() != wanted {
            return estimated;
        }
        let weights: Vec<f64> = free.iter().map(|&i| self.utterances[i].weight).collect();
        let total: f64 = weights.iter().sum();
        let mut shares = vec![0f64; wanted];
        for (&s, &w) in exact.segment_speakers.iter().zip(weights.iter()) {
            if let Some(v) = shares.get_mut(s) {
                *v += w;
            }
        }
        let least =
            f64::from(cluster_config.min_speaker_s).max(f64::from(CENTRED_MIN_SHARE) * total);
        if shares.iter().all(|&v| v >= least) {
            exact
        } else {
            estimated
        }
    }

    /// Moves utterance `utterance` to speaker `to` (its embedding leaves the old
    /// centroid and joins the new one). `to == num_speakers()` creates a new speaker.
    pub fn reassign(&mut self, utterance: usize, to: usize) -> Result<()> {
        let Some((from, e, w)) = self
            .utterances
            .get(utterance)
            .map(|u| (u.speaker, u.embedding, u.weight))
        else {
            bail!("no utterance {utterance} to reassign");
        };
        if to > self.speakers.len() {
            bail!("no speaker {to} (there are {})", self.speakers.len());
        }
        let to = if to == self.speakers.len() {
            self.new_speaker()
        } else {
            to
        };
        if from == to {
            return Ok(());
        }
        if let Some(old) = self.speakers.get_mut(from) {
            old.remove(&e, w);
        }
        self.speakers[to].add(&e, w);
        self.utterances[utterance].speaker = to;
        self.utterances[utterance].pinned = true;
        Ok(())
    }

    /// Gives speaker `speaker` a name (the observer recognised the voice).
    pub fn rename(&mut self, speaker: usize, name: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            bail!("a speaker name cannot be empty");
        }
        let Some(s) = self.speakers.get_mut(speaker) else {
            bail!("no speaker {speaker}");
        };
        s.label = name.to_string();
        s.named = true;
        Ok(())
    }

    /// Number of speakers so far (enrolled ones included).
    pub fn num_speakers(&self) -> usize {
        self.speakers.len()
    }

    /// Label of each speaker.
    pub fn labels(&self) -> Vec<String> {
        self.speakers.iter().map(|s| s.label.clone()).collect()
    }

    /// Label of one speaker.
    pub fn label(&self, speaker: usize) -> Option<&str> {
        self.speakers.get(speaker).map(|s| s.label.as_str())
    }

    /// Current centroid of each speaker (zero for a speaker without speech).
    pub fn centroids(&self) -> Vec<Embedding> {
        self.speakers.iter().map(Speaker::centroid).collect()
    }

    /// Current speaker of an utterance.
    pub fn speaker_of(&self, utterance: usize) -> Option<usize> {
        self.utterances.get(utterance).map(|u| u.speaker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice(a: usize, j: usize) -> Embedding {
        let mut e = Embedding::default();
        e.0[a] = 1.0;
        e.0[100 + j % 40] = 0.3;
        e.normalized()
    }

    #[test]
    fn new_speakers_then_stable() {
        let mut o = OnlineSpeakers::new(OnlineConfig::default());
        let seq = [1, 2, 1, 3, 2, 1, 3];
        let labels: Vec<String> = seq
            .iter()
            .enumerate()
            .map(|(j, &a)| o.push(&voice(a, j), 2.0).label)
            .collect();
        assert_eq!(labels, vec!["S1", "S2", "S1", "S3", "S2", "S1", "S3"]);
        // A short odd utterance does not start a speaker.
        let a = o.push(&voice(9, 0), 0.5);
        assert!(!a.new_speaker);
        assert_eq!(o.num_speakers(), 3);
    }

    /// Two voices that share much (cosine about 0.69, above the 0.66 at which an utterance
    /// joins a speaker) with a little spread per utterance.
    fn alike(v: usize, j: usize) -> Embedding {
        let mut e = Embedding::default();
        e.0[0] = 1.5;
        e.0[1 + v] = 1.0;
        e.0[100 + j % 40] = 0.15;
        e.normalized()
    }

    #[test]
    fn similar_voices_merged_one_at_a_time_are_told_apart_once_there_is_speech() {
        let mut o = OnlineSpeakers::new(OnlineConfig::default());
        let firsts: Vec<Attribution> = (0..4).map(|j| o.push(&alike(j % 2, j), 2.0)).collect();
        // One at a time both voices join S1.
        assert!(firsts.iter().all(|a| a.label == "S1"), "{firsts:?}");
        // With 20 s of speech the utterances are clustered again: from then on each voice
        // has its own speaker, and the earlier utterances moved to theirs too.
        let later: Vec<Attribution> = (4..16).map(|j| o.push(&alike(j % 2, j), 2.0)).collect();
        let a = o.speaker_of(0).unwrap();
        let b = o.speaker_of(1).unwrap();
        assert_ne!(a, b);
        for j in 0..16 {
            assert_eq!(
                o.speaker_of(j),
                Some(if j % 2 == 0 { a } else { b }),
                "utterance {j}"
            );
        }
        assert_eq!(later.last().map(|x| x.speaker), Some(b));
        // S1 stays the voice that had most of S1's speech.
        assert_eq!(o.label(a), Some("S1"));
        assert_eq!(o.label(b), Some("S2"));
        // An utterance the observer moved stays where it was put.
        o.reassign(2, b).unwrap();
        o.push(&alike(0, 17), 2.0);
        assert_eq!(o.speaker_of(2), Some(b));
    }

    #[test]
    fn a_short_session_has_its_voices_told_apart_when_it_ends() {
        let mut o = OnlineSpeakers::new(OnlineConfig::default());
        // 12 s of two alike voices: one at a time both join S1, and there is too little
        // speech for a re-clustering while the session runs.
        let firsts: Vec<Attribution> = (0..6).map(|j| o.push(&alike(j % 2, j), 2.0)).collect();
        assert!(firsts.iter().all(|a| a.label == "S1"), "{firsts:?}");
        // The session ends: settled over everything heard, each voice has its own speaker.
        assert!(o.settle());
        let a = o.speaker_of(0).unwrap();
        let b = o.speaker_of(1).unwrap();
        assert_ne!(a, b);
        for j in 0..6 {
            assert_eq!(
                o.speaker_of(j),
                Some(if j % 2 == 0 { a } else { b }),
                "line {j}"
            );
        }
        // Nothing new since: nothing to settle.
        assert!(!o.settle());
    }

    #[test]
    fn four_voices_in_one_room_end_as_four_speakers() {
        use super::super::cluster::test_voices::room_voice;
        let mut o = OnlineSpeakers::new(OnlineConfig::default());
        let seq: Vec<usize> = (0..40).map(|j| [0, 1, 2, 3, 1, 0, 3, 2][j % 8]).collect();
        for (j, &v) in seq.iter().enumerate() {
            o.push(&room_voice(v, j), 2.5);
        }
        let of = |j: usize| o.speaker_of(j).unwrap();
        let mut firsts: Vec<usize> = (0..4).map(of).collect();
        firsts.sort_unstable();
        firsts.dedup();
        assert_eq!(firsts.len(), 4, "{:?}", o.labels());
        for (j, &v) in seq.iter().enumerate() {
            assert_eq!(of(j), of(v), "utterance {j}");
        }
    }

    /// Voice `v` of three: 0 and 1 alike (cosine about 0.9, which the estimated count
    /// merges), 2 apart; some spread per utterance `j`.
    fn two_alike_and_one(v: usize, j: usize) -> Embedding {
        let mut e = Embedding::default();
        e.0[0] = 1.0;
        e.0[if v < 2 { 10 } else { 20 }] = 2.0;
        e.0[1 + v] = 0.5;
        e.0[100 + (j * 7 + v) % 40] = 0.3;
        e.normalized()
    }

    /// Distinct speakers among the first utterance of each voice, and whether every
    /// utterance is with its voice's first.
    fn speakers_by_voice(o: &OnlineSpeakers, seq: &[usize], voices: usize) -> (usize, bool) {
        let first = |v: usize| seq.iter().position(|&x| x == v).unwrap();
        let of = |j: usize| o.speaker_of(j).unwrap();
        let mut firsts: Vec<usize> = (0..voices).map(|v| of(first(v))).collect();
        let consistent = seq.iter().enumerate().all(|(j, &v)| of(j) == of(first(v)));
        firsts.sort_unstable();
        firsts.dedup();
        (firsts.len(), consistent)
    }

    #[test]
    fn a_count_the_user_gave_keeps_two_alike_voices_apart() {
        let seq: Vec<usize> = (0..36).map(|j| [0, 2, 1, 2, 1, 0][j % 6]).collect();
        let run = |known: Option<usize>| {
            let mut o = OnlineSpeakers::new(OnlineConfig {
                known_speakers: known,
                max_speakers: known,
                ..OnlineConfig::default()
            });
            for (j, &v) in seq.iter().enumerate() {
                o.push(&two_alike_and_one(v, j), 2.5);
            }
            speakers_by_voice(&o, &seq, 3)
        };
        // Estimated, the two alike voices are one speaker.
        assert_eq!(run(None).0, 2);
        // Told there are three, live keeps three, each utterance with its own voice.
        assert_eq!(run(Some(3)), (3, true));
    }

    #[test]
    fn a_count_the_user_gave_does_not_split_voices_before_everyone_has_spoken() {
        // Five voices expected, two have spoken: the two stay two.
        let seq: Vec<usize> = (0..24).map(|j| [0, 2][j % 2]).collect();
        let mut o = OnlineSpeakers::new(OnlineConfig {
            known_speakers: Some(5),
            max_speakers: Some(5),
            ..OnlineConfig::default()
        });
        for (j, &v) in seq.iter().enumerate() {
            o.push(&two_alike_and_one(v, j), 2.5);
        }
        let ids: std::collections::BTreeSet<usize> =
            (0..seq.len()).map(|j| o.speaker_of(j).unwrap()).collect();
        assert_eq!(ids.len(), 2, "{:?}", o.labels());
    }

    #[test]
    fn enrolled_reassign_rename_and_cap() {
        let anna = Enrollment::from_embedding("Anna", voice(1, 0));
        let cfg = OnlineConfig {
            max_speakers: Some(2),
            ..OnlineConfig::default()
        };
        let mut o = OnlineSpeakers::with_enrollments(cfg, &[anna]);
        assert_eq!(o.push(&voice(1, 3), 2.0).label, "Anna");
        let b = o.push(&voice(2, 4), 2.0);
        assert_eq!(b.label, "S1");
        // Cap reached: a third voice goes to the nearest.
        let c = o.push(&voice(3, 5), 3.0);
        assert!(!c.new_speaker);
        o.reassign(c.utterance, 2).expect("new speaker");
        assert_eq!(o.num_speakers(), 3);
        assert_eq!(o.speaker_of(c.utterance), Some(2));
        o.reassign(b.utterance, 0).expect("move");
        assert!(o.reassign(99, 0).is_err());
        assert!(o.reassign(0, 9).is_err());
        o.rename(1, "Bram").expect("rename");
        assert_eq!(o.label(1), Some("Bram"));
        assert!(o.rename(1, " ").is_err());
        // Silence and NaN durations are harmless.
        let z = o.push(&Embedding::default(), f32::NAN);
        assert!(z.speaker < o.num_speakers());
    }

    /// Live lines that hold two voices (a turn taken without a pause, heard in one of
    /// Whisper's pieces): clustered by one print per line, such lines sit between the two
    /// voices and came out as a third speaker; clustered by their windows, they are cut
    /// where the voice changes and go to the voice that holds most of their time.
    #[test]
    fn lines_holding_two_voices_are_cut_by_their_windows() {
        let mut o = OnlineSpeakers::new(OnlineConfig::default());
        // 0: voice 1, 1: voice 2, 2: voice 1 then 2 (three windows to two), 3: 2 then 1.
        let kinds = [0, 1, 2, 3, 0, 2, 1, 3, 2, 0, 3, 1, 2, 3, 0, 1];
        for (j, &kind) in kinds.iter().enumerate() {
            let windows: Vec<Embedding> = match kind {
                0 => (0..5).map(|k| voice(1, j * 8 + k)).collect(),
                1 => (0..5).map(|k| voice(2, j * 8 + k)).collect(),
                2 => (0..5)
                    .map(|k| voice(if k < 3 { 1 } else { 2 }, j * 8 + k))
                    .collect(),
                _ => (0..5)
                    .map(|k| voice(if k < 3 { 2 } else { 1 }, j * 8 + k))
                    .collect(),
            };
            o.push_prints(SegmentPrints::from_windows(&windows), 4.6);
        }
        let of: Vec<usize> = (0..kinds.len()).map(|j| o.speaker_of(j).unwrap()).collect();
        assert_eq!(o.num_speakers(), 2, "{:?}", o.labels());
        let first_voice = |kind: usize| if kind == 1 || kind == 3 { of[1] } else { of[0] };
        for (j, &kind) in kinds.iter().enumerate() {
            assert_eq!(of[j], first_voice(kind), "line {j}");
        }
    }
}
