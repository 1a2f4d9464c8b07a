//! Vertrouwelijkheid / confidentiality, checked: Observant contains no network code.
//!
//! 1. The dependency tree (`Cargo.lock`) holds no HTTP, TLS, WebSocket, QUIC or socket client
//!    crate ([`DENYLIST`]), and tokio is built without its `net` feature.
//! 2. `observant analyze` on a real recording and `observant listen --input-file` (the whole
//!    live pipeline: VAD, Whisper, speakers, analysis) run under `strace -f` and open no
//!    AF_INET/AF_INET6 socket (and connect nowhere over IP).
//!
//! Both checks can fail: the lock check is run on a sample lock with `reqwest`, the strace
//! parser on sample lines, and the whole strace pipeline on a bash that opens a TCP socket.
//! `strace` is installed by `scripts/setup.sh`; without it these tests fail (they never pass
//! silently).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Crates that exist to talk over a network. None may appear in `Cargo.lock`.
///
/// Crates in the lock that look networky but are not (checked when this list was written):
/// - `mio`: tokio's I/O driver; we enable only tokio's `rt`, `signal`, `macros`, `time`,
///   `sync` features, and its signal handling uses a local AF_UNIX socket pair (a self-pipe),
///   never IP. The check below also rejects tokio's `net`/`full` features.
/// - `x11rb`, `wayland-client`, `wayland-*`, `calloop*`: the GUI's connection to the local
///   display server (AF_UNIX). X11 over TCP happens only when the user's own `DISPLAY` names a
///   remote host; the app never chooses that.
/// - `zbus`, `async-io`, `async-*`, `atspi*`, `accesskit_unix`: D-Bus for screen readers
///   (AT-SPI accessibility) in the GUI and for the desktop's file dialogs (the XDG portal,
///   `src/app/dialog.rs`), over the local session bus socket; the dialog refuses a session bus
///   address that is not a Unix socket.
/// - `is-wsl`, `open` (dev-dependency of `egui_kittest`, tests only): detects WSL / opens a
///   path with the desktop's handler; no network I/O of its own.
/// - `uds_windows`: Unix domain sockets on Windows (local IPC, Windows-only).
pub const DENYLIST: &[&str] = &[
    // HTTP clients and servers
    "reqwest",
    "hyper",
    "hyper-util",
    "hyper-tls",
    "hyper-rustls",
    "ureq",
    "curl",
    "curl-sys",
    "isahc",
    "surf",
    "attohttpc",
    "http-client",
    "minreq",
    "tiny_http",
    "actix-web",
    "awc",
    "axum",
    "warp",
    "rocket",
    "tonic",
    // HTTP/2, HTTP/3, QUIC
    "h2",
    "h3",
    "quinn",
    "quinn-proto",
    "quiche",
    // WebSockets
    "tungstenite",
    "tokio-tungstenite",
    "async-tungstenite",
    "websocket",
    "ws",
    // TLS
    "native-tls",
    "tokio-native-tls",
    "openssl",
    "openssl-sys",
    "rustls",
    "tokio-rustls",
    "rustls-webpki",
    "webpki",
    "webpki-roots",
    "rustls-native-certs",
    "schannel",
    "security-framework",
    // DNS, raw sockets, async networking runtimes, peer-to-peer
    "trust-dns-resolver",
    "hickory-resolver",
    "hickory-proto",
    "socket2",
    "net2",
    "async-std",
    "async-net",
    "libp2p",
    "tokio-util-net",
    // Telemetry exporters
    "sentry",
    "opentelemetry-otlp",
    "opentelemetry-http",
];

/// Denylisted crate names found in a `Cargo.lock`, sorted.
fn denied_in_lock(lock: &str) -> Result<Vec<String>, String> {
    let table: toml::Table = toml::from_str(lock).map_err(|e| format!("Cargo.lock: {e}"))?;
    let packages = table
        .get("package")
        .and_then(|p| p.as_array())
        .ok_or("Cargo.lock has no [[package]] list")?;
    let mut found: Vec<String> = packages
        .iter()
        .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
        .filter(|n| DENYLIST.contains(n))
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    Ok(found)
}

/// Network-capable features of tokio switched on in a `Cargo.toml`.
fn tokio_net_features(manifest: &str) -> Result<Vec<String>, String> {
    let table: toml::Table = toml::from_str(manifest).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut found = Vec::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(tokio) = table.get(section).and_then(|d| d.get("tokio")) else {
            continue;
        };
        let features = tokio
            .get("features")
            .and_then(|f| f.as_array())
            .cloned()
            .unwrap_or_default();
        for f in features.iter().filter_map(|f| f.as_str()) {
            if matches!(f, "net" | "full") {
                found.push(format!("[{section}] tokio feature {f:?}"));
            }
        }
    }
    Ok(found)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn lock_has_no_network_crates() {
    let lock = std::fs::read_to_string(manifest_dir().join("Cargo.lock")).expect("Cargo.lock");
    let found = denied_in_lock(&lock).unwrap();
    assert!(
        found.is_empty(),
        "Cargo.lock bevat netwerk-crates / contains network crates: {found:?} (see DENYLIST in tests/no_network.rs)"
    );
    // The lock really was read: crates we know are there are found by the same parser.
    let names: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .collect();
    assert!(names.len() > 100, "Cargo.lock looks empty");
    let manifest = std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap();
    let net = tokio_net_features(&manifest).unwrap();
    assert!(net.is_empty(), "tokio with network features: {net:?}");
}

