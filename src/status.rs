//! The set of HTTP statuses that count as success (`--accept`).

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// Accepted statuses, written like `200..=299,304`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSet {
    ranges: Vec<RangeInclusive<u16>>,
}

impl StatusSet {
    /// True if `status` is accepted.
    pub fn contains(&self, status: u16) -> bool {
        self.ranges.iter().any(|range| range.contains(&status))
    }
}

impl Default for StatusSet {
    fn default() -> Self {
        StatusSet {
            ranges: vec![200..=299],
        }
    }
}

impl FromStr for StatusSet {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut ranges = Vec::new();
        for part in spec.split(',').map(str::trim) {
            let class = part.strip_suffix("xx").or_else(|| part.strip_suffix("XX"));
            let range = if let Some(digit) = class.and_then(|d| d.parse::<u16>().ok()) {
                // `2xx`: the whole class.
                if !(1..=9).contains(&digit) {
                    return Err(format!("{part:?} is not a status class; write 2xx, 3xx, …"));
                }
                digit * 100..=digit * 100 + 99
            } else if let Some((low, high)) = part.split_once("..=") {
                status(low)?..=status(high)?
            } else if let Some((low, high)) = part.split_once("..") {
                let high = status(high)?;
                if high == 100 {
                    return Err(format!("{part:?} is an empty range"));
                }
                status(low)?..=high - 1
            } else if let Some((low, high)) = part.split_once('-') {
                status(low)?..=status(high)?
            } else {
                let single = status(part)?;
                single..=single
            };
            if range.is_empty() {
                return Err(format!("{part:?} is an empty range; write it low..=high"));
            }
            ranges.push(range);
        }
        Ok(StatusSet { ranges })
    }
}

fn status(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u16>() {
        Ok(code) if (100..=999).contains(&code) => Ok(code),
        _ => Err(format!(
            "{text:?} is not an HTTP status; use codes from 100 to 999, e.g. 200-299,304 or 2xx"
        )),
    }
}

impl fmt::Display for StatusSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, range) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if range.start() == range.end() {
                write!(f, "{}", range.start())?;
            } else {
                write!(f, "{}..={}", range.start(), range.end())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges_and_singles() {
        let set: StatusSet = "200..=299, 304,400..402".parse().unwrap();
        assert!(set.contains(200) && set.contains(299) && set.contains(304));
        assert!(set.contains(401) && !set.contains(402) && !set.contains(300));
        assert_eq!(set.to_string(), "200..=299,304,400..=401");
    }

    #[test]
    fn takes_dashes_and_status_classes_too() {
        let set: StatusSet = "2xx,304,400-401".parse().unwrap();
        assert_eq!(set.to_string(), "200..=299,304,400..=401");
        assert_eq!("3XX".parse::<StatusSet>().unwrap().to_string(), "300..=399");
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "abc",
            "200..=",
            "99",
            "1000",
            "300..=200",
            "200..200",
            "0xx",
            "10xx",
            "299-200",
        ] {
            assert!(
                bad.parse::<StatusSet>().is_err(),
                "{bad:?} should not parse"
            );
        }
    }

    #[test]
    fn the_default_is_2xx() {
        let set = StatusSet::default();
        assert!(set.contains(204) && !set.contains(301) && !set.contains(404));
    }
}
