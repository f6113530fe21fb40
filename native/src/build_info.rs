//! What was built: the version and the cargo profile, so a debug build is
//! never benchmarked or shipped by mistake.

/// The crate version, which is also the Python distribution's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `"release"` or `"debug"`, from whether debug assertions were compiled in.
pub const PROFILE: &str = if cfg!(debug_assertions) {
    "debug"
} else {
    "release"
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_semver_like() {
        let parts: Vec<&str> = VERSION.split('.').collect();
        assert_eq!(parts.len(), 3, "version {VERSION} is not major.minor.patch");
        assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()));
    }

    #[test]
    fn cargo_test_builds_are_debug() {
        assert_eq!(PROFILE, "debug");
    }
}
