//! Contact request bodies: which properties each DTO accepts (G3, G4), the type each must have
//! (class-validator's messages), and how an accepted body changes a contact. Pure.

use serde_json::{Map, Value};

use crate::{
    model::{Contact, CustomFieldValue, Location},
    time::{self, Millis},
};

/// Which request type a body is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dto {
    /// `CreateContactDto` (`POST /contacts/`).
    Create,
    /// `UpdateContactDto` (`PUT /contacts/{id}`): no `locationId`, `gender` or `companyName` (G3).
    Update,
    /// `UpsertContactDto` (`POST /contacts/upsert`): `CreateContactDto` plus
    /// `createNewIfDuplicateAllowed`.
    Upsert,
    /// The admin API: anything a coach or an automation can change, plus dates, `type` and
    /// `businessId`.
    Admin,
}

/// The plain string properties of a contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    FirstName,
    LastName,
    Gender,
    Address1,
    City,
    State,
    PostalCode,
    Website,
    Timezone,
    Country,
    CompanyName,
    Source,
    AssignedTo,
    BusinessId,
}

impl Text {
    fn slot(self, c: &mut Contact) -> &mut Option<String> {
        match self {
            Text::FirstName => &mut c.first_name,
            Text::LastName => &mut c.last_name,
            Text::Gender => &mut c.gender,
            Text::Address1 => &mut c.address1,
            Text::City => &mut c.city,
            Text::State => &mut c.state,
            Text::PostalCode => &mut c.postal_code,
            Text::Website => &mut c.website,
            Text::Timezone => &mut c.timezone,
            Text::Country => &mut c.country,
            Text::CompanyName => &mut c.company_name,
            Text::Source => &mut c.source,
            Text::AssignedTo => &mut c.assigned_to,
            Text::BusinessId => &mut c.business_id,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Text(Text),
    Name,
    Email,
    Phone,
    Dnd,
    DndSettings,
    InboundDndSettings,
    Tags,
    CustomFields,
    BirthDate,
    LocationId,
    DateAdded,
    DateUpdated,
    Type,
    CreateNew,
}

/// Properties of both `CreateContactDto` and `UpdateContactDto`.
const COMMON: &[(&str, Kind)] = &[
    ("firstName", Kind::Text(Text::FirstName)),
    ("lastName", Kind::Text(Text::LastName)),
    ("name", Kind::Name),
    ("email", Kind::Email),
    ("phone", Kind::Phone),
    ("address1", Kind::Text(Text::Address1)),
    ("city", Kind::Text(Text::City)),
    ("state", Kind::Text(Text::State)),
    ("postalCode", Kind::Text(Text::PostalCode)),
    ("website", Kind::Text(Text::Website)),
    ("timezone", Kind::Text(Text::Timezone)),
    ("dnd", Kind::Dnd),
    ("dndSettings", Kind::DndSettings),
    ("inboundDndSettings", Kind::InboundDndSettings),
    ("tags", Kind::Tags),
    ("customFields", Kind::CustomFields),
    ("source", Kind::Text(Text::Source)),
    ("dateOfBirth", Kind::BirthDate),
    ("country", Kind::Text(Text::Country)),
    ("assignedTo", Kind::Text(Text::AssignedTo)),
];

/// `CreateContactDto` only.
const CREATE_ONLY: &[(&str, Kind)] = &[
    ("locationId", Kind::LocationId),
    ("gender", Kind::Text(Text::Gender)),
    ("companyName", Kind::Text(Text::CompanyName)),
];

/// `UpsertContactDto` only (besides the `CreateContactDto` ones).
const UPSERT_ONLY: &[(&str, Kind)] = &[
    ("locationId", Kind::LocationId),
    ("gender", Kind::Text(Text::Gender)),
    ("companyName", Kind::Text(Text::CompanyName)),
    ("createNewIfDuplicateAllowed", Kind::CreateNew),
];

/// Admin only (besides `gender` and `companyName`).
const ADMIN_ONLY: &[(&str, Kind)] = &[
    ("gender", Kind::Text(Text::Gender)),
    ("companyName", Kind::Text(Text::CompanyName)),
    ("dateAdded", Kind::DateAdded),
    ("dateUpdated", Kind::DateUpdated),
    ("type", Kind::Type),
    ("businessId", Kind::Text(Text::BusinessId)),
];

fn extra(dto: Dto) -> &'static [(&'static str, Kind)] {
    match dto {
        Dto::Create => CREATE_ONLY,
        Dto::Update => &[],
        Dto::Upsert => UPSERT_ONLY,
        Dto::Admin => ADMIN_ONLY,
    }
}

