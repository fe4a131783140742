//! `POST /contacts/search` (G19's real contract: `locationId` and `pageLimit` ≤ 500 required;
//! `page` or `searchAfter`, never both; `filters` with groups; up to two `sort` entries; `query`
//! ≤ 75 characters) and the deprecated `GET /contacts/` listing (G22). Parsing and evaluation are
//! pure; [`crate::store::Store`] feeds them the contacts search can see.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use crate::{error::GhlError, model::Contact, time, view};

/// Results beyond this many need `searchAfter` (G19).
pub const MAX_PAGED_RESULTS: usize = 10_000;
pub const MAX_PAGE_LIMIT: u64 = 500;
pub const MAX_QUERY_CHARS: usize = 75;
pub const LIST_DEFAULT_LIMIT: u64 = 20;
pub const LIST_MAX_LIMIT: u64 = 100;

const SEARCH_PROPERTIES: &[&str] = &[
    "locationId",
    "pageLimit",
    "page",
    "searchAfter",
    "filters",
    "sort",
    "query",
];

/// A contact property search can filter or sort on.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Id,
    FirstNameLowerCase,
    LastNameLowerCase,
    FullNameLowerCase,
    Email,
    Phone,
    Tags,
    Dnd,
    Source,
    Type,
    DateAdded,
    DateUpdated,
    DateOfBirth,
    BusinessName,
    Address,
    City,
    State,
    PostalCode,
    Country,
    Timezone,
    AssignedTo,
    CustomField(String),
}

impl Field {
    fn parse(name: &str) -> Option<Field> {
        if let Some(id) = name
            .strip_prefix("customFields.")
            .or_else(|| name.strip_prefix("customField."))
        {
            return (!id.is_empty()).then(|| Field::CustomField(id.to_string()));
        }
        Some(match name {
            "id" => Field::Id,
            "firstNameLowerCase" | "firstName" => Field::FirstNameLowerCase,
            "lastNameLowerCase" | "lastName" => Field::LastNameLowerCase,
            "fullNameLowerCase" | "contactName" => Field::FullNameLowerCase,
            "email" => Field::Email,
            "phone" => Field::Phone,
            "tags" => Field::Tags,
            "dnd" => Field::Dnd,
            "source" => Field::Source,
            "type" => Field::Type,
            "dateAdded" => Field::DateAdded,
            "dateUpdated" => Field::DateUpdated,
            "dateOfBirth" => Field::DateOfBirth,
            "businessName" | "companyName" => Field::BusinessName,
            "address" | "address1" => Field::Address,
            "city" => Field::City,
            "state" => Field::State,
            "postalCode" => Field::PostalCode,
            "country" => Field::Country,
            "timezone" => Field::Timezone,
            "assignedTo" => Field::AssignedTo,
            _ => return None,
        })
    }

    fn is_date(&self) -> bool {
        matches!(
            self,
            Field::DateAdded | Field::DateUpdated | Field::DateOfBirth
        )
    }

    /// The fields G19 lists as sortable.
    fn sortable(&self) -> bool {
        matches!(
            self,
            Field::FirstNameLowerCase
                | Field::LastNameLowerCase
                | Field::BusinessName
                | Field::DateAdded
                | Field::DateUpdated
                | Field::Email
                | Field::Dnd
                | Field::Source
        )
    }

