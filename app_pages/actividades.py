"""Plan de Acción: the vigencia's actions by DE-P-007 activity and by process, planned against actual,
what is late and who owns it, each action's history, and the quarterly progress report."""
from datetime import date

import pandas as pd
import streamlit as st

from metrics import action_plan, charts, fmt, validation
from metrics.accounts import Rejected
from metrics.periods import period_label
from metrics.validation import TEXT_LIMITS, limit_caption
from metrics.vocabulary import ACTION_STATE_ICONS, ACTION_STATES, VERSION_KINDS
from ui import auth, state
from ui.charts import show_chart

plan = state.plan()
store = state.store()
as_of = state.cut_off()

st.title("Plan de Acción")
state.demo_banner()
st.caption("Las acciones del Plan de Acción de la vigencia (Decreto 612 de 2018), agrupadas por las seis "
           "actividades de DE-P-007 y por proceso: avance real frente al programado según sus fechas.")

years = sorted({int(y) for y in store.query("SELECT DISTINCT year FROM plan_action")["year"] if y <= as_of.year},
               reverse=True)
if not years:
    st.info("No hay acciones del Plan de Acción a esta fecha de corte.")
    st.stop()
year = st.selectbox("Vigencia", years, key="pa_vigencia")
rows = action_plan.at_cut_off(store, plan, as_of, year)
if rows.empty:
    st.info(f"El Plan de Acción {year} no tiene acciones a esta fecha de corte.")
    st.stop()
reference = min(action_plan.quarterly_cut_off(as_of), date(year, 12, 31))
st.caption(f"Avance programado al corte trimestral del {fmt.long_date(reference)}; avance real: el último "
           f"reportado hasta el {fmt.long_date(as_of)}. «Al día» admite hasta "
           f"{fmt.number(plan.settings.on_track_tolerance, 0)} puntos por debajo de lo programado.")

labels = {a.code: f"{a.code} · {a.text[:45]}" for a in plan.activities.itertuples()}
owners = dict(zip(plan.processes["code"], plan.processes["leader_role"].fillna("")))
compliance = action_plan.compliance(rows)
counts = rows["state"].value_counts()
c = st.columns(5)
c[0].metric("Cumplimiento (regla de GD-03)", "—" if compliance is None else f"{fmt.number(compliance)} %",
            help="100 × Σ peso·mín(real, programado) / Σ peso·programado, sobre las acciones ya programadas.")
for col, s in zip(c[1:], action_plan.STATES):
    col.metric(f"{ACTION_STATE_ICONS[s]} {ACTION_STATES[s]}", int(counts.get(s, 0)))

late = rows[rows["state"] == "atrasada"]
st.markdown("#### Acciones atrasadas y sus responsables")
if late.empty:
    st.success("Ninguna acción atrasada a esta fecha de corte.")
else:
    st.dataframe(pd.DataFrame({
        "Acción": late["code"] + " · " + late["text"], "Proceso responsable": late["process_name"],
        "Cargo del líder": late["process"].map(owners), "Fin": late["end_date"].map(fmt.short_date),
        "Real": late["actual"].map(lambda x: f"{fmt.number(x)} %"),
        "Programado": late["expected"].map(lambda x: f"{fmt.number(x)} %"),
        "Brecha (puntos)": late["gap"].map(fmt.number)}), hide_index=True)


def table(part: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Código": part["code"], "Acción": part["text"], "Producto o meta": part["product"],
        "Proceso": part["process_name"], "Inicio": part["start_date"].map(fmt.short_date),
        "Fin": part["end_date"].map(fmt.short_date), "Peso": part["weight"].map(lambda w: fmt.number(w, 0)),
        "Programado": part["expected"].map(lambda x: f"{fmt.number(x)} %"),
        "Real": part["actual"].map(lambda x: f"{fmt.number(x)} %"),
        "Estado": part["state"].map(lambda s: f"{ACTION_STATE_ICONS[s]} {ACTION_STATES[s]}")})


tab_activity, tab_process, tab_detail, tab_report = st.tabs(
    ["Por actividad", "Por proceso", "Historia de una acción", "Reportar avance"])
