//! GHL's OAuth 2.0 (apps/oauth.json `POST /oauth/token`, docs/oauth): authorization codes (issued
//! by the admin API in place of the marketplace's consent page), access tokens that expire
//! (G18: ~24 h, `expires_in` 86399), refresh tokens that rotate (each refresh answers a new one
//! and spends the old one), locations whose refresh fails for good (G13), and tokens that lack a
//! scope (G14). Pure: no clock reads (`now` is passed in), no HTTP.
//!
//! Tokens are JWT-shaped (`header.payload.signature`, base64url) like GHL's, with the location
//! and scopes in the payload; the sandbox never reads them back, it looks them up.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{error::GhlError, store::IdGen, time::Millis};

/// The demo OAuth app's client id (`POST /oauth/token` checks it).
pub const DEMO_CLIENT_ID: &str = "sandbox0000000000000001-sbx0demo";
/// The demo OAuth app's client secret.
pub const DEMO_CLIENT_SECRET: &str = "sandbox-secret-0000-0000-000000000001";
/// The company (agency) that owns the sandbox locations (`companyId` of a token).
pub const DEMO_COMPANY_ID: &str = "sandboxCompany000001";
/// The user who "installed" the app (`userId` of a token, required by the spec).
pub const DEMO_USER_ID: &str = "sandboxUser000000001";
/// An access token's lifetime unless the admin config says otherwise (G18; docs: a day).
pub const DEFAULT_ACCESS_TOKEN_TTL_SECS: u64 = 86_399;
/// A refresh token's lifetime: a year (docs/oauth FAQ).
pub const REFRESH_TOKEN_TTL_MS: Millis = 365 * 86_400_000;
/// An authorization code's lifetime.
pub const CODE_TTL_MS: Millis = 10 * 60_000;

pub const SCOPE_CONTACTS_READONLY: &str = "contacts.readonly";
pub const SCOPE_CONTACTS_WRITE: &str = "contacts.write";
pub const SCOPE_CUSTOM_FIELDS_READONLY: &str = "locations/customFields.readonly";
pub const SCOPE_TAGS_READONLY: &str = "locations/tags.readonly";
/// Every scope an endpoint served here requires (from each path's `security` in the spec).
/// Private Integration Tokens have them all; an OAuth token has those it was granted.
pub const SCOPES: &[&str] = &[
    SCOPE_CONTACTS_READONLY,
    SCOPE_CONTACTS_WRITE,
    SCOPE_CUSTOM_FIELDS_READONLY,
    SCOPE_TAGS_READONLY,
];

/// The message of a refresh for a location that is not active (G13).
pub const LOCATION_NOT_ACTIVE: &str = "Location is not active";
/// The message of an access token that lacks the endpoint's scope (G14).
pub const SCOPE_NOT_AUTHORIZED: &str = "The token is not authorized for this scope.";

/// The properties of `GetAccessCodebodyDto`.
const TOKEN_PROPERTIES: &[&str] = &[
    "client_id",
    "client_secret",
    "grant_type",
    "code",
    "refresh_token",
    "user_type",
    "redirect_uri",
];
const GRANT_TYPES: &[&str] = &["authorization_code", "refresh_token", "client_credentials"];
const USER_TYPES: &[&str] = &["Company", "Location"];

/// What a token lets its holder do.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub location_id: String,
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuthCode {
    pub code: String,
    pub grant: Grant,
    pub expires_at: Millis,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub token: String,
    pub grant: Grant,
    pub expires_at: Millis,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RefreshToken {
    pub token: String,
    pub grant: Grant,
    pub expires_at: Millis,
    /// Used once already: refused from then on (G18).
    pub spent: bool,
}

/// A successful `POST /oauth/token` (`GetAccessCodeSuccessfulResponseDto`).
#[derive(Clone, Debug, PartialEq)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub grant: Grant,
}

impl TokenPair {
    pub fn to_json(&self) -> Value {
        json!({
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "scope": self.grant.scopes.join(" "),
            "userType": "Location",
            "locationId": self.grant.location_id,
            "companyId": DEMO_COMPANY_ID,
            "userId": DEMO_USER_ID,
        })
    }
}

/// Every code and token issued, and the OAuth switches.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OAuth {
    pub codes: Vec<AuthCode>,
    pub access_tokens: Vec<AccessToken>,
    pub refresh_tokens: Vec<RefreshToken>,
    /// Locations whose refresh (and code exchange) fails with "Location is not active" (G13).
    pub inactive_locations: Vec<String>,
    pub access_token_ttl_secs: u64,
    ids: IdGen,
}

impl Default for OAuth {
    fn default() -> Self {
        Self::new()
    }
}

