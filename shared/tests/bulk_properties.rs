//! Property tests of the bulk planner over random FITR clients, GHL listings and stored links:
//! whatever the input, no person is created twice, no contact that matches is created again,
//! no GHL contact is claimed by two clients, and every client gets exactly one decision, with a
//! reason when nothing is done.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use shared::{
    ghl::{ContactId, search::SearchContact},
    mapping::DesiredContact,
    sync::{Candidate, Decision, Link, Step, SyncState, plan_bulk},
};

const NOW: i64 = 1_764_000_000_000;

fn email(i: usize, variant: u8) -> String {
    let e = format!("person{i}@example.org");
    match variant % 3 {
        0 => e,
        1 => e.to_uppercase(),
        _ => format!("  {e} "),
    }
}

fn phone(i: usize) -> String {
    format!("+4479111234{i:02}")
}

fn key(e: &str) -> String {
    e.trim().to_lowercase()
}

#[derive(Debug, Clone)]
struct World {
    candidates: Vec<Candidate>,
    listing: Vec<SearchContact>,
    state: SyncState,
}

fn world() -> impl Strategy<Value = World> {
    let client = (
        proptest::option::of((0usize..10, any::<u8>())),
        proptest::option::of(0usize..6),
    );
    let contact = (
        proptest::option::of((0usize..10, any::<u8>())),
        proptest::option::of(0usize..6),
        proptest::sample::subsequence(vec!["vip", "fitr:active", "lead"], 0..3),
    );
    (
        proptest::collection::vec(client, 0..12),
        proptest::collection::vec(contact, 0..12),
        proptest::collection::vec((0usize..12, 0usize..14), 0..6),
    )
        .prop_map(|(clients, contacts, links)| {
            let candidates = clients
                .into_iter()
                .enumerate()
                .map(|(i, (e, p))| Candidate {
                    fitr_id: 100 + i as u64,
                    name: format!("Client {i}"),
                    desired: match e {
                        None => Err("has no email in FITR".into()),
                        Some((n, v)) => Ok(DesiredContact {
                            fitr_id: 100 + i as u64,
                            first_name: Some(format!("First{i}")),
                            last_name: None,
                            email: key(&email(n, v)),
                            phone: p.map(phone),
                            tags: ["fitr:active".to_owned()].into(),
                            tag_prefix: "fitr:".into(),
                            custom_fields: Vec::new(),
                            note: format!("[FITR sync] client {i}"),
                            warnings: Vec::new(),
                        }),
                    },
                })
                .collect::<Vec<_>>();
            let listing = contacts
                .into_iter()
                .enumerate()
                .map(|(i, (e, p, tags))| SearchContact {
                    id: ContactId(format!("c{i}")),
                    email: e.map(|(n, v)| email(n, v)),
                    phone: p.map(phone),
                    tags: tags.into_iter().map(str::to_owned).collect(),
                    first_name_lower_case: None,
                    last_name_lower_case: None,
                    custom_fields: Vec::new(),
                    date_updated: None,
                    search_after: None,
                })
                .collect::<Vec<_>>();
            // Links as the product keeps them: one contact per client and one client per contact.
            let mut state = SyncState::default();
            let mut linked = BTreeSet::new();
            for (client, contact) in links {
                if client < candidates.len() && linked.insert(contact) {
                    state.links.insert(
                        candidates[client].fitr_id,
                        Link {
                            // Ids past the listing are contacts search does not show.
                            contact_id: ContactId(format!("c{contact}")),
                            synced: None,
                        },
                    );
                }
            }
            World {
                candidates,
                listing,
                state,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_bulk_plan_never_creates_twice_nor_claims_a_contact_twice(w in world()) {
        let plan = plan_bulk(&w.candidates, &w.listing, &w.state, &"loc".into(), NOW);

        // One decision per client, in order.
        prop_assert_eq!(
            plan.items.iter().map(|i| i.fitr_id).collect::<Vec<_>>(),
            w.candidates.iter().map(|c| c.fitr_id).collect::<Vec<_>>()
        );

        let listed_emails: BTreeSet<String> = w.listing.iter()
            .filter_map(|c| c.email.as_deref()).map(key).collect();
        let listed_phones: BTreeSet<&str> = w.listing.iter()
            .filter_map(|c| c.phone.as_deref()).collect();
        let mut created_emails = BTreeSet::new();
        let mut created_phones = BTreeSet::new();
        let mut claimed: BTreeMap<ContactId, u64> = BTreeMap::new();
        for item in &plan.items {
            let creates = item.steps.iter().filter(|s| matches!(s, Step::Create { .. })).count();
            prop_assert!(creates <= 1);
            match item.decision {
                Decision::Create => {
                    let d = item.desired.as_ref().unwrap();
                    prop_assert!(!w.state.links.contains_key(&item.fitr_id), "a linked client is never created blind");
                    prop_assert!(!listed_emails.contains(&key(&d.email)), "{} is in GHL already", d.email);
                    prop_assert!(created_emails.insert(key(&d.email)), "{} created twice", d.email);
                    if let Some(p) = &d.phone {
                        prop_assert!(!listed_phones.contains(p.as_str()), "phone {} is held in GHL", p);
                        prop_assert!(created_phones.insert(p.clone()), "phone {} created twice", p);
                    }
                    for s in &item.steps {
                        if let Step::Create { body } = s {
                            prop_assert_eq!(body.phone.as_ref(), d.phone.as_ref());
                        }
                    }
                }
                Decision::Update | Decision::Unchanged | Decision::Verify => {
                    prop_assert_eq!(creates, 0);
                    let id = item.contact_id.clone().unwrap();
                    if let Some(other) = claimed.insert(id.clone(), item.fitr_id) {
                        prop_assert!(false, "contact {} claimed by {} and {}", id, other, item.fitr_id);
                    }
                }
                Decision::Ambiguous | Decision::Refused => {
                    prop_assert!(item.steps.is_empty());
                    prop_assert!(item.reason.as_deref().is_some_and(|r| !r.is_empty()));
                }
            }
        }
    }
}
