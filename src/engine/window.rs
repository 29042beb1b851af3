//! The engine's window on the feed: the entries from the next one to write up
//! to as far as the engine has read ahead. Only these are in memory, however
//! long the list.

use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use hashbrown::HashTable;

use crate::targets::{Feed, ListError, Next, TargetBuf};

/// Entries read beyond the last one that may start, so a URL's request knows
/// whether a later one goes to the same origin and its connection is worth keeping.
pub const LOOKAHEAD: usize = 4096;

/// An entry in the window, with its origin's hash (`None` for a bad line).
struct Held {
    entry: Arc<TargetBuf>,
    origin: Option<u64>,
}

/// Entries of the run from the next one to write, in input order.
pub struct Window {
    feed: Feed,
    held: VecDeque<Held>,
    /// Run index of `held[0]`.
    base: usize,
    ended: bool,
    /// How many held entries not yet started go to each origin: (hash, count).
    /// A collision only keeps a connection open that could have closed. A table,
    /// not a map: its key is a hash already, which a map would hash again.
    unstarted: HashTable<(u64, u32)>,
    hasher: RandomState,
}

impl Window {
    /// A window on `feed`, before its first entry.
    pub fn new(feed: Feed) -> Window {
        Window {
            feed,
            held: VecDeque::new(),
            base: 0,
            ended: false,
            unstarted: HashTable::new(),
            hasher: RandomState::new(),
        }
    }

    /// URLs in the run, if known before it starts.
    pub fn total(&self) -> Option<usize> {
        self.feed.total()
    }

    /// One past the last index read.
    pub fn end(&self) -> usize {
        self.base + self.held.len()
    }

    /// True once the feed has handed out its last entry.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The entry at run `index`, which must be held.
    pub fn get(&self, index: usize) -> &Arc<TargetBuf> {
        &self.held[index - self.base].entry
    }

    /// A hash of the origin (scheme, host, port) of the held entry at `index`,
    /// or `None` for a bad line.
    pub fn origin_key(&self, index: usize) -> Option<u64> {
        self.held[index - self.base].origin
    }

    /// Reads what can be had without waiting, until index `until` is held.
    pub fn fill(&mut self, until: usize) -> Result<(), ListError> {
        while !self.ended && self.end() < until {
            match self.feed.try_next()? {
                Next::Entry(entry) => self.push(entry),
                Next::Pending => break,
                Next::End => self.ended = true,
            }
        }
        Ok(())
    }

    /// True if entries before `until` are still to come from a stream, so the
    /// engine should wait for them.
    pub fn waits_for_stream(&self, until: usize) -> bool {
        !self.ended && self.feed.is_streamed() && self.end() < until
    }

    /// Waits for the stream's next entry, or its end.
    pub async fn wait(&mut self) -> Result<(), ListError> {
        match self.feed.next().await? {
            Some(entry) => self.push(entry),
            None => self.ended = true,
        }
        Ok(())
    }

    fn push(&mut self, entry: TargetBuf) {
        let origin = entry.origin().map(|origin| self.hasher.hash_one(origin));
        if let Some(key) = origin {
            let (_, count) = self
                .unstarted
                .entry(key, |&(held, _)| held == key, |&(held, _)| held)
                .or_insert((key, 0))
                .into_mut();
            *count += 1;
        }
        self.held.push_back(Held {
            entry: Arc::new(entry),
            origin,
        });
    }

    /// Marks `index` as started. Returns it, and whether a held entry not yet
    /// started goes to the same origin.
    pub fn start(&mut self, index: usize) -> (Arc<TargetBuf>, bool) {
        let held = &self.held[index - self.base];
        let entry = Arc::clone(&held.entry);
        let Some(key) = held.origin else {
            return (entry, false);
        };
        let left = match self.unstarted.find_entry(key, |&(held, _)| held == key) {
            Ok(mut counted) => {
                let count = &mut counted.get_mut().1;
                *count = count.saturating_sub(1);
                let left = *count;
                if left == 0 {
                    counted.remove();
                }
                left
            }
            Err(_) => 0,
        };
        (entry, left > 0)
    }

    /// Forgets the entries before `index`: their records are written.
    pub fn release(&mut self, index: usize) {
        while self.base < index && self.held.pop_front().is_some() {
            self.base += 1;
        }
    }

    /// The next entry past the window, read without waiting and not held, for
    /// records of URLs the run will not reach.
    pub fn read_past(&mut self) -> Result<Option<TargetBuf>, ListError> {
        if self.ended {
            return Ok(None);
        }
        match self.feed.try_next()? {
            Next::Entry(entry) => {
                self.base += 1;
                Ok(Some(entry))
            }
            Next::Pending | Next::End => {
                self.ended = true;
                Ok(None)
            }
        }
    }

    /// Every entry from `index` on that can be had without waiting, with its run
    /// index: what the run did not reach. A stream is not waited for.
    pub fn rest(&mut self, index: usize) -> impl Iterator<Item = (usize, Arc<TargetBuf>)> + '_ {
        let skip = index.saturating_sub(self.base).min(self.held.len());
        let first = self.base + skip;
        let held = self
            .held
            .iter()
            .skip(skip)
            .map(|held| Arc::clone(&held.entry));
        let unread = self.feed.rest().map(Arc::new);
        held.chain(unread)
            .enumerate()
            .map(move |(offset, entry)| (first + offset, entry))
    }
}
