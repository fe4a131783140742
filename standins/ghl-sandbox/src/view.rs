//! The JSON shapes GHL answers with. A contact has three: the full record of `GET /contacts/{id}`
//! (`GetContectByIdSchema`), the search projection (G21: lower-cased names only, `address`,
//! `businessName`, a `searchAfter` cursor) and the deprecated listing's item. Absent fields are
//! left out, not `null`.

use serde_json::{Map, Value, json};

use crate::{
    model::{Appointment, Contact, CustomFieldDef, LocationTag, Note, Task},
    time::iso,
};

fn put(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        map.insert(key.to_string(), value.into());
    }
}

fn custom_fields(c: &Contact) -> Value {
    Value::Array(
        c.custom_fields
            .iter()
            .map(|f| json!({"id": f.id, "value": f.value}))
            .collect(),
    )
}

fn lower(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|s| s.to_lowercase())
}

/// A create's answer: the spec's CreateContactSchema has no `name`.
pub fn created_contact(c: &Contact) -> Value {
    let mut v = contact(c);
    if let Value::Object(m) = &mut v {
        m.remove("name");
    }
    v
}

/// `GET /contacts/{id}`, update and duplicate answers.
pub fn contact(c: &Contact) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id));
    m.insert("locationId".into(), json!(c.location_id));
    put(&mut m, "name", c.full_name());
    put(&mut m, "firstName", c.first_name.clone());
    put(&mut m, "lastName", c.last_name.clone());
    put(&mut m, "firstNameLowerCase", lower(&c.first_name));
    put(&mut m, "lastNameLowerCase", lower(&c.last_name));
    put(
        &mut m,
        "fullNameLowerCase",
        c.full_name().map(|n| n.to_lowercase()),
    );
    put(&mut m, "email", c.email.clone());
    put(&mut m, "emailLowerCase", c.email_lower());
    put(&mut m, "phone", c.phone.clone());
    put(&mut m, "gender", c.gender.clone());
    put(&mut m, "companyName", c.company_name.clone());
    put(&mut m, "address1", c.address1.clone());
    put(&mut m, "city", c.city.clone());
    put(&mut m, "state", c.state.clone());
    put(&mut m, "postalCode", c.postal_code.clone());
    put(&mut m, "country", c.country.clone());
    put(&mut m, "website", c.website.clone());
    put(&mut m, "timezone", c.timezone.clone());
    put(&mut m, "source", c.source.clone());
    put(&mut m, "assignedTo", c.assigned_to.clone());
    put(&mut m, "dateOfBirth", c.date_of_birth.map(iso));
    m.insert("dnd".into(), json!(c.dnd));
    put(&mut m, "dndSettings", c.dnd_settings.clone());
    put(&mut m, "inboundDndSettings", c.inbound_dnd_settings.clone());
    m.insert("type".into(), json!(c.contact_type));
    m.insert("tags".into(), json!(c.tags));
    m.insert("customFields".into(), custom_fields(c));
    m.insert("dateAdded".into(), json!(iso(c.date_added)));
    m.insert("dateUpdated".into(), json!(iso(c.date_updated)));
    put(&mut m, "businessId", c.business_id.clone());
    Value::Object(m)
}

/// A `GET /contacts/business/{businessId}` item: exactly `ContactsSearchSchema`'s fields.
pub fn business_item(c: &Contact) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id));
    m.insert("locationId".into(), json!(c.location_id));
    put(&mut m, "email", c.email.clone());
    put(&mut m, "timezone", c.timezone.clone());
    put(&mut m, "country", c.country.clone());
    put(&mut m, "source", c.source.clone());
    m.insert("dateAdded".into(), json!(iso(c.date_added)));
    m.insert("customFields".into(), custom_fields(c));
    m.insert("tags".into(), json!(c.tags));
    put(&mut m, "businessId", c.business_id.clone());
    m.insert("attributions".into(), json!([]));
    m.insert("followers".into(), json!([]));
    Value::Object(m)
}

/// A `POST /contacts/search` result item (G21), carrying its `searchAfter` cursor.
pub fn search_item(c: &Contact, search_after: Value) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id));
    m.insert("locationId".into(), json!(c.location_id));
    put(&mut m, "firstNameLowerCase", lower(&c.first_name));
    put(&mut m, "lastNameLowerCase", lower(&c.last_name));
    put(&mut m, "email", c.email_lower());
    put(&mut m, "phone", c.phone.clone());
    put(&mut m, "companyName", c.company_name.clone());
    put(&mut m, "businessName", c.company_name.clone());
    put(&mut m, "address", c.address1.clone());
    put(&mut m, "city", c.city.clone());
    put(&mut m, "state", c.state.clone());
    put(&mut m, "postalCode", c.postal_code.clone());
    put(&mut m, "country", c.country.clone());
    put(&mut m, "website", c.website.clone());
    put(&mut m, "timezone", c.timezone.clone());
    put(&mut m, "source", c.source.clone());
    put(&mut m, "assignedTo", c.assigned_to.clone());
    put(&mut m, "dateOfBirth", c.date_of_birth.map(iso));
    m.insert("dnd".into(), json!(c.dnd));
    put(&mut m, "dndSettings", c.dnd_settings.clone());
    m.insert("type".into(), json!(c.contact_type));
    m.insert("tags".into(), json!(c.tags));
    m.insert("customFields".into(), custom_fields(c));
    put(&mut m, "businessId", c.business_id.clone());
    m.insert("additionalEmails".into(), json!([]));
    m.insert("additionalPhones".into(), json!([]));
    m.insert("followers".into(), json!([]));
    m.insert("dateAdded".into(), json!(iso(c.date_added)));
    m.insert("dateUpdated".into(), json!(iso(c.date_updated)));
    m.insert("searchAfter".into(), search_after);
    Value::Object(m)
}

