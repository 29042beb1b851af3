//! `--shard K/N`: which part of a list one machine takes. K counts from 1, as in
//! `cargo nextest --partition count:K/N`, Playwright, Jest and Vitest.

use std::fmt;
use std::str::FromStr;

/// `--shard K/N`: this run takes the URLs at 0-based positions i with
/// i mod N = K - 1, so shards 1/N to N/N together take every URL once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1 to N.
    pub number: usize,
    /// N, at least 1.
    pub count: usize,
}

impl Shard {
    /// True if the URL at 0-based input `position` belongs to this shard.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count == self.number - 1
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || format!("{text:?} is not a shard; write K/N with K from 1 to N, e.g. 1/4");
        let (number, count) = text.split_once('/').ok_or_else(usage)?;
        let number: usize = number.trim().parse().map_err(|_| usage())?;
        let count: usize = count.trim().parse().map_err(|_| usage())?;
        if count == 0 {
            return Err(usage());
        }
        if number == 0 {
            return Err(format!(
                "{text:?}: shards count from 1; the first of {count} is 1/{count}"
            ));
        }
        if number > count {
            return Err(format!(
                "{text:?}: there is no shard {number} of {count}; K goes from 1 to {count}"
            ));
        }
        Ok(Shard { number, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.number, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_count_from_one_and_split_by_position() {
        let held = |text: &str| -> Vec<usize> {
            let shard: Shard = text.parse().unwrap();
            (0..9).filter(|&i| shard.holds(i)).collect()
        };
        assert_eq!(held("1/3"), [0, 3, 6]);
        assert_eq!(held("3/3"), [2, 5, 8]);
        assert_eq!(held("1/1"), (0..9).collect::<Vec<_>>());
        for bad in ["4/3", "0/0", "1", "a/b", "-1/3", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let zero = "0/3".parse::<Shard>().unwrap_err();
        assert!(
            zero.contains("count from 1") && zero.contains("1/3"),
            "{zero}"
        );
    }
}
