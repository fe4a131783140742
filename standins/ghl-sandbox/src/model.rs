//! The records the sandbox keeps: locations, contacts, notes, tasks, appointments, tags, custom
//! field definitions. Plain data (serde: `--data` persists it); the rules that change them live
//! in [`crate::store`] and [`crate::activity`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::Millis;

/// A GHL sub-account and everything in it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    pub name: String,
    /// Default country for phone numbers written without `+` (GHL uses the location's country).
    pub country: String,
    /// In creation order.
    pub contacts: Vec<Contact>,
    pub custom_fields: Vec<CustomFieldDef>,
    /// The location's tags (`GET /locations/{id}/tags`): every tag ever put on one of its
    /// contacts, and tags made through the admin API. Removing a tag from every contact does not
    /// delete it, as in GHL.
    #[serde(default)]
    pub tags: Vec<LocationTag>,
    /// What search sees of recently written contacts while it lags behind writes (G20).
    #[serde(default)]
    pub search_index: BTreeMap<String, SearchEntry>,
}

impl Location {
    pub fn new(id: &str, name: &str, custom_fields: Vec<CustomFieldDef>) -> Self {
        Self {
            id: id.to_string(),
            name: name.to_string(),
            country: "US".to_string(),
            contacts: Vec::new(),
            custom_fields,
            tags: Vec::new(),
            search_index: BTreeMap::new(),
        }
    }

    pub fn contact(&self, id: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    pub fn contact_mut(&mut self, id: &str) -> Option<&mut Contact> {
        self.contacts.iter_mut().find(|c| c.id == id)
    }

    /// The custom field an input names by `id` or by `key` (`contact.x` or `x`).
    pub fn resolve_custom_field(&self, id: Option<&str>, key: Option<&str>) -> Option<&str> {
        if let Some(id) = id {
            return self
                .custom_fields
                .iter()
                .find(|f| f.id == id)
                .map(|f| f.id.as_str());
        }
        let key = key?;
        self.custom_fields
            .iter()
            .find(|f| f.field_key == key || f.field_key.strip_prefix("contact.") == Some(key))
            .map(|f| f.id.as_str())
    }
}

/// How search sees a contact written less than `searchLagMs` ago: the version it indexed before
/// (`None`: not yet indexed at all, i.e. just created) until `visible_at`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SearchEntry {
    pub visible_at: Millis,
    pub previous: Option<Box<Contact>>,
}

/// A contact as GHL stores it. Strings are as written; `tags` are lower-cased and trimmed;
/// `phone` is E.164.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    pub location_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub gender: Option<String>,
    pub address1: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub website: Option<String>,
    pub timezone: Option<String>,
    pub country: Option<String>,
    pub company_name: Option<String>,
    pub source: Option<String>,
    pub assigned_to: Option<String>,
    pub date_of_birth: Option<Millis>,
    pub dnd: bool,
    pub dnd_settings: Option<Value>,
    pub inbound_dnd_settings: Option<Value>,
    pub tags: Vec<String>,
    pub custom_fields: Vec<CustomFieldValue>,
    #[serde(rename = "type")]
    pub contact_type: String,
    pub date_added: Millis,
    pub date_updated: Millis,
    /// The business (company record) the contact belongs to; set through the admin API.
    #[serde(default)]
    pub business_id: Option<String>,
    /// In creation order.
    pub notes: Vec<Note>,
    /// In creation order.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Calendar events booked for the contact (seeded through the admin API).
    #[serde(default)]
    pub appointments: Vec<Appointment>,
}

impl Contact {
    pub fn new(id: String, location_id: &str, now: Millis) -> Self {
        Self {
            id,
            location_id: location_id.to_string(),
            contact_type: "lead".to_string(),
            date_added: now,
            date_updated: now,
            ..Self::default()
        }
    }

    /// `"First Last"`, trimmed; `None` when both are empty.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.first_name, &self.last_name]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    pub fn email_lower(&self) -> Option<String> {
        self.email.as_ref().map(|e| e.trim().to_lowercase())
    }

    pub fn custom_field(&self, id: &str) -> Option<&Value> {
        self.custom_fields
            .iter()
            .find(|f| f.id == id)
            .map(|f| &f.value)
    }
}

/// A custom field's value on a contact, read back as `{id, value}` (G8).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CustomFieldValue {
    pub id: String,
    pub value: Value,
}

/// A note on a contact (`GetNoteSchema`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    pub contact_id: String,
    pub body: String,
    pub user_id: Option<String>,
    pub title: Option<String>,
    pub color: Option<String>,
    pub pinned: bool,
    pub date_added: Millis,
}

/// A task on a contact (`TaskSchema`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub contact_id: String,
    pub title: String,
    pub body: Option<String>,
    pub assigned_to: Option<String>,
    pub due_date: Millis,
    pub completed: bool,
    pub date_added: Millis,
}

/// A calendar event of a contact (`GetEventSchema`). `start_time` and `end_time` are kept as
/// written (the calendars API writes ISO 8601 with an offset).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub id: String,
    pub location_id: String,
    pub contact_id: String,
    pub calendar_id: String,
    pub title: Option<String>,
    /// `booked`, `confirmed`, `cancelled`, `showed`, `noshow`, `invalid`.
    pub appointment_status: String,
    pub assigned_user_id: Option<String>,
    pub notes: Option<String>,
    pub address: Option<String>,
    pub group_id: Option<String>,
    pub start_time: String,
    pub end_time: String,
    /// `start_time` in ms, for ordering.
    pub starts_at: Millis,
    pub users: Vec<String>,
    pub assigned_resources: Vec<String>,
    pub date_added: Millis,
    pub date_updated: Millis,
}

/// A location tag (locations.json `LocationTagsSchema`, without `locationId`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LocationTag {
    pub id: String,
    pub name: String,
}

/// A location's custom field definition (locations.json `CustomFieldSchema`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldDef {
    pub id: String,
    pub name: String,
    /// `contact.<snake_name>`.
    pub field_key: String,
    /// `TEXT`, `LARGE_TEXT`, `NUMERICAL`, `DATE`, `SINGLE_OPTIONS`, ...
    pub data_type: String,
    pub position: u32,
}

impl CustomFieldDef {
    pub fn new(id: &str, name: &str, field_key: &str, data_type: &str, position: u32) -> Self {
        Self {
            id: id.to_string(),
            name: name.to_string(),
            field_key: field_key.to_string(),
            data_type: data_type.to_string(),
            position,
        }
    }
}
