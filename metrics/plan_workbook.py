"""The plan as one Excel workbook: written with drop-down lists and instructions, read back all or nothing.

Each sheet is one plan table (`plan.TABLES`) with the table's columns, in the schema's order, under
the Spanish labels of `plan.COLUMN_LABELS`; codes are the keys that tie the sheets together. Reading
checks every cell (type, date, list, formula, unknown sheets and headers) and then the plan's own
rules (`plan_rules.validate`), and names every rejected cell by sheet, row and column. Numbers are
written at full precision and dates as dates, so a workbook read back and written again holds the
same cells.
"""
from __future__ import annotations

import io
import math
import re
import threading
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import _writer as cell_writer
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from metrics import plan as plan_mod
from metrics import plan_changes, plan_rules, xlsx
from metrics.accounts import Rejected
from metrics.bulk import parse_date
from metrics.plan import CHOICES, COLUMN_LABELS, SETTING_LABELS, TABLE_LABELS, TABLES
from metrics.vocabulary import ELEMENTS
from metrics.validation import blank, parse_number
from metrics.store import Store

INSTRUCTIONS_SHEET = "Instrucciones"
LISTS_SHEET = "Listas"          # the drop-down lists' values, hidden
SHEET_TITLES = {t: TABLE_LABELS[t] for t in TABLES} | {"indicator_objective": "Aportes a objetivos"}  # ≤ 31 letters
YES, NO = "Sí", "No"
# The columns whose cells show a label from a list (stored value -> label); the label or the stored
# code is accepted when reading.
LISTS = {**CHOICES, ("indicator", "element"): ELEMENTS, ("setting", "key"): SETTING_LABELS,
         ("indicator", "public"): {True: YES, False: NO}}
# The columns that name a code of another sheet (a drop-down over that sheet's codes).
REFERENCES = {("entity", "policy_owner_process"): "process", ("activity", "process"): "process",
              ("indicator", "process"): "process", ("indicator_objective", "indicator"): "indicator",
              ("indicator_objective", "objective"): "objective", ("target", "indicator"): "indicator"}
MONTH_DAY = {("indicator", "report_due_date")}   # 'MM-DD' texts that a spreadsheet may have turned into dates
LIST_ROWS = 2000                                  # rows below the header that carry the drop-down lists
MAX_SHOWN = 200
FORMATS = {"VARCHAR": "texto", "DOUBLE": "número", "INTEGER": "número entero", "DATE": "fecha (dd/mm/aaaa)",
           "BOOLEAN": "Sí o No"}
