//! FITR client → the GHL contact it should be.
//!
//! Rules (stated here once, tested below):
//! - **Names**: `full_name` with whitespace collapsed; the first word is the first name, the rest
//!   the last name; a single word is a first name only. A word written all in lower or all in
//!   upper case is capitalised per part (`o'neill-hart` → `O'Neill-Hart`); mixed case
//!   (`McKenzie`, `D'Arcy`) and name particles (`van`, `de`, …) are kept as written.
//! - **Email**: trimmed and lower-cased; one that is not `local@domain.tld` refuses the client.
//! - **Phone**: E.164 through libphonenumber's metadata, national numbers read in the default
//!   country; an unparseable phone is left out with a warning, never sent as is.
//! - **Tags**: `fitr:<status>` and `fitr:program:<title>`, each slugged: ASCII-folded,
//!   lower-case, every run of other characters a single `-` (`Needs Training` →
//!   `fitr:needs-training`, `HYROX 12-Week Build` → `fitr:program:hyrox-12-week-build`).
//!   Every tag starting with [`TAG_PREFIX`] is managed by this product; no other tag is touched.
//! - **Note**: a summary of program, status and membership, starting with [`NOTE_MARKER`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::fitr::FitrClient;

/// Every tag this product manages starts with this.
pub const TAG_PREFIX: &str = "fitr:";
/// The first line of every note this product writes.
pub const NOTE_MARKER: &str = "FITR sync";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingOptions {
    /// ISO 3166 region for national-format phones, e.g. `GB`.
    pub default_country: String,
}

impl Default for MappingOptions {
    fn default() -> Self {
        Self {
            default_country: "GB".into(),
        }
    }
}

/// What the GHL contact should hold for one FITR client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredContact {
    pub fitr_id: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub tags: BTreeSet<String>,
    pub note: String,
    /// Things left out, in words for the coach (e.g. an unparseable phone).
    pub warnings: Vec<String>,
}

/// Why a client cannot be pushed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error(
        "{name} has no email in FITR (no chat room), so it cannot be matched safely in GHL: not pushed. Start a chat with the client in FITR, then push again."
    )]
    NoEmail { name: String },
    #[error(
        "{name}'s email {email:?} is not a valid address: not pushed. Correct it in FITR, then push again."
    )]
    BadEmail { name: String, email: String },
}

pub fn map_client(client: &FitrClient, opts: &MappingOptions) -> Result<DesiredContact, MapError> {
    let a = &client.athlete;
    let display = if a.full_name.trim().is_empty() {
        format!("Client {}", a.id)
    } else {
        a.full_name.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let raw_email = client
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| MapError::NoEmail {
            name: display.clone(),
        })?;
    let email = normalise_email(raw_email).ok_or_else(|| MapError::BadEmail {
        name: display.clone(),
        email: raw_email.to_owned(),
    })?;
    let (first_name, last_name) = split_name(&a.full_name);
    let mut warnings = Vec::new();
    let phone = match a.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match to_e164(p, &opts.default_country) {
            Some(e164) => Some(e164),
            None => {
                warnings.push(format!(
                    "phone {p:?} is not a valid number for {}: left out",
                    opts.default_country
                ));
                None
            }
        },
    };
    let status = a.status();
    let mut tags = BTreeSet::new();
    if let Some(s) = status.as_deref().map(slug).filter(|s| !s.is_empty()) {
        tags.insert(format!("{TAG_PREFIX}{s}"));
    }
    if let Some(p) = a.program_title().map(slug).filter(|s| !s.is_empty()) {
        tags.insert(format!("{TAG_PREFIX}program:{p}"));
    }
    let note = format!(
        "{NOTE_MARKER}\nProgram: {}\nStatus: {}\nMembership: {}",
        a.program_title().unwrap_or("none"),
        status.as_deref().unwrap_or("unknown"),
        a.membership_state().unwrap_or("unknown"),
    );
    Ok(DesiredContact {
        fitr_id: a.id,
        first_name,
        last_name,
        email,
        phone,
        tags,
        note,
        warnings,
    })
}

