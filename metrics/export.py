"""Exports: PNG/SVG of a figure, the Excel workbook and the open-data CSV, each traceable.

Every export carries its provenance (`Provenance`): the fecha de corte, the app version and a short
hash of the data it was built from (the values in force at the cut-off and the plan tables), so a
figure quoted in an official report can be traced and rebuilt.

Static images come from kaleido 1.x driving the system's Chromium (path given explicitly, MathJax
off, plotly.js from the installed plotly package: nothing is downloaded at run time). One renderer
lives for the whole process and is shared by every Streamlit session behind a lock, because the
kaleido sync server in 1.5 keeps one shared result queue.
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import shutil
import struct
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import plotly
import plotly.graph_objects as go

from metrics import actions as actions_mod
from metrics import fmt, values, xlsx
from metrics import plan as plan_mod
from metrics.periods import period_label
from metrics.plan import Plan
from metrics.vocabulary import (ACCUMULATION_LABELS, ACTION_STATUSES, FREQUENCY_LABELS, OBJECTIVE_KINDS,
                                POLARITY_LABELS, PROCESS_TYPES, STATUS_LABELS, YES_NO)
from metrics.snapshot import Snapshot
from metrics.store import Store

APP_VERSION = "0.5.0"
CHROMIUM_ENV = "PERSONERIA_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
IMAGE_WIDTH = 1100
PNG_SCALE = 2
CAPTION_OFFSET = 62  # px from the plot area down to the caption, below the x-axis title
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


# -- provenance ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Provenance:
    """What an export was built from: cut-off, app version, short hash of the data."""
    as_of: date
    data_hash: str
    version: str = APP_VERSION

    @property
    def label(self) -> str:
        return f"Corte {fmt.short_date(self.as_of)} · Versión {self.version} · Datos {self.data_hash}"

    def as_dict(self) -> dict[str, str]:
        return {"fecha_corte": self.as_of.isoformat(), "version": self.version, "hash_datos": self.data_hash}


def _hashed_parts(store: Store, as_of: date) -> list[tuple[str, str, list]]:
    """(name, SQL, parameters) of what the figures of a cut-off are built from: every plan table, the
    plan changes in force by then, the values in force (through the as-of store) and the Plan de
    Acción's progress recorded by then. Ids, who recorded a row and why are left out."""
    parts = [(table, f"SELECT * FROM {table}", []) for table in plan_mod.TABLES]
    in_force = f"SELECT indicator, year, period, period_end, value FROM ({values.in_force_sql(whole=False)}) " \
               "WHERE NOT is_void"
    parts += [("plan_change", "SELECT item, item_key, effective_from, retired, data FROM plan_change "
                              "WHERE effective_from <= ?", [as_of]),
              ("measurement", in_force, values.in_force_params(as_of)),
              ("action_progress", "SELECT action, year, period, period_end, progress, is_void, recorded_at "
                                  "FROM action_progress WHERE recorded_at < ? AND period_end <= ?",
               values.in_force_params(as_of))]
    return parts


def data_hash(store: Store, as_of: date) -> str:
    """12 hex digits of a sha256 over the data the figures of a cut-off are built from (`_hashed_parts`).

    Computed in DuckDB, in one query: each part is its row count and the sums of the md5 of every row
    written as JSON, which do not depend on the order DuckDB reads the rows in, so the same data and
    cut-off always give the same hash, in any database file.
    """
    parts = _hashed_parts(store, as_of)
    sql = " UNION ALL ".join(
        f"SELECT {k} AS k, count(*), sum(md5_number_upper(to_json(r)::VARCHAR))::VARCHAR, "
        f"sum(md5_number_lower(to_json(r)::VARCHAR))::VARCHAR FROM ({query}) r" for k, (_, query, _) in enumerate(parts))
    found = {row[0]: row[1:] for row in store.query(sql, [p for _, _, params in parts for p in params])
             .itertuples(index=False, name=None)}
    digest = hashlib.sha256()
    for k, (name, _, _) in enumerate(parts):
        digest.update(f"{name}:{':'.join(str(x) for x in found[k])};".encode())
    digest.update(as_of.isoformat().encode())
    return digest.hexdigest()[:12]


def provenance(store: Store, as_of: date) -> Provenance:
    return Provenance(as_of, data_hash(store, as_of))


