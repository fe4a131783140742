//! The coach's connection settings and mapping, as kept in `chrome.storage.local` (extension) or
//! `localStorage` (hosted app).

use serde::{Deserialize, Serialize};

use crate::ghl::{Credentials, LIVE_BASE, LocationId};
use crate::mapping::Mapping;

/// Which GHL the product talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApiTarget {
    /// `https://services.leadconnectorhq.com`
    Live,
    /// The local `ghl-sandbox`, e.g. `http://localhost:8081`.
    Sandbox { url: String },
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub token: String,
    pub location_id: String,
    pub target: ApiTarget,
    /// The coach's mapping; settings stored before it existed load with the default.
    #[serde(default)]
    pub mapping: Mapping,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("token", &"[redacted]")
            .field("location_id", &self.location_id)
            .field("target", &self.target)
            .field("mapping", &self.mapping)
            .finish()
    }
}

impl Settings {
    /// The API base URL, without a trailing slash.
    pub fn base(&self) -> String {
        match &self.target {
            ApiTarget::Live => LIVE_BASE.to_owned(),
            ApiTarget::Sandbox { url } => url.trim().trim_end_matches('/').to_owned(),
        }
    }

    /// Refuse settings that cannot work, saying what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.token.trim().is_empty() {
            return Err(
                "Enter the GHL token (a Private Integration Token starts with \"pit-\").".into(),
            );
        }
        if self.token.trim().chars().any(char::is_whitespace) {
            return Err(
                "The token contains spaces: paste it again exactly as GHL shows it.".into(),
            );
        }
        if self.location_id.trim().is_empty() {
            return Err("Enter the GHL location id (Settings → Business Profile in GHL).".into());
        }
        if let ApiTarget::Sandbox { url } = &self.target {
            sandbox_origin(url)?;
        }
        self.mapping.validate().map_err(|e| e.to_string())?;
        Ok(())
    }

    pub fn credentials(&self) -> Credentials {
        Credentials {
            base: self.base(),
            token: self.token.trim().to_owned(),
            location_id: LocationId(self.location_id.trim().to_owned()),
        }
    }
}

/// The host-permission pattern for a local sandbox URL (`http://localhost:8081/*`), or why the
/// URL is not a local sandbox.
pub fn sandbox_origin(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .ok_or("The sandbox URL must start with http:// (for example http://localhost:8081).")?;
    let (host, port) = rest
        .split_once(':')
        .ok_or("The sandbox URL needs a port, for example http://localhost:8081.")?;
    if host != "localhost" && host != "127.0.0.1" {
        return Err("The sandbox must run on this computer: use http://localhost:PORT.".into());
    }
    if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) || port.parse::<u16>().is_err()
    {
        return Err(format!("{port:?} is not a port number."));
    }
    Ok(format!("http://{host}:{port}/*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(target: ApiTarget) -> Settings {
        Settings {
            token: "pit-abc".into(),
            location_id: "loc".into(),
            target,
            mapping: Mapping::default(),
        }
    }

    #[test]
    fn sandbox_urls_are_local_http_with_a_port() {
        assert_eq!(
            sandbox_origin("http://localhost:8081/").as_deref(),
            Ok("http://localhost:8081/*")
        );
        assert!(sandbox_origin("https://localhost:8081").is_err());
        assert!(sandbox_origin("http://example.com:8081").is_err());
        assert!(sandbox_origin("http://localhost").is_err());
        assert!(sandbox_origin("http://localhost:99999").is_err());
    }

    #[test]
    fn validation_names_what_to_fix() {
        assert!(settings(ApiTarget::Live).validate().is_ok());
        let mut s = settings(ApiTarget::Live);
        s.token = " ".into();
        assert!(s.validate().unwrap_err().contains("token"));
        assert_eq!(
            settings(ApiTarget::Sandbox {
                url: "http://localhost:8081/".into()
            })
            .base(),
            "http://localhost:8081"
        );
        assert_eq!(settings(ApiTarget::Live).base(), LIVE_BASE);
    }

    #[test]
    fn settings_stored_before_the_mapping_load_with_the_default_and_a_bad_mapping_is_refused() {
        let old = r#"{"token":"pit-abc","location_id":"loc","target":{"kind":"live"}}"#;
        let s: Settings = serde_json::from_str(old).unwrap();
        assert_eq!(s, settings(ApiTarget::Live));
        let mut s = settings(ApiTarget::Live);
        s.mapping.tag_prefix = String::new();
        assert!(
            s.validate()
                .unwrap_err()
                .starts_with("mapping rule \"tagPrefix\""),
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        assert!(!format!("{:?}", settings(ApiTarget::Live)).contains("pit-abc"));
        assert!(!format!("{:?}", settings(ApiTarget::Live).credentials()).contains("pit-abc"));
    }
}