    /// The contact's values for this field (several for tags).
    fn values(&self, c: &Contact) -> Vec<Scalar> {
        let text = |s: &Option<String>| {
            s.iter()
                .filter(|s| !s.is_empty())
                .map(|s| Scalar::Str(s.to_lowercase()))
                .collect()
        };
        match self {
            Field::Id => vec![Scalar::Str(c.id.to_lowercase())],
            Field::FirstNameLowerCase => text(&c.first_name),
            Field::LastNameLowerCase => text(&c.last_name),
            Field::FullNameLowerCase => text(&c.full_name()),
            Field::Email => text(&c.email),
            Field::Phone => text(&c.phone),
            Field::Tags => c.tags.iter().map(|t| Scalar::Str(t.clone())).collect(),
            Field::Dnd => vec![Scalar::Bool(c.dnd)],
            Field::Source => text(&c.source),
            Field::Type => vec![Scalar::Str(c.contact_type.to_lowercase())],
            Field::DateAdded => vec![Scalar::Num(c.date_added as f64)],
            Field::DateUpdated => vec![Scalar::Num(c.date_updated as f64)],
            Field::DateOfBirth => c
                .date_of_birth
                .map(|ms| Scalar::Num(ms as f64))
                .into_iter()
                .collect(),
            Field::BusinessName => text(&c.company_name),
            Field::Address => text(&c.address1),
            Field::City => text(&c.city),
            Field::State => text(&c.state),
            Field::PostalCode => text(&c.postal_code),
            Field::Country => text(&c.country),
            Field::Timezone => text(&c.timezone),
            Field::AssignedTo => text(&c.assigned_to),
            Field::CustomField(id) => c.custom_field(id).map(Scalar::all).unwrap_or_default(),
        }
    }

    /// A filter or cursor value in this field's terms (dates may be ISO strings or epoch ms).
    fn scalar(&self, value: &Value) -> Option<Scalar> {
        if self.is_date() {
            return match value {
                Value::String(s) => time::parse_iso(s).map(|ms| Scalar::Num(ms as f64)),
                Value::Number(n) => n.as_f64().map(Scalar::Num),
                _ => None,
            };
        }
        Scalar::one(value)
    }
}

/// One comparable value.
#[derive(Clone, Debug, PartialEq)]
enum Scalar {
    Bool(bool),
    Num(f64),
    /// Lower-cased.
    Str(String),
}

impl Scalar {
    fn one(value: &Value) -> Option<Scalar> {
        match value {
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            Value::Number(n) => n.as_f64().map(Scalar::Num),
            Value::String(s) => Some(Scalar::Str(s.to_lowercase())),
            _ => None,
        }
    }

    fn all(value: &Value) -> Vec<Scalar> {
        match value {
            Value::Array(items) => items.iter().filter_map(Scalar::one).collect(),
            other => Scalar::one(other).into_iter().collect(),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Scalar::Bool(_) => 0,
            Scalar::Num(_) => 1,
            Scalar::Str(_) => 2,
        }
    }

    fn cmp(&self, other: &Scalar) -> Ordering {
        match (self, other) {
            (Scalar::Bool(a), Scalar::Bool(b)) => a.cmp(b),
            (Scalar::Num(a), Scalar::Num(b)) => a.total_cmp(b),
            (Scalar::Str(a), Scalar::Str(b)) => a.cmp(b),
            (Scalar::Num(a), Scalar::Str(b)) => match b.parse::<f64>() {
                Ok(b) => a.total_cmp(&b),
                Err(_) => self.rank().cmp(&other.rank()),
            },
            (Scalar::Str(a), Scalar::Num(b)) => match a.parse::<f64>() {
                Ok(a) => a.total_cmp(b),
                Err(_) => self.rank().cmp(&other.rank()),
            },
            _ => self.rank().cmp(&other.rank()),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Scalar::Bool(b) => json!(b),
            Scalar::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => json!(*n as i64),
            Scalar::Num(n) => json!(n),
            Scalar::Str(s) => json!(s),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Eq,
    NotEq,
    Contains,
    NotContains,
    Exists,
    NotExists,
    Range,
}

impl Operator {
    fn parse(name: &str) -> Option<Operator> {
        Some(match name {
            "eq" => Operator::Eq,
            "not_eq" => Operator::NotEq,
            "contains" => Operator::Contains,
            "not_contains" => Operator::NotContains,
            "exists" => Operator::Exists,
            "not_exists" => Operator::NotExists,
            "range" => Operator::Range,
            _ => return None,
        })
    }
}

/// A filter: a `{field, operator, value}` leaf or a `{group, filters}` group.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Leaf {
        field: Field,
        operator: Operator,
        value: Value,
    },
    Group {
        all: bool,
        filters: Vec<Filter>,
    },
}

