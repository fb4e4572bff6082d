#!/bin/sh
# Redraws the golden images (tests/golden/*.png) on lavapipe: runs the golden test in its
# regenerate mode, which opens lavapipe through the Khronos loader and writes one PNG per scene.
# Needs libvulkan1, mesa-vulkan-drivers and glslang-tools (tools/install-deps.sh).
# Usage: tools/regenerate-golden.sh [scene]   (no scene: all of them)
set -eu
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    export PUMICE_GOLDEN_SCENE="$1"
fi
PUMICE_GOLDEN_REGENERATE=1 cargo test --test golden -- --exact golden_images --nocapture
