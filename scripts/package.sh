#!/usr/bin/env bash
# Build the Debian packages of a hall's PCs with cargo-deb:
#   linli          the host: /usr/bin/linli, the linli service, the standard
#                  plugins and the sample content (host/Cargo.toml
#                  [package.metadata.deb], deploy/)
#   linli-signage  the player: /usr/bin/linli-signage and its systemd user
#                  unit (signage/Cargo.toml [package.metadata.deb], deploy/)
#
#   bash scripts/package.sh                  release build, then both packages
#   bash scripts/package.sh --profile dev    package target/debug's binaries as
#                                            they are (no build; the tests do this)
# Options: --out DIR (default target/debian), --version V (the Debian version,
# default the crate's version with revision -1), --only linli|linli-signage.
# The plugins are plugins/dist/*.wasm: built by scripts/build-plugins.sh for
# a release, taken as they are with --profile dev.
set -euo pipefail
cd "$(dirname "$0")/.."

# The version used to write and test these packages; another may name the
# metadata differently. Installed with `cargo install` when missing.
CARGO_DEB_VERSION=3.8.0

profile=release
out=target/debian
version=
only=
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=${2:?--profile needs release or dev}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --version) version=${2:?--version needs a Debian version, e.g. 0.1.0-2}; shift 2 ;;
    --only) only=${2:?--only needs linli or linli-signage}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "✗ package.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release) bindir=release ;;
  dev|debug) profile=dev; bindir=debug ;;
  *) echo "✗ package.sh: --profile must be release or dev, not $profile" >&2; exit 2 ;;
esac
case "$only" in
  ""|linli|linli-signage) ;;
  *) echo "✗ package.sh: --only must be linli or linli-signage, not $only" >&2; exit 2 ;;
esac

if ! cargo deb --version >/dev/null 2>&1; then
  echo "▶ cargo install cargo-deb --locked --version $CARGO_DEB_VERSION (once; about 80 s of CPU)" >&2
  # A target folder of its own (a set CARGO_TARGET_DIR would be used).
  env -u CARGO_TARGET_DIR cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION"
fi

target=${CARGO_TARGET_DIR:-target}
pkgs=()
[ "$only" = linli-signage ] || pkgs+=(linli)
[ "$only" = linli ] || pkgs+=(linli-signage)

if [ "$profile" = release ]; then
  bash scripts/build-plugins.sh
  build=()
  for p in "${pkgs[@]}"; do build+=(-p "$p"); done
  echo "▶ cargo build --release ${build[*]}" >&2
  cargo build --release "${build[@]}"
fi

# Everything a package carries must be there (cargo-deb would silently skip
# a glob that matches nothing).
for p in "${pkgs[@]}"; do
  bin="$target/$bindir/$p"
  [ -x "$bin" ] || { echo "✗ $bin is missing: run \`cargo build$([ "$profile" = release ] && echo ' --release') -p $p\` first" >&2; exit 1; }
done
if [[ " ${pkgs[*]} " == *" linli "* ]]; then
  for dir in plugins/*/; do
    [ -f "$dir/Cargo.toml" ] || continue
    name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)
    [ -f "plugins/dist/$name.wasm" ] || { echo "✗ plugins/dist/$name.wasm is missing (standard plugin $name): run bash scripts/build-plugins.sh first" >&2; exit 1; }
  done
fi

mkdir -p "$out"
for p in "${pkgs[@]}"; do
  args=(-p "$p" --no-build --output "$out")
  # The crate's version says which release; cargo-deb adds the revision -1.
  [ -n "$version" ] && args+=(--deb-version "$version")
  if [ "$profile" = dev ]; then
    # cargo-deb maps target/release/ in the assets to target/debug/ and
    # warns that dev is meant for tests only; gzip: quicker than xz.
    args+=(--profile dev --fast --quiet)
  fi
  echo "▶ cargo deb ${args[*]}" >&2
  cargo deb "${args[@]}"
done
ls -l "$out"/*.deb >&2
