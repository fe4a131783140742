//! The pure engine: FITR's desired contacts, GHL's listing and the stored links in; one plan
//! per client out. No I/O, no clock (the caller passes `now_ms`).
//!
//! Matching, in order: the stored link (FITR id → GHL id); then email, case-insensitive; then
//! phone. Never by name. Two candidates, a phone held by a contact with another email, or a
//! contact already linked to another FITR client make the client **ambiguous**: reported, never
//! guessed. The GHL side is one search listing (pages of 500), so matching the phone looks at
//! every contact's stored phone, not at a phone search filter (which misses, G5).
//!
//! Search results are projections (G21) and lag behind writes (G20). A linked contact's
//! projection is trusted only when it changed after this product's last sync of it; otherwise
//! the product's own record of what it wrote ([`Synced`]) is the base. A linked contact missing
//! from the listing is taken as lag for [`LAG_GRACE_MS`], then read by id ([`Step::Verify`]).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::state::{Link, SyncState, Synced, parse_time_ms};
use crate::{
    ghl::{
        Contact, ContactId, CreateContact, CustomFieldValue, LocationId, UpdateContact,
        search::SearchContact,
    },
    mapping::DesiredContact,
    push::{Match, Op, fields_of, match_contact, plan},
};

/// How long a linked contact missing from search is believed to be search lag, not a deletion.
pub const LAG_GRACE_MS: i64 = 10 * 60_000;
/// A projection updated no later than this after the product's last sync shows nothing newer.
pub const CLOCK_SKEW_MS: i64 = 2_000;

/// One GHL request to make, as the outbox stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    /// `POST /contacts/`, tags included: one request for a new contact.
    Create { body: CreateContact },
    /// `PUT /contacts/:id` with only the changed fields (never tags, G10).
    Update { body: UpdateContact },
    /// `POST /contacts/:id/tags`.
    AddTags { tags: Vec<String> },
    /// `DELETE /contacts/:id/tags`: only managed tags that no longer apply.
    RemoveTags { tags: Vec<String> },
    /// `POST /contacts/:id/notes`. With `check`, the contact's notes are read first and the
    /// note is skipped when the last one this product wrote already says it (a contact matched
    /// without a link: its last note is not known here).
    AddNote { body: String, check: bool },
    /// The linked contact is missing from search for longer than lag explains: read it by id
    /// and plan again (re-created only if GHL no longer has it and no contact matches).
    Verify,
    /// Not linked, and no listing at hand (a single push): find the person through the
    /// duplicate lookup (email, then phone), then plan against what GHL holds, or create.
    Lookup,
}

/// One FITR client, mapped or refused with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub fitr_id: u64,
    pub name: String,
    pub desired: Result<DesiredContact, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Create,
    Update,
    Unchanged,
    /// Linked but not listed: read by id before deciding.
    Verify,
    /// For the coach to decide.
    Ambiguous,
    /// Not pushed: bad or missing data, or on the never-sync list.
    Refused,
}

/// What the sync will do for one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientPlan {
    pub fitr_id: u64,
    pub name: String,
    pub decision: Decision,
    pub contact_id: Option<ContactId>,
    pub steps: Vec<Step>,
    /// In the coach's words: `"tags added: fitr:active"`.
    pub changes: Vec<String>,
    /// Why ambiguous or refused.
    pub reason: Option<String>,
    pub warnings: Vec<String>,
    /// What GHL should hold; `None` when refused.
    pub desired: Option<DesiredContact>,
}

/// The whole run's plan: what a dry run shows, and what the outbox is made from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkPlan {
    pub items: Vec<ClientPlan>,
}

/// How many clients get each decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub verify: usize,
    pub ambiguous: usize,
    pub refused: usize,
}

