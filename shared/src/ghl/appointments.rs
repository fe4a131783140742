//! `GET /contacts/:id/appointments`

use super::{Appointment, ContactId, Error, EventsEnvelope, GhlClient, NO_BODY, endpoints as ep};
use crate::transport::Transport;

pub struct AppointmentsHandler<'c, T> {
    pub(crate) client: &'c GhlClient<T>,
}

impl<T: Transport> AppointmentsHandler<'_, T> {
    /// A 401 here with a working token usually means the token lacks a calendar scope (G14).
    pub async fn list(&self, contact: &ContactId) -> Result<Vec<Appointment>, Error> {
        let env: EventsEnvelope = self
            .client
            .call(&ep::LIST_APPOINTMENTS, &[&contact.0], &[], NO_BODY)
            .await?;
        Ok(env.events)
    }
}
