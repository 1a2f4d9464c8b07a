//! Native file dialogs through the XDG desktop portal (`org.freedesktop.portal.FileChooser`):
//! the open and save dialogs GNOME, KDE and sandboxed (Flatpak/Snap) desktops show as their
//! own, spoken to over the session D-Bus with zbus (what `rfd` does on Linux). A call blocks
//! until the user chose or cancelled, so the app runs it on a background thread
//! ([`super::core::in_background`]). Where there is no portal (Windows, macOS, a bare X
//! session, no session bus) [`pick`] fails with one line and the UI keeps its typed path as
//! the fallback.

use std::path::{Path, PathBuf};

use anyhow::Result;
#[cfg(target_os = "linux")]
pub use portal::pick_on;

#[cfg(target_os = "linux")]
const PORTAL: &str = "org.freedesktop.portal.Desktop";
#[cfg(target_os = "linux")]
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
#[cfg(target_os = "linux")]
const CHOOSER: &str = "org.freedesktop.portal.FileChooser";
#[cfg(target_os = "linux")]
const REQUEST: &str = "org.freedesktop.portal.Request";

/// Files a dialog offers: a name and glob patterns (`*.wav`).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub name: String,
    pub patterns: Vec<String>,
}

impl Filter {
    pub fn new(name: &str, patterns: &[&str]) -> Filter {
        Filter {
            name: name.into(),
            patterns: patterns.iter().map(|p| (*p).into()).collect(),
        }
    }
}

/// What to ask the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub title: String,
    /// `Some(name)`: a save dialog proposing this file name; `None`: open a file.
    pub save_as: Option<String>,
    pub filters: Vec<Filter>,
    /// The folder the dialog starts in.
    pub folder: Option<PathBuf>,
}

impl Request {
    /// An open dialog.
    pub fn open(title: &str, filters: Vec<Filter>) -> Request {
        Request {
            title: title.into(),
            save_as: None,
            filters,
            folder: None,
        }
    }

    /// A save dialog proposing `path` (its folder and file name).
    pub fn save(title: &str, path: &Path, filters: Vec<Filter>) -> Request {
        Request {
            title: title.into(),
            save_as: Some(
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            filters,
            folder: path.parent().filter(|p| p.is_dir()).map(Path::to_path_buf),
        }
    }
}

/// How the app asks for a file: the native dialog ([`native`]) or, in tests, a stand-in.
pub type FilePicker = std::sync::Arc<dyn Fn(&Request) -> Result<Option<PathBuf>> + Send + Sync>;

/// The platform's dialog ([`pick`]).
pub fn native() -> FilePicker {
    std::sync::Arc::new(pick)
}

/// Shows the dialog through the portal on the session bus; `Ok(None)` when the user cancelled.
/// Only a local bus (a Unix socket) is used: a session bus address over TCP is refused.
#[cfg(target_os = "linux")]
pub fn pick(req: &Request) -> Result<Option<PathBuf>> {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    if !local_bus(&address) {
        return Err(no_dialog(&"session bus is not local"));
    }
    let conn = zbus::blocking::Connection::session().map_err(|e| no_dialog(&e))?;
    pick_on(&conn, req)
}

/// There is no portal on this platform: the UI keeps its typed path.
#[cfg(not(target_os = "linux"))]
pub fn pick(_: &Request) -> Result<Option<PathBuf>> {
    Err(no_dialog(&"no XDG desktop portal on this platform"))
}

/// Whether a D-Bus address names only local transports (unset means the local default).
pub fn local_bus(address: &str) -> bool {
    address
        .split(';')
        .filter(|a| !a.is_empty())
        .all(|a| a.starts_with("unix:"))
}

fn no_dialog(e: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!(
        "geen bestandskiezer op dit bureaublad (typ het pad) / no file dialog on this desktop (type the path): {e}"
    )
}

#[cfg(target_os = "linux")]
mod portal {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    use anyhow::{Context, Result, bail};
    use zbus::blocking::{Connection, Proxy};
    use zbus::zvariant::{OwnedValue, Value};

    use super::{CHOOSER, PORTAL, PORTAL_PATH, REQUEST, Request, file_uri_path, no_dialog};

