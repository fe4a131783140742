//! The replica's clients: types, the deterministic seed, and the queries the API and the admin
//! API share (tab filtering, name search, sorting, rooms order, dates).
//!
//! Times are stored relative to an anchor (seconds *ago*), so [`seed`] is fully deterministic and
//! the served unix timestamps stay recent: `created_at = anchor - created_ago`.

use std::collections::{HashMap, HashSet};

/// Clients per page of the coach's list in the SPA (and for the admin `list_page`).
pub const LIST_PAGE_SIZE: usize = 25;
/// Rooms per page of `GET /api/chat/rooms`.
pub const ROOMS_PAGE_SIZE: usize = 20;
/// How many days `display_plan.performance_by_days` covers (ending today).
pub const PERF_DAYS: usize = 7;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// A small fixed-seed PRNG (SplitMix64): deterministic, no OS randomness.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with the given percentage.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Picks an index by weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut roll = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                return i;
            }
            roll -= w;
        }
        weights.len() - 1
    }
}

/// SplitMix64's finaliser; also used to hash (id, day) pairs for the schedule.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Declares a string-backed enum with `ALL`, `as_str` and `parse`.
macro_rules! str_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }
            /// The accepted values, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

str_enum!(Status {
    Active => "Active",
    NeedsTraining => "Needs Training",
    Pending => "Pending",
    ProgramFinished => "Program Finished",
    CancelledByCoach => "Cancelled by Coach",
    DeletedUser => "Deleted User",
    InvalidAccount => "Invalid Account",
});

str_enum!(AthleteType {
    Active => "active",
    Pending => "pending",
    Past => "past",
});

str_enum!(PlanKind {
    OneToOne => "one_to_one",
    GroupRolling => "group_rolling",
    SessionOneDayOne => "session_one_day_one",
    FixedLength => "fixed_length",
});

str_enum!(MembershipState {
    Active => "active",
    Canceled => "canceled",
});

str_enum!(DayStatus {
    Done => "done",
    Partial => "partial",
    Skipped => "skipped",
    Empty => "empty",
});

