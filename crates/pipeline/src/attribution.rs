//! Adapters from the speakers module to the live pipeline's [`Attributor`] seam: the GE2E
//! voice encoder takes the window prints of each utterance and [`OnlineSpeakers`] attributes
//! it to the nearest known voice (an enrolled name, or S1, S2, ...), or starts a new speaker.

use anyhow::{Context, Result};

use super::live::Attributor;
use super::offline::OfflineOptions;
use observant_speech::speakers::diarize::{DiarizeConfig, SegmentPrints};
use observant_speech::speakers::encoder::VoiceEncoder;
use observant_speech::speakers::enroll::Enrollment;
use observant_speech::speakers::online::{OnlineConfig, OnlineSpeakers};

/// Online voice attribution.
pub struct VoiceAttributor {
    encoder: VoiceEncoder,
    online: OnlineSpeakers,
    /// Online utterance id of each session utterance (None: it was an enrollment).
    ids: Vec<Option<usize>>,
    enroll_next: Option<String>,
    /// A group's known voices: after every utterance the session's speakers are matched to
    /// them ([`observant_store::groups::VOICE_MATCH`], as offline), and a matched speaker carries the
    /// member's name; the others keep their own `S<n>`.
    group: Vec<Enrollment>,
    /// The label each session utterance was last given (None: an enrollment).
    reported: Vec<Option<String>>,
}

impl VoiceAttributor {
    /// `known_speakers`: the number of voices the user gave (kept once each has spoken
    /// enough, [`OnlineConfig::known_speakers`]); `max_speakers`: no more are opened.
    pub fn new(
        encoder: VoiceEncoder,
        enrolled: &[Enrollment],
        known_speakers: Option<usize>,
        max_speakers: Option<usize>,
    ) -> Self {
        let config = OnlineConfig {
            max_speakers: known_speakers.or(max_speakers),
            known_speakers,
            ..OnlineConfig::default()
        };
        VoiceAttributor {
            encoder,
            online: OnlineSpeakers::with_enrollments(config, enrolled),
            ids: Vec::new(),
            enroll_next: None,
            group: Vec::new(),
            reported: Vec::new(),
        }
    }

    /// The same attributor naming the speakers that match these group voices.
    pub fn with_group(mut self, voices: Vec<Enrollment>) -> Self {
        self.group = voices;
        self
    }

    /// Display label of every online speaker: a matched group member's name, else its own
    /// label (an enrolled name or `S<n>`).
    fn labels(&self) -> Vec<String> {
        let own = self.online.labels();
        if self.group.is_empty() {
            return own;
        }
        let names = observant_speech::speakers::enroll::group_speaker_names(
            &self.online.centroids(),
            &self.group,
            &observant_store::groups::VOICE_MATCH,
        );
        own.into_iter()
            .zip(names)
            .map(|(own, name)| {
                if self.group.iter().any(|g| g.name == name)
                    && observant_store::groups::is_anonymous_label(&own)
                {
                    name
                } else {
                    own
                }
            })
            .collect()
    }
}

impl Attributor for VoiceAttributor {
    fn attribute(&mut self, pcm: &[f32]) -> String {
        if let Some(name) = self.enroll_next.take() {
            let e = Enrollment::from_embedding(&name, self.encoder.embed_utterance(pcm));
            self.online.enroll(&e);
            self.ids.push(None);
            self.reported.push(None);
            return name;
        }
        let prints = SegmentPrints::of(&self.encoder, pcm, DiarizeConfig::default().min_pause_s);
        let a = self.online.push_prints(prints, pcm.len() as f32 / 16000.0);
        self.ids.push(Some(a.utterance));
        let label = if self.group.is_empty() {
            a.label
        } else {
            self.labels().get(a.speaker).cloned().unwrap_or(a.label)
        };
        self.reported.push(Some(label.clone()));
        label
    }

    fn finish(&mut self) {
        self.online.settle();
    }

    fn relabels(&mut self) -> Vec<(usize, String)> {
        let labels = self.labels();
        let mut out = Vec::new();
        for (index, (id, reported)) in self.ids.iter().zip(self.reported.iter_mut()).enumerate() {
            let (Some(id), Some(reported)) = (id, reported.as_mut()) else {
                continue;
            };
            if let Some(now) = self.online.speaker_of(*id).and_then(|s| labels.get(s))
                && now != reported
            {
                reported.clone_from(now);
                out.push((index, now.clone()));
            }
        }
        out
    }

    fn reassign(&mut self, index: usize, speaker: &str) {
        let Some(Some(id)) = self.ids.get(index).copied() else {
            return;
        };
        let labels = self.labels();
        let to = match labels.iter().position(|l| l == speaker) {
            Some(i) => i,
            None => labels.len(),
        };
        if self.online.reassign(id, to).is_ok() && to == labels.len() {
            let _ = self.online.rename(to, speaker);
        }
        if let Some(Some(r)) = self.reported.get_mut(index) {
            *r = speaker.to_string();
        }
    }

    fn enroll_next(&mut self, name: &str) {
        self.enroll_next = Some(name.to_string());
    }

    fn rename(&mut self, from: &str, to: &str) {
        if let Some(i) = self.labels().iter().position(|l| l == from) {
            let _ = self.online.rename(i, to);
        }
        for r in self.reported.iter_mut().flatten() {
            if r == from {
                *r = to.to_string();
            }
        }
    }
}

/// Online voice attribution with the bundled voice encoder and any enrolled voices.
pub fn voice_attributor(opts: &OfflineOptions) -> Result<Box<dyn Attributor>> {
    let encoder = VoiceEncoder::load_default().context("stemmodel / voice model")?;
    let mut enrolled = Vec::new();
    for (name, clip) in &opts.enroll {
        let pcm = observant_audio::decode::load_16k_mono(clip, Some(120.0))
            .with_context(|| format!("inschrijving / enrollment '{name}'"))?;
        enrolled.push(Enrollment::from_pcm(&encoder, name, &pcm)?);
    }
    let group: Vec<Enrollment> = opts
        .voices
        .iter()
        .filter(|v| !opts.enroll.iter().any(|(n, _)| *n == v.name))
        .cloned()
        .collect();
    Ok(Box::new(
        VoiceAttributor::new(encoder, &enrolled, opts.speakers, opts.max_speakers)
            .with_group(group),
    ))
}
