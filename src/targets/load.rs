//! The first look at the input: every argument and list line is checked before
//! anything is fetched (a bad one anywhere is exit 2), URLs are counted, and a
//! [`Feed`] is set up to hand them to the engine. List files are read again by
//! the feed rather than held; stdin and pipes, which cannot be read twice, are
//! held compactly. With `--stream`, nothing is read ahead: see [`super::stream`].

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use url::Url;

use super::feed::{FileFacts, ListedFile, Segment};
use super::lines::{resolve, Lines, Syntax};
use super::stream::OpenedList;
use super::{Bad, Feed, Origin, TargetList};
use crate::error::{BadLine, BadLines, UsageError};
use crate::shard::Shard;

/// Where the URLs come from, as the command line said.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// URLs given as arguments, first in the run.
    pub urls: Vec<String>,
    /// List files (`-` for stdin), in order.
    pub lists: Vec<PathBuf>,
    /// stdin is a terminal, so it is not read unless named with `-i -`.
    pub stdin_is_terminal: bool,
    /// Only this shard of the list.
    pub shard: Option<Shard>,
    /// Read lists as lines arrive (`--stream`) instead of checking them whole first.
    pub stream: bool,
    /// How list lines are read beyond their URL: options, and `--base`.
    pub syntax: Syntax,
    /// The sitemaps named with `--sitemap`, as given.
    pub sitemaps: Vec<String>,
    /// What those sitemaps list, once read (before [`load`]).
    pub sitemap_pages: Vec<SitemapPages>,
}

/// The pages one sitemap lists: its name as records show it, and each `<loc>`
/// with its line.
#[derive(Debug, Clone)]
pub struct SitemapPages {
    /// The sitemap's path or URL.
    pub name: Arc<str>,
    /// Each page's URL as written, and its 1-based line.
    pub locs: Vec<(String, usize)>,
}

/// The checked input, ready to feed the engine, and what is worth a warning about it.
#[derive(Debug)]
pub struct Loaded {
    /// The URLs of this run, in input order.
    pub feed: Feed,
    /// Problems that do not stop the run.
    pub warnings: Vec<String>,
}

/// Checks every URL the input names and sets up the feed; any bad entry, an
/// unreadable list or an empty input is a usage error, reported before anything
/// is fetched. With `--stream`, only the arguments are checked first.
pub fn load(input: &Input) -> Result<Loaded, UsageError> {
    let mut lists: Vec<ListSource> = input
        .lists
        .iter()
        .map(|p| ListSource::from_arg(p))
        .collect();
    if input.urls.is_empty() && lists.is_empty() && input.sitemaps.is_empty() {
        if input.stdin_is_terminal {
            return Err(UsageError::Invalid(
                "no URLs given: pass URLs as arguments, a list with -i FILE, or pipe a list on stdin"
                    .to_string(),
            ));
        }
        lists.push(ListSource::Stdin);
    }
    let mut bad = BadLines::default();
    let arguments = collect_arguments(&input.urls, input.syntax.base.as_ref(), &mut bad);
    if input.stream {
        if !bad.is_empty() {
            return Err(UsageError::BadInput(bad));
        }
        let opened = lists
            .into_iter()
            .map(open_for_stream)
            .collect::<Result<_, _>>()?;
        let feed = super::stream::start(arguments, opened, input.shard, input.syntax.clone());
        return Ok(Loaded {
            feed,
            warnings: Vec::new(),
        });
    }
    let mut segments = vec![Segment::Held(arguments)];
    let mut position = input.urls.len();
    for sitemap in &input.sitemap_pages {
        segments.push(Segment::Held(collect_sitemap(
            sitemap,
            &input.syntax,
            &mut position,
            &mut bad,
        )));
    }
    for list in &lists {
        let segment = scan(list, &input.syntax, &mut position, &mut bad)
            .map_err(|err| list.unreadable(err))?;
        segments.push(segment);
    }
    if !bad.is_empty() {
        return Err(UsageError::BadInput(bad));
    }
    if position == 0 && lists.is_empty() && !input.sitemap_pages.is_empty() {
        let names: Vec<&str> = input.sitemap_pages.iter().map(|s| &*s.name).collect();
        return Err(UsageError::Empty(format!(
            "{} listed no page",
            names.join(", ")
        )));
    }
    if position == 0 {
        let names: Vec<String> = lists.iter().map(ListSource::shown).collect();
        return Err(UsageError::Empty(format!(
            "{} held no URL (only blank or # comment lines)",
            names.join(", ")
        )));
    }
    let mut warnings = Vec::new();
    let mut total = position;
    if let Some(shard) = input.shard {
        for segment in &mut segments {
            if let Segment::Held(held) = segment {
                held.retain_positions(|position| shard.holds(position));
            }
        }
        total = held_by(shard, position);
        if total == 0 {
            warnings.push(format!("shard {shard} holds none of the {position} URLs"));
        }
    }
    Ok(Loaded {
        feed: Feed::listed(segments, total, input.shard, input.syntax.clone()),
        warnings,
    })
}

/// How many of the positions 0..count `shard` holds.
fn held_by(shard: Shard, count: usize) -> usize {
    (count + shard.count - shard.number) / shard.count
}