impl BulkPlan {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for item in &self.items {
            *match item.decision {
                Decision::Create => &mut c.create,
                Decision::Update => &mut c.update,
                Decision::Unchanged => &mut c.unchanged,
                Decision::Verify => &mut c.verify,
                Decision::Ambiguous => &mut c.ambiguous,
                Decision::Refused => &mut c.refused,
            } += 1;
        }
        c
    }

    /// GHL requests the plan will make, not counting notes or `Verify`'s follow-ups.
    pub fn write_requests(&self) -> usize {
        self.items
            .iter()
            .flat_map(|i| &i.steps)
            .filter(|s| !matches!(s, Step::AddNote { .. }))
            .count()
    }
}

/// GHL's contacts, looked up by id, email and phone.
struct Index<'a> {
    by_id: HashMap<&'a str, &'a SearchContact>,
    by_email: HashMap<String, Vec<&'a SearchContact>>,
    by_phone: HashMap<String, Vec<&'a SearchContact>>,
}

impl<'a> Index<'a> {
    fn new(listing: &'a [SearchContact]) -> Self {
        let mut index = Self {
            by_id: HashMap::new(),
            by_email: HashMap::new(),
            by_phone: HashMap::new(),
        };
        for c in listing {
            if index.by_id.insert(c.id.0.as_str(), c).is_some() {
                continue; // listed twice across pages
            }
            if let Some(e) = c.email.as_deref().map(email_key).filter(|e| !e.is_empty()) {
                index.by_email.entry(e).or_default().push(c);
            }
            if let Some(p) = c.phone.as_deref().map(phone_key).filter(|p| !p.is_empty()) {
                index.by_phone.entry(p).or_default().push(c);
            }
        }
        index
    }
}

fn email_key(e: &str) -> String {
    e.trim().to_lowercase()
}

fn phone_key(p: &str) -> String {
    p.chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

/// Plan one client without a listing (the push button): a linked client's contact is read by
/// id ([`Step::Verify`]), an unlinked one is looked up by email, then phone ([`Step::Lookup`]).
/// Either way the minimal diff is planned when the contact is read, in the outbox.
pub fn plan_one(c: &Candidate, state: &SyncState) -> ClientPlan {
    let desired = match &c.desired {
        Err(reason) => return refused(c, reason.clone()),
        Ok(d) => d,
    };
    let link = state.links.get(&c.fitr_id);
    ClientPlan {
        fitr_id: c.fitr_id,
        name: c.name.clone(),
        decision: Decision::Verify,
        contact_id: link.map(|l| l.contact_id.clone()),
        steps: vec![if link.is_some() {
            Step::Verify
        } else {
            Step::Lookup
        }],
        changes: Vec::new(),
        reason: None,
        warnings: desired.warnings.clone(),
        desired: Some(desired.clone()),
    }
}

/// The automatic rules, applied to a full plan: the changes of linked clients whose FITR side
/// changed since their last sync (a status or program change becomes tag changes and a note),
/// and, when the coach turned the rule on, the creation of new Pending clients (leads). A change
/// made in GHL alone is shown (the badge), never reverted unasked; nothing else runs unasked.
pub fn auto_select(
    plan: &BulkPlan,
    state: &SyncState,
    pending: &std::collections::BTreeSet<u64>,
    push_pending: bool,
) -> BulkPlan {
    let fitr_changed = |i: &ClientPlan| match (state.links.get(&i.fitr_id), &i.desired) {
        (Some(link), Some(desired)) => link
            .synced
            .as_ref()
            .is_none_or(|s| Synced::of(desired, s.at_ms) != *s),
        _ => false,
    };
    BulkPlan {
        items: plan
            .items
            .iter()
            .filter(|i| match i.decision {
                Decision::Update => fitr_changed(i),
                Decision::Create => push_pending && pending.contains(&i.fitr_id),
                _ => false,
            })
            .filter_map(|i| {
                let synced = state.links.get(&i.fitr_id).and_then(|l| l.synced.as_ref());
                match (synced, &i.desired) {
                    (Some(s), Some(d)) => only_fitr_changes(i, d, s),
                    _ => Some(i.clone()),
                }
            })
            .collect(),
    }
}

/// A linked client's plan cut down to what changed on FITR's side since its last sync: the
/// fields, tags and note FITR now says otherwise. The rest of the diff (edits made in GHL) is
/// left for the coach, who sees it on the badge and in a dry run.
fn only_fitr_changes(item: &ClientPlan, d: &DesiredContact, s: &Synced) -> Option<ClientPlan> {
    let steps: Vec<Step> = item
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Update { body } => {
                let mut body = body.clone();
                if d.first_name == s.first_name {
                    body.first_name = None;
                }
                if d.last_name == s.last_name {
                    body.last_name = None;
                }
                if d.email.eq_ignore_ascii_case(&s.email) {
                    body.email = None;
                }
                if d.phone == s.phone {
                    body.phone = None;
                }
                body.custom_fields.retain(|f| {
                    !s.custom_fields.iter().any(|(id, v)| {
                        Some(id) == f.id.as_ref() && f.field_value.as_str() == Some(v.as_str())
                    })
                });
                (!body.is_empty()).then_some(Step::Update { body })
            }
            Step::AddTags { tags } => {
                let tags: Vec<String> = tags
                    .iter()
                    .filter(|t| !s.tags.contains(*t))
                    .cloned()
                    .collect();
                (!tags.is_empty()).then_some(Step::AddTags { tags })
            }
            Step::RemoveTags { tags } => {
                let tags: Vec<String> = tags
                    .iter()
                    .filter(|t| !d.tags.contains(*t) && s.tags.contains(*t))
                    .cloned()
                    .collect();
                (!tags.is_empty()).then_some(Step::RemoveTags { tags })
            }
            Step::AddNote { .. } => (d.note != s.note).then(|| step.clone()),
            other => Some(other.clone()),
        })
        .collect();
    (!steps.is_empty()).then(|| ClientPlan {
        steps,
        ..item.clone()
    })
}