# -- the renderer ----------------------------------------------------------------------------
def chromium_path() -> str:
    """The system Chromium: PERSONERIA_CHROMIUM, else /usr/bin/chromium, else on the PATH."""
    found = os.environ.get(CHROMIUM_ENV) or (DEFAULT_CHROMIUM if Path(DEFAULT_CHROMIUM).exists() else None) \
        or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("No se encontró Chromium para generar imágenes. Instale el paquete del sistema "
                           f"(apt-get install chromium) o indique su ruta en {CHROMIUM_ENV}.")
    return found


RENDER_TABS = 2  # tabs of the one Chromium that render a batch side by side (a tab is a page, not a browser)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class RenderError(RuntimeError):
    """A figure the renderer could not turn into an image; the message is for the person who asked."""


class Renderer:
    """One long-lived kaleido server for the process (one Chromium with RENDER_TABS tabs), used by one
    caller at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        import kaleido
        return kaleido._global_server.is_running()  # noqa: SLF001 (no public accessor in 1.5)

    def start(self, **browser_options) -> None:
        """Start Chromium once (about 2 s); later calls return at once. Options go to choreographer."""
        with self._lock:
            self._start(browser_options)

    def _start(self, browser_options: dict) -> None:
        import kaleido
        if self.running:
            return
        kaleido.start_sync_server(path=chromium_path(), n=RENDER_TABS, mathjax=False, plotlyjs=str(PLOTLY_JS),
                                  timeout=60, silence_warnings=True, **browser_options)

    def stop(self) -> None:
        import kaleido
        with self._lock:
            kaleido.stop_sync_server(silence_warnings=True)

    def render_many(self, jobs: list[tuple[go.Figure, str, int, int, float]]) -> list[bytes]:
        """Images of (figure, format, width, height, scale) jobs, in order, from one call to kaleido: its
        tabs take the figures side by side. kaleido returns the bytes of one figure only, so a batch
        goes through files in a temporary folder."""
        import kaleido
        with tempfile.TemporaryDirectory(prefix="tablero-imagenes-") as folder:
            paths = [Path(folder) / f"{i}.{fmt_}" for i, (_, fmt_, *_) in enumerate(jobs)]
            specs = [{"fig": fig.to_dict(), "path": path,
                      "opts": {"format": fmt_, "width": width, "height": height, "scale": scale}}
                     for path, (fig, fmt_, width, height, scale) in zip(paths, jobs)]
            with self._lock:
                self._start({})
                try:
                    kaleido.write_fig_from_object_sync(specs, cancel_on_error=True)
                except Exception as exc:  # kaleido's own messages are in English and name its internals
                    raise RenderError(_render_failed(len(jobs))) from exc
            return [_checked(path.read_bytes() if path.exists() else b"", fmt_, fig)
                    for path, (fig, fmt_, *_) in zip(paths, jobs)]


def _render_failed(n: int) -> str:
    return (f"No se pudo generar {'la imagen' if n == 1 else f'las {n} imágenes'}: el motor de gráficos "
            "(Chromium) falló o tardó demasiado. Inténtelo de nuevo; si se repite, avise al administrador del "
            "tablero.")


def _checked(data: bytes, fmt_: str, fig: go.Figure) -> bytes:
    """The image bytes, or a RenderError in Spanish when the renderer gave nothing usable (it returns
    nothing for a figure too large to draw, for instance)."""
    usable = data.startswith(PNG_SIGNATURE) if fmt_ == "png" else b"<svg" in data[:2000]
    if not usable:
        title = _title(fig).replace("<br>", " ") or "sin título"
        raise RenderError(f"No se pudo generar la imagen «{title}» ({fmt_.upper()}): el motor de gráficos no "
                          f"devolvió ninguna imagen ({int(fig.layout.height or 0)} px de alto). Inténtelo de "
                          "nuevo; si se repite, avise al administrador del tablero.")
    return data


RENDERER = Renderer()


def stamped(fig: go.Figure, prov: Provenance) -> go.Figure:
    """A copy of a framed figure for a static image: caption below the axis title, in short lines,
    with the version and the data hash added, whatever the figure's height."""
    out = go.Figure(copy.deepcopy(fig.to_dict()))
    caption = next((a for a in out.layout.annotations if "Fecha de corte" in (a.text or "")), None)
    line = f"Versión {prov.version} · Datos {prov.data_hash}"
    if caption is None:
        caption = out.add_annotation(text=f"Fecha de corte: {fmt.long_date(prov.as_of)}", xref="paper",
                                     yref="paper", showarrow=False, font={"size": 10}).layout.annotations[-1]
    text = caption.text.replace(" · Fuente", "<br>Fuente", 1)
    caption.update(text=f"{text}<br>{line}", align="left", x=0, xanchor="left", y=0, yanchor="top",
                   yshift=-CAPTION_OFFSET)
    lines = caption.text.count("<br>") + 1
    out.update_layout(margin={"b": CAPTION_OFFSET + 15 * lines + 12}, meta=prov.as_dict())
    return out


