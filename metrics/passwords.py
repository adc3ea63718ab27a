"""The password policy, in one place: the command line and every page of the app call `problem`.

A password must be long (a passphrase is fine) and not guessable from the account or from the lists
that attackers try first. The list of common passwords ships with the project (no network at run
time) and is compared without regard to case, as attackers try every capitalisation.
"""
from __future__ import annotations

from functools import lru_cache

from metrics.store import PROJECT_DIR

MIN_LENGTH = 12
COMMON_PASSWORDS = PROJECT_DIR / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def problem(password: str, username: str) -> str | None:
    """Why `password` is not acceptable for `username`, in Spanish; None when it is."""
    if not password.strip():
        return "La contraseña no puede estar vacía ni tener solo espacios."
    if password != password.strip():
        return "La contraseña no puede empezar ni terminar con espacios."
    if len(password) < MIN_LENGTH:
        return f"La contraseña debe tener al menos {MIN_LENGTH} caracteres."
    if len(set(password)) == 1:
        return "La contraseña no puede ser un mismo carácter repetido."
    name = username.strip().casefold()
    if name and name in password.casefold():
        return "La contraseña no puede contener el nombre de usuario."
    if password.casefold() in _common():
        return "La contraseña está en la lista de contraseñas más comunes; elija otra menos previsible."
    return None
