#!/usr/bin/env bash
# Run the whole test suite, browser tests included, after the lint, layer and type checks.
# Creates .venv, installs the pinned requirements and, when missing, Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the browser tests (Debian package) ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is not installed: browser tests will be skipped (install Debian's 'chromium' package)."
  fi
fi
# The code's shape first (seconds): lint, format, layer contracts, types (all configured in pyproject.toml).
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
