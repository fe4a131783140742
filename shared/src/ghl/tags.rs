//! `/contacts/:id/tags`: the only way this product changes tags (G10: a PUT replaces them all).

use http::Method;

use super::{CONTACTS_VERSION, ContactId, Error, GhlClient, TagsBody, contacts::path_segment};
use crate::transport::Transport;

pub struct TagsHandler<'c, T> {
    pub(crate) client: &'c GhlClient<T>,
}

impl<T: Transport> TagsHandler<'_, T> {
    /// `POST /contacts/:contactId/tags`: adds, keeping every other tag. Returns all tags after.
    pub async fn add(&self, id: &ContactId, tags: &[String]) -> Result<Vec<String>, Error> {
        self.call(Method::POST, id, tags).await
    }

    /// `DELETE /contacts/:contactId/tags`: removes only these. Returns the tags left.
    pub async fn remove(&self, id: &ContactId, tags: &[String]) -> Result<Vec<String>, Error> {
        self.call(Method::DELETE, id, tags).await
    }

    async fn call(
        &self,
        method: Method,
        id: &ContactId,
        tags: &[String],
    ) -> Result<Vec<String>, Error> {
        let body = TagsBody {
            tags: tags.to_vec(),
        };
        let req = self.client.prepare(
            method,
            &format!("/contacts/{}/tags", path_segment(&id.0)),
            &[],
            Some(&body),
            CONTACTS_VERSION,
        )?;
        Ok(self.client.send::<TagsBody>(req).await?.tags)
    }
}
