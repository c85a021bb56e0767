#!/usr/bin/env bash
# Follow docs/plugin-guide.md as a new plugin author would, and time it:
# the commands are the guide's own, read from its fenced `sh` blocks that
# follow a `<!-- plugin-guide-check -->` line (so the guide and this check
# cannot drift), run in order in a scratch folder: `linli plugin new` →
# built for wasm32-wasip2 → its own `cargo test` → `linli plugin install`
# → `linli serve` → `curl` answers what the guide's comment on that line
# says → a changed version installed into the running host answers the
# new way. Each step's time and the total are printed; any mismatch stops
# with a message naming the step and exits non-zero.
#
# What is adapted, and only this: `linli` is the built binary ($LINLI, else
# target/release/linli, else target/debug/linli); the guide's folder
# /tmp/work is a fresh temporary folder; port 8080 is a free port;
# /path/to/linli/content is this repository's content/; `linli serve` runs
# in the background until the end (its log is shown on failure); after a
# `linli plugin install` while it runs, the check waits for the host's log
# to report the plugin loaded before the next command. The new crate's
# `target/` is a link to $LINLI_GUIDE_TARGET (default
# target/plugin-guide in this repository) so a second run does not build
# the host's test dependencies again; set LINLI_GUIDE_TARGET=none to build
# in the crate's own target/ as the guide does. Cargo runs offline when
# CARGO_NET_OFFLINE is set (as the Rust test sets it).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# LINLI_GUIDE: another guide file (the Rust test checks that a wrong
# promise in one is caught).
guide=${LINLI_GUIDE:-$repo/docs/plugin-guide.md}

fail() {
  echo "✗ plugin guide check: $*" >&2
  if [ -n "${serve_log:-}" ] && [ -s "$serve_log" ]; then
    echo "--- the host's log (last 30 lines, backtrace frames left out) ---" >&2
    grep -Ev '^[[:space:]]+([0-9]+: |at )' "$serve_log" | tail -n 30 >&2
  fi
  exit 1
}

linli_bin=${LINLI:-}
if [ -z "$linli_bin" ]; then
  for c in "$repo/target/release/linli" "$repo/target/debug/linli"; do
    [ -x "$c" ] && { linli_bin=$c; break; }
  done
fi
[ -n "$linli_bin" ] && [ -x "$linli_bin" ] || fail "no linli binary: build it first (cargo build --release -p linli) or set LINLI=/path/to/linli"
command -v curl >/dev/null || fail "curl is not installed (apt-get install curl); the guide's requests use it"
command -v cargo >/dev/null || fail "cargo is not on PATH"
rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2 || fail "the wasm32-wasip2 target is missing: rustup target add wasm32-wasip2 (the guide's first requirement)"

