//! `/contacts`: get, create, update, duplicate lookup, and a count for the connection test.

use http::Method;
use serde::Serialize;

use super::{
    CONTACTS_VERSION, Contact, ContactEnvelope, ContactId, CreateContact, Error, GhlClient,
    MaybeContactEnvelope, SearchCount, UpdateContact,
};
use crate::transport::Transport;

pub struct ContactsHandler<'c, T> {
    pub(crate) client: &'c GhlClient<T>,
}

/// What the duplicate lookup searches by. The phone must already be E.164 (G6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuplicateBy<'a> {
    Email(&'a str),
    Phone(&'a str),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CountBody<'a> {
    location_id: &'a str,
    page_limit: u32,
}

impl<T: Transport> ContactsHandler<'_, T> {
    /// `GET /contacts/:contactId`
    pub async fn get(&self, id: &ContactId) -> Result<Contact, Error> {
        let req = self.client.prepare::<()>(
            Method::GET,
            &format!("/contacts/{}", path_segment(&id.0)),
            &[],
            None,
            CONTACTS_VERSION,
        )?;
        Ok(self.client.send::<ContactEnvelope>(req).await?.contact)
    }

    /// `POST /contacts/`. Never retried blindly: a failed create may still have stored the
    /// contact (G1), so callers look it up before trying again.
    pub async fn create(&self, body: &CreateContact) -> Result<Contact, Error> {
        if &body.location_id != self.client.location_id() {
            return Err(Error::Invalid(format!(
                "the contact is for location {} but the client is connected to {}",
                body.location_id,
                self.client.location_id()
            )));
        }
        let req = self.client.prepare(
            Method::POST,
            "/contacts/",
            &[],
            Some(body),
            CONTACTS_VERSION,
        )?;
        Ok(self.client.send::<ContactEnvelope>(req).await?.contact)
    }

    /// `PUT /contacts/:contactId` with only the fields to change.
    pub async fn update(&self, id: &ContactId, body: &UpdateContact) -> Result<Contact, Error> {
        let req = self.client.prepare(
            Method::PUT,
            &format!("/contacts/{}", path_segment(&id.0)),
            &[],
            Some(body),
            CONTACTS_VERSION,
        )?;
        Ok(self.client.send::<ContactEnvelope>(req).await?.contact)
    }

    /// `GET /contacts/search/duplicate?locationId=..&email=..` (or `number=`).
    pub async fn find_duplicate(&self, by: DuplicateBy<'_>) -> Result<Option<Contact>, Error> {
        let location = self.client.location_id().0.as_str();
        let query = match by {
            DuplicateBy::Email(email) => [("locationId", location), ("email", email)],
            DuplicateBy::Phone(number) => [("locationId", location), ("number", number)],
        };
        let req = self.client.prepare::<()>(
            Method::GET,
            "/contacts/search/duplicate",
            &query,
            None,
            CONTACTS_VERSION,
        )?;
        Ok(self.client.send::<MaybeContactEnvelope>(req).await?.contact)
    }

    /// The number of contacts in the location (`POST /contacts/search`, one result).
    pub async fn count(&self) -> Result<u64, Error> {
        let body = CountBody {
            location_id: &self.client.location_id().0,
            page_limit: 1,
        };
        let req = self.client.prepare(
            Method::POST,
            "/contacts/search",
            &[],
            Some(&body),
            CONTACTS_VERSION,
        )?;
        Ok(self.client.send::<SearchCount>(req).await?.total)
    }
}

/// Percent-encode one path segment (ids are alphanumeric, but nothing unchecked goes in a URL).
pub(crate) fn path_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
