//! The simulated round trip: a relay in front of a host, on plain threads, so that
//! each chunk goes out within microseconds of when it is due. (A first version on
//! tokio's timers, which wake on whole milliseconds, added 2.7 ms a round trip.)
//!
//! The kernel finishes the client's TCP handshake at once, so bytes from the client
//! wait until one RTT after the accept (SYN, SYN-ACK) and then RTT/2 more, like every
//! later chunk in either direction. Closes are passed on after the same delay.
//! Nothing bounds what waits: the clients measured read what they are sent.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

const CHUNK_BYTES: usize = 16 * 1024;

/// Listens on a new port of 127.0.0.1 and relays every connection to `server` with
/// the round trip `rtt`; returns the port's address.
pub fn start(server: SocketAddr, rtt: Duration) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for client in listener.incoming() {
            let accepted = Instant::now();
            let Ok(client) = client else {
                continue;
            };
            let Ok(upstream) = TcpStream::connect(server) else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = upstream.set_nodelay(true);
            let (client, upstream) = (Arc::new(client), Arc::new(upstream));
            let half = rtt / 2;
            let (from, to) = (Arc::clone(&client), Arc::clone(&upstream));
            thread::spawn(move || forward(&from, to, half, accepted + rtt));
            thread::spawn(move || forward(&upstream, client, half, accepted));
        }
    });
    Ok(addr)
}

/// Reads `from` until it ends and hands each chunk to the pacer, due `delay` after
/// it was read (or after `not_sent_before`, if later).
fn forward(from: &TcpStream, to: Arc<TcpStream>, delay: Duration, not_sent_before: Instant) {
    let mut buf = vec![0u8; CHUNK_BYTES];
    let mut from = from;
    loop {
        // A reset ends the direction like a close does.
        let read = from.read(&mut buf).unwrap_or(0);
        let sent = Instant::now().max(not_sent_before);
        let chunk = (read > 0).then(|| buf[..read].to_vec());
        pacer().push(sent + delay, Arc::clone(&to), chunk);
        if read == 0 {
            return;
        }
    }
}

/// A chunk (or, when `chunk` is None, the end of a direction) and when it is due.
struct Due {
    at: Instant,
    order: u64,
    to: Arc<TcpStream>,
    chunk: Option<Vec<u8>>,
}

impl Ord for Due {
    /// The earliest first, and in the order pushed among equals, so that a
    /// direction's chunks never pass each other.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.order).cmp(&(self.at, self.order))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Due {}

/// One thread that writes every relay's chunks when they are due.
struct Pacer {
    queue: Mutex<(BinaryHeap<Due>, u64)>,
    changed: Condvar,
}

fn pacer() -> &'static Pacer {
    static PACER: OnceLock<&'static Pacer> = OnceLock::new();
    PACER.get_or_init(|| {
        let pacer: &'static Pacer = Box::leak(Box::new(Pacer {
            queue: Mutex::new((BinaryHeap::new(), 0)),
            changed: Condvar::new(),
        }));
        thread::spawn(move || pacer.run());
        pacer
    })
}

impl Pacer {
    fn push(&self, at: Instant, to: Arc<TcpStream>, chunk: Option<Vec<u8>>) {
        let mut queue = self.queue.lock().expect("pacer queue");
        let order = queue.1;
        queue.1 += 1;
        queue.0.push(Due {
            at,
            order,
            to,
            chunk,
        });
        drop(queue);
        self.changed.notify_one();
    }

    fn run(&self) {
        let mut queue = self.queue.lock().expect("pacer queue");
        loop {
            let now = Instant::now();
            match queue.0.peek().map(|due| due.at) {
                None => queue = self.changed.wait(queue).expect("pacer queue"),
                Some(at) if at > now => {
                    queue = self
                        .changed
                        .wait_timeout(queue, at - now)
                        .expect("pacer queue")
                        .0;
                }
                Some(_) => {
                    let due = queue.0.pop().expect("peeked");
                    drop(queue);
                    let mut to = &*due.to;
                    // A peer that has gone makes its later writes fail too; nothing to do.
                    let _ = match due.chunk {
                        Some(chunk) => to.write_all(&chunk),
                        None => to.shutdown(Shutdown::Write),
                    };
                    queue = self.queue.lock().expect("pacer queue");
                }
            }
        }
    }
}
