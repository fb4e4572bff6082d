#!/usr/bin/env bash
# Compiles the GLSL shaders here to the SPIR-V files committed beside them (Debian's
# glslang-tools). Run after editing a shader; the build itself never needs glslang.
set -euo pipefail
cd "$(dirname "$0")"
for s in *.vert *.frag *.comp; do
    [ -e "$s" ] || continue
    glslangValidator -V --quiet -o "$s.spv" "$s"
done