def _title(fig: go.Figure) -> str:
    return (fig.layout.title.text or "") if fig.layout.title else ""


def render_many(figs: list[go.Figure], prov: Provenance, fmt_: str = "png", width: int = IMAGE_WIDTH,
                scale: float = PNG_SCALE) -> list[bytes]:
    """PNG or SVG bytes of several framed figures, stamped and traceable as `png` and `svg` make them,
    rendered together in one call (the PDF report's 20 to 50 charts)."""
    outs = [stamped(fig, prov) for fig in figs]
    images = RENDERER.render_many([(out, fmt_, width, int(out.layout.height or 450), scale if fmt_ == "png" else 1)
                                   for out in outs])
    finish = _png_traced if fmt_ == "png" else _svg_traced
    return [finish(image, fig, prov) for image, fig in zip(images, figs)]


def png(fig: go.Figure, prov: Provenance, width: int = IMAGE_WIDTH, scale: float = PNG_SCALE) -> bytes:
    """PNG bytes of a figure ready for a report, with title and provenance in text chunks too."""
    return render_many([fig], prov, "png", width, scale)[0]


def svg(fig: go.Figure, prov: Provenance, width: int = IMAGE_WIDTH) -> bytes:
    """SVG bytes of a figure, with the provenance also in a <metadata> element."""
    return render_many([fig], prov, "svg", width)[0]


def _png_traced(data: bytes, fig: go.Figure, prov: Provenance) -> bytes:
    return _png_with_text(data, {"Title": _title(fig), "Fecha de corte": prov.as_of.isoformat(),
                                 "Versión": prov.version, "Hash de datos": prov.data_hash,
                                 "Software": f"Tablero DE-P-007 {prov.version}"})


def _svg_traced(data: bytes, fig: go.Figure, prov: Provenance) -> bytes:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    meta = json.dumps({"titulo": _title(fig), **prov.as_dict()}, ensure_ascii=False)
    meta = meta.replace("&", "&amp;").replace("<", "&lt;")
    end = text.index(">", text.index("<svg")) + 1
    return (text[:end] + f"<metadata>{meta}</metadata>" + text[end:]).encode("utf-8")


def _png_with_text(data: bytes, entries: dict[str, str]) -> bytes:
    """Insert iTXt chunks (UTF-8 key/value text) right after the PNG header chunk."""
    if not (data or b"").startswith(PNG_SIGNATURE) or len(data) < 33:
        raise RenderError("La imagen PNG llegó vacía o incompleta del motor de gráficos, así que no se le puede "
                          "anotar la fecha de corte ni el hash de los datos. Inténtelo de nuevo; si se repite, "
                          "avise al administrador del tablero.")
    ihdr_end = 8 + 8 + struct.unpack(">I", data[8:12])[0] + 4
    chunks = b""
    for key, value in entries.items():
        body = key.encode("latin-1") + b"\x00\x00\x00\x00\x00" + value.encode("utf-8")
        chunks += struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(b"iTXt" + body))
    return data[:ihdr_end] + chunks + data[ihdr_end:]


def png_text(data: bytes) -> dict[str, str]:
    """The iTXt entries of a PNG (used by the tests and to trace a figure back)."""
    found, pos = {}, 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"iTXt":
            key, rest = body.split(b"\x00", 1)
            found[key.decode("latin-1")] = rest[4:].decode("utf-8")
        pos += 12 + length
    return found


def file_stem(name: str, as_of: date) -> str:
    """The name of a downloaded file: what it is and its cut-off. The data hash is inside every file
    (image text, PDF cover and metadata, workbook), so naming a file never has to compute it."""
    return f"{name}_{as_of.isoformat()}"