impl Status {
    /// The client-list tab this status shows under.
    pub fn athlete_type(self) -> AthleteType {
        match self {
            Status::Active | Status::NeedsTraining => AthleteType::Active,
            Status::Pending => AthleteType::Pending,
            _ => AthleteType::Past,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub title: String,
    pub kind: PlanKind,
    pub membership_state: MembershipState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerfDay {
    pub status: DayStatus,
    pub online: bool,
}

/// The coach-client chat room; its `opponent` is the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    pub id: u32,
    pub last_message: String,
    /// Seconds before the anchor that the last message was sent.
    pub last_message_ago: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub id: u32,
    /// Stored as FITR would hold it: untrimmed, odd case kept.
    pub full_name: String,
    pub first_name: String,
    pub last_name: String,
    /// Messy on purpose (case, surrounding spaces); only ever served through a chat room.
    pub email: Option<String>,
    /// Messy on purpose; only served by the client detail route.
    pub phone: Option<String>,
    pub age: Option<u32>,
    pub status: Status,
    pub plan: Plan,
    pub room: Option<Room>,
    /// Seconds before the anchor that the client was created.
    pub created_ago: i64,
    /// Oldest first; the last entry is the anchor's day.
    pub performance: [PerfDay; PERF_DAYS],
}

impl Client {
    /// Replaces the full name and re-derives first and last name from it.
    pub fn set_full_name(&mut self, full_name: &str) {
        let (first, last) = split_name(full_name);
        self.full_name = full_name.to_string();
        self.first_name = first;
        self.last_name = last;
    }
}

/// First word and the rest, whitespace collapsed ("  jamie   LEE " → "jamie", "LEE").
pub fn split_name(full_name: &str) -> (String, String) {
    let mut words = full_name.split_whitespace();
    let first = words.next().unwrap_or("").to_string();
    let last = words.collect::<Vec<_>>().join(" ");
    (first, last)
}

/// Sort key for `full_name`: trimmed, lower-cased, accents folded, spaces collapsed (a stand-in
/// for a locale-aware database collation).
pub fn name_sort_key(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    fold_accents(&words.join(" ").to_lowercase())
}

/// Replaces common Latin accented letters by plain ASCII ones (for sort keys and email locals).
pub fn fold_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' | 'ā' => "a",
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ą' | 'Ā' => "A",
            'ç' | 'ć' | 'č' => "c",
            'Ç' | 'Ć' | 'Č' => "C",
            'ð' => "d",
            'Ð' => "D",
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ē' | 'ě' => "e",
            'È' | 'É' | 'Ê' | 'Ë' | 'Ę' | 'Ē' | 'Ě' => "E",
            'ì' | 'í' | 'î' | 'ï' | 'ı' | 'ī' => "i",
            'Ì' | 'Í' | 'Î' | 'Ï' | 'İ' | 'Ī' => "I",
            'ł' => "l",
            'Ł' => "L",
            'ñ' | 'ń' | 'ň' => "n",
            'Ñ' | 'Ń' | 'Ň' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' => "O",
            'ř' => "r",
            'Ř' => "R",
            'ś' | 'š' | 'ş' => "s",
            'Ś' | 'Š' | 'Ş' => "S",
            'ß' => "ss",
            'þ' => "th",
            'Þ' => "Th",
            'ù' | 'ú' | 'û' | 'ü' | 'ů' | 'ū' => "u",
            'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ů' | 'Ū' => "U",
            'ý' | 'ÿ' => "y",
            'Ý' => "Y",
            'ź' | 'ż' | 'ž' => "z",
            'Ź' | 'Ż' | 'Ž' => "Z",
            'æ' => "ae",
            'Æ' => "AE",
            'œ' => "oe",
            'Œ' => "OE",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(folded);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Queries shared by the API and the admin API.

/// How `search_clients` orders its results (`q[s][]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    NameAsc,
    NameDesc,
    CreatedAsc,
    CreatedDesc,
}

impl Sort {
    /// Parses a Ransack sort such as `full_name asc`; unknown fields give `None` (ignored, as
    /// Ransack ignores them).
    pub fn parse(text: &str) -> Option<Sort> {
        let mut words = text.split_whitespace();
        let field = words.next()?;
        let desc = words.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
        match (field, desc) {
            ("full_name", false) => Some(Sort::NameAsc),
            ("full_name", true) => Some(Sort::NameDesc),
            ("created_at", false) => Some(Sort::CreatedAsc),
            ("created_at", true) => Some(Sort::CreatedDesc),
            _ => None,
        }
    }
}

/// Case-insensitive prefix match on first name, last name or full name (Ransack's
/// `first_name_or_last_name_or_full_name_start`, an ILIKE 'text%').
pub fn name_starts_with(client: &Client, prefix: &str) -> bool {
    let prefix = prefix.to_lowercase();
    [&client.first_name, &client.last_name, &client.full_name]
        .iter()
        .any(|field| field.to_lowercase().starts_with(&prefix))
}

/// The clients of one tab, optionally filtered by a name prefix, in the given order (ties by id).
pub fn tab_clients<'a>(
    clients: &'a [Client],
    tab: AthleteType,
    prefix: Option<&str>,
    sort: Sort,
) -> Vec<&'a Client> {
    let mut found: Vec<&Client> = clients
        .iter()
        .filter(|c| c.status.athlete_type() == tab)
        .filter(|c| prefix.is_none_or(|p| name_starts_with(c, p)))
        .collect();
    match sort {
        Sort::NameAsc | Sort::NameDesc => {
            let mut keyed: Vec<(String, &Client)> = found
                .into_iter()
                .map(|c| (name_sort_key(&c.full_name), c))
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
            if sort == Sort::NameDesc {
                keyed.reverse();
            }
            found = keyed.into_iter().map(|(_, c)| c).collect();
        }
        // created_at = anchor - created_ago: newest first means smallest `created_ago` first.
        Sort::CreatedDesc => found.sort_by_key(|c| (c.created_ago, c.id)),
        Sort::CreatedAsc => found.sort_by_key(|c| (std::cmp::Reverse(c.created_ago), c.id)),
    }
    found
}

