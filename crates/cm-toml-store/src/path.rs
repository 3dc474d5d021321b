//! Where omniverse.toml lives.
//!
//! Resolution order: an explicit path; else `$OMNI_CONFIG_PATH/omniverse.toml`;
//! else `$HOME/.nvidia-omniverse/config/omniverse.toml` (`%USERPROFILE%` on
//! Windows). Empty variables count as unset.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::StoreError;

/// The file name inside the config directory.
pub const FILE_NAME: &str = "omniverse.toml";

/// The environment variable naming the config directory.
pub const CONFIG_DIR_VAR: &str = "OMNI_CONFIG_PATH";

#[cfg(windows)]
const HOME_VAR: &str = "USERPROFILE";
#[cfg(not(windows))]
const HOME_VAR: &str = "HOME";

/// Resolves the omniverse.toml path from the process environment.
///
/// ```
/// use std::path::Path;
/// let p = cm_toml_store::resolve_config_path(Some(Path::new("/tmp/x.toml"))).unwrap();
/// assert_eq!(p, Path::new("/tmp/x.toml"));
/// ```
pub fn resolve_config_path(explicit: Option<&Path>) -> Result<PathBuf, StoreError> {
    resolve_config_path_with(explicit, |name| std::env::var_os(name))
}

/// Like [`resolve_config_path`], reading variables through `env` (for tests
/// and for callers with their own configuration source).
pub fn resolve_config_path_with(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<PathBuf, StoreError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    let non_empty = |name: &str| env(name).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty(CONFIG_DIR_VAR) {
        return Ok(PathBuf::from(dir).join(FILE_NAME));
    }
    match non_empty(HOME_VAR) {
        Some(home) => Ok(PathBuf::from(home)
            .join(".nvidia-omniverse")
            .join("config")
            .join(FILE_NAME)),
        None => Err(StoreError::NoConfigLocation { home_var: HOME_VAR }),
    }
}

/// The sidecar file used for the cross-process lock: `<file>.lock`.
pub(crate) fn lock_path_for(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(OsString::from).unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn explicit_path_wins() {
        let p = resolve_config_path_with(
            Some(Path::new("/x/y.toml")),
            env_of(&[("OMNI_CONFIG_PATH", "/cfg")]),
        )
        .unwrap();
        assert_eq!(p, Path::new("/x/y.toml"));
    }

    #[test]
    fn config_dir_variable_comes_next() {
        let p = resolve_config_path_with(
            None,
            env_of(&[("OMNI_CONFIG_PATH", "/cfg"), (HOME_VAR, "/home/u")]),
        )
        .unwrap();
        assert_eq!(p, Path::new("/cfg").join("omniverse.toml"));
    }

    #[test]
    fn home_is_the_fallback_and_empty_counts_as_unset() {
        let p = resolve_config_path_with(
            None,
            env_of(&[("OMNI_CONFIG_PATH", ""), (HOME_VAR, "/home/u")]),
        )
        .unwrap();
        assert_eq!(
            p,
            Path::new("/home/u/.nvidia-omniverse/config/omniverse.toml")
        );
    }

    #[test]
    fn nothing_set_is_a_typed_error() {
        let err = resolve_config_path_with(None, env_of(&[])).unwrap_err();
        assert!(matches!(err, StoreError::NoConfigLocation { .. }), "{err}");
    }

    #[test]
    fn lock_sidecar_sits_next_to_the_file() {
        assert_eq!(
            lock_path_for(Path::new("/a/omniverse.toml")),
            Path::new("/a/omniverse.toml.lock")
        );
    }
}