/// Trim and lower-case; `None` unless it looks like `local@domain.tld`.
pub fn normalise_email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c == ',' || c == ';');
    ok.then_some(e)
}

/// E.164 for a phone written in any common way; national numbers read in `country`.
///
/// A number libphonenumber knows as valid is taken; so is one it can parse whose length is
/// possible for a phone (8 to 15 digits with the country code), since its metadata lags new
/// ranges and GHL stores any E.164 number. Anything else is `None`, never a guess.
pub fn to_e164(raw: &str, country: &str) -> Option<String> {
    let region = country.parse::<phonenumber::country::Id>().ok();
    let number = phonenumber::parse(region, raw).ok()?;
    let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
    let digits = e164.chars().filter(char::is_ascii_digit).count();
    (phonenumber::is_valid(&number) || (8..=15).contains(&digits)).then_some(e164)
}

const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le", "bin", "al",
];

/// `(first, last)` from a full name; see the module rules.
pub fn split_name(full: &str) -> (Option<String>, Option<String>) {
    let words: Vec<String> = full
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| fix_case(w, i == 0))
        .collect();
    match words.split_first() {
        None => (None, None),
        Some((first, [])) => (Some(first.clone()), None),
        Some((first, rest)) => (Some(first.clone()), Some(rest.join(" "))),
    }
}

fn fix_case(word: &str, is_first: bool) -> String {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let all_lower = letters.iter().all(|c| c.is_lowercase());
    let all_upper = letters.iter().all(|c| c.is_uppercase());
    let mixed = !(all_lower || all_upper);
    let single_capital = letters.len() < 2 && all_upper;
    if mixed || single_capital {
        return word.to_owned();
    }
    if !is_first && all_lower && PARTICLES.contains(&word) {
        return word.to_owned();
    }
    // Capitalise each part between `-`, `'` and `’`.
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.extend(c.to_lowercase());
        }
        if matches!(c, '-' | '\'' | '’') {
            start = true;
        }
    }
    out
}