# -- tables shared by the Excel workbook and the report --------------------------------------
FICHA_COLUMNS = {
    "code": "Código", "name": "Nombre", "objective": "Objetivo del indicador", "definition": "Definición",
    "formula": "Fórmula", "numerator": "Numerador", "denominator": "Denominador", "unit": "Unidad",
    "polarity": "Sentido", "accumulation": "Acumulación", "frequency": "Periodicidad",
    "baseline": "Línea base", "baseline_year": "Año línea base", "red_below": "Rojo por debajo de (%)",
    "green_from": "Verde desde (%)", "process": "Proceso", "element": "Elemento de la política",
    "source": "Fuente de datos", "indicator_type": "Tipo", "level": "Nivel", "public": "Dato abierto",
    "weight": "Peso", "start_year": "Año de inicio",
}


def fichas(plan: Plan) -> pd.DataFrame:
    df = plan.indicators[list(FICHA_COLUMNS)].copy()
    df["polarity"] = df["polarity"].map(POLARITY_LABELS)
    df["accumulation"] = df["accumulation"].map(ACCUMULATION_LABELS)
    df["frequency"] = df["frequency"].map(FREQUENCY_LABELS)
    df["public"] = df["public"].map(YES_NO)
    df = df.rename(columns=FICHA_COLUMNS)
    df.insert(df.columns.get_loc("Proceso") + 1, "Nombre del proceso", _process_names(plan, df["Proceso"]))
    return df


def _process_names(plan: Plan, codes: pd.Series) -> list[str]:
    """The process name for each code, so a reader never has to decode 'TI' or 'GJ'."""
    names = dict(zip(plan.processes["code"], plan.processes["name"]))
    return [names.get(c, "") for c in codes]


def indicator_table(snap: Snapshot, plan: Plan | None = None) -> pd.DataFrame:
    df = snap.indicators
    names = {"Nombre del proceso": _process_names(plan, df["process"])} if plan is not None else {}
    return pd.DataFrame({
        "Código": df["code"], "Indicador": df["name"], "Proceso": df["process"], **names, "Unidad": df["unit"],
        "Vigencia": df["year"].astype("Int64"), "Periodos reportados": df["n_reported"].astype("Int64"),
        "Resultado": df["result"].astype(float), "Meta": df["target"].astype(float),
        "Cumplimiento": df["attainment_raw"].astype(float),
        "Semáforo": df["status"].map(STATUS_LABELS),
    })


def score_table(frame: pd.DataFrame, label: str, extra: dict[str, str]) -> pd.DataFrame:
    out = pd.DataFrame({"Código": frame["code"], label: frame["text" if "text" in frame else "name"]})
    for col, title in extra.items():
        out[title] = frame[col].map(lambda k: OBJECTIVE_KINDS.get(k) or PROCESS_TYPES.get(k, k))
    out["Puntaje"] = frame["score"].astype(float)
    out["Cobertura de datos"] = frame["coverage"].astype(float)
    out["Indicadores"] = frame["n"].fillna(0).astype(int)
    out["Con dato"] = frame["n_data"].fillna(0).astype(int)
    out["Semáforo"] = frame["status"].map(STATUS_LABELS)
    return out


