//! `/contacts/:id/notes`

use http::Method;

use super::{
    CONTACTS_VERSION, ContactId, Error, GhlClient, NewNote, Note, NoteEnvelope, NotesEnvelope,
    contacts::path_segment,
};
use crate::transport::Transport;

pub struct NotesHandler<'c, T> {
    pub(crate) client: &'c GhlClient<T>,
}

impl<T: Transport> NotesHandler<'_, T> {
    /// `GET /contacts/:contactId/notes`
    pub async fn list(&self, id: &ContactId) -> Result<Vec<Note>, Error> {
        let req = self.client.prepare::<()>(
            Method::GET,
            &format!("/contacts/{}/notes", path_segment(&id.0)),
            &[],
            None,
            CONTACTS_VERSION,
        )?;
        Ok(self.client.send::<NotesEnvelope>(req).await?.notes)
    }

    /// `POST /contacts/:contactId/notes`
    pub async fn create(&self, id: &ContactId, body: &str) -> Result<Note, Error> {
        let note = NewNote {
            body: body.to_owned(),
        };
        let req = self.client.prepare(
            Method::POST,
            &format!("/contacts/{}/notes", path_segment(&id.0)),
            &[],
            Some(&note),
            CONTACTS_VERSION,
        )?;
        Ok(self.client.send::<NoteEnvelope>(req).await?.note)
    }
}
