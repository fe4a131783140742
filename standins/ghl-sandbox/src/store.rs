//! The sandbox's state model and every rule GHL applies to it, independent of HTTP: no sockets,
//! no clock reads (each write takes `now`), no auth or rate limits. Each operation takes the
//! caller's location (the one its token belongs to) and the request body or query exactly as GHL
//! receives it, and answers what GHL would: the record, or a [`GhlError`]. A property test can
//! drive this model directly and compare it with the server.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    DEMO_LOCATION_ID, OTHER_LOCATION_ID,
    error::GhlError,
    fields::{self, Dto},
    model::{Contact, CustomFieldDef, Location, LocationTag, Note, SearchEntry},
    search::{self, BusinessPage, ListPage, SearchPage, SearchQuirks},
    time::Millis,
};

/// Custom field ids of the demo location (stable across resets).
pub const DEMO_FIELD_FITR_CLIENT_ID: &str = "cfFitrClientId000001";
pub const DEMO_FIELD_MEMBERSHIP_PLAN: &str = "cfMembershipPlan0001";
pub const DEMO_FIELD_LAST_CHECK_IN: &str = "cfLastCheckIn0000001";
/// The other location's "Membership plan": same key, another id (G9).
pub const OTHER_FIELD_MEMBERSHIP_PLAN: &str = "cfOtherPlan000000002";
/// The calendar an appointment seeded without `calendarId` is booked in.
pub const DEMO_CALENDAR_ID: &str = "sandboxCalendar00001";

/// Which field the duplicate check (and the upsert's match) tries first: the location setting
/// "Allow Duplicate Contact" names a primary and a secondary field.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MatchField {
    #[default]
    Email,
    Phone,
}

impl MatchField {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "email" => Some(Self::Email),
            "phone" => Some(Self::Phone),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    /// This field, then the other one.
    pub fn order(self) -> [MatchField; 2] {
        match self {
            Self::Email => [Self::Email, Self::Phone],
            Self::Phone => [Self::Phone, Self::Email],
        }
    }
}

/// Behaviour switches: GHL location settings and reproducible quirks.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// The location setting "Allow Duplicate Contact" (off by default, as in GHL).
    pub allow_duplicates: bool,
    /// The same setting's primary field (email by default); the other one is the secondary.
    pub duplicate_primary_field: MatchField,
    /// G20: search sees a write only this long after it.
    pub search_lag_ms: u64,
    /// G5: a search filter `phone eq` finds nothing.
    pub phone_filter_misses: bool,
    /// G1: a create refused with 422 for unknown properties still stores the contact.
    pub store_rejected_creates: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            allow_duplicates: false,
            duplicate_primary_field: MatchField::Email,
            search_lag_ms: 0,
            phone_filter_misses: true,
            store_rejected_creates: false,
        }
    }
}