def value_tables(store: Store, plan: Plan, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values in force at the cut-off, every version recorded up to it), without who recorded them."""
    freq = plan.indicators.set_index("code")["frequency"]
    current = values.current_values(store, as_of)
    history = store.query(  # every version recorded by the cut-off, in the order they were written
        "SELECT * FROM measurement WHERE recorded_at < ? AND period_end <= ? ORDER BY indicator, year, period, id",
        values.in_force_params(as_of))

    def shape(df: pd.DataFrame, extra: dict[str, str]) -> pd.DataFrame:
        out = pd.DataFrame({
            "Indicador": df["indicator"],
            "Periodo": [period_label(int(y), freq[i], int(p)) for i, y, p in
                        zip(df["indicator"], df["year"], df["period"])],
            "Vigencia": df["year"].astype(int), "Periodo n.º": df["period"].astype(int),
            "Fin del periodo": pd.to_datetime(df["period_end"]).dt.date,
            "Valor": df["value"].astype(float),
        })
        for col, title in extra.items():
            out[title] = df[col]
        return out

    current_t = shape(current, {"analysis": "Análisis", "evidence_url": "Evidencia",
                                "recorded_at": "Registrado el"})
    history_t = shape(history, {"id": "Registro", "recorded_at": "Registrado el", "supersedes": "Reemplaza a",
                                "reason": "Motivo de la corrección", "is_void": "Anulado"})
    history_t["Anulado"] = history_t["Anulado"].map(YES_NO)
    return current_t, history_t


# -- Excel -------------------------------------------------------------------------------------
SHEETS = ("Portada", "Fichas técnicas", "Indicadores", "Objetivos", "Procesos", "Valores vigentes",
          "Historial de valores", "Reportes atrasados", "Acciones de mejora")
_PERCENT_COLUMNS = {"Cumplimiento", "Puntaje", "Cobertura de datos"}  # fractions 0..1
# in the indicator's unit, row by row
_UNIT_COLUMNS = {"Resultado", "Meta", "Valor", "Línea base", "valor", "meta_vigencia", "linea_base"}
_COUNT_COLUMNS = {"Periodos reportados", "Indicadores", "Con dato", "Días de atraso"}
_DATETIME_COLUMNS = {"Registrado el"}  # the other date cells are days
_YEAR_COLUMNS = {"Vigencia", "Periodo n.º", "Año línea base", "Año de inicio", "Registro", "Reemplaza a", "N.º",
                 "vigencia"}  # numbers read as codes, never with a thousands separator
DATE_FORMAT = "DD/MM/YYYY"          # Excel's format codes are locale-free: a Colombian Excel shows 31/12/2024
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
COUNT_UNITS = {"#", "", "personas", "unidades", "número"}


def unit_format(unit) -> str:
    """The Excel number format of a value in an indicator's unit. Percentages are stored as points
    (85.5 means 85,5 %), so the sign is a literal, not Excel's ×100 percent; counts have no decimals;
    other units are written after the number. Excel applies the reader's own separators (a Colombian
    Excel shows 1.234,5). A unit that could break the format code is left out of it."""
    unit = "" if unit is None or unit != unit else str(unit).strip()
    if unit == "%":
        return '0.0" %"'
    if unit.lower() in COUNT_UNITS:
        return "#,##0"
    if unit and all(ch.isalpha() or ch in " .-áéíóúñÁÉÍÓÚÑ" for ch in unit):
        return f'#,##0.0" {unit}"'
    return "#,##0.0"


def late_table(plan: Plan, snap: Snapshot) -> pd.DataFrame:
    """The late reports at the cut-off: which period, due when, how many days since it ended."""
    late = snap.late
    return pd.DataFrame({
        "Indicador": late["indicator"], "Nombre del indicador": late["name"], "Proceso": late["process"],
        "Nombre del proceso": _process_names(plan, late["process"]),
        "Periodo": [period_label(int(y), f, int(p))
                    for y, f, p in zip(late["year"], late["frequency"], late["period"])],
        "Fin del periodo": pd.to_datetime(late["period_end"]).dt.date,
        "Plazo de reporte": pd.to_datetime(late["deadline"]).dt.date,
        "Días de atraso": late["days_late"].astype(int),
    })


def actions_table(store: Store, plan: Plan, as_of: date) -> pd.DataFrame:
    """The improvement actions recorded by the cut-off (the plan de mejoramiento), without who typed them."""
    df = actions_mod.actions(store, as_of)
    return pd.DataFrame({
        "N.º": df["id"].astype(int), "Indicador": df["indicator"], "Nombre del indicador": df["indicator_name"],
        "Proceso": df["process"], "Nombre del proceso": _process_names(plan, df["process"]),
        "Acción de mejora": df["action"], "Responsable": df["responsible"],
        "Fecha límite": pd.to_datetime(df["due_date"]).dt.date, "Estado": df["status"].map(ACTION_STATUSES),
        "Vencida": df["overdue"].map(YES_NO), "Registrada el": pd.to_datetime(df["created_at"]).dt.date,
    })


def workbook(store: Store, plan: Plan, snap: Snapshot, prov: Provenance) -> bytes:
    """The Excel workbook as of the cut-off: fichas, scores, values with their history, late reports and
    improvement actions; real dates shown dd/mm/aaaa, numbers formatted with their unit, filters on
    every table."""
    current, history = value_tables(store, plan, snap.as_of)
    units = plan.indicators.set_index("code")["unit"]
    cover = pd.DataFrame({"Campo": [
        "Entidad", "Política", "Documento", "Fecha de corte", "Versión del tablero", "Hash de los datos",
        "Puntaje de la política", "Semáforo de la política", "Nota"], "Valor": [
        plan.entity["name"], plan.entity["policy_name"], plan.entity["policy_code"],
        prov.as_of, prov.version, prov.data_hash, snap.policy,
        STATUS_LABELS.get(snap.policy_status, snap.policy_status),
        "Datos de demostración" if plan.is_demo else "Cifras calculadas con los valores vigentes a la fecha de corte"]})
    frames = {
        "Portada": cover,
        "Fichas técnicas": fichas(plan),
        "Indicadores": indicator_table(snap, plan),
        "Objetivos": score_table(snap.objectives, "Objetivo", {"kind": "Tipo"}),
        "Procesos": score_table(snap.processes, "Proceso", {"type": "Tipo"}),
        "Valores vigentes": current,
        "Historial de valores": history,
        "Reportes atrasados": late_table(plan, snap),
        "Acciones de mejora": actions_table(store, plan, snap.as_of),
    }
    row_units = {"Fichas técnicas": fichas(plan)["Unidad"], "Indicadores": snap.indicators["unit"],
                 "Valores vigentes": current["Indicador"].map(units),
                 "Historial de valores": history["Indicador"].map(units)}
    return _book(frames, row_units, f"Seguimiento {plan.entity['policy_code']} al {prov.as_of.isoformat()}",
                 plan.entity["policy_name"], prov)


def _book(frames: dict[str, pd.DataFrame], row_units: dict[str, pd.Series], title: str, subject: str,
          prov: Provenance) -> bytes:
    """Every workbook for people: formatted sheets, formula-like texts stored as text, provenance in
    the document properties."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in frames.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
            _format_sheet(writer.sheets[sheet], row_units.get(sheet))
        book = writer.book
        xlsx.neutralize_book(book)
        book.properties.title = title
        book.properties.subject = subject
        book.properties.keywords = prov.label
        book.properties.creator = f"Tablero DE-P-007 {prov.version}"
        book.properties.created = book.properties.modified = datetime(prov.as_of.year, prov.as_of.month,
                                                                      prov.as_of.day)
    return buffer.getvalue()


