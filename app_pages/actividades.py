"""Plan de Acción: the vigencia's actions by DE-P-007 activity and by process, planned against actual,
what is late and who owns it, each action's history, and the quarterly progress report."""
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from metrics import action_plan, charts, fmt, validation
from metrics.accounts import Rejected
from metrics.periods import period_label
from metrics.validation import TEXT_LIMITS, limit_caption
from metrics.vocabulary import ACTION_STATE_ICONS, ACTION_STATES, VERSION_KINDS
from ui import auth, state, views
from ui.charts import show_chart

plan = state.plan()
store = state.store()
as_of = state.cut_off()


@dataclass(frozen=True)
class Vigencia:
    """What the page shows of one vigencia's Plan de Acción at the cut-off, built once per plan object
    (one per data version and cut-off, ui.views) so a warm run only lays it out."""
    rows: pd.DataFrame
    reference: date
    compliance: float | None
    counts: pd.Series
    late: pd.DataFrame
    activity_chart: object
    activities: list[tuple[str, pd.DataFrame]]   # (expander label, its actions' table)
    process_chart: object
    processes: pd.DataFrame
    action_labels: dict[str, str]


def percents(xs: pd.Series) -> pd.Series:
    return fmt.numbers(xs, suffix=" %")


def table(part: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Código": part["code"], "Acción": part["text"], "Producto o meta": part["product"],
        "Proceso": part["process_name"], "Inicio": fmt.short_dates(part["start_date"]),
        "Fin": fmt.short_dates(part["end_date"]), "Peso": fmt.numbers(part["weight"], 0),
        "Programado": percents(part["expected"]), "Real": percents(part["actual"]),
        "Estado": part["state"].map(STATE_TEXTS)})


STATE_TEXTS = {s: f"{ACTION_STATE_ICONS[s]} {ACTION_STATES[s]}" for s in ACTION_STATES}


def vigencia(year: int) -> Vigencia | None:
    """The vigencia's actions judged at the cut-off with every table and figure the page draws."""
    rows = action_plan.at_cut_off(store, plan, as_of, year)
    if rows.empty:
        return None
    owners = dict(zip(plan.processes["code"], plan.processes["leader_role"].fillna("")))
    late = rows[rows["state"] == "atrasada"]
    by_activity = action_plan.roll_up(rows, "activity")
    labels = {a.code: f"{a.code} · {a.text[:45]}" for a in plan.activities.itertuples()}
    by_activity["label"] = by_activity["activity"].map(labels).fillna(by_activity["activity"])
    summaries = by_activity.set_index("activity")
    activities = []
    for a in plan.activities.itertuples():
        part = rows[rows["activity"] == a.code]
        if part.empty:
            continue
        summary = summaries.loc[a.code]
        activities.append((f"{a.code} · {a.text} — {STATE_TEXTS[summary['state']]}, real "
                           f"{fmt.number(summary['actual'])} % de {fmt.number(summary['expected'])} % programado",
                           table(part)))
    by_process = action_plan.roll_up(rows, "process")
    names = dict(zip(plan.processes["code"], plan.processes["name"]))
    by_process["label"] = [f"{p} · {names.get(p, p)[:40]}" for p in by_process["process"]]
    return Vigencia(
        rows=rows, reference=min(action_plan.quarterly_cut_off(as_of), date(year, 12, 31)),
        compliance=action_plan.compliance(rows), counts=rows["state"].value_counts(),
        late=pd.DataFrame({
            "Acción": late["code"] + " · " + late["text"], "Proceso responsable": late["process_name"],
            "Cargo del líder": late["process"].map(owners), "Fin": fmt.short_dates(late["end_date"]),
            "Real": percents(late["actual"]), "Programado": percents(late["expected"]),
            "Brecha (puntos)": fmt.numbers(late["gap"])}),
        activity_chart=charts.frame(charts.planned_vs_actual(by_activity, "label"),
                                    f"Plan de Acción {year}: avance real y programado por actividad", as_of,
                                    plan.entity["name"], plan.is_demo, 460),
        activities=activities,
        process_chart=charts.frame(charts.planned_vs_actual(by_process, "label"),
                                   f"Plan de Acción {year}: avance real y programado por proceso", as_of,
                                   plan.entity["name"], plan.is_demo, 420),
        processes=pd.DataFrame({
            "Proceso": by_process["label"], "Acciones": by_process["n"],
            "Real": percents(by_process["actual"]), "Programado": percents(by_process["expected"]),
            **{ACTION_STATES[s]: by_process[s] for s in action_plan.STATES}}),
        action_labels={c: f"{c} · {t[:70]}" for c, t in zip(rows["code"], rows["text"])})


