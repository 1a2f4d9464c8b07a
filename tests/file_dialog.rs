//! The native file dialog through the XDG desktop portal, against a stand-in portal on a
//! private D-Bus (a `dbus-daemon` of its own, installed by `scripts/setup.sh`): the request
//! and its options arrive as a real portal sees them, the chosen file comes back as a path,
//! cancelling gives nothing, and a bus without a portal gives one line (the UI then keeps its
//! typed path).
#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use observant::app::dialog::{Filter, Request, pick_on};
use zbus::blocking::Connection;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

/// A private session bus, stopped when dropped.
struct Bus {
    child: Child,
    address: String,
}

impl Bus {
    fn start() -> Bus {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (scripts/setup.sh installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Bus {
            child,
            address: line.trim().to_string(),
        }
    }

    fn connect(&self) -> Connection {
        zbus::blocking::connection::Builder::address(self.address.as_str())
            .unwrap()
            .build()
            .unwrap()
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the stand-in portal saw of one call.
#[derive(Debug, Clone, Default)]
struct Seen {
    method: String,
    title: String,
    token: String,
    current_name: Option<String>,
    filters: Vec<(String, Vec<(u32, String)>)>,
}

/// A FileChooser that answers every request with `answer` (response code, chosen URI).
struct FakeChooser {
    answer: (u32, Option<String>),
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeChooser {
    fn reply(
        &self,
        method: &str,
        sender: String,
        title: &str,
        options: HashMap<String, OwnedValue>,
        conn: zbus::Connection,
    ) -> OwnedObjectPath {
        let text = |k: &str| {
            options
                .get(k)
                .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
        };
        let token = text("handle_token").unwrap_or_default();
        let filters = options
            .get("filters")
            .and_then(|v| Vec::<(String, Vec<(u32, String)>)>::try_from(v.try_clone().ok()?).ok())
            .unwrap_or_default();
        self.seen.lock().unwrap().push(Seen {
            method: method.into(),
            title: title.into(),
            token: token.clone(),
            current_name: text("current_name"),
            filters,
        });
        let path = format!(
            "/org/freedesktop/portal/desktop/request/{}/{}",
            sender.trim_start_matches(':').replace('.', "_"),
            token
        );
        let handle = OwnedObjectPath::try_from(path.clone()).unwrap();
        let (code, uri) = self.answer.clone();
        // The answer comes later, as the portal's Response signal on the request object.
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let mut results: HashMap<&str, Value> = HashMap::new();
            if let Some(u) = uri {
                results.insert("uris", Value::from(vec![u]));
            }
            zbus::block_on(conn.emit_signal(
                None::<()>,
                ObjectPath::try_from(path.as_str()).unwrap(),
                "org.freedesktop.portal.Request",
                "Response",
                &(code, results),
            ))
            .unwrap();
        });
        handle
    }
}

#[zbus::interface(name = "org.freedesktop.portal.FileChooser")]
impl FakeChooser {
    #[zbus(name = "OpenFile")]
    fn open_file(
        &self,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        _parent: &str,
        title: &str,
        options: HashMap<String, OwnedValue>,
    ) -> OwnedObjectPath {
        let sender = header.sender().unwrap().to_string();
        self.reply("OpenFile", sender, title, options, conn.clone())
    }

    #[zbus(name = "SaveFile")]
    fn save_file(
        &self,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        _parent: &str,
        title: &str,
        options: HashMap<String, OwnedValue>,
    ) -> OwnedObjectPath {
        let sender = header.sender().unwrap().to_string();
        self.reply("SaveFile", sender, title, options, conn.clone())
    }
}

/// A stand-in portal on `bus` answering `answer`; returns its connection (keep it alive) and
/// what it saw.
fn portal(bus: &Bus, answer: (u32, Option<&str>)) -> (Connection, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let conn = zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name("org.freedesktop.portal.Desktop")
        .unwrap()
        .serve_at(
            "/org/freedesktop/portal/desktop",
            FakeChooser {
                answer: (answer.0, answer.1.map(Into::into)),
                seen: seen.clone(),
            },
        )
        .unwrap()
        .build()
        .unwrap();
    (conn, seen)
}

#[test]
fn the_portal_dialog_returns_the_chosen_file() {
    let bus = Bus::start();
    let (_portal, seen) = portal(&bus, (0, Some("file:///home/anna/Opname%20mei.wav")));
    let app = bus.connect();
    let req = Request::open(
        "Opname openen",
        vec![Filter::new("Opnamen", &["*.wav", "*.m4a"])],
    );
    let chosen = pick_on(&app, &req).unwrap();
    assert_eq!(chosen, Some(PathBuf::from("/home/anna/Opname mei.wav")));
    let seen = seen.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "OpenFile");
    assert_eq!(seen.title, "Opname openen");
    assert!(seen.token.starts_with("observant_"), "{seen:?}");
    assert_eq!(
        seen.filters,
        vec![(
            "Opnamen".to_string(),
            vec![(0, "*.wav".to_string()), (0, "*.m4a".to_string())]
        )]
    );
}

#[test]
fn a_save_dialog_proposes_the_name_and_cancelling_gives_nothing() {
    let bus = Bus::start();
    let (_portal, seen) = portal(&bus, (1, None));
    let app = bus.connect();
    let dir = tempfile::tempdir().unwrap();
    let req = Request::save("Rapport opslaan", &dir.path().join("rapport.html"), vec![]);
    assert_eq!(pick_on(&app, &req).unwrap(), None);
    let seen = seen.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "SaveFile");
    assert_eq!(seen.current_name.as_deref(), Some("rapport.html"));
}

#[test]
fn without_a_portal_the_answer_is_one_line() {
    let bus = Bus::start();
    let app = bus.connect();
    let e = pick_on(&app, &Request::open("x", vec![])).unwrap_err();
    let line = observant::error::one_line(&e);
    assert!(line.contains("no file dialog on this desktop"), "{line}");
    assert!(!line.contains('\n'));
}