def _format_sheet(ws, units: pd.Series | None = None) -> None:
    """Bold frozen header, a filter on the table, widths, and a number format for every numeric column."""
    from openpyxl.styles import Font
    headers = [c.value for c in ws[1]]
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    unit_list = list(units) if units is not None else []
    for idx, title in enumerate(headers, 1):
        letter = ws.cell(row=1, column=idx).column_letter
        width = max([len(str(title))] + [len(_shown(c.value)) for c in ws[letter][1:200] if c.value is not None])
        ws.column_dimensions[letter].width = min(max(width + 2, 10), 60)
        cells = ws[letter][1:]
        if title in _PERCENT_COLUMNS:
            formats = ["0.0%"] * len(cells)
        elif title in _UNIT_COLUMNS and unit_list:
            formats = [unit_format(u) for u in unit_list]
        elif title in _COUNT_COLUMNS:
            formats = ["#,##0"] * len(cells)
        elif title in _YEAR_COLUMNS:
            formats = ["0"] * len(cells)
        else:
            stamp = DATETIME_FORMAT if title in _DATETIME_COLUMNS else DATE_FORMAT
            formats = [stamp if isinstance(c.value, (date, datetime)) else c.number_format for c in cells]
        for c, number_format in zip(cells, formats):
            c.number_format = number_format
    if ws.title == "Portada":
        ws["B5"].number_format = DATE_FORMAT
        ws["B8"].number_format = "0.0%"


def _shown(value) -> str:
    return "00/00/0000 00:00" if isinstance(value, (date, datetime)) else str(value)


