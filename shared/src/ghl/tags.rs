//! `/contacts/:id/tags`: the only way this product changes tags (G10: a PUT replaces them all).

use super::{Error, GhlClient, TagsBody, endpoints as ep, endpoints::Endpoint, models::ContactId};
use crate::transport::Transport;

pub struct TagsHandler<'c, T> {
    pub(crate) client: &'c GhlClient<T>,
}

impl<T: Transport> TagsHandler<'_, T> {
    /// `POST /contacts/:contactId/tags`: adds, keeping every other tag. Returns all tags after.
    pub async fn add(&self, id: &ContactId, tags: &[String]) -> Result<Vec<String>, Error> {
        self.call(&ep::ADD_TAGS, id, tags).await
    }

    /// `DELETE /contacts/:contactId/tags`: removes only these. Returns the tags left.
    pub async fn remove(&self, id: &ContactId, tags: &[String]) -> Result<Vec<String>, Error> {
        self.call(&ep::REMOVE_TAGS, id, tags).await
    }

    async fn call(
        &self,
        endpoint: &Endpoint,
        id: &ContactId,
        tags: &[String],
    ) -> Result<Vec<String>, Error> {
        let body = TagsBody {
            tags: tags.to_vec(),
        };
        let out: TagsBody = self
            .client
            .call(endpoint, &[&id.0], &[], Some(&body))
            .await?;
        Ok(out.tags)
    }
}
