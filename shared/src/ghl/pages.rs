//! Walking every page. GHL sends no Link header: each pager keeps the original query and the
//! cursor, resends `locationId` on every page (G7), and stops on a short page or a repeated
//! cursor.

use serde::Deserialize;
use serde_json::Value;

use super::{
    Contact, Error, GhlClient, NO_BODY, endpoints as ep,
    search::{SearchContact, SearchContacts},
};
use crate::transport::Transport;

/// `POST /contacts/search` page after page, by each last result's `searchAfter`.
pub struct SearchPager<'c, T> {
    client: &'c GhlClient<T>,
    body: SearchContacts,
    done: bool,
    /// Requests sent so far.
    pub requests: u32,
}

impl<'c, T: Transport> SearchPager<'c, T> {
    pub(crate) fn new(client: &'c GhlClient<T>, body: SearchContacts) -> Self {
        Self {
            client,
            body,
            done: false,
            requests: 0,
        }
    }

    /// The next page, or `None` when there is no more.
    pub async fn next_page(&mut self) -> Result<Option<Vec<SearchContact>>, Error> {
        if self.done {
            return Ok(None);
        }
        let page = self.client.contacts().search(&self.body).await?;
        self.requests += 1;
        let cursor = page.contacts.last().and_then(|c| c.search_after.clone());
        let short = page.contacts.len() < self.body.page_limit as usize;
        match cursor {
            Some(c) if !short && self.body.search_after.as_ref() != Some(&c) => {
                self.body = self.body.clone().after(c);
            }
            _ => self.done = true,
        }
        Ok((!page.contacts.is_empty()).then_some(page.contacts))
    }

    pub async fn collect_all(mut self) -> Result<Vec<SearchContact>, Error> {
        let mut out = Vec::new();
        while let Some(page) = self.next_page().await? {
            out.extend(page);
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub start_after: Option<Value>,
    #[serde(default)]
    pub start_after_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ListPage {
    #[serde(default)]
    pub contacts: Vec<Contact>,
    pub meta: ListMeta,
}

/// The deprecated `GET /contacts/`, with `startAfter` **and** `startAfterId` (G22).
pub struct ListPager<'c, T> {
    client: &'c GhlClient<T>,
    limit: u32,
    query: Option<String>,
    cursor: Option<(String, String)>,
    done: bool,
}

impl<'c, T: Transport> ListPager<'c, T> {
    pub(crate) fn new(client: &'c GhlClient<T>, limit: u32, query: Option<String>) -> Self {
        Self {
            client,
            limit: limit.clamp(1, 100),
            query,
            cursor: None,
            done: false,
        }
    }

    pub async fn next_page(&mut self) -> Result<Option<Vec<Contact>>, Error> {
        if self.done {
            return Ok(None);
        }
        let limit = self.limit.to_string();
        let (after, after_id) = self.cursor.clone().unwrap_or_default();
        let query = [
            ("locationId", self.client.location_id().0.as_str()),
            ("limit", limit.as_str()),
            ("startAfter", after.as_str()),
            ("startAfterId", after_id.as_str()),
            ("query", self.query.as_deref().unwrap_or("")),
        ];
        let page: ListPage = self
            .client
            .call(&ep::LIST_CONTACTS, &[], &query, NO_BODY)
            .await?;
        let next = match (&page.meta.start_after, &page.meta.start_after_id) {
            (Some(a), Some(id)) if !id.is_empty() => Some((
                a.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| a.to_string()),
                id.clone(),
            )),
            _ => None,
        };
        if page.contacts.len() < self.limit as usize || next.is_none() || next == self.cursor {
            self.done = true;
        } else {
            self.cursor = next;
        }
        Ok((!page.contacts.is_empty()).then_some(page.contacts))
    }

    pub async fn collect_all(mut self) -> Result<Vec<Contact>, Error> {
        let mut out = Vec::new();
        while let Some(page) = self.next_page().await? {
            out.extend(page);
        }
        Ok(out)
    }
}
