//! Timestamps as GHL writes them: milliseconds since the Unix epoch inside, ISO 8601 UTC with
//! milliseconds (`2021-07-02T05:18:26.704Z`) on the wire. Pure functions; the clock itself is
//! read only by [`crate::Sandbox`].

/// Milliseconds since 1970-01-01T00:00:00Z (negative before it: birth dates).
pub type Millis = i64;

const DAY_MS: i64 = 86_400_000;

/// `2021-07-02T05:18:26.704Z`.
pub fn iso(ms: Millis) -> String {
    let days = ms.div_euclid(DAY_MS);
    let in_day = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let (secs, milli) = (in_day / 1000, in_day % 1000);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parse `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.sss]][Z]` (UTC) into milliseconds.
pub fn parse_iso(text: &str) -> Option<Millis> {
    let text = text.trim();
    let (date, rest) = match text.split_once(['T', ' ']) {
        Some((date, rest)) => (date, Some(rest)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let y: i64 = parse_digits(parts.next()?, 4)?;
    let m: u32 = parse_digits(parts.next()?, 2)?;
    let d: u32 = parse_digits(parts.next()?, 2)?;
    if parts.next().is_some() {
        return None;
    }
    let day_start = days_from_civil_checked(y, m, d)? * DAY_MS;
    let Some(rest) = rest else {
        return Some(day_start);
    };
    let rest = rest
        .strip_suffix('Z')
        .or_else(|| rest.strip_suffix("+00:00"))
        .unwrap_or(rest);
    let (hms, frac) = match rest.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (rest, None),
    };
    let mut fields = hms.split(':');
    let h: i64 = parse_digits(fields.next()?, 2)?;
    let min: i64 = parse_digits(fields.next()?, 2)?;
    let s: i64 = match fields.next() {
        Some(s) => parse_digits(s, 2)?,
        None => 0,
    };
    if fields.next().is_some() || h > 23 || min > 59 || s > 59 {
        return None;
    }
    let milli = match frac {
        Some(frac) if !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()) => {
            let padded: String = frac.chars().chain("000".chars()).take(3).collect();
            padded.parse::<i64>().ok()?
        }
        Some(_) => return None,
        None => 0,
    };
    Some(day_start + ((h * 60 + min) * 60 + s) * 1000 + milli)
}

/// An ISO 8601 date-time with a `Z` or a `±HH:MM` / `±HHMM` offset (`2020-10-25T11:00:00Z`,
/// `2021-06-23T03:30:00+05:30`), or without one (UTC), or a plain date, as class-validator's
/// `IsDateString` accepts them.
pub fn parse_datetime(text: &str) -> Option<Millis> {
    let text = text.trim();
    if let Some(sign_at) = text
        .get(10..)
        .and_then(|time| time.rfind(['+', '-']))
        .map(|i| i + 10)
    {
        let (local, offset) = text.split_at(sign_at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
            let h: i64 = digits[..2].parse().ok()?;
            let m: i64 = digits[2..].parse().ok()?;
            if h > 23 || m > 59 {
                return None;
            }
            let offset_ms = sign * (h * 60 + m) * 60_000;
            return parse_iso(local).map(|ms| ms - offset_ms);
        }
        return None;
    }
    parse_iso(text)
}

/// A birth date in any format GHL's DTO accepts: `YYYY/MM/DD`, `MM/DD/YYYY`, with `/`, `-`,
/// `.` or `_` as separator; a full ISO timestamp is accepted too. Midnight UTC of that day.
pub fn parse_birth_date(text: &str) -> Option<Millis> {
    let text = text.trim();
    if text.len() > 10 {
        return parse_iso(text);
    }
    let sep = text.chars().find(|c| matches!(c, '/' | '-' | '.' | '_'))?;
    let parts: Vec<&str> = text.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (y, m, d) = if a.len() == 4 {
        (
            parse_digits(a, 4)?,
            parse_digits(b, 2)?,
            parse_digits(c, 2)?,
        )
    } else {
        (
            parse_digits(c, 4)?,
            parse_digits(a, 2)?,
            parse_digits(b, 2)?,
        )
    };
    Some(days_from_civil_checked(y, m, d)? * DAY_MS)
}

fn parse_digits<T: std::str::FromStr>(text: &str, max_len: usize) -> Option<T> {
    if text.is_empty() || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_from_civil_checked(y: i64, m: u32, d: u32) -> Option<i64> {
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month)
        .contains(&d)
        .then(|| days_from_civil(y, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_625_202_706_704), "2021-07-02T05:11:46.704Z");
        assert_eq!(
            parse_iso("2021-07-02T05:11:46.704Z"),
            Some(1_625_202_706_704)
        );
        assert_eq!(iso(-86_400_000), "1969-12-31T00:00:00.000Z");
        assert_eq!(parse_iso("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(parse_iso("2023-02-29"), None);
        for ms in [0, 951_782_400_000, 4_102_444_799_999, -2_208_988_800_000] {
            assert_eq!(parse_iso(&iso(ms)), Some(ms));
        }
    }

    #[test]
    fn date_times_with_offsets() {
        let utc = parse_iso("2021-06-22T22:00:00Z");
        assert_eq!(parse_datetime("2021-06-23T03:30:00+05:30"), utc);
        assert_eq!(parse_datetime("2021-06-22T17:00:00-0500"), utc);
        assert_eq!(parse_datetime("2021-06-22T22:00:00Z"), utc);
        assert_eq!(parse_datetime("2021-06-22 22:00:00"), utc);
        assert_eq!(parse_datetime("2021-06-22"), parse_iso("2021-06-22"));
        assert_eq!(parse_datetime("2021-06-22T22:00:00+5"), None);
        assert_eq!(parse_datetime("soon"), None);
    }

    #[test]
    fn birth_dates_in_every_documented_format() {
        let expected = parse_iso("1990-09-25");
        for text in [
            "1990/09/25",
            "09/25/1990",
            "1990-09-25",
            "09-25-1990",
            "1990.09.25",
            "09.25.1990",
            "1990_09_25",
            "09_25_1990",
        ] {
            assert_eq!(parse_birth_date(text), expected, "{text}");
        }
        assert_eq!(parse_birth_date("25/13/1990"), None);
        assert_eq!(parse_birth_date("tomorrow"), None);
    }
}