/// One `sort` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Sort {
    pub field: Field,
    pub descending: bool,
}

/// A checked search body.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchQuery {
    pub location_id: String,
    pub page_limit: usize,
    pub page: Option<usize>,
    pub search_after: Option<Vec<Value>>,
    pub filters: Vec<Filter>,
    /// Never empty: `dateAdded` descending when the body names none.
    pub sort: Vec<Sort>,
    pub query: Option<String>,
}

/// Knobs of GHL's search behaviour.
#[derive(Clone, Copy, Debug, Default)]
pub struct SearchQuirks {
    /// G5: a `phone` `eq` filter finds nothing.
    pub phone_filter_misses: bool,
}

fn positive_integer(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
            .map(|f| f as u64)
    })
}

/// Check a search body (422 with every failed rule).
pub fn parse_search(body: &Map<String, Value>) -> Result<SearchQuery, GhlError> {
    let mut errors: Vec<String> = body
        .keys()
        .filter(|k| !SEARCH_PROPERTIES.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();

    let location_id = match body.get("locationId") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            errors.push("locationId should not be empty".into());
            errors.push("locationId must be a string".into());
            String::new()
        }
        Some(_) => {
            errors.push("locationId must be a string".into());
            String::new()
        }
    };

    let page_limit = match body.get("pageLimit").map(|v| (v, positive_integer(v))) {
        None | Some((Value::Null, _)) => {
            errors.push("pageLimit must not be greater than 500".into());
            errors.push("pageLimit must not be less than 1".into());
            errors
                .push("pageLimit must be a number conforming to the specified constraints".into());
            0
        }
        Some((_, None)) => {
            errors
                .push("pageLimit must be a number conforming to the specified constraints".into());
            0
        }
        Some((_, Some(0))) => {
            errors.push("pageLimit must not be less than 1".into());
            0
        }
        Some((_, Some(n))) if n > MAX_PAGE_LIMIT => {
            errors.push("pageLimit must not be greater than 500".into());
            0
        }
        Some((_, Some(n))) => n as usize,
    };

    let page = match body.get("page") {
        None | Some(Value::Null) => None,
        Some(v) => match positive_integer(v) {
            Some(n) if n >= 1 => Some(n as usize),
            Some(_) => {
                errors.push("page must not be less than 1".into());
                None
            }
            None => {
                errors.push("page must be a number conforming to the specified constraints".into());
                None
            }
        },
    };

    let search_after = match body.get("searchAfter") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(items.clone()),
        Some(_) => {
            errors.push("searchAfter must be an array".into());
            None
        }
    };
    if page.is_some() && search_after.is_some() {
        errors.push("page and searchAfter cannot be used together".into());
    }
    if let Some(page) = page
        && page_limit > 0
        && page.saturating_mul(page_limit) > MAX_PAGED_RESULTS
    {
        errors.push(format!(
            "page * pageLimit must not exceed {MAX_PAGED_RESULTS}; use searchAfter beyond"
        ));
    }

    let query = match body.get("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > MAX_QUERY_CHARS => {
            errors.push(format!(
                "query must be shorter than or equal to {MAX_QUERY_CHARS} characters"
            ));
            None
        }
        Some(Value::String(s)) => Some(s.trim().to_lowercase()).filter(|s| !s.is_empty()),
        Some(_) => {
            errors.push("query must be a string".into());
            None
        }
    };

    let filters = match body.get("filters") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| parse_filter(item, &mut errors))
            .collect(),
        Some(_) => {
            errors.push("filters must be an array".into());
            Vec::new()
        }
    };

    let mut sort = match body.get("sort") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            if items.len() > 2 {
                errors.push("sort must contain no more than 2 elements".into());
            }
            items
                .iter()
                .filter_map(|item| parse_sort(item, &mut errors))
                .collect()
        }
        Some(_) => {
            errors.push("sort must be an array".into());
            Vec::new()
        }
    };
    if sort.is_empty() {
        sort.push(Sort {
            field: Field::DateAdded,
            descending: true,
        });
    }
    if let Some(cursor) = &search_after
        && cursor.len() != sort.len() + 1
    {
        errors.push(format!(
            "searchAfter must hold {} values: the sort values and the id of the last result",
            sort.len() + 1
        ));
    }

    if !errors.is_empty() {
        return Err(GhlError::unprocessable(errors));
    }
    Ok(SearchQuery {
        location_id,
        page_limit,
        page,
        search_after,
        filters,
        sort,
        query,
    })
}

