//! Pushing one FITR client to GHL: a pure [`plan`] from the desired contact and GHL's current
//! state, and [`push`], which reads that state, runs the plan and reports what happened.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ghl::{
    Contact, ContactId, CreateContact, CustomFieldInput, Error, GhlClient, LocationId, Note,
    UpdateContact, contact_url, contacts::DuplicateBy,
};
use crate::mapping::{DesiredContact, NOTE_MARKER};
use crate::transport::Transport;

/// One write against GHL.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Create(CreateContact),
    Update(UpdateContact),
    AddTags(Vec<String>),
    RemoveTags(Vec<String>),
    AddNote(String),
}

/// The minimal writes that make GHL hold `desired`.
///
/// - No contact: create it, tags and custom fields included, then add the note.
/// - A contact: update only fields (custom fields too, by id) that differ and are non-empty in
///   FITR (an empty FITR value never blanks a GHL value); add missing tags; remove only managed
///   tags (starting with `desired.tag_prefix`, ignoring case; none when the prefix is empty)
///   that no longer apply; add the note only when it differs from the last one this product
///   wrote.
pub fn plan(
    desired: &DesiredContact,
    location: &LocationId,
    existing: Option<&Contact>,
    last_note: Option<&str>,
) -> Vec<Op> {
    let Some(contact) = existing else {
        return vec![
            Op::Create(CreateContact {
                location_id: location.clone(),
                first_name: desired.first_name.clone(),
                last_name: desired.last_name.clone(),
                email: Some(desired.email.clone()),
                phone: desired.phone.clone(),
                tags: desired.tags.iter().cloned().collect(),
                custom_fields: custom_fields(desired, None),
                source: Some("FITR".into()),
            }),
            Op::AddNote(desired.note.clone()),
        ];
    };
    let mut ops = Vec::new();
    let changed = |want: &Option<String>, have: &Option<String>, fold: bool| -> Option<String> {
        let want = want.as_deref().map(str::trim).filter(|w| !w.is_empty())?;
        let have = have.as_deref().map(str::trim).unwrap_or("");
        let same = if fold {
            want.eq_ignore_ascii_case(have)
        } else {
            want == have
        };
        (!same).then(|| want.to_owned())
    };
    let update = UpdateContact {
        first_name: changed(&desired.first_name, &contact.first_name, false),
        last_name: changed(&desired.last_name, &contact.last_name, false),
        email: changed(&Some(desired.email.clone()), &contact.email, true),
        phone: changed(&desired.phone, &contact.phone, false),
        custom_fields: custom_fields(desired, Some(contact)),
    };
    if !update.is_empty() {
        ops.push(Op::Update(update));
    }
    let have: BTreeSet<String> = contact
        .tags
        .iter()
        .map(|t| t.trim().to_lowercase())
        .collect();
    let add: Vec<String> = desired
        .tags
        .iter()
        .filter(|t| !have.contains(&t.to_lowercase()))
        .cloned()
        .collect();
    if !add.is_empty() {
        ops.push(Op::AddTags(add));
    }
    let want: BTreeSet<String> = desired.tags.iter().map(|t| t.to_lowercase()).collect();
    let prefix = desired.tag_prefix.trim().to_lowercase();
    let remove: Vec<String> = contact
        .tags
        .iter()
        .filter(|t| !prefix.is_empty() && t.trim().to_lowercase().starts_with(&prefix))
        .filter(|t| !want.contains(&t.trim().to_lowercase()))
        .cloned()
        .collect();
    if !remove.is_empty() {
        ops.push(Op::RemoveTags(remove));
    }
    if last_note.map(str::trim) != Some(desired.note.trim()) {
        ops.push(Op::AddNote(desired.note.clone()));
    }
    ops
}

/// The desired custom field values to write, by id (G8: `id` + `field_value`): never an empty
/// one, and on an update only those whose current value differs.
fn custom_fields(desired: &DesiredContact, existing: Option<&Contact>) -> Vec<CustomFieldInput> {
    desired
        .custom_fields
        .iter()
        .filter_map(|(id, value)| {
            let value = value.trim();
            if id.trim().is_empty() || value.is_empty() {
                return None;
            }
            let current = existing
                .and_then(|c| c.custom_fields.iter().find(|f| f.id == *id))
                .map(|f| match &f.value {
                    serde_json::Value::String(s) => s.trim().to_owned(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                });
            (current.as_deref() != Some(value)).then(|| CustomFieldInput {
                id: Some(id.clone()),
                key: None,
                field_value: serde_json::Value::String(value.to_owned()),
            })
        })
        .collect()
}

/// The newest note this product wrote, by `dateAdded`; between notes of the same instant, the
/// one listed first (GHL lists newest first).
pub fn last_sync_note(notes: &[Note]) -> Option<&str> {
    notes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.body.starts_with(NOTE_MARKER))
        .max_by(|(i, a), (j, b)| a.date_added.cmp(&b.date_added).then(j.cmp(i)))
        .map(|(_, n)| n.body.as_str())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// What one push did, in terms the coach sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushReport {
    pub outcome: Outcome,
    pub contact_id: ContactId,
    pub contact_url: String,
    /// e.g. `"tags added: fitr:active"`, `"note added"`.
    pub changes: Vec<String>,
    pub warnings: Vec<String>,
}