HELP = {
    ("entity", "policy_owner_process"): "Código de la hoja Procesos.",
    ("setting", "value"): "Un número con punto o coma decimal (60, 10,5).",
    ("plan", "vision_horizon"): "Fecha en que se juzga la visión; solo en el plan que la tiene.",
    ("objective", "weight"): "Peso de un objetivo específico en el puntaje de la política (mayor que cero); 0 en "
                             "los demás.",
    ("objective", "position"): "Posición en la que se muestra.",
    ("process", "leader_role"): "El cargo, nunca el nombre de una persona.",
    ("responsible_role", "position"): "Número único; también es la posición en la que se muestra.",
    ("activity", "position"): "Posición en la que se muestra.",
    ("indicator", "objective"): "Para qué sirve el indicador.",
    ("indicator", "definition"): "«A mayor valor…» o «A menor valor…»: debe coincidir con la polaridad.",
    ("indicator", "numerator"): "Variable del numerador, o la única variable de un conteo o puntaje.",
    ("indicator", "denominator"): "Vacío en conteos y puntajes.",
    ("indicator", "unit"): "%, puntos, #, horas, días hábiles, personas…",
    ("indicator", "accumulation"): "Flujo: se suman los periodos y la meta es el total del año; stock: vale el "
                                   "último valor del año; acumulado: conteo desde el inicio, vale el último valor.",
    ("indicator", "baseline"): "En la unidad del indicador.",
    ("indicator", "red_below"): "% de cumplimiento; vacío: el de la entidad (hoja Ajustes de la entidad).",
    ("indicator", "green_from"): "% de cumplimiento; vacío: el de la entidad (hoja Ajustes de la entidad).",
    ("indicator", "indicator_type"): "eficacia, eficiencia, efectividad, calidad o economía.",
    ("indicator", "level"): "gestión, producto o resultado.",
    ("indicator", "valid_min"): "El menor valor que se puede reportar en un periodo.",
    ("indicator", "valid_max"): "El mayor valor que se puede reportar en un periodo; vacío: sin límite.",
    ("indicator", "weight"): "Peso en los consolidados (1 normal, 2 prioritario).",
    ("indicator", "start_year"): "Primera vigencia en que se mide; desde ella debe tener meta cada año.",
    ("indicator", "report_due_days"): "Días después del cierre del periodo para reportar; vacío: los de la entidad.",
    ("indicator", "report_due_date"): "Texto MM-DD: el día del año siguiente en que vence el valor (por ejemplo "
                                      "06-30), para índices que se publican meses después (FURAG, ITA); vacío: "
                                      "se usa el plazo en días. No escriba los dos.",
    ("indicator_objective", "weight"): "Peso del indicador dentro del objetivo (mayor que cero).",
    ("target", "year"): "Año calendario.",
    ("target", "target"): "En la unidad del indicador; en los indicadores de flujo, el total del año.",
}
GENERAL_RULES = (
    "Este libro es el plan completo: una hoja por tabla, con los encabezados en la fila 1. No cambie, quite ni "
    "agregue encabezados u hojas; puede agregar, cambiar y borrar filas.",
    "Los códigos son las llaves que unen las hojas: un indicador se nombra por su código en Metas por vigencia y "
    "en Aportes a objetivos. Cambiar un código equivale a retirar esa fila y crear otra.",
    "Una fila borrada se retira del plan desde la fecha en que rige el cambio; su historia y sus valores se "
    "conservan.",
    "Las columnas con lista desplegable solo admiten los valores de la lista.",
    "Fechas: una fecha de Excel o el texto dd/mm/aaaa. Números: con coma o punto decimal y sin separador de "
    "miles. Sí o No: «Sí» o «No».",
    "Una celda vacía en una columna no obligatoria significa «no aplica» o «el valor por defecto de la entidad».",
    "Al cargar el libro se revisa todo antes de guardar: si alguna celda tiene un problema no se guarda nada y "
    "cada problema se informa con su hoja, fila y columna. Cada carga pide un motivo y la fecha desde la que rige, "
    "y queda en la historia del plan con quién la hizo.",
)


# -- problems ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CellProblem:
    """One rejected cell (or row, or sheet) of the workbook, with the reason in Spanish."""
    sheet: str
    row: int | None
    column: str | None     # "C (Meta)"
    message: str

    def __str__(self) -> str:
        where = [f"Hoja «{self.sheet}»"] + ([f"fila {self.row}"] if self.row else []) + \
                ([f"columna {self.column}"] if self.column else [])
        return f"{', '.join(where)}: {self.message}"


class WorkbookRejected(Rejected):
    """A workbook refused as a whole; `problems` names every rejected cell."""

    def __init__(self, problems: list[CellProblem]):
        self.problems = problems
        n = len(problems)
        lines = "\n".join(f"- {p}" for p in problems[:MAX_SHOWN])
        more = f"\n- … y {n - MAX_SHOWN} más." if n > MAX_SHOWN else ""
        super().__init__(f"No se guardó nada: el libro tiene {n} {'problema' if n == 1 else 'problemas'}.\n"
                         f"{lines}{more}")


def _columns(table: str) -> dict[str, tuple[str, bool]]:
    return plan_mod.columns()[table]


def _where(table: str, column: str) -> str:
    names = list(_columns(table))
    return f"{get_column_letter(names.index(column) + 1)} ({COLUMN_LABELS[table][column]})"


# -- writing ----------------------------------------------------------------------------------
def export(store: Store, as_of: date | None = None) -> bytes:
    """The workbook of the plan as it stands on `as_of` (None: today)."""
    return write(plan_mod.frames(store, as_of))