/// The slug rule for tags: ASCII-folded, lower-case, runs of anything else become one `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars().flat_map(fold) {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// A Latin letter without its accent (`é` → `e`, `ß` → `ss`, `Ł` → `L`); other characters as
/// they are.
fn fold(c: char) -> impl Iterator<Item = char> {
    let s: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'č' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'ð' | 'ď' => "d",
        'Ð' | 'Ď' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => "E",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => "I",
        'ł' => "l",
        'Ł' => "L",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ř' => "r",
        'Ř' => "R",
        'ś' | 'š' | 'ş' => "s",
        'Ś' | 'Š' | 'Ş' => "S",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'Ť' | 'Ţ' => "T",
        'þ' => "th",
        'Þ' => "TH",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => "",
    };
    let folded: Vec<char> = if s.is_empty() {
        vec![c]
    } else {
        s.chars().collect()
    };
    folded.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fitr::{Athlete, Membership, Plan};

    fn client(name: &str, email: Option<&str>, phone: Option<&str>) -> FitrClient {
        FitrClient {
            athlete: Athlete {
                id: 7,
                full_name: name.into(),
                chat_room_id: Some(1),
                plan: Some(Plan {
                    title: Some("HYROX 12-Week Build".into()),
                    kind: None,
                    membership: Some(Membership {
                        state: Some("active".into()),
                    }),
                }),
                status: Some("Needs Training".into()),
                phone: phone.map(Into::into),
                created_at: None,
                tab: None,
            },
            email: email.map(Into::into),
        }
    }

    fn names(full: &str) -> (Option<String>, Option<String>) {
        split_name(full)
    }

    #[test]
    fn names_with_accents_hyphens_apostrophes_and_single_words() {
        let s = |a: &str, b: Option<&str>| (Some(a.to_string()), b.map(str::to_string));
        assert_eq!(names("Zoë O'Neill-Hart"), s("Zoë", Some("O'Neill-Hart")));
        assert_eq!(names("Seán O'Brien"), s("Seán", Some("O'Brien")));
        assert_eq!(names("D'Arcy McKenzie"), s("D'Arcy", Some("McKenzie")));
        assert_eq!(names("Madonna"), s("Madonna", None));
        assert_eq!(names("  jamie   LEE "), s("Jamie", Some("Lee")));
        assert_eq!(names("ZOË O'NEILL-HART"), s("Zoë", Some("O'Neill-Hart")));
        assert_eq!(
            names("Anne-Marie Smith-Jones"),
            s("Anne-Marie", Some("Smith-Jones"))
        );
        assert_eq!(
            names("Ludwig van Beethoven"),
            s("Ludwig", Some("van Beethoven"))
        );
        assert_eq!(names("Łukasz Wróbel"), s("Łukasz", Some("Wróbel")));
        assert_eq!(names("   "), (None, None));
    }

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalise_email("  Zoe.ONeill@Example.ORG ").as_deref(),
            Some("zoe.oneill@example.org")
        );
        for bad in [
            "zoe",
            "zoe@",
            "@example.org",
            "zoe@example",
            "a b@example.org",
            "a@b@c.org",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn phones_become_e164_in_the_default_country() {
        assert_eq!(
            to_e164("07911 123456", "GB").as_deref(),
            Some("+447911123456")
        );
        assert_eq!(
            to_e164("+44 7911 123456", "US").as_deref(),
            Some("+447911123456")
        );
        assert_eq!(
            to_e164("(415) 555-0100", "US").as_deref(),
            Some("+14155550100")
        );
        assert_eq!(to_e164("12", "GB"), None);
        assert_eq!(to_e164("not a phone", "GB"), None);
    }

    #[test]
    fn slugs_follow_the_stated_rule() {
        assert_eq!(slug("HYROX 12-Week Build"), "hyrox-12-week-build");
        assert_eq!(slug("Needs Training"), "needs-training");
        assert_eq!(slug("Marathon Prep — Spring"), "marathon-prep-spring");
        assert_eq!(slug("1-2-1 Online Coaching"), "1-2-1-online-coaching");
        assert_eq!(slug("Björk's Straße"), "bjork-s-strasse");
        assert_eq!(slug("  --  "), "");
    }

    #[test]
    fn maps_a_client_to_tags_and_a_note() {
        let d = map_client(
            &client(
                "Zoë O'Neill-Hart",
                Some(" ZOE@Example.org"),
                Some("07911 123456"),
            ),
            &MappingOptions::default(),
        )
        .unwrap();
        assert_eq!(d.email, "zoe@example.org");
        assert_eq!(d.phone.as_deref(), Some("+447911123456"));
        assert_eq!(
            d.tags.into_iter().collect::<Vec<_>>(),
            vec!["fitr:needs-training", "fitr:program:hyrox-12-week-build"]
        );
        assert_eq!(
            d.note,
            "FITR sync\nProgram: HYROX 12-Week Build\nStatus: Needs Training\nMembership: active"
        );
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn a_bad_phone_is_left_out_with_a_warning() {
        let d = map_client(
            &client("A B", Some("a@b.org"), Some("12")),
            &MappingOptions::default(),
        )
        .unwrap();
        assert_eq!(d.phone, None);
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].contains("\"12\""), "{:?}", d.warnings);
    }

    #[test]
    fn no_email_or_a_bad_email_refuses_the_client_with_a_reason() {
        let e = map_client(&client("Madonna", None, None), &MappingOptions::default()).unwrap_err();
        assert!(
            e.to_string().starts_with("Madonna has no email in FITR"),
            "{e}"
        );
        let e = map_client(
            &client("A B", Some("nope"), None),
            &MappingOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, MapError::BadEmail { .. }));
    }
}
