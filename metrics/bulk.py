"""Bulk reporting from Excel: a template with one row per indicator and period, and an all-or-nothing upload.

The upload reads every row, checks each one with the same rules as the Reportar avance form
(writes.prepare) inside one transaction, and writes all of them only if none is rejected;
otherwise it writes nothing and returns each rejected row with its number and reason.

A second sheet, «Avance de acciones», carries the progress of the Plan de Acción's actions: each row
is checked by the Plan de Acción page's own rules (action_plan.prepare: the leader's own process,
period locks, the analysis of a late action) and written in the same all-or-nothing transaction.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from metrics import action_plan, fmt, milestones, validation, xlsx
from metrics import plan as plan_mod
from metrics.accounts import Rejected, audit, authorize, require
from metrics.periods import MONTHS, period_end
from metrics.store import Store
from metrics.timeliness import due_periods
from metrics.validation import blank
from metrics.vocabulary import FREQUENCY_LABELS
from metrics.writes import Entry, prepare, settings_of, write

SHEET = "Reporte"
COLUMNS = {  # key -> header in the template
    "indicator": "Indicador", "name": "Nombre del indicador", "unit": "Unidad", "frequency": "Periodicidad",
    "year": "Año", "period": "Periodo", "label": "Etiqueta del periodo", "period_date": "Fecha de cierre",
    "value": "Valor", "numerator": "Numerador", "denominator": "Denominador", "analysis": "Análisis",
    "evidence_url": "Evidencia (enlace)",
}
ACTION_SHEET = "Avance de acciones"
ACTION_COLUMNS = {  # key -> header of the actions' sheet
    "action": "Acción", "text": "Descripción de la acción", "process": "Proceso", "year": "Año",
    "period": "Trimestre", "expected": "Programado al cierre del trimestre (%)", "progress": "Avance (%)",
    "analysis": "Análisis", "evidence_url": "Evidencia (enlace)",
}
MAX_ROWS = 20000
EXCEL_EPOCH = date(1899, 12, 30)
INSTRUCTIONS = [
    "Cómo usar esta plantilla",
    "Cada fila es un indicador y un periodo. Llene el Valor, o el Numerador y el Denominador si la ficha los tiene.",
    "Los porcentajes se escriben en puntos porcentuales: 85, 85,5 o «85 %» son 85 %; 1 es 1 % y 0,85 es 0,85 %. "
    "Una celda con formato de porcentaje de Excel se lee como se ve (0,85 con formato % es 85 %).",
    "La coma es el separador decimal y el punto separa miles: 1.500 es mil quinientos.",
    f"Límites de texto: análisis {fmt.number(validation.TEXT_LIMITS['analysis'], 0)} caracteres, enlace de la "
    f"evidencia {fmt.number(validation.TEXT_LIMITS['evidence_url'], 0)}.",
    "El periodo se indica con Año y Periodo (1 a 12, 1 a 4, 1 a 2 o 1 según la periodicidad) o con una fecha "
    "dentro del periodo en «Fecha de cierre» (fecha de Excel o texto 31/03/2024 o 2024-03-31).",
    "El Análisis es obligatorio cuando el resultado del periodo no queda en verde.",
    "Las filas sin valor se omiten. Si una fila tiene un error no se guarda ninguna: corrija las filas "
    "señaladas y vuelva a cargar el archivo.",
    "Para cambiar un valor ya reportado use «Corregir» en la página Reportar avance (pide el motivo).",
    f"La hoja «{ACTION_SHEET}» trae las acciones del Plan de Acción de su proceso para el trimestre en curso: "
    "escriba el Avance acumulado de cada acción (0 a 100 %). El Análisis es obligatorio cuando la acción queda "
    "atrasada frente a lo programado. Las filas sin avance se omiten.",
]


@dataclass
class ImportResult:
    written: int = 0
    written_actions: int = 0
    skipped_actions: list[int] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)   # (row number, indicator, reason)
    skipped: list[int] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def template(store: Store, username: str, today: date, since: date) -> bytes:
    """An .xlsx with the periods the account owes (late first), ready to fill."""
    user = authorize(store, username, "report")
    process = None if user.role == "administrador" else user.process
    due = due_periods(store, process, today, since)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _header(ws, COLUMNS.values())
    for r in due.itertuples():
        ws.append([r.indicator, r.name, r.unit, FREQUENCY_LABELS[r.frequency], int(r.year), int(r.period),
                   r.label, r.period_end, None, None, None, None, None])
        ws.cell(ws.max_row, 8).number_format = "DD/MM/YYYY"
    widths = [11, 48, 12, 13, 7, 8, 18, 14, 10, 12, 12, 50, 40]
    for col, width in zip("ABCDEFGHIJKLM", widths):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    _actions_sheet(wb.create_sheet(ACTION_SHEET), store, process, today)
    help_sheet = wb.create_sheet("Instrucciones")
    for line in INSTRUCTIONS:
        help_sheet.append([line])
    help_sheet["A1"].font = Font(bold=True)
    help_sheet.column_dimensions["A"].width = 120
    xlsx.neutralize_book(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(ws, headers) -> None:
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F0")


def _actions_sheet(ws, store: Store, process: str | None, today: date) -> None:
    """The actions of the vigencia in course already started (of the account's process; all for the
    administrator), one row for the quarter in course, with what is programmed at its end."""
    _header(ws, ACTION_COLUMNS.values())
    plan = plan_mod.load(store, today)
    rows = action_plan.at_cut_off(store, plan, today)
    quarter = (today.month - 1) // 3 + 1
    end = period_end(today.year, "T", quarter)
    for r in rows.itertuples():
        if (process is not None and r.process != process) or pd.Timestamp(r.start_date).date() > today:
            continue
        planned = action_plan.expected(pd.Timestamp(r.start_date).date(), pd.Timestamp(r.end_date).date(), end,
                                       milestones.parse(getattr(r, "milestones", None)))
        ws.append([r.code, r.text, r.process_name, today.year, quarter, round(planned, 1), None, None, None])
    for col, width in zip("ABCDEFGHI", [10, 60, 28, 7, 10, 16, 11, 50, 40]):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"


def _key(text) -> str:
    plain = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", plain)


_HEADER_KEYS = {_key(h): k for k, h in COLUMNS.items()} | {"evidencia": "evidence_url", "fecha": "period_date",
                                                            "codigo": "indicator", "ano": "year"}


_ACTION_HEADER_KEYS = {_key(h): k for k, h in ACTION_COLUMNS.items()} | {
    "avance": "progress", "evidencia": "evidence_url", "ano": "year", "codigo": "action"}

Rows = list[tuple[int, dict]]


def _sheet_rows(ws, header_keys: dict[str, str]) -> tuple[Rows, set[str]]:
    """(row number, {column: (value, is percent-formatted)}) for each non-empty row, and the columns found."""
    rows = ws.iter_rows()
    header = next(rows, None)
    columns = {i: header_keys.get(_key(c.value)) for i, c in enumerate(header or [])}
    found = {c for c in columns.values() if c}
    out = []
    for number, cells in enumerate(rows, start=2):
        values = {}
        for i, cell in enumerate(cells):
            key = columns.get(i)
            if key and not blank(cell.value):
                values[key] = (cell.value, "%" in str(getattr(cell, "number_format", "") or ""))
        if values:
            out.append((number, values))
        if len(out) > MAX_ROWS:
            raise Rejected(f"El archivo tiene más de {MAX_ROWS} filas; divídalo en varios.")
    return out, found


def read_rows(data: bytes) -> tuple[Rows, Rows]:
    """The rows of values (sheet «Reporte», or the first sheet) and of action progress (sheet «Avance
    de acciones», when there is one); a sheet without the template's headers is refused."""
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise Rejected("El archivo no es un libro de Excel (.xlsx) válido. Descargue la plantilla y "
                       "cárguela de nuevo.") from exc
    try:
        values, actions = [], []
        names = [n for n in wb.sheetnames if n != ACTION_SHEET]
        if SHEET in wb.sheetnames or ACTION_SHEET not in wb.sheetnames:
            values, found = _sheet_rows(wb[SHEET if SHEET in wb.sheetnames else names[0]], _HEADER_KEYS)
            if "indicator" not in found or not ({"year", "period"} <= found or "period_date" in found):
                raise Rejected("La hoja no tiene los encabezados de la plantilla (Indicador, Año y Periodo o Fecha "
                               "de cierre, Valor…). Descargue la plantilla y copie allí los datos.")
        if ACTION_SHEET in wb.sheetnames:
            actions, found = _sheet_rows(wb[ACTION_SHEET], _ACTION_HEADER_KEYS)
            if not {"action", "period", "progress"} <= found:
                raise Rejected(f"La hoja «{ACTION_SHEET}» no tiene los encabezados de la plantilla (Acción, "
                               "Trimestre, Avance (%)…). Descargue la plantilla y copie allí los datos.")
    finally:
        wb.close()
    return values, actions


