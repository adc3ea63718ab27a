"""Small view pieces several pages share: the semáforo in words, results with their vigencia, the
late-reports table, URL-bound choosers."""
from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from metrics import fmt
from metrics.periods import EARLIEST, comparison_date, period_label, vigencia_label
from metrics.plan import Plan
from metrics.vocabulary import STATUS_ICONS, STATUS_LABELS, VISION_LABELS
from ui import views

ASSETS = Path(__file__).parent / "assets"
# Streamlit's own overflow rules leave tables to scroll inside themselves; charts follow the width.
CHROME_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] small { white-space: normal; }
</style>"""

BADGE_COLORS = {"verde": "green", "amarillo": "orange", "rojo": "red", "desactualizado": "violet",
                "sin_dato": "gray"}


def status_text(status: str, short: bool = False) -> str:
    """The semáforo as icon and word (never colour alone); a coloured badge unless `short`."""
    text = f"{STATUS_ICONS[status]} {STATUS_LABELS[status]}"
    return text if short else f":{BADGE_COLORS[status]}-badge[{text}]"


STATUS_WORDS = {status: status_text(status, short=True) for status in STATUS_LABELS}


def status_column(statuses: pd.Series) -> pd.Series:
    """status_text(…, short=True) of a whole column, for tables."""
    return statuses.map(STATUS_WORDS)


def vision_text(progress) -> str:
    """The state of the vision or a plan in words, with the time elapsed."""
    return (f"**{VISION_LABELS[progress.status]}** · {fmt.percent(progress.elapsed, 0)} del tiempo transcurrido")


def vigencias(rows: pd.DataFrame) -> list[str]:
    """Which vigencia (and up to which period) each indicator's result belongs to."""
    return [vigencia_label(y, f, p) if pd.notna(y) else "—"
            for y, f, p in zip(rows["year"], rows["frequency"], rows["last_period"])]


def stale_note(rows: pd.DataFrame, code_column: str = "code") -> None:
    """Names the out-of-date results of a table with the date of their last value."""
    stale = rows[rows["stale"].astype(bool)]
    if not stale.empty:
        named = "; ".join(f"{code}, último valor del {fmt.short_date(end)}"
                          for code, end in zip(stale[code_column], stale["last_end"]))
        st.caption(f"Desactualizados (su resultado es de una vigencia anterior a la que ya debían reportar; no "
                   f"cuentan en los puntajes): {named}.")


def late_table(snap, plan: Plan, process: str | None = None, summary: bool = True, limit: int | None = None) -> None:
    """The snapshot's periods due and not reported, oldest first (only the `limit` oldest when given),
    with the owning process, and a line counting them unless `summary` is False, for a caller that
    says it itself. Built once per snapshot."""
    def build() -> tuple[str, pd.DataFrame]:
        rows = snap.late[snap.late["process"] == process] if process else snap.late
        if limit is not None:
            rows = rows.sort_values("days_since_end", ascending=False).head(limit)
        names = dict(zip(plan.processes["code"], plan.processes["name"]))
        line = (f"**{fmt.count(len(rows), 'periodo vencido', 'periodos vencidos')}** sin reporte en "
                f"**{fmt.count(rows['indicator'].nunique(), 'indicador')}**.")
        return line, pd.DataFrame({
            "Indicador": rows["indicator"] + " · " + rows["name"],
            "Proceso": rows["process"].map(names),
            "Periodo": [period_label(y, f, p) for y, f, p in zip(rows["year"], rows["frequency"], rows["period"])],
            "Plazo": fmt.short_dates(rows["deadline"]),
            "Días desde el cierre": rows["days_since_end"],
        })
    line, table = views.once(snap, "late_table", build, process, limit)
    if table.empty:
        st.success("No hay reportes atrasados a esta fecha de corte.")
        return
    if summary:
        st.markdown(line)
    st.dataframe(table, hide_index=True)


def url_selectbox(label: str, labels: dict[str, str], key: str) -> str:
    """A selectbox whose choice lives in the URL as a code (?proceso=TI), so links and bookmarks work.

    Streamlit's bind="query-params" puts the formatted label in the URL, not the code, and drops a
    code it is given; this keeps the code and follows the URL on a deep link or the back button.
    """
    wanted = st.query_params.get(key)
    if wanted in labels and wanted != st.session_state.get(key):
        st.session_state[key] = wanted
    code = st.selectbox(label, list(labels), format_func=labels.get, key=key,
                        on_change=lambda: st.query_params.update({key: st.session_state[key]}))
    st.query_params[key] = code
    return code


def comparison_input(label: str, key: str, as_of: date, where=st, **kwargs) -> date:
    """The date to compare a cut-off with: the one rule's default (periods.comparison_date), which the
    user may change; back to the default whenever the cut-off itself changes."""
    chosen_for = f"{key}__corte"
    if st.session_state.get(chosen_for) != as_of or not EARLIEST <= st.session_state.get(key, EARLIEST) <= as_of:
        st.session_state[key] = comparison_date(as_of)
        st.session_state[chosen_for] = as_of
    return where.date_input(label, min_value=EARLIEST, max_value=as_of, format="DD/MM/YYYY", key=key, **kwargs)


def spanish_chrome() -> None:
    """Plotly's Spanish locale (shipped in ui/assets, no CDN), Spanish words for the few English ones
    Streamlit's frontend draws, Enter applying a date field, and the slide keys of Modo reunión."""
    st.html(CHROME_CSS)
    st.html(_chrome_script(), unsafe_allow_javascript=True)


@functools.cache
def _chrome_script() -> str:
    """The two scripts, read from disk once per server process, not on every run."""
    script = "\n".join((ASSETS / name).read_text(encoding="utf-8") for name in ("plotly-locale-es.js", "chrome.js"))
    return f"<script>{script}</script>"
