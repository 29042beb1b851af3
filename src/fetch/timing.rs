//! How long each phase of a request took: the resolver and a connector layer note
//! their times in a task-local slot that the request's own task set up, so a
//! connection made for another request (or none, on a reused one) notes nothing.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

tokio::task_local! {
    static PHASES: Cell<Phases>;
}

/// The phases of one request that happened in its own task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phases {
    /// Resolving the host name.
    pub dns: Option<Duration>,
    /// Resolving, connecting and the TLS handshake, together.
    pub connect: Option<Duration>,
}

/// Runs `request`, and returns what it gave with the phases noted meanwhile.
pub async fn timed<F: Future>(request: F) -> (F::Output, Phases) {
    PHASES
        .scope(Cell::new(Phases::default()), async {
            let output = request.await;
            (output, PHASES.with(Cell::get))
        })
        .await
}

/// Notes a name lookup's time, if a request is listening.
pub fn note_dns(took: Duration) {
    let _ = PHASES.try_with(|phases| {
        let mut noted = phases.get();
        noted.dns = Some(took);
        phases.set(noted);
    });
}

fn note_connect(took: Duration) {
    let _ = PHASES.try_with(|phases| {
        let mut noted = phases.get();
        noted.connect = Some(took);
        phases.set(noted);
    });
}

/// The connector layer that times every new connection.
#[derive(Debug, Clone, Copy)]
pub struct TimeConnects;

impl<S> tower_layer::Layer<S> for TimeConnects {
    type Service = TimedConnector<S>;

    fn layer(&self, inner: S) -> TimedConnector<S> {
        TimedConnector(inner)
    }
}

/// A connector whose connections note how long they took.
#[derive(Debug, Clone)]
pub struct TimedConnector<S>(S);

type Connecting<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, R> tower_service::Service<R> for TimedConnector<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Connecting<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let started = Instant::now();
        let connecting = self.0.call(request);
        Box::pin(async move {
            let connected = connecting.await;
            if connected.is_ok() {
                note_connect(started.elapsed());
                crate::connected::notify();
            }
            connected
        })
    }
}