_TEXT_DATE = (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"))
_LONG_DATE = re.compile(r"(\d{1,2}) de ([a-záéíóú]+) de (\d{4})")


def parse_date(raw) -> date:
    """An Excel date cell, an Excel serial number, or a text date (31/03/2024, 2024-03-31, 31 de marzo de 2024)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 36526 <= raw <= 73415 and raw == int(raw):   # 2000-01-01 .. 2100-12-31
            return EXCEL_EPOCH + timedelta(days=int(raw))
        raise Rejected(f"«{raw}» no es una fecha.")
    text = str(raw).strip().lower()
    try:
        if m := _TEXT_DATE[0].fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _TEXT_DATE[1].fullmatch(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := _LONG_DATE.fullmatch(text)) and m[2] in MONTHS:
            return date(int(m[3]), MONTHS.index(m[2]) + 1, int(m[1]))
    except ValueError:
        pass
    raise Rejected(f"«{str(raw).strip()}» no es una fecha válida. Use una fecha de Excel o el formato "
                   "DD/MM/AAAA.")


def _entry(cells: dict, ficha: dict) -> Entry:
    """The row as an Entry, with the one reading of a percentage: a cell formatted as a percentage in
    Excel holds a fraction and is read as it is shown (0,95 with format % is 95 %); any other number
    is taken as written, in percentage points, whatever its size."""
    def get(key):
        return cells.get(key, (None, False))[0]

    notes = []
    for key in ("value", "numerator", "denominator"):
        raw, pct_format = cells.get(key, (None, False))
        if pct_format and isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if key != "value" or ficha["unit"] != "%":
                what = f"el indicador se mide en {ficha['unit']}" if key == "value" else "es una cantidad"
                raise Rejected(f"La celda de {COLUMNS[key]} tiene formato de porcentaje, pero {what}: quite el "
                               "formato de porcentaje.")
            shown = round(raw * 100, 9)  # 0.95 * 100 is 94.99999999999999 in binary floating point
            cells[key] = (shown, False)
            notes.append(f"la celda con formato de porcentaje se leyó como {fmt.number(shown, 2)} %")
        elif key == "value" and ficha["unit"] == "%" and isinstance(raw, (int, float)) and 0 < raw < 1:
            typed = fmt.number(raw, 6).rstrip("0")
            notes.append(f"{typed} se guarda como {typed} % (puntos porcentuales); si quiso decir otra cifra, "
                         "corríjala")
    period_date = None if blank(get("period_date")) else parse_date(get("period_date"))
    entry = Entry(ficha["code"], get("year"), get("period"), get("value"), get("numerator"), get("denominator"),
                  get("analysis") or "", get("evidence_url") or "", notes=notes)
    if period_date is not None:
        if not blank(entry.year) or not blank(entry.period):
            _check_same_period(ficha, entry, period_date)
        entry.period_date = period_date
    elif blank(entry.year) or blank(entry.period):
        raise Rejected("Indique el Año y el Periodo, o una fecha del periodo.")
    return entry


def _check_same_period(ficha, entry: Entry, day: date) -> None:
    year, period = validation.period_of_date(ficha["frequency"], day)
    if (validation.whole(entry.year, "El año"), validation.whole(entry.period, "El periodo")) != (year, period):
        raise Rejected(f"La fecha {fmt.short_date(day)} no corresponde al Año {entry.year} y Periodo {entry.period}.")


def _progress_entry(cells: dict) -> tuple[action_plan.ProgressEntry, list[str]]:
    """An actions' sheet row as a ProgressEntry; a cell formatted as a percentage is read as shown."""
    def get(key):
        return cells.get(key, (None, False))[0]

    raw, pct_format = cells["progress"]
    notes = []
    if pct_format and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = round(raw * 100, 9)
        notes.append(f"la celda de avance con formato de porcentaje se leyó como {fmt.number(raw, 1)} %")
    return action_plan.ProgressEntry(str(get("action") or "").strip(), get("period"), raw, get("analysis") or "",
                                     get("evidence_url") or "", year=get("year")), notes


def _prepare_actions(cur, user, rows: Rows, now: datetime, settings, result: ImportResult) -> list:
    """The actions' sheet checked row by row with the Plan de Acción's own rules; rejections are
    named with the sheet, the row number and the action."""
    prepared, seen = [], {}
    for number, cells in rows:
        code = str(cells.get("action", ("", False))[0] or "").strip()
        if "progress" not in cells:
            result.skipped_actions.append(number)
            continue
        try:
            if not code:
                raise Rejected("Falta el código de la acción.")
            entry, notes = _progress_entry(cells)
            p = action_plan.prepare(cur, user, entry, "report", now, settings=settings)
            key = (p.row["action"], p.row["year"], p.row["period"])
            if key in seen:
                raise Rejected(f"Repite el trimestre {p.label} de la fila {seen[key]}.")
            seen[key] = number
            prepared.append(p)
            result.notes.extend((number, f"hoja «{ACTION_SHEET}», {n}") for n in notes)
        except Rejected as exc:
            result.rejected.append((number, code, f"Hoja «{ACTION_SHEET}»: {exc.message}"))
    return prepared


def import_workbook(store: Store, username: str, data: bytes, now: datetime | None = None) -> ImportResult:
    """Validate every row of both sheets, then write all of them in one transaction, or none if any
    is rejected."""
    rows, action_rows = read_rows(data)
    result = ImportResult()
    with store.transaction() as cur:
        now = now or datetime.now()  # inside the write lock: time stamps follow the commit order
        user = require(cur, username, "report")
        fichas = {r["code"]: r for r in plan_mod.frame(cur, "indicator").to_dict("records")}
        settings = settings_of(cur)
        prepared, seen = [], {}
        for number, cells in rows:
            code = str(cells.get("indicator", ("", False))[0] or "").strip()
            if not any(k in cells for k in ("value", "numerator", "denominator")):
                result.skipped.append(number)
                continue
            try:
                if code not in fichas:
                    raise Rejected(f"El indicador «{code}» no existe en el plan vigente." if code else
                                   "Falta el código del indicador.")
                entry = _entry(cells, fichas[code])
                p = prepare(cur, user, entry, "report", now, ficha=fichas[code], settings=settings)
                key = (p.row["indicator"], p.row["year"], p.row["period"])
                if key in seen:
                    raise Rejected(f"Repite el periodo {p.label} de la fila {seen[key]}.")
                seen[key] = number
                prepared.append(p)
                result.notes.extend((number, n) for n in entry.notes)
            except Rejected as exc:
                result.rejected.append((number, code, exc.message))
        progress = _prepare_actions(cur, user, action_rows, now, settings, result)
        if result.rejected or not (prepared or progress):
            return result
        if prepared:
            write(cur, prepared, "bulk", now)
        if progress:
            action_plan.write(cur, progress, "bulk", now)
        audit(cur, user.username, "carga_masiva", f"{len(prepared)} valores, {len(progress)} avances de acciones",
              f"{len(result.skipped) + len(result.skipped_actions)} filas sin valor omitidas", now)
        result.written, result.written_actions = len(prepared), len(progress)
    return result
