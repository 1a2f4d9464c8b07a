//! Fuzz target: the encrypted session record format (`session::records`: file header and
//! length-prefixed records) and the key file header (`crypt::key_file_params`). Decryption
//! with a key that did not seal the input must fail cleanly. Checks: no panic, errors on one
//! line, never more than one record allocated (the malloc limit catches a length trusted
//! blindly).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use observant::session::crypt::{DataKey, key_file_params};
use observant::session::records::{self, Kind};

fn one_line(e: &anyhow::Error) {
    let msg = format!("{e:#}");
    assert!(!msg.contains('\n'), "multi-line error: {msg}");
}

fuzz_target!(|data: &[u8]| {
    static KEY: OnceLock<DataKey> = OnceLock::new();
    let key = KEY.get_or_init(DataKey::generate);
    if let Err(e) = key_file_params(data) {
        one_line(&e);
    }
    match records::parse(data) {
        Ok((_, scan)) => {
            assert!(scan.end as usize <= data.len());
            for kind in [Kind::Meta, Kind::Journal, Kind::Audio] {
                if let Err(e) = records::decrypt_bytes(data, key, kind) {
                    one_line(&e);
                }
            }
        }
        Err(e) => one_line(&e),
    }
});
