//! The storage layer: what Observant keeps on this device. [`session`]: session folders
//! (metadata, append-only journal, audio writer and reader, encryption, retention);
//! [`settings`]: the user's settings file; [`groups`]: groups that meet again, with their
//! members' voice profiles in an encrypted store.

pub mod groups;
pub mod session;
pub mod settings;