fn parse_filter(item: &Value, errors: &mut Vec<String>) -> Option<Filter> {
    let Value::Object(item) = item else {
        errors.push("each value in filters must be an object".into());
        return None;
    };
    if let Some(group) = item.get("group") {
        let all = match group.as_str() {
            Some(g) if g.eq_ignore_ascii_case("and") => true,
            Some(g) if g.eq_ignore_ascii_case("or") => false,
            _ => {
                errors.push("group must be one of the following values: AND, OR".into());
                return None;
            }
        };
        let Some(Value::Array(children)) = item.get("filters") else {
            errors.push("a filter group needs a filters array".into());
            return None;
        };
        let filters = children
            .iter()
            .filter_map(|child| parse_filter(child, errors))
            .collect();
        return Some(Filter::Group { all, filters });
    }
    let Some(name) = item.get("field").and_then(Value::as_str) else {
        errors.push("each filter needs a field".into());
        return None;
    };
    let Some(field) = Field::parse(name) else {
        errors.push(format!("field {name} is not supported"));
        return None;
    };
    let Some(operator) = item
        .get("operator")
        .and_then(Value::as_str)
        .and_then(Operator::parse)
    else {
        errors.push(format!(
            "operator of {name} must be one of eq, not_eq, contains, not_contains, exists, not_exists, range"
        ));
        return None;
    };
    let value = item.get("value").cloned().unwrap_or(Value::Null);
    let needs_value = !matches!(operator, Operator::Exists | Operator::NotExists);
    if needs_value && value.is_null() {
        errors.push(format!("value of {name} should not be empty"));
        return None;
    }
    if operator == Operator::Range && !value.is_object() {
        errors.push(format!(
            "range value of {name} must be an object of gt, gte, lt, lte"
        ));
        return None;
    }
    Some(Filter::Leaf {
        field,
        operator,
        value,
    })
}

fn parse_sort(item: &Value, errors: &mut Vec<String>) -> Option<Sort> {
    let name = item
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(field) = Field::parse(name).filter(Field::sortable) else {
        errors.push(format!("sort field {name} is not supported"));
        return None;
    };
    let descending = match item.get("direction").and_then(Value::as_str) {
        Some("desc") => true,
        Some("asc") | None => false,
        Some(other) => {
            errors.push(format!("sort direction {other} must be asc or desc"));
            return None;
        }
    };
    Some(Sort { field, descending })
}