with tab_activity:
    by_activity = action_plan.roll_up(rows, "activity")
    by_activity["label"] = by_activity["activity"].map(labels).fillna(by_activity["activity"])
    show_chart(charts.frame(charts.planned_vs_actual(by_activity, "label"),
                            f"Plan de Acción {year}: avance real y programado por actividad", as_of,
                            plan.entity["name"], plan.is_demo, 460), "plan_accion_actividades")
    for a in plan.activities.itertuples():
        part = rows[rows["activity"] == a.code]
        if part.empty:
            continue
        summary = by_activity.set_index("activity").loc[a.code]
        with st.expander(f"{a.code} · {a.text} — {ACTION_STATE_ICONS[summary['state']]} "
                         f"{ACTION_STATES[summary['state']]}, real {fmt.number(summary['actual'])} % de "
                         f"{fmt.number(summary['expected'])} % programado"):
            st.dataframe(table(part), hide_index=True)

with tab_process:
    by_process = action_plan.roll_up(rows, "process")
    names = dict(zip(plan.processes["code"], plan.processes["name"]))
    by_process["label"] = by_process["process"].map(lambda p: f"{p} · {names.get(p, p)[:40]}")
    show_chart(charts.frame(charts.planned_vs_actual(by_process, "label"),
                            f"Plan de Acción {year}: avance real y programado por proceso", as_of,
                            plan.entity["name"], plan.is_demo, 420), "plan_accion_procesos")
    st.dataframe(pd.DataFrame({
        "Proceso": by_process["label"], "Acciones": by_process["n"],
        "Real": by_process["actual"].map(lambda x: f"{fmt.number(x)} %"),
        "Programado": by_process["expected"].map(lambda x: f"{fmt.number(x)} %"),
        **{ACTION_STATES[s]: by_process[s] for s in action_plan.STATES}}), hide_index=True)

with tab_detail:
    code = st.selectbox("Acción", list(rows["code"]), key="pa_accion",
                        format_func=lambda k: f"{k} · {rows.set_index('code').at[k, 'text'][:70]}")
    action = rows.set_index("code").loc[code]
    st.markdown(f"**{code} · {action['text']}**  \nProducto o meta: {action['product']}  \n"
                f"Proceso: {action['process_name']} · Actividad {action['activity']} · "
                f"{fmt.short_date(action['start_date'])} a {fmt.short_date(action['end_date'])}"
                + ("" if pd.isna(action["budget"]) else f" · Presupuesto: $ {fmt.number(action['budget'], 0)}")
                + ("" if pd.isna(action["indicator"]) else f" · Alimenta el indicador {action['indicator']}"))
    past = action_plan.history(store, code)
    past = past[past["recorded_at"] < pd.Timestamp(as_of) + pd.Timedelta(days=1)]
    if past.empty:
        st.caption("Sin avances reportados a esta fecha de corte.")
    else:
        st.dataframe(pd.DataFrame({
            "Trimestre": [period_label(int(y), "T", int(p)) for y, p in zip(past["year"], past["period"])],
            "Avance": past["progress"].map(lambda x: "anulado" if pd.isna(x) else f"{fmt.number(x)} %"),
            "Tipo": past["kind"].map(VERSION_KINDS), "Análisis": past["analysis"].fillna(""),
            "Evidencia": past["evidence_url"].fillna(""), "Registró": past["recorded_by"],
            "Fecha de registro": past["recorded_at"].map(lambda t: pd.Timestamp(t).strftime("%d/%m/%Y %H:%M")),
            "Motivo": past["reason"].fillna("")}), hide_index=True)