def write(frames: dict[str, pd.DataFrame]) -> bytes:
    """The workbook of a plan given as frames (the shape of `plan.frames`)."""
    wb = Workbook()
    _instructions(wb.active)
    lists = _lists_sheet(wb)
    for table in TABLES:
        ws = wb.create_sheet(SHEET_TITLES[table])
        columns = _columns(table)
        ws.append([COLUMN_LABELS[table][c] for c in columns])
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
        frame = frames[table].reindex(columns=list(columns))
        for record in frame.itertuples(index=False):
            ws.append([_shown(table, c, kind, v) for (c, (kind, _)), v in zip(columns.items(), record)])
        for index, (column, (kind, _)) in enumerate(columns.items(), 1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = 16 if kind != "VARCHAR" or (table, column) in LISTS | REFERENCES \
                else 40
            if kind == "DATE":
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "DD/MM/YYYY"
            _drop_down(ws, table, column, letter, lists)
        ws.freeze_panes = "B2"
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    xlsx.neutralize_book(wb)
    out = io.BytesIO()
    with _exact_numbers():
        wb.save(out)
    return out.getvalue()


_NUMBERS_LOCK = threading.Lock()


@contextmanager
def _exact_numbers():
    """While saving, write numbers with every digit a double needs (repr). openpyxl writes 16
    significant digits ("%.16g"), one short: 100/3 would come back as 33.33333333333334."""
    def exact(value):
        return repr(value) if isinstance(value, float) and math.isfinite(value) else original(value)
    with _NUMBERS_LOCK:
        original = cell_writer.safe_string
        cell_writer.safe_string = exact
        try:
            yield
        finally:
            cell_writer.safe_string = original


def _shown(table: str, column: str, kind: str, value):
    """What a cell shows for a stored value."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    if (table, column) in LISTS:
        labels = LISTS[table, column]
        return labels[bool(value)] if kind == "BOOLEAN" else labels.get(value, value)
    if kind == "DATE":
        return pd.Timestamp(value).date()
    if kind == "INTEGER":
        return int(value)
    if kind == "DOUBLE":
        return float(value)
    return str(value)


def _lists_sheet(wb) -> dict[tuple[str, str], str]:
    """A hidden sheet with one column per list; returns each list's range for the drop-downs."""
    ws = wb.create_sheet(LISTS_SHEET)
    ranges = {}
    for index, ((table, column), labels) in enumerate(LISTS.items(), 1):
        letter = get_column_letter(index)
        ws.cell(1, index, f"{SHEET_TITLES[table]} · {COLUMN_LABELS[table][column]}")
        for row, label in enumerate(labels.values(), 2):
            ws.cell(row, index, label)
        ranges[table, column] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    ws.sheet_state = "hidden"
    return ranges


def _drop_down(ws, table: str, column: str, letter: str, lists: dict) -> None:
    if (table, column) in REFERENCES:
        source = REFERENCES[table, column]
        code = get_column_letter(list(_columns(source)).index("code") + 1)
        formula = f"'{SHEET_TITLES[source]}'!${code}$2:${code}${LIST_ROWS + 1}"
        what = f"un código de la hoja {SHEET_TITLES[source]}"
    elif (table, column) in lists:
        formula, what = lists[table, column], "un valor de la lista"
    else:
        return
    rule = DataValidation(type="list", formula1=formula, allow_blank=not _columns(table)[column][1],
                          showErrorMessage=True, errorTitle="Valor no válido",
                          error=f"{COLUMN_LABELS[table][column]}: escoja {what}.")
    rule.add(f"{letter}2:{letter}{LIST_ROWS + 1}")
    ws.add_data_validation(rule)


def _instructions(ws) -> None:
    ws.title = INSTRUCTIONS_SHEET
    ws.append(["El plan del tablero de Gobierno Digital: cómo usar este libro"])
    ws["A1"].font = Font(bold=True, size=14)
    for line in GENERAL_RULES:
        ws.append([line])
    ws.append([])
    ws.append(["Hoja", "Columna", "Obligatoria", "Formato", "Qué contiene"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for table in TABLES:
        keys = plan_mod.KEYS[table]
        ws.append([SHEET_TITLES[table], None, None, None,
                   "Una sola fila." if not keys else "Cada fila se identifica por " + " y ".join(
                       COLUMN_LABELS[table][k] for k in keys) + " (la llave; no se repite)."])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for column, (kind, required) in _columns(table).items():
            ws.append([SHEET_TITLES[table], COLUMN_LABELS[table][column], YES if required else NO,
                       _format(table, column, kind), HELP.get((table, column), "")])
    for letter, width in zip("ABCDE", (24, 36, 12, 40, 90)):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _format(table: str, column: str, kind: str) -> str:
    if (table, column) in LISTS:
        return "lista: " + "; ".join(map(str, LISTS[table, column].values()))
    if (table, column) in REFERENCES:
        return f"código de la hoja {SHEET_TITLES[REFERENCES[table, column]]} (lista)"
    if (table, column) in MONTH_DAY:
        return "texto MM-DD"
    if column in plan_mod.KEYS[table] and kind == "VARCHAR":
        return "código: letras, números, punto y guion, sin espacios"
    return FORMATS.get(kind, "texto")


# -- reading ----------------------------------------------------------------------------------
@dataclass
class ReadPlan:
    """A workbook read cell by cell: the plan's frames, the sheet row of each frame row, the problems."""
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)


def read(data: bytes, known: frozenset = frozenset()) -> ReadPlan:
    """Read a plan workbook: every cell, then the plan rules; `problems` empty means it may be saved.
    `known` are problems the plan already had: as in `save_plan`, they do not block a change."""
    result = _read_cells(data)
    if len(result.frames) == len(TABLES):
        # A rejected cell reads as empty; the rules would then also report what follows from it (a
        # vigencia without target...). Beside rejected cells, only the rules' problems of other cells
        # are added; the rest shows once the cells are fixed.
        flagged = {(p.sheet, p.row, p.column) for p in result.problems}
        rows_of_key = _rows_of_key(result)
        for problem in plan_rules.validate(result.frames):
            if problem in known:
                continue
            for found in _located(problem, result, rows_of_key):
                if (found.sheet, found.row, found.column) not in flagged and (found.row or not flagged):
                    result.problems.append(found)
    return result


def parse(data: bytes, known: frozenset = frozenset()) -> dict[str, pd.DataFrame]:
    """The plan of a workbook, or WorkbookRejected naming every rejected cell."""
    result = read(data, known)
    if result.problems:
        raise WorkbookRejected(result.problems)
    return result.frames


def _plain(text) -> str:
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", folded).strip()


def _read_cells(data: bytes) -> ReadPlan:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise Rejected("El archivo no es un libro de Excel (.xlsx) válido. Descargue el plan desde el tablero "
                       "o con «plan exportar», edítelo y cárguelo de nuevo.") from exc
    result = ReadPlan()
    tables = {_plain(title): table for table, title in SHEET_TITLES.items()}
    for ws in wb.worksheets:
        table = tables.get(_plain(ws.title))
        if table is not None and table not in result.frames:
            _read_sheet(ws, table, result)
        elif _plain(ws.title) not in (_plain(INSTRUCTIONS_SHEET), _plain(LISTS_SHEET)):
            result.problems.append(CellProblem(ws.title, None, None, "hoja desconocida o repetida; las hojas del "
                                               "plan son: " + ", ".join(SHEET_TITLES.values()) + "."))
    wb.close()
    result.problems += [CellProblem(title, None, None, "falta la hoja.")
                        for table, title in SHEET_TITLES.items() if table not in result.frames
                        and not any(p.sheet == title for p in result.problems)]
    return result


def _read_sheet(ws, table: str, result: ReadPlan) -> None:
    title, columns = SHEET_TITLES[table], _columns(table)
    rows = ws.iter_rows()
    by_header = {_plain(COLUMN_LABELS[table][c]): c for c in columns}
    at: dict[int, str] = {}
    for index, cell in enumerate(next(rows, ())):
        if blank(cell.value):
            continue
        name = by_header.get(_plain(cell.value))
        where = f"{get_column_letter(index + 1)} ({cell.value})"
        if name is None:
            result.problems.append(CellProblem(title, 1, where, "encabezado desconocido; use los encabezados del "
                                               "libro descargado."))
        elif name in at.values():
            result.problems.append(CellProblem(title, 1, where, "encabezado repetido."))
        else:
            at[index] = name
    missing = [COLUMN_LABELS[table][c] for c in columns if c not in at.values()]
    if missing:
        result.problems.append(CellProblem(title, 1, None, "faltan las columnas "
                                           + ", ".join(f"«{h}»" for h in missing) + "."))
        return
    records, numbers = [], []
    for number, cells in enumerate(rows, start=2):
        record, bad = {}, False
        for index, cell in enumerate(cells):
            name = at.get(index)
            if name is None:
                if not blank(cell.value):
                    result.problems.append(CellProblem(title, number, get_column_letter(index + 1),
                                                       "dato fuera de las columnas del plan; bórrelo."))
                    bad = True
                continue
            if cell.data_type == "f":
                result.problems.append(CellProblem(title, number, _where(table, name),
                                                   "la celda tiene una fórmula; escriba el valor."))
                bad = True
            elif not blank(cell.value):
                try:
                    record[name] = _stored(table, name, columns[name][0], cell.value)
                except Rejected as exc:
                    result.problems.append(CellProblem(title, number, _where(table, name), exc.message))
                    bad = True
        if record or bad:
            records.append(record)
            numbers.append(number)
    result.frames[table] = pd.DataFrame(records, columns=list(columns), dtype=object)
    result.rows[table] = numbers


def _stored(table: str, column: str, kind: str, raw):
    """The stored value of a non-blank cell, or Rejected with the reason."""
    header = COLUMN_LABELS[table][column]
    if (table, column) in LISTS:
        labels = LISTS[table, column]
        if isinstance(raw, bool) and kind == "BOOLEAN":
            return raw
        found = {_plain(label): value for value, label in labels.items()} | \
                {_plain(value): value for value in labels if isinstance(value, str)}
        if _plain(raw) not in found:
            raise Rejected(f"«{raw}» no está en la lista; use uno de: {'; '.join(map(str, labels.values()))}.")
        return found[_plain(raw)]
    if kind == "DOUBLE":
        return parse_number(raw, f"«{header}»")[0]
    if kind == "INTEGER":
        number = parse_number(raw, f"«{header}»")[0]
        if not number.is_integer():
            raise Rejected(f"«{header}» debe ser un número entero (se escribió «{raw}»).")
        return int(number)
    if kind == "DATE":
        return parse_date(raw)
    if isinstance(raw, (datetime, date)):
        if (table, column) in MONTH_DAY:
            return f"{raw.month:02d}-{raw.day:02d}"
        raise Rejected(f"«{header}» es un texto y la celda tiene una fecha; escríbala como texto.")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw)


def _located(problem, result: ReadPlan, rows_of_key: dict[str, dict[str, list[int]]]) -> list[CellProblem]:
    """A plan rule's problem (table, row key, column) as the workbook cells it concerns."""
    table, title = problem.table, SHEET_TITLES[problem.table]
    column = _where(table, problem.column) if problem.column in _columns(table) else None
    numbers = result.rows.get(table, [])
    key = problem.key
    if key.startswith("fila ") and key[5:].isdigit() and int(key[5:]) <= len(numbers):
        rows = [numbers[int(key[5:]) - 1]]    # a row without its key, numbered as in the frame
    else:
        rows = rows_of_key.get(table, {}).get(key, [])
    if rows:
        return [CellProblem(title, n, column, problem.message) for n in rows]
    about = "" if key in ("—", plan_mod.ENTITY_KEY) or key in problem.message else f"{key}: "
    return [CellProblem(title, None, column, about + problem.message)]


def _rows_of_key(result: ReadPlan) -> dict[str, dict[str, list[int]]]:
    """Per table, the sheet rows of each row key ('GD-05|2025' -> [43]); a repeated key has several."""
    found: dict[str, dict[str, list[int]]] = {}
    for table, frame in result.frames.items():
        keys = found.setdefault(table, {})
        for number, row in zip(result.rows[table], frame.to_dict("records")):
            if all(not blank(row[c]) for c in plan_mod.KEYS[table]):
                keys.setdefault(plan_mod.key_of(table, row), []).append(number)
    return found


# -- loading into the plan --------------------------------------------------------------------
CHANGE_KINDS = {"new": "Nuevo", "changed": "Modificado", "retired": "Retirado"}


@dataclass
class Preview:
    """What loading a workbook would do: its problems, or the rows it changes (nothing is written)."""
    problems: list[CellProblem]
    changes: pd.DataFrame    # Hoja, Llave, Cambio, Detalle


def preview(store: Store, data: bytes, effective_from: date) -> Preview:
    """The problems of a workbook, or the changes it makes to the plan in force on `effective_from`."""
    current = plan_mod.frames(store, effective_from)
    result = read(data, _known(current))
    rows = []
    if not result.problems:
        before = {t: {plan_mod.key_of(t, r): r for r in plan_rules.coerce(t, current[t])[0]} for t in TABLES}
        for table, key, after in plan_changes._diff(current, result.frames):
            old = before[table].get(key)
            kind = "retired" if after is None else "new" if old is None else "changed"
            rows.append((SHEET_TITLES[table], key, CHANGE_KINDS[kind],
                         "" if kind == "retired" else plan_changes.describe(table, old, after)
                         if kind == "changed" else "Fila nueva"))
    return Preview(result.problems, pd.DataFrame(rows, columns=["Hoja", "Llave", "Cambio", "Detalle"]))


def import_plan(store: Store, username, data: bytes, reason: str, effective_from: date) -> int:
    """Load a workbook as the plan in force from `effective_from`, all or nothing; returns the rows
    changed (0: the workbook equals the plan). The account needs the permission "plan"."""
    known = _known(plan_mod.frames(store, effective_from))
    return plan_changes.save_plan(store, username, parse(data, known), reason, effective_from)


def _known(current: dict[str, pd.DataFrame]) -> frozenset:
    return frozenset(plan_rules.validate(current))
