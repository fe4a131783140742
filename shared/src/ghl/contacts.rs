//! `/contacts`: get, create, update, delete, upsert, duplicate lookup, the deprecated list,
//! contacts of a business, and a count for the connection test.

use serde::Serialize;

use super::{
    Contact, ContactEnvelope, ContactId, CreateContact, Deleted, Error, GhlClient,
    MaybeContactEnvelope, NO_BODY, UpdateContact, UpsertContact, UpsertResult, endpoints as ep,
    pages::{ListPager, SearchPager},
    search::{SearchContacts, SearchResult},
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

/// `GET /contacts/business/:businessId` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BusinessQuery {
    pub limit: Option<u32>,
    pub skip: Option<u32>,
    pub query: Option<String>,
}

impl<T: Transport> ContactsHandler<'_, T> {
    /// `GET /contacts/:contactId`
    pub async fn get(&self, id: &ContactId) -> Result<Contact, Error> {
        let env: ContactEnvelope = self
            .client
            .call(&ep::GET_CONTACT, &[&id.0], &[], NO_BODY)
            .await?;
        Ok(env.contact)
    }

    /// `POST /contacts/`. Never retried blindly: a failed create may still have stored the
    /// contact (G1), so callers look it up before trying again.
    pub async fn create(&self, body: &CreateContact) -> Result<Contact, Error> {
        self.same_location(&body.location_id)?;
        let env: ContactEnvelope = self
            .client
            .call(&ep::CREATE_CONTACT, &[], &[], Some(body))
            .await?;
        Ok(env.contact)
    }

    /// `PUT /contacts/:contactId` with only the fields to change.
    pub async fn update(&self, id: &ContactId, body: &UpdateContact) -> Result<Contact, Error> {
        let env: ContactEnvelope = self
            .client
            .call(&ep::UPDATE_CONTACT, &[&id.0], &[], Some(body))
            .await?;
        Ok(env.contact)
    }

    /// `DELETE /contacts/:contactId`; GHL spells its answer `succeded` (G15).
    pub async fn delete(&self, id: &ContactId) -> Result<bool, Error> {
        let d: Deleted = self
            .client
            .call(&ep::DELETE_CONTACT, &[&id.0], &[], NO_BODY)
            .await?;
        Ok(d.succeeded())
    }

    /// `POST /contacts/upsert`: matched by the location's duplicate rule (email, phone).
    pub async fn upsert(&self, body: &UpsertContact) -> Result<UpsertResult, Error> {
        self.same_location(&body.location_id)?;
        self.client
            .call(&ep::UPSERT_CONTACT, &[], &[], Some(body))
            .await
    }

    /// `GET /contacts/search/duplicate?locationId=..&email=..` (or `number=`).
    pub async fn find_duplicate(&self, by: DuplicateBy<'_>) -> Result<Option<Contact>, Error> {
        let location = self.client.location_id().0.as_str();
        let query = match by {
            DuplicateBy::Email(email) => [("locationId", location), ("email", email)],
            DuplicateBy::Phone(number) => [("locationId", location), ("number", number)],
        };
        let env: MaybeContactEnvelope = self
            .client
            .call(&ep::FIND_DUPLICATE, &[], &query, NO_BODY)
            .await?;
        Ok(env.contact)
    }

    /// `POST /contacts/search`: one page.
    pub async fn search(&self, body: &SearchContacts) -> Result<SearchResult, Error> {
        body.validate().map_err(Error::Invalid)?;
        self.same_location(&body.location_id)?;
        self.client
            .call(&ep::SEARCH_CONTACTS, &[], &[], Some(body))
            .await
    }

    /// Every page of a search, following each result's `searchAfter` cursor.
    pub fn search_pages(&self, body: SearchContacts) -> SearchPager<'_, T> {
        SearchPager::new(self.client, body)
    }

    /// The deprecated `GET /contacts/` list, `limit` ≤ 100, each page carrying `locationId`,
    /// `startAfter` and `startAfterId` (G7, G22).
    pub fn list_pages(&self, limit: u32, query: Option<String>) -> ListPager<'_, T> {
        ListPager::new(self.client, limit, query)
    }

    /// `GET /contacts/business/:businessId`
    pub async fn by_business(
        &self,
        business_id: &str,
        q: &BusinessQuery,
    ) -> Result<SearchResult, Error> {
        let limit = q.limit.map(|l| l.to_string()).unwrap_or_default();
        let skip = q.skip.map(|s| s.to_string()).unwrap_or_default();
        let query = [
            ("locationId", self.client.location_id().0.as_str()),
            ("limit", limit.as_str()),
            ("skip", skip.as_str()),
            ("query", q.query.as_deref().unwrap_or("")),
        ];
        self.client
            .call(&ep::CONTACTS_BY_BUSINESS, &[business_id], &query, NO_BODY)
            .await
    }

    /// The number of contacts in the location (one search result).
    pub async fn count(&self) -> Result<u64, Error> {
        let body = SearchContacts::new(self.client.location_id().clone(), 1);
        Ok(self.search(&body).await?.total())
    }

    fn same_location(&self, location: &super::LocationId) -> Result<(), Error> {
        if location == self.client.location_id() {
            return Ok(());
        }
        Err(Error::Invalid(format!(
            "the request is for location {location} but the client is connected to {}",
            self.client.location_id()
        )))
    }
}
