//! `cargo xtask screenshots [--update]`: renders every cm-egui widget state to
//! `docs/images/*.png` with wgpu on a software Vulkan driver (Mesa's lavapipe), so the pictures
//! do not depend on the machine's GPU, and compares them with the committed images (`--update`
//! rewrites them instead).
//!
//! The driver comes from Debian/Ubuntu's `mesa-vulkan-drivers`; when it is missing this installs
//! it with apt-get (which needs root), as CI images usually allow.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{Result, cargo, step, workspace_root};

/// Where Mesa puts its Vulkan driver manifests.
const ICD_DIR: &str = "/usr/share/vulkan/icd.d";

/// The lavapipe driver manifest, if installed.
fn lavapipe() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(ICD_DIR)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("lvp_icd"))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Installs the software driver with apt-get.
fn install_lavapipe() -> Result {
    eprintln!("installing the lavapipe software Vulkan driver (mesa-vulkan-drivers)...");
    step("apt-get update", {
        let mut c = Command::new("apt-get");
        c.arg("update");
        c
    })?;
    step("apt-get install mesa-vulkan-drivers libvulkan1", {
        let mut c = Command::new("apt-get");
        c.args(["install", "-y", "mesa-vulkan-drivers", "libvulkan1"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        c
    })
}

/// Runs the screenshot tests (see the module docs).
pub(crate) fn run(args: &[String]) -> Result {
    let update = match args {
        [] => false,
        [flag] if flag == "--update" => true,
        _ => {
            return Err(format!(
                "screenshots: unknown arguments {args:?} (expected: [--update])"
            ));
        }
    };
    let icd = match lavapipe() {
        Some(icd) => icd,
        None => {
            install_lavapipe()?;
            lavapipe().ok_or("lavapipe is still missing after installing mesa-vulkan-drivers")?
        }
    };
    let images = workspace_root().join("docs/images");
    std::fs::create_dir_all(&images)
        .map_err(|e| format!("cannot create {}: {e}", images.display()))?;
    // The Vulkan loader wants a runtime directory; CI containers often have none.
    let runtime_dir =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let mut test = cargo(&[
        "test",
        "--locked",
        "-p",
        "cm-egui",
        "--features",
        "screenshots",
        "--test",
        "screenshots",
        "--",
        "--test-threads=1",
    ]);
    test.env("VK_ICD_FILENAMES", &icd)
        .env("WGPU_BACKEND", "vulkan");
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        test.env("XDG_RUNTIME_DIR", runtime_dir.path());
    }
    if update {
        test.env("UPDATE_SNAPSHOTS", "force");
    }
    step("cm-egui screenshots (wgpu on lavapipe)", test)?;
    eprintln!("images: {} PNG files in docs/images/", count_png(&images));
    Ok(())
}

fn count_png(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
                .count()
        })
        .unwrap_or(0)
}
