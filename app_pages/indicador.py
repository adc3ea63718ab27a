"""Indicador: the full ficha técnica, history against target and bands, values and every version."""
import pandas as pd
import streamlit as st

from metrics import charts, fmt, values, writes
from metrics.periods import MONTHS, period_label, vigencia_label
from metrics.scoring import thresholds
from metrics.vocabulary import (ACCUMULATION_LABELS, ELEMENTS, FREQUENCY_LABELS, POLARITY_LABELS,
                                VERSION_KINDS)
from ui import plan_history, state, views
from ui.charts import show_chart
from ui.widgets import status_text, url_selectbox

plan = state.plan()
snap = state.snapshot()
s = plan.settings

st.title("Indicador")
state.demo_banner()


def _due_text(ficha, grace_days: int) -> str:
    """The reporting window of the ficha in words."""
    if pd.notna(ficha.get("report_due_date")):
        month, day = (int(x) for x in str(ficha["report_due_date"]).split("-"))
        return f"hasta el {day} de {MONTHS[month - 1]} del año siguiente al del periodo"
    days = ficha.get("report_due_days")
    if pd.notna(days):
        return f"{days:.0f} días después del cierre del periodo"
    return f"{grace_days} días después del cierre del periodo (plazo de la entidad)"


labels = views.once(snap, "indicador-nombres", lambda: dict(zip(
    snap.indicators["code"], snap.indicators["code"] + " · " + snap.indicators["name"])))


def ficha_table(code: str, ind: pd.Series, red: float, green: float) -> pd.DataFrame:
    """The ficha técnica as field and value."""
    links = plan.links[plan.links["indicator"] == code]
    process_name = dict(zip(plan.processes["code"], plan.processes["name"]))[ind["process"]]
    ficha = {
        "Código": code, "Nombre": ind["name"], "Objetivo": ind["objective"], "Interpretación": ind["definition"],
        "Fórmula": ind["formula"], "Numerador": ind["numerator"], "Denominador": ind["denominator"] or "—",
        "Unidad": ind["unit"], "Polaridad": POLARITY_LABELS[ind["polarity"]],
        "Acumulación": ACCUMULATION_LABELS[ind["accumulation"]],
        "Periodicidad": FREQUENCY_LABELS[ind["frequency"]],
        "Línea base": f"{fmt.value(ind['baseline'], ind['unit'])} ({ind['baseline_year']:.0f})",
        "Rango válido": f"{fmt.number(ind['valid_min'], 0)} a "
                        f"{fmt.number(ind['valid_max'], 0) if pd.notna(ind['valid_max']) else 'sin límite'}",
        "Semáforo": f"rojo por debajo de {fmt.number(red, 0)} % de cumplimiento; verde desde {fmt.number(green, 0)} %"
                    + (" (umbrales propios)" if pd.notna(ind["red_below"]) else " (umbrales de la entidad)"),
        "Proceso responsable": process_name,
        "Elemento de la política": f"{ind['element']} · {ELEMENTS.get(ind['element'], '')}", "Fuente": ind["source"],
        "Tipo y nivel": f"{ind['indicator_type']} · {ind['level']}",
        "Objetivos a los que aporta": "; ".join(f"{r.objective} (peso {fmt.number(r.weight, 0)})"
                                                for r in links.itertuples()),
        "Datos abiertos": "Sí" if ind["public"] else "No",
        "Plazo de reporte": _due_text(ind, s.grace_days),
        "Origen del valor": ("Se calcula del Plan de Acción (avance de las acciones de la vigencia; no se digita)"
                             if pd.notna(ind.get("computed_from")) else "Lo reporta el proceso responsable"),
    }
    return pd.DataFrame({"Campo": list(ficha), "Valor": [str(v) for v in ficha.values()]}).set_index("Campo")