/// Plan every candidate against GHL's listing and the stored links.
pub fn plan_bulk(
    candidates: &[Candidate],
    listing: &[SearchContact],
    state: &SyncState,
    location: &LocationId,
    now_ms: i64,
) -> BulkPlan {
    let index = Index::new(listing);
    // Which FITR client each GHL contact belongs to: links first, then this run's matches.
    let mut owner: HashMap<ContactId, u64> = state
        .links
        .iter()
        .map(|(fitr, l)| (l.contact_id.clone(), *fitr))
        .collect();
    let mut email_owner: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut phone_owner: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut items = Vec::with_capacity(candidates.len());
    for c in candidates {
        let item = match &c.desired {
            Err(reason) => refused(c, reason.clone()),
            Ok(desired) => {
                let key = email_key(&desired.email);
                if let Some((other, other_name)) = email_owner.get(&key) {
                    ambiguous(
                        c,
                        desired,
                        format!(
                            "{} and {other_name} (FITR client {other}) share the email {}: GHL keeps one contact per person, so neither is merged into the other. Give each client their own email in FITR, then sync again.",
                            c.name, desired.email
                        ),
                    )
                } else {
                    email_owner.insert(key, (c.fitr_id, c.name.clone()));
                    let desired = &first_holder_keeps_phone(c, desired, &mut phone_owner);
                    match state.links.get(&c.fitr_id) {
                        Some(link) => plan_linked(c, desired, link, &index, location, now_ms),
                        None => plan_unlinked(c, desired, &index, &mut owner, location),
                    }
                }
            }
        };
        items.push(item);
    }
    BulkPlan { items }
}

/// Two FITR clients with their own emails but one phone (a family phone): GHL keeps a phone on
/// one contact, so the first client keeps it and the others are planned without it, with a
/// warning (as when GHL already holds the phone on another contact).
fn first_holder_keeps_phone(
    c: &Candidate,
    desired: &DesiredContact,
    phone_owner: &mut BTreeMap<String, (u64, String)>,
) -> DesiredContact {
    let mut desired = desired.clone();
    let Some(key) = desired.phone.as_deref().map(phone_key) else {
        return desired;
    };
    match phone_owner.get(&key) {
        Some((other, other_name)) => {
            let phone = desired.phone.take().unwrap_or_default();
            desired.warnings.push(format!(
                "phone {phone} is also {other_name}'s (FITR client {other}): left out, since GHL keeps a phone on one contact"
            ));
        }
        None => {
            phone_owner.insert(key, (c.fitr_id, c.name.clone()));
        }
    }
    desired
}