fn kind_of(dto: Dto, property: &str) -> Option<Kind> {
    let extra = extra(dto);
    COMMON
        .iter()
        .chain(extra)
        .find(|(name, _)| *name == property)
        .map(|(_, kind)| *kind)
}

/// The property names a DTO accepts (for documentation and tests).
pub fn properties(dto: Dto) -> Vec<&'static str> {
    let extra = extra(dto);
    COMMON.iter().chain(extra).map(|(name, _)| *name).collect()
}

/// One accepted property of a body. `None` clears.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Text(Text, Option<String>),
    Name(Option<String>),
    Email(Option<String>),
    Phone(Option<String>),
    Dnd(bool),
    DndSettings(Option<Value>),
    InboundDndSettings(Option<Value>),
    Tags(Vec<String>),
    CustomFields(Vec<CustomFieldInput>),
    BirthDate(Option<Millis>),
    LocationId(String),
    DateAdded(Millis),
    DateUpdated(Millis),
    Type(String),
    /// The upsert's `createNewIfDuplicateAllowed`.
    CreateNew(bool),
}

/// A custom field write: `{id | key, field_value}` (G8). Any other key in the item is ignored,
/// as GHL ignores it (so a `fieldId` writes nothing).
#[derive(Clone, Debug, PartialEq)]
pub struct CustomFieldInput {
    pub id: Option<String>,
    pub key: Option<String>,
    /// `None`: the item had no `field_value`; it changes nothing.
    pub value: Option<Value>,
}

/// A checked body: its changes, its properties outside the whitelist, its type errors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub changes: Vec<Change>,
    /// `property X should not exist`, one per property outside the whitelist.
    pub unknown: Vec<String>,
    /// Type and format errors of whitelisted properties.
    pub invalid: Vec<String>,
}

impl Parsed {
    pub fn location_id(&self) -> Option<&str> {
        self.changes.iter().find_map(|c| match c {
            Change::LocationId(id) => Some(id.as_str()),
            _ => None,
        })
    }

    /// All messages, whitelist first, as one 422 would list them.
    pub fn messages(&self) -> Vec<String> {
        self.unknown.iter().chain(&self.invalid).cloned().collect()
    }
}

/// Check a body against a DTO.
pub fn parse(body: &Map<String, Value>, dto: Dto) -> Parsed {
    let mut parsed = Parsed::default();
    for (property, value) in body {
        let Some(kind) = kind_of(dto, property) else {
            parsed
                .unknown
                .push(format!("property {property} should not exist"));
            continue;
        };
        match parse_value(property, kind, value, dto) {
            Ok(Some(change)) => parsed.changes.push(change),
            Ok(None) => {}
            Err(message) => parsed.invalid.push(message),
        }
    }
    parsed
}

