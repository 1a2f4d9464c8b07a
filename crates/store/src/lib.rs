//! The storage layer: what Observant keeps on this device. [`session`]: session folders
//! (metadata, append-only journal, audio writer and reader, encryption, retention);
//! [`settings`]: the user's settings file; [`setup`]: the one path from a configuration file
//! to the analysis setup; [`groups`]: groups that meet again, with their
//! members' voice profiles in an encrypted store.

pub mod groups;
pub mod session;
pub mod settings;
pub mod setup;
