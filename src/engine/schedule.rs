//! Which URL to start next: in input order, within the concurrency, the reorder
//! window, the per-host limit, and one request at a time to an https server
//! whose protocol is not yet known.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use super::Window;

/// Decides launch order. URLs whose host is at its `--per-host` limit wait in a
/// queue of their own, so they never hold a slot another host could use.
///
/// The first request to an https origin goes alone (unless `--parallel-immediate`):
/// until its connection is up, nobody knows whether the server speaks HTTP/2 and
/// can carry every request on it, and the connection pool would otherwise open one
/// connection per request, with a TLS handshake each, and keep only one. Once the
/// first request is done, the origin's other URLs go: multiplexed on it (HTTP/2),
/// or on further connections (HTTP/1.1). curl waits the same way by default.
pub struct Scheduler {
    per_host: Option<usize>,
    probe_new_origins: bool,
    next_new: usize,
    in_flight_by_host: HashMap<Box<str>, usize>,
    waiting_by_host: HashMap<Box<str>, VecDeque<usize>>,
    /// Waiting URLs whose host has room again, smallest index first.
    ready: BinaryHeap<Reverse<usize>>,
    /// https origins with a request in flight, by [`Window::origin_key`].
    origins: HashMap<u64, OriginState>,
    /// URLs whose origin's first request is done, still to pass the host limit.
    released: BinaryHeap<Reverse<usize>>,
}

/// What the scheduler knows of an https origin with requests in flight.
#[derive(Default)]
struct OriginState {
    /// Its first request is still in flight; `waiting` wait for it.
    probing: bool,
    in_flight: usize,
    waiting: Vec<usize>,
}

impl Scheduler {
    /// A scheduler with an optional per-host limit; with `probe_new_origins`, a
    /// new https origin's first request goes alone.
    pub fn new(per_host: Option<usize>, probe_new_origins: bool) -> Scheduler {
        Scheduler {
            per_host,
            probe_new_origins,
            next_new: 0,
            in_flight_by_host: HashMap::new(),
            waiting_by_host: HashMap::new(),
            ready: BinaryHeap::new(),
            origins: HashMap::new(),
            released: BinaryHeap::new(),
        }
    }

    /// The origin `index` goes to, if its first request must go alone.
    fn probed_origin(&self, index: usize, window: &Window) -> Option<u64> {
        let https = window.get(index).view().url.starts_with("https://");
        (self.probe_new_origins && https)
            .then(|| window.origin_key(index))
            .flatten()
    }

    /// The next URL past the origin gate: a released one, else the next new one
    /// that may go now. `None` when nothing may.
    fn next_past_origin_gate(&mut self, until: usize, window: &Window) -> Option<usize> {
        if let Some(Reverse(index)) = self.released.pop() {
            return Some(index);
        }
        while self.next_new < until {
            let index = self.next_new;
            self.next_new += 1;
            let Some(key) = self.probed_origin(index, window) else {
                return Some(index);
            };
            let origin = self.origins.entry(key).or_insert_with(|| OriginState {
                probing: true,
                ..OriginState::default()
            });
            if origin.probing && origin.in_flight > 0 {
                origin.waiting.push(index);
                continue;
            }
            origin.in_flight += 1;
            return Some(index);
        }
        None
    }

    /// The next index to start, or `None` if nothing may start now. `until` is
    /// the first index that may not start yet (the reorder window, or what has
    /// been read); `window` holds the entries.
    pub fn next(&mut self, until: usize, window: &Window) -> Option<usize> {
        // A URL released from its host's queue was counted as in flight on release.
        if let Some(Reverse(index)) = self.ready.pop() {
            return Some(index);
        }
        while let Some(index) = self.next_past_origin_gate(until, window) {
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

    /// The first request to origin `key` has its connection (or is done): the
    /// origin's other URLs may go.
    pub fn connected(&mut self, key: u64) {
        if let Some(origin) = self.origins.get_mut(&key) {
            if origin.probing {
                origin.probing = false;
                origin.in_flight += origin.waiting.len();
                self.released.extend(origin.waiting.drain(..).map(Reverse));
            }
        }
    }

    /// The origin key of `index` if it is the first request to a new https
    /// origin, which should report its connection with [`Scheduler::connected`].
    pub fn probes(&self, index: usize, window: &Window) -> Option<u64> {
        let key = self.probed_origin(index, window)?;
        self.origins
            .get(&key)
            .filter(|origin| origin.probing)
            .map(|_| key)
    }

    /// Records that `index` finished, making room for its host's next URL, and
    /// letting its origin's other URLs go if it was the first.
    pub fn finished(&mut self, index: usize, window: &Window) {
        if let Some(key) = self.probed_origin(index, window) {
            self.connected(key);
            if let Some(origin) = self.origins.get_mut(&key) {
                origin.in_flight = origin.in_flight.saturating_sub(1);
                if origin.in_flight == 0 {
                    // Forget idle origins, so the map does not grow with the list.
                    self.origins.remove(&key);
                }
            }
        }
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
        let mut scheduler = Scheduler::new(None, false);
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
        let mut scheduler = Scheduler::new(Some(1), false);
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

    #[test]
    fn a_new_https_origin_gets_one_request_until_it_is_done() {
        let list = window(&[
            "https://a.example/1",
            "https://a.example/2",
            "http://a.example/3",
            "https://b.example/1",
            "https://a.example/4",
        ]);
        let mut scheduler = Scheduler::new(None, true);
        let mut started = Vec::new();
        while let Some(index) = scheduler.next(list.end(), &list) {
            started.push(index);
        }
        assert_eq!(started, [0, 2, 3], "one per https origin; http is not held");
        scheduler.finished(3, &list);
        assert_eq!(
            scheduler.next(list.end(), &list),
            None,
            "b had no one waiting"
        );
        scheduler.finished(0, &list);
        assert_eq!(scheduler.next(list.end(), &list), Some(1));
        assert_eq!(scheduler.next(list.end(), &list), Some(4));
        assert_eq!(scheduler.next(list.end(), &list), None);
        for index in [1, 2, 4] {
            scheduler.finished(index, &list);
        }
        assert!(scheduler.origins.is_empty(), "idle origins are forgotten");

        let mut immediate = Scheduler::new(None, false);
        let all: Vec<usize> = std::iter::from_fn(|| immediate.next(list.end(), &list)).collect();
        assert_eq!(all, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn urls_released_by_their_origin_still_keep_to_the_host_limit() {
        let list = window(&[
            "https://a.example/1",
            "https://a.example/2",
            "https://a.example/3",
        ]);
        let mut scheduler = Scheduler::new(Some(1), true);
        assert_eq!(scheduler.next(list.end(), &list), Some(0));
        assert_eq!(scheduler.next(list.end(), &list), None);
        scheduler.finished(0, &list);
        assert_eq!(scheduler.next(list.end(), &list), Some(1));
        assert_eq!(
            scheduler.next(list.end(), &list),
            None,
            "--per-host 1 holds 2"
        );
        scheduler.finished(1, &list);
        assert_eq!(scheduler.next(list.end(), &list), Some(2));
    }
}
