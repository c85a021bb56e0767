#!/usr/bin/env bash
# Regenerate docs/screenshots/*.png: start a host on a scratch data folder,
# seed staff, a device and some tickets, and photograph the pages in
# Debian's Chromium (playwright-core from npm drives it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-plugins.sh
cargo build -p linli
work=$(mktemp -d)
port=18095
base="http://127.0.0.1:$port"
linli=target/debug/linli
for u in "admin admin 管理员" "clerk1 clerk 王窗口" "supervisor supervisor 李主管" "guide1 guide 赵导办"; do
  set -- $u
  echo 'correct horse battery' | $linli admin create --username "$1" --roles "$2" --name "$3" --password-stdin --data "$work/data" >/dev/null
done
# The address printed in the tickets' QR codes: without one a kiosk opened
# at 127.0.0.1 pauses issuing (no phone could open the code).
# Open every day of the week, so the screenshots can be taken on a weekend.
printf '[plugins.queue.config]\npublic_url = "http://192.168.1.10:8080"\nhours = { open = "08:30", close = "17:00", last_ticket = "16:30", days = [1, 2, 3, 4, 5, 6, 7], follow_calendar = false }\n' >"$work/data/linli.toml"
# Hall hours are 08:30-17:00 in the hall's time; shift the offset so the
# screenshots are taken "during opening hours" whatever the time here.
offset=$(( (10 * 60) - ( $(date -u +%H) * 60 + $(date -u +%M) ) ))
$linli serve --listen 127.0.0.1:$port --data "$work/data" --utc-offset "$offset" >"$work/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
for s in A A B C A D B A; do
  curl -sf -X POST "$base/api/queue/tickets" -H 'content-type: application/json' -d "{\"service\":\"$s\"}" >"$work/last.json"
done
token=$(python3 -c "import json;print(json.load(open('$work/last.json'))['token'])")
# A clerk at window 1 calls and serves two tickets.
jar="$work/clerk.jar"
curl -sf -c "$jar" -o /dev/null -d 'username=clerk1&password=correct horse battery&window=1' "$base/login"
csrf=$(curl -sf -b "$jar" "$base/" | python3 -c "import sys,re;print(re.search(r'name=\"csrf\" content=\"([0-9a-f]+)\"', sys.stdin.read()).group(1))")
for a in call-next start finish call-next start finish call-next; do
  curl -sf -b "$jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' -d '{}' -X POST "$base/api/queue/counter/$a" >/dev/null || true
done
mkdir -p docs/screenshots
if [ ! -d "$work/npm/node_modules/playwright-core" ]; then
  (cd "$work" && mkdir -p npm && cd npm && npm init -y >/dev/null && npm install --silent playwright-core@1 >/dev/null)
fi
cp scripts/screenshots.mjs "$work/npm/"
BASE="$base" OUT="$PWD/docs/screenshots" TICKET_PATH="/queue/t/$token" node "$work/npm/screenshots.mjs"
