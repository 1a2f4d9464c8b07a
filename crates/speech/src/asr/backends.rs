//! ggml's CPU backends in a portable build: whisper.cpp built with `GGML_BACKEND_DL` (see
//! `scripts/package.sh` and `vendor/whisper-rs-sys/VENDORED.md`) carries its CPU backend as
//! one shared library per x86-64 level, and the best one for this CPU is loaded at start-up.
//! The ordinary static build (development, tests) links its CPU backend in and has no
//! `ggml-cpu-*` files beside it: then this does nothing.

/// Loads the best CPU backend for this machine from `<exe>/../lib/observant` (Linux package)
/// or the executable's folder (Windows). Call once at start-up, before any model is loaded.
pub fn load_cpu_backends() {
    let Some(bin) = observant_model::paths::exe_dir() else {
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