    /// [`pick`] on a given bus connection (tests use a private bus with a stand-in portal).
    pub fn pick_on(conn: &Connection, req: &Request) -> Result<Option<PathBuf>> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let token = format!(
            "observant_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let sender = conn
            .unique_name()
            .context("no unique D-Bus name")?
            .trim_start_matches(':')
            .replace('.', "_");
        // The portal answers with a `Response` signal on a request object whose path follows
        // from our name and the token; listen before asking, so the answer cannot be missed.
        let expected = format!("{PORTAL_PATH}/request/{sender}/{token}");
        let request = Proxy::new(conn, PORTAL, expected.as_str(), REQUEST)?;
        let mut responses = request.receive_signal("Response")?;

        let mut options: HashMap<&str, Value> = HashMap::new();
        options.insert("handle_token", Value::from(token.as_str()));
        options.insert("modal", Value::from(true));
        if !req.filters.is_empty() {
            let filters: Vec<(String, Vec<(u32, String)>)> = req
                .filters
                .iter()
                .map(|f| {
                    (
                        f.name.clone(),
                        f.patterns.iter().map(|p| (0u32, p.clone())).collect(),
                    )
                })
                .collect();
            options.insert("filters", Value::from(filters));
        }
        if let Some(dir) = &req.folder {
            // A null-terminated byte string, as the portal specifies.
            let mut bytes = dir.to_string_lossy().into_owned().into_bytes();
            bytes.push(0);
            options.insert("current_folder", Value::from(bytes));
        }
        let method = match &req.save_as {
            Some(name) => {
                options.insert("current_name", Value::from(name.as_str()));
                "SaveFile"
            }
            None => "OpenFile",
        };
        let chooser = Proxy::new(conn, PORTAL, PORTAL_PATH, CHOOSER)?;
        let handle: zbus::zvariant::OwnedObjectPath = chooser
            .call(method, &("", req.title.as_str(), options))
            .map_err(|e| no_dialog(&e))?;
        // Portals older than version 0.9 choose their own request path.
        if handle.as_str() != expected {
            let request = Proxy::new(conn, PORTAL, handle.as_str().to_owned(), REQUEST)?;
            responses = request.receive_signal("Response")?;
        }
        let msg = responses
            .next()
            .context("de bestandskiezer stopte / the file dialog went away")?;
        let (code, results): (u32, HashMap<String, OwnedValue>) = msg.body().deserialize()?;
        match code {
            0 => {}
            1 => return Ok(None),
            _ => bail!("de bestandskiezer gaf een fout / the file dialog failed ({code})"),
        }
        let uris: Vec<String> = results
            .get("uris")
            .and_then(|v| Vec::<String>::try_from(v.try_clone().ok()?).ok())
            .unwrap_or_default();
        let Some(uri) = uris.first() else {
            return Ok(None);
        };
        file_uri_path(uri)
            .map(Some)
            .with_context(|| format!("geen lokaal bestand / not a local file: {uri}"))
    }
}

/// The local path of a `file://` URI (percent-decoded); `None` for another scheme.
pub fn file_uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///x` or `file://localhost/x`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
    }
    #[cfg(not(unix))]
    {
        Some(PathBuf::from(String::from_utf8_lossy(&out).into_owned()))
    }
}

/// The filters for opening something to review.
pub fn review_filters(ui: observant_model::i18n::UiLang) -> Vec<Filter> {
    vec![
        Filter::new(
            ui.t(
                "Opnamen, transcripten en sessies",
                "Recordings, transcripts and sessions",
            ),
            &[
                "*.wav", "*.mp3", "*.m4a", "*.mp4", "*.aac", "*.ogg", "*.flac", "*.json", "*.vtt",
                "*.srt",
            ],
        ),
        Filter::new(ui.t("Alle bestanden", "All files"), &["*"]),
    ]
}

/// The filter for speech models.
pub fn model_filters(ui: observant_model::i18n::UiLang) -> Vec<Filter> {
    vec![
        Filter::new(
            ui.t("Whisper-modellen (ggml)", "Whisper models (ggml)"),
            &["*.bin"],
        ),
        Filter::new(ui.t("Alle bestanden", "All files"), &["*"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            file_uri_path("file:///home/anna/Opname%20mei.wav"),
            Some(PathBuf::from("/home/anna/Opname mei.wav"))
        );
        assert_eq!(
            file_uri_path("file://localhost/tmp/caf%C3%A9.vtt"),
            Some(PathBuf::from("/tmp/café.vtt"))
        );
        assert_eq!(
            file_uri_path("file:///tmp/100%"),
            Some(PathBuf::from("/tmp/100%"))
        );
        assert_eq!(file_uri_path("https://example.org/x.wav"), None);
        assert!(local_bus("unix:path=/run/user/1000/bus"));
        assert!(local_bus(""));
        assert!(!local_bus("tcp:host=10.0.0.2,port=4000"));
        assert!(!local_bus("unix:path=/x;nonce-tcp:host=h,port=1"));
        assert_eq!(file_uri_path("file://server/share/x.wav"), None);
    }

    #[test]
    fn a_save_request_proposes_the_folder_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let r = Request::save("Rapport", &dir.path().join("rapport.html"), Vec::new());
        assert_eq!(r.save_as.as_deref(), Some("rapport.html"));
        assert_eq!(r.folder.as_deref(), Some(dir.path()));
    }
}
