#!/usr/bin/env bash
# Arranca el tablero. Sin PERSONERIA_DB usa data/demo.duckdb, que se construye desde
# data/seed/ la primera vez. Los argumentos extra van a `streamlit run` (p. ej. --server.port 8600).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec .venv/bin/streamlit run dashboard.py --server.headless true "$@"
