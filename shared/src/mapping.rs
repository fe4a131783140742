//! FITR client → the GHL contact it should be, under the coach's [`Mapping`].
//!
//! Rules (stated here once, tested below):
//! - **The mapping** is a versioned JSON document (camelCase keys, see [`Mapping`]). Missing keys
//!   take their defaults, so an old or partial document still loads and `{}` is the default
//!   mapping; an unknown key is refused with its name; a document whose `version` is above
//!   [`CURRENT_VERSION`] is refused ("made by a newer version of the extension: update it").
//!   [`Mapping::validate`] refuses, naming the rule and what to do:
//!   - `version` 0;
//!   - `tagPrefix` empty, containing whitespace or a comma, longer than 20 characters, without
//!     a letter or digit, or not ending in `:`, `-` or `_` (a prefix without a separator would
//!     claim a coach's own tags that merely start with the same letters: `vip` would remove
//!     `vipgold`);
//!   - `defaultCountry` that is not an ISO 3166 alpha-2 code libphonenumber knows (in capitals,
//!     `GB`);
//!   - `statusField` empty or containing whitespace (it is a field *key*, not its name);
//!   - a `neverSync` email that is not `local@domain.tld`.
//! - **Never sync**: a client listed in `neverSync` (by FITR id, or by email ignoring case) is
//!   refused before any other check, whatever else is wrong with it.
//! - **Names**: `full_name` with whitespace collapsed; the first word is the first name, the rest
//!   the last name; a single word is a first name only. A word written all in lower or all in
//!   upper case is capitalised per part (`o'neill-hart` → `O'Neill-Hart`); mixed case
//!   (`McKenzie`, `D'Arcy`) and name particles (`van`, `de`, …) are kept as written.
//! - **Email**: trimmed and lower-cased; one that is not `local@domain.tld` refuses the client.
//! - **Phone**: E.164 through libphonenumber's metadata, national numbers read in the mapping's
//!   `defaultCountry`; an unparseable phone is left out with a warning, never sent as is.
//! - **Tags**, each switched by a [`TagRules`] flag (all on by default), the value slugged:
//!   ASCII-folded, lower-case, every run of other characters a single `-`; the prefix (default
//!   [`TAG_PREFIX`], `fitr:`) first, as written:
//!   - `status`: `{prefix}{status}` (`Needs Training` → `fitr:needs-training`);
//!   - `program`: `{prefix}program:{title}` (`HYROX 12-Week Build` →
//!     `fitr:program:hyrox-12-week-build`);
//!   - `programKind`: `{prefix}program-type:{plan.kind}` (`one_to_one` →
//!     `fitr:program-type:one-to-one`);
//!   - `membership`: `{prefix}membership:{plan.membership.state}` (`fitr:membership:active`).
//!
//!   A FITR value that is missing or slugs to nothing yields no tag (`kind` and the membership
//!   are assumed fields). Every tag starting with the mapping's prefix (ignoring case) is
//!   managed by this product; no other tag is touched.
//! - **Custom fields** are written by id, never by key (G9): [`Mapping::resolve`] looks the
//!   `statusField` key up once per location (`contact.fitr_status` and `fitr_status` name the
//!   same field) and refuses a field the location does not have. The status text, as FITR
//!   shows it, goes into that field when a status is known; nothing is written otherwise.
//! - **Note**: a summary of program, status and membership, starting with [`NOTE_MARKER`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::fitr::FitrClient;
use crate::ghl::CustomFieldDef;

/// The default tag prefix: every tag this product manages starts with the mapping's prefix.
pub const TAG_PREFIX: &str = "fitr:";
/// The first line of every note this product writes.
pub const NOTE_MARKER: &str = "FITR sync";
/// The mapping version this build writes and the newest it reads.
pub const CURRENT_VERSION: u32 = 1;
/// The longest tag prefix accepted.
pub const MAX_PREFIX_CHARS: usize = 20;

