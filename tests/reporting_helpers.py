"""Shared set-up for the accounts and reporting tests: a plan without values, one account per role."""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

from metrics import accounts, seed
from metrics.store import Store

PASSWORD = "clave-de-prueba-123"
USERS = {  # username -> (role, process)
    "admin": ("administrador", None),
    "personero": ("personero", None),
    "lider.ti": ("lider", "TI"),
    "lider.ac": ("lider", "AC"),
    "consulta": ("consulta", None),
}
NOW = datetime(2025, 9, 1, 10, 0)
_TEMPLATES: dict[bool, Path] = {}


def _template(with_demo: bool, folder: Path) -> Path:
    if with_demo not in _TEMPLATES:
        path = folder / f"template-{with_demo}.duckdb"
        seed.build(path, today=date(2025, 9, 1), with_demo=with_demo)
        store = Store(path)
        with store.transaction() as cur:
            for name, (role, process) in USERS.items():
                accounts._insert_user(cur, name, name.title(), role, process, PASSWORD, None, "prueba", NOW)
        store.checkpoint()
        store.close()
        _TEMPLATES[with_demo] = path
    return _TEMPLATES[with_demo]


def fresh_store(tmp_path: Path, with_demo: bool = False) -> Store:
    """A private copy of a database with the plan (and the demo values when asked) and the test accounts."""
    template = _template(with_demo, Path(tmp_path).parent)
    path = Path(tmp_path) / "test.duckdb"
    shutil.copy(template, path)
    return Store(path)