fn plan_linked(
    c: &Candidate,
    desired: &DesiredContact,
    link: &Link,
    index: &Index<'_>,
    location: &LocationId,
    now_ms: i64,
) -> ClientPlan {
    let listed = index.by_id.get(link.contact_id.0.as_str()).copied();
    let base = match (listed, &link.synced) {
        (Some(p), Some(s)) if !changed_after(p, s) => {
            synced_view(&link.contact_id, s, Some(p), &desired.tag_prefix)
        }
        (Some(p), _) => projection_view(p, desired),
        (None, Some(s)) if now_ms - s.at_ms < LAG_GRACE_MS => {
            synced_view(&link.contact_id, s, None, &desired.tag_prefix)
        }
        (None, _) => {
            return ClientPlan {
                fitr_id: c.fitr_id,
                name: c.name.clone(),
                decision: Decision::Verify,
                contact_id: Some(link.contact_id.clone()),
                steps: vec![Step::Verify],
                changes: vec!["not found in GHL's search: checked by id".into()],
                reason: None,
                warnings: desired.warnings.clone(),
                desired: Some(desired.clone()),
            };
        }
    };
    let last_note = link.synced.as_ref().map(|s| s.note.as_str());
    against(c, desired, &base, last_note, location)
}

fn plan_unlinked(
    c: &Candidate,
    desired: &DesiredContact,
    index: &Index<'_>,
    owner: &mut HashMap<ContactId, u64>,
    location: &LocationId,
) -> ClientPlan {
    let by_email = index
        .by_email
        .get(&email_key(&desired.email))
        .map(Vec::as_slice)
        .unwrap_or_default();
    if by_email.len() > 1 {
        return ambiguous(
            c,
            desired,
            format!(
                "GHL has {} contacts with the email {}: not pushed, so none is guessed. Merge them in GHL, then sync again.",
                by_email.len(),
                desired.email
            ),
        );
    }
    let mut desired = desired.clone();
    let by_phone = match desired.phone.as_deref().map(phone_key) {
        None => None,
        Some(p) => match index
            .by_phone
            .get(&p)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            [] => None,
            [one] => Some(*one),
            several => {
                // Unless the email's contact is one of them, the phone is someone else's: it is
                // left out rather than written to a third contact.
                let email_holder = by_email.first().copied().filter(|e| several.contains(e));
                if email_holder.is_none() {
                    let phone = desired.phone.take().unwrap_or_default();
                    desired.warnings.push(format!(
                        "phone {phone} is held by {} other GHL contacts: left out",
                        several.len()
                    ));
                }
                email_holder
            }
        },
    };
    let (found, desired) = match_contact(
        &desired,
        by_email.first().map(|p| to_contact(p)),
        by_phone.map(to_contact),
    );
    match found {
        Match::Ambiguous(reason) => ambiguous(c, &desired, reason),
        Match::New => against_new(c, &desired, location),
        Match::Existing(contact) => {
            if let Some(other) = owner.get(&contact.id).filter(|o| **o != c.fitr_id) {
                return ambiguous(
                    c,
                    &desired,
                    format!(
                        "the GHL contact {} matching {} is already linked to FITR client {other}: not pushed, so two clients never share one contact. Decide in GHL or FITR which is right, then sync again.",
                        contact.id, c.name
                    ),
                );
            }
            owner.insert(contact.id.clone(), c.fitr_id);
            let p = index
                .by_id
                .get(contact.id.0.as_str())
                .expect("matched from the index");
            against(c, &desired, &projection_view(p, &desired), None, location)
        }
    }
}

/// Did the contact change in GHL after the product last synced it? Unknown times say yes.
fn changed_after(p: &SearchContact, s: &Synced) -> bool {
    match p.date_updated.as_ref().and_then(parse_time_ms) {
        Some(updated) => updated > s.at_ms + CLOCK_SKEW_MS,
        None => true,
    }
}

