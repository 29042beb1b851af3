//! The first reading and the feed against list files in a temporary folder:
//! line numbers, bad lines, sharding, and a list that changes between the two
//! readings. Built only for tests: load.rs declares this module under #[cfg(test)].

use std::io::Write;

use super::*;
use crate::targets::lines::{MAX_LINE_BYTES, QUOTE_CHARS};
use crate::targets::{Next, TargetBuf};

fn parse(list: &[u8]) -> (Vec<TargetBuf>, Vec<BadLine>) {
    let mut bad = BadLines::default();
    let held = read_list(
        Lines::new(list, Syntax::default()),
        "list.txt".into(),
        &mut 0,
        &mut bad,
    )
    .unwrap();
    (held.iter().collect(), bad.shown().to_vec())
}

fn list_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

fn input(lists: &[&Path]) -> Input {
    Input {
        lists: lists.iter().map(|p| p.to_path_buf()).collect(),
        ..Input::default()
    }
}

/// Everything the feed hands out, as (url, position, origin).
fn drain(feed: &mut Feed) -> Result<Vec<(String, usize, String)>, crate::targets::ListError> {
    let mut got = Vec::new();
    loop {
        match feed.try_next()? {
            Next::Entry(entry) => {
                let view = entry.view();
                got.push((view.url.to_string(), view.position, view.origin.to_string()));
            }
            Next::Pending => panic!("a listed feed never waits"),
            Next::End => return Ok(got),
        }
    }
}

#[test]
fn skips_blanks_and_comments_and_keeps_line_numbers() {
    let (targets, bad) = parse(b"# header\n\n  https://a.example/  \r\nhttp://b.example/x\n");
    assert!(bad.is_empty());
    let got: Vec<_> = targets
        .iter()
        .map(|t| (t.view().url.to_string(), t.view().origin.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("https://a.example/".into(), "list.txt:3".into()),
            ("http://b.example/x".into(), "list.txt:4".into()),
        ]
    );
}

#[test]
fn keeps_duplicates_in_order() {
    let (targets, _) = parse(b"http://a.example/\nhttp://a.example/\n");
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[1].view().origin.line(), 2);
    assert_eq!(targets[1].position(), 1);
}

#[test]
fn reports_every_bad_line_with_its_place() {
    let (targets, bad) =
        parse(b"ftp://x.example/\nhttp://ok.example/\nexample.com\n\xff\xfe\nhttp://\n");
    assert_eq!(targets.len(), 1);
    let places: Vec<_> = bad.iter().map(|b| b.place.as_str()).collect();
    assert_eq!(
        places,
        ["list.txt:1", "list.txt:3", "list.txt:4", "list.txt:5"]
    );
    assert!(bad[0].reason.contains("unsupported scheme \"ftp\""));
    assert!(bad[1].reason.contains("https://example.com"));
    assert!(bad[2].reason.contains("UTF-8"));
    // A line that is not a bare host is not offered back with a scheme in front.
    let (_, bad) = parse(b"url = \"http://a.example/\"\n");
    assert_eq!(
        bad[0].reason,
        "not a URL: it does not start with http:// or https://"
    );
}

#[test]
fn a_bom_and_a_missing_final_newline_are_fine() {
    let (targets, bad) = parse(b"\xEF\xBB\xBFhttp://a.example/\nhttp://b.example/");
    assert!(bad.is_empty());
    assert_eq!(targets.len(), 2);
}

#[test]
fn an_overlong_line_is_rejected_without_reading_it_whole() {
    let mut list = b"http://a.example/".to_vec();
    list.extend(std::iter::repeat_n(b'a', MAX_LINE_BYTES * 2));
    list.extend_from_slice(b"\nhttp://b.example/\n");
    let (targets, bad) = parse(&list);
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].view().origin.line(), 2);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].reason.contains("longer than"));
    assert!(bad[0].text.chars().count() <= QUOTE_CHARS + 1);
}

#[test]
fn arguments_are_numbered_from_one() {
    let input = Input {
        urls: vec!["http://a.example/".into(), "nope".into()],
        ..Input::default()
    };
    let message = load(&input).unwrap_err().to_string();
    assert!(message.contains("argument 2"), "{message}");
    assert!(message.starts_with("1 bad entry"), "{message}");
}