def action_history(code: str) -> pd.DataFrame:
    """An action's progress versions recorded by the cut-off, as the page shows them."""
    past = action_plan.history(store, code)
    past = past[past["recorded_at"] < pd.Timestamp(as_of) + pd.Timedelta(days=1)]
    return pd.DataFrame({
        "Trimestre": [period_label(int(y), "T", int(p)) for y, p in zip(past["year"], past["period"])],
        "Avance": percents(past["progress"]).where(past["progress"].notna(), "anulado"),
        "Tipo": past["kind"].map(VERSION_KINDS), "Análisis": past["analysis"].fillna(""),
        "Evidencia": past["evidence_url"].fillna(""), "Registró": past["recorded_by"],
        "Fecha de registro": pd.to_datetime(past["recorded_at"]).dt.strftime("%d/%m/%Y %H:%M"),
        "Motivo": past["reason"].fillna("")})


st.title("Plan de Acción")
state.demo_banner()
st.caption("Las acciones del Plan de Acción de la vigencia (Decreto 612 de 2018), agrupadas por las seis "
           "actividades de DE-P-007 y por proceso: avance real frente al programado según sus fechas.")

years = views.once(plan, "actividades-vigencias", lambda: action_plan.vigencias(store, as_of))
if not years:
    st.info("No hay acciones del Plan de Acción a esta fecha de corte.")
    st.stop()
year = st.selectbox("Vigencia", years, key="pa_vigencia")
view = views.once(plan, "actividades", lambda: vigencia(year), year)
if view is None:
    st.info(f"El Plan de Acción {year} no tiene acciones a esta fecha de corte.")
    st.stop()
rows = view.rows
st.caption(f"Avance programado al corte trimestral del {fmt.long_date(view.reference)}; avance real: el último "
           f"reportado hasta el {fmt.long_date(as_of)}. «Al día» admite hasta "
           f"{fmt.number(plan.settings.on_track_tolerance, 0)} puntos por debajo de lo programado.")

c = st.columns(5)
c[0].metric("Cumplimiento (regla de GD-03)", "—" if view.compliance is None else f"{fmt.number(view.compliance)} %",
            help="100 × Σ peso·mín(real, programado) / Σ peso·programado, sobre las acciones ya programadas.")
for col, s in zip(c[1:], action_plan.STATES):
    col.metric(f"{ACTION_STATE_ICONS[s]} {ACTION_STATES[s]}", int(view.counts.get(s, 0)))

st.markdown("#### Acciones atrasadas y sus responsables")
if view.late.empty:
    st.success("Ninguna acción atrasada a esta fecha de corte.")
else:
    st.dataframe(view.late, hide_index=True)

tab_activity, tab_process, tab_detail, tab_report = st.tabs(
    ["Por actividad", "Por proceso", "Historia de una acción", "Reportar avance"])
with tab_activity:
    show_chart(view.activity_chart, "plan_accion_actividades")
    for label, part in view.activities:
        with st.expander(label):
            st.dataframe(part, hide_index=True)

with tab_process:
    show_chart(view.process_chart, "plan_accion_procesos")
    st.dataframe(view.processes, hide_index=True)

with tab_detail:
    code = st.selectbox("Acción", list(rows["code"]), key="pa_accion", format_func=view.action_labels.get)
    action = rows.set_index("code").loc[code]
    st.markdown(f"**{code} · {action['text']}**  \nProducto o meta: {action['product']}  \n"
                f"Proceso: {action['process_name']} · Actividad {action['activity']} · "
                f"{fmt.short_date(action['start_date'])} a {fmt.short_date(action['end_date'])}"
                + ("" if pd.isna(action["budget"]) else f" · Presupuesto: $ {fmt.number(action['budget'], 0)}")
                + ("" if pd.isna(action["indicator"]) else f" · Alimenta el indicador {action['indicator']}"))
    past = views.once(plan, "actividades-historia", lambda: action_history(code), code)
    if past.empty:
        st.caption("Sin avances reportados a esta fecha de corte.")
    else:
        st.dataframe(past, hide_index=True)

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
