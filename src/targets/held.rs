//! URLs held in memory, compactly: the ones given as arguments, and a list read
//! from stdin without `--stream`, which cannot be read a second time.

use std::sync::Arc;

use url::Url;

use super::{Bad, TargetBuf};
use crate::rules::LineOptions;

/// Bookkeeping bytes per held URL, besides the URL's own text.
pub const BYTES_PER_URL: usize = std::mem::size_of::<Entry>();

/// What a [`TargetList`] keeps per URL besides its text.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    len: u32,
    line: u32,
    position: u32,
}

// The documented memory cost per held URL depends on this staying small.
const _: () = assert!(BYTES_PER_URL <= 16);

/// Validated URLs of one source, their text back to back in one buffer plus
/// [`BYTES_PER_URL`] bytes each.
#[derive(Debug, Default)]
pub struct TargetList {
    /// The list's name, or `None` for the command-line arguments.
    list: Option<Arc<str>>,
    text: String,
    entries: Vec<Entry>,
    /// The options of the few lines that give any, by input position, in order.
    options: Vec<(u32, Arc<LineOptions>)>,
}

impl TargetList {
    /// An empty list of the URLs of `list` (`None` for arguments).
    pub fn new(list: Option<Arc<str>>) -> TargetList {
        TargetList {
            list,
            ..TargetList::default()
        }
    }

    /// How many URLs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The URL at `index`, parsed again from its normalized text.
    pub fn get(&self, index: usize) -> TargetBuf {
        let entry = self.entries[index];
        let start = entry.start as usize;
        let text = &self.text[start..start + entry.len as usize];
        // The text was written by the url crate from a parsed URL, so it parses.
        let parsed = Url::parse(text).map_err(|err| Bad {
            text: text.to_string(),
            reason: format!("not a URL: {err}"),
        });
        let options = self
            .options
            .binary_search_by_key(&entry.position, |(position, _)| *position)
            .ok()
            .map(|found| Arc::clone(&self.options[found].1));
        TargetBuf::new(
            parsed,
            self.list.clone(),
            entry.line as usize,
            entry.position as usize,
        )
        .with_options(options)
    }

    /// Every URL, in order, each parsed again.
    pub fn iter(&self) -> impl Iterator<Item = TargetBuf> + '_ {
        (0..self.len()).map(|index| self.get(index))
    }

    /// Appends a validated URL at 1-based `line`, the `position`th of the input.
    pub(crate) fn push(
        &mut self,
        url: &Url,
        options: Option<Arc<LineOptions>>,
        line: usize,
        position: usize,
    ) -> Result<(), String> {
        let too_many = || {
            "the input is too large to hold: more than 4 GiB of URLs or 4 billion lines; \
             give it as a file with -i, which is not held in memory"
                .to_string()
        };
        let start = u32::try_from(self.text.len()).map_err(|_| too_many())?;
        let len = u32::try_from(url.as_str().len()).map_err(|_| too_many())?;
        let line = u32::try_from(line).map_err(|_| too_many())?;
        let position = u32::try_from(position).map_err(|_| too_many())?;
        self.text.push_str(url.as_str());
        if let Some(options) = options {
            self.options.push((position, options));
        }
        self.entries.push(Entry {
            start,
            len,
            line,
            position,
        });
        Ok(())
    }

    /// Keeps only the URLs whose 0-based input position passes `keep`.
    pub(crate) fn retain_positions(&mut self, keep: impl Fn(usize) -> bool) {
        self.entries.retain(|entry| keep(entry.position as usize));
    }

    /// Gives back the growth slack once the list is complete.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.options.shrink_to_fit();
    }
}
