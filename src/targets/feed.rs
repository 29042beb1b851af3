//! The feed: the run's entries handed to the engine one at a time, in input
//! order. List files are read a second time here, after [`super::load`] checked
//! them whole, so only what the engine holds is in memory. A file that changed
//! in between is an error, never a different list fetched in silence.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Seek, SeekFrom};
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;

use super::lines::{Lines, Syntax};
use super::{Bad, TargetBuf, TargetList};
use crate::shard::Shard;

/// A list could not be read to its end as it was checked.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The file is not what the first reading saw.
    #[error(
        "the URL list {name} changed while gather was reading it ({what}); \
         no URL after that was fetched; run gather again once the list is complete"
    )]
    Changed {
        /// The list as named on the command line.
        name: String,
        /// What differs.
        what: String,
    },
    /// Reading failed part way.
    #[error("could not read the URL list {name}: {source}")]
    Unreadable {
        /// The list as named on the command line.
        name: String,
        /// Why.
        source: io::Error,
    },
}

/// What the first reading saw of a list file, to check the second against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FileFacts {
    len: u64,
    modified: Option<SystemTime>,
    regular: bool,
}

impl FileFacts {
    /// The facts of an open file.
    pub(super) fn of(file: &File) -> io::Result<FileFacts> {
        let meta = file.metadata()?;
        Ok(FileFacts {
            len: meta.len(),
            modified: meta.modified().ok(),
            regular: meta.is_file(),
        })
    }

    /// A regular file can be read twice; a pipe or a device cannot.
    pub(super) fn is_regular(&self) -> bool {
        self.regular
    }
}

/// A list file checked by the first reading, to be read again.
#[derive(Debug)]
pub(super) struct ListedFile {
    pub file: File,
    pub name: Arc<str>,
    pub facts: FileFacts,
    /// Input position of its first URL.
    pub first_position: usize,
    /// How many URLs it held.
    pub urls: usize,
}

/// One source of a checked input.
#[derive(Debug)]
pub(super) enum Segment {
    /// URLs held in memory: the arguments, stdin, a pipe.
    Held(TargetList),
    /// A file, read again when its turn comes.
    File(ListedFile),
}

/// What the feed has for the engine now.
#[derive(Debug)]
pub enum Next {
    /// The next entry.
    Entry(TargetBuf),
    /// Nothing yet: a stream's producer has not written the next line.
    Pending,
    /// Every entry has been handed out.
    End,
}

/// The entries of a run, in input order.
#[derive(Debug)]
pub struct Feed {
    source: Source,
}

#[derive(Debug)]
enum Source {
    Listed(Box<Listed>),
    Streamed(mpsc::Receiver<Result<TargetBuf, ListError>>),
}

impl Feed {
    /// A feed over checked segments holding `total` URLs of `shard`.
    pub(super) fn listed(
        segments: Vec<Segment>,
        total: usize,
        shard: Option<Shard>,
        options: Syntax,
    ) -> Feed {
        Feed {
            source: Source::Listed(Box::new(Listed {
                segments: segments.into(),
                current: None,
                shard,
                total,
                options,
            })),
        }
    }

    /// A feed of what a `--stream` reader sends.
    pub(super) fn streamed(entries: mpsc::Receiver<Result<TargetBuf, ListError>>) -> Feed {
        Feed {
            source: Source::Streamed(entries),
        }
    }

    /// How many URLs the run has, when that is known before it starts.
    pub fn total(&self) -> Option<usize> {
        match &self.source {
            Source::Listed(listed) => Some(listed.total),
            Source::Streamed(_) => None,
        }
    }

    /// True if entries arrive as a producer writes them, so waiting for one makes sense.
    pub fn is_streamed(&self) -> bool {
        matches!(self.source, Source::Streamed(_))
    }

    /// The next entry if it can be had without waiting.
    pub fn try_next(&mut self) -> Result<Next, ListError> {
        match &mut self.source {
            Source::Listed(listed) => Ok(listed.next()?.map_or(Next::End, Next::Entry)),
            Source::Streamed(entries) => match entries.try_recv() {
                Ok(entry) => entry.map(Next::Entry),
                Err(mpsc::error::TryRecvError::Empty) => Ok(Next::Pending),
                Err(mpsc::error::TryRecvError::Disconnected) => Ok(Next::End),
            },
        }
    }

    /// The next entry, waiting for a stream's producer if need be; `None` at the end.
    pub async fn next(&mut self) -> Result<Option<TargetBuf>, ListError> {
        match &mut self.source {
            Source::Listed(listed) => listed.next(),
            Source::Streamed(entries) => entries.recv().await.transpose(),
        }
    }

    /// The entries left that can be had without waiting, for a report of what
    /// the run did not reach. A stream is not waited for.
    pub fn rest(&mut self) -> impl Iterator<Item = TargetBuf> + '_ {
        std::iter::from_fn(move || match self.try_next() {
            Ok(Next::Entry(entry)) => Some(entry),
            _ => None,
        })
    }
}

