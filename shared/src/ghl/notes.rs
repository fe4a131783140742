//! `/contacts/:id/notes`

use super::{
    ContactId, Deleted, Error, GhlClient, NO_BODY, NewNote, Note, NoteEnvelope, NoteId,
    NotesEnvelope, UpdateNote, endpoints as ep,
};
use crate::transport::Transport;

pub struct NotesHandler<'c, T> {
    pub(crate) client: &'c GhlClient<T>,
}

impl<T: Transport> NotesHandler<'_, T> {
    /// `GET /contacts/:contactId/notes`
    pub async fn list(&self, contact: &ContactId) -> Result<Vec<Note>, Error> {
        let env: NotesEnvelope = self
            .client
            .call(&ep::LIST_NOTES, &[&contact.0], &[], NO_BODY)
            .await?;
        Ok(env.notes)
    }

    /// `GET /contacts/:contactId/notes/:id`
    pub async fn get(&self, contact: &ContactId, id: &NoteId) -> Result<Note, Error> {
        let env: NoteEnvelope = self
            .client
            .call(&ep::GET_NOTE, &[&contact.0, &id.0], &[], NO_BODY)
            .await?;
        Ok(env.note)
    }

    /// `POST /contacts/:contactId/notes`
    pub async fn create(&self, contact: &ContactId, body: &str) -> Result<Note, Error> {
        let note = NewNote {
            body: body.to_owned(),
        };
        let env: NoteEnvelope = self
            .client
            .call(&ep::CREATE_NOTE, &[&contact.0], &[], Some(&note))
            .await?;
        Ok(env.note)
    }

    /// `PUT /contacts/:contactId/notes/:id`
    pub async fn update(
        &self,
        contact: &ContactId,
        id: &NoteId,
        body: &UpdateNote,
    ) -> Result<Note, Error> {
        let env: NoteEnvelope = self
            .client
            .call(&ep::UPDATE_NOTE, &[&contact.0, &id.0], &[], Some(body))
            .await?;
        Ok(env.note)
    }

    /// `DELETE /contacts/:contactId/notes/:id`
    pub async fn delete(&self, contact: &ContactId, id: &NoteId) -> Result<bool, Error> {
        let d: Deleted = self
            .client
            .call(&ep::DELETE_NOTE, &[&contact.0, &id.0], &[], NO_BODY)
            .await?;
        Ok(d.succeeded())
    }
}
