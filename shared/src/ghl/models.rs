//! GHL's data, as read (lenient: unknown fields tolerated, every field optional) and as written
//! (strict: each request type carries only what its endpoint accepts, G3/G4).

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

id_type!(
    /// A GHL contact id.
    ContactId
);
id_type!(
    /// A GHL location (sub-account) id.
    LocationId
);
id_type!(
    /// A GHL note id.
    NoteId
);
id_type!(
    /// A GHL task id.
    TaskId
);

/// A custom field value as GHL returns it: `{ id, value }`, the value of any JSON type (G8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldValue {
    pub id: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// A contact as `GET /contacts/:id` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: ContactId,
    #[serde(default)]
    pub location_id: Option<LocationId>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom_fields: Vec<CustomFieldValue>,
    #[serde(default)]
    pub date_added: Option<String>,
    #[serde(default)]
    pub date_updated: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContactEnvelope {
    pub contact: Contact,
}

/// `GET /contacts/search/duplicate` answers `{ contact: null }` when nothing matches.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MaybeContactEnvelope {
    #[serde(default)]
    pub contact: Option<Contact>,
}

/// A custom field value to write: by `id` or `key`, with `field_value`, never `fieldId` (G8).
/// (The write types also deserialize, so that the sync's outbox can keep them.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub field_value: serde_json::Value,
}

/// The body of `POST /contacts/` (CreateContactDto). Unset fields are not sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateContact {
    pub location_id: LocationId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The body of `PUT /contacts/:id` (UpdateContactDto). It has no `locationId`, `gender` or
/// `companyName` (G3), and deliberately no `tags`: a PUT with tags replaces them all (G10), so
/// tags only change through the tags endpoints.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateContact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldInput>,
}

impl UpdateContact {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// The body of both `POST` and `DELETE /contacts/:id/tags`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagsBody {
    pub tags: Vec<String>,
}

/// A note as GHL returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: NoteId,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub date_added: Option<String>,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NoteEnvelope {
    pub note: Note,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NotesEnvelope {
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// The body of `POST /contacts/:id/notes` (NotesDTO).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewNote {
    pub body: String,
}

/// The body of `PUT /contacts/:id/notes/:id` (UpdateNoteDTO).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNote {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// GHL's delete answer; it spells the key `succeded` (G15), and the correct spelling is taken
/// too.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Deleted {
    #[serde(default)]
    succeded: Option<bool>,
    #[serde(default)]
    succeeded: Option<bool>,
}

impl Deleted {
    pub fn succeeded(&self) -> bool {
        self.succeded.or(self.succeeded).unwrap_or(false)
    }
}

/// A task as GHL returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: TaskId,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub completed: bool,
    #[serde(default)]
    pub assigned_to: Option<String>,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaskEnvelope {
    pub task: Task,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TasksEnvelope {
    #[serde(default)]
    pub tasks: Vec<Task>,
}

/// The body of `POST /contacts/:id/tasks` (CreateTaskParams: title, dueDate and completed are
/// required).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// ISO 8601, e.g. `2026-12-10T09:00:00Z`.
    pub due_date: String,
    pub completed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// The body of `PUT /contacts/:id/tasks/:id` (UpdateTaskBody).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTask {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// An appointment (`GET /contacts/:id/appointments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub appointment_status: Option<String>,
    #[serde(default)]
    pub calendar_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventsEnvelope {
    #[serde(default)]
    pub events: Vec<Appointment>,
}

/// A custom field's definition in a location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldDef {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub field_key: Option<String>,
    #[serde(default)]
    pub data_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldsEnvelope {
    #[serde(default)]
    pub custom_fields: Vec<CustomFieldDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationTag {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LocationTagsEnvelope {
    #[serde(default)]
    pub tags: Vec<LocationTag>,
}

/// The body of `POST /contacts/upsert` (UpsertContactDto). As with create, unset fields are
/// not sent; `tags` here are added to a matched contact's.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertContact {
    pub location_id: LocationId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UpsertResult {
    #[serde(default)]
    pub new: bool,
    pub contact: Contact,
}

/// The link a coach follows to see a contact in GHL.
pub fn contact_url(location: &LocationId, contact: &ContactId) -> String {
    format!("https://app.gohighlevel.com/v2/location/{location}/contacts/detail/{contact}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_body_omits_unset_fields() {
        let body = CreateContact {
            location_id: "loc1".into(),
            first_name: Some("Zoë".into()),
            email: Some("zoe@example.org".into()),
            tags: vec!["fitr:active".into()],
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"locationId":"loc1","firstName":"Zoë","email":"zoe@example.org","tags":["fitr:active"]})
        );
    }

    #[test]
    fn update_body_cannot_carry_tags_or_location() {
        let body = UpdateContact {
            last_name: Some("Hart".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"lastName":"Hart"})
        );
        assert!(UpdateContact::default().is_empty());
    }

    #[test]
    fn custom_field_writes_field_value_never_field_id() {
        let v = serde_json::to_value(CustomFieldInput {
            id: Some("cf1".into()),
            key: None,
            field_value: json!("Active"),
        })
        .unwrap();
        assert_eq!(v, json!({"id":"cf1","field_value":"Active"}));
    }

    #[test]
    fn contact_reader_tolerates_unknown_fields_and_any_custom_value() {
        let c: Contact = serde_json::from_value(json!({
            "id":"c1","firstNameLowerCase":"x","dnd":false,
            "customFields":[{"id":"a","value":3},{"id":"b","value":["x"]},{"id":"c"}]
        }))
        .unwrap();
        assert_eq!(c.custom_fields.len(), 3);
        assert_eq!(c.custom_fields[0].value, json!(3));
        assert!(c.tags.is_empty());
    }
}
