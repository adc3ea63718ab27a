"""Reportar avance: the periods a process owes, the report and correction form, improvement actions, Excel upload.

The form opens on a period named by the link that brought the person here (?indicador=&anio=&periodo=,
from «Mis pendientes»), and after a save moves on to the next period the process owes, cleared. A
correction starts from the value, analysis and evidence in force, so nothing is lost by editing one field.
"""
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from metrics import actions, bulk, fmt, timeliness, validation, writes
from metrics.accounts import Rejected
from metrics.periods import period_label
from metrics.validation import TEXT_LIMITS, limit_caption
from metrics.vocabulary import ACTION_STATUSES, TIMELINESS, YES_NO
from metrics.writes import Entry
from ui import auth, state
from ui.widgets import status_text

st.title("Reportar avance")
user = auth.require("report")
store = state.store()
plan = state.plan()
today = date.today()
since = pd.Timestamp(plan.plan_on(today)["start_date"]).date()
names = dict(zip(plan.processes["code"], plan.processes["name"]))

state.demo_banner()
if user.role == "administrador":
    process = st.selectbox("Proceso", list(names), format_func=lambda c: f"{c} · {names[c]}", key="rep_proceso")
else:
    process = user.process
    st.caption(f"Proceso: **{process} · {names.get(process, '')}**")
if notice := st.session_state.pop("rep_aviso", None):
    st.success(notice)


def _linked_period() -> tuple[str, int, int] | None:
    """The period a link asked for (?indicador=GD-06&anio=2025&periodo=6), read once: the query is
    then cleared, so the form moves on freely after a save."""
    query = st.query_params
    try:
        target = (query["indicador"], int(query["anio"]), int(query["periodo"]))
    except (KeyError, ValueError):
        return None
    finally:
        for name in ("indicador", "anio", "periodo"):
            query.pop(name, None)
    return target


def _typed(x) -> str:
    """A stored number as the person would type it (coma decimal, no thousands point): 99.5 -> '99,5'."""
    return "" if x is None or pd.isna(x) else f"{float(x):.6f}".rstrip("0").rstrip(".").replace(".", ",")


indicators = plan.indicators[plan.indicators["process"] == process]
if indicators.empty:
    st.info("Este proceso no tiene indicadores a su cargo.")
    st.stop()
tab_report, tab_actions, tab_bulk = st.tabs(["Reportar o corregir", "Plan de mejoramiento", "Carga masiva (Excel)"])

