//! A request that waits for a new connection can tell whoever started it that
//! the connection is up (TCP and TLS done, so its protocol is known), through a
//! task-local slot the starter sets. The engine uses it to let the other
//! requests to a new https origin go as soon as they can share or add to it.

use std::cell::Cell;
use std::future::Future;

use tokio::sync::mpsc::UnboundedSender;

tokio::task_local! {
    static LISTENER: Cell<Option<(UnboundedSender<u64>, u64)>>;
}

/// Runs `request`; the first connection it makes sends `key` on `listener`.
// Not an `async fn`: that would hold `request` twice (as its argument and inside the
// awaited scope), doubling the size of every task that runs it.
pub fn scope<F: Future>(
    listener: UnboundedSender<u64>,
    key: u64,
    request: F,
) -> impl Future<Output = F::Output> {
    LISTENER.scope(Cell::new(Some((listener, key))), request)
}

/// Tells the task's listener, if any and only once, that a connection is up.
pub fn notify() {
    let _ = LISTENER.try_with(|slot| {
        if let Some((listener, key)) = slot.take() {
            let _ = listener.send(key);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_holds_its_request_once() {
        // The engine's task for each URL holds this future, and tokio copies a
        // task's whole future when it spawns it.
        async fn request() -> u8 {
            let held = [1u8; 4096];
            tokio::task::yield_now().await;
            held.iter().fold(0, |sum, byte| sum ^ byte)
        }
        let (listener, _) = tokio::sync::mpsc::unbounded_channel();
        let alone = std::mem::size_of_val(&request());
        let scoped = std::mem::size_of_val(&scope(listener, 7, request()));
        assert!(
            scoped < alone + 256,
            "{scoped} bytes for a {alone}-byte request"
        );
    }

    #[tokio::test]
    async fn the_first_connection_is_told_once() {
        let (listener, mut told) = tokio::sync::mpsc::unbounded_channel();
        scope(listener, 7, async {
            notify();
            notify();
        })
        .await;
        assert_eq!(told.recv().await, Some(7));
        assert_eq!(told.recv().await, None);
    }
}
