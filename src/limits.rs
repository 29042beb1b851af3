//! The open-file limit: raised at start, and used to cap concurrency so that
//! thousands of requests never collapse into "too many open files".

/// File descriptors kept back for stdio, the runtime, DNS lookups and list files.
pub const RESERVED_FDS: u64 = 64;
/// Descriptors budgeted per request in flight: its socket, plus room for an idle
/// pooled connection or a resolver socket alongside it.
pub const FDS_PER_REQUEST: u64 = 2;

/// Raises the soft open-file limit as far as the hard limit allows and returns the
/// soft limit now in force, or `None` where the platform does not say.
pub fn raise_open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes into the struct we pass it.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return None;
        }
        let wanted = ceiling(limit.rlim_max);
        if wanted > limit.rlim_cur {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: limit.rlim_max,
            };
            // SAFETY: setrlimit only reads the struct; failure leaves the limit as it was.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                return Some(as_u64(wanted));
            }
        }
        Some(as_u64(limit.rlim_cur))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// rlim_t is u64 on Linux and macOS but not on every unix.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)]
fn as_u64(value: libc::rlim_t) -> u64 {
    value as u64
}

/// The hard limit, but never "infinity": macOS refuses soft limits above
/// OPEN_MAX, and a huge number helps nobody.
#[cfg(unix)]
fn ceiling(hard: libc::rlim_t) -> libc::rlim_t {
    const SENSIBLE_MAX: libc::rlim_t = 1 << 20;
    if hard == libc::RLIM_INFINITY {
        SENSIBLE_MAX
    } else {
        hard.min(SENSIBLE_MAX)
    }
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
