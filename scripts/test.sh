#!/usr/bin/env bash
# Installs the test dependencies (Chromium included, when missing) and runs every test:
# lint, the import contracts, unit/route/WebSocket tests and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install -q -e ".[test]"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Chromium (Debian package) for the browser tests..."
    as_root apt-get update -qq
    as_root apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    # Optional: the Fashion-MNIST tests skip (and say so) when it cannot be installed.
    as_root apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
        || echo "Fashion-MNIST (dataset-fashion-mnist) not installed; its tests will be skipped"
fi

python3 -m ruff check backend tests benchmarks
lint-imports
python3 -m pytest "$@"
