//! Playback of a saved session's audio: [`SessionPcm`] reads `audio.wav` or the encrypted
//! `audio.enc` in place, with seeking, for the audio layer's player
//! ([`observant_audio::playback::CpalPlayer::for_pcm`]); only the records it plays are
//! decrypted, and nothing is written.

use anyhow::Result;
use observant_audio::playback::{CpalPlayer, PcmRead};

/// A saved session's audio (`audio.wav` or the encrypted `audio.enc`) read in place with
/// seeking: each read decrypts only the 0.5 s records it covers, nothing is written.
pub struct SessionPcm {
    audio: crate::session::SessionAudio,
    /// Next sample to read.
    pos: u64,
    buf: Vec<f32>,
}

impl SessionPcm {
    pub fn new(audio: crate::session::SessionAudio) -> SessionPcm {
        SessionPcm {
            audio,
            pos: 0,
            buf: Vec::new(),
        }
    }

    /// The audio of `session`; an error when it has none (deleted by retention, never kept).
    pub fn open(session: &crate::session::Session) -> Result<SessionPcm> {
        match session.audio()? {
            Some(a) => Ok(SessionPcm::new(a)),
            None => anyhow::bail!(
                "deze sessie heeft geen opname (meer) / this session has no recording (any more)"
            ),
        }
    }
}

impl PcmRead for SessionPcm {
    fn rate(&self) -> u32 {
        self.audio.sample_rate()
    }
    fn seek(&mut self, t: f64) -> Result<()> {
        let at = (t.max(0.0) * f64::from(self.audio.sample_rate())) as u64;
        self.pos = at.min(self.audio.len());
        Ok(())
    }
    fn read(&mut self, out: &mut Vec<f32>, max: usize) -> Result<usize> {
        self.buf.resize(max, 0.0);
        let n = self.audio.read(self.pos, &mut self.buf)?;
        out.extend_from_slice(&self.buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

/// A player for `session`'s audio, plain or encrypted; nothing is opened until the first
/// `play_from`.
pub fn player(session: crate::session::Session) -> CpalPlayer {
    CpalPlayer::for_pcm(Box::new(move || {
        Ok(Box::new(SessionPcm::open(&session)?) as Box<dyn PcmRead>)
    }))
}
