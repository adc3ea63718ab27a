#!/usr/bin/env bash
# Arranca el tablero. Sin PERSONERIA_DB usa data/demo.duckdb, que se construye desde
# data/seed/ la primera vez. Los argumentos extra van a `streamlit run` (p. ej. --server.port 8600).
# scripts/serve.py precalienta (módulos, plan y cifras de hoy) antes de arrancar Streamlit en el mismo
# proceso: la dirección del tablero se escribe solo cuando ya está listo para el primer visitante.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec .venv/bin/python scripts/serve.py --server.headless true "$@"
