//! Ctrl-C and SIGTERM as a future the engine can select on.

/// A signal that cancels the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT, usually Ctrl-C: exit 130.
    Interrupt,
    /// SIGTERM: exit 143.
    Terminate,
}

/// Resolves when the process receives SIGINT or SIGTERM. Must be called inside the
/// runtime; the handlers are installed when it is first polled.
pub async fn wait_for_signal() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        match (terminate, interrupt) {
            (Ok(mut terminate), Ok(mut interrupt)) => tokio::select! {
                _ = interrupt.recv() => Signal::Interrupt,
                _ = terminate.recv() => Signal::Terminate,
            },
            // Without handlers the default action (exit by signal) still applies.
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Signal::Interrupt,
            Err(_) => std::future::pending().await,
        }
    }
}
