//! The layers are crates, and no crate may depend on a crate above it: `cargo metadata` lists
//! every workspace member's dependencies, and each must stand lower in the order
//! model < analysis < audio < speech < store < pipeline < report < observant
//! (README, "Layout"). Only the top package may see clap and egui.

use std::process::Command;

const ORDER: [&str; 8] = [
    "observant-model",
    "observant-analysis",
    "observant-audio",
    "observant-speech",
    "observant-store",
    "observant-pipeline",
    "observant-report",
    "observant",
];

/// Crates only the top package (the app, the GUI, the command line) may use.
const TOP_ONLY: [&str; 4] = ["clap", "egui", "eframe", "egui_kittest"];

fn metadata() -> serde_json::Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

/// (package, dependency) pairs that point up or sideways in the layer order, or reach for a
/// top-only crate from below.
fn violations(meta: &serde_json::Value) -> Vec<String> {
    let rank = |name: &str| ORDER.iter().position(|n| *n == name);
    let mut bad = Vec::new();
    for pkg in meta["packages"].as_array().expect("packages") {
        let name = pkg["name"].as_str().unwrap_or_default();
        let Some(r) = rank(name) else { continue };
        for dep in pkg["dependencies"].as_array().expect("dependencies") {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            match rank(dep_name) {
                Some(d) if d >= r => bad.push(format!("{name} -> {dep_name}")),
                None if name != "observant" && TOP_ONLY.contains(&dep_name) => {
                    bad.push(format!("{name} -> {dep_name} (only the app may)"))
                }
                _ => {}
            }
        }
    }
    bad
}

#[test]
fn every_layer_is_a_workspace_crate() {
    let meta = metadata();
    let names: Vec<&str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for layer in ORDER {
        assert!(
            names.contains(&layer),
            "{layer} is not in the workspace: {names:?}"
        );
    }
}

#[test]
fn no_crate_depends_on_a_crate_above_it() {
    let bad = violations(&metadata());
    assert!(bad.is_empty(), "dependencies pointing up: {bad:?}");
}

#[test]
fn an_upward_edge_is_caught() {
    // The check itself: a made-up metadata where the store reaches up into the pipeline,
    // and the audio layer into clap.
    let meta = serde_json::json!({"packages": [
        {"name": "observant-store", "dependencies": [
            {"name": "observant-model"}, {"name": "observant-pipeline"}]},
        {"name": "observant-audio", "dependencies": [{"name": "clap"}]},
        {"name": "observant", "dependencies": [{"name": "clap"}, {"name": "observant-report"}]},
    ]});
    assert_eq!(
        violations(&meta),
        vec![
            "observant-store -> observant-pipeline".to_string(),
            "observant-audio -> clap (only the app may)".to_string(),
        ]
    );
}
