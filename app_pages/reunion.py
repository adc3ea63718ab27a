"""Modo reunión: Resumen for a projector (large type, one topic per screen, forward and back), and
"¿qué cambió desde el último comité?", two cut-off dates side by side."""
from datetime import date

import streamlit as st

from metrics import charts, fmt, report, reporting
from metrics.scoring import STATUSES
from ui import state
from ui.charts import show_chart
from ui.widgets import late_table, status_text

SLIDE_KEY = "reunion_diapositiva"
LARGE_TYPE = """<style>
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: 1.55rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 3.6rem !important; line-height: 1.2; }
[data-testid="stMetricLabel"] p { font-size: 1.4rem !important; }
</style>"""

plan = state.plan()
snap = state.snapshot()
entity = plan.entity["name"]
settings = plan.settings

mode = st.segmented_control("Vista", ["Presentación", "Comparar dos cortes"], default="Presentación",
                            key="reunion_vista", label_visibility="collapsed")


def framed(fig, title: str, as_of: date, height: int = 460):
    fig = charts.frame(fig, title, as_of, entity, plan.is_demo, height)
    fig.update_layout(meta={"fecha_corte": as_of.isoformat()})
    return fig


def big(text: str) -> None:
    st.markdown(f"## {text}")


def slide_cover() -> None:
    st.title(f"{plan.entity['policy_name']} ({plan.entity['policy_code']})")
    big(entity)
    st.markdown(f"Comité de seguimiento · cifras al **{fmt.long_date(snap.as_of)}**")
    st.metric("Puntaje de la política", fmt.percent(snap.policy))
    st.markdown(status_text(snap.policy_status))


def slide_policy() -> None:
    st.title("Puntaje de la política y visión 2024")
    c1, c2 = st.columns(2)
    c1.metric("Puntaje de la política", fmt.percent(snap.policy))
    c1.markdown(status_text(snap.policy_status))
    c2.metric(f"Visión {snap.vision.horizon.year}", fmt.percent(snap.vision.score))
    c2.markdown(f"**{report.VISION_LABELS.get(snap.vision.status, snap.vision.status)}** · "
                f"{fmt.percent(snap.vision.elapsed, 0)} del tiempo transcurrido")
    fig = charts.progress_vs_time([(f"Visión {snap.vision.horizon.year}", snap.vision.score, snap.vision.elapsed),
                                   (snap.plan.name, snap.plan.score, snap.plan.elapsed)])
    show_chart(framed(fig, "Avance frente al tiempo transcurrido", snap.as_of, 340), "reunion-avance")


def slide_status() -> None:
    st.title("Indicadores por semáforo")
    counts = snap.status_counts()
    cols = st.columns(len(STATUSES))
    for col, s in zip(cols, STATUSES):
        col.metric(status_text(s, short=True), counts[s])
    show_chart(framed(charts.status_counts(counts), "Indicadores por estado del semáforo", snap.as_of, 400),
               "reunion-semaforo")


def slide_objectives() -> None:
    st.title("Objetivos")
    rows = snap.objectives[snap.objectives["kind"] != "general"].assign(label=lambda d: d["code"])
    show_chart(framed(charts.score_bars(rows, "label", settings.red_below, settings.green_from),
                      "Puntaje por objetivo", snap.as_of, 520), "reunion-objetivos")


def slide_processes() -> None:
    st.title("Procesos")
    rows = snap.processes[snap.processes["n_data"].fillna(0) > 0].assign(label=lambda d: d["name"])
    show_chart(framed(charts.score_bars(rows, "label", settings.red_below, settings.green_from),
                      "Puntaje por proceso", snap.as_of, 520), "reunion-procesos")


def slide_late() -> None:
    st.title("Reportes atrasados y acciones de mejora")
    overdue = reporting.overdue_actions(state.store(), snap.as_of)
    big(f"{len(snap.late)} reportes atrasados · {len(overdue)} acciones vencidas")
    late_table(snap.late, plan)


def slide_changes() -> None:
    st.title("¿Qué cambió desde el último comité?")
    before = state.snapshot(report.previous_cutoff(snap.as_of))
    for line in report.summarize(state.store(), snap, before).sentences()[:3]:
        st.markdown(f"- {line}")
    st.caption("Use «Comparar dos cortes» para ver el detalle con otras fechas.")


