//! `--stream`: lists are read on a thread of their own as lines arrive, and
//! each entry goes to the engine at once. Nothing is checked ahead, so a bad
//! line travels as an entry too and gets a failed record in its place.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::lines::{Lines, Syntax};
use super::{Feed, ListError, TargetBuf, TargetList};
use crate::shard::Shard;

/// Entries read but not yet taken by the engine: enough to keep it busy, few
/// enough that a fast producer cannot fill memory (it waits instead).
const READ_AHEAD: usize = 1024;

/// A list opened for `--stream`: its name, and a reader (`None` for stdin).
pub(super) struct OpenedList {
    pub name: Arc<str>,
    pub file: Option<File>,
}

/// Starts reading `arguments` then `lists`, in order, and returns the feed
/// their entries arrive on.
pub(super) fn start(
    arguments: TargetList,
    lists: Vec<OpenedList>,
    shard: Option<Shard>,
    options: Syntax,
) -> Feed {
    let (sender, receiver) = mpsc::channel(READ_AHEAD);
    let reader = Reader {
        sender,
        shard,
        position: 0,
        options,
    };
    // A plain thread, not the runtime's blocking pool: a producer that never
    // closes its end (`tail -f`) must not keep the runtime from shutting down.
    std::thread::spawn(move || reader.run(arguments, lists));
    Feed::streamed(receiver)
}

struct Reader {
    sender: mpsc::Sender<Result<TargetBuf, ListError>>,
    shard: Option<Shard>,
    position: usize,
    options: Syntax,
}

impl Reader {
    fn run(mut self, arguments: TargetList, lists: Vec<OpenedList>) {
        for index in 0..arguments.len() {
            let entry = arguments.get(index);
            self.position = entry.position() + 1;
            if !self.send(entry) {
                return;
            }
        }
        for list in lists {
            let finished = match list.file {
                None => self.read(io::stdin().lock(), list.name),
                Some(file) => self.read(BufReader::new(file), list.name),
            };
            if !finished {
                return;
            }
        }
    }

    /// Sends every entry of one list. Returns false if the run is over.
    fn read(&mut self, reader: impl BufRead, name: Arc<str>) -> bool {
        let mut lines = Lines::new(reader, self.options.clone());
        loop {
            // Another shard's line is only counted: checked, as the other shard's
            // reading does, but not parsed into a URL nobody here fetches.
            let theirs = self.shard.is_some_and(|shard| !shard.holds(self.position));
            let next = if theirs {
                lines
                    .next_checked()
                    .map(|next| next.map(|(line, _)| (line, None)))
            } else {
                lines
                    .next_entry()
                    .map(|next| next.map(|(line, entry)| (line, Some(entry))))
            };
            let (line, entry) = match next {
                Ok(Some((_, None))) => {
                    self.position += 1;
                    continue;
                }
                Ok(Some((line, Some(entry)))) => (line, entry),
                Ok(None) => return true,
                Err(source) => {
                    let error = ListError::Unreadable {
                        name: name.to_string(),
                        source,
                    };
                    let _ = self.sender.blocking_send(Err(error));
                    return false;
                }
            };
            let (url, options) = match entry {
                Ok(entry) => (Ok(entry.url), entry.options),
                Err(bad) => (Err(bad), None),
            };
            let entry = TargetBuf::new(url, Some(Arc::clone(&name)), line, self.position)
                .with_options(options);
            self.position += 1;
            if !self.send(entry) {
                return false;
            }
        }
    }

    /// Sends one entry if it is in this run's shard. Returns false if the run is over.
    fn send(&self, entry: TargetBuf) -> bool {
        if self
            .shard
            .is_some_and(|shard| !shard.holds(entry.position()))
        {
            return true;
        }
        self.sender.blocking_send(Ok(entry)).is_ok()
    }
}
