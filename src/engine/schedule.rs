//! Which URL to start next: in input order, within the concurrency, the reorder
//! window, and the per-host limit.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use super::Window;

/// Decides launch order. URLs whose host is at its `--per-host` limit wait in a
/// queue of their own, so they never hold a slot another host could use.
pub struct Scheduler {
    per_host: Option<usize>,
    next_new: usize,
    in_flight_by_host: HashMap<Box<str>, usize>,
    waiting_by_host: HashMap<Box<str>, VecDeque<usize>>,
    /// Waiting URLs whose host has room again, smallest index first.
    ready: BinaryHeap<Reverse<usize>>,
}

impl Scheduler {
    /// A scheduler with an optional per-host limit.
    pub fn new(per_host: Option<usize>) -> Scheduler {
        Scheduler {
            per_host,
            next_new: 0,
            in_flight_by_host: HashMap::new(),
            waiting_by_host: HashMap::new(),
            ready: BinaryHeap::new(),
        }
    }

    /// The next index to start, or `None` if nothing may start now. `until` is
    /// the first index that may not start yet (the reorder window, or what has
    /// been read); `window` holds the entries.
    pub fn next(&mut self, until: usize, window: &Window) -> Option<usize> {
        // A URL released from its host's queue was counted as in flight on release.
        if let Some(Reverse(index)) = self.ready.pop() {
            return Some(index);
        }
        while self.next_new < until {
            let index = self.next_new;
            self.next_new += 1;
            let Some(limit) = self.per_host else {
                return Some(index);
            };
            let host = window.get(index).view().host();
            if !self.in_flight_by_host.contains_key(host) {
                self.in_flight_by_host.insert(host.into(), 0);
            }
            let in_flight = self.in_flight_by_host.get_mut(host)?;
            if *in_flight < limit {
                *in_flight += 1;
                return Some(index);
            }
            self.waiting_by_host
                .entry(host.into())
                .or_default()
                .push_back(index);
        }
        None
    }

    /// Records that `index` finished, making room for its host's next URL.
    pub fn finished(&mut self, index: usize, window: &Window) {
        if self.per_host.is_none() {
            return;
        }
        let host = window.get(index).view().host();
        let next = self
            .waiting_by_host
            .get_mut(host)
            .and_then(VecDeque::pop_front);
        match next {
            // The slot passes straight to the host's next URL: the count stays.
            Some(next) => self.ready.push(Reverse(next)),
            None => {
                let Some(in_flight) = self.in_flight_by_host.get_mut(host) else {
                    return;
                };
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

    fn window(urls: &[&str]) -> Window {
        let mut window = Window::new(crate::targets::feed_of(urls));
        window.fill(urls.len()).unwrap();
        window
    }

    #[test]
    fn without_a_host_limit_urls_start_in_order_within_the_window() {
        let list = window(&[
            "http://a.example/1",
            "http://a.example/2",
            "http://a.example/3",
        ]);
        let mut scheduler = Scheduler::new(None);
        assert_eq!(scheduler.next(2.min(list.end()), &list), Some(0));
        assert_eq!(scheduler.next(2.min(list.end()), &list), Some(1));
        assert_eq!(scheduler.next(2.min(list.end()), &list), None);
        assert_eq!(scheduler.next(3.min(list.end()), &list), Some(2));
        assert_eq!(scheduler.next(3.min(list.end()), &list), None);
    }

    #[test]
    fn a_busy_host_waits_without_blocking_other_hosts() {
        let list = window(&[
            "http://a.example/1",
            "http://a.example/2",
            "http://b.example/1",
            "http://a.example/3",
            "http://b.example/2",
        ]);
        let mut scheduler = Scheduler::new(Some(1));
        assert_eq!(scheduler.next(10.min(list.end()), &list), Some(0));
        assert_eq!(
            scheduler.next(10.min(list.end()), &list),
            Some(2),
            "b goes ahead while a is busy"
        );
        assert_eq!(
            scheduler.next(10.min(list.end()), &list),
            None,
            "both hosts are at their limit"
        );
        scheduler.finished(0, &list);
        assert_eq!(
            scheduler.next(10.min(list.end()), &list),
            Some(1),
            "a's next URL takes its slot"
        );
        scheduler.finished(2, &list);
        assert_eq!(scheduler.next(10.min(list.end()), &list), Some(4));
        scheduler.finished(1, &list);
        assert_eq!(scheduler.next(10.min(list.end()), &list), Some(3));
        scheduler.finished(3, &list);
        scheduler.finished(4, &list);
        assert_eq!(scheduler.next(10.min(list.end()), &list), None);
        assert!(scheduler.in_flight_by_host.is_empty() && scheduler.waiting_by_host.is_empty());
    }
}
