//! `POST /contacts/search`: the body the spec leaves empty, as GHL really takes it (G19).
//! `locationId` and `pageLimit` are constructor arguments, so a body without them cannot be
//! built (G2); `page` and `searchAfter` replace each other, never both.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::LocationId;

pub const MAX_PAGE_LIMIT: u32 = 500;
pub const MAX_QUERY_CHARS: usize = 75;
/// `page` reaches only the first 10,000 results; beyond, only `searchAfter`.
pub const MAX_PAGED_RESULTS: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Eq,
    NotEq,
    Contains,
    NotContains,
    Exists,
    NotExists,
    Range,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Group {
    #[serde(rename = "AND")]
    And,
    #[serde(rename = "OR")]
    Or,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Filter {
    Condition {
        field: String,
        operator: Operator,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
    },
    Group {
        group: Group,
        filters: Vec<Filter>,
    },
}

impl Filter {
    pub fn eq(field: &str, value: impl Into<Value>) -> Self {
        Self::Condition {
            field: field.into(),
            operator: Operator::Eq,
            value: Some(value.into()),
        }
    }

    /// `field` within `[gte, lte]`, e.g. `dateUpdated` since a cursor (G12).
    pub fn range(field: &str, gte: impl Into<Value>, lte: Option<Value>) -> Self {
        let mut bounds = serde_json::Map::new();
        bounds.insert("gte".into(), gte.into());
        if let Some(l) = lte {
            bounds.insert("lte".into(), l);
        }
        Self::Condition {
            field: field.into(),
            operator: Operator::Range,
            value: Some(Value::Object(bounds)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SortField {
    FirstNameLowerCase,
    LastNameLowerCase,
    BusinessName,
    DateAdded,
    DateUpdated,
    Email,
    Dnd,
    Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sort {
    pub field: SortField,
    pub direction: Direction,
}

/// The search body. It *is* the request: its JSON is what is sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContacts {
    pub location_id: LocationId,
    pub page_limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<Sort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

impl SearchContacts {
    /// `page_limit` is clamped to 1..=500.
    pub fn new(location_id: LocationId, page_limit: u32) -> Self {
        Self {
            location_id,
            page_limit: page_limit.clamp(1, MAX_PAGE_LIMIT),
            page: None,
            search_after: None,
            filters: Vec::new(),
            sort: Vec::new(),
            query: None,
        }
    }

    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page.max(1));
        self.search_after = None;
        self
    }

    pub fn after(mut self, cursor: Vec<Value>) -> Self {
        self.search_after = Some(cursor);
        self.page = None;
        self
    }

    pub fn filter(mut self, f: Filter) -> Self {
        self.filters.push(f);
        self
    }

    pub fn sort_by(mut self, field: SortField, direction: Direction) -> Self {
        self.sort.push(Sort { field, direction });
        self
    }

    pub fn query(mut self, q: &str) -> Self {
        self.query = Some(q.to_owned());
        self
    }

    /// What GHL would refuse, refused before sending.
    pub fn validate(&self) -> Result<(), String> {
        if self.sort.len() > 2 {
            return Err("a search takes at most two sort fields".into());
        }
        if let Some(q) = &self.query
            && q.chars().count() > MAX_QUERY_CHARS
        {
            return Err(format!(
                "a search query is at most {MAX_QUERY_CHARS} characters"
            ));
        }
        if let Some(p) = self.page
            && u64::from(p) * u64::from(self.page_limit) > MAX_PAGED_RESULTS
        {
            return Err("page reaches only the first 10,000 results: use searchAfter".into());
        }
        Ok(())
    }
}

/// A search result item: a projection with lower-cased names and its own cursor (G21). Enough
/// to detect change, not to overwrite fields from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContact {
    pub id: super::ContactId,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub first_name_lower_case: Option<String>,
    #[serde(default)]
    pub last_name_lower_case: Option<String>,
    #[serde(default)]
    pub custom_fields: Vec<super::CustomFieldValue>,
    #[serde(default)]
    pub date_updated: Option<Value>,
    #[serde(default)]
    pub search_after: Option<Vec<Value>>,
}

/// A page of search results. The search answers `total`; other listings say `count`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SearchResult {
    #[serde(default)]
    pub contacts: Vec<SearchContact>,
    #[serde(default, rename = "total")]
    total_field: Option<u64>,
    #[serde(default)]
    count: Option<u64>,
}

impl SearchResult {
    pub fn total(&self) -> u64 {
        self.total_field.or(self.count).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_body_is_the_request() {
        let body = SearchContacts::new("loc".into(), 1000)
            .filter(Filter::Group {
                group: Group::Or,
                filters: vec![
                    Filter::eq("email", "a@b.org"),
                    Filter::eq("phone", "+15550100"),
                ],
            })
            .filter(Filter::range(
                "dateUpdated",
                "2026-12-01T00:00:00.000Z",
                None,
            ))
            .sort_by(SortField::DateUpdated, Direction::Asc)
            .page(3)
            .after(vec![json!(1), json!("x")]);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "locationId": "loc", "pageLimit": 500, "searchAfter": [1, "x"],
                "filters": [
                    {"group": "OR", "filters": [
                        {"field": "email", "operator": "eq", "value": "a@b.org"},
                        {"field": "phone", "operator": "eq", "value": "+15550100"}]},
                    {"field": "dateUpdated", "operator": "range", "value": {"gte": "2026-12-01T00:00:00.000Z"}}
                ],
                "sort": [{"field": "dateUpdated", "direction": "asc"}]
            })
        );
    }

    #[test]
    fn what_ghl_refuses_is_refused_first() {
        let base = || SearchContacts::new("loc".into(), 100);
        assert!(base().validate().is_ok());
        assert!(base().query(&"x".repeat(76)).validate().is_err());
        assert!(base().page(101).validate().is_err());
        assert!(
            base()
                .sort_by(SortField::Email, Direction::Asc)
                .sort_by(SortField::Dnd, Direction::Asc)
                .sort_by(SortField::Source, Direction::Asc)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn total_or_count() {
        let a: SearchResult = serde_json::from_value(json!({"contacts": [], "total": 3})).unwrap();
        let b: SearchResult = serde_json::from_value(json!({"contacts": [], "count": 4})).unwrap();
        assert_eq!((a.total(), b.total()), (3, 4));
    }
}