/// The coach's mapping: which FITR facts become which GHL tags and fields, and who is never
/// pushed. See the module rules; [`Mapping::from_json`] reads and checks a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Mapping {
    /// The document's version; [`CURRENT_VERSION`] when written by this build.
    pub version: u32,
    /// Every tag the product manages starts with it; default [`TAG_PREFIX`].
    pub tag_prefix: String,
    /// ISO 3166 alpha-2 region for national-format phones; default `GB`.
    pub default_country: String,
    /// Which FITR facts become tags.
    pub tags: TagRules,
    /// A GHL custom field *key* (`contact.fitr_status` or `fitr_status`) that receives the
    /// status text; `None`: not mapped.
    pub status_field: Option<String>,
    /// Clients never pushed.
    pub never_sync: Vec<NeverSync>,
    /// Push new Pending clients (leads) automatically; default off. Read by the sync engine,
    /// not by [`map_client`].
    pub auto_push_pending: bool,
}

impl Default for Mapping {
    fn default() -> Self {
        Self {
            version: CURRENT_VERSION,
            tag_prefix: TAG_PREFIX.into(),
            default_country: "GB".into(),
            tags: TagRules::default(),
            status_field: None,
            never_sync: Vec::new(),
            auto_push_pending: false,
        }
    }
}

/// Which FITR facts become tags; all on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TagRules {
    /// `{prefix}{status}`
    pub status: bool,
    /// `{prefix}program:{title}`
    pub program: bool,
    /// `{prefix}program-type:{plan.kind}`
    pub program_kind: bool,
    /// `{prefix}membership:{plan.membership.state}`
    pub membership: bool,
}

impl Default for TagRules {
    fn default() -> Self {
        Self {
            status: true,
            program: true,
            program_kind: true,
            membership: true,
        }
    }
}

/// One entry of the never-sync list.
///
/// Untagged in JSON, so the list reads as a coach would write it: a number is a FITR client id,
/// a string an email (`"neverSync": [48213, "kim@example.org"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NeverSync {
    FitrId(u64),
    Email(String),
}

impl NeverSync {
    /// Whether this entry names `client` (an email compared trimmed and ignoring case).
    pub fn matches(&self, client: &FitrClient) -> bool {
        match self {
            Self::FitrId(id) => *id == client.athlete.id,
            Self::Email(listed) => client
                .email
                .as_deref()
                .is_some_and(|e| e.trim().to_lowercase() == listed.trim().to_lowercase()),
        }
    }
}

/// Why a mapping cannot be used; each message names the rule and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("mapping rule \"{rule}\": {problem}")]
    Invalid { rule: &'static str, problem: String },
    #[error(
        "mapping rule \"version\": the mapping was made by a newer version of the extension (mapping version {found}, this one reads up to {CURRENT_VERSION}): update it"
    )]
    NewerVersion { found: u64 },
    #[error(
        "mapping rule \"{key}\" is unknown to this version of the extension: remove it (or update the extension, if a newer version wrote it)"
    )]
    UnknownKey { key: String },
    #[error("the mapping cannot be read: {0}")]
    Unreadable(String),
    #[error(
        "mapping rule \"statusField\": custom field \"{key}\" does not exist in this GHL location: create it in GHL or remove it from the mapping"
    )]
    MissingField { key: String },
}

fn invalid(rule: &'static str, problem: impl Into<String>) -> MappingError {
    MappingError::Invalid {
        rule,
        problem: problem.into(),
    }
}

impl Mapping {
    /// Parse a mapping document and [`validate`](Self::validate) it. A newer version is
    /// refused as such, before its (possibly new) keys are looked at.
    pub fn from_json(json: &str) -> Result<Mapping, MappingError> {
        let doc: serde_json::Value =
            serde_json::from_str(json).map_err(|e| MappingError::Unreadable(e.to_string()))?;
        if !doc.is_object() {
            return Err(MappingError::Unreadable(
                "a mapping is a JSON object, e.g. {\"tagPrefix\": \"fitr:\"}".into(),
            ));
        }
        if let Some(found) = doc.get("version").and_then(serde_json::Value::as_u64)
            && found > u64::from(CURRENT_VERSION)
        {
            return Err(MappingError::NewerVersion { found });
        }
        if let Some(key) = unknown_key(&doc) {
            return Err(MappingError::UnknownKey { key });
        }
        let mapping: Mapping =
            serde_json::from_value(doc).map_err(|e| MappingError::Unreadable(e.to_string()))?;
        mapping.validate()?;
        Ok(mapping)
    }