with tab_report:
    user = auth.current_user()
    if user is None or not user.can("report"):
        st.info("Para reportar el avance de una acción inicie sesión como líder del proceso responsable.")
    else:
        if notice := st.session_state.pop("pa_aviso", None):
            st.success(notice)
        today = date.today()
        own = action_plan.at_cut_off(store, state.plan(today), today)
        own = own[[user.can("report", p) for p in own["process"]]]
        if own.empty:
            st.info("Su proceso no tiene acciones en el Plan de Acción de la vigencia en curso.")
        else:
            chosen = st.selectbox("Acción", list(own["code"]), key="pa_rep_accion",
                                  format_func=lambda k: f"{k} · {own.set_index('code').at[k, 'text'][:70]}")
            current_quarter = (today.month - 1) // 3 + 1
            quarter = st.selectbox("Trimestre", list(range(current_quarter, 0, -1)), key="pa_rep_trimestre",
                                   format_func=lambda q: period_label(today.year, "T", q))
            previous = action_plan.history(store, chosen)
            previous = previous[(previous["year"] == today.year) & (previous["period"] == quarter)]
            live = not previous.empty and not bool(previous.iloc[0]["is_void"])
            if live:
                st.info(f"Avance vigente del trimestre: **{fmt.number(previous.iloc[0]['progress'])} %**. Guardar "
                        "crea una nueva versión con el motivo; la anterior se conserva.")
            progress = st.text_input("Avance acumulado de la acción (%)", key="pa_rep_avance",
                                     help="De 0 a 100, con coma decimal: 45,5.")
            analysis = st.text_area("Análisis", key="pa_rep_analisis", max_chars=TEXT_LIMITS["analysis"],
                                    help="Obligatorio cuando la acción queda atrasada.")
            evidence = st.text_input("Evidencia (enlace)", key="pa_rep_evidencia", placeholder="https://…",
                                     max_chars=TEXT_LIMITS["evidence_url"], help=limit_caption("evidence_url"))
            reason = None
            if live:
                reason = st.text_area("Motivo de la corrección", key="pa_rep_motivo", max_chars=TEXT_LIMITS["reason"],
                                      help=f"Al menos {validation.MIN_REASON} caracteres.")
            if st.button("Guardar avance", type="primary", key="pa_rep_guardar"):
                entry = action_plan.ProgressEntry(chosen, quarter, progress, analysis or "", evidence or "")
                try:
                    if live:
                        action_plan.correct(store, user.username, entry, reason or "",
                                            expected_id=int(previous.iloc[0]["id"]))
                    else:
                        action_plan.report(store, user.username, entry)
                except Rejected as exc:
                    st.error(str(exc))
                else:
                    st.session_state["pa_aviso"] = (f"Avance de {chosen} guardado. La actividad y el indicador "
                                                    "GD-03 ya lo reflejan.")
                    st.rerun()
        if user.can("void"):
            st.markdown("#### Anular un avance o abrir una excepción de cierre (administrador)")
            st.caption("Anular no borra nada: agrega una versión anulada con el motivo. Un trimestre cerrado por el "
                       "Comité solo recibe un avance más si se abre una excepción con motivo.")
            fixed = st.selectbox("Acción", list(own["code"]) if not own.empty else [], key="pa_adm_accion")
            fixed_quarter = st.selectbox("Trimestre", list(range((today.month - 1) // 3 + 1, 0, -1)),
                                         key="pa_adm_trimestre", format_func=lambda q: period_label(today.year, "T", q))
            why = st.text_area("Motivo", key="pa_adm_motivo", max_chars=TEXT_LIMITS["reason"],
                               help=f"Al menos {validation.MIN_REASON} caracteres.")
            in_force = action_plan.history(store, fixed) if fixed else pd.DataFrame()
            in_force = in_force[(in_force["year"] == today.year) & (in_force["period"] == fixed_quarter)] \
                if not in_force.empty else in_force
            c1, c2 = st.columns(2)
            if c1.button("Anular el avance vigente", key="pa_adm_anular", disabled=not fixed):
                try:
                    if in_force.empty:
                        raise Rejected(f"El trimestre {period_label(today.year, 'T', fixed_quarter)} de {fixed} no "
                                       "tiene un avance vigente que anular.")
                    action_plan.void(store, user.username, fixed, fixed_quarter, why or "",
                                     expected_id=int(in_force.iloc[0]["id"]))
                except Rejected as exc:
                    st.error(str(exc))
                else:
                    st.session_state["pa_aviso"] = f"Se anuló el avance de {fixed}; la versión anterior se conserva."
                    st.rerun()
            if c2.button("Abrir excepción de cierre", key="pa_adm_excepcion", disabled=not fixed):
                try:
                    action_plan.open_exception(store, user.username, fixed, fixed_quarter, why or "")
                except Rejected as exc:
                    st.error(str(exc))
                else:
                    st.session_state["pa_aviso"] = f"Se abrió una excepción de cierre para {fixed}."
                    st.rerun()
