//! `--shard K/N`: which part of a list one machine takes.

use std::fmt;
use std::str::FromStr;

/// `--shard K/N`: this run takes the URLs at 0-based positions i with i mod N = K.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 0 to N-1.
    pub index: usize,
    /// N, at least 1.
    pub count: usize,
}

impl Shard {
    /// True if the URL at 0-based input `position` belongs to this shard.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || format!("{text:?} is not a shard; write K/N with K from 0 to N-1, e.g. 0/4");
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let index: usize = index.trim().parse().map_err(|_| usage())?;
        let count: usize = count.trim().parse().map_err(|_| usage())?;
        if count == 0 || index >= count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_by_position_modulo_n() {
        let shard: Shard = "1/3".parse().unwrap();
        let held: Vec<usize> = (0..9).filter(|&i| shard.holds(i)).collect();
        assert_eq!(held, [1, 4, 7]);
        for bad in ["3/3", "0/0", "1", "a/b", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
