//! The official spec, loaded for contract tests: `$ref`s resolved (common schemas included),
//! every object schema **closed** (no additional properties), OpenAPI's `nullable` turned into
//! JSON Schema, and the repo's overlay for what the spec lacks (`overlay.json`).
//! The spec is read from `../shared/ghl-openapi/`, beside the workspace root; nothing is copied.

use std::{collections::HashMap, path::PathBuf};

use serde_json::{Map, Value, json};
use shared::ghl::endpoints::{ALL, Endpoint};

pub fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        if std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|m| m.contains("[workspace]"))
        {
            return dir;
        }
        assert!(dir.pop(), "no workspace root");
    }
}

pub struct Spec {
    root: PathBuf,
    docs: HashMap<String, Value>,
    overlay: Value,
}

impl Spec {
    pub fn load() -> Self {
        let root = workspace_root()
            .parent()
            .expect("a parent folder")
            .join("shared/ghl-openapi");
        let overlay = serde_json::from_str(include_str!("overlay.json")).expect("overlay.json");
        let mut spec = Self {
            root,
            docs: HashMap::new(),
            overlay,
        };
        for file in [
            "apps/contacts.json",
            "apps/locations.json",
            "common/common-schemas.json",
        ] {
            spec.doc(file);
        }
        spec
    }

    fn doc(&mut self, file: &str) -> &Value {
        if !self.docs.contains_key(file) {
            let path = self.root.join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            self.docs
                .insert(file.into(), serde_json::from_str(&text).unwrap());
        }
        &self.docs[file]
    }

    fn operation(&self, ep: &Endpoint) -> &Value {
        &self.docs[ep.spec]["paths"][ep.path][ep.method.to_lowercase()]
    }

    /// The closed request-body schema of `ep`, or `None` when it takes no body.
    pub fn request_schema(&self, ep: &Endpoint) -> Option<Value> {
        let key = format!("{} {}", ep.method, ep.path);
        if let Some(s) = self.overlay["requests"].get(&key) {
            return Some(self.close(ep.spec, s, 0));
        }
        let s = &self.operation(ep)["requestBody"]["content"]["application/json"]["schema"];
        (!s.is_null()).then(|| self.close(ep.spec, s, 0))
    }

    /// The closed schema of `ep`'s answer with `status`; the overlay wins over the spec.
    pub fn response_schema(&self, ep: &Endpoint, status: u16) -> Option<Value> {
        let key = format!("{} {} {status}", ep.method, ep.path);
        if let Some(s) = self.overlay["responses"].get(&key) {
            return Some(self.close(ep.spec, s, 0));
        }
        let s = &self.operation(ep)["responses"][status.to_string()]["content"]["application/json"]
            ["schema"];
        (!s.is_null()).then(|| self.close(ep.spec, s, 0))
    }

    /// Resolve `$ref`s against `file`, close objects, map `nullable`.
    fn close(&self, file: &str, schema: &Value, depth: usize) -> Value {
        assert!(depth < 40, "a $ref cycle in {file}");
        match schema {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    if r.starts_with("#/$defs/") {
                        return schema.clone();
                    }
                    let (target_file, pointer) = self.locate(file, r);
                    let target = self.docs[&target_file]
                        .pointer(&pointer)
                        .unwrap_or_else(|| panic!("{r} from {file} resolves to nothing"));
                    return self.close(&target_file, target, depth + 1);
                }
                let mut out = Map::new();
                for (k, v) in m {
                    let v = match k.as_str() {
                        "properties" | "$defs" => Value::Object(
                            v.as_object()
                                .into_iter()
                                .flatten()
                                .map(|(name, s)| (name.clone(), self.close(file, s, depth + 1)))
                                .collect(),
                        ),
                        "example" | "examples" | "description" => continue,
                        _ => self.close(file, v, depth + 1),
                    };
                    out.insert(k.clone(), v);
                }
                if out.contains_key("properties") && !out.contains_key("additionalProperties") {
                    out.insert("additionalProperties".into(), json!(false));
                }
                if out.remove("nullable") == Some(json!(true))
                    && let Some(t) = out.get("type").cloned()
                {
                    out.insert("type".into(), json!([t, "null"]));
                }
                Value::Object(out)
            }
            Value::Array(a) => {
                Value::Array(a.iter().map(|v| self.close(file, v, depth + 1)).collect())
            }
            other => other.clone(),
        }
    }

    fn locate(&self, file: &str, r: &str) -> (String, String) {
        let (path, pointer) = r.split_once('#').unwrap_or((r, ""));
        if path.is_empty() {
            return (file.to_owned(), pointer.to_owned());
        }
        let base = PathBuf::from(file);
        let joined = base.parent().unwrap_or(&base).join(path);
        let mut parts: Vec<String> = Vec::new();
        for c in joined.components() {
            match c.as_os_str().to_str().unwrap() {
                ".." => {
                    parts.pop();
                }
                "." => {}
                s => parts.push(s.to_owned()),
            }
        }
        (parts.join("/"), pointer.to_owned())
    }
}

/// The endpoint a request `method path` was for: the template with the most literal segments.
pub fn endpoint_of(method: &str, path: &str) -> Option<&'static Endpoint> {
    let segs: Vec<&str> = path.split('/').collect();
    ALL.iter()
        .filter(|ep| ep.method == method)
        .filter_map(|ep| {
            let t: Vec<&str> = ep.path.split('/').collect();
            if t.len() != segs.len() {
                return None;
            }
            let mut literal = 0;
            for (a, b) in t.iter().zip(&segs) {
                if a.starts_with('{') {
                    continue;
                }
                if a != b {
                    return None;
                }
                literal += 1;
            }
            Some((literal, ep))
        })
        .max_by_key(|(l, _)| *l)
        .map(|(_, ep)| ep)
}

/// Every error of `instance` against `schema`, in words.
pub fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::draft7::new(schema).expect("a valid schema");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}
