//! Which URL to start next: in input order, within the concurrency, the reorder
//! window, and the per-host limit.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use crate::targets::TargetList;

/// Decides launch order. URLs whose host is at its `--per-host` limit wait in a
/// queue of their own, so they never hold a slot another host could use.
pub struct Scheduler<'a> {
    targets: &'a TargetList,
    per_host: Option<usize>,
    next_new: usize,
    in_flight_by_host: HashMap<&'a str, usize>,
    waiting_by_host: HashMap<&'a str, VecDeque<usize>>,
    /// Waiting URLs whose host has room again, smallest index first.
    ready: BinaryHeap<Reverse<usize>>,
}

impl<'a> Scheduler<'a> {
    /// A scheduler over `targets`, with an optional per-host limit.
    pub fn new(targets: &'a TargetList, per_host: Option<usize>) -> Scheduler<'a> {
        Scheduler {
            targets,
            per_host,
            next_new: 0,
            in_flight_by_host: HashMap::new(),
            waiting_by_host: HashMap::new(),
            ready: BinaryHeap::new(),
        }
    }

    /// The next index to start, or `None` if nothing may start now. `window_end`
    /// is the first index the reorder window does not yet allow.
    pub fn next(&mut self, window_end: usize) -> Option<usize> {
        // A URL released from its host's queue was counted as in flight on release.
        if let Some(Reverse(index)) = self.ready.pop() {
            return Some(index);
        }
        while self.next_new < self.targets.len() && self.next_new < window_end {
            let index = self.next_new;
            self.next_new += 1;
            let Some(limit) = self.per_host else {
                return Some(index);
            };
            let host = self.targets.get(index).host();
            let in_flight = self.in_flight_by_host.entry(host).or_default();
            if *in_flight < limit {
                *in_flight += 1;
                return Some(index);
            }
            self.waiting_by_host
                .entry(host)
                .or_default()
                .push_back(index);
        }
        None
    }

    /// Records that `index` finished, making room for its host's next URL.
    pub fn finished(&mut self, index: usize) {
        if self.per_host.is_none() {
            return;
        }
        let host = self.targets.get(index).host();
        let next = self
            .waiting_by_host
            .get_mut(host)
            .and_then(VecDeque::pop_front);
        match next {
            // The slot passes straight to the host's next URL: the count stays.
            Some(next) => self.ready.push(Reverse(next)),
            None => {
                let in_flight = self.in_flight_by_host.entry(host).or_default();
                *in_flight = in_flight.saturating_sub(1);
                if *in_flight == 0 {
                    // Forget idle hosts, so the maps do not grow with the list.
                    self.in_flight_by_host.remove(host);
                    self.waiting_by_host.remove(host);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(urls: &[&str]) -> TargetList {
        crate::targets::list_of(urls)
    }

    #[test]
    fn without_a_host_limit_urls_start_in_order_within_the_window() {
        let list = targets(&[
            "http://a.example/1",
            "http://a.example/2",
            "http://a.example/3",
        ]);
        let mut scheduler = Scheduler::new(&list, None);
        assert_eq!(scheduler.next(2), Some(0));
        assert_eq!(scheduler.next(2), Some(1));
        assert_eq!(scheduler.next(2), None);
        assert_eq!(scheduler.next(3), Some(2));
        assert_eq!(scheduler.next(3), None);
    }

    #[test]
    fn a_busy_host_waits_without_blocking_other_hosts() {
        let list = targets(&[
            "http://a.example/1",
            "http://a.example/2",
            "http://b.example/1",
            "http://a.example/3",
            "http://b.example/2",
        ]);
        let mut scheduler = Scheduler::new(&list, Some(1));
        assert_eq!(scheduler.next(10), Some(0));
        assert_eq!(scheduler.next(10), Some(2), "b goes ahead while a is busy");
        assert_eq!(scheduler.next(10), None, "both hosts are at their limit");
        scheduler.finished(0);
        assert_eq!(scheduler.next(10), Some(1), "a's next URL takes its slot");
        scheduler.finished(2);
        assert_eq!(scheduler.next(10), Some(4));
        scheduler.finished(1);
        assert_eq!(scheduler.next(10), Some(3));
        scheduler.finished(3);
        scheduler.finished(4);
        assert_eq!(scheduler.next(10), None);
        assert!(scheduler.in_flight_by_host.is_empty() && scheduler.waiting_by_host.is_empty());
    }
}
