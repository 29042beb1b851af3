//! The open-file limit: raised at start, and used to cap concurrency so that
//! thousands of requests never collapse into "too many open files".

/// File descriptors kept back for stdio, the runtime, DNS lookups and list files.
pub const RESERVED_FDS: u64 = 64;
/// Descriptors budgeted per request in flight: its socket, plus room for an idle
/// pooled connection or a resolver socket alongside it.
pub const FDS_PER_REQUEST: u64 = 2;
/// The soft limit asked for: the hard limit, but never "infinity", which macOS
/// refuses and which helps nobody.
const SENSIBLE_MAX: u64 = 1 << 20;

/// Raises the soft open-file limit as far as the hard limit allows and returns the
/// soft limit now in force, or `None` where the platform does not say.
pub fn raise_open_file_limit() -> Option<u64> {
    rlimit::increase_nofile_limit(SENSIBLE_MAX).ok()
}

/// The most requests that can be in flight within `open_files` descriptors.
pub fn concurrency_within(open_files: u64) -> usize {
    let usable = open_files.saturating_sub(RESERVED_FDS) / FDS_PER_REQUEST;
    usize::try_from(usable.max(1)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_room_for_the_process_itself() {
        assert_eq!(concurrency_within(1024), 480);
        assert_eq!(concurrency_within(10), 1);
    }

    #[test]
    fn raising_never_lowers_the_limit() {
        let before = raise_open_file_limit();
        let after = raise_open_file_limit();
        assert!(after >= before);
    }
}