/// A 400 the way an OAuth server names it (`error`), with GHL's `statusCode` and `message`.
fn invalid_grant(what: &str) -> GhlError {
    let mut err = GhlError::bad_request(format!("Invalid grant: {what} is invalid"));
    err.error = Some("invalid_grant".to_string());
    err
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

impl OAuth {
    pub fn new() -> Self {
        Self {
            codes: Vec::new(),
            access_tokens: Vec::new(),
            refresh_tokens: Vec::new(),
            inactive_locations: Vec::new(),
            access_token_ttl_secs: DEFAULT_ACCESS_TOKEN_TTL_SECS,
            ids: IdGen::new(0x6f61_7574_685f_7462),
        }
    }

    /// Forget every code and token, make every location active, default lifetime. Ids keep
    /// counting, so a token from before never comes back.
    pub fn clear(&mut self) {
        let ids = self.ids.clone();
        *self = Self::new();
        self.ids = ids;
    }

    /// A JWT-shaped token naming its kind, location and scopes; unique by its `jti`.
    fn mint(&mut self, kind: &str, grant: &Grant, now: Millis, expires_at: Millis) -> String {
        let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = json!({
            "authClass": "Location",
            "authClassId": grant.location_id,
            "source": "INTEGRATION",
            "sourceId": DEMO_CLIENT_ID,
            "channel": "OAUTH",
            "primaryAuthClassId": grant.location_id,
            "oauthMeta": { "scopes": grant.scopes, "client": DEMO_CLIENT_ID },
            "kind": kind,
            "jti": self.ids.next_id(),
            "iat": now / 1000,
            "exp": expires_at / 1000,
        });
        let signature = format!("{}{}", self.ids.next_id(), self.ids.next_id());
        format!(
            "{header}.{}.{}",
            base64url(payload.to_string().as_bytes()),
            base64url(signature.as_bytes())
        )
    }

    /// The scopes a grant gets: `scopes` if given (default: every scope), minus `without`.
    pub fn scopes(scopes: Option<Vec<String>>, without: &[String]) -> Vec<String> {
        scopes
            .unwrap_or_else(|| SCOPES.iter().map(|s| s.to_string()).collect())
            .into_iter()
            .filter(|s| !without.contains(s))
            .collect()
    }

    /// An authorization code for `grant`, as the marketplace's consent page would redirect with.
    pub fn issue_code(&mut self, grant: Grant, now: Millis) -> String {
        let code = format!("{}{}", self.ids.next_id(), self.ids.next_id()).to_lowercase();
        self.codes.push(AuthCode {
            code: code.clone(),
            grant,
            expires_at: now.saturating_add(CODE_TTL_MS),
        });
        code
    }

    /// A fresh access and refresh token for `grant`.
    pub fn issue_tokens(&mut self, grant: Grant, now: Millis) -> TokenPair {
        let ttl_ms =
            i64::try_from(self.access_token_ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let access_expires = now.saturating_add(ttl_ms);
        let refresh_expires = now.saturating_add(REFRESH_TOKEN_TTL_MS);
        let access_token = self.mint("access", &grant, now, access_expires);
        let refresh_token = self.mint("refresh", &grant, now, refresh_expires);
        self.access_tokens.retain(|t| t.expires_at > now);
        self.access_tokens.push(AccessToken {
            token: access_token.clone(),
            grant: grant.clone(),
            expires_at: access_expires,
        });
        self.refresh_tokens.push(RefreshToken {
            token: refresh_token.clone(),
            grant: grant.clone(),
            expires_at: refresh_expires,
            spent: false,
        });
        TokenPair {
            access_token,
            refresh_token,
            expires_in: self.access_token_ttl_secs,
            grant,
        }
    }

    /// The grant of an access token that has not expired.
    pub fn authorize(&self, token: &str, now: Millis) -> Option<&Grant> {
        self.access_tokens
            .iter()
            .find(|t| t.token == token && now < t.expires_at)
            .map(|t| &t.grant)
    }

    pub fn is_active(&self, location: &str) -> bool {
        !self.inactive_locations.iter().any(|l| l == location)
    }

    /// G13: an inactive location's refresh fails for good, until it is made active again.
    pub fn set_active(&mut self, location: &str, active: bool) {
        self.inactive_locations.retain(|l| l != location);
        if !active {
            self.inactive_locations.push(location.to_string());
        }
    }

    /// `POST /oauth/token` with its form fields, decoded: the body is checked
    /// (`GetAccessCodebodyDto`, 422), then the client (401 `invalid_client`), then the grant.
    pub fn token(&mut self, form: &[(String, String)], now: Millis) -> Result<TokenPair, GhlError> {
        let get = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let mut errors: Vec<String> = form
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !TOKEN_PROPERTIES.contains(&k.as_str()))
            .map(|k| format!("property {k} should not exist"))
            .collect();
        for required in ["client_id", "client_secret", "grant_type"] {
            if get(required).is_none() {
                errors.push(format!("{required} should not be empty"));
                errors.push(format!("{required} must be a string"));
            }
        }
        let grant_type = get("grant_type");
        if let Some(grant_type) = grant_type
            && !GRANT_TYPES.contains(&grant_type)
        {
            errors.push(format!(
                "grant_type must be one of the following values: {}",
                GRANT_TYPES.join(", ")
            ));
        }
        if let Some(user_type) = get("user_type")
            && !USER_TYPES.contains(&user_type)
        {
            errors.push(format!(
                "user_type must be one of the following values: {}",
                USER_TYPES.join(", ")
            ));
        }
        if !errors.is_empty() {
            return Err(GhlError::unprocessable(errors));
        }
        if get("client_id") != Some(DEMO_CLIENT_ID)
            || get("client_secret") != Some(DEMO_CLIENT_SECRET)
        {
            let mut err = GhlError::unauthorized("Invalid client: client credentials are invalid");
            err.error = Some("invalid_client".to_string());
            return Err(err);
        }
        match grant_type {
            Some("authorization_code") => self.exchange_code(get("code"), now),
            Some("refresh_token") => self.refresh(get("refresh_token"), now),
            _ => {
                let mut err = GhlError::bad_request(
                    "Unsupported grant type: the sandbox issues Sub-Account tokens through authorization_code and refresh_token",
                );
                err.error = Some("unsupported_grant_type".to_string());
                Err(err)
            }
        }
    }

    fn exchange_code(&mut self, code: Option<&str>, now: Millis) -> Result<TokenPair, GhlError> {
        let Some(code) = code else {
            return Err(GhlError::unprocessable_one("code should not be empty"));
        };
        self.codes.retain(|c| c.expires_at > now);
        let index = self
            .codes
            .iter()
            .position(|c| c.code == code)
            .ok_or_else(|| invalid_grant("authorization code"))?;
        if !self.is_active(&self.codes[index].grant.location_id) {
            return Err(GhlError::bad_request(LOCATION_NOT_ACTIVE));
        }
        let grant = self.codes.remove(index).grant;
        Ok(self.issue_tokens(grant, now))
    }

    fn refresh(&mut self, token: Option<&str>, now: Millis) -> Result<TokenPair, GhlError> {
        let Some(token) = token else {
            return Err(GhlError::unprocessable_one(
                "refresh_token should not be empty",
            ));
        };
        let index = self
            .refresh_tokens
            .iter()
            .position(|t| t.token == token && !t.spent && now < t.expires_at)
            .ok_or_else(|| invalid_grant("refresh token"))?;
        let grant = self.refresh_tokens[index].grant.clone();
        if !self.is_active(&grant.location_id) {
            return Err(GhlError::bad_request(LOCATION_NOT_ACTIVE));
        }
        self.refresh_tokens[index].spent = true;
        Ok(self.issue_tokens(grant, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_700_000_000_000;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all = vec![
            ("client_id".to_string(), DEMO_CLIENT_ID.to_string()),
            ("client_secret".to_string(), DEMO_CLIENT_SECRET.to_string()),
        ];
        all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    }

    fn grant() -> Grant {
        Grant {
            location_id: "L".into(),
            scopes: OAuth::scopes(None, &[]),
        }
    }

    #[test]
    fn base64url_has_no_padding() {
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn code_then_refresh_rotates() {
        let mut oauth = OAuth::new();
        let code = oauth.issue_code(grant(), T0);
        let pair = oauth
            .token(
                &form(&[("grant_type", "authorization_code"), ("code", &code)]),
                T0,
            )
            .unwrap();
        assert_eq!(pair.expires_in, DEFAULT_ACCESS_TOKEN_TTL_SECS);
        assert_eq!(pair.access_token.split('.').count(), 3);
        assert!(oauth.authorize(&pair.access_token, T0).is_some());
        assert!(
            oauth
                .authorize(&pair.access_token, T0 + 86_399_000)
                .is_none(),
            "expired"
        );
        let reused = oauth
            .token(
                &form(&[("grant_type", "authorization_code"), ("code", &code)]),
                T0,
            )
            .unwrap_err();
        assert_eq!(reused.error.as_deref(), Some("invalid_grant"));

        let refresh = [
            ("grant_type", "refresh_token"),
            ("refresh_token", pair.refresh_token.as_str()),
        ];
        let next = oauth.token(&form(&refresh), T0 + 1).unwrap();
        assert_ne!(next.refresh_token, pair.refresh_token);
        let again = oauth.token(&form(&refresh), T0 + 2).unwrap_err();
        assert_eq!(
            (again.status, again.error.as_deref()),
            (400, Some("invalid_grant"))
        );

        oauth.set_active("L", false);
        let next_refresh = [
            ("grant_type", "refresh_token"),
            ("refresh_token", next.refresh_token.as_str()),
        ];
        for _ in 0..2 {
            let inactive = oauth.token(&form(&next_refresh), T0 + 3).unwrap_err();
            assert_eq!(inactive.text(), LOCATION_NOT_ACTIVE);
        }
    }

    #[test]
    fn the_body_is_checked_first() {
        let mut oauth = OAuth::new();
        let err = oauth
            .token(
                &[
                    ("grant_type".into(), "password".into()),
                    ("x".into(), "1".into()),
                ],
                T0,
            )
            .unwrap_err();
        assert_eq!(err.status, 422);
        let wrong = oauth
            .token(
                &[
                    ("client_id".into(), DEMO_CLIENT_ID.into()),
                    ("client_secret".into(), "nope".into()),
                    ("grant_type".into(), "refresh_token".into()),
                ],
                T0,
            )
            .unwrap_err();
        assert_eq!(wrong.status, 401);
    }
}
