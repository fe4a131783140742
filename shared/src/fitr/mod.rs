//! A reader for FITR's private web-app JSON API (`https://app.fitr.training/api/...`), the API
//! the FITR page itself calls, with the page's own bearer token.
//!
//! Known vs assumed fields are listed in `../shared/fitr/api-samples.md`; everything assumed is
//! optional here, and the reader works without it.

pub mod models;

use http::Method;
use serde::de::DeserializeOwned;

pub use models::*;

use crate::transport::Transport;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FitrError {
    #[error(
        "Your FITR session has expired: reload the FITR page (sign in again if asked), then retry. Nothing was changed."
    )]
    SessionExpired,
    #[error("FITR has no client with id {0}.")]
    NotFound(u64),
    #[error("could not reach FITR: {0}")]
    Transport(String),
    #[error("FITR answered {status} for {path}: {body}")]
    Http {
        status: u16,
        path: String,
        body: String,
    },
    #[error("FITR sent data this version cannot read ({path}: {message}); FITR may have changed.")]
    Decode { path: String, message: String },
}

/// The most pages the reader walks in one listing; a guard against a server that never ends.
const MAX_PAGES: u32 = 2_000;

/// Reads FITR's API as the signed-in coach.
pub struct FitrApi<T> {
    transport: T,
    origin: String,
    token: String,
    timezone: String,
}

impl<T: Transport> FitrApi<T> {
    /// `origin` is e.g. `https://app.fitr.training`; `token` the page's `localStorage.access_token`.
    pub fn new(transport: T, origin: &str, token: &str) -> Self {
        Self {
            transport,
            origin: origin.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            timezone: "UTC".into(),
        }
    }

    pub fn with_timezone(mut self, zone: &str) -> Self {
        self.timezone = zone.to_owned();
        self
    }

    async fn get<R: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<R, FitrError> {
        let mut url = format!("{}{}", self.origin, path);
        if !query.is_empty() {
            let mut ser = form_urlencoded::Serializer::new(String::new());
            for (k, v) in query {
                ser.append_pair(k, v);
            }
            url.push('?');
            url.push_str(&ser.finish().replace('+', "%20"));
        }
        let req = http::Request::builder()
            .method(Method::GET)
            .uri(&url)
            .header("Authorization", format!("bearer {}", self.token))
            .header("api-version", "3")
            .header("accept", "application/json")
            .header("client-timezone", &self.timezone)
            .body(Vec::new())
            .map_err(|e| FitrError::Transport(e.to_string()))?;
        let response = self
            .transport
            .call(req)
            .await
            .map_err(|e| FitrError::Transport(e.0))?;
        let status = response.status().as_u16();
        let body = response.into_body();
        match status {
            200..=299 => {}
            401 => return Err(FitrError::SessionExpired),
            _ => {
                return Err(FitrError::Http {
                    status,
                    path: path.to_owned(),
                    body: String::from_utf8_lossy(&body).chars().take(200).collect(),
                });
            }
        }
        let de = &mut serde_json::Deserializer::from_slice(&body);
        serde_path_to_error::deserialize(de).map_err(|e| FitrError::Decode {
            path: format!("{path} {}", e.path()),
            message: e.inner().to_string(),
        })
    }

    /// One page of `GET /api/coach/search_clients`.
    pub async fn search_clients(
        &self,
        tab: AthleteType,
        page: u32,
        per_page: u32,
    ) -> Result<SearchClientsPage, FitrError> {
        let page = page.to_string();
        let per_page = per_page.to_string();
        self.get(
            "/api/coach/search_clients",
            &[
                ("athlete_type", tab.as_str()),
                ("page", &page),
                ("per_page", &per_page),
                ("q[s][]", "full_name asc"),
            ],
        )
        .await
    }

