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
pub async fn scope<F: Future>(listener: UnboundedSender<u64>, key: u64, request: F) -> F::Output {
    LISTENER
        .scope(Cell::new(Some((listener, key))), request)
        .await
}

/// Tells the task's listener, if any and only once, that a connection is up.
pub fn notify() {
    let _ = LISTENER.try_with(|slot| {
        if let Some((listener, key)) = slot.take() {
            let _ = listener.send(key);
        }
    });
}
