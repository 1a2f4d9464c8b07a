//! ggml's CPU backends in a portable build: whisper.cpp built with `GGML_BACKEND_DL` (see
//! `scripts/package.sh` and `vendor/whisper-rs-sys/VENDORED.md`) carries its CPU backend as
//! one shared library per x86-64 level, and the best one for this CPU is loaded at start-up.
//! The ordinary static build (development, tests) links its CPU backend in and has no
//! `ggml-cpu-*` files beside it: then this does nothing.

/// Loads the best CPU backend for this machine from `<exe>/../lib/observant` (Linux package)
/// or the executable's folder (Windows). Called at start-up and again (at no cost) before a
/// model is loaded, so every user of the speech layer (the app, tests, examples) has it.
pub fn load_cpu_backends() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(load_from_exe_dir);
}

/// Whether ggml has a device to compute on: always in the static build; in a portable build
/// only when a CPU module was found and loaded (a broken installation has none, and
/// whisper.cpp would abort on the missing device instead of failing).
pub fn cpu_backend_available() -> bool {
    unsafe extern "C" {
        fn ggml_backend_dev_count() -> usize;
    }
    // SAFETY: reads ggml's backend registry; no arguments.
    unsafe { ggml_backend_dev_count() > 0 }
}

fn load_from_exe_dir() {
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
                fn ggml_log_set(callback: Option<LogCallback>, user_data: *mut std::ffi::c_void);
            }
            // ggml announces each module it loads on stderr ("load_backend: loaded CPU backend
            // from ..."), which would be a second line before every one-line error: while
            // loading, only its errors pass, then its own logger is back.
            // SAFETY: a valid NUL-terminated path, ggml copies it and only reads the folder;
            // the callback is a plain function that outlives the call, and `None` restores
            // ggml's default logger.
            unsafe {
                ggml_log_set(Some(log_errors_only), std::ptr::null_mut());
                ggml_backend_load_all_from_path(dir.as_ptr());
                ggml_log_set(None, std::ptr::null_mut());
            }
            return;
        }
    }
}

/// ggml's log callback: `(level, text, user_data)`; the level is a C enum.
type LogCallback =
    unsafe extern "C" fn(std::ffi::c_int, *const std::ffi::c_char, *mut std::ffi::c_void);

/// ggml's messages while the CPU modules load: its errors (a module that would not load) still
/// reach stderr, its notes ("loaded CPU backend from ...") are dropped.
unsafe extern "C" fn log_errors_only(
    level: std::ffi::c_int,
    text: *const std::ffi::c_char,
    _user_data: *mut std::ffi::c_void,
) {
    const GGML_LOG_LEVEL_ERROR: std::ffi::c_int = 4;
    if level != GGML_LOG_LEVEL_ERROR || text.is_null() {
        return;
    }
    // SAFETY: ggml passes a NUL-terminated string valid for the call.
    let text = unsafe { std::ffi::CStr::from_ptr(text) }.to_string_lossy();
    eprintln!("ggml: {}", text.trim_end());
}