/// The contact as the product last wrote it, plus the coach's own (unmanaged) tags if listed.
fn synced_view(
    id: &ContactId,
    s: &Synced,
    listed: Option<&SearchContact>,
    prefix: &str,
) -> Contact {
    let mut tags: Vec<String> = s.tags.iter().cloned().collect();
    if let Some(p) = listed {
        let prefix = prefix.to_lowercase();
        tags.extend(
            p.tags
                .iter()
                .filter(|t| !t.trim().to_lowercase().starts_with(&prefix))
                .cloned(),
        );
    }
    Contact {
        id: id.clone(),
        location_id: None,
        first_name: s.first_name.clone(),
        last_name: s.last_name.clone(),
        email: Some(s.email.clone()),
        phone: s.phone.clone(),
        tags,
        custom_fields: s
            .custom_fields
            .iter()
            .map(|(id, v)| CustomFieldValue {
                id: id.clone(),
                value: v.clone().into(),
            })
            .collect(),
        date_added: None,
        date_updated: None,
    }
}

/// A search projection as a contact to plan against. Its names are lower-cased (G21): a name
/// equal to the desired one but for case counts as the same.
fn projection_view(p: &SearchContact, desired: &DesiredContact) -> Contact {
    let name = |want: &Option<String>, lower: &Option<String>| match (want, lower) {
        (Some(w), Some(l)) if w.to_lowercase() == l.to_lowercase() => Some(w.clone()),
        _ => lower.clone(),
    };
    Contact {
        id: p.id.clone(),
        location_id: None,
        first_name: name(&desired.first_name, &p.first_name_lower_case),
        last_name: name(&desired.last_name, &p.last_name_lower_case),
        email: p.email.clone(),
        phone: p.phone.clone(),
        tags: p.tags.clone(),
        custom_fields: p.custom_fields.clone(),
        date_added: None,
        date_updated: None,
    }
}

fn to_contact(p: &SearchContact) -> Contact {
    Contact {
        id: p.id.clone(),
        location_id: None,
        first_name: p.first_name_lower_case.clone(),
        last_name: p.last_name_lower_case.clone(),
        email: p.email.clone(),
        phone: p.phone.clone(),
        tags: p.tags.clone(),
        custom_fields: p.custom_fields.clone(),
        date_added: None,
        date_updated: None,
    }
}

/// The steps that bring `contact` to `desired`; the note checked against GHL when the last
/// note is not known.
pub fn steps_for(
    desired: &DesiredContact,
    location: &LocationId,
    contact: Option<&Contact>,
    last_note: Option<&str>,
) -> (Vec<Step>, Vec<String>) {
    let check = contact.is_some() && last_note.is_none();
    let mut changes = Vec::new();
    let steps = plan(desired, location, contact, last_note)
        .into_iter()
        .map(|op| match op {
            Op::Create(body) => {
                changes.push("new contact, with its tags and a note".to_owned());
                Step::Create { body }
            }
            Op::Update(body) => {
                changes.push(format!("fields updated: {}", fields_of(&body).join(", ")));
                Step::Update { body }
            }
            Op::AddTags(tags) => {
                changes.push(format!("tags added: {}", tags.join(", ")));
                Step::AddTags { tags }
            }
            Op::RemoveTags(tags) => {
                changes.push(format!("tags removed: {}", tags.join(", ")));
                Step::RemoveTags { tags }
            }
            Op::AddNote(body) => {
                if contact.is_some() {
                    changes.push(if check {
                        "note added unless already there".to_owned()
                    } else {
                        "note added".to_owned()
                    });
                }
                Step::AddNote { body, check }
            }
        })
        .collect();
    (steps, changes)
}

fn against(
    c: &Candidate,
    desired: &DesiredContact,
    contact: &Contact,
    last_note: Option<&str>,
    location: &LocationId,
) -> ClientPlan {
    let (steps, changes) = steps_for(desired, location, Some(contact), last_note);
    let decision = if steps.is_empty() {
        Decision::Unchanged
    } else {
        Decision::Update
    };
    ClientPlan {
        fitr_id: c.fitr_id,
        name: c.name.clone(),
        decision,
        contact_id: Some(contact.id.clone()),
        steps,
        changes,
        reason: None,
        warnings: desired.warnings.clone(),
        desired: Some(desired.clone()),
    }
}