with tab_report:
    # one query for the process, from its oldest indicator on: the due list and the period chooser
    states = timeliness.period_states(store, today, date(int(indicators["start_year"].min()), 1, 1), process,
                                     plan.settings.grace_days)
    due = timeliness.owed(states[states["period_end"] >= pd.Timestamp(since)])
    st.markdown("#### Periodos por reportar")
    if due.empty:
        st.success("El proceso está al día: no debe reportes.")
    else:
        st.dataframe(pd.DataFrame({
            "Indicador": due["indicator"] + " · " + due["name"], "Periodo": due["label"],
            "Plazo": due["deadline"].map(fmt.short_date), "Estado": due["state"].map(TIMELINESS),
            "Días de atraso": due["days_late"],
        }), hide_index=True)

    st.markdown("#### Registrar un valor")
    codes = list(indicators["code"])
    first = due["indicator"].iloc[0] if not due.empty else codes[0]
    target = _linked_period()
    if (saved := st.session_state.pop("rep_siguiente", None)) is not None and not due.empty:
        # after a save: the next period owed, of the same indicator if it still owes one
        same = due[due["indicator"] == saved]
        nxt = (same if not same.empty else due).iloc[0]
        target = (nxt["indicator"], int(nxt["year"]), int(nxt["period"]))
    if target is not None and target[0] in codes:
        st.session_state["rep_indicador"] = target[0]
    elif st.session_state.get("rep_indicador") not in codes:   # first visit, or another process chosen
        st.session_state["rep_indicador"] = first
    code = st.selectbox("Indicador", codes, key="rep_indicador",
                        format_func=lambda c: f"{c} · {plan.indicator(c)['name']}")
    ficha = plan.indicator(code).to_dict()
    periods = states[states["indicator"] == code].sort_values("period_end", ascending=False)
    periods = pd.concat([periods[periods["state"].isin(["faltante", "pendiente"])],
                         periods[~periods["state"].isin(["faltante", "pendiente"])]])
    if periods.empty:
        st.info("Este indicador todavía no tiene periodos cerrados.")
        st.stop()

    if target is not None and target[0] == code:
        match = periods[(periods["year"] == target[1]) & (periods["period"] == target[2])]
        if not match.empty:
            st.session_state[f"rep_periodo_{code}"] = match.index[0]

    def describe(i: int) -> str:
        p = periods.loc[i]
        if p["state"] in ("faltante", "pendiente"):
            return f"{p['label']} · {TIMELINESS[p['state']].lower()}"
        return f"{p['label']} · reportado: {fmt.value(p['value'], ficha['unit'])}"

    chosen = periods.loc[st.selectbox("Periodo", list(periods.index), format_func=describe, key=f"rep_periodo_{code}")]
    year, period = int(chosen["year"]), int(chosen["period"])
    live = chosen["state"] in ("a_tiempo", "tarde")
    label = period_label(year, ficha["frequency"], period)
    key = f"{code}_{year}_{period}"
    st.caption(f"**{ficha['name']}** · unidad: {ficha['unit']} · fórmula: {ficha['formula']}")
    through = writes.locked_through(store)
    if through is not None and chosen["period_end"] <= through:
        st.warning(f"El periodo {label} está cerrado (revisado por el Comité hasta el {fmt.long_date(through)}). "
                   "Solo se puede cambiar si un administrador abre una excepción.", icon=":material/lock:")
    # A correction names the version the person saw on the screen (the previous run), not the one
    # re-read by the run the click starts: a change by someone else in between is refused, not overwritten.
    seen_key = f"rep_visto_{key}"
    seen = st.session_state.get(seen_key)
    st.session_state[seen_key] = int(chosen["current_id"]) if live else None
    if live and f"rep_valor_{key}" not in st.session_state:
        # a correction starts from what is in force: value (or its numerator and denominator), analysis, evidence
        in_force = writes.version_in_force(store, code, year, period) or {}
        has_parts = validation.has_ratio(ficha) and not pd.isna(in_force.get("numerator"))
        st.session_state.update({
            f"rep_valor_{key}": "" if has_parts else _typed(in_force.get("value")),
            f"rep_analisis_{key}": in_force.get("analysis") or "",
            f"rep_evidencia_{key}": in_force.get("evidence_url") or ""})
        if has_parts:
            st.session_state[f"rep_num_{key}"] = _typed(in_force.get("numerator"))
            st.session_state[f"rep_den_{key}"] = _typed(in_force.get("denominator"))
    if live:
        st.info(f"Valor vigente: **{fmt.value(chosen['value'], ficha['unit'])}**, registrado por "
                f"{chosen['recorded_by']} el {pd.Timestamp(chosen['recorded_at']).strftime('%d/%m/%Y %H:%M')}. "
                "Guardar crea una nueva versión con el motivo; la anterior se conserva.")

    number_help = ("En puntos porcentuales: 85 o 85,5 (o «85 %») es 85 %; 0,85 es 0,85 %. " if ficha["unit"] == "%"
                   else "") + "Coma decimal y, si quiere, punto de miles: 1.500 es mil quinientos."
    ratio = validation.has_ratio(ficha)
    if ratio:
        c1, c2, c3 = st.columns(3)
        numerator = c1.text_input(f"Numerador: {ficha['numerator']}", key=f"rep_num_{key}")
        denominator = c2.text_input(f"Denominador: {ficha['denominator']}", key=f"rep_den_{key}")
        value = c3.text_input("o el valor directamente", key=f"rep_valor_{key}", help="Déjelo en blanco si "
                              f"escribió el numerador y el denominador. {number_help}")
    else:
        numerator = denominator = None
        value = st.text_input(f"Valor ({ficha['unit']})", key=f"rep_valor_{key}", help=number_help)
    analysis = st.text_area("Análisis del indicador", key=f"rep_analisis_{key}", max_chars=TEXT_LIMITS["analysis"],
                            help="Resultado frente a la meta y al periodo anterior, causas y acciones. "
                                 "Obligatorio cuando el resultado no queda en verde.")
    st.caption(f"Análisis: {limit_caption('analysis').lower()}")
    evidence = st.text_input("Evidencia (enlace)", key=f"rep_evidencia_{key}", placeholder="https://…",
                             max_chars=TEXT_LIMITS["evidence_url"], help=limit_caption("evidence_url"))
    reason = None
    if live:
        reason = st.text_area("Motivo de la corrección", key=f"rep_motivo_{key}", max_chars=TEXT_LIMITS["reason"],
                              help=f"Al menos {validation.MIN_REASON} caracteres. {limit_caption('reason')}")
        st.caption(f"Motivo: al menos {validation.MIN_REASON} caracteres; {limit_caption('reason').lower()}")

    typed = any(not validation.blank(x) for x in (value, numerator, denominator))
    preview_error = None
    confirm_key = f"rep_confirmar_{key}"
    if typed:
        try:
            measured = validation.measure(ficha, value, numerator, denominator)
            view = writes.outlook(store, ficha, year, period, measured.value, plan.settings)
            stored = validation.as_stored(measured.value, ficha["unit"])
            target_words = ("una meta a la fecha (prorrateada a los periodos reportados) de"
                            if ficha["accumulation"] == "flujo" else "la meta de la vigencia,")
            st.markdown(f"**Vista previa.** Se guardará el valor **{stored}** · "
                        f"cumplimiento del periodo {fmt.percent(view.period_attainment)} "
                        f"{status_text(view.period_status)} · resultado de la vigencia {year}: "
                        f"{fmt.value(view.result, ficha['unit'])} frente a {target_words} "
                        f"{fmt.value(view.target, ficha['unit'])}, cumplimiento {fmt.percent(view.attainment)} "
                        f"{status_text(view.status)}")
            if usual := writes.far_from_history(store, code, chosen["period_end"], measured.value):
                st.warning(f"El valor {stored} está muy lejos de la historia del indicador (de ordinario "
                           f"{usual.text(ficha['unit'])}, según sus {usual.n} valores anteriores). Si es correcto, "
                           "confírmelo y explique la causa en el análisis.", icon=":material/warning:")
                st.checkbox("Confirmo que el valor es correcto", key=confirm_key)
        except Rejected as exc:
            preview_error = exc.message
            st.error(exc.message)
    if st.button("Guardar corrección" if live else "Guardar reporte", type="primary", key=f"rep_guardar_{key}"):
        entry = Entry(code, year, period, value, numerator, denominator, analysis, evidence,
                      outlier_confirmed=bool(st.session_state.get(confirm_key, False)))
        try:
            if seen is not None:  # the screen showed a value in force: this is its correction
                writes.correct(store, user.username, entry, reason or "", expected_id=seen)
            else:                 # the screen showed no value: a first report (refused if one landed since)
                writes.report(store, user.username, entry)
        except Rejected as exc:
            if exc.message != preview_error:  # the preview already says it just above
                st.error(exc.message)
        else:
            for k in [k for k in st.session_state if str(k).endswith(key) and str(k).startswith("rep_")]:
                del st.session_state[k]
            saved_row = writes.version_in_force(store, code, year, period)
            what = "la corrección" if seen is not None else "el reporte"
            st.session_state["rep_aviso"] = (f"Se guardó {what} de {code} {label}: "
                                             f"{validation.as_stored(saved_row['value'], ficha['unit'])}.")
            st.session_state.pop(f"rep_periodo_{code}", None)
            st.session_state["rep_siguiente"] = code
            st.rerun()