SLIDES = [("Portada", slide_cover), ("Política y visión", slide_policy), ("Semáforo", slide_status),
          ("Objetivos", slide_objectives), ("Procesos", slide_processes), ("Atrasos", slide_late),
          ("Qué cambió", slide_changes)]


def _move(step: int) -> None:
    st.session_state[SLIDE_KEY] = min(max(st.session_state.get(SLIDE_KEY, 0) + step, 0), len(SLIDES) - 1)


def presentation() -> None:
    st.html(LARGE_TYPE)
    index = min(max(st.session_state.get(SLIDE_KEY, 0), 0), len(SLIDES) - 1)
    back, where, forward = st.columns([1, 3, 1])
    back.button("◀ Anterior", disabled=index == 0, width="stretch", key="reunion_atras", on_click=_move, args=(-1,))
    forward.button("Siguiente ▶", disabled=index == len(SLIDES) - 1, width="stretch", key="reunion_adelante",
                   on_click=_move, args=(1,))
    where.markdown(f"<p style='text-align:center'>Tema {index + 1} de {len(SLIDES)} · "
                   f"{SLIDES[index][0]}</p>", unsafe_allow_html=True)
    SLIDES[index][1]()


def comparison() -> None:
    st.title("¿Qué cambió desde el último comité?")
    c1, c2 = st.columns(2)
    first = c1.date_input("Corte anterior", value=report.previous_cutoff(snap.as_of), min_value=state.EARLIEST,
                          max_value=snap.as_of, format="DD/MM/YYYY", key="reunion_antes")
    second = c2.date_input("Corte actual", value=snap.as_of, min_value=state.EARLIEST, max_value=date.today(),
                           format="DD/MM/YYYY", key="reunion_ahora")
    if first >= second:
        st.warning("El corte anterior debe ser anterior al corte actual.")
        return
    a, b = state.snapshot(first), state.snapshot(second)
    summary = report.summarize(state.store(), b, a)
    for col, s, label in ((c1, a, first), (c2, b, second)):
        with col.container(border=True):
            st.markdown(f"### Al {fmt.short_date(label)}")
            st.metric("Puntaje de la política", fmt.percent(s.policy))
            st.markdown(status_text(s.policy_status))
            st.metric(f"Visión {s.vision.horizon.year}", fmt.percent(s.vision.score))
            st.metric("Reportes atrasados", len(s.late))
            counts = s.status_counts()
            st.markdown(" · ".join(f"{status_text(k, short=True)}: **{counts[k]}**" for k in STATUSES))
    change = summary.policy_change
    st.metric("Cambio del puntaje de la política", fmt.percent(b.policy),
              delta=None if change is None else f"{fmt.number(change)} puntos")
    table = report.compare(a, b)
    objectives = table[(table["Tipo"] == "Objetivo") & (table["Ahora"].notna() | table["Antes"].notna())]
    fig = charts.compare_scores(objectives.rename(columns={"Antes": "before", "Ahora": "after"}), "Código",
                                f"Al {fmt.short_date(first)}", f"Al {fmt.short_date(second)}")
    show_chart(framed(fig, "Puntaje por objetivo en los dos cortes", second, 480), "reunion-comparacion")
    moved = table[table["Cambió el semáforo"] | (table["Cambio (pp)"].abs() >= 0.05)]
    st.subheader(f"Lo que cambió ({len(moved)})")
    if moved.empty:
        st.info("Nada cambió de puntaje ni de semáforo entre las dos fechas.")
        return
    st.dataframe(moved.assign(
        Antes=[fmt.percent(v) for v in moved["Antes"]], Ahora=[fmt.percent(v) for v in moved["Ahora"]],
        **{"Cambio (pp)": [fmt.number(v) for v in moved["Cambio (pp)"]],
           "Semáforo antes": [status_text(s, short=True) for s in moved["Semáforo antes"]],
           "Semáforo ahora": [status_text(s, short=True) for s in moved["Semáforo ahora"]]},
    ).drop(columns="Cambió el semáforo"), hide_index=True)


if mode == "Comparar dos cortes":
    comparison()
else:
    state.demo_banner()
    presentation()