    /// Every client of one tab, following `active_pagination` (never `activity_pagination`).
    pub async fn all_clients(&self, tab: AthleteType) -> Result<Vec<Athlete>, FitrError> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let p = self.search_clients(tab, page, 100).await?;
            let n = p.athletes.len();
            out.extend(p.athletes.into_iter().map(|a| a.with_tab(tab)));
            if n == 0 || page >= p.active_pagination.total_pages || page >= MAX_PAGES {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// One client: the detail route when FITR has it, else a walk of the three tabs.
    pub async fn athlete(&self, id: u64) -> Result<Athlete, FitrError> {
        match self
            .get::<Athlete>(&format!("/api/coach/athletes/{id}"), &[])
            .await
        {
            Ok(a) if a.id == id => return Ok(a),
            Ok(_) | Err(FitrError::Http { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
        for tab in AthleteType::ALL {
            if let Some(a) = self
                .all_clients(tab)
                .await?
                .into_iter()
                .find(|a| a.id == id)
            {
                return Ok(a);
            }
        }
        Err(FitrError::NotFound(id))
    }

    /// The client's email, from the chat rooms (the one known source), joined on
    /// `opponent.id`; `None` when the client has no room.
    pub async fn email_of(&self, athlete_id: u64) -> Result<Option<String>, FitrError> {
        let mut page = 1;
        loop {
            let p: RoomsPage = self
                .get("/api/chat/rooms", &[("page", &page.to_string())])
                .await?;
            if let Some(email) = p
                .chat_rooms
                .iter()
                .filter_map(|r| r.opponent.as_ref())
                .find(|o| o.id == athlete_id)
                .and_then(|o| o.email.clone())
            {
                return Ok(Some(email));
            }
            let total = p.pagination.map(|p| p.total_pages).unwrap_or(1);
            if p.chat_rooms.is_empty() || page >= total || page >= MAX_PAGES {
                return Ok(None);
            }
            page += 1;
        }
    }

    /// Every client's email from the chat rooms, walking the room pages once (for a bulk read;
    /// [`Self::email_of`] stops at the first match instead).
    pub async fn all_emails(&self) -> Result<std::collections::BTreeMap<u64, String>, FitrError> {
        let mut out = std::collections::BTreeMap::new();
        let mut page = 1;
        loop {
            let p: RoomsPage = self
                .get("/api/chat/rooms", &[("page", &page.to_string())])
                .await?;
            for o in p.chat_rooms.iter().filter_map(|r| r.opponent.as_ref()) {
                if let Some(email) = &o.email {
                    out.entry(o.id).or_insert_with(|| email.clone());
                }
            }
            let total = p.pagination.map(|p| p.total_pages).unwrap_or(1);
            if p.chat_rooms.is_empty() || page >= total || page >= MAX_PAGES {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// Every client of every tab, each once (the first tab that lists it wins), with emails
    /// joined from the rooms.
    pub async fn every_client(&self) -> Result<Vec<FitrClient>, FitrError> {
        let mut seen = std::collections::BTreeSet::new();
        let mut athletes = Vec::new();
        for tab in AthleteType::ALL {
            for a in self.all_clients(tab).await? {
                if seen.insert(a.id) {
                    athletes.push(a);
                }
            }
        }
        let emails = self.all_emails().await?;
        let mut clients = Vec::with_capacity(athletes.len());
        for mut athlete in athletes {
            let email = emails.get(&athlete.id).cloned();
            // The phone is served on the client's own record only: read it for every client that
            // can be pushed (one with an email), so a bulk sync writes the same phone a single
            // push does.
            if email.is_some() && athlete.phone.is_none() {
                athlete.phone = self.phone_of(athlete.id).await?;
            }
            clients.push(FitrClient { athlete, email });
        }
        Ok(clients)
    }

    /// The phone on the client's own record, if FITR serves that record and a phone on it.
    async fn phone_of(&self, id: u64) -> Result<Option<String>, FitrError> {
        match self
            .get::<Athlete>(&format!("/api/coach/athletes/{id}"), &[])
            .await
        {
            Ok(a) if a.id == id => Ok(a.phone),
            Ok(_) | Err(FitrError::Http { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A client with the email joined in.
    pub async fn client(&self, id: u64) -> Result<FitrClient, FitrError> {
        let athlete = self.athlete(id).await?;
        let email = self.email_of(id).await?;
        Ok(FitrClient { athlete, email })
    }
}
