//! `/locations/:id/customFields` and `/locations/:id/tags`, for the connected location.

use super::{
    CustomFieldDef, CustomFieldsEnvelope, Error, GhlClient, LocationTag, LocationTagsEnvelope,
    NO_BODY, endpoints as ep,
};
use crate::transport::Transport;

pub struct LocationsHandler<'c, T> {
    pub(crate) client: &'c GhlClient<T>,
}

impl<T: Transport> LocationsHandler<'_, T> {
    /// The location's contact custom fields (to resolve keys to ids once, G9).
    pub async fn custom_fields(&self) -> Result<Vec<CustomFieldDef>, Error> {
        let location = self.client.location_id().0.clone();
        let env: CustomFieldsEnvelope = self
            .client
            .call(
                &ep::LOCATION_CUSTOM_FIELDS,
                &[&location],
                &[("model", "contact")],
                NO_BODY,
            )
            .await?;
        Ok(env.custom_fields)
    }

    /// Every tag defined in the location.
    pub async fn tags(&self) -> Result<Vec<LocationTag>, Error> {
        let location = self.client.location_id().0.clone();
        let env: LocationTagsEnvelope = self
            .client
            .call(&ep::LOCATION_TAGS, &[&location], &[], NO_BODY)
            .await?;
        Ok(env.tags)
    }
}
