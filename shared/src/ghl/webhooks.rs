//! GHL's webhook payloads, read leniently (G11). Real events are thinner than the documented
//! ones (`docs/webhook events/`): a `TaskCreate` without `contactId` or `body`, a `NoteCreate`
//! without `userId`, contact events without `attachments`, DND settings naming channels the
//! docs do not list. So every field is optional, anything missing is fetched by id through the
//! client, and keys this version does not know are kept in `extra`, never rejected.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ContactId, CustomFieldValue, LocationId, NoteId, TaskId};

/// `TaskCreate`: a task was created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskCreate {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TaskId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    /// Keys this version does not know, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `NoteCreate`: a note was added to a contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteCreate {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<NoteId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One channel of `dndSettings` (`SMS`, `Email`, `Call`, … or one the docs do not name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DndChannel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ContactCreate`, `ContactUpdate`, `ContactDndUpdate` (and the other contact events): the
/// contact's fields as the event carries them. A missing field means "not sent", not "cleared".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactEvent {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<LocationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ContactId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    /// By channel name; channels the docs do not list are kept like the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd_settings: Option<BTreeMap<String, DndChannel>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldValue>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A webhook event, by its `type`. An event this version does not model is kept whole.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    TaskCreate(TaskCreate),
    NoteCreate(NoteCreate),
    ContactCreate(ContactEvent),
    ContactUpdate(ContactEvent),
    ContactDndUpdate(ContactEvent),
    Other(Value),
}

impl WebhookEvent {
    /// Decode one webhook body. Fails only on a body that is not a JSON object or a field of
    /// the wrong JSON type; a missing field never fails.
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        let value: Value = serde_json::from_slice(body)?;
        if !value.is_object() {
            return Err(serde::de::Error::custom("a webhook body is a JSON object"));
        }
        let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
        Ok(match kind {
            "TaskCreate" => Self::TaskCreate(serde_json::from_value(value)?),
            "NoteCreate" => Self::NoteCreate(serde_json::from_value(value)?),
            "ContactCreate" => Self::ContactCreate(serde_json::from_value(value)?),
            "ContactUpdate" => Self::ContactUpdate(serde_json::from_value(value)?),
            "ContactDndUpdate" => Self::ContactDndUpdate(serde_json::from_value(value)?),
            _ => Self::Other(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_example_reads_and_round_trips() {
        let doc = json!({
            "type": "TaskCreate", "locationId": "loc", "id": "t1", "assignedTo": "u1",
            "body": "Call back", "contactId": "c1", "title": "Call",
            "dateAdded": "2021-11-26T12:41:02.193Z", "dueDate": "2021-11-26T12:41:02.193Z"
        });
        let task: TaskCreate = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(task.contact_id, Some("c1".into()));
        assert!(task.extra.is_empty());
        assert_eq!(serde_json::to_value(&task).unwrap(), doc);
    }

    #[test]
    fn an_empty_object_is_a_valid_event_of_every_kind() {
        assert_eq!(
            serde_json::from_value::<TaskCreate>(json!({})).unwrap(),
            TaskCreate::default()
        );
        assert_eq!(
            serde_json::from_value::<NoteCreate>(json!({})).unwrap(),
            NoteCreate::default()
        );
        assert_eq!(
            serde_json::from_value::<ContactEvent>(json!({})).unwrap(),
            ContactEvent::default()
        );
        assert!(WebhookEvent::parse(b"[1]").is_err());
        assert_eq!(
            WebhookEvent::parse(br#"{"type":"InboundMessage","x":1}"#).unwrap(),
            WebhookEvent::Other(json!({"type":"InboundMessage","x":1}))
        );
    }
}