# -- open data (Ley 1712 de 2014) ----------------------------------------------------------------
OPEN_DATA_DICTIONARY = [
    ("codigo_indicador", "Texto", "Código del indicador en la batería de la política", "GD-01"),
    ("nombre_indicador", "Texto", "Nombre del indicador", "Índice de la Política de Gobierno Digital (FURAG)"),
    ("unidad", "Texto", "Unidad de medida del valor", "%"),
    ("sentido", "Texto", "Si un valor mayor o menor es mejor", POLARITY_LABELS["up"]),
    ("periodicidad", "Texto", "Frecuencia de reporte (Mensual, Trimestral, Semestral, Anual)", "Trimestral"),
    ("proceso", "Texto", "Código del proceso responsable", "TI"),
    ("vigencia", "Número entero", "Año al que corresponde el valor", "2024"),
    ("periodo", "Texto", "Periodo reportado dentro de la vigencia", "2024-T3"),
    ("fecha_fin_periodo", "Fecha (AAAA-MM-DD)", "Último día del periodo reportado", "2024-09-30"),
    ("valor", "Número decimal (punto decimal)", "Valor reportado vigente a la fecha de corte", "83.5"),
    ("meta_vigencia", "Número decimal (punto decimal)", "Meta del indicador para la vigencia", "90"),
    ("linea_base", "Número decimal (punto decimal)", "Valor de línea base del indicador", "55"),
    ("fuente", "Texto", "Fuente de los datos del indicador", "FURAG – Función Pública"),
    ("fecha_corte", "Fecha (AAAA-MM-DD)", "Fecha de corte de la publicación", "2024-12-31"),
]


def open_data(store: Store, plan: Plan, as_of: date) -> pd.DataFrame:
    """Values in force at the cut-off of the indicators marked public, with no personal data."""
    public = plan.indicators[plan.indicators["public"].astype(bool)]
    current = values.current_values(store, as_of)
    df = current.merge(public, left_on="indicator", right_on="code", suffixes=("", "_ind"))
    df = df.merge(plan.targets, on=["indicator", "year"], how="left")
    return pd.DataFrame({
        "codigo_indicador": df["indicator"], "nombre_indicador": df["name"], "unidad": df["unit"],
        "sentido": df["polarity"].map(POLARITY_LABELS), "periodicidad": df["frequency"].map(FREQUENCY_LABELS),
        "proceso": df["process"], "vigencia": df["year"].astype(int),
        "periodo": [period_label(int(y), f, int(p)) for y, f, p in zip(df["year"], df["frequency"], df["period"])],
        "fecha_fin_periodo": pd.to_datetime(df["period_end"]).dt.strftime("%Y-%m-%d"),
        "valor": df["value"].astype(float), "meta_vigencia": df["target"].astype(float),
        "linea_base": df["baseline"].astype(float), "fuente": df["source"],
        "fecha_corte": as_of.isoformat(),
    }, columns=[c for c, *_ in OPEN_DATA_DICTIONARY])


def open_data_csv(store: Store, plan: Plan, as_of: date) -> str:
    return open_data(store, plan, as_of).to_csv(index=False, lineterminator="\n", float_format="%.10g")


def _dictionary_frame() -> pd.DataFrame:
    return pd.DataFrame(OPEN_DATA_DICTIONARY, columns=["campo", "tipo", "descripcion", "ejemplo"])


def data_dictionary_csv() -> str:
    return _dictionary_frame().to_csv(index=False, lineterminator="\n")


# The open licence for the portal: Creative Commons Atribución 4.0, the one recommended for datos.gov.co and
# the one MinTIC publishes its own "Guía para el uso y aprovechamiento de Datos Abiertos en Colombia" under;
# Ley 1712 de 2014 asks that open data carry an open licence.
LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Atribución 4.0 Internacional (CC BY 4.0)",
           "path": "https://creativecommons.org/licenses/by/4.0/deed.es"}
LICENSE_TITLE = "CC BY 4.0"
# Frictionless Table Schema type of each type written in the data dictionary (one home: the dictionary).
SCHEMA_TYPES = {"Texto": "string", "Número entero": "integer", "Número decimal (punto decimal)": "number",
                "Fecha (AAAA-MM-DD)": "date"}


def open_data_xlsx(store: Store, plan: Plan, prov: Provenance) -> bytes:
    """The open-data table as an Excel workbook for people: a CSV opened by double-click in a Colombian
    Excel (which expects ';' and a legacy code page) garbles the accents and keeps one column; this
    opens right, with real dates and numbers, its dictionary and its licence."""
    data = open_data(store, plan, prov.as_of)
    units = data["unidad"]
    for column, kind, *_ in OPEN_DATA_DICTIONARY:
        if SCHEMA_TYPES[kind] == "date":
            data[column] = pd.to_datetime(data[column]).dt.date
    about = pd.DataFrame({"Campo": ["Conjunto de datos", "Entidad", "Fecha de corte", "Licencia",
                                    "Texto de la licencia", "Hash de los datos"],
                          "Valor": [f"Indicadores de la {plan.entity['policy_name']}", plan.entity["name"], prov.as_of,
                                    LICENSE["title"], LICENSE["path"], prov.data_hash]})
    return _book({"Datos": data, "Diccionario de datos": _dictionary_frame(), "Acerca de": about},
                 {"Datos": units}, f"Datos abiertos {plan.entity['policy_code']} al {prov.as_of.isoformat()}",
                 plan.entity["policy_name"], prov)