fn matches_filter(filter: &Filter, c: &Contact, quirks: SearchQuirks) -> bool {
    match filter {
        Filter::Group { all: true, filters } => {
            filters.iter().all(|f| matches_filter(f, c, quirks))
        }
        Filter::Group {
            all: false,
            filters,
        } => filters.iter().any(|f| matches_filter(f, c, quirks)),
        Filter::Leaf {
            field,
            operator,
            value,
        } => {
            let have = field.values(c);
            let wanted: Vec<Scalar> = match value {
                Value::Array(items) => items.iter().filter_map(|v| field.scalar(v)).collect(),
                other => field.scalar(other).into_iter().collect(),
            };
            let equal = || {
                have.iter()
                    .any(|h| wanted.iter().any(|w| h.cmp(w) == Ordering::Equal))
            };
            let contains = || {
                have.iter().any(|h| {
                    wanted.iter().any(|w| match (h, w) {
                        (Scalar::Str(h), Scalar::Str(w)) => h.contains(w.as_str()),
                        _ => h.cmp(w) == Ordering::Equal,
                    })
                })
            };
            let phone_misses = quirks.phone_filter_misses && *field == Field::Phone;
            match operator {
                Operator::Eq => !phone_misses && equal(),
                Operator::NotEq => phone_misses || !equal(),
                Operator::Contains => contains(),
                Operator::NotContains => !contains(),
                Operator::Exists => !have.is_empty(),
                Operator::NotExists => have.is_empty(),
                Operator::Range => in_range(field, &have, value),
            }
        }
    }
}

fn in_range(field: &Field, have: &[Scalar], range: &Value) -> bool {
    let bound = |key: &str| range.get(key).and_then(|v| field.scalar(v));
    let (gt, gte, lt, lte) = (bound("gt"), bound("gte"), bound("lt"), bound("lte"));
    have.iter().any(|h| {
        gt.as_ref().is_none_or(|b| h.cmp(b) == Ordering::Greater)
            && gte.as_ref().is_none_or(|b| h.cmp(b) != Ordering::Less)
            && lt.as_ref().is_none_or(|b| h.cmp(b) == Ordering::Less)
            && lte.as_ref().is_none_or(|b| h.cmp(b) != Ordering::Greater)
    })
}

fn matches_query(query: &str, c: &Contact) -> bool {
    [
        c.full_name(),
        c.email.clone(),
        c.phone.clone(),
        c.company_name.clone(),
    ]
    .into_iter()
    .flatten()
    .any(|s| s.to_lowercase().contains(query))
}

/// A result's sort position: its sort values then its id.
struct SortKey {
    values: Vec<Option<Scalar>>,
    id: String,
}

fn sort_key(sort: &[Sort], c: &Contact) -> SortKey {
    SortKey {
        values: sort
            .iter()
            .map(|s| s.field.values(c).into_iter().next())
            .collect(),
        id: c.id.clone(),
    }
}

/// Missing values sort last in either direction; ties break on id ascending.
fn compare(sort: &[Sort], a: &SortKey, b: &SortKey) -> Ordering {
    for (s, (x, y)) in sort.iter().zip(a.values.iter().zip(&b.values)) {
        let order = match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) if s.descending => y.cmp(x),
            (Some(x), Some(y)) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.id.cmp(&b.id)
}

fn cursor_key(sort: &[Sort], cursor: &[Value]) -> SortKey {
    SortKey {
        values: sort
            .iter()
            .zip(cursor)
            .map(|(s, v)| s.field.scalar(v))
            .collect(),
        id: cursor
            .last()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    }
}

/// The answer of a search: a page of projections, and how many matched in all.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchPage {
    pub contacts: Vec<Value>,
    pub total: usize,
}

