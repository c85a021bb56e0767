#!/usr/bin/env bash
# Set up and run every test: host, end-to-end (real wasm plugins, real
# SQLite, real HTTP, headless Chromium), content, signage (lavapipe), SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-plugins.sh
# `cargo test --workspace` also builds the `linli` binary the end-to-end
# tests run (target/debug/linli), with the workspace's feature set; building
# it separately first would compile wasmtime twice.
# Plugins and guest fixtures are wasm components (built above and by
# tests/build.rs); everything native is tested here.
excludes=()
for toml in plugins/*/Cargo.toml tests/guests/*/Cargo.toml; do
  excludes+=(--exclude "$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$toml" | head -1)")
done
# --no-fail-fast: one failing test binary must not hide the others' results.
echo "▶ cargo test --workspace --no-fail-fast ${excludes[*]}" >&2
cargo test --workspace --no-fail-fast "${excludes[@]}"
# The README's commands run the host with `cargo run -p linli` (a second
# binary, linli-bench, sits beside it): check that it still picks the host.
echo "▶ cargo run -p linli -- --version" >&2
cargo run -q -p linli -- --version
