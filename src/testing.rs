//! What the unit tests share.

use proptest::test_runner::{Config, FileFailurePersistence};

/// proptest's settings for every property test: the seeds of failures it found
/// are kept in tests/proptest-regressions/, not in a folder of their own at the
/// top of the repository, and are run again first.
pub fn proptest_config() -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "tests/proptest-regressions",
        ))),
        ..Config::default()
    }
}
