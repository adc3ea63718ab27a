"""Herramienta de administración por línea de comandos.

    python -m metrics.admin crear-admin --usuario USUARIO --nombre "NOMBRE" [--db RUTA]
    python -m metrics.admin restablecer-clave --usuario USUARIO [--db RUTA]
    python -m metrics.admin respaldar [--destino ARCHIVO] [--conservar N] [--db RUTA]
    python -m metrics.admin restaurar --origen ARCHIVO [--db RUTA]

Las contraseñas se piden sin mostrarlas en pantalla (o se leen de la entrada estándar con
--clave-stdin, para guiones); nunca se aceptan como argumento, para que no queden en el historial.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from metrics import accounts, backup, fmt, seed
from metrics.accounts import Rejected
from metrics.store import DB_ENV, Store, StoreError, default_db_path


def _password(args) -> str:
    if args.clave_stdin:
        return sys.stdin.readline().rstrip("\r\n")   # "\n", "\r\n" (Windows) or "\r": never part of it
    first = getpass.getpass("Contraseña nueva: ")
    if getpass.getpass("Repita la contraseña: ") != first:
        raise Rejected("Las dos contraseñas no coinciden.")
    return first


@contextmanager
def _opened(args, create: bool = False) -> Iterator[Store]:
    path = Path(args.db) if args.db else default_db_path()
    if not path.exists():
        if not create:
            raise StoreError(f"No existe la base de datos {path}.", f"Revise --db o la variable {DB_ENV}.")
        print(f"La base de datos {path} no existe: se crea con el plan y sin valores ni cuentas.")
        seed.build(path, with_demo=False)
    store = Store(path)
    try:
        yield store
    finally:
        store.close()


def crear_admin(args) -> str:
    with _opened(args, create=True) as store:
        accounts.create_first_admin(store, args.usuario, args.nombre, _password(args))
    return f"Se creó el administrador {args.usuario}."


def restablecer_clave(args) -> str:
    with _opened(args) as store:
        accounts.set_password(store, None, args.usuario, _password(args))
    return f"Se restableció la contraseña de {args.usuario} y se desbloqueó la cuenta."


def respaldar(args) -> str:
    with _opened(args) as store:
        dest = Path(args.destino) if args.destino else backup.default_backup_path(store.path)
        found = backup.backup(store, dest)
        removed = backup.prune(dest.parent, store.path, args.conservar)
    text = (f"Copia de seguridad guardada y verificada en {dest} ({len(found.rows)} tablas, "
            f"{fmt.number(found.measurements, 0)} registros de valores).")
    if removed:
        text += (f" Se borraron {len(removed)} copias antiguas de {dest.parent}; se conservan las "
                 f"{args.conservar} más recientes.")
    return text


def restaurar(args) -> str:
    path = Path(args.db) if args.db else default_db_path()
    found, kept = backup.restore(args.origen, path)
    kept_text = f" El archivo anterior quedó en {kept}." if kept else ""
    return (f"Se restauró {path} desde {args.origen} (esquema versión {found.version}, "
            f"{fmt.number(found.measurements, 0)} registros de valores).{kept_text}")


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"«{text}» no es un número entero de 1 o más")
    return int(text)


class _Spanish(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "uso: " if prefix is None else prefix)


def _spanish(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p._positionals.title, p._optionals.title = "órdenes", "opciones"
    p.add_argument("-h", "--ayuda", action="help", help="muestra esta ayuda y termina")
    return p


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m metrics.admin", add_help=False, formatter_class=_Spanish,
                                description="Administración del tablero de Gobierno Digital: cuentas y copias "
                                            "de seguridad. Ejecútelo con el tablero detenido.")
    _spanish(p)
    p.add_argument("--db", help=f"ruta de la base de datos (por defecto la variable {DB_ENV} o data/demo.duckdb)")
    sub = p.add_subparsers(dest="orden", required=True, metavar="orden")
    c = sub.add_parser("crear-admin", add_help=False, formatter_class=_Spanish, help="crea el primer administrador de una base de datos nueva")
    c.add_argument("--usuario", required=True, help="nombre de usuario del administrador")
    c.add_argument("--nombre", required=True, help="nombre completo")
    c.set_defaults(run=crear_admin)
    r = sub.add_parser("restablecer-clave", add_help=False, formatter_class=_Spanish, help="cambia la contraseña de una cuenta y la desbloquea")
    r.add_argument("--usuario", required=True, help="nombre de usuario de la cuenta")
    r.set_defaults(run=restablecer_clave)
    for cmd in (c, r):
        cmd.add_argument("--clave-stdin", action="store_true",
                         help="lee la contraseña de la entrada estándar (para guiones) en lugar de pedirla")
    b = sub.add_parser("respaldar", add_help=False, formatter_class=_Spanish, help="guarda una copia de seguridad de la base de datos")
    b.add_argument("--destino", help="archivo de la copia (por defecto la carpeta respaldos junto a la base, "
                                     "con el nombre <base>-<fecha>-<hora>.duckdb)")
    b.add_argument("--conservar", type=_at_least_one, default=backup.DEFAULT_KEEP, metavar="N",
                   help=f"cuántas copias fechadas de esta base se conservan en esa carpeta; se borran las "
                        f"más antiguas (por defecto {backup.DEFAULT_KEEP})")
    b.set_defaults(run=respaldar)
    t = sub.add_parser("restaurar", add_help=False, formatter_class=_Spanish, help="reemplaza la base de datos por una copia de seguridad")
    t.add_argument("--origen", required=True, help="archivo de la copia de seguridad")
    t.set_defaults(run=restaurar)
    for cmd in (c, r, b, t):
        _spanish(cmd)
        cmd.add_argument("--db", default=argparse.SUPPRESS, help="ruta de la base de datos")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(args.run(args))
        return 0
    except StoreError as exc:
        print(f"Error: {exc.message}\nQué hacer: {exc.hint}", file=sys.stderr)
    except Rejected as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