/// Run a checked search over the contacts search can see.
pub fn run(query: &SearchQuery, contacts: &[&Contact], quirks: SearchQuirks) -> SearchPage {
    let mut hits: Vec<(SortKey, &Contact)> = contacts
        .iter()
        .copied()
        .filter(|c| query.filters.iter().all(|f| matches_filter(f, c, quirks)))
        .filter(|c| query.query.as_deref().is_none_or(|q| matches_query(q, c)))
        .map(|c| (sort_key(&query.sort, c), c))
        .collect();
    let total = hits.len();
    hits.sort_by(|(a, _), (b, _)| compare(&query.sort, a, b));
    let start = match &query.search_after {
        Some(cursor) => {
            let cursor = cursor_key(&query.sort, cursor);
            hits.partition_point(|(k, _)| compare(&query.sort, k, &cursor) != Ordering::Greater)
        }
        None => (query.page.unwrap_or(1) - 1) * query.page_limit,
    };
    let contacts = hits
        .iter()
        .skip(start)
        .take(query.page_limit)
        .map(|(key, c)| {
            let mut cursor: Vec<Value> = key
                .values
                .iter()
                .map(|v| v.as_ref().map_or(Value::Null, Scalar::to_json))
                .collect();
            cursor.push(json!(key.id));
            view::search_item(c, Value::Array(cursor))
        })
        .collect();
    SearchPage { contacts, total }
}

/// A checked `GET /contacts/` query.
#[derive(Clone, Debug, PartialEq)]
pub struct ListQuery {
    pub location_id: String,
    pub limit: usize,
    pub start_after: Option<i64>,
    pub start_after_id: Option<String>,
    pub query: Option<String>,
}

const LIST_PARAMETERS: &[&str] = &["locationId", "limit", "startAfter", "startAfterId", "query"];

/// Check the deprecated listing's query. No `locationId` is a 403 (G7), checked first.
pub fn parse_list(pairs: &[(String, String)]) -> Result<ListQuery, GhlError> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(location_id) = get("locationId").filter(|s| !s.is_empty()) else {
        return Err(GhlError::no_location_access());
    };
    let mut errors: Vec<String> = pairs
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !LIST_PARAMETERS.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    let limit = match get("limit").map(|s| s.parse::<f64>()) {
        None => LIST_DEFAULT_LIMIT as usize,
        Some(Ok(n)) if n.fract() != 0.0 => {
            errors.push("limit must be an integer number".into());
            0
        }
        Some(Ok(n)) if n > LIST_MAX_LIMIT as f64 => {
            errors.push(format!("limit must not be greater than {LIST_MAX_LIMIT}"));
            0
        }
        Some(Ok(n)) if n < 1.0 => {
            errors.push("limit must not be less than 1".into());
            0
        }
        Some(Ok(n)) => n as usize,
        Some(Err(_)) => {
            errors.push("limit must be a number conforming to the specified constraints".into());
            0
        }
    };
    let start_after = match get("startAfter").map(|s| s.parse::<f64>()) {
        None => None,
        Some(Ok(n)) if n.is_finite() => Some(n as i64),
        Some(_) => {
            errors
                .push("startAfter must be a number conforming to the specified constraints".into());
            None
        }
    };
    if !errors.is_empty() {
        return Err(GhlError::unprocessable(errors));
    }
    Ok(ListQuery {
        location_id: location_id.to_string(),
        limit,
        start_after,
        start_after_id: get("startAfterId")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        query: get("query")
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty()),
    })
}

/// A page of the deprecated listing.
#[derive(Clone, Debug, PartialEq)]
pub struct ListPage {
    pub contacts: Vec<Value>,
    pub total: usize,
    /// The cursor of the next page: the last item's `dateAdded` (ms) and id.
    pub start_after: Option<i64>,
    pub start_after_id: Option<String>,
    pub current_page: usize,
    pub next_page: Option<usize>,
    pub prev_page: Option<usize>,
}