fn parse_value(
    property: &str,
    kind: Kind,
    value: &Value,
    dto: Dto,
) -> Result<Option<Change>, String> {
    let optional_text = |value: &Value| -> Result<Option<String>, String> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(format!("{property} must be a string")),
        }
    };
    let change = match kind {
        Kind::Text(text) => Change::Text(text, optional_text(value)?),
        Kind::Name => Change::Name(optional_text(value)?),
        Kind::Email => match value {
            Value::Null => Change::Email(None),
            Value::String(s) if s.trim().is_empty() => Change::Email(None),
            Value::String(s) if is_email(s.trim()) => Change::Email(Some(s.trim().to_string())),
            _ => return Err("email must be an email".to_string()),
        },
        Kind::Phone => match optional_text(value)? {
            None => Change::Phone(None),
            Some(raw) => match normalize_phone(&raw) {
                Some(e164) => Change::Phone(Some(e164)),
                None => return Err("phone must be a valid phone number".to_string()),
            },
        },
        Kind::Dnd => match value {
            Value::Null => return Ok(None),
            Value::Bool(b) => Change::Dnd(*b),
            _ => return Err(format!("{property} must be a boolean value")),
        },
        Kind::DndSettings | Kind::InboundDndSettings => {
            let settings = match value {
                Value::Null => None,
                Value::Object(_) => Some(value.clone()),
                _ => return Err(format!("{property} must be an object")),
            };
            if matches!(kind, Kind::DndSettings) {
                Change::DndSettings(settings)
            } else {
                Change::InboundDndSettings(settings)
            }
        }
        Kind::Tags => match value {
            Value::Null => return Ok(None),
            Value::Array(items) => Change::Tags(parse_tags(property, items)?),
            _ => return Err(format!("{property} must be an array")),
        },
        Kind::CustomFields => match value {
            Value::Null => return Ok(None),
            Value::Array(items) => Change::CustomFields(parse_custom_fields(items, dto)?),
            _ => return Err("customFields must be an array".to_string()),
        },
        Kind::BirthDate => match value {
            Value::Null => Change::BirthDate(None),
            Value::String(s) if s.trim().is_empty() => Change::BirthDate(None),
            Value::String(s) => match time::parse_birth_date(s) {
                Some(ms) => Change::BirthDate(Some(ms)),
                None => return Err("dateOfBirth must be a valid date".to_string()),
            },
            _ => return Err("dateOfBirth must be a valid date".to_string()),
        },
        Kind::LocationId => match value {
            Value::String(s) if !s.trim().is_empty() => Change::LocationId(s.clone()),
            Value::String(_) | Value::Null => {
                return Err("locationId should not be empty".to_string());
            }
            _ => return Err("locationId must be a string".to_string()),
        },
        Kind::DateAdded | Kind::DateUpdated => {
            let ms = match value {
                Value::String(s) => time::parse_iso(s),
                Value::Number(n) => n.as_i64(),
                _ => None,
            }
            .ok_or_else(|| format!("{property} must be an ISO 8601 date or epoch milliseconds"))?;
            if matches!(kind, Kind::DateAdded) {
                Change::DateAdded(ms)
            } else {
                Change::DateUpdated(ms)
            }
        }
        Kind::Type => match value {
            Value::String(s) if !s.trim().is_empty() => Change::Type(s.clone()),
            _ => return Err("type must be a string".to_string()),
        },
        Kind::CreateNew => match value {
            Value::Null => return Ok(None),
            Value::Bool(b) => Change::CreateNew(*b),
            _ => return Err(format!("{property} must be a boolean value")),
        },
    };
    Ok(Some(change))
}

/// Tags as GHL keeps them: trimmed, lower-cased, no empties, no duplicates, first order kept.
pub fn parse_tags(property: &str, items: &[Value]) -> Result<Vec<String>, String> {
    let mut tags = Vec::new();
    for item in items {
        let Value::String(tag) = item else {
            return Err(format!("each value in {property} must be a string"));
        };
        push_tag(&mut tags, tag);
    }
    Ok(tags)
}

/// Add one tag, normalised, unless present.
pub fn push_tag(tags: &mut Vec<String>, raw: &str) {
    let tag = raw.trim().to_lowercase();
    if !tag.is_empty() && !tags.contains(&tag) {
        tags.push(tag);
    }
}

fn parse_custom_fields(items: &[Value], dto: Dto) -> Result<Vec<CustomFieldInput>, String> {
    items
        .iter()
        .map(|item| {
            let Value::Object(item) = item else {
                return Err("each value in customFields must be an object".to_string());
            };
            let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
            let mut value = item.get("field_value").cloned();
            if dto == Dto::Admin && value.is_none() {
                value = item.get("value").cloned();
            }
            Ok(CustomFieldInput {
                id: text("id"),
                key: text("key"),
                value,
            })
        })
        .collect()
}