#[test]
fn lock_check_catches_an_http_client() {
    let lock = r#"
version = 4

[[package]]
name = "anyhow"
version = "1.0.0"

[[package]]
name = "reqwest"
version = "0.12.0"
dependencies = ["hyper", "rustls"]

[[package]]
name = "hyper"
version = "1.0.0"

[[package]]
name = "rustls"
version = "0.23.0"
"#;
    assert_eq!(
        denied_in_lock(lock).unwrap(),
        vec!["hyper", "reqwest", "rustls"]
    );
    let manifest = r#"
[package]
name = "x"
[dependencies]
tokio = { version = "1", features = ["rt", "net"] }
"#;
    assert_eq!(tokio_net_features(manifest).unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// strace

/// Lines of `strace -e trace=socket,connect` output that open or use an IP socket.
fn ip_socket_lines(strace_output: &str) -> Vec<&str> {
    strace_output
        .lines()
        .filter(|l| {
            (l.contains("socket(") || l.contains("connect("))
                && (l.contains("AF_INET") || l.contains("PF_INET"))
        })
        .collect()
}

#[test]
fn strace_parser_flags_ip_sockets() {
    let sample = "\
4242  execve(\"/usr/bin/observant\", [\"observant\"], 0x7ffd /* 20 vars */) = 0
4242  socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3
4242  connect(3, {sa_family=AF_UNIX, sun_path=\"/run/user/0/bus\"}, 110) = 0
4243  socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 4
4243  socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 5
4243  connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = -1 ECONNREFUSED (Connection refused)
4244  socket(PF_INET6, SOCK_DGRAM, IPPROTO_IP) = 6
";
    let hits = ip_socket_lines(sample);
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert!(hits[0].contains("AF_INET, SOCK_STREAM"));
    assert!(ip_socket_lines("4242  socket(AF_UNIX, SOCK_STREAM, 0) = 3\n").is_empty());
}

/// `strace` on PATH, or a failure saying how to get it.
fn strace() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("strace"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "strace ontbreekt: installeer het (scripts/setup.sh of `apt-get install strace`) / \
             strace is missing: install it (scripts/setup.sh or `apt-get install strace`); \
             the no-network test cannot run without it"
        )
    })
}

/// Runs `program args` under `strace -f`, tracing socket/connect (and execve, to prove the
/// tracing worked); returns the trace and the program's exit status.
fn traced(program: &Path, args: &[&str]) -> (String, std::process::ExitStatus) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("strace.log");
    let out = Command::new(strace())
        .arg("-f")
        .arg("-qq")
        .args(["-e", "trace=socket,connect,execve"])
        .arg("-o")
        .arg(&log)
        .arg(program)
        .args(args)
        .env("OBSERVANT_SESSIONS", dir.path().join("sessions"))
        .env("HOME", dir.path())
        .output()
        .expect("strace runs");
    let trace = std::fs::read_to_string(&log).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        trace.contains("execve("),
        "strace kon het programma niet volgen / strace could not trace the program \
         (ptrace not permitted in this container?): status {:?}, stderr: {stderr}",
        out.status
    );
    (trace, out.status)
}

fn assert_no_ip(what: &str, trace: &str) {
    let hits = ip_socket_lines(trace);
    assert!(
        hits.is_empty(),
        "{what} opende een netwerksocket / opened a network socket:\n{}",
        hits.join("\n")
    );
}

#[test]
fn strace_pipeline_sees_a_tcp_socket() {
    // Positive control: bash's /dev/tcp opens an AF_INET socket (the connect to a closed
    // local port fails, which does not matter).
    let bash = Path::new("/bin/bash");
    assert!(bash.exists(), "/bin/bash needed for the control");
    let (trace, _) = traced(bash, &["-c", "exec 3<>/dev/tcp/127.0.0.1/9 || true"]);
    assert!(
        !ip_socket_lines(&trace).is_empty(),
        "the control's TCP socket was not seen: {trace}"
    );
}

fn fixture() -> PathBuf {
    manifest_dir().join("tests/fixtures/audio/nl-cabin1-clip.wav")
}

#[test]
fn analyze_opens_no_network_socket() {
    let bin = Path::new(env!("CARGO_BIN_EXE_observant"));
    let clip = fixture();
    let (trace, status) = traced(
        bin,
        &[
            "analyze",
            clip.to_str().unwrap(),
            "--format",
            "json",
            "--threads",
            "2",
        ],
    );
    assert!(status.success(), "analyze failed: {status:?}");
    assert_no_ip("observant analyze", &trace);
}

#[test]
fn listen_opens_no_network_socket() {
    let bin = Path::new(env!("CARGO_BIN_EXE_observant"));
    let clip = fixture();
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("session");
    let (trace, status) = traced(
        bin,
        &[
            "listen",
            "--input-file",
            clip.to_str().unwrap(),
            "--save",
            save.to_str().unwrap(),
            "--threads",
            "2",
        ],
    );
    assert!(status.success(), "listen failed: {status:?}");
    assert_no_ip("observant listen", &trace);
}