#[test]
fn a_list_file_is_counted_then_read_again_in_order() {
    let first = list_file("http://a.example/1\n# note\nhttp://a.example/2\n");
    let second = list_file("http://b.example/3\n");
    let mut loaded = load(&Input {
        urls: vec!["http://arg.example/".into()],
        ..input(&[first.path(), second.path()])
    })
    .unwrap();
    assert_eq!(loaded.feed.total(), Some(4));
    let got = drain(&mut loaded.feed).unwrap();
    let urls: Vec<(&str, usize)> = got.iter().map(|(u, p, _)| (u.as_str(), *p)).collect();
    assert_eq!(
        urls,
        [
            ("http://arg.example/", 0),
            ("http://a.example/1", 1),
            ("http://a.example/2", 2),
            ("http://b.example/3", 3)
        ]
    );
    assert_eq!(got[2].2, format!("{}:3", first.path().display()));
}

#[test]
fn a_shard_takes_its_positions_from_files_and_arguments() {
    let list = list_file("http://a.example/1\nhttp://a.example/2\nhttp://a.example/3\n");
    let mut loaded = load(&Input {
        urls: vec!["http://a.example/0".into()],
        shard: Some("2/2".parse().unwrap()),
        ..input(&[list.path()])
    })
    .unwrap();
    assert_eq!(loaded.feed.total(), Some(2));
    let positions: Vec<usize> = drain(&mut loaded.feed)
        .unwrap()
        .iter()
        .map(|(_, p, _)| *p)
        .collect();
    assert_eq!(positions, [1, 3]);
    assert_eq!(held_by("1/3".parse().unwrap(), 7), 3);
    assert_eq!(held_by("3/3".parse().unwrap(), 7), 2);
}

/// Rewrites `path` with `text` and an old modification time, so a change
/// of the same length is seen too.
fn rewrite(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1);
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(old).unwrap();
}

#[test]
fn a_list_changed_after_its_check_is_an_error_not_another_list() {
    const LIST: &str = "http://a.example/1\nhttp://a.example/2\nhttp://a.example/3\n";
    for (changed, what) in [
        (
            "http://a.example/1\nhttp://a.example/2\n",
            "57 bytes and is now 38",
        ),
        (
            "http://a.example/1\nhttp://a.example/2\nhttp://a.example/9\n",
            "written to",
        ),
    ] {
        let list = list_file(LIST);
        let mut loaded = load(&input(&[list.path()])).unwrap();
        rewrite(list.path(), changed);
        let err = drain(&mut loaded.feed).unwrap_err().to_string();
        assert!(err.contains("changed while gather was reading it"), "{err}");
        assert!(err.contains(what), "{what}: {err}");
    }
    // A change while the second reading is under way is caught at its end.
    let list = list_file(LIST);
    let mut loaded = load(&input(&[list.path()])).unwrap();
    assert!(matches!(loaded.feed.try_next(), Ok(Next::Entry(_))));
    rewrite(list.path(), "http://a.example/1\n");
    let err = drain(&mut loaded.feed).unwrap_err().to_string();
    assert!(err.contains("changed while gather was reading it"), "{err}");
}

#[test]
fn an_unchanged_list_reads_the_same_twice() {
    let list = list_file("http://a.example/1\nhttp://a.example/2\n");
    let mut loaded = load(&input(&[list.path()])).unwrap();
    assert_eq!(drain(&mut loaded.feed).unwrap().len(), 2);
}

#[test]
fn lines_of_other_shards_are_only_checked_and_a_change_in_them_is_still_caught() {
    const LIST: &str = "http://a.example/1\nhttp://a.example/2\nhttp://a.example/3\n";
    let sharded = |list: &Path| Input {
        shard: Some("1/2".parse().unwrap()),
        ..input(&[list])
    };
    let list = list_file(LIST);
    let mut loaded = load(&sharded(list.path())).unwrap();
    let got: Vec<(String, usize)> = drain(&mut loaded.feed)
        .unwrap()
        .into_iter()
        .map(|(url, position, _)| (url, position))
        .collect();
    assert_eq!(
        got,
        [
            ("http://a.example/1".to_string(), 0),
            ("http://a.example/3".to_string(), 2)
        ]
    );
    // Line 2 belongs to the other shard. Rewritten to the same length and time,
    // only reading the line tells.
    let mut loaded = load(&sharded(list.path())).unwrap();
    let modified = std::fs::metadata(list.path()).unwrap().modified().unwrap();
    std::fs::write(
        list.path(),
        "http://a.example/1\nnot a url, at all!\nhttp://a.example/3\n",
    )
    .unwrap();
    let file = std::fs::File::options()
        .write(true)
        .open(list.path())
        .unwrap();
    file.set_modified(modified).unwrap();
    let err = drain(&mut loaded.feed).unwrap_err().to_string();
    assert!(err.contains("line 2 is no longer a URL"), "{err}");
}