with tab_actions:
    snap = state.snapshot(today)
    scores = snap.indicators[snap.indicators["process"] == process]
    out = scores[scores["status"].isin(["rojo", "amarillo"])]
    st.markdown("#### Indicadores fuera de rango")
    if out.empty:
        st.success("Ningún indicador del proceso está en rojo o amarillo hoy.")
    else:
        st.dataframe(pd.DataFrame({"Indicador": out["code"] + " · " + out["name"],
                                   "Cumplimiento": out["attainment"].map(fmt.percent),
                                   "Semáforo": [status_text(x, short=True) for x in out["status"]]}), hide_index=True)
    acts = actions.actions(store, today, process)
    st.markdown("#### Acciones de mejora del proceso")
    if acts.empty:
        st.caption("El proceso no tiene acciones de mejora registradas.")
    else:
        st.dataframe(pd.DataFrame({
            "N.º": acts["id"], "Indicador": acts["indicator"], "Acción": acts["action"],
            "Responsable": acts["responsible"], "Fecha límite": acts["due_date"].map(fmt.short_date),
            "Estado": acts["status"].map(ACTION_STATUSES), "Vencida": acts["overdue"].map(YES_NO),
        }), hide_index=True)
    with st.form("accion_nueva", clear_on_submit=True):
        st.markdown("**Nueva acción de mejora**")
        ordered = list(out["code"]) + [c for c in codes if c not in set(out["code"])]
        a_code = st.selectbox("Indicador", ordered, format_func=lambda c: f"{c} · {plan.indicator(c)['name']}")
        a_text = st.text_area("Qué se hará", max_chars=TEXT_LIMITS["action"],
                              help=f"Al menos {validation.MIN_REASON} caracteres. {limit_caption('action')}")
        st.caption(f"Qué se hará: {limit_caption('action').lower()}")
        a_who = st.text_input("Responsable (cargo o dependencia)", max_chars=TEXT_LIMITS["responsible"],
                              help=limit_caption("responsible"))
        a_due = st.date_input("Fecha límite", value=today + timedelta(days=30), format="DD/MM/YYYY")
        if st.form_submit_button("Registrar acción"):
            try:
                actions.add_action(store, user.username, a_code, a_text, a_who, a_due)
                st.session_state["rep_aviso"] = "Se registró la acción de mejora."
                st.rerun()
            except Rejected as exc:
                st.error(exc.message)
    if not acts.empty:
        c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
        act_id = c1.selectbox("Acción", list(acts["id"]), key="accion_id")
        new_status = c2.selectbox("Nuevo estado", list(ACTION_STATUSES), format_func=ACTION_STATUSES.get,
                                  key="accion_estado")
        if c3.button("Cambiar estado"):
            try:
                actions.set_action_status(store, user.username, int(act_id), new_status)
                st.session_state["rep_aviso"] = f"La acción {act_id} quedó {ACTION_STATUSES[new_status].lower()}."
                st.rerun()
            except Rejected as exc:
                st.error(exc.message)

