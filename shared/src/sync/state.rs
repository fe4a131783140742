//! What the engine remembers between runs, per GHL location: the link from each FITR client to
//! its GHL contact, and what this product last wrote there.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{ghl::ContactId, mapping::DesiredContact};

/// FITR client id → its GHL contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub links: BTreeMap<u64, Link>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub contact_id: ContactId,
    /// What the contact held as far as this product knows after its last completed sync of
    /// the client; `None` when the link is known but nothing was synced yet.
    pub synced: Option<Synced>,
}

/// The product's own record of what it last wrote: the base for the next plan while search
/// lags behind (G20), and the last note without reading the notes again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synced {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    /// The managed tags that applied.
    pub tags: BTreeSet<String>,
    pub custom_fields: Vec<(String, String)>,
    pub note: String,
    /// When the sync completed, by the caller's clock (unix ms).
    pub at_ms: i64,
}

impl Synced {
    pub fn of(desired: &DesiredContact, at_ms: i64) -> Self {
        Self {
            first_name: desired.first_name.clone(),
            last_name: desired.last_name.clone(),
            email: desired.email.clone(),
            phone: desired.phone.clone(),
            tags: desired.tags.clone(),
            custom_fields: desired.custom_fields.clone(),
            note: desired.note.clone(),
            at_ms,
        }
    }
}

impl SyncState {
    /// The FITR client already linked to `contact`, if any.
    pub fn linked_to(&self, contact: &ContactId) -> Option<u64> {
        self.links
            .iter()
            .find(|(_, l)| &l.contact_id == contact)
            .map(|(id, _)| *id)
    }
}

/// Unix milliseconds of an ISO-8601 UTC time as GHL writes it (`2026-12-03T21:00:00.000Z`), or
/// of a number of milliseconds.
pub fn parse_time_ms(v: &serde_json::Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    let num = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if s.as_bytes().get(10) != Some(&b'T') || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let rest = &s[19..];
    let (millis, zone) = match rest.strip_prefix('.') {
        Some(r) => {
            let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
            let ms = format!("{digits:0<3}")[..3].parse::<i64>().ok()?;
            (ms, &r[digits.len()..])
        }
        None => (0, rest),
    };
    let offset_min = match zone {
        "Z" | "" | "+00:00" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) => {
            let m = z[1..3].parse::<i64>().ok()? * 60 + z[4..6].parse::<i64>().ok()?;
            if z.starts_with('-') { -m } else { m }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi - offset_min) * 60_000 + sec * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_ghl_times() {
        assert_eq!(parse_time_ms(&json!("1970-01-01T00:00:00.000Z")), Some(0));
        assert_eq!(
            parse_time_ms(&json!("2026-12-03T21:39:31.250Z")),
            Some(1_796_333_971_250)
        );
        assert_eq!(
            parse_time_ms(&json!("2026-12-03T22:39:31+01:00")),
            Some(1_796_333_971_000)
        );
        assert_eq!(parse_time_ms(&json!(1234)), Some(1234));
        assert_eq!(parse_time_ms(&json!("yesterday")), None);
    }
}
