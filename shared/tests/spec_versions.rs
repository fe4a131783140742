//! G16: every endpoint the client calls sends the `Version` its definition in the official
//! spec declares. The spec is read from `../shared/ghl-openapi/`, beside the workspace root.

use std::path::PathBuf;

use serde_json::Value;
use shared::ghl::endpoints::ALL;

/// The workspace root: the nearest ancestor whose Cargo.toml declares `[workspace]`.
fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let manifest = dir.join("Cargo.toml");
        if std::fs::read_to_string(&manifest).is_ok_and(|m| m.contains("[workspace]")) {
            return dir;
        }
        assert!(
            dir.pop(),
            "no workspace root above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
}

fn spec(file: &str) -> Value {
    let path = workspace_root()
        .parent()
        .expect("the workspace has a parent folder")
        .join("shared/ghl-openapi")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the spec lives beside the repository)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_endpoint_sends_the_version_its_spec_declares() {
    assert!(ALL.len() >= 25);
    for ep in ALL {
        let doc = spec(ep.spec);
        let op = &doc["paths"][ep.path][ep.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} is not in {}",
            ep.method,
            ep.path,
            ep.spec
        );
        let declared: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["name"] == "Version" && p["in"] == "header")
            .flat_map(|p| p["schema"]["enum"].as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            declared,
            vec![ep.version],
            "{} {} declares {declared:?}",
            ep.method,
            ep.path
        );
    }
}

#[test]
fn every_endpoint_knows_the_scope_its_spec_requires() {
    for ep in ALL {
        let doc = spec(ep.spec);
        let op = &doc["paths"][ep.path][ep.method.to_lowercase()];
        let scopes: Vec<&str> = op["security"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["bearer"].as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(scopes, vec![ep.scope], "{} {}", ep.method, ep.path);
    }
}

#[test]
fn the_calendars_api_declares_another_version() {
    // A reminder that versions differ per API (G16): never one global default.
    let doc = spec("apps/calendars.json");
    let text = doc.to_string();
    assert!(text.contains("2021-04-15"));
}
