#!/usr/bin/env bash
# Installs the test dependencies (Chromium included, when missing) and runs every test:
# lint, the import contracts, unit/route/WebSocket tests, the browser tests and the cluster
# tests (Ray and psycopg from the [cluster] extra, Debian's PostgreSQL when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

# The locked versions (hash-checked; regenerate with scripts/lock.sh), then this checkout
# with the cluster extra (Ray, psycopg: not in the lock, resolved from their ranges).
python3 -m pip install -q -r requirements-test.lock
python3 -m pip install -q -e ".[test,cluster]"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {  # apt_install PACKAGE: update the package lists once, then install
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    as_root apt-get install -y -qq "$1" >/dev/null
}

if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Chromium (Debian package) for the browser tests..."
    apt_install chromium
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "Installing PostgreSQL (Debian package) for the cluster tests..."
    apt_install postgresql
fi
# Optional extras: Japanese glyphs in the saved screenshots (the tests check text, not
# glyphs), and Fashion-MNIST (its tests skip, and say so, without it).
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    apt_install fonts-noto-cjk 2>/dev/null || echo "fonts-noto-cjk not installed"
fi
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    apt_install dataset-fashion-mnist 2>/dev/null || echo "dataset-fashion-mnist not installed"
fi

python3 -m ruff check backend tests benchmarks
lint-imports
python3 -m pytest "$@"
