"""Herramienta de administración por línea de comandos.

    python -m metrics.admin inicializar --db RUTA [--plan plan.xlsx]
    python -m metrics.admin crear-admin --usuario USUARIO --nombre "NOMBRE" [--db RUTA]
    python -m metrics.admin plan exportar --salida plan.xlsx [--db RUTA]
    python -m metrics.admin plan importar plan.xlsx --motivo "MOTIVO" [--desde AAAA-MM-DD] [--db RUTA]
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
from datetime import date
from pathlib import Path
from typing import Iterator

from metrics import accounts, backup, cli, fmt, plan_rules, plan_workbook, seed
from metrics.cli import SpanishParser
from metrics.accounts import Rejected
from metrics.bulk import parse_date
from metrics.store import DB_ENV, Store, StoreError, default_db_path


def _password(args) -> str:
    if args.clave_stdin:
        return sys.stdin.readline().rstrip("\r\n")   # "\n", "\r\n" (Windows) or "\r": never part of it
    first = getpass.getpass("Contraseña nueva: ")
    if getpass.getpass("Repita la contraseña: ") != first:
        raise Rejected("Las dos contraseñas no coinciden.")
    return first


def _path(args) -> Path:
    return Path(args.db) if args.db else default_db_path()


@contextmanager
def _opened(args) -> Iterator[Store]:
    """The database; a missing one is never created here, except the demo (see `inicializar`)."""
    store = seed.open_store(_path(args))
    try:
        yield store
    finally:
        store.close()


def inicializar(args) -> str:
    """A new production database: the plan, no values, no accounts, anonymous reading off."""
    path = _path(args)
    if seed.is_demo_path(path):
        raise StoreError(f"{path} es la ruta de la base de demostración.",
                         "Indique con --db la ruta de la base de la entidad, por ejemplo "
                         "/srv/personeria/tablero.duckdb.")
    if path.exists():
        raise StoreError(f"Ya existe la base de datos {path}; «inicializar» nunca reemplaza una base.",
                         "Para cambiar el plan use «plan importar»; para empezar de cero, mueva antes el archivo "
                         "existente a otro lugar (guarde una copia).")
    if not path.parent.is_dir():
        raise StoreError(f"La carpeta {path.parent} no existe.", "Créela y repita la orden.")
    if args.plan:
        frames, source = plan_workbook.parse(_read(args.plan)), Path(args.plan).name
    else:
        frames, source = seed.seed_frames(), "data/seed"
        if problems := plan_rules.validate(frames):
            raise Rejected("El plan de data/seed/ no cumple las reglas del plan; corrija los archivos:\n"
                           + "\n".join(f"- {p}" for p in problems))
    seed.build(path, with_demo=False, plan=frames, source=source)
    return (f"Se creó {path} con el plan de {source}, sin valores, sin cuentas y sin lectura anónima.\n"
            f"Siguiente paso: {seed.ADMIN_CLI} crear-admin --db {path} --usuario USUARIO --nombre \"NOMBRE\"")


def _read(workbook: str) -> bytes:
    try:
        return Path(workbook).read_bytes()
    except OSError as exc:
        raise StoreError(f"No se pudo leer el libro {workbook}: {exc.strerror}.",
                         "Revise la ruta del archivo .xlsx.") from exc


def crear_admin(args) -> str:
    with _opened(args) as store:
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


def plan_exportar(args) -> str:
    with _opened(args) as store:
        data = plan_workbook.export(store)
    Path(args.salida).write_bytes(data)
    return f"Plan guardado en {args.salida}. Edítelo y cárguelo con «plan importar»."


def plan_importar(args) -> str:
    effective_from = parse_date(args.desde) if args.desde else date.today()
    data = _read(args.libro)
    with _opened(args) as store:
        changes = plan_workbook.preview(store, data, effective_from).changes
        saved = plan_workbook.import_plan(store, args.usuario or accounts.CLI, data, args.motivo, effective_from)
    if not saved:
        return "El libro es igual al plan vigente: no hay cambios que guardar."
    lines = [f"- {c.Hoja} · {c.Llave}: {c.Cambio}. {c.Detalle}" for c in changes.head(50).itertuples()]
    more = [f"- … y {len(changes) - 50} más."] if len(changes) > 50 else []
    saved_text = "Se guardó 1 cambio" if saved == 1 else f"Se guardaron {saved} cambios"
    return "\n".join([f"{saved_text} del plan; rige desde el {fmt.short_date(effective_from)}:",
                      *lines, *more])


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


def parser() -> argparse.ArgumentParser:
    p = SpanishParser(prog="python -m metrics.admin",
                       description="Administración del tablero de Gobierno Digital: base de datos, plan, cuentas "
                                   "y copias de seguridad. Ejecútelo con el tablero detenido.")
    p.add_argument("--db", help=f"ruta de la base de datos (por defecto la variable {DB_ENV} o data/demo.duckdb)")
    sub = p.add_subparsers(dest="orden", required=True, metavar="orden", parser_class=SpanishParser)
    i = sub.add_parser("inicializar",
                       help="crea una base de datos nueva con el plan, sin valores ni cuentas")
    i.add_argument("--plan", help="libro de Excel con el plan de la entidad (por defecto el plan de DE-P-007 de "
                                  "data/seed/)")
    i.set_defaults(run=inicializar)
    c = sub.add_parser("crear-admin", help="crea el primer administrador de una base de datos nueva")
    c.add_argument("--usuario", required=True, help="nombre de usuario del administrador")
    c.add_argument("--nombre", required=True, help="nombre completo")
    c.set_defaults(run=crear_admin)
    r = sub.add_parser("restablecer-clave", help="cambia la contraseña de una cuenta y la desbloquea")
    r.add_argument("--usuario", required=True, help="nombre de usuario de la cuenta")
    r.set_defaults(run=restablecer_clave)
    for cmd in (c, r):
        cmd.add_argument("--clave-stdin", action="store_true",
                         help="lee la contraseña de la entrada estándar (para guiones) en lugar de pedirla")
    b = sub.add_parser("respaldar", help="guarda una copia de seguridad de la base de datos")
    b.add_argument("--destino", help="archivo de la copia (por defecto la carpeta respaldos junto a la base, "
                                     "con el nombre <base>-<fecha>-<hora>.duckdb)")
    b.add_argument("--conservar", type=_at_least_one, default=backup.DEFAULT_KEEP, metavar="N",
                   help=f"cuántas copias fechadas de esta base se conservan en esa carpeta; se borran las "
                        f"más antiguas (por defecto {backup.DEFAULT_KEEP})")
    b.set_defaults(run=respaldar)
    t = sub.add_parser("restaurar", help="reemplaza la base de datos por una copia de seguridad")
    t.add_argument("--origen", required=True, help="archivo de la copia de seguridad")
    t.set_defaults(run=restaurar)
    g = sub.add_parser("plan",
                       help="exporta el plan a un libro de Excel o carga un libro editado")
    plan_sub = g.add_subparsers(dest="accion", required=True, metavar="acción", parser_class=SpanishParser)
    e = plan_sub.add_parser("exportar",
                            help="escribe el plan vigente en un libro de Excel")
    e.add_argument("--salida", required=True, help="archivo .xlsx que se crea")
    e.set_defaults(run=plan_exportar)
    m = plan_sub.add_parser("importar",
                            help="carga un libro editado: todo o nada, con motivo y fecha de vigencia")
    m.add_argument("libro", help="el libro .xlsx editado")
    m.add_argument("--motivo", required=True, help="por qué cambia el plan (queda en la historia)")
    m.add_argument("--desde", help="fecha desde la que rige el cambio, AAAA-MM-DD (por defecto hoy)")
    m.add_argument("--usuario",
                   help="cuenta con permiso para cambiar el plan (administrador u Oficina de Planeación) a cuyo "
                        "nombre queda el cambio (por defecto, «línea de comandos»)")
    m.set_defaults(run=plan_importar)
    for cmd in (i, c, r, b, t, e, m):
        cmd.add_argument("--db", default=argparse.SUPPRESS, help="ruta de la base de datos")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return cli.run(lambda: args.run(args))


if __name__ == "__main__":
    sys.exit(main())