/// Apply accepted changes to a contact of `location`. `LocationId` is checked by the caller.
pub fn apply(contact: &mut Contact, changes: &[Change], location: &Location) {
    let names_given = changes
        .iter()
        .any(|c| matches!(c, Change::Text(Text::FirstName | Text::LastName, _)));
    for change in changes {
        match change {
            Change::Text(text, value) => *text.slot(contact) = value.clone(),
            Change::Name(Some(name)) if !names_given => {
                let mut parts = name.trim().splitn(2, char::is_whitespace);
                contact.first_name = parts.next().map(str::to_string);
                contact.last_name = parts
                    .next()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty());
            }
            Change::Name(_) => {}
            Change::Email(value) => contact.email = value.clone(),
            Change::Phone(value) => contact.phone = value.clone(),
            Change::Dnd(value) => contact.dnd = *value,
            Change::DndSettings(value) => contact.dnd_settings = value.clone(),
            Change::InboundDndSettings(value) => contact.inbound_dnd_settings = value.clone(),
            Change::Tags(tags) => contact.tags = tags.clone(),
            Change::CustomFields(items) => apply_custom_fields(contact, items, location),
            Change::BirthDate(value) => contact.date_of_birth = *value,
            Change::LocationId(_) => {}
            Change::DateAdded(ms) => contact.date_added = *ms,
            Change::DateUpdated(ms) => contact.date_updated = *ms,
            Change::Type(value) => contact.contact_type = value.clone(),
            Change::CreateNew(_) => {}
        }
    }
}

/// Custom fields merge: only the fields named change; `null` or `""` clears one; a field the
/// location does not define is silently ignored, as GHL does.
fn apply_custom_fields(contact: &mut Contact, items: &[CustomFieldInput], location: &Location) {
    for item in items {
        let Some(id) = location.resolve_custom_field(item.id.as_deref(), item.key.as_deref())
        else {
            continue;
        };
        let Some(value) = &item.value else { continue };
        let clears = value.is_null() || value.as_str().is_some_and(|s| s.is_empty());
        let existing = contact.custom_fields.iter().position(|f| f.id == id);
        match (existing, clears) {
            (Some(i), true) => {
                contact.custom_fields.remove(i);
            }
            (Some(i), false) => contact.custom_fields[i].value = value.clone(),
            (None, true) => {}
            (None, false) => contact.custom_fields.push(CustomFieldValue {
                id: id.to_string(),
                value: value.clone(),
            }),
        }
    }
}

/// A loose RFC 5322 check, like class-validator's `IsEmail` in spirit.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !text.chars().any(|c| c.is_whitespace() || c == ',')
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// E.164 for a phone number written with `+` and a country code, or in US national format (the
/// sandbox locations' country): `+1 888-888-8888`, `(555) 010-9999`, `15550109999`. `None` when
/// it cannot be a phone number.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let text = raw.trim();
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut digits = String::new();
    for ch in rest.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '-' | '(' | ')' | '.' | '/' => {}
            _ => return None,
        }
    }
    match (plus, digits.len()) {
        (true, 8..=15) if !digits.starts_with('0') => Some(format!("+{digits}")),
        (false, 10) if !digits.starts_with(['0', '1']) => Some(format!("+1{digits}")),
        (false, 11) if digits.starts_with('1') => Some(format!("+{digits}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            normalize_phone("+1 888-888-8888").as_deref(),
            Some("+18888888888")
        );
        assert_eq!(
            normalize_phone("(555) 010-9999").as_deref(),
            Some("+15550109999")
        );
        assert_eq!(
            normalize_phone("+447911123456").as_deref(),
            Some("+447911123456")
        );
        assert_eq!(normalize_phone("call me"), None);
        assert_eq!(normalize_phone("12345"), None);
    }

    #[test]
    fn update_refuses_create_only_properties() {
        let body =
            json!({"gender": "male", "companyName": "X", "locationId": "L", "firstName": "A"});
        let parsed = parse(body.as_object().unwrap(), Dto::Update);
        assert_eq!(
            parsed.unknown,
            vec![
                "property companyName should not exist",
                "property gender should not exist",
                "property locationId should not exist",
            ]
        );
        assert_eq!(
            parsed.changes,
            vec![Change::Text(Text::FirstName, Some("A".into()))]
        );
    }

    #[test]
    fn tags_are_normalised() {
        let tags = parse_tags(
            "tags",
            &[json!(" VIP "), json!("vip"), json!(""), json!("Lead")],
        );
        assert_eq!(tags, Ok(vec!["vip".to_string(), "lead".to_string()]));
        assert!(parse_tags("tags", &[json!(1)]).is_err());
    }
}
