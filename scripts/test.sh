#!/usr/bin/env bash
# Corre todas las pruebas (unitarias, de páginas y de navegador). Los argumentos extra van a
# pytest, p. ej. `bash scripts/test.sh tests/browser -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec .venv/bin/python -m pytest -q "$@"