with tab_bulk:
    st.markdown("Descargue la plantilla con los periodos que debe y, en la hoja «Avance de acciones», las acciones "
                "del Plan de Acción de su proceso; llénela y cárguela. Se revisan todas las filas; si alguna tiene "
                "un error **no se guarda ninguna** y se indica cada fila rechazada.")
    st.download_button("Descargar plantilla (.xlsx)", data=lambda: bulk.template(store, user.username, today, since),
                       file_name=f"plantilla-reporte-{process if user.role != 'administrador' else 'todos'}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    upload = st.file_uploader("Archivo diligenciado", type=["xlsx"], key="rep_archivo")
    if upload is not None and st.button("Validar y cargar", type="primary"):
        try:
            result = bulk.import_workbook(store, user.username, upload.getvalue())
        except Rejected as exc:
            st.error(exc.message)
        else:
            if result.rejected:
                st.error(f"No se guardó ninguna fila: {len(result.rejected)} filas tienen errores.")
                st.dataframe(pd.DataFrame(result.rejected, columns=["Fila", "Indicador o acción", "Motivo"]),
                             hide_index=True)
            elif result.written or result.written_actions:
                st.success(f"Se guardaron {result.written} valores y {result.written_actions} avances de acciones "
                           f"({len(result.skipped) + len(result.skipped_actions)} filas sin valor omitidas).")
            else:
                st.warning("El archivo no tiene filas con valores.")
            for row, note in result.notes:
                st.caption(f"Fila {row}: {note}")
