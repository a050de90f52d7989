#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml's ranges: requirements.lock (what the Docker
# image installs) and requirements-test.lock (what scripts/test.sh and CI install), every
# version pinned and every file hash-checked.  Needs pip-tools (pip install "pip-tools>=7.4,<8").
set -euo pipefail
cd "$(dirname "$0")/.."
opts=(-q --generate-hashes --no-emit-index-url --no-emit-find-links --strip-extras --allow-unsafe)
pip-compile "${opts[@]}" -o requirements.lock pyproject.toml
pip-compile "${opts[@]}" --extra test -o requirements-test.lock pyproject.toml
rm -rf backend/*.egg-info
