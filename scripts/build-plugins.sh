#!/usr/bin/env bash
# Build every standard plugin in plugins/ as a wasm32-wasip2 component and
# put the .wasm files in plugins/dist/ (where `linli serve` looks by default).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
pkgs=()
for dir in plugins/*/; do
  [ -f "$dir/Cargo.toml" ] || continue
  pkgs+=(-p "$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)")
done
echo "▶ building $(( ${#pkgs[@]} / 2 )) plugins for wasm32-wasip2 …" >&2
cargo build --release --target wasm32-wasip2 "${pkgs[@]}"
mkdir -p plugins/dist
for dir in plugins/*/; do
  [ -f "$dir/Cargo.toml" ] || continue
  name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)
  src="target/wasm32-wasip2/release/${name//-/_}.wasm"
  # Copy then rename: a running host's watcher never sees half a file.
  cp "$src" "plugins/dist/.${name}.wasm.tmp" && mv "plugins/dist/.${name}.wasm.tmp" "plugins/dist/${name}.wasm"
  echo "  ✓ plugins/dist/${name}.wasm ($(du -h "plugins/dist/${name}.wasm" | cut -f1))" >&2
done