#[derive(Debug)]
struct Listed {
    segments: VecDeque<Segment>,
    current: Option<Reading>,
    shard: Option<Shard>,
    /// URLs of this run, counted when the input was checked.
    total: usize,
    /// Reads a line's options again, as the first reading did.
    options: Syntax,
}

#[derive(Debug)]
enum Reading {
    Held { list: TargetList, next: usize },
    File(Box<FileReading>),
}

#[derive(Debug)]
struct FileReading {
    lines: Lines<BufReader<File>>,
    name: Arc<str>,
    facts: FileFacts,
    position: usize,
    end: usize,
}

impl Listed {
    fn next(&mut self) -> Result<Option<TargetBuf>, ListError> {
        loop {
            let reading = match &mut self.current {
                Some(reading) => reading,
                None => match self.segments.pop_front() {
                    None => return Ok(None),
                    Some(segment) => {
                        let reading = Reading::start(segment, self.options.clone())?;
                        self.current.insert(reading)
                    }
                },
            };
            let entry = match reading {
                Reading::Held { list, next } => {
                    let entry = (*next < list.len()).then(|| list.get(*next));
                    *next += 1;
                    entry
                }
                Reading::File(file) => file.next(self.shard)?,
            };
            match entry {
                None => self.current = None,
                Some(entry) if self.shard.is_none_or(|s| s.holds(entry.position)) => {
                    return Ok(Some(entry))
                }
                Some(_) => {}
            }
        }
    }
}

impl Reading {
    fn start(segment: Segment, options: Syntax) -> Result<Reading, ListError> {
        let listed = match segment {
            Segment::Held(list) => return Ok(Reading::Held { list, next: 0 }),
            Segment::File(listed) => listed,
        };
        let unreadable = |source| ListError::Unreadable {
            name: listed.name.to_string(),
            source,
        };
        let mut file = listed.file.try_clone().map_err(unreadable)?;
        file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
        let reading = FileReading {
            lines: Lines::new(BufReader::new(file), options),
            name: listed.name,
            facts: listed.facts,
            position: listed.first_position,
            end: listed.first_position + listed.urls,
        };
        reading.check_facts()?;
        Ok(Reading::File(Box::new(reading)))
    }
}

impl FileReading {
    /// The next entry of `shard` (of every line without one). The lines of
    /// other shards are checked as the first reading checked them, not parsed
    /// into URLs: a list shared by N machines costs each about its share.
    fn next(&mut self, shard: Option<Shard>) -> Result<Option<TargetBuf>, ListError> {
        while shard.is_some_and(|shard| !shard.holds(self.position)) {
            let next = self.lines.next_checked();
            if self.still_a_url(next)?.is_none() {
                return self.ended();
            }
            self.count()?;
        }
        let next = self.lines.next_entry();
        let Some((line, entry)) = self.still_a_url(next)? else {
            return self.ended();
        };
        let position = self.position;
        self.count()?;
        Ok(Some(
            TargetBuf::new(Ok(entry.url), Some(Arc::clone(&self.name)), line, position)
                .with_options(entry.options),
        ))
    }

    /// Counts one more URL, which must be one the first reading counted.
    fn count(&mut self) -> Result<(), ListError> {
        if self.position == self.end {
            return Err(self.changed("it has more URLs than it had"));
        }
        self.position += 1;
        Ok(())
    }

    /// A line as either reading gives it (checked or parsed), held to what the
    /// first reading found: `None` at the file's end, an error if the file cannot
    /// be read or the line is no longer a URL.
    fn still_a_url<U>(
        &self,
        next: io::Result<Option<(usize, Result<U, Bad>)>>,
    ) -> Result<Option<(usize, U)>, ListError> {
        let Some((line, read)) = next.map_err(|source| self.unreadable(source))? else {
            return Ok(None);
        };
        match read {
            Ok(read) => Ok(Some((line, read))),
            Err(_) => Err(self.changed(&format!("line {line} is no longer a URL"))),
        }
    }

    /// The file's end: it must come after as many URLs as the first reading saw.
    fn ended(&self) -> Result<Option<TargetBuf>, ListError> {
        if self.position != self.end {
            return Err(self.changed("it now ends before its last URL"));
        }
        self.check_facts()?;
        Ok(None)
    }

    fn unreadable(&self, source: io::Error) -> ListError {
        ListError::Unreadable {
            name: self.name.to_string(),
            source,
        }
    }

    fn check_facts(&self) -> Result<(), ListError> {
        let now = FileFacts::of(self.lines.get_ref().get_ref())
            .map_err(|source| self.unreadable(source))?;
        if now.len != self.facts.len {
            let what = format!("it was {} bytes and is now {}", self.facts.len, now.len);
            return Err(self.changed(&what));
        }
        if now.modified != self.facts.modified {
            return Err(self.changed("it was written to"));
        }
        Ok(())
    }

    fn changed(&self, what: &str) -> ListError {
        ListError::Changed {
            name: self.name.to_string(),
            what: what.to_string(),
        }
    }
}