/// Every client with a room, in inbox order: last message newest first (ties by room id).
pub fn rooms_in_order(clients: &[Client]) -> Vec<(&Client, &Room)> {
    let mut rooms: Vec<(&Client, &Room)> = clients
        .iter()
        .filter_map(|c| c.room.as_ref().map(|r| (c, r)))
        .collect();
    rooms.sort_by_key(|(_, r)| (r.last_message_ago, r.id));
    rooms
}

/// Client id → the rooms page holding its room.
pub fn rooms_pages(clients: &[Client]) -> HashMap<u32, usize> {
    rooms_in_order(clients)
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.id, i / ROOMS_PAGE_SIZE + 1))
        .collect()
}

/// Client id → its page within its own tab, sorted by full_name asc, [`LIST_PAGE_SIZE`] a page.
pub fn list_pages(clients: &[Client]) -> HashMap<u32, usize> {
    let mut pages = HashMap::new();
    for tab in AthleteType::ALL {
        for (i, c) in tab_clients(clients, *tab, None, Sort::NameAsc)
            .iter()
            .enumerate()
        {
            pages.insert(c.id, i / LIST_PAGE_SIZE + 1);
        }
    }
    pages
}

// ---------------------------------------------------------------------------------------------
// Dates (proleptic Gregorian, UTC), without a date crate.

