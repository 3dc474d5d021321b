//! `cargo xtask stress`: the long versions of the reliability tests (see docs/RELIABILITY.md).

use crate::cmd::Result;

/// Runs the stress suite with the parameters given on the command line.
pub(crate) fn run(_args: &[String]) -> Result {
    Err("stress: not built yet".to_owned())
}