/// The arguments, checked; each bad one goes to `bad`.
fn collect_arguments(args: &[String], base: Option<&Url>, bad: &mut BadLines) -> TargetList {
    let mut targets = TargetList::new(None);
    for (index, arg) in args.iter().enumerate() {
        let pushed =
            resolve(arg.trim(), base).and_then(|url| targets.push(&url, None, index + 1, index));
        if let Err(reason) = pushed {
            bad.push(Bad::quoting(arg, reason).at(&Origin::Argument(index + 1)));
        }
    }
    targets.shrink_to_fit();
    targets
}

/// Reads one list through, checking every line. A regular file is only counted,
/// to be read again by the feed; stdin and pipes are held.
fn scan(
    list: &ListSource,
    options: &Syntax,
    position: &mut usize,
    bad: &mut BadLines,
) -> io::Result<Segment> {
    let name: Arc<str> = list.name().into();
    let ListSource::File(path) = list else {
        let lines = Lines::new(io::stdin().lock(), options.clone());
        return read_list(lines, name, position, bad).map(Segment::Held);
    };
    let file = File::open(path)?;
    let facts = FileFacts::of(&file)?;
    if !facts.is_regular() {
        let lines = Lines::new(BufReader::new(file), options.clone());
        return read_list(lines, name, position, bad).map(Segment::Held);
    }
    let first_position = *position;
    let mut lines = Lines::new(BufReader::new(&file), options.clone());
    while let Some((line, checked)) = lines.next_checked()? {
        match checked {
            Ok(()) => *position += 1,
            Err(reason) => bad.push(reason.at(&Origin::Line { list: &name, line })),
        }
    }
    Ok(Segment::File(ListedFile {
        file,
        name,
        facts,
        first_position,
        urls: *position - first_position,
    }))
}

/// Reads one list named `name` into memory: each URL goes to the returned list,
/// numbered on from `position`, each bad line to `bad`.
pub fn read_list(
    mut lines: Lines<impl BufRead>,
    name: Arc<str>,
    position: &mut usize,
    bad: &mut BadLines,
) -> io::Result<TargetList> {
    let mut held = TargetList::new(Some(Arc::clone(&name)));
    while let Some((line, entry)) = lines.next_entry()? {
        let pushed = entry.and_then(|listed| {
            held.push(&listed.url, listed.options, line, *position)
                .map_err(|reason| Bad {
                    text: listed.url.to_string(),
                    reason,
                })
        });
        match pushed {
            Ok(()) => *position += 1,
            Err(reason) => bad.push(reason.at(&Origin::Line { list: &name, line })),
        }
    }
    held.shrink_to_fit();
    Ok(held)
}

/// A sitemap's pages, checked as list lines are (a path resolves against `--base`).
fn collect_sitemap(
    sitemap: &SitemapPages,
    syntax: &Syntax,
    position: &mut usize,
    bad: &mut BadLines,
) -> TargetList {
    let mut held = TargetList::new(Some(Arc::clone(&sitemap.name)));
    for (loc, line) in &sitemap.locs {
        let pushed = resolve(loc, syntax.base.as_ref())
            .and_then(|url| held.push(&url, None, *line, *position))
            .map_err(|reason| Bad::quoting(loc, reason));
        match pushed {
            Ok(()) => *position += 1,
            Err(reason) => bad.push(reason.at(&Origin::Line {
                list: &sitemap.name,
                line: *line,
            })),
        }
    }
    held.shrink_to_fit();
    held
}

/// A list named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSource {
    /// Standard input (`-`).
    Stdin,
    /// A file path.
    File(PathBuf),
}

impl ListSource {
    /// `-` means stdin; anything else is a path.
    pub fn from_arg(arg: &Path) -> ListSource {
        if arg == Path::new("-") {
            ListSource::Stdin
        } else {
            ListSource::File(arg.to_path_buf())
        }
    }

    fn name(&self) -> String {
        match self {
            ListSource::Stdin => "-".to_string(),
            ListSource::File(path) => path.display().to_string(),
        }
    }

    /// The usage error for a list that cannot be opened or read.
    fn unreadable(&self, err: io::Error) -> UsageError {
        UsageError::Invalid(format!(
            "cannot read the URL list {}: {err}; check the path given with -i",
            self.name()
        ))
    }

    /// The list as named in messages: `stdin`, or its path.
    fn shown(&self) -> String {
        match self {
            ListSource::Stdin => "stdin".to_string(),
            ListSource::File(path) => path.display().to_string(),
        }
    }
}

fn open_for_stream(list: ListSource) -> Result<OpenedList, UsageError> {
    let file = match &list {
        ListSource::Stdin => None,
        ListSource::File(path) => Some(File::open(path).map_err(|err| list.unreadable(err))?),
    };
    Ok(OpenedList {
        name: list.name().into(),
        file,
    })
}

impl Bad {
    /// This bad entry as an input error at `origin`.
    fn at(self, origin: &Origin<'_>) -> BadLine {
        BadLine {
            place: origin.to_string(),
            text: self.text,
            reason: self.reason,
        }
    }
}

#[cfg(test)]
mod tests;
