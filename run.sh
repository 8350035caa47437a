#!/usr/bin/env bash
# Start Kvalitetsdialog on the bundled sample municipality (or on KVALITETSDIALOG_DB).
# Creates .venv and installs the pinned requirements on first use.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements.txt
exec .venv/bin/streamlit run app.py "$@"