fn against_new(c: &Candidate, desired: &DesiredContact, location: &LocationId) -> ClientPlan {
    let (steps, changes) = steps_for(desired, location, None, None);
    ClientPlan {
        fitr_id: c.fitr_id,
        name: c.name.clone(),
        decision: Decision::Create,
        contact_id: None,
        steps,
        changes,
        reason: None,
        warnings: desired.warnings.clone(),
        desired: Some(desired.clone()),
    }
}

fn refused(c: &Candidate, reason: String) -> ClientPlan {
    ClientPlan {
        fitr_id: c.fitr_id,
        name: c.name.clone(),
        decision: Decision::Refused,
        contact_id: None,
        steps: Vec::new(),
        changes: Vec::new(),
        reason: Some(reason),
        warnings: Vec::new(),
        desired: None,
    }
}

fn ambiguous(c: &Candidate, desired: &DesiredContact, reason: String) -> ClientPlan {
    ClientPlan {
        fitr_id: c.fitr_id,
        name: c.name.clone(),
        decision: Decision::Ambiguous,
        contact_id: None,
        steps: Vec::new(),
        changes: Vec::new(),
        reason: Some(reason),
        warnings: desired.warnings.clone(),
        desired: Some(desired.clone()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sync::state::{Link, Synced};

    fn desired(id: u64, email: &str, phone: Option<&str>) -> DesiredContact {
        DesiredContact {
            fitr_id: id,
            first_name: Some("Zoë".into()),
            last_name: Some("O'Neill-Hart".into()),
            email: email.into(),
            phone: phone.map(Into::into),
            tags: ["fitr:active".to_string()].into(),
            note: "FITR sync\nStatus: Active".into(),
            warnings: vec![],
            tag_prefix: "fitr:".into(),
            custom_fields: vec![],
        }
    }

    fn candidate(d: DesiredContact) -> Candidate {
        Candidate {
            fitr_id: d.fitr_id,
            name: format!("client {}", d.fitr_id),
            desired: Ok(d),
        }
    }

    fn listed(id: &str, email: &str, phone: Option<&str>, tags: &[&str]) -> SearchContact {
        serde_json::from_value(json!({
            "id": id,
            "email": email,
            "phone": phone,
            "tags": tags,
            "firstNameLowerCase": "zoë",
            "lastNameLowerCase": "o'neill-hart",
            "dateUpdated": "2026-01-01T00:00:00.000Z",
        }))
        .unwrap()
    }

    fn plan1(c: Candidate, listing: &[SearchContact], state: &SyncState) -> ClientPlan {
        plan_bulk(&[c], listing, state, &"loc".into(), 0)
            .items
            .remove(0)
    }

    #[test]
    fn a_projection_equal_but_for_name_case_is_unchanged_and_its_note_is_checked() {
        let p = plan1(
            candidate(desired(1, "zoe@example.org", None)),
            &[listed(
                "c1",
                "zoe@example.org",
                None,
                &["fitr:active", "vip"],
            )],
            &SyncState::default(),
        );
        assert_eq!(p.decision, Decision::Update);
        assert_eq!(
            p.steps,
            vec![Step::AddNote {
                body: "FITR sync\nStatus: Active".into(),
                check: true
            }],
            "matched without a link: only the note, checked against GHL first"
        );
        assert_eq!(p.contact_id, Some("c1".into()));
    }

    #[test]
    fn two_contacts_with_the_email_or_a_phone_with_another_email_are_ambiguous() {
        let p = plan1(
            candidate(desired(1, "zoe@example.org", None)),
            &[
                listed("c1", "zoe@example.org", None, &[]),
                listed("c2", "ZOE@example.org", None, &[]),
            ],
            &SyncState::default(),
        );
        assert_eq!(p.decision, Decision::Ambiguous);
        assert!(p.reason.unwrap().contains("2 contacts"));
        let p = plan1(
            candidate(desired(1, "zoe@example.org", Some("+447911123456"))),
            &[listed(
                "c1",
                "other@example.org",
                Some("+447911123456"),
                &[],
            )],
            &SyncState::default(),
        );
        assert_eq!(p.decision, Decision::Ambiguous);
        assert!(p.steps.is_empty());
    }

    #[test]
    fn two_fitr_clients_with_one_email_never_make_two_creates() {
        let plan = plan_bulk(
            &[
                candidate(desired(1, "zoe@example.org", None)),
                candidate(desired(2, "Zoe@Example.org", None)),
            ],
            &[],
            &SyncState::default(),
            &"loc".into(),
            0,
        );
        let d: Vec<_> = plan.items.iter().map(|i| i.decision).collect();
        assert_eq!(d, vec![Decision::Create, Decision::Ambiguous]);
    }

    #[test]
    fn two_fitr_clients_sharing_a_phone_both_get_created_and_only_the_first_keeps_it() {
        // Found by tests/bulk_properties.rs: both creates carried the phone.
        let plan = plan_bulk(
            &[
                candidate(desired(1, "zoe@example.org", Some("+447911123456"))),
                candidate(desired(2, "sam@example.org", Some("+447911123456"))),
            ],
            &[],
            &SyncState::default(),
            &"loc".into(),
            0,
        );
        let phones: Vec<_> = plan
            .items
            .iter()
            .map(|i| (i.decision, i.desired.as_ref().unwrap().phone.clone()))
            .collect();
        assert_eq!(
            phones,
            vec![
                (Decision::Create, Some("+447911123456".into())),
                (Decision::Create, None)
            ]
        );
        assert!(plan.items[1].warnings[0].contains("client 1"));
    }

    #[test]
    fn a_phone_held_by_several_other_contacts_is_not_written_to_the_email_match() {
        let p = plan1(
            candidate(desired(1, "zoe@example.org", Some("+447911123456"))),
            &[
                listed("c1", "zoe@example.org", None, &["fitr:active"]),
                listed("c2", "a@example.org", Some("+447911123456"), &[]),
                listed("c3", "b@example.org", Some("+447911123456"), &[]),
            ],
            &SyncState::default(),
        );
        assert_eq!(p.contact_id, Some("c1".into()));
        assert!(
            !p.steps
                .iter()
                .any(|s| matches!(s, Step::Update { body } if body.phone.is_some())),
            "{:?}",
            p.steps
        );
        assert!(p.warnings.iter().any(|w| w.contains("held by 2 other")));
    }

    #[test]
    fn the_automatic_rules_update_linked_clients_and_create_only_pending_leads_when_asked() {
        let mut state = SyncState::default();
        state.links.insert(
            1,
            Link {
                contact_id: "c1".into(),
                synced: None,
            },
        );
        let mut linked = desired(1, "a@example.org", None);
        linked.tags = ["fitr:needs-training".to_string()].into();
        let plan = plan_bulk(
            &[
                candidate(linked),
                candidate(desired(2, "lead@example.org", None)),
                candidate(desired(3, "active@example.org", None)),
                candidate(desired(4, "matched@example.org", None)),
            ],
            &[
                listed("c1", "a@example.org", None, &["fitr:active"]),
                listed("c4", "matched@example.org", None, &["fitr:pending"]),
            ],
            &state,
            &"loc".into(),
            0,
        );
        let ids = |p: &BulkPlan| p.items.iter().map(|i| i.fitr_id).collect::<Vec<_>>();
        let pending = [2, 4].into();
        assert_eq!(ids(&auto_select(&plan, &state, &pending, false)), vec![1]);
        assert_eq!(ids(&auto_select(&plan, &state, &pending, true)), vec![1, 2]);
        // Synced as FITR says now: the planned update comes from GHL's side alone (its status
        // tag was changed there), so the rules leave it for the coach.
        let now = plan.items[0].desired.clone().unwrap();
        state.links.get_mut(&1).unwrap().synced = Some(Synced::of(&now, 0));
        assert_eq!(
            ids(&auto_select(&plan, &state, &pending, false)),
            Vec::<u64>::new()
        );
        // FITR changed the status since, and GHL changed the name: only FITR's change is
        // carried (the tag swap and the note), not the name back.
        let mut was = now.clone();
        was.tags = ["fitr:active".to_string()].into();
        was.note = "an older note".into();
        state.links.get_mut(&1).unwrap().synced = Some(Synced::of(&was, 0));
        let mut edited = plan.clone();
        edited.items[0].steps.insert(
            0,
            Step::Update {
                body: UpdateContact {
                    first_name: Some("Zoë".into()),
                    ..UpdateContact::default()
                },
            },
        );
        let auto = auto_select(&edited, &state, &pending, false);
        assert_eq!(ids(&auto), vec![1]);
        let steps = &auto.items[0].steps;
        assert!(
            !steps.iter().any(|s| matches!(s, Step::Update { .. })),
            "{steps:?}"
        );
        assert!(
            steps.iter().any(
                |s| matches!(s, Step::AddTags { tags } if tags == &vec!["fitr:needs-training".to_string()])
            ),
            "{steps:?}"
        );
    }

    #[test]
    fn a_contact_linked_to_another_client_is_not_taken() {
        let mut state = SyncState::default();
        state.links.insert(
            9,
            Link {
                contact_id: "c1".into(),
                synced: None,
            },
        );
        let p = plan1(
            candidate(desired(1, "zoe@example.org", None)),
            &[listed("c1", "zoe@example.org", None, &[])],
            &state,
        );
        assert_eq!(p.decision, Decision::Ambiguous);
        assert!(p.reason.unwrap().contains("FITR client 9"));
    }

    #[test]
    fn a_linked_contact_uses_what_was_written_until_ghl_changes_it_later() {
        let d = desired(1, "zoe@example.org", None);
        let mut state = SyncState::default();
        let synced = Synced::of(
            &d,
            parse_time_ms(&json!("2026-06-01T00:00:00.000Z")).unwrap(),
        );
        state.links.insert(
            1,
            Link {
                contact_id: "c1".into(),
                synced: Some(synced),
            },
        );
        // A stale projection (before the write): the written state is the base.
        let stale = listed("c1", "zoe@example.org", None, &["fitr:pending"]);
        let p = plan1(candidate(d.clone()), std::slice::from_ref(&stale), &state);
        assert_eq!(p.decision, Decision::Unchanged, "{p:?}");
        // Missing from search shortly after the write: lag, not deletion.
        let p = plan_bulk(&[candidate(d.clone())], &[], &state, &"loc".into(), 0)
            .items
            .remove(0);
        assert_eq!(p.decision, Decision::Unchanged);
        // Changed in GHL after the write: the projection is the base.
        let mut fresh = stale;
        fresh.date_updated = Some(json!("2026-07-01T00:00:00.000Z"));
        let p = plan1(candidate(d.clone()), &[fresh], &state);
        assert_eq!(
            p.steps,
            vec![
                Step::AddTags {
                    tags: vec!["fitr:active".into()]
                },
                Step::RemoveTags {
                    tags: vec!["fitr:pending".into()]
                },
            ]
        );
        // Missing long after: read by id.
        let late = parse_time_ms(&json!("2026-06-02T00:00:00.000Z")).unwrap();
        let p = plan_bulk(&[candidate(d)], &[], &state, &"loc".into(), late)
            .items
            .remove(0);
        assert_eq!(
            (p.decision, p.steps),
            (Decision::Verify, vec![Step::Verify])
        );
    }

    #[test]
    fn a_refused_client_has_its_reason_and_no_steps() {
        let plan = plan_bulk(
            &[Candidate {
                fitr_id: 3,
                name: "Madonna".into(),
                desired: Err("Madonna has no email".into()),
            }],
            &[],
            &SyncState::default(),
            &"loc".into(),
            0,
        );
        assert_eq!(plan.counts().refused, 1);
        assert!(plan.items[0].steps.is_empty());
    }
}
