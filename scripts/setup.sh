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
# Debian packages of the host and the player are built with cargo-deb
# (scripts/package.sh; tests/tests/packages.rs installs them in a root of
# their own). Pinned: 3.8.0 is the version the packaging was made with.
if ! cargo deb --version >/dev/null 2>&1; then
  echo "▶ cargo install cargo-deb --locked --version 3.8.0" >&2
  cargo install cargo-deb --locked --version 3.8.0
fi
# Debian packages: software Vulkan (lavapipe) for the signage player, CJK
# fonts, a virtual X server, the Mandarin voice, Chromium for page tests, and
# PostgreSQL (the district backend; the tests start throwaway servers) and
# HAProxy (the district's load balancer, tested in front of two hosts);
# curl (the plugin guide's own commands, run by scripts/plugin-guide-check.sh)
# and python3 (reads back the supervision plugin's .xlsx and SVG as a real
# zip and XML reader would).
pkgs=(mesa-vulkan-drivers fonts-noto-cjk xvfb xauth espeak-ng chromium chromium-driver postgresql haproxy curl python3)
missing_packages() {
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
}
missing_packages
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "▶ apt-get install ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A failed install is not fatal here: outside CI the tests that need
    # the package say they were skipped; under CI the check below names it.
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
      echo "⚠ apt-get could not install ${missing[*]}" >&2
  else
    echo "⚠ not root: please install ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  fi
fi
# Under CI every test must run: a package still missing here would turn
# into test failures further on, so stop now and name it.
case "${CI:-}" in
  ""|0|false|FALSE|False) ;;
  *)
    missing_packages
    if [ ${#missing[@]} -gt 0 ]; then
      echo "✗ CI=${CI}: missing Debian packages: ${missing[*]} (apt-get install ${missing[*]}); without them tests fail instead of running" >&2
      exit 1
    fi
    ;;
esac