def indicator_views(code: str, ind: pd.Series, red: float, green: float) -> dict:
    """Everything the page shows of one indicator at the cut-off, built once per snapshot."""
    current = values.current_values(state.store(), snap.as_of, indicator=code)
    targets = plan.targets[plan.targets["indicator"] == code]
    fig = charts.frame(charts.indicator_history(current, targets, ind, red, green), labels[code], snap.as_of,
                       plan.entity["name"], plan.is_demo)
    shown = current.sort_values(["year", "period"], ascending=False)
    reported = pd.DataFrame({
        "Periodo": [period_label(y, ind["frequency"], p) for y, p in zip(shown["year"], shown["period"])],
        "Valor": fmt.values(shown["value"], ind["unit"]),
        "Análisis": shown["analysis"].fillna(""),     # a missing text is blank, never "None"
        "Evidencia": shown["evidence_url"].fillna(""),
        "Registrado": pd.to_datetime(shown["recorded_at"]).dt.strftime("%d/%m/%Y %H:%M"),
        "Versión": shown["supersedes"].notna().map({True: "Corregido", False: "Original"}),
    })
    all_versions = writes.history(state.store(), code)
    corrected = all_versions.groupby(["year", "period"])["id"].transform("count") > 1
    v = all_versions[corrected]
    versions = pd.DataFrame({
        "Periodo": [period_label(y, ind["frequency"], p) for y, p in zip(v["year"], v["period"])],
        "Valor": fmt.values(v["value"], ind["unit"]).mask(v["is_void"].astype(bool), "Anulado"),
        "Tipo": v["kind"].map(VERSION_KINDS),
        "Registrado": pd.to_datetime(v["recorded_at"]).dt.strftime("%d/%m/%Y %H:%M"),
        "Por": v["recorded_by"], "Motivo": v["reason"].fillna("Valor original"),
        "Vigente al corte": v["id"].isin(current["id"]).map({True: "Sí", False: "No"}),
    })
    return {"figure": fig, "ficha": ficha_table(code, ind, red, green), "reported": reported, "versions": versions,
            "targets": pd.DataFrame({"Vigencia": targets["year"].astype(str),
                                     "Meta": fmt.values(targets["target"], ind["unit"])}).set_index("Vigencia").T}


@st.fragment
def indicator_section() -> None:
    """The chosen indicator; choosing another reruns this alone."""
    code = url_selectbox("Indicador", labels, "indicador")
    ind = snap.indicators[snap.indicators["code"] == code].iloc[0]
    red, green = thresholds(ind, s)

    st.subheader(labels[code])
    vigencia = vigencia_label(ind["year"], ind["frequency"], ind["last_period"]) if pd.notna(ind["year"]) else "—"
    c1, c2, c3 = st.columns(3)
    c1.metric("Resultado de la vigencia", fmt.value(ind["result"], ind["unit"]), help="Los indicadores de "
              "flujo suman sus periodos; los de stock y acumulado toman el último valor.")
    c2.metric("Meta a la fecha", fmt.value(ind["target"], ind["unit"]), help="La meta de la vigencia; en los "
              "indicadores de flujo, prorrateada a los periodos reportados.")
    c3.metric("Cumplimiento", fmt.percent(ind["attainment_raw"]), help="Valor ÷ meta si a mayor valor mejor; si a "
              "menor valor mejor, 100 % con el valor igual o por debajo de la meta y meta ÷ valor por encima.")
    st.markdown(f"Resultado de la **vigencia {vigencia}** · semáforo: {status_text(ind['status'])} · umbrales: rojo "
                f"por debajo de {fmt.number(red, 0)} %, verde desde {fmt.number(green, 0)} %")
    if ind["stale"]:
        st.warning(f"**Desactualizado.** El último valor es del {fmt.short_date(ind['last_end'])} "
                   f"(vigencia {vigencia}); a esta fecha de corte ya debía estar reportada la vigencia "
                   f"{ind['owed_year']:.0f}. El resultado se muestra, pero no cuenta en los puntajes.",
                   icon=":material/hourglass_empty:")

    shown = views.once(snap, "indicador", lambda: indicator_views(code, ind, red, green), code)
    show_chart(shown["figure"], f"historia-{code}")
    with st.container(border=True):
        st.markdown("#### Ficha técnica")
        st.table(shown["ficha"])

    st.markdown("#### Metas por vigencia")
    st.dataframe(shown["targets"])

    st.markdown("#### Valores reportados a la fecha de corte")
    if shown["reported"].empty:
        st.info("Sin datos reportados a esta fecha de corte.")
    else:
        st.dataframe(shown["reported"], hide_index=True,
                     column_config={"Evidencia": st.column_config.LinkColumn("Evidencia")})

    st.markdown("#### Historial de versiones (correcciones y anulaciones)")
    if shown["versions"].empty:
        st.caption("Ningún valor de este indicador ha sido corregido.")
    else:
        st.dataframe(shown["versions"], hide_index=True)

    plan_history.indicator_versions(state.store(), code)


indicator_section()
