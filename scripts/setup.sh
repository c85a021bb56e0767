#!/usr/bin/env bash
# Install what building and testing Linli needs on a fresh Debian machine
# that has only the Rust toolchain: the wasm target, and (as root) the
# Debian packages the tests use. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  echo "▶ rustup target add wasm32-wasip2" >&2
  rustup target add wasm32-wasip2
fi
# Debian packages: software Vulkan (lavapipe) for the signage player, CJK
# fonts, a virtual X server, the Mandarin voice, and Chromium for page tests.
pkgs=(mesa-vulkan-drivers fonts-noto-cjk xvfb xauth espeak-ng chromium chromium-driver)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "▶ apt-get install ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "⚠ not root: please install ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  fi
fi