/// The listing: newest first (`dateAdded` descending, then id descending); the cursor resumes
/// strictly after `(startAfter, startAfterId)`.
pub fn list(query: &ListQuery, contacts: &[&Contact]) -> ListPage {
    let mut hits: Vec<&Contact> = contacts
        .iter()
        .copied()
        .filter(|c| query.query.as_deref().is_none_or(|q| matches_query(q, c)))
        .collect();
    hits.sort_by(|a, b| (b.date_added, &b.id).cmp(&(a.date_added, &a.id)));
    let total = hits.len();
    let start = match query.start_after {
        Some(after) => {
            let id = query.start_after_id.clone().unwrap_or_default();
            hits.partition_point(|c| (c.date_added, &c.id) >= (after, &id))
        }
        None => 0,
    };
    let page: Vec<&Contact> = hits.iter().skip(start).take(query.limit).copied().collect();
    let current_page = start / query.limit.max(1) + 1;
    let has_more = start + page.len() < total;
    ListPage {
        contacts: page.iter().map(|c| view::list_item(c)).collect(),
        total,
        start_after: page.last().map(|c| c.date_added),
        start_after_id: page.last().map(|c| c.id.clone()),
        current_page,
        next_page: has_more.then_some(current_page + 1),
        prev_page: (current_page > 1).then(|| current_page - 1),
    }
}

/// The default `limit` of `GET /contacts/business/{businessId}` (the spec's default).
pub const BUSINESS_DEFAULT_LIMIT: usize = 25;

/// A checked `GET /contacts/business/{businessId}` query.
#[derive(Clone, Debug, PartialEq)]
pub struct BusinessQuery {
    pub location_id: String,
    pub limit: usize,
    pub skip: usize,
    pub query: Option<String>,
}

const BUSINESS_PARAMETERS: &[&str] = &["locationId", "limit", "skip", "query"];

/// A whole number in a query string, at least `min`.
fn count_parameter(
    name: &str,
    text: Option<&str>,
    default: usize,
    min: usize,
    errors: &mut Vec<String>,
) -> usize {
    let Some(text) = text else {
        return default;
    };
    match text.trim().parse::<f64>() {
        Ok(n) if n.fract() != 0.0 || !n.is_finite() => {
            errors.push(format!("{name} must be an integer number"));
            default
        }
        Ok(n) if n < min as f64 => {
            errors.push(format!("{name} must not be less than {min}"));
            default
        }
        Ok(n) => n as usize,
        Err(_) => {
            errors.push(format!(
                "{name} must be a number conforming to the specified constraints"
            ));
            default
        }
    }
}

/// Check the business listing's query: `locationId` (403 when absent, G7), `limit` (default
/// 25), `skip` (default 0), `query`; nothing else.
pub fn parse_business(pairs: &[(String, String)]) -> Result<BusinessQuery, GhlError> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(location_id) = get("locationId").filter(|s| !s.is_empty()) else {
        return Err(GhlError::no_location_access());
    };
    let mut errors: Vec<String> = pairs
        .iter()
        .map(|(k, _)| k)
        .filter(|k| !BUSINESS_PARAMETERS.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    let limit = count_parameter(
        "limit",
        get("limit"),
        BUSINESS_DEFAULT_LIMIT,
        1,
        &mut errors,
    );
    let skip = count_parameter("skip", get("skip"), 0, 0, &mut errors);
    if !errors.is_empty() {
        return Err(GhlError::unprocessable(errors));
    }
    Ok(BusinessQuery {
        location_id: location_id.to_string(),
        limit,
        skip,
        query: get("query")
            .map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty()),
    })
}

/// A page of a business's contacts: `contacts` and `count` (every match, not just this page).
#[derive(Clone, Debug, PartialEq)]
pub struct BusinessPage {
    pub contacts: Vec<Value>,
    pub count: usize,
}

/// A business's contacts, newest first, `skip` then `limit`.
pub fn business(query: &BusinessQuery, contacts: &[&Contact]) -> BusinessPage {
    let mut hits: Vec<&Contact> = contacts
        .iter()
        .copied()
        .filter(|c| query.query.as_deref().is_none_or(|q| matches_query(q, c)))
        .collect();
    hits.sort_by(|a, b| (b.date_added, &b.id).cmp(&(a.date_added, &a.id)));
    BusinessPage {
        count: hits.len(),
        contacts: hits
            .iter()
            .skip(query.skip)
            .take(query.limit)
            .map(|c| view::business_item(c))
            .collect(),
    }
}