    /// Refuse a mapping that cannot work; see the module rules.
    pub fn validate(&self) -> Result<(), MappingError> {
        if self.version == 0 {
            return Err(invalid(
                "version",
                format!("0 is not a mapping version: set it to {CURRENT_VERSION} or remove it"),
            ));
        }
        if self.version > CURRENT_VERSION {
            return Err(MappingError::NewerVersion {
                found: self.version.into(),
            });
        }
        validate_prefix(&self.tag_prefix)?;
        if self
            .default_country
            .parse::<phonenumber::country::Id>()
            .is_err()
        {
            return Err(invalid(
                "defaultCountry",
                format!(
                    "{:?} is not a country code: use a two-letter ISO 3166 code in capitals, such as GB or US",
                    self.default_country
                ),
            ));
        }
        if let Some(key) = &self.status_field {
            if key.trim().is_empty() {
                return Err(invalid(
                    "statusField",
                    "is empty: give a GHL custom field key such as \"contact.fitr_status\", or remove the rule",
                ));
            }
            if key.chars().any(char::is_whitespace) {
                return Err(invalid(
                    "statusField",
                    format!(
                        "{key:?} contains spaces: use the field's key as GHL shows it (e.g. \"contact.fitr_status\"), not its name"
                    ),
                ));
            }
        }
        for entry in &self.never_sync {
            if let NeverSync::Email(e) = entry
                && normalise_email(e).is_none()
            {
                return Err(invalid(
                    "neverSync",
                    format!(
                        "{e:?} is not a valid email: correct it, or list the client by FITR id"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Validate, and resolve the mapped custom field keys to their ids among the location's
    /// `fields` (`GET /locations/:id/customFields`), once per location (G9).
    pub fn resolve(&self, fields: &[CustomFieldDef]) -> Result<ResolvedMapping, MappingError> {
        self.validate()?;
        let status_field_id = match &self.status_field {
            None => None,
            Some(key) => Some(
                find_field(fields, key)
                    .ok_or_else(|| MappingError::MissingField {
                        key: key.trim().to_owned(),
                    })?
                    .id
                    .clone(),
            ),
        };
        Ok(ResolvedMapping {
            mapping: self.clone(),
            status_field_id,
        })
    }

    /// Whether the never-sync list names `client`.
    pub fn is_never_sync(&self, client: &FitrClient) -> bool {
        self.never_sync.iter().any(|n| n.matches(client))
    }
}

fn validate_prefix(prefix: &str) -> Result<(), MappingError> {
    let rule = "tagPrefix";
    if prefix.is_empty() {
        return Err(invalid(
            rule,
            "is empty: every managed tag needs a prefix, e.g. \"fitr:\"",
        ));
    }
    if prefix.chars().any(char::is_whitespace) {
        return Err(invalid(
            rule,
            format!("{prefix:?} contains whitespace: remove it (e.g. \"fitr:\")"),
        ));
    }
    if prefix.contains(',') {
        return Err(invalid(
            rule,
            format!("{prefix:?} contains a comma, which GHL reads as two tags: remove it"),
        ));
    }
    if prefix.chars().count() > MAX_PREFIX_CHARS {
        return Err(invalid(
            rule,
            format!("{prefix:?} is longer than {MAX_PREFIX_CHARS} characters: shorten it"),
        ));
    }
    if !prefix.chars().any(char::is_alphanumeric) {
        return Err(invalid(
            rule,
            format!("{prefix:?} has no letter or digit: use a word, e.g. \"fitr:\""),
        ));
    }
    if !prefix.ends_with([':', '-', '_']) {
        return Err(invalid(
            rule,
            format!(
                "{prefix:?} must end in \":\", \"-\" or \"_\", so that it never claims a coach's own tags that merely start with the same letters: use e.g. \"{prefix}:\""
            ),
        ));
    }
    Ok(())
}

/// `contact.fitr_status` and `fitr_status` are the same key (compared ignoring ASCII case).
fn bare_key(key: &str) -> &str {
    let key = key.trim();
    match key.get(..8) {
        Some(head) if head.eq_ignore_ascii_case("contact.") => &key[8..],
        _ => key,
    }
}

fn find_field<'f>(fields: &'f [CustomFieldDef], key: &str) -> Option<&'f CustomFieldDef> {
    let want = bare_key(key);
    fields.iter().find(|f| {
        f.field_key
            .as_deref()
            .is_some_and(|k| bare_key(k).eq_ignore_ascii_case(want))
    })
}

/// The first key of `doc` (dotted, e.g. `tags.colour`) that the mapping does not have. The
/// known keys are those the default mapping writes, so they never drift from the struct.
fn unknown_key(doc: &serde_json::Value) -> Option<String> {
    fn walk(doc: &serde_json::Value, known: &serde_json::Value, path: &str) -> Option<String> {
        let (serde_json::Value::Object(doc), serde_json::Value::Object(known)) = (doc, known)
        else {
            return None;
        };
        doc.iter().find_map(|(key, value)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match known.get(key) {
                None => Some(here),
                Some(k) => walk(value, k, &here),
            }
        })
    }
    let known = serde_json::to_value(Mapping::default()).unwrap_or_default();
    walk(doc, &known, "")
}

/// A validated mapping with its custom field keys resolved to the location's field ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedMapping {
    pub mapping: Mapping,
    /// The id of the `statusField`, when mapped.
    pub status_field_id: Option<String>,
}

impl ResolvedMapping {
    /// For a mapping with no custom field mapped: no request needed. A `statusField` it has
    /// anyway is not written (resolve it with [`Mapping::resolve`] instead).
    pub fn without_fields(mapping: Mapping) -> Self {
        Self {
            mapping,
            status_field_id: None,
        }
    }
}

impl Default for ResolvedMapping {
    fn default() -> Self {
        Self::without_fields(Mapping::default())
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
    /// Tags starting with it (ignoring case) are managed: added and removed by this product.
    #[serde(default = "default_prefix")]
    pub tag_prefix: String,
    /// `(field id, value)` to write, values never empty.
    #[serde(default)]
    pub custom_fields: Vec<(String, String)>,
    pub note: String,
    /// Things left out, in words for the coach (e.g. an unparseable phone).
    pub warnings: Vec<String>,
}

fn default_prefix() -> String {
    TAG_PREFIX.into()
}

/// Why a client cannot be pushed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error(
        "{name} is on the never-sync list: not pushed. Remove them from the list in the mapping to push them."
    )]
    NeverSync { name: String },
    #[error(
        "{name} has no email in FITR (no chat room), so it cannot be matched safely in GHL: not pushed. Start a chat with the client in FITR, then push again."
    )]
    NoEmail { name: String },
    #[error(
        "{name}'s email {email:?} is not a valid address: not pushed. Correct it in FITR, then push again."
    )]
    BadEmail { name: String, email: String },
}