/// GHL-like ids: 20 alphanumerics from a seeded PRNG (deterministic per process).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    const ALPHABET: &'static [u8] =
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        // splitmix64
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A trace id shaped like a UUID v4 (the upsert's `traceId`).
    pub fn next_trace_id(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            (b >> 48) & 0x3fff | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    pub fn next_id(&mut self) -> String {
        (0..20)
            .map(|_| {
                let i = (self.next_u64() % Self::ALPHABET.len() as u64) as usize;
                char::from(Self::ALPHABET[i])
            })
            .collect()
    }
}

/// Every location's contacts (with their notes, tasks and appointments), tags and custom fields.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Store {
    pub(crate) locations: Vec<Location>,
    pub(crate) ids: IdGen,
    pub(crate) settings: Settings,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

fn demo_locations() -> Vec<Location> {
    vec![
        Location::new(
            DEMO_LOCATION_ID,
            "Sandbox Fitness",
            vec![
                CustomFieldDef::new(
                    DEMO_FIELD_FITR_CLIENT_ID,
                    "FITR client id",
                    "contact.fitr_client_id",
                    "TEXT",
                    0,
                ),
                CustomFieldDef::new(
                    DEMO_FIELD_MEMBERSHIP_PLAN,
                    "Membership plan",
                    "contact.membership_plan",
                    "SINGLE_OPTIONS",
                    1,
                ),
                CustomFieldDef::new(
                    DEMO_FIELD_LAST_CHECK_IN,
                    "Last check-in",
                    "contact.last_checkin",
                    "DATE",
                    2,
                ),
            ],
        ),
        Location::new(
            OTHER_LOCATION_ID,
            "Other Gym",
            vec![CustomFieldDef::new(
                OTHER_FIELD_MEMBERSHIP_PLAN,
                "Membership plan",
                "contact.membership_plan",
                "SINGLE_OPTIONS",
                0,
            )],
        ),
    ]
}

pub(crate) fn object(body: &Value) -> Result<&Map<String, Value>, GhlError> {
    body.as_object()
        .ok_or_else(|| GhlError::malformed_json("The request body must be a JSON object"))
}

/// Refuse a contact whose email (case-insensitive) or phone another contact of the location has,
/// unless the location allows duplicates. Email is checked first, as GHL does.
fn check_duplicates(
    loc: &Location,
    candidate: &Contact,
    settings: &Settings,
) -> Result<(), GhlError> {
    if settings.allow_duplicates {
        return Ok(());
    }
    for field in settings.duplicate_primary_field.order() {
        if let Some(other) = duplicate_of(loc, candidate, field, &candidate.id) {
            let name = other.full_name().unwrap_or_default();
            return Err(GhlError::duplicate(&name, &other.id, field.name()));
        }
    }
    Ok(())
}

/// Another contact of the location (not `except`) with the candidate's email (compared
/// lower-cased) or phone.
fn duplicate_of<'a>(
    loc: &'a Location,
    candidate: &Contact,
    field: MatchField,
    except: &str,
) -> Option<&'a Contact> {
    let mut others = loc.contacts.iter().filter(|c| c.id != except);
    match field {
        MatchField::Email => {
            let email = candidate.email_lower()?;
            others.find(|c| c.email_lower().as_ref() == Some(&email))
        }
        MatchField::Phone => {
            let phone = candidate.phone.as_ref()?;
            others.find(|c| c.phone.as_ref() == Some(phone))
        }
    }
}

/// Add the tags the location does not know yet to its tag list.
fn register_tags(loc: &mut Location, tags: &[String], ids: &mut IdGen) {
    for tag in tags {
        if !loc.tags.iter().any(|t| &t.name == tag) {
            loc.tags.push(LocationTag {
                id: ids.next_id(),
                name: tag.clone(),
            });
        }
    }
}

/// What `POST /contacts/upsert` did.
#[derive(Clone, Debug, PartialEq)]
pub struct Upserted {
    pub contact: Contact,
    /// `true` when a contact was created, `false` when an existing one was updated.
    pub created: bool,
    pub trace_id: String,
}

/// Record a write for search lag (G20): search keeps seeing `before` (the version it had
/// indexed) until `now + lag`.
fn mark_written(loc: &mut Location, id: &str, before: Option<Contact>, now: Millis, lag: u64) {
    loc.search_index.retain(|_, e| e.visible_at > now);
    if lag == 0 {
        return;
    }
    let previous = match loc.search_index.get(id) {
        Some(entry) => entry.previous.clone(),
        None => before.map(Box::new),
    };
    let visible_at = now.saturating_add(i64::try_from(lag).unwrap_or(i64::MAX));
    loc.search_index.insert(
        id.to_string(),
        SearchEntry {
            visible_at,
            previous,
        },
    );
}

/// The `{"tags": [..]}` body of the tag endpoints (`TagsDTO`).
fn tags_body(body: &Value) -> Result<Vec<String>, GhlError> {
    let body = object(body)?;
    let mut errors: Vec<String> = body
        .keys()
        .filter(|k| *k != "tags")
        .map(|k| format!("property {k} should not exist"))
        .collect();
    let tags = match body.get("tags") {
        Some(Value::Array(items)) => fields::parse_tags("tags", items).unwrap_or_else(|e| {
            errors.push(e);
            Vec::new()
        }),
        _ => {
            errors.push("tags must be an array".into());
            Vec::new()
        }
    };
    if errors.is_empty() {
        Ok(tags)
    } else {
        Err(GhlError::unprocessable(errors))
    }
}

/// A checked `NotesDTO`.
struct NoteInput {
    body: String,
    user_id: Option<String>,
    title: Option<String>,
    color: Option<String>,
    pinned: bool,
}

