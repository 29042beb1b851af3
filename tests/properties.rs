//! Properties of the engine over random delays and failures, through the binary:
//! output order is input order, isolation reports every line once, and fail-fast
//! output is a prefix of the isolated output.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use support::{gather, json_lines, server, urls};

/// One URL of a generated list: how long it takes and whether it fails.
#[derive(Debug, Clone)]
struct Page {
    delay_ms: u64,
    fails: bool,
}

fn pages() -> impl Strategy<Value = Vec<Page>> {
    let page = (0u64..40, proptest::bool::weighted(0.2))
        .prop_map(|(delay_ms, fails)| Page { delay_ms, fails });
    proptest::collection::vec(page, 1..24)
}

/// A fresh list for each case, so server logs and URLs never collide.
fn list_for(pages: &[Page]) -> Vec<String> {
    static CASE: AtomicUsize = AtomicUsize::new(0);
    let case = CASE.fetch_add(1, Ordering::Relaxed);
    let s = server();
    pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let code = if page.fails { 500 } else { 200 };
            s.url(&format!("/after/{}/{code}/p{case}-{i}", page.delay_ms))
        })
        .collect()
}

/// The comparable content of each record: url, ok, status, text.
fn summary(stdout: &[u8]) -> Vec<(String, bool, Option<u64>, Option<String>)> {
    json_lines(stdout)
        .into_iter()
        .map(|r| {
            (
                r["url"].as_str().unwrap_or_default().to_string(),
                r["ok"].as_bool().unwrap_or(false),
                r["status"].as_u64(),
                r["text"].as_str().map(str::to_string),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn isolate_writes_every_line_once_in_input_order(pages in pages(), j in 1usize..8) {
        let list = list_for(&pages);
        let output = gather().args(["-k", "-q", "--format", "jsonl", "-j", &j.to_string()]).args(&list).output().unwrap();
        let records = json_lines(&output.stdout);
        prop_assert_eq!(urls(&records), list);
        for (record, page) in records.iter().zip(&pages) {
            prop_assert_eq!(record["ok"].as_bool(), Some(!page.fails));
        }
        let any_failed = pages.iter().any(|p| p.fails);
        prop_assert_eq!(output.status.code(), Some(if any_failed { 1 } else { 0 }));
    }

    #[test]
    fn fail_fast_output_is_a_prefix_of_isolate_output(pages in pages(), j in 1usize..8) {
        let list = list_for(&pages);
        let jobs = j.to_string();
        let isolated = gather().args(["-k", "-q", "--format", "jsonl", "-j", &jobs]).args(&list).output().unwrap();
        let fail_fast = gather().args(["-q", "--format", "jsonl", "-j", &jobs]).args(&list).output().unwrap();
        let all = summary(&isolated.stdout);
        let prefix = summary(&fail_fast.stdout);
        prop_assert!(prefix.len() <= all.len());
        prop_assert_eq!(&all[..prefix.len()], &prefix[..]);
        // Fail-fast stops at its first failure: nothing after a failed record.
        if let Some(first_failed) = prefix.iter().position(|r| !r.1) {
            prop_assert_eq!(first_failed, prefix.len() - 1);
        }
        let any_failed = pages.iter().any(|p| p.fails);
        prop_assert_eq!(fail_fast.status.code(), Some(if any_failed { 1 } else { 0 }));
        if !any_failed {
            prop_assert_eq!(prefix.len(), all.len());
        }
    }
}