/// A `GET /contacts/` (deprecated listing) item.
pub fn list_item(c: &Contact) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id));
    m.insert("locationId".into(), json!(c.location_id));
    put(&mut m, "firstName", c.first_name.clone());
    put(&mut m, "lastName", c.last_name.clone());
    put(&mut m, "companyName", c.company_name.clone());
    put(&mut m, "email", c.email.clone());
    put(&mut m, "phone", c.phone.clone());
    m.insert("dnd".into(), json!(c.dnd));
    m.insert("type".into(), json!(c.contact_type));
    put(&mut m, "source", c.source.clone());
    put(&mut m, "assignedTo", c.assigned_to.clone());
    put(&mut m, "address1", c.address1.clone());
    put(&mut m, "city", c.city.clone());
    put(&mut m, "state", c.state.clone());
    put(&mut m, "postalCode", c.postal_code.clone());
    put(&mut m, "country", c.country.clone());
    put(&mut m, "website", c.website.clone());
    put(&mut m, "timezone", c.timezone.clone());
    put(&mut m, "dateOfBirth", c.date_of_birth.map(iso));
    m.insert("dateAdded".into(), json!(iso(c.date_added)));
    m.insert("dateUpdated".into(), json!(iso(c.date_updated)));
    m.insert("tags".into(), json!(c.tags));
    m.insert("customFields".into(), custom_fields(c));
    Value::Object(m)
}

/// `GetNoteSchema`.
pub fn note(n: &Note) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(n.id));
    m.insert("body".into(), json!(n.body));
    put(&mut m, "userId", n.user_id.clone());
    put(&mut m, "title", n.title.clone());
    put(&mut m, "color", n.color.clone());
    m.insert("pinned".into(), json!(n.pinned));
    m.insert("dateAdded".into(), json!(iso(n.date_added)));
    m.insert("contactId".into(), json!(n.contact_id));
    Value::Object(m)
}

/// locations.json `CustomFieldSchema`.
pub fn custom_field_def(f: &CustomFieldDef, location_id: &str) -> Value {
    json!({
        "id": f.id,
        "name": f.name,
        "fieldKey": f.field_key,
        "placeholder": "",
        "dataType": f.data_type,
        "position": f.position,
        "locationId": location_id,
        "model": "contact",
    })
}

/// `TaskSchema`.
pub fn task(t: &Task) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(t.id));
    m.insert("title".into(), json!(t.title));
    put(&mut m, "body", t.body.clone());
    put(&mut m, "assignedTo", t.assigned_to.clone());
    m.insert("dueDate".into(), json!(iso(t.due_date)));
    m.insert("completed".into(), json!(t.completed));
    m.insert("contactId".into(), json!(t.contact_id));
    Value::Object(m)
}

/// `GetEventSchema`.
pub fn appointment(a: &Appointment) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(a.id));
    m.insert("calendarId".into(), json!(a.calendar_id));
    m.insert("status".into(), json!(a.appointment_status));
    put(&mut m, "title", a.title.clone());
    put(&mut m, "assignedUserId", a.assigned_user_id.clone());
    put(&mut m, "notes", a.notes.clone());
    m.insert("startTime".into(), json!(a.start_time));
    m.insert("endTime".into(), json!(a.end_time));
    put(&mut m, "address", a.address.clone());
    m.insert("locationId".into(), json!(a.location_id));
    m.insert("contactId".into(), json!(a.contact_id));
    put(&mut m, "groupId", a.group_id.clone());
    m.insert("appointmentStatus".into(), json!(a.appointment_status));
    m.insert("users".into(), json!(a.users));
    m.insert("dateAdded".into(), json!(iso(a.date_added)));
    m.insert("dateUpdated".into(), json!(iso(a.date_updated)));
    m.insert("assignedResources".into(), json!(a.assigned_resources));
    Value::Object(m)
}

/// locations.json `LocationTagsSchema`.
pub fn location_tag(t: &LocationTag, location_id: &str) -> Value {
    json!({ "name": t.name, "locationId": location_id, "id": t.id })
}