/// Days since 1970-01-01 → (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since the epoch → `YYYY-MM-DD`.
pub fn ymd(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD` → days since the epoch, checking the calendar.
pub fn parse_ymd(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

// ---------------------------------------------------------------------------------------------
// The seed.

/// Plan titles with the program type each one has.
pub const PLANS: &[(&str, PlanKind)] = &[
    ("HYROX 12-Week Build", PlanKind::FixedLength),
    ("Strength Foundations", PlanKind::GroupRolling),
    ("Couch to 5K", PlanKind::FixedLength),
    ("1-2-1 Online Coaching", PlanKind::OneToOne),
    ("CrossFit Engine", PlanKind::GroupRolling),
    ("Marathon Prep — Spring", PlanKind::FixedLength),
    ("Kettlebell Daily Dose", PlanKind::SessionOneDayOne),
    ("Mobility Reset", PlanKind::SessionOneDayOne),
];

const FIRST_NAMES: &[&str] = &[
    "Oliver",
    "Amelia",
    "George",
    "Isla",
    "Harry",
    "Ava",
    "Noah",
    "Mia",
    "Jack",
    "Ivy",
    "Leo",
    "Freya",
    "Arthur",
    "Lily",
    "Muhammad",
    "Grace",
    "Oscar",
    "Sophia",
    "Charlie",
    "Ella",
    "Thomas",
    "Emily",
    "James",
    "Poppy",
    "William",
    "Evie",
    "Henry",
    "Ruby",
    "Alfie",
    "Chloe",
    "Liam",
    "Emma",
    "Ethan",
    "Olivia",
    "Mason",
    "Charlotte",
    "Lucas",
    "Harper",
    "Daniel",
    "Zara",
    "Aisha",
    "Omar",
    "Fatima",
    "Ravi",
    "Priya",
    "Arjun",
    "Mei",
    "Wei",
    "Hiroshi",
    "Yuki",
    "Sofía",
    "Mateo",
    "Lucía",
    "Diego",
    "Chloé",
    "Léa",
    "Jürgen",
    "Anaïs",
    "Niamh",
    "Ciarán",
    "Siobhán",
    "Dmitri",
    "Olga",
    "Kwame",
    "Ama",
    "Tunde",
    "Chidi",
    "Ingrid",
    "Lars",
    "Astrid",
    "Maya",
    "Ben",
    "Sam",
    "Alex",
    "Jordan",
    "Taylor",
    "Morgan",
    "Rosie",
    "Kate",
    "Tom",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Taylor",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Lewis",
    "Martin",
    "Jackson",
    "Clarke",
    "Clark",
    "Turner",
    "Hill",
    "Scott",
    "Cooper",
    "Morris",
    "Ward",
    "Moore",
    "King",
    "Watson",
    "Baker",
    "Harrison",
    "Morgan",
    "Patel",
    "Khan",
    "Singh",
    "Ahmed",
    "Ali",
    "Nguyen",
    "Chen",
    "Wang",
    "Kim",
    "Tanaka",
    "Sato",
    "García",
    "Fernández",
    "Müller",
    "Schröder",
    "Dubois",
    "Lefèvre",
    "Kowalski",
    "Nowak",
    "Novák",
    "Horváth",
    "O'Connor",
    "O'Sullivan",
    "McDonald",
    "MacLeod",
    "Fitzgerald",
    "Okafor",
    "Mensah",
    "Adeyemi",
    "Larsen",
    "Johansson",
    "Lloyd-Webber",
    "Bennett",
    "Fox",
    "Hart",
    "Price",
    "Reid",
    "Shaw",
    "Young",
    "Ellis",
    "Murphy",
];

const EMAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "inbox.example.org",
    "runclub.example.net",
];

const MESSAGES: &[&str] = &[
    "Done today's session",
    "Legs are sore but feeling good!",
    "Can we move Thursday's workout?",
    "Smashed a PB on the rower 💪",
    "Thanks coach",
    "What weight should I use for the RDLs?",
    "Missed yesterday, work was mad. Back on it today",
    "Sent you my food log",
    "Is it ok to swap the run for the bike?",
    "Feeling a bit run down this week",
    "Booked in for the HYROX in March!",
    "👍",
    "Can you check my squat video?",
    "Payment should go through on Friday",
    "Welcome to the program! Let me know if you have questions.",
];

/// One fixed client. Times in hours ago.
struct Special {
    id: u32,
    full_name: &'static str,
    email: Option<&'static str>,
    phone: Option<&'static str>,
    status: Status,
    plan: usize,
    membership: MembershipState,
    /// (room id, hours since the last message)
    room: Option<(u32, i64)>,
    created_hours_ago: i64,
}

/// The fixed special clients; the README lists them with their reasons.
const SPECIALS: &[Special] = &[
    Special {
        id: 48213,
        full_name: "Zoë O'Neill-Hart",
        email: Some("zoe.oneill@example.org"),
        phone: Some("+44 7700 900123"),
        status: Status::Active,
        plan: 0,
        membership: MembershipState::Active,
        room: Some((90311, 5)),
        created_hours_ago: 400 * 24,
    },
    Special {
        id: 31877,
        full_name: "José Álvarez",
        email: Some("jose.alvarez@example.com"),
        phone: Some("+34 612 345 678"),
        status: Status::Active,
        plan: 5,
        membership: MembershipState::Active,
        room: Some((90412, 30)),
        created_hours_ago: 210 * 24,
    },
    Special {
        id: 52410,
        full_name: "Łukasz Wróbel",
        email: Some("Lukasz.Wrobel@Example.com"),
        phone: None,
        status: Status::NeedsTraining,
        plan: 4,
        membership: MembershipState::Active,
        room: Some((90527, 80)),
        created_hours_ago: 95 * 24,
    },
    Special {
        id: 60935,
        full_name: "Björk Guðmundsdóttir",
        email: Some("BJORK.G@EXAMPLE.NET"),
        phone: Some("+354 611 2345"),
        status: Status::Active,
        plan: 1,
        membership: MembershipState::Canceled,
        room: Some((90688, 200)),
        created_hours_ago: 700 * 24,
    },
    Special {
        id: 27164,
        full_name: "Anne-Marie Smith-Jones",
        email: Some("  anne-marie.smith-jones@example.com "),
        phone: Some("07700 900456"),
        status: Status::Active,
        plan: 3,
        membership: MembershipState::Active,
        room: Some((90705, 330)),
        created_hours_ago: 150 * 24,
    },
    Special {
        id: 39021,
        full_name: "Seán O'Brien",
        email: Some("sean.obrien@example.net"),
        phone: Some("(415) 555-0100"),
        status: Status::Active,
        plan: 2,
        membership: MembershipState::Active,
        room: Some((90833, 12)),
        created_hours_ago: 60 * 24,
    },
    Special {
        id: 44508,
        full_name: "D'Arcy McKenzie",
        email: Some("darcy.mckenzie@example.org"),
        phone: Some("555.010.9999"),
        status: Status::Active,
        plan: 0,
        membership: MembershipState::Active,
        room: Some((90921, 260)),
        created_hours_ago: 33 * 24,
    },
    Special {
        id: 71236,
        full_name: "Madonna",
        email: Some("madonna@example.com"),
        phone: Some("12"),
        status: Status::Active,
        plan: 6,
        membership: MembershipState::Active,
        room: Some((91044, 48)),
        created_hours_ago: 500 * 24,
    },
    Special {
        id: 58842,
        full_name: "  jamie   LEE ",
        email: Some("Jamie.Lee@Example.COM"),
        phone: Some("+1 (212) 555-0142"),
        status: Status::Active,
        plan: 1,
        membership: MembershipState::Active,
        room: Some((91156, 150)),
        created_hours_ago: 20 * 24,
    },
    Special {
        id: 15590,
        full_name: "Aaron Achterberg",
        email: Some("aaron.achterberg@example.com"),
        phone: Some("07700 900789"),
        status: Status::Active,
        plan: 3,
        membership: MembershipState::Active,
        room: None,
        created_hours_ago: 45 * 24,
    },
    Special {
        id: 23456,
        full_name: "Chris Taylor",
        email: Some("chris.taylor@example.com"),
        phone: Some("+44 7700 900321"),
        status: Status::Active,
        plan: 0,
        membership: MembershipState::Active,
        room: Some((91270, 20)),
        created_hours_ago: 120 * 24,
    },
    Special {
        id: 67890,
        full_name: "Chris Taylor",
        email: Some("ctaylor.lifts@example.net"),
        phone: None,
        status: Status::Active,
        plan: 4,
        membership: MembershipState::Active,
        room: Some((91384, 290)),
        created_hours_ago: 310 * 24,
    },
    Special {
        id: 80417,
        full_name: "Priya Natarajan",
        email: Some("priya.natarajan@example.com"),
        phone: Some("+44 7700 900555"),
        status: Status::Pending,
        plan: 3,
        membership: MembershipState::Active,
        room: Some((91499, 1)),
        created_hours_ago: 2,
    },
];

/// Ids of the fixed special clients, in [`SPECIALS`] order.
pub fn special_ids() -> Vec<u32> {
    SPECIALS.iter().map(|s| s.id).collect()
}

/// `n_clients` deterministic clients: the fixed special clients first (all of them when
/// `n_clients` is at least their count), then generated ones.
pub fn seed(n_clients: usize) -> Vec<Client> {
    let mut rng = Rng::new(0xF17A_2026_0000_0001);
    let mut ids: HashSet<u32> = SPECIALS.iter().map(|s| s.id).collect();
    let mut room_ids: HashSet<u32> = SPECIALS
        .iter()
        .filter_map(|s| s.room.map(|r| r.0))
        .collect();
    let mut emails: HashSet<String> = SPECIALS
        .iter()
        .filter_map(|s| s.email.map(normalized_email))
        .collect();

    let mut clients: Vec<Client> = SPECIALS
        .iter()
        .take(n_clients)
        .map(|s| special_client(s, &mut rng))
        .collect();
    while clients.len() < n_clients {
        let client = generated_client(&mut rng, &mut ids, &mut room_ids, &mut emails);
        clients.push(client);
    }
    push_early_names_back_in_inbox(&mut clients);
    clients
}

fn normalized_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn special_client(s: &Special, rng: &mut Rng) -> Client {
    let (title, kind) = PLANS[s.plan];
    let (first_name, last_name) = split_name(s.full_name);
    Client {
        id: s.id,
        full_name: s.full_name.to_string(),
        first_name,
        last_name,
        email: s.email.map(str::to_string),
        phone: s.phone.map(str::to_string),
        age: Some(rng.range(19, 58) as u32),
        status: s.status,
        plan: Plan {
            title: title.to_string(),
            kind,
            membership_state: s.membership,
        },
        room: s.room.map(|(id, hours)| Room {
            id,
            last_message: rng.pick(MESSAGES).to_string(),
            last_message_ago: hours * HOUR + rng.range(0, 3_599),
        }),
        created_ago: s.created_hours_ago * HOUR + rng.range(0, 3_599),
        performance: performance(rng, s.status),
    }
}

fn generated_client(
    rng: &mut Rng,
    ids: &mut HashSet<u32>,
    room_ids: &mut HashSet<u32>,
    emails: &mut HashSet<String>,
) -> Client {
    let id = loop {
        let id = rng.range(20_000, 99_999) as u32;
        if ids.insert(id) {
            break id;
        }
    };
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let full_name = format!("{first} {last}");
    let status = Status::ALL[rng.weighted(&[55, 12, 10, 10, 6, 4, 3])];
    let (title, kind) = *rng.pick(PLANS);
    let membership_state = match status.athlete_type() {
        AthleteType::Active if rng.chance(92) => MembershipState::Active,
        AthleteType::Pending if rng.chance(50) => MembershipState::Active,
        AthleteType::Past if rng.chance(8) => MembershipState::Active,
        _ => MembershipState::Canceled,
    };
    let created_ago = match status {
        Status::Pending => rng.range(HOUR, 30 * DAY),
        _ => rng.range(2 * DAY, 3 * 365 * DAY),
    };
    let email = generated_email(rng, first, last, emails);
    let has_room = email.is_some()
        && match status.athlete_type() {
            AthleteType::Active => rng.chance(92),
            AthleteType::Pending => rng.chance(50),
            AthleteType::Past => rng.chance(80),
        };
    let room = has_room.then(|| {
        let room_id = loop {
            let room_id = rng.range(90_000, 999_999) as u32;
            if room_ids.insert(room_id) {
                break room_id;
            }
        };
        let last_message_ago = match status.athlete_type() {
            AthleteType::Active => rng.range(10 * 60, 21 * DAY),
            AthleteType::Pending => rng.range(HOUR, 30 * DAY).min(created_ago),
            AthleteType::Past => rng.range(30 * DAY, 400 * DAY),
        };
        Room {
            id: room_id,
            last_message: rng.pick(MESSAGES).to_string(),
            last_message_ago,
        }
    });
    let (first_name, last_name) = split_name(&full_name);
    Client {
        id,
        full_name,
        first_name,
        last_name,
        email,
        phone: generated_phone(rng),
        age: (!rng.chance(10)).then(|| rng.range(18, 66) as u32),
        status,
        plan: Plan {
            title: title.to_string(),
            kind,
            membership_state,
        },
        room,
        created_ago,
        performance: performance(rng, status),
    }
}

/// A unique (after trim + lower-case) email, sometimes messy; 3% have none.
fn generated_email(
    rng: &mut Rng,
    first: &str,
    last: &str,
    emails: &mut HashSet<String>,
) -> Option<String> {
    if rng.chance(3) {
        return None;
    }
    let clean = |s: &str| -> String {
        fold_accents(s)
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect()
    };
    let (f, l) = (clean(first), clean(last));
    let domain = rng.pick(EMAIL_DOMAINS);
    let mut local = match rng.below(4) {
        0 => format!("{f}.{l}"),
        1 => format!("{}{l}", &f[..1.min(f.len())]),
        2 => format!("{f}{}", rng.range(1, 99)),
        _ => format!("{f}_{l}"),
    };
    while emails.contains(&format!("{local}@{domain}")) {
        local = format!("{local}{}", rng.range(1, 9));
    }
    let email = format!("{local}@{domain}");
    emails.insert(email.clone());
    Some(match rng.below(100) {
        0..=3 => email.to_uppercase(),
        4..=8 => capitalised_email(&email),
        9..=12 => format!(" {email} "),
        13..=14 => format!("{email}  "),
        _ => email,
    })
}

/// "john.smith@example.com" → "John.Smith@Example.com".
fn capitalised_email(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut upper_next = true;
    for c in email.chars() {
        if upper_next {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        upper_next = matches!(c, '.' | '@' | '_');
    }
    out
}

/// A messy phone number: several national and international formats, a few invalid, 25% none.
fn generated_phone(rng: &mut Rng) -> Option<String> {
    let format = rng.below(20);
    let mut digits = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect()
    };
    let phone = match format {
        0..=4 => return None,
        5..=7 => format!("+44 7700 900{}", digits(3)),
        8..=9 => format!("07700 900{}", digits(3)),
        10..=11 => format!("(415) 555-01{}", digits(2)),
        12 => format!("555.010.{}", digits(4)),
        13 => format!("+1 415-555-{}", digits(4)),
        14 => format!("+353 87 123 {}", digits(4)),
        15 => format!("447700900{}", digits(3)),
        16 => format!("+61 4{} {} {}", digits(2), digits(3), digits(3)),
        17 => digits(2),
        18 => format!("07700-900-{} ext. 2", digits(3)),
        _ => format!("+44 (0) 20 7946 {}", digits(4)),
    };
    Some(phone)
}

/// The last [`PERF_DAYS`] days, weighted by how engaged a client of this status is.
fn performance(rng: &mut Rng, status: Status) -> [PerfDay; PERF_DAYS] {
    let weights: [u64; 4] = match status {
        Status::Active => [50, 15, 15, 20],
        Status::NeedsTraining => [20, 10, 20, 50],
        Status::Pending => [0, 0, 0, 1],
        _ => [2, 1, 7, 90],
    };
    std::array::from_fn(|_| {
        let status = DayStatus::ALL[rng.weighted(&weights)];
        let online = match status {
            DayStatus::Done | DayStatus::Partial => rng.chance(70),
            _ => rng.chance(10),
        };
        PerfDay { status, online }
    })
}

/// Guarantees that at least several clients on the first page of the Active tab (full_name asc,
/// [`LIST_PAGE_SIZE`] a page) have their room on rooms page 2 or later, by making the oldest
/// messages theirs where needed.
fn push_early_names_back_in_inbox(clients: &mut [Client]) {
    const WANTED: usize = 5;
    for _ in 0..LIST_PAGE_SIZE {
        if rooms_in_order(clients).len() <= ROOMS_PAGE_SIZE {
            return;
        }
        let pages = rooms_pages(clients);
        let first_page: Vec<u32> = tab_clients(clients, AthleteType::Active, None, Sort::NameAsc)
            .iter()
            .take(LIST_PAGE_SIZE)
            .map(|c| c.id)
            .collect();
        let late = first_page
            .iter()
            .filter(|id| pages.get(id).is_some_and(|p| *p >= 2))
            .count();
        let Some(early) = first_page.iter().find(|id| pages.get(id) == Some(&1)) else {
            return;
        };
        if late >= WANTED {
            return;
        }
        let oldest = clients
            .iter()
            .filter_map(|c| c.room.as_ref().map(|r| r.last_message_ago))
            .max()
            .unwrap_or(0);
        if let Some(room) = clients
            .iter_mut()
            .find(|c| c.id == *early)
            .and_then(|c| c.room.as_mut())
        {
            room.last_message_ago = oldest + HOUR;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(ymd(0), "1970-01-01");
        assert_eq!(ymd(20_422), "2025-11-30");
        assert_eq!(parse_ymd("2025-11-30"), Some(20_422));
        assert_eq!(parse_ymd("2025-02-30"), None);
        assert_eq!(
            parse_ymd("2024-02-29").map(ymd).as_deref(),
            Some("2024-02-29")
        );
    }

    #[test]
    fn seed_is_deterministic_and_unique() {
        let a = seed(1700);
        assert_eq!(a, seed(1700));
        let ids: HashSet<u32> = a.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), 1700);
        let emails: Vec<String> = a
            .iter()
            .filter_map(|c| c.email.as_deref())
            .map(normalized_email)
            .collect();
        assert_eq!(emails.iter().collect::<HashSet<_>>().len(), emails.len());
    }

    #[test]
    fn early_active_names_have_late_rooms() {
        let clients = seed(80);
        let pages = rooms_pages(&clients);
        let late = tab_clients(&clients, AthleteType::Active, None, Sort::NameAsc)
            .iter()
            .take(LIST_PAGE_SIZE)
            .filter(|c| pages.get(&c.id).is_some_and(|p| *p >= 2))
            .count();
        assert!(late >= 5, "only {late}");
    }

    #[test]
    fn name_helpers() {
        assert_eq!(split_name("  jamie   LEE "), ("jamie".into(), "LEE".into()));
        assert_eq!(split_name("Madonna"), ("Madonna".into(), String::new()));
        assert_eq!(name_sort_key("Łukasz Wróbel"), "lukasz wrobel");
        assert_eq!(Sort::parse("full_name DESC"), Some(Sort::NameDesc));
        assert_eq!(Status::parse("Needs Training"), Some(Status::NeedsTraining));
    }
}
