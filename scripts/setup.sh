#!/usr/bin/env bash
# Prepara esta máquina para arrancar el tablero y correr las pruebas. Idempotente: cada paso
# se salta cuando ya está hecho, así que start.sh y test.sh lo llaman siempre sin costo.
#
#   1. Chromium de Debian (/usr/bin/chromium): lo usan Kaleido (exportar gráficas) y Playwright.
#      Nunca se descarga un navegador de Playwright.
#   2. El entorno virtual .venv con requirements.txt.
#   3. axe-core (versión exacta en package.json) para las pruebas de accesibilidad.
#   4. nginx, openssl y systemd-analyze de Debian: la prueba de despliegue revisa las unidades y
#      sirve el tablero por HTTPS detrás de nginx con un certificado desechable (tests/deploy/).
#
# Requiere Debian con Python 3.11 y apt; usa sudo solo si no se corre como root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CHROMIUM=/usr/bin/chromium
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

say() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

apt_install() {
    # Primero sin actualizar índices (rápido y sin red si el paquete ya está en caché);
    # si falla, apt-get update y otra vez.
    local env=(env DEBIAN_FRONTEND=noninteractive)
    if ! "${SUDO[@]}" "${env[@]}" apt-get install -y --no-install-recommends "$@"; then
        "${SUDO[@]}" "${env[@]}" apt-get update
        "${SUDO[@]}" "${env[@]}" apt-get install -y --no-install-recommends "$@"
    fi
}

sha() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

# 1. Chromium ----------------------------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
    say "instalando Chromium de Debian (apt-get install chromium)"
    apt_install chromium
fi
# La fuente DejaVu del informe PDF (tildes y eñes); no siempre llega con Chromium.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    say "instalando fonts-dejavu-core"
    apt_install fonts-dejavu-core
fi

# 2. Entorno virtual y dependencias de Python ----------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    say "creando $VENV"
    if ! "$PYTHON" -m venv "$VENV"; then
        # En Debian, venv/ensurepip vienen en un paquete aparte.
        rm -rf "$VENV"
        apt_install python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi
REQ_STAMP="$VENV/.requirements.sha256"
REQ_SUM="$(sha requirements.txt)"
if [ ! -f "$REQ_STAMP" ] || [ "$(cat "$REQ_STAMP")" != "$REQ_SUM" ]; then
    say "instalando requirements.txt en .venv"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    printf '%s\n' "$REQ_SUM" >"$REQ_STAMP"
fi

# 3. axe-core (npm) ----------------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
    say "instalando Node.js y npm de Debian"
    apt_install nodejs npm
fi
NPM_STAMP="node_modules/.package-lock.sha256"
NPM_SUM="$(sha package.json package-lock.json)"
if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f "$NPM_STAMP" ] \
        || [ "$(cat "$NPM_STAMP")" != "$NPM_SUM" ]; then
    say "instalando axe-core (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s\n' "$NPM_SUM" >"$NPM_STAMP"
fi

# 4. nginx, openssl y systemd-analyze ----------------------------------------------------------
# Solo los binarios: la prueba de despliegue arranca su propio nginx, sin tocar el del sistema.
if [ ! -x /usr/sbin/nginx ]; then
    say "instalando nginx de Debian"
    apt_install nginx
fi
if ! command -v openssl >/dev/null 2>&1; then
    say "instalando openssl de Debian"
    apt_install openssl
fi
# systemd-analyze revisa las unidades de deploy/systemd (no hace falta que systemd esté corriendo).
if ! command -v systemd-analyze >/dev/null 2>&1; then
    say "instalando systemd de Debian (para systemd-analyze)"
    apt_install systemd
fi