# The guide's marked blocks: every line of a ```sh fence that follows a
# `<!-- plugin-guide-check -->` line, in order.
marked=$(awk '
  /^<!-- plugin-guide-check -->/ { armed = 1; next }
  armed && /^```sh[[:space:]]*$/ { inside = 1; armed = 0; next }
  inside && /^```/ { inside = 0; blocks++; next }
  inside { print }
  END { if (blocks == 0) exit 3 }
' "$guide") || fail "$guide has no \`\`\`sh block after a <!-- plugin-guide-check --> line"
mapfile -t lines <<<"$marked"
[ -n "${marked//[[:space:]]/}" ] || fail "the marked blocks of $guide are empty"

work=$(mktemp -d "${TMPDIR:-/tmp}/plugin-guide.XXXXXX")
serve_pid=
serve_log="$work/serve.log"
cleanup() {
  if [ -n "$serve_pid" ]; then
    kill "$serve_pid" 2>/dev/null
    wait "$serve_pid" 2>/dev/null
  fi
  if [ -z "${LINLI_GUIDE_KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT

port=
for _ in $(seq 50); do
  p=$(( 20000 + RANDOM % 40000 ))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || fail "no free port found"

target_link=${LINLI_GUIDE_TARGET:-$repo/target/plugin-guide}
# The guide's paths are relative to the crate (`target/…`); another
# CARGO_TARGET_DIR would move the built file away from them.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR
linli() { "$linli_bin" "$@"; }
# Relative paths in the guide start in the scratch folder too.
cd "$work" || fail "cannot enter $work"

now_ms() { date +%s%3N; }
secs() { local ms=$1; printf '%d.%01d' $((ms / 1000)) $(((ms % 1000) / 100)); }
start_all=$(now_ms)
step=0
report=()

loaded_count() { grep -c 'plugin loaded' "$serve_log" 2>/dev/null || true; }

for raw in "${lines[@]}"; do
  # A comment line, or a blank one.
  [[ "$raw" =~ ^[[:space:]]*(#|$) ]] && continue
  # The command, and its comment from the first ` #` on: for `curl`, the
  # answer the guide promises.
  cmd=${raw%%[[:space:]]#*}
  cmd=${cmd%"${cmd##*[![:space:]]}"}
  expect=
  if [ "$cmd" != "$raw" ]; then
    expect=${raw#*[[:space:]]#}
    expect=${expect#"${expect%%[![:space:]]*}"}
    expect=${expect%"${expect##*[![:space:]]}"}
  fi
  cmd=${cmd//\/tmp\/work/$work}
  cmd=${cmd//127.0.0.1:8080/127.0.0.1:$port}
  cmd=${cmd//\/path\/to\/linli\/content/$repo/content}
  step=$((step + 1))
  shown=${cmd//$work/\$WORK}
  echo "▶ [$step] $shown" >&2
  t0=$(now_ms)
  out="$work/step-$step.out"
  case "$cmd" in
    "linli serve "*)
      [ -z "$serve_pid" ] || fail "step $step: the guide starts a second host"
      # `exec`: the background job is the host itself, so it can be stopped.
      ( eval "exec \"\$linli_bin\" ${cmd#linli }" ) >"$serve_log" 2>&1 &
      serve_pid=$!
      up=
      for _ in $(seq 300); do
        if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then up=1; break; fi
        kill -0 "$serve_pid" 2>/dev/null || fail "step $step: \`$shown\` exited"
        sleep 0.1
      done
      [ -n "$up" ] || fail "step $step: the host did not answer /healthz on port $port within 30 s"
      ;;
    curl\ *)
      answer=$(eval "$cmd -sS" 2>"$out") || fail "step $step: \`$shown\` failed: $(cat "$out")"
      if [ -n "$expect" ]; then
        [ "$answer" = "$expect" ] || fail "step $step: the guide says \`$shown\` answers $expect, the host answered: $answer"
        echo "  answered $answer, as the guide says" >&2
      else
        echo "  answered $answer" >&2
      fi
      ;;
    *)
      before=$(loaded_count)
      rejected=$(grep -c 'plugin rejected' "$serve_log" 2>/dev/null || true)
      if ! eval "$cmd" >"$out" 2>&1; then
        tail -n 40 "$out" >&2
        fail "step $step: \`$shown\` failed (output above)"
      fi
      # A new crate: its target/ shared with earlier runs (see above).
      if [[ "$cmd" =~ ^linli\ plugin\ new\ ([a-z][a-z0-9-]*)\ --dir\ ([^[:space:]]+) ]] && [ "$target_link" != none ]; then
        mkdir -p "$target_link"
        ln -s "$target_link" "${BASH_REMATCH[2]}/${BASH_REMATCH[1]}/target" || fail "step $step: could not link the crate's target/ to $target_link"
      fi
      if [ -n "$serve_pid" ] && [[ "$cmd" == "linli plugin install "* ]]; then
        loaded=
        for _ in $(seq 600); do
          [ "$(loaded_count)" -gt "$before" ] && { loaded=1; break; }
          if [ "$(grep -c 'plugin rejected' "$serve_log" 2>/dev/null || true)" -gt "${rejected:-0}" ]; then
            fail "step $step: the running host rejected the installed plugin: $(grep 'plugin rejected' "$serve_log" | tail -n 1)"
          fi
          sleep 0.1
        done
        [ -n "$loaded" ] || fail "step $step: the running host did not load the installed plugin within 60 s (hot reload)"
        echo "  the running host: $(grep 'plugin loaded' "$serve_log" | tail -n 1 | sed 's/\x1b\[[0-9;]*m//g')" >&2
      fi
      ;;
  esac
  took=$(( $(now_ms) - t0 ))
  report+=("$(printf '%8ss  %s' "$(secs "$took")" "$shown")")
  echo "  $(secs "$took") s" >&2
done

total=$(( $(now_ms) - start_all ))
echo
echo "plugin guide, step by step ($linli_bin):"
printf '%s\n' "${report[@]}"
printf '%8ss  total\n' "$(secs "$total")"