fn note_body(body: &Value) -> Result<NoteInput, GhlError> {
    const ALLOWED: &[&str] = &["userId", "body", "title", "color", "pinned"];
    let body = object(body)?;
    let mut errors: Vec<String> = body
        .keys()
        .filter(|k| !ALLOWED.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    let mut text = |key: &str| match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(format!("{key} must be a string"));
            None
        }
    };
    let (user_id, title, color) = (text("userId"), text("title"), text("color"));
    let note_text = match body.get("body") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            errors.push("body should not be empty".into());
            errors.push("body must be a string".into());
            String::new()
        }
        Some(_) => {
            errors.push("body must be a string".into());
            String::new()
        }
    };
    let pinned = match body.get("pinned") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push("pinned must be a boolean value".into());
            false
        }
    };
    if !errors.is_empty() {
        return Err(GhlError::unprocessable(errors));
    }
    Ok(NoteInput {
        body: note_text,
        user_id,
        title,
        color,
        pinned,
    })
}

impl Store {
    /// The two demo locations, empty, with their custom fields.
    pub fn new() -> Self {
        Self {
            locations: demo_locations(),
            ids: IdGen::new(0x6768_6c5f_7361_6e64),
            settings: Settings::default(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// Empty every location (custom field definitions back to the demo ones). Ids keep counting,
    /// so an id from before never names a contact made after.
    pub fn clear(&mut self) {
        self.locations = demo_locations();
    }

    pub fn locations(&self) -> &[Location] {
        &self.locations
    }

    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }

    pub(crate) fn loc(&self, id: &str) -> Result<&Location, GhlError> {
        self.location(id).ok_or_else(GhlError::no_location_access)
    }

    pub(crate) fn loc_mut(&mut self, id: &str) -> Result<&mut Location, GhlError> {
        self.locations
            .iter_mut()
            .find(|l| l.id == id)
            .ok_or_else(GhlError::no_location_access)
    }

    /// `GET /contacts/{id}`: a contact of another location is "not found" too.
    pub fn contact(&self, location: &str, id: &str) -> Result<&Contact, GhlError> {
        self.loc(location)?
            .contact(id)
            .ok_or_else(GhlError::contact_not_found)
    }

    /// Create a contact from its changes, refusing duplicates.
    fn insert(
        &mut self,
        location: &str,
        changes: &[fields::Change],
        now: Millis,
    ) -> Result<Contact, GhlError> {
        let id = self.ids.next_id();
        let settings = self.settings.clone();
        let Self { locations, ids, .. } = self;
        let loc = locations
            .iter_mut()
            .find(|l| l.id == location)
            .ok_or_else(GhlError::no_location_access)?;
        let mut contact = Contact::new(id, location, now);
        fields::apply(&mut contact, changes, loc);
        check_duplicates(loc, &contact, &settings)?;
        register_tags(loc, &contact.tags, ids);
        loc.contacts.push(contact.clone());
        mark_written(loc, &contact.id, None, now, settings.search_lag_ms);
        Ok(contact)
    }

    /// `POST /contacts/` with a `CreateContactDto` body.
    pub fn create_contact(
        &mut self,
        location: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Contact, GhlError> {
        let body = object(body)?;
        let parsed = fields::parse(body, Dto::Create);
        let mut errors = parsed.messages();
        if !body.contains_key("locationId") {
            errors.push("locationId should not be empty".into());
            errors.push("locationId must be a string".into());
        }
        if !errors.is_empty() {
            let only_unknown = parsed.invalid.is_empty() && parsed.location_id() == Some(location);
            if self.settings.store_rejected_creates && only_unknown {
                // G1: GHL stored it before refusing; the error stands either way.
                let _stored = self.insert(location, &parsed.changes, now);
            }
            return Err(GhlError::unprocessable(errors));
        }
        if parsed.location_id() != Some(location) {
            return Err(GhlError::no_location_access());
        }
        let contact = self.insert(location, &parsed.changes, now)?;
        if self.settings.store_rejected_creates {
            // G1: a valid create is stored, and still answered 422.
            return Err(GhlError::unprocessable(vec![
                "Contact could not be created, please try again".into(),
            ]));
        }
        Ok(contact)
    }

    /// Apply a change to one contact of `location`, keeping what search saw before.
    fn modify(
        &mut self,
        location: &str,
        id: &str,
        now: Millis,
        change: impl FnOnce(&mut Contact, &Location) -> bool,
    ) -> Result<Contact, GhlError> {
        let settings = self.settings.clone();
        let Self { locations, ids, .. } = self;
        let loc = locations
            .iter_mut()
            .find(|l| l.id == location)
            .ok_or_else(GhlError::no_location_access)?;
        let index = loc
            .contacts
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(GhlError::contact_not_found)?;
        let before = loc.contacts[index].clone();
        let mut after = before.clone();
        if !change(&mut after, loc) {
            return Ok(before);
        }
        check_duplicates(loc, &after, &settings)?;
        register_tags(loc, &after.tags, ids);
        loc.contacts[index] = after.clone();
        mark_written(loc, id, Some(before), now, settings.search_lag_ms);
        Ok(after)
    }

    /// `PUT /contacts/{id}` with an `UpdateContactDto` body. `tags` replaces every tag (G10);
    /// `customFields` changes only the fields it names.
    pub fn update_contact(
        &mut self,
        location: &str,
        id: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Contact, GhlError> {
        let parsed = fields::parse(object(body)?, Dto::Update);
        let errors = parsed.messages();
        if !errors.is_empty() {
            return Err(GhlError::unprocessable(errors));
        }
        self.modify(location, id, now, |contact, loc| {
            fields::apply(contact, &parsed.changes, loc);
            contact.date_updated = now;
            true
        })
    }

    /// `POST /contacts/upsert` with an `UpsertContactDto` body. The contact to update is found
    /// by the location's duplicate setting: its primary field (email by default) first, then the
    /// secondary. When the two fields match two different contacts, the first one is updated and
    /// the second field is left out of the update, so no duplicate results. With
    /// `createNewIfDuplicateAllowed` and a location that allows duplicates, a new contact is
    /// created without looking.
    pub fn upsert_contact(
        &mut self,
        location: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Upserted, GhlError> {
        let body = object(body)?;
        let parsed = fields::parse(body, Dto::Upsert);
        let mut errors = parsed.messages();
        if !body.contains_key("locationId") {
            errors.push("locationId should not be empty".into());
            errors.push("locationId must be a string".into());
        }
        if !errors.is_empty() {
            return Err(GhlError::unprocessable(errors));
        }
        if parsed.location_id() != Some(location) {
            return Err(GhlError::no_location_access());
        }
        let create_new = parsed.changes.contains(&fields::Change::CreateNew(true));
        let settings = self.settings.clone();
        let loc = self.loc(location)?;
        let mut probe = Contact::new(String::new(), location, now);
        fields::apply(&mut probe, &parsed.changes, loc);
        let [first, second] = settings.duplicate_primary_field.order();
        let matched = if create_new && settings.allow_duplicates {
            None
        } else {
            [first, second]
                .into_iter()
                .find_map(|field| Some((duplicate_of(loc, &probe, field, "")?, field)))
        };
        let Some((existing, field)) = matched else {
            let contact = self.insert(location, &parsed.changes, now)?;
            let trace_id = self.ids.next_trace_id();
            return Ok(Upserted {
                contact,
                created: true,
                trace_id,
            });
        };
        let id = existing.id.clone();
        let other = if field == first { second } else { first };
        let conflicts = duplicate_of(loc, &probe, other, &id).is_some();
        let changes: Vec<fields::Change> = parsed
            .changes
            .into_iter()
            .filter(|c| {
                !conflicts
                    || !matches!(
                        (other, c),
                        (MatchField::Email, fields::Change::Email(_))
                            | (MatchField::Phone, fields::Change::Phone(_))
                    )
            })
            .collect();
        let contact = self.modify(location, &id, now, |contact, loc| {
            fields::apply(contact, &changes, loc);
            contact.date_updated = now;
            true
        })?;
        let trace_id = self.ids.next_trace_id();
        Ok(Upserted {
            contact,
            created: false,
            trace_id,
        })
    }

    /// `DELETE /contacts/{id}`.
    pub fn delete_contact(&mut self, location: &str, id: &str) -> Result<(), GhlError> {
        let loc = self.loc_mut(location)?;
        let index = loc
            .contacts
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(GhlError::contact_not_found)?;
        loc.contacts.remove(index);
        loc.search_index.remove(id);
        Ok(())
    }

    /// `POST /contacts/{id}/tags`: add without duplicates; answers all tags after.
    pub fn add_tags(
        &mut self,
        location: &str,
        id: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Vec<String>, GhlError> {
        let tags = tags_body(body)?;
        let contact = self.modify(location, id, now, |contact, _| {
            let before = contact.tags.len();
            for tag in &tags {
                fields::push_tag(&mut contact.tags, tag);
            }
            let changed = contact.tags.len() != before;
            if changed {
                contact.date_updated = now;
            }
            changed
        })?;
        Ok(contact.tags)
    }

    /// `DELETE /contacts/{id}/tags`: answers the tags that remain.
    pub fn remove_tags(
        &mut self,
        location: &str,
        id: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Vec<String>, GhlError> {
        let tags = tags_body(body)?;
        let contact = self.modify(location, id, now, |contact, _| {
            let before = contact.tags.len();
            contact.tags.retain(|t| !tags.contains(t));
            let changed = contact.tags.len() != before;
            if changed {
                contact.date_updated = now;
            }
            changed
        })?;
        Ok(contact.tags)
    }

    /// `POST /contacts/{id}/notes` with a `NotesDTO` body.
    pub fn add_note(
        &mut self,
        location: &str,
        id: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Note, GhlError> {
        let input = note_body(body)?;
        self.contact(location, id)?;
        let note = Note {
            id: self.ids.next_id(),
            contact_id: id.to_string(),
            body: input.body,
            user_id: input.user_id,
            title: input.title,
            color: input.color,
            pinned: input.pinned,
            date_added: now,
        };
        let contact = self
            .loc_mut(location)?
            .contact_mut(id)
            .ok_or_else(GhlError::contact_not_found)?;
        contact.notes.push(note.clone());
        Ok(note)
    }

    /// `GET /contacts/{id}/notes`: newest first.
    pub fn notes(&self, location: &str, id: &str) -> Result<Vec<Note>, GhlError> {
        let mut notes: Vec<Note> = self
            .contact(location, id)?
            .notes
            .iter()
            .rev()
            .cloned()
            .collect();
        notes.sort_by_key(|n| std::cmp::Reverse(n.date_added));
        Ok(notes)
    }

    /// `GET /contacts/search/duplicate`: by email (case-insensitive) first, then by phone. A
    /// number is compared as E.164 when it starts with `+`, else exactly as received.
    pub fn find_duplicate(
        &self,
        location: &str,
        email: Option<&str>,
        number: Option<&str>,
    ) -> Result<Option<&Contact>, GhlError> {
        let loc = self.loc(location)?;
        if let Some(email) = email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            && let Some(found) = loc
                .contacts
                .iter()
                .find(|c| c.email_lower().as_ref() == Some(&email))
        {
            return Ok(Some(found));
        }
        if let Some(number) = number.filter(|n| !n.is_empty()) {
            let wanted = match number.starts_with('+') {
                true => fields::normalize_phone(number).unwrap_or_else(|| number.to_string()),
                false => number.to_string(),
            };
            return Ok(loc
                .contacts
                .iter()
                .find(|c| c.phone.as_ref() == Some(&wanted)));
        }
        Ok(None)
    }

    /// The contacts search sees at `now` (G20).
    pub fn search_view(&self, location: &str, now: Millis) -> Result<Vec<&Contact>, GhlError> {
        let loc = self.loc(location)?;
        Ok(loc
            .contacts
            .iter()
            .filter_map(|c| match loc.search_index.get(&c.id) {
                Some(entry) if now < entry.visible_at => entry.previous.as_deref(),
                _ => Some(c),
            })
            .collect())
    }

    /// `POST /contacts/search`.
    pub fn search(
        &self,
        location: &str,
        body: &Value,
        now: Millis,
    ) -> Result<SearchPage, GhlError> {
        let query = search::parse_search(object(body)?)?;
        if query.location_id != location {
            return Err(GhlError::no_location_access());
        }
        let visible = self.search_view(location, now)?;
        let quirks = SearchQuirks {
            phone_filter_misses: self.settings.phone_filter_misses,
        };
        Ok(search::run(&query, &visible, quirks))
    }

    /// `GET /contacts/` (deprecated) with its query pairs, decoded.
    pub fn list(&self, location: &str, query: &[(String, String)]) -> Result<ListPage, GhlError> {
        let query = search::parse_list(query)?;
        if query.location_id != location {
            return Err(GhlError::no_location_access());
        }
        let contacts: Vec<&Contact> = self.loc(location)?.contacts.iter().collect();
        Ok(search::list(&query, &contacts))
    }

    /// `GET /contacts/business/{businessId}` with its query pairs, decoded.
    pub fn business_contacts(
        &self,
        location: &str,
        business_id: &str,
        query: &[(String, String)],
    ) -> Result<BusinessPage, GhlError> {
        let query = search::parse_business(query)?;
        if query.location_id != location {
            return Err(GhlError::no_location_access());
        }
        let contacts: Vec<&Contact> = self
            .loc(location)?
            .contacts
            .iter()
            .filter(|c| c.business_id.as_deref() == Some(business_id))
            .collect();
        Ok(search::business(&query, &contacts))
    }

    /// `GET /locations/{locationId}/tags`: by name.
    pub fn location_tags(&self, location: &str) -> Result<Vec<LocationTag>, GhlError> {
        let mut tags = self.loc(location)?.tags.clone();
        tags.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(tags)
    }

    /// Make a location tag (admin), normalised as a contact's tags are. Answers the tag and
    /// whether it is new; an existing tag of that name is answered as it is.
    pub fn add_location_tag(
        &mut self,
        location: &str,
        name: &str,
    ) -> Result<(LocationTag, bool), GhlError> {
        let mut normalised = Vec::new();
        fields::push_tag(&mut normalised, name);
        let Some(name) = normalised.pop() else {
            return Err(GhlError::unprocessable_one("name should not be empty"));
        };
        let Self { locations, ids, .. } = self;
        let loc = locations
            .iter_mut()
            .find(|l| l.id == location)
            .ok_or_else(|| GhlError::bad_request(format!("Unknown location {location}")))?;
        if let Some(tag) = loc.tags.iter().find(|t| t.name == name) {
            return Ok((tag.clone(), false));
        }
        register_tags(loc, std::slice::from_ref(&name), ids);
        let tag = loc
            .tags
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .ok_or_else(|| GhlError::bad_request("Tag could not be created"))?;
        Ok((tag, true))
    }

    /// `GET /locations/{locationId}/customFields`.
    pub fn custom_fields(&self, location: &str) -> Result<&[CustomFieldDef], GhlError> {
        Ok(&self.loc(location)?.custom_fields)
    }

    // ---- admin: what a coach or a GHL automation does, outside the API's rules ----

    pub(crate) fn location_of(&self, contact_id: &str) -> Result<String, GhlError> {
        self.locations
            .iter()
            .find(|l| l.contact(contact_id).is_some())
            .map(|l| l.id.clone())
            .ok_or_else(GhlError::contact_not_found)
    }

    fn admin_changes(body: &Value) -> Result<Vec<fields::Change>, GhlError> {
        let parsed = fields::parse(object(body)?, Dto::Admin);
        let errors = parsed.messages();
        if errors.is_empty() {
            Ok(parsed.changes)
        } else {
            Err(GhlError::unprocessable(errors))
        }
    }

    /// Create contacts directly (all or none). Each may also set `dateAdded`, `dateUpdated`,
    /// `type`; duplicates are refused as GHL would.
    pub fn seed(
        &mut self,
        location: &str,
        contacts: &[Value],
        now: Millis,
    ) -> Result<Vec<Contact>, GhlError> {
        if self.location(location).is_none() {
            return Err(GhlError::bad_request(format!(
                "Unknown location {location}"
            )));
        }
        let mut draft = self.clone();
        let mut created = Vec::new();
        for body in contacts {
            let changes = Self::admin_changes(body)?;
            created.push(draft.insert(location, &changes, now)?);
        }
        *self = draft;
        Ok(created)
    }

    /// Change a contact directly; `dateUpdated` moves to `now` unless the patch sets it.
    pub fn admin_patch(
        &mut self,
        id: &str,
        body: &Value,
        now: Millis,
    ) -> Result<Contact, GhlError> {
        let changes = Self::admin_changes(body)?;
        let location = self.location_of(id)?;
        self.modify(&location, id, now, |contact, loc| {
            contact.date_updated = now;
            fields::apply(contact, &changes, loc);
            true
        })
    }

    /// Delete a contact directly.
    pub fn admin_delete(&mut self, id: &str) -> Result<(), GhlError> {
        let location = self.location_of(id)?;
        self.delete_contact(&location, id)
    }

    /// Define a custom field: `{"name", "fieldKey"?, "dataType"?, "id"?}`.
    pub fn add_custom_field(
        &mut self,
        location: &str,
        body: &Value,
    ) -> Result<CustomFieldDef, GhlError> {
        let body = object(body)?;
        let text = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let Some(name) = text("name") else {
            return Err(GhlError::unprocessable_one("name should not be empty"));
        };
        let snake: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let field_key = text("fieldKey").map_or_else(|| format!("contact.{snake}"), str::to_string);
        let data_type = text("dataType").unwrap_or("TEXT").to_string();
        let id = match text("id") {
            Some(id) => id.to_string(),
            None => self.ids.next_id(),
        };
        let loc = self.loc_mut(location)?;
        if loc
            .custom_fields
            .iter()
            .any(|f| f.id == id || f.field_key == field_key)
        {
            return Err(GhlError::bad_request(format!(
                "Custom field {field_key} already exists"
            )));
        }
        let position = u32::try_from(loc.custom_fields.len()).unwrap_or(u32::MAX);
        let def = CustomFieldDef::new(&id, name, &field_key, &data_type, position);
        loc.custom_fields.push(def.clone());
        Ok(def)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T0: Millis = 1_700_000_000_000;

    fn create(store: &mut Store, body: Value) -> Result<Contact, GhlError> {
        store.create_contact(DEMO_LOCATION_ID, &body, T0)
    }

    #[test]
    fn ids_look_like_ghl_ids() {
        let mut ids = IdGen::new(1);
        let id = ids.next_id();
        assert_eq!(id.len(), 20);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(id, ids.next_id());
    }

    #[test]
    fn create_then_duplicate_email_is_refused() {
        let mut store = Store::new();
        let first = create(
            &mut store,
            json!({"locationId": DEMO_LOCATION_ID, "firstName": "Ann", "lastName": "Lee", "email": "Ann@Example.com"}),
        )
        .unwrap();
        assert_eq!(first.email.as_deref(), Some("Ann@Example.com"));
        let err = create(
            &mut store,
            json!({"locationId": DEMO_LOCATION_ID, "email": "ann@example.COM"}),
        )
        .unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(err.meta.unwrap()["matchingField"], "email");
    }

    #[test]
    fn update_replaces_tags_and_merges_custom_fields() {
        let mut store = Store::new();
        let c = create(
            &mut store,
            json!({"locationId": DEMO_LOCATION_ID, "tags": ["Lead", "hyrox"],
                   "customFields": [{"id": DEMO_FIELD_FITR_CLIENT_ID, "field_value": "c-1"}]}),
        )
        .unwrap();
        let updated = store
            .update_contact(
                DEMO_LOCATION_ID,
                &c.id,
                &json!({"tags": ["vip"], "customFields": [{"key": "membership_plan", "field_value": "Gold"},
                                                          {"fieldId": DEMO_FIELD_LAST_CHECK_IN, "field_value": "x"}]}),
                T0 + 5,
            )
            .unwrap();
        assert_eq!(updated.tags, vec!["vip"]);
        assert_eq!(
            updated.custom_field(DEMO_FIELD_FITR_CLIENT_ID),
            Some(&json!("c-1"))
        );
        assert_eq!(
            updated.custom_field(DEMO_FIELD_MEMBERSHIP_PLAN),
            Some(&json!("Gold"))
        );
        assert_eq!(updated.custom_field(DEMO_FIELD_LAST_CHECK_IN), None);
        assert_eq!(updated.date_updated, T0 + 5);
    }

    #[test]
    fn rejected_create_can_still_store_the_contact() {
        let mut store = Store::new();
        store.settings_mut().store_rejected_creates = true;
        let body = json!({"locationId": DEMO_LOCATION_ID, "email": "g1@example.com", "additionalEmails": []});
        assert_eq!(create(&mut store, body).unwrap_err().status, 422);
        let found = store
            .find_duplicate(DEMO_LOCATION_ID, Some("G1@example.com"), None)
            .unwrap();
        assert!(found.is_some());
        // A valid create is stored too, and answered 422 all the same.
        let body = json!({"locationId": DEMO_LOCATION_ID, "email": "g1b@example.com"});
        assert_eq!(create(&mut store, body).unwrap_err().status, 422);
        assert!(
            store
                .find_duplicate(DEMO_LOCATION_ID, Some("g1b@example.com"), None)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn search_lags_behind_writes() {
        let mut store = Store::new();
        store.settings_mut().search_lag_ms = 1000;
        let c = create(
            &mut store,
            json!({"locationId": DEMO_LOCATION_ID, "firstName": "Old"}),
        )
        .unwrap();
        let body = json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 10});
        assert_eq!(
            store
                .search(DEMO_LOCATION_ID, &body, T0 + 10)
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            store
                .search(DEMO_LOCATION_ID, &body, T0 + 1000)
                .unwrap()
                .total,
            1
        );
        store
            .update_contact(
                DEMO_LOCATION_ID,
                &c.id,
                &json!({"firstName": "New"}),
                T0 + 2000,
            )
            .unwrap();
        let page = store.search(DEMO_LOCATION_ID, &body, T0 + 2500).unwrap();
        assert_eq!(page.contacts[0]["firstNameLowerCase"], "old");
        let page = store.search(DEMO_LOCATION_ID, &body, T0 + 3000).unwrap();
        assert_eq!(page.contacts[0]["firstNameLowerCase"], "new");
    }

    #[test]
    fn search_filters_sorts_and_pages_with_search_after() {
        let mut store = Store::new();
        for (i, name) in ["Cara", "Abe", "Bea", "Dan"].iter().enumerate() {
            let phone = format!("+1555000000{i}");
            let body = json!({"locationId": DEMO_LOCATION_ID, "firstName": name, "phone": phone, "tags": if i % 2 == 0 { vec!["fitr"] } else { vec![] }});
            store
                .create_contact(DEMO_LOCATION_ID, &body, T0 + i as i64)
                .unwrap();
        }
        let sorted = json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 2,
                            "sort": [{"field": "firstNameLowerCase", "direction": "asc"}]});
        let first = store.search(DEMO_LOCATION_ID, &sorted, T0 + 10).unwrap();
        assert_eq!(first.total, 4);
        let names: Vec<&Value> = first
            .contacts
            .iter()
            .map(|c| &c["firstNameLowerCase"])
            .collect();
        assert_eq!(names, [&json!("abe"), &json!("bea")]);
        let mut next = sorted.clone();
        next["searchAfter"] = first.contacts[1]["searchAfter"].clone();
        let second = store.search(DEMO_LOCATION_ID, &next, T0 + 10).unwrap();
        let names: Vec<&Value> = second
            .contacts
            .iter()
            .map(|c| &c["firstNameLowerCase"])
            .collect();
        assert_eq!(names, [&json!("cara"), &json!("dan")]);

        let tagged = json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 10,
                            "filters": [{"field": "tags", "operator": "eq", "value": "fitr"}]});
        assert_eq!(
            store
                .search(DEMO_LOCATION_ID, &tagged, T0 + 10)
                .unwrap()
                .total,
            2
        );
        let by_phone = json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 10,
                              "filters": [{"field": "phone", "operator": "eq", "value": "+15550000000"}]});
        assert_eq!(
            store
                .search(DEMO_LOCATION_ID, &by_phone, T0 + 10)
                .unwrap()
                .total,
            0,
            "G5"
        );
        let either = json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 10, "filters": [{"group": "OR", "filters": [
            {"field": "firstNameLowerCase", "operator": "eq", "value": "abe"},
            {"field": "firstNameLowerCase", "operator": "contains", "value": "ar"}]}]});
        assert_eq!(
            store
                .search(DEMO_LOCATION_ID, &either, T0 + 10)
                .unwrap()
                .total,
            2
        );
        let since = json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 10, "filters": [
            {"field": "dateUpdated", "operator": "range", "value": {"gte": crate::time::iso(T0 + 2)}}]});
        assert_eq!(
            store
                .search(DEMO_LOCATION_ID, &since, T0 + 10)
                .unwrap()
                .total,
            2
        );
    }

    #[test]
    fn list_pages_with_the_start_after_cursor() {
        let mut store = Store::new();
        for i in 0..5 {
            let body =
                json!({"locationId": DEMO_LOCATION_ID, "email": format!("p{i}@example.com")});
            store
                .create_contact(DEMO_LOCATION_ID, &body, T0 + i)
                .unwrap();
        }
        let pairs = |extra: &[(&str, String)]| {
            let mut p = vec![
                ("locationId".to_string(), DEMO_LOCATION_ID.to_string()),
                ("limit".to_string(), "2".to_string()),
            ];
            p.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
            p
        };
        let mut seen = Vec::new();
        let mut cursor: Vec<(&str, String)> = Vec::new();
        loop {
            let page = store.list(DEMO_LOCATION_ID, &pairs(&cursor)).unwrap();
            assert_eq!(page.total, 5);
            seen.extend(page.contacts.iter().map(|c| c["email"].clone()));
            let (Some(after), Some(after_id)) = (page.start_after, page.start_after_id) else {
                break;
            };
            cursor = vec![
                ("startAfter", after.to_string()),
                ("startAfterId", after_id),
            ];
        }
        assert_eq!(seen.len(), 5);
        assert_eq!(seen[0], "p4@example.com");
        let no_location = store
            .list(DEMO_LOCATION_ID, &[("limit".into(), "2".into())])
            .unwrap_err();
        assert_eq!(no_location.status, 403, "G7");
    }
}