pub fn map_client(client: &FitrClient, m: &ResolvedMapping) -> Result<DesiredContact, MapError> {
    let mapping = &m.mapping;
    let a = &client.athlete;
    let display = if a.full_name.trim().is_empty() {
        format!("Client {}", a.id)
    } else {
        a.full_name.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if mapping.is_never_sync(client) {
        return Err(MapError::NeverSync { name: display });
    }
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
        Some(p) => match to_e164(p, &mapping.default_country) {
            Some(e164) => Some(e164),
            None => {
                warnings.push(format!(
                    "phone {p:?} is not a valid number for {}: left out",
                    mapping.default_country
                ));
                None
            }
        },
    };
    let status = a.status();
    let kind = a.plan.as_ref().and_then(|p| p.kind.as_deref());
    let rules = mapping.tags;
    let prefix = &mapping.tag_prefix;
    let mut tags = BTreeSet::new();
    for (on, label, value) in [
        (rules.status, "", status.as_deref()),
        (rules.program, "program:", a.program_title()),
        (rules.program_kind, "program-type:", kind),
        (rules.membership, "membership:", a.membership_state()),
    ] {
        if let Some(s) = value.filter(|_| on).map(slug).filter(|s| !s.is_empty()) {
            tags.insert(format!("{prefix}{label}{s}"));
        }
    }
    let custom_fields = match (&m.status_field_id, &status) {
        (Some(id), Some(s)) if !s.trim().is_empty() => vec![(id.clone(), s.trim().to_owned())],
        _ => Vec::new(),
    };
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
        tag_prefix: prefix.clone(),
        custom_fields,
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
    use crate::ghl::{Contact, CustomFieldDef};
    use crate::push::{Op, plan};

    fn client(name: &str, email: Option<&str>, phone: Option<&str>) -> FitrClient {
        FitrClient {
            athlete: Athlete {
                id: 7,
                full_name: name.into(),
                chat_room_id: Some(1),
                plan: Some(Plan {
                    title: Some("HYROX 12-Week Build".into()),
                    kind: Some("one_to_one".into()),
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

    fn zoe() -> FitrClient {
        client("Zoë O'Neill-Hart", Some("zoe@example.org"), None)
    }

    fn with(mapping: Mapping) -> ResolvedMapping {
        ResolvedMapping::without_fields(mapping)
    }

    fn tags_of(c: &FitrClient, m: &ResolvedMapping) -> Vec<String> {
        map_client(c, m).unwrap().tags.into_iter().collect()
    }

    fn field(id: &str, key: &str) -> CustomFieldDef {
        CustomFieldDef {
            id: id.into(),
            name: Some("FITR status".into()),
            field_key: Some(key.into()),
            data_type: Some("TEXT".into()),
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
            &ResolvedMapping::default(),
        )
        .unwrap();
        assert_eq!(d.email, "zoe@example.org");
        assert_eq!(d.phone.as_deref(), Some("+447911123456"));
        assert_eq!(
            d.tags.into_iter().collect::<Vec<_>>(),
            vec![
                "fitr:membership:active",
                "fitr:needs-training",
                "fitr:program-type:one-to-one",
                "fitr:program:hyrox-12-week-build",
            ]
        );
        assert_eq!(d.tag_prefix, "fitr:");
        assert!(d.custom_fields.is_empty());
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
            &ResolvedMapping::default(),
        )
        .unwrap();
        assert_eq!(d.phone, None);
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].contains("\"12\""), "{:?}", d.warnings);
    }

    #[test]
    fn the_default_country_reads_national_phones() {
        let us = with(Mapping {
            default_country: "US".into(),
            ..Mapping::default()
        });
        let d = map_client(&client("A B", Some("a@b.org"), Some("(415) 555-0100")), &us).unwrap();
        assert_eq!(d.phone.as_deref(), Some("+14155550100"));
    }

    #[test]
    fn no_email_or_a_bad_email_refuses_the_client_with_a_reason() {
        let e =
            map_client(&client("Madonna", None, None), &ResolvedMapping::default()).unwrap_err();
        assert!(
            e.to_string().starts_with("Madonna has no email in FITR"),
            "{e}"
        );
        let e = map_client(
            &client("A B", Some("nope"), None),
            &ResolvedMapping::default(),
        )
        .unwrap_err();
        assert!(matches!(e, MapError::BadEmail { .. }));
    }

    #[test]
    fn each_tag_rule_switches_off_only_its_own_tag() {
        let all = tags_of(&zoe(), &ResolvedMapping::default());
        type SwitchOff = fn(&mut TagRules);
        let cases: [(&str, SwitchOff); 4] = [
            ("fitr:needs-training", |r| r.status = false),
            ("fitr:program:hyrox-12-week-build", |r| r.program = false),
            ("fitr:program-type:one-to-one", |r| r.program_kind = false),
            ("fitr:membership:active", |r| r.membership = false),
        ];
        for (gone, off) in cases {
            let mut mapping = Mapping::default();
            off(&mut mapping.tags);
            let want: Vec<String> = all.iter().filter(|t| *t != gone).cloned().collect();
            assert_eq!(tags_of(&zoe(), &with(mapping)), want, "{gone}");
        }
        let none = Mapping {
            tags: TagRules {
                status: false,
                program: false,
                program_kind: false,
                membership: false,
            },
            ..Mapping::default()
        };
        assert!(tags_of(&zoe(), &with(none)).is_empty());
    }

    #[test]
    fn program_kind_and_membership_tags_are_slugged_and_missing_values_give_no_tag() {
        let mut c = zoe();
        let p = c.athlete.plan.as_mut().unwrap();
        p.kind = Some("group_rolling".into());
        p.membership = Some(Membership {
            state: Some("Canceled".into()),
        });
        let tags = tags_of(&c, &ResolvedMapping::default());
        assert!(
            tags.contains(&"fitr:program-type:group-rolling".into()),
            "{tags:?}"
        );
        assert!(
            tags.contains(&"fitr:membership:canceled".into()),
            "{tags:?}"
        );

        // Assumed fields absent (or blank): no tag for them, the rest as before.
        let p = c.athlete.plan.as_mut().unwrap();
        p.kind = Some("  ".into());
        p.membership = None;
        assert_eq!(
            tags_of(&c, &ResolvedMapping::default()),
            vec!["fitr:needs-training", "fitr:program:hyrox-12-week-build"]
        );
        c.athlete.plan = None;
        c.athlete.status = None;
        assert!(tags_of(&c, &ResolvedMapping::default()).is_empty());
    }

    #[test]
    fn a_custom_prefix_starts_every_tag_and_plan_manages_only_it() {
        let mapping = Mapping {
            tag_prefix: "coach-".into(),
            ..Mapping::default()
        };
        let d = map_client(&zoe(), &with(mapping)).unwrap();
        assert_eq!(d.tag_prefix, "coach-");
        assert_eq!(
            d.tags.iter().cloned().collect::<Vec<_>>(),
            vec![
                "coach-membership:active",
                "coach-needs-training",
                "coach-program-type:one-to-one",
                "coach-program:hyrox-12-week-build",
            ]
        );
        let existing = Contact {
            id: "c1".into(),
            location_id: None,
            first_name: d.first_name.clone(),
            last_name: d.last_name.clone(),
            email: Some(d.email.clone()),
            phone: None,
            tags: d
                .tags
                .iter()
                .cloned()
                .chain(["Coach-Active".into(), "fitr:active".into(), "vip".into()])
                .collect(),
            custom_fields: vec![],
            date_added: None,
            date_updated: None,
        };
        let ops = plan(&d, &"loc".into(), Some(&existing), Some(&d.note));
        // `fitr:` is no longer this product's: kept like any coach tag.
        assert_eq!(ops, vec![Op::RemoveTags(vec!["Coach-Active".into()])]);
    }

    #[test]
    fn the_status_field_resolves_by_key_with_or_without_contact_prefix() {
        let fields = [
            field("cf-other", "contact.fitr_program"),
            field("cf-status", "contact.fitr_status"),
        ];
        for key in ["contact.fitr_status", "fitr_status", "Contact.FITR_Status"] {
            let mapping = Mapping {
                status_field: Some(key.into()),
                ..Mapping::default()
            };
            let r = mapping.resolve(&fields).unwrap();
            assert_eq!(r.status_field_id.as_deref(), Some("cf-status"), "{key}");
            assert_eq!(r.mapping, mapping);
        }
        // A location whose keys come without the `contact.` prefix.
        let mapping = Mapping {
            status_field: Some("contact.fitr_status".into()),
            ..Mapping::default()
        };
        let r = mapping.resolve(&[field("cf-bare", "fitr_status")]).unwrap();
        assert_eq!(r.status_field_id.as_deref(), Some("cf-bare"));
        // Nothing mapped: nothing resolved, whatever the location has.
        let r = Mapping::default().resolve(&fields).unwrap();
        assert_eq!(r, ResolvedMapping::default());
    }

    #[test]
    fn a_missing_status_field_is_refused_naming_it() {
        let mapping = Mapping {
            status_field: Some("contact.x".into()),
            ..Mapping::default()
        };
        let e = mapping
            .resolve(&[field("cf-status", "contact.fitr_status")])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "mapping rule \"statusField\": custom field \"contact.x\" does not exist in this GHL location: create it in GHL or remove it from the mapping"
        );
        // An invalid mapping is refused before any lookup.
        let bad = Mapping {
            tag_prefix: String::new(),
            ..mapping
        };
        assert!(matches!(
            bad.resolve(&[]),
            Err(MappingError::Invalid {
                rule: "tagPrefix",
                ..
            })
        ));
    }

    #[test]
    fn the_status_field_carries_the_status_text_when_known() {
        let mapping = Mapping {
            status_field: Some("fitr_status".into()),
            ..Mapping::default()
        };
        let r = mapping
            .resolve(&[field("cf-status", "contact.fitr_status")])
            .unwrap();
        let d = map_client(&zoe(), &r).unwrap();
        assert_eq!(
            d.custom_fields,
            vec![("cf-status".to_string(), "Needs Training".to_string())]
        );
        let mut unknown = zoe();
        unknown.athlete.status = Some("  ".into());
        assert!(map_client(&unknown, &r).unwrap().custom_fields.is_empty());
    }

    #[test]
    fn never_sync_by_fitr_id_is_refused_before_any_other_check() {
        let mapping = Mapping {
            never_sync: vec![NeverSync::FitrId(7)],
            ..Mapping::default()
        };
        // No email, which would otherwise be the refusal.
        let e = map_client(&client("Madonna", None, None), &with(mapping.clone())).unwrap_err();
        assert_eq!(
            e,
            MapError::NeverSync {
                name: "Madonna".into()
            }
        );
        assert!(
            e.to_string()
                .starts_with("Madonna is on the never-sync list: not pushed"),
            "{e}"
        );
        let mut other = zoe();
        other.athlete.id = 8;
        assert!(map_client(&other, &with(mapping)).is_ok());
    }

    #[test]
    fn never_sync_by_email_ignores_case_and_spaces() {
        let mapping = Mapping {
            never_sync: vec![NeverSync::Email("ZOE@Example.org".into())],
            ..Mapping::default()
        };
        assert!(mapping.validate().is_ok());
        let c = client("Zoë Hart", Some("  zoe@EXAMPLE.org "), None);
        assert!(matches!(
            map_client(&c, &with(mapping.clone())),
            Err(MapError::NeverSync { .. })
        ));
        let other = client("Kim Ro", Some("kim@example.org"), None);
        assert!(map_client(&other, &with(mapping)).is_ok());
    }

    #[test]
    fn validate_refuses_each_bad_rule_naming_it() {
        let m = |f: fn(&mut Mapping)| {
            let mut m = Mapping::default();
            f(&mut m);
            m
        };
        let cases: Vec<(Mapping, &str, &str)> = vec![
            (m(|m| m.version = 0), "version", "set it to 1"),
            (m(|m| m.version = 2), "version", "newer version"),
            (m(|m| m.tag_prefix = String::new()), "tagPrefix", "is empty"),
            (
                m(|m| m.tag_prefix = "my fitr:".into()),
                "tagPrefix",
                "whitespace",
            ),
            (
                m(|m| m.tag_prefix = "fitr:\t".into()),
                "tagPrefix",
                "whitespace",
            ),
            (m(|m| m.tag_prefix = "a,b:".into()), "tagPrefix", "comma"),
            (
                m(|m| m.tag_prefix = "a-very-long-prefix-indeed:".into()),
                "tagPrefix",
                "longer than 20",
            ),
            (m(|m| m.tag_prefix = "::".into()), "tagPrefix", "no letter"),
            (
                m(|m| m.tag_prefix = "fitr".into()),
                "tagPrefix",
                "must end in",
            ),
            (
                m(|m| m.default_country = "XX".into()),
                "defaultCountry",
                "not a country code",
            ),
            (
                m(|m| m.default_country = "gb".into()),
                "defaultCountry",
                "in capitals",
            ),
            (
                m(|m| m.default_country = String::new()),
                "defaultCountry",
                "ISO 3166",
            ),
            (
                m(|m| m.status_field = Some(" ".into())),
                "statusField",
                "is empty",
            ),
            (
                m(|m| m.status_field = Some("FITR status".into())),
                "statusField",
                "contains spaces",
            ),
            (
                m(|m| m.never_sync = vec![NeverSync::FitrId(1), NeverSync::Email("kim".into())]),
                "neverSync",
                "\"kim\" is not a valid email",
            ),
        ];
        for (mapping, rule, says) in cases {
            let e = mapping.validate().unwrap_err().to_string();
            assert!(e.starts_with(&format!("mapping rule \"{rule}\": ")), "{e}");
            assert!(e.contains(says), "{e}");
        }
        for ok in ["fitr:", "coach-", "ghl_", "FITR:", "a-much-longer-prefx:"] {
            let mapping = Mapping {
                tag_prefix: ok.into(),
                ..Mapping::default()
            };
            assert_eq!(mapping.validate(), Ok(()), "{ok}");
        }
        assert_eq!(Mapping::default().validate(), Ok(()));
    }

    #[test]
    fn from_json_refuses_an_unknown_key_naming_it() {
        let e = Mapping::from_json(r#"{"tagPrefix": "fitr:", "colour": "red"}"#).unwrap_err();
        assert_eq!(
            e,
            MappingError::UnknownKey {
                key: "colour".into()
            }
        );
        assert!(
            e.to_string()
                .starts_with("mapping rule \"colour\" is unknown"),
            "{e}"
        );
        let e =
            Mapping::from_json(r#"{"tags": {"status": true, "coachNotes": true}}"#).unwrap_err();
        assert!(e.to_string().contains("\"tags.coachNotes\""), "{e}");
        // snake_case is not the document's spelling.
        let e = Mapping::from_json(r#"{"tag_prefix": "fitr:"}"#).unwrap_err();
        assert!(e.to_string().contains("\"tag_prefix\""), "{e}");
    }

    #[test]
    fn from_json_refuses_a_future_version_before_its_new_keys() {
        let e = Mapping::from_json(r#"{"version": 2, "somethingNew": []}"#).unwrap_err();
        assert_eq!(e, MappingError::NewerVersion { found: 2 });
        let text = e.to_string();
        assert!(text.starts_with("mapping rule \"version\": "), "{text}");
        assert!(
            text.contains("made by a newer version of the extension")
                && text.ends_with("update it"),
            "{text}"
        );
        let e = Mapping::from_json(r#"{"version": 99999999999}"#).unwrap_err();
        assert!(matches!(e, MappingError::NewerVersion { .. }), "{e}");
    }

    #[test]
    fn from_json_reads_partial_documents_and_refuses_bad_ones() {
        assert_eq!(Mapping::from_json("{}"), Ok(Mapping::default()));
        let m = Mapping::from_json(
            r#"{"tagPrefix": "coach-", "tags": {"membership": false}, "statusField": "contact.fitr_status", "neverSync": [48213, "Kim@Example.org"], "autoPushPending": true}"#,
        )
        .unwrap();
        assert_eq!(m.version, CURRENT_VERSION);
        assert_eq!(m.tag_prefix, "coach-");
        assert_eq!(m.default_country, "GB");
        assert_eq!(
            m.tags,
            TagRules {
                membership: false,
                ..TagRules::default()
            }
        );
        assert_eq!(m.status_field.as_deref(), Some("contact.fitr_status"));
        assert_eq!(
            m.never_sync,
            vec![
                NeverSync::FitrId(48213),
                NeverSync::Email("Kim@Example.org".into())
            ]
        );
        assert!(m.auto_push_pending);
        // Read, then validated.
        let e = Mapping::from_json(r#"{"defaultCountry": "England"}"#).unwrap_err();
        assert!(
            e.to_string().starts_with("mapping rule \"defaultCountry\""),
            "{e}"
        );
        assert!(matches!(
            Mapping::from_json(r#"{"tagPrefix": 5}"#),
            Err(MappingError::Unreadable(_))
        ));
        assert!(matches!(
            Mapping::from_json("[]"),
            Err(MappingError::Unreadable(_))
        ));
        assert!(matches!(
            Mapping::from_json("{"),
            Err(MappingError::Unreadable(_))
        ));
    }

    #[test]
    fn the_default_mapping_round_trips_through_json() {
        let json = serde_json::to_string(&Mapping::default()).unwrap();
        assert_eq!(
            json,
            r#"{"version":1,"tagPrefix":"fitr:","defaultCountry":"GB","tags":{"status":true,"program":true,"programKind":true,"membership":true},"statusField":null,"neverSync":[],"autoPushPending":false}"#
        );
        assert_eq!(Mapping::from_json(&json), Ok(Mapping::default()));
        let full = Mapping {
            tag_prefix: "coach_".into(),
            status_field: Some("fitr_status".into()),
            never_sync: vec![NeverSync::FitrId(3), NeverSync::Email("a@b.org".into())],
            auto_push_pending: true,
            ..Mapping::default()
        };
        let json = serde_json::to_string(&full).unwrap();
        assert_eq!(Mapping::from_json(&json), Ok(full));
    }
}
