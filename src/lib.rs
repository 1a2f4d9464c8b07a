//! Observant: an on-device observer for intervisie sessions.
//!
//! Pipeline: `audio` (decode/capture, VAD) -> `asr` (whisper) -> `speakers` (attribution)
//! -> `analysis` (pure core) -> `session` (store) -> `report` / `ui`. `cli` wires the
//! headless commands; `pipeline` joins the live stages with bounded channels.

pub mod analysis;
pub mod asr;
pub mod audio;
pub mod cli;
pub mod gemm;
pub mod groups;
pub mod i18n;
pub mod pipeline;
pub mod report;
pub mod review;
pub mod session;
pub mod settings;
pub mod speakers;
pub mod transcript;
pub mod ui;

/// Directory holding the bundled assets and models, the first of: `OBSERVANT_HOME`;
/// `<exe>/../share/observant` (installed: `/usr/bin` -> `/usr/share/observant`); the
/// executable's own folder when it holds `models/` (the Windows zip); the project root at
/// build time (development).
pub fn data_dir() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("OBSERVANT_HOME") {
        return p.into();
    }
    if let Some(bin) = exe_dir() {
        if let Some(share) = bin.parent().map(|p| p.join("share").join("observant"))
            && share.is_dir()
        {
            return share;
        }
        if bin.join("models").is_dir() {
            return bin;
        }
    }
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Portable builds (whisper.cpp built with `GGML_BACKEND_DL`, scripts/package.sh) carry
/// ggml's CPU backend as one shared library per x86-64 level; this loads the best one for
/// this CPU from `<exe>/../lib/observant` (Linux package) or the executable's folder
/// (Windows). Call once at start-up, before any model is loaded. A no-op for the ordinary
/// static build, whose CPU backend is linked in (no `ggml-cpu-*` files beside it).
pub fn load_cpu_backends() {
    let Some(bin) = exe_dir() else {
        return;
    };
    for dir in [bin.join("../lib/observant"), bin] {
        let has_cpu_backend = std::fs::read_dir(&dir).is_ok_and(|mut entries| {
            entries.any(|e| {
                e.is_ok_and(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.starts_with("libggml-cpu-") || name.starts_with("ggml-cpu-")
                })
            })
        });
        if let Some(dir) = dir.to_str().filter(|_| has_cpu_backend)
            && let Ok(dir) = std::ffi::CString::new(dir)
        {
            // ggml's (linked through whisper-rs-sys; whisper-rs re-exports it only with raw-api).
            unsafe extern "C" {
                fn ggml_backend_load_all_from_path(dir_path: *const std::ffi::c_char);
            }
            // SAFETY: a valid NUL-terminated path; ggml copies it and only reads the folder.
            unsafe { ggml_backend_load_all_from_path(dir.as_ptr()) };
            return;
        }
    }
}

fn exe_dir() -> Option<std::path::PathBuf> {
    std::env::current_exe().ok()?.parent().map(Into::into)
}

/// Path of the bundled default Whisper model.
pub fn default_model_path() -> std::path::PathBuf {
    data_dir().join("models").join("ggml-base-q8_0.bin")
}
