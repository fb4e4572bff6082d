#!/bin/sh
# Installs the Debian packages Pumice needs: the Vulkan loader and headers, vulkaninfo, lavapipe
# (the reference driver for differential tests), the shader tools and a virtual X server.
set -eu

packages="libvulkan1 libvulkan-dev vulkan-tools mesa-vulkan-drivers glslang-tools spirv-tools xvfb"

missing=""
for p in $packages; do
    if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "install-deps: all packages are installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "install-deps: need root or sudo to install:$missing" >&2
    exit 1
fi

echo "install-deps: installing$missing"
$sudo apt-get update
# shellcheck disable=SC2086 # one word per package
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
