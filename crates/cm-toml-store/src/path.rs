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

/// Symlinks followed before giving up (Linux's own limit is 40).
const MAX_LINKS: usize = 40;

/// The file an operation on `path` really reads, locks and replaces: `path` with its last
/// component's symlinks followed, hop by hop (a relative link is relative to the directory
/// holding it; a dangling link leads to where it points, so the first save creates the
/// target and the link stays a link).
///
/// Every writer must agree on this file, whichever name it was given: the lock sidecar and
/// the temporary file go next to it, so a writer through a dotfile manager's link and a
/// writer through the link's target take the same lock and rename within the same
/// directory. Directory links along the way need no resolving: the kernel makes
/// `via-link/omniverse.toml.lock` and `real/omniverse.toml.lock` the same file.
///
/// A loop of links returns `path` unchanged, so the operation fails on it with the
/// operating system's own "too many levels of symbolic links".
pub(crate) fn resolve_link_target(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let Ok(link) = std::fs::read_link(&current) else {
                    return current;
                };
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return current,
        }
    }
    path.to_path_buf()
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

    #[cfg(unix)]
    #[test]
    fn links_are_followed_hop_by_hop_to_the_target() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("dotfiles/omni")).unwrap();
        std::fs::create_dir(root.join("config")).unwrap();
        std::fs::write(root.join("dotfiles/omni/omniverse.toml"), "").unwrap();
        // config/omniverse.toml -> ../dotfiles/link.toml -> omni/omniverse.toml (both relative)
        symlink("omni/omniverse.toml", root.join("dotfiles/link.toml")).unwrap();
        symlink("../dotfiles/link.toml", root.join("config/omniverse.toml")).unwrap();
        let resolved = resolve_link_target(&root.join("config/omniverse.toml"));
        assert_eq!(
            std::fs::canonicalize(&resolved).unwrap(),
            std::fs::canonicalize(root.join("dotfiles/omni/omniverse.toml")).unwrap()
        );
        assert!(!std::fs::symlink_metadata(&resolved).unwrap().is_symlink());
        // A dangling link leads to where it points; a plain file or a missing one is itself.
        symlink("new.toml", root.join("dangling.toml")).unwrap();
        assert_eq!(
            resolve_link_target(&root.join("dangling.toml")),
            root.join("new.toml")
        );
        let plain = root.join("dotfiles/omni/omniverse.toml");
        assert_eq!(resolve_link_target(&plain), plain);
        // A loop is left to fail on the path itself.
        symlink("b.toml", root.join("a.toml")).unwrap();
        symlink("a.toml", root.join("b.toml")).unwrap();
        assert_eq!(
            resolve_link_target(&root.join("a.toml")),
            root.join("a.toml")
        );
    }

    #[test]
    fn lock_sidecar_sits_next_to_the_file() {
        assert_eq!(
            lock_path_for(Path::new("/a/omniverse.toml")),
            Path::new("/a/omniverse.toml.lock")
        );
    }
}
