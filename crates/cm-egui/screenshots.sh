#!/usr/bin/env bash
# Renders every widget state of cm-egui to docs/images/*.png with wgpu on a software Vulkan
# driver (Mesa's lavapipe), and compares them with the committed images.
#
#   crates/cm-egui/screenshots.sh            # compare with docs/images (fails on a change)
#   crates/cm-egui/screenshots.sh --update   # rewrite docs/images
#
# Needs root (or the packages already installed) on Debian/Ubuntu for the driver.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
    echo "installing the lavapipe software Vulkan driver (mesa-vulkan-drivers)..."
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y mesa-vulkan-drivers libvulkan1
fi

# Use only the software driver, so the pictures do not depend on the machine's GPU.
export VK_ICD_FILENAMES
VK_ICD_FILENAMES=$(ls /usr/share/vulkan/icd.d/lvp_icd*.json | head -n1)
export WGPU_BACKEND=vulkan
# The Vulkan loader wants a runtime dir; CI containers often have none.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"

if [[ "${1:-}" == "--update" ]]; then
    export UPDATE_SNAPSHOTS=force
fi

mkdir -p docs/images
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}" \
    cargo test -p cm-egui --features screenshots --test screenshots -- --test-threads=1
echo "images: $(ls docs/images/*.png | wc -l) PNG files in docs/images/"
