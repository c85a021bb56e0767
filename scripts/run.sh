#!/usr/bin/env bash
# Build the standard plugins and start the host on the embedded SQLite store
# with the sample content: http://127.0.0.1:8080 (data in ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-plugins.sh
exec cargo run -p linli --bin linli -- serve "$@"