/// Bring GHL in line with `desired`: look the contact up by email, plan, run the plan.
///
/// A create is never retried blindly (G1): when it fails, the contact is looked up again, and
/// the push continues against it if it exists after all.
pub async fn push<T: Transport>(
    ghl: &GhlClient<T>,
    desired: &DesiredContact,
) -> Result<PushReport, Error> {
    let (mut existing, adjusted) = lookup(ghl, desired).await?;
    let desired = &adjusted;
    let mut created = false;
    let mut changes = Vec::new();
    loop {
        let last_note = match &existing {
            Some(c) => ghl.notes().list(&c.id).await?,
            None => Vec::new(),
        };
        let ops = plan(
            desired,
            ghl.location_id(),
            existing.as_ref(),
            last_sync_note(&last_note),
        );
        let mut id = existing.as_ref().map(|c| c.id.clone());
        let mut retry_against = None;
        for op in ops {
            match op {
                Op::Create(body) => match ghl.contacts().create(&body).await {
                    Ok(c) => {
                        created = true;
                        id = Some(c.id);
                    }
                    Err(e) if !created && retry_against.is_none() => {
                        // Did it store anyway, or does it exist already?
                        match settle_create(ghl, desired, &e).await? {
                            Some(c) => {
                                retry_against = Some(c);
                                break;
                            }
                            None => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                },
                Op::Update(body) => {
                    let cid = id.clone().ok_or_else(no_id)?;
                    ghl.contacts().update(&cid, &body).await?;
                    changes.push(format!("fields updated: {}", fields_of(&body).join(", ")));
                }
                Op::AddTags(tags) => {
                    let cid = id.clone().ok_or_else(no_id)?;
                    ghl.tags().add(&cid, &tags).await?;
                    changes.push(format!("tags added: {}", tags.join(", ")));
                }
                Op::RemoveTags(tags) => {
                    let cid = id.clone().ok_or_else(no_id)?;
                    ghl.tags().remove(&cid, &tags).await?;
                    changes.push(format!("tags removed: {}", tags.join(", ")));
                }
                Op::AddNote(body) => {
                    let cid = id.clone().ok_or_else(no_id)?;
                    ghl.notes().create(&cid, &body).await?;
                    if !created {
                        changes.push("note added".into());
                    }
                }
            }
        }
        if let Some(c) = retry_against {
            existing = Some(c);
            continue;
        }
        let contact_id = id.ok_or_else(no_id)?;
        let outcome = if created {
            Outcome::Created
        } else if changes.is_empty() {
            Outcome::Unchanged
        } else {
            Outcome::Updated
        };
        return Ok(PushReport {
            outcome,
            contact_url: contact_url(ghl.location_id(), &contact_id),
            contact_id,
            changes,
            warnings: desired.warnings.clone(),
        });
    }
}

/// Which GHL contact is this person?
#[derive(Debug, Clone, PartialEq)]
pub enum Match {
    New,
    Existing(Box<Contact>),
    /// For the coach to decide; never guessed.
    Ambiguous(String),
}

/// Match by email first, then by phone; `by_phone` is the contact holding the desired phone,
/// looked up whatever the email found. Returns the match and the desired contact to plan
/// with:
/// - a contact found only by phone whose email is another one is not taken for this person
///   (two people are never merged): ambiguous;
/// - a phone that already belongs to another contact is left out, with a warning (GHL refuses
///   a second contact with it, and it may be a shared family phone).
pub fn match_contact(
    desired: &DesiredContact,
    by_email: Option<Contact>,
    by_phone: Option<Contact>,
) -> (Match, DesiredContact) {
    let mut desired = desired.clone();
    let Some(c) = by_email else {
        let Some(p) = by_phone else {
            return (Match::New, desired);
        };
        let other_email = p
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case(&desired.email));
        return match other_email {
            Some(email) => (
                Match::Ambiguous(format!(
                    "GHL already has a contact with this phone ({}) but another email ({email}): not pushed, so two people are never merged. Decide in GHL which is right, then push again.",
                    desired.phone.as_deref().unwrap_or_default()
                )),
                desired,
            ),
            None => (Match::Existing(Box::new(p)), desired),
        };
    };
    if let Some(p) = by_phone.filter(|p| p.id != c.id) {
        let phone = desired.phone.take().unwrap_or_default();
        desired.warnings.push(format!(
            "phone {phone} already belongs to another GHL contact ({}): left out",
            p.email.as_deref().unwrap_or(&p.id.0)
        ));
    }
    (Match::Existing(Box::new(c)), desired)
}

/// The person in GHL, by the matching rules: email through the duplicate lookup, then the
/// phone's holder (the lookup, since a phone search filter misses, G5); see [`match_contact`].
/// Returns the desired contact to plan with.
pub async fn find_existing<T: Transport>(
    ghl: &GhlClient<T>,
    desired: &DesiredContact,
) -> Result<(Match, DesiredContact), Error> {
    let contacts = ghl.contacts();
    let by_email = contacts
        .find_duplicate(DuplicateBy::Email(&desired.email))
        .await?;
    let by_phone = match &desired.phone {
        Some(phone) => contacts.find_duplicate(DuplicateBy::Phone(phone)).await?,
        None => None,
    };
    Ok(match_contact(desired, by_email, by_phone))
}

/// [`find_existing`], with the contact itself read (the lookup may answer with a projection);
/// an ambiguous match is an error.
async fn lookup<T: Transport>(
    ghl: &GhlClient<T>,
    desired: &DesiredContact,
) -> Result<(Option<Contact>, DesiredContact), Error> {
    match find_existing(ghl, desired).await? {
        (Match::New, d) => Ok((None, d)),
        (Match::Existing(c), d) => Ok((Some(ghl.contacts().get(&c.id).await?), d)),
        (Match::Ambiguous(reason), _) => Err(Error::Invalid(reason)),
    }
}

/// After a failed create (stored anyway, G1, or created meanwhile elsewhere): the contact GHL
/// holds for this person, if any, matched by the same rules as before; a duplicate refusal's
/// `contactId` is not trusted alone, since a phone match may be another person.
async fn settle_create<T: Transport>(
    ghl: &GhlClient<T>,
    desired: &DesiredContact,
    err: &Error,
) -> Result<Option<Contact>, Error> {
    if matches!(err, Error::Invalid(_)) {
        return Ok(None);
    }
    Ok(lookup(ghl, desired).await?.0)
}

fn no_id() -> Error {
    Error::Invalid("internal: a write was planned before the contact existed".into())
}

/// The names of the fields an update writes, for the coach.
pub fn fields_of(u: &UpdateContact) -> Vec<&'static str> {
    let mut out = Vec::new();
    if u.first_name.is_some() {
        out.push("first name");
    }
    if u.last_name.is_some() {
        out.push("last name");
    }
    if u.email.is_some() {
        out.push("email");
    }
    if u.phone.is_some() {
        out.push("phone");
    }
    if !u.custom_fields.is_empty() {
        out.push("custom fields");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(tags: &[&str]) -> DesiredContact {
        DesiredContact {
            fitr_id: 1,
            first_name: Some("Zoë".into()),
            last_name: Some("O'Neill-Hart".into()),
            email: "zoe@example.org".into(),
            phone: None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            tag_prefix: "fitr:".into(),
            custom_fields: vec![],
            note: "FITR sync\nStatus: Active".into(),
            warnings: vec![],
        }
    }

    fn contact(tags: &[&str], phone: Option<&str>) -> Contact {
        Contact {
            id: "c1".into(),
            location_id: Some("loc".into()),
            first_name: Some("Zoë".into()),
            last_name: Some("O'Neill-Hart".into()),
            email: Some("Zoe@Example.org".into()),
            phone: phone.map(Into::into),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            custom_fields: vec![],
            date_added: None,
            date_updated: None,
        }
    }

    #[test]
    fn a_new_person_is_created_with_tags_then_noted() {
        let ops = plan(&desired(&["fitr:active"]), &"loc".into(), None, None);
        assert_eq!(ops.len(), 2);
        match &ops[0] {
            Op::Create(c) => {
                assert_eq!(c.tags, vec!["fitr:active"]);
                assert_eq!(c.email.as_deref(), Some("zoe@example.org"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&ops[1], Op::AddNote(_)));
    }

    #[test]
    fn status_change_swaps_only_managed_tags_and_keeps_user_tags() {
        let ops = plan(
            &desired(&["fitr:needs-training"]),
            &"loc".into(),
            Some(&contact(&["fitr:active", "vip"], None)),
            Some("FITR sync\nStatus: Active"),
        );
        assert_eq!(
            ops,
            vec![
                Op::AddTags(vec!["fitr:needs-training".into()]),
                Op::RemoveTags(vec!["fitr:active".into()]),
            ]
        );
    }

    #[test]
    fn an_unchanged_contact_plans_nothing() {
        let ops = plan(
            &desired(&["fitr:active"]),
            &"loc".into(),
            Some(&contact(&["FITR:Active", "vip"], Some("+447911123456"))),
            Some("FITR sync\nStatus: Active"),
        );
        assert_eq!(ops, vec![]);
    }

    #[test]
    fn an_empty_fitr_value_never_blanks_ghl() {
        let mut d = desired(&[]);
        d.last_name = None;
        d.phone = None;
        let ops = plan(
            &d,
            &"loc".into(),
            Some(&contact(&[], Some("+1555"))),
            Some(&d.note),
        );
        assert_eq!(ops, vec![]);
    }

    #[test]
    fn a_changed_name_updates_only_that_field() {
        let mut d = desired(&[]);
        d.last_name = Some("Hart".into());
        let ops = plan(&d, &"loc".into(), Some(&contact(&[], None)), Some(&d.note));
        assert_eq!(
            ops,
            vec![Op::Update(UpdateContact {
                last_name: Some("Hart".into()),
                ..Default::default()
            })]
        );
    }

    #[test]
    fn custom_fields_are_written_by_id_on_create() {
        let mut d = desired(&[]);
        d.custom_fields = vec![
            ("cf-status".into(), "Needs Training".into()),
            ("cf-empty".into(), "  ".into()),
        ];
        let ops = plan(&d, &"loc".into(), None, None);
        let Op::Create(c) = &ops[0] else {
            panic!("{ops:?}")
        };
        assert_eq!(
            c.custom_fields,
            vec![CustomFieldInput {
                id: Some("cf-status".into()),
                key: None,
                field_value: serde_json::json!("Needs Training"),
            }],
            "by id, never an empty value"
        );
        let body = serde_json::to_value(c).unwrap();
        assert_eq!(
            body["customFields"],
            serde_json::json!([{"id": "cf-status", "field_value": "Needs Training"}])
        );
    }

    #[test]
    fn an_update_writes_only_custom_fields_that_differ() {
        let value = |id: &str, v: serde_json::Value| crate::ghl::CustomFieldValue {
            id: id.into(),
            value: v,
        };
        let mut d = desired(&[]);
        d.custom_fields = vec![
            ("cf-same".into(), "Active".into()),
            ("cf-changed".into(), "Needs Training".into()),
            ("cf-absent".into(), "Pending".into()),
            ("cf-empty".into(), "".into()),
        ];
        let mut c = contact(&[], None);
        c.custom_fields = vec![
            value("cf-same", serde_json::json!(" Active ")),
            value("cf-changed", serde_json::json!("Active")),
            value("cf-empty", serde_json::json!("kept")),
        ];
        let ops = plan(&d, &"loc".into(), Some(&c), Some(&d.note));
        let input = |id: &str, v: &str| CustomFieldInput {
            id: Some(id.into()),
            key: None,
            field_value: serde_json::json!(v),
        };
        assert_eq!(
            ops,
            vec![Op::Update(UpdateContact {
                custom_fields: vec![
                    input("cf-changed", "Needs Training"),
                    input("cf-absent", "Pending"),
                ],
                ..Default::default()
            })]
        );
        assert_eq!(
            fields_of(&UpdateContact {
                custom_fields: vec![input("cf-absent", "Pending")],
                ..Default::default()
            }),
            vec!["custom fields"]
        );
        // All equal: nothing to do.
        c.custom_fields
            .push(value("cf-absent", serde_json::json!("Pending")));
        c.custom_fields[1] = value("cf-changed", serde_json::json!("Needs Training"));
        assert_eq!(plan(&d, &"loc".into(), Some(&c), Some(&d.note)), vec![]);
    }

    #[test]
    fn an_empty_prefix_manages_no_tags() {
        let mut d = desired(&[]);
        d.tag_prefix = " ".into();
        let ops = plan(
            &d,
            &"loc".into(),
            Some(&contact(&["vip", "fitr:active"], None)),
            Some(&d.note),
        );
        assert_eq!(ops, vec![]);
    }

    #[test]
    fn last_sync_note_is_the_newest_of_ours() {
        let n = |id: &str, body: &str, date: &str| Note {
            id: id.into(),
            body: body.into(),
            date_added: Some(date.into()),
            contact_id: None,
        };
        let notes = vec![
            n("1", "FITR sync\nold", "2026-01-01T00:00:00.000Z"),
            n("2", "a coach's own note", "2026-03-01T00:00:00.000Z"),
            n("3", "FITR sync\nnew", "2026-02-01T00:00:00.000Z"),
        ];
        assert_eq!(last_sync_note(&notes), Some("FITR sync\nnew"));
        let same_instant = vec![
            n("4", "FITR sync\nnewer", "2026-01-01T00:00:00.000Z"),
            n("5", "FITR sync\nolder", "2026-01-01T00:00:00.000Z"),
        ];
        assert_eq!(last_sync_note(&same_instant), Some("FITR sync\nnewer"));
    }
}
