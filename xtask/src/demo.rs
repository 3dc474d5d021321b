//! `cargo xtask demo`: the main job, as a newcomer first meets it.

use crate::cmd::Result;

/// Runs the demo.
///
/// The full walk-through (loopback discovery and storage servers, sign-in, ensure_connection
/// on each kind of URL, bookmarks, an outside edit seen by the watcher) needs the `cm` tool,
/// which lands with the CLI issue. Until then this says so plainly and succeeds, so that the
/// README's first command already runs on a fresh machine.
pub(crate) fn run(_args: &[String]) -> Result {
    println!(
        "\
connection-manager demo

The full demo will:
  1. start the cm-testkit discovery and storage servers on loopback ports,
  2. point a temporary omniverse.toml at them,
  3. add a discovery server and watch discovery complete,
  4. add a Nucleus-style server that requires sign-in and answer the auth prompt,
  5. ensure_connection on each kind of URL,
  6. add, rename and remove bookmarks,
  7. edit the file from outside and show the watcher picking it up,
  8. print every event as it fires, then a summary.

It arrives with the `cm` command-line tool; nothing was started or written."
    );
    Ok(())
}