def datapackage(plan: Plan, prov: Provenance, csv_name: str) -> dict:
    """The Frictionless Data Package describing the CSV: its schema from the data dictionary, its licence."""
    fields = []
    for name, kind, description, example in OPEN_DATA_DICTIONARY:
        field = {"name": name, "type": SCHEMA_TYPES[kind], "description": description, "example": example}
        if field["type"] == "number":
            field["decimalChar"] = "."
        fields.append(field)
    return {
        "profile": "tabular-data-package",
        "name": f"indicadores-gobierno-digital-{prov.as_of.isoformat()}",
        "title": f"Indicadores de la {plan.entity['policy_name']} ({plan.entity['policy_code']}) – "
                 f"{plan.entity['name']}",
        "description": "Valores vigentes a la fecha de corte de los indicadores marcados como públicos "
                       "(Ley 1712 de 2014). Sin datos personales.",
        "version": prov.version, "created": f"{prov.as_of.isoformat()}T00:00:00Z", "keywords": [prov.label],
        "licenses": [LICENSE],
        "contributors": [{"title": plan.entity["name"], "role": "publisher"}],
        "resources": [{
            "profile": "tabular-data-resource", "name": "indicadores", "path": csv_name, "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\n", "header": True},
            "licenses": [LICENSE], "schema": {"fields": fields, "missingValues": [""]},
        }],
    }


def open_data_zip(store: Store, plan: Plan, prov: Provenance) -> bytes:
    """The CSV for datos.gov.co, the same table as .xlsx, the dictionary, datapackage.json and LEAME.txt."""
    stem = f"indicadores_gobierno_digital_{prov.as_of.isoformat()}"
    readme = "\n".join([
        f"Conjunto de datos: Indicadores de la {plan.entity['policy_name']} ({plan.entity['policy_code']})",
        f"Entidad: {plan.entity['name']}",
        f"Fecha de corte: {prov.as_of.isoformat()}",
        f"Versión del tablero: {prov.version}",
        f"Hash de los datos: {prov.data_hash}",
        "Marco: Ley 1712 de 2014 (transparencia y acceso a la información pública).",
        "Contenido: valores vigentes a la fecha de corte de los indicadores marcados como públicos.",
        "No contiene datos personales: no se incluyen usuarios, responsables del registro ni análisis "
        "en texto libre.",
        "Formato: CSV UTF-8, separador coma, punto decimal, fechas AAAA-MM-DD (para datos.gov.co). El mismo "
        "cuadro en Excel (.xlsx) para abrirlo con doble clic; datapackage.json lo describe (Frictionless Data).",
        f"Licencia: {LICENSE['title']}, {LICENSE['path']}. Cite a la entidad como fuente.",
        "Datos de demostración: las cifras son ilustrativas." if plan.is_demo else "",
    ]).strip() + "\n"
    buffer = io.BytesIO()
    package = json.dumps(datapackage(plan, prov, f"{stem}.csv"), ensure_ascii=False, indent=2) + "\n"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.comment = f"Licencia: {LICENSE['title']} {LICENSE['path']}".encode("utf-8")
        stamp = (prov.as_of.year, prov.as_of.month, prov.as_of.day, 0, 0, 0)
        for name, body in ((f"{stem}.csv", open_data_csv(store, plan, prov.as_of).encode("utf-8")),
                           (f"{stem}.xlsx", open_data_xlsx(store, plan, prov)),
                           ("diccionario_de_datos.csv", data_dictionary_csv().encode("utf-8")),
                           ("datapackage.json", package.encode("utf-8")), ("LEAME.txt", readme.encode("utf-8"))):
            zf.writestr(zipfile.ZipInfo(name, stamp), body)
    return buffer.getvalue()
