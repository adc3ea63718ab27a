"""The plan workbook on the Plan page: download the whole plan, upload an edited one.

The upload shows what it would change (or every rejected cell) before anything is written, and
saves only on request, with a reason and the date from which the change is in force; the write
itself re-checks the permission "plan" against the stored account (metrics.plan_changes).
"""
from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from metrics import fmt, plan_workbook
from metrics.accounts import Rejected
from metrics.plan_changes import EARLIEST_EFFECTIVE
from ui import auth, state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner="Revisando el libro…", max_entries=4)
def _preview(_store, path: str, stamp: str, data: bytes, effective: date) -> plan_workbook.Preview:
    """The check of an upload, once per file, date and state of the database (widgets rerun the page)."""
    return plan_workbook.preview(_store, data, effective)


def workbook_panel() -> None:
    """The download for every reader; the upload, preview and save for accounts that may change the plan."""
    store = state.store()
    today = date.today()
    st.subheader("El plan en Excel")
    st.caption("Un libro con una hoja por tabla del plan (entidad, planes, objetivos, procesos, actividades, "
               "indicadores con su ficha, aportes a objetivos y metas), listas desplegables e instrucciones.")
    # Built only when clicked (a plan of thousands of indicators takes seconds to write).
    st.download_button("Descargar el plan (Excel)", data=partial(plan_workbook.export, store, today),
                       file_name=f"plan-{today.isoformat()}.xlsx", mime=XLSX, icon=":material/download:",
                       on_click="ignore", key="plan_libro_descargar")
    user = auth.current_user()
    if user is None or not user.can("plan"):
        st.caption("Para cargar un plan editado ingrese con una cuenta de administrador o de la Oficina de "
                   "Planeación.")
        return
    upload = st.file_uploader("Cargar el plan editado (.xlsx)", type=["xlsx"], key="plan_libro")
    reason = st.text_area("Motivo del cambio", key="plan_libro_motivo", max_chars=1000,
                          help="Queda en la historia del plan junto con quién y cuándo.")
    effective = st.date_input("Rige desde", value=today, min_value=EARLIEST_EFFECTIVE, format="DD/MM/YYYY",
                              key="plan_libro_desde",
                              help="Las fechas de corte desde este día usan el plan cargado; las anteriores no "
                                   "cambian.")
    if upload is None:
        return
    data = upload.getvalue()
    try:
        preview = _preview(store, str(store.path), store.stamp(), data, effective)
    except Rejected as exc:
        st.error(exc.message)
        return
    if preview.problems:
        n = len(preview.problems)
        st.error(f"El libro tiene {n} {'problema' if n == 1 else 'problemas'}; no se guardará nada hasta "
                 "corregirlos y cargarlo de nuevo.")
        st.dataframe(pd.DataFrame([(p.sheet, p.row, p.column or "", p.message) for p in preview.problems],
                                  columns=["Hoja", "Fila", "Columna", "Problema"]), hide_index=True)
        return
    if preview.changes.empty:
        st.info(f"El libro es igual al plan que rige el {fmt.short_date(effective)}: no hay cambios que guardar.")
        return
    n = len(preview.changes)
    st.markdown(f"**{n} {'fila cambia' if n == 1 else 'filas cambian'}** desde el {fmt.short_date(effective)}:")
    st.dataframe(preview.changes, hide_index=True)
    if st.button("Guardar los cambios del plan", type="primary", key="plan_libro_guardar"):
        try:
            saved = plan_workbook.import_plan(store, user.username, data, reason, effective)
        except Rejected as exc:
            st.error(exc.message)
            return
        st.success(f"Se {'guardó 1 cambio' if saved == 1 else f'guardaron {saved} cambios'} del plan; rige desde "
                   f"el {fmt.short_date(effective)}.")
