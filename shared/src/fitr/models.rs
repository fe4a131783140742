//! FITR's shapes as the reader accepts them: known fields required where FITR always sends
//! them, assumed fields optional.

use serde::{Deserialize, Serialize};

/// The client-list tabs (`athlete_type`). `pending` and `past` are assumed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AthleteType {
    Active,
    Pending,
    Past,
}

impl AthleteType {
    pub const ALL: [AthleteType; 3] = [Self::Active, Self::Pending, Self::Past];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Past => "past",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Membership {
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Plan {
    #[serde(default)]
    pub title: Option<String>,
    /// Assumed: `one_to_one`, `group_rolling`, `session_one_day_one`, `fixed_length`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub membership: Option<Membership>,
}

/// A client ("athlete") as the list or the detail route returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Athlete {
    pub id: u64,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub chat_room_id: Option<u64>,
    #[serde(default)]
    pub plan: Option<Plan>,
    /// Assumed: one of the seven statuses of FITR.md.
    #[serde(default)]
    pub status: Option<String>,
    /// Assumed (detail route only).
    #[serde(default)]
    pub phone: Option<String>,
    /// Assumed, unix seconds.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// The tab the client was listed under, when read from a list.
    #[serde(skip)]
    pub tab: Option<AthleteType>,
}

impl Athlete {
    pub(crate) fn with_tab(mut self, tab: AthleteType) -> Self {
        self.tab = Some(tab);
        self
    }

    /// The status: FITR's own when it sends one, else derived from the tab.
    pub fn status(&self) -> Option<String> {
        if let Some(s) = self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return Some(s.to_owned());
        }
        match self.tab? {
            AthleteType::Active => Some("Active".into()),
            AthleteType::Pending => Some("Pending".into()),
            AthleteType::Past => None,
        }
    }

    pub fn program_title(&self) -> Option<&str> {
        self.plan
            .as_ref()?
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    pub fn membership_state(&self) -> Option<&str> {
        self.plan.as_ref()?.membership.as_ref()?.state.as_deref()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    #[serde(default)]
    pub current_page: u32,
    #[serde(default)]
    pub total_pages: u32,
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SearchClientsPage {
    #[serde(default)]
    pub athletes: Vec<Athlete>,
    /// The pagination to follow.
    pub active_pagination: Pagination,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Opponent {
    pub id: u64,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Room {
    pub id: u64,
    #[serde(default)]
    pub opponent: Option<Opponent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RoomsPage {
    #[serde(default)]
    pub chat_rooms: Vec<Room>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

/// A client with what the reader could join to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FitrClient {
    pub athlete: Athlete,
    pub email: Option<String>,
}
