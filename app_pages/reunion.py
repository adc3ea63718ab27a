"""Modo reunión: Resumen for a projector (large type, one topic per screen, forward and back), and
"¿qué cambió desde el último comité?", two cut-off dates side by side."""
from datetime import date

import pandas as pd
import streamlit as st

from metrics import actions, charts, fmt, snapshot, summary
from metrics.periods import EARLIEST, comparison_date
from metrics.vocabulary import STATUSES
from ui import state, views
from ui.charts import show_chart
from ui.widgets import comparison_input, late_table, status_column, status_text, vision_text

SLIDE_KEY = "reunion_diapositiva"
TEXT_SCALE = 1.45  # chart text on a projector, in step with the page's large type
LATE_SHOWN = 10
# Large type that still fits one 1366×768 screen: less padding above, headings and metrics sized
# with the viewport's height.
LARGE_TYPE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; padding-bottom: 0.5rem; }
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li { font-size: clamp(1.1rem, 2.6vh, 1.7rem); }
[data-testid="stMainBlockContainer"] h1 { font-size: clamp(1.8rem, 5vh, 3rem); padding: 0.2rem 0; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: clamp(2.2rem, 7vh, 4rem) !important; line-height: 1.15; }
[data-testid="stMetricLabel"] p { font-size: clamp(1rem, 2.4vh, 1.5rem) !important; }
</style>"""
# The slides use the whole screen: the sidebar (cut-off date, sign-in) folds away on entering.
COLLAPSE_SIDEBAR = """<script>
const collapse = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
if (collapse && document.querySelector('[data-testid="stSidebar"][data-collapsed="false"]')) collapse.click();
</script>"""

plan = state.plan()
snap = state.snapshot()
entity = plan.entity["name"]
settings = plan.settings

mode = st.segmented_control("Vista", ["Presentación", "Comparar dos cortes"], default="Presentación",
                            key="reunion_vista", label_visibility="collapsed")


def framed(fig, title: str, as_of: date, height: int = 460, text_scale: float = TEXT_SCALE):
    fig = charts.frame(fig, title, as_of, entity, plan.is_demo, height, text_scale=text_scale)
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
    st.title("Puntaje de la política y visión" + (f" {snap.vision.horizon.year}" if snap.vision else ""))
    state.no_plan_notice(snap)
    numbers, chart = st.columns([1, 2])  # side by side, so the slide fits one screen
    numbers.metric("Puntaje de la política", fmt.percent(snap.policy))
    numbers.markdown(status_text(snap.policy_status))
    if snap.vision is not None:
        numbers.metric(f"Visión {snap.vision.horizon.year}", fmt.percent(snap.vision.score))
        numbers.markdown(vision_text(snap.vision))
    items = [(f"Visión {p.horizon.year}" if p is snap.vision else p.name, p.score, p.elapsed)
             for p in (snap.vision, snap.plan) if p is not None]
    if items:
        with chart:
            show_chart(views.once(snap, "reunion-avance", lambda: framed(
                charts.progress_vs_time(items), "Avance frente al tiempo transcurrido", snap.as_of, 400)),
                "reunion-avance")


def slide_status() -> None:
    st.title("Indicadores por semáforo")
    show_chart(views.once(snap, "reunion-semaforo", lambda: framed(
        charts.status_counts(snap.status_counts()), "Indicadores por estado del semáforo", snap.as_of, 400)),
        "reunion-semaforo")


def slide_objectives() -> None:
    st.title("Objetivos")
    def build():
        rows = snap.objectives[snap.objectives["kind"] != "general"].assign(label=lambda d: d["code"])
        return framed(charts.score_bars(rows, "label", settings.red_below, settings.green_from),
                      "Puntaje por objetivo", snap.as_of, 380, text_scale=1.2)
    show_chart(views.once(snap, "reunion-objetivos", build), "reunion-objetivos")


def slide_processes() -> None:
    st.title("Procesos")
    def build():
        rows = snap.processes[snap.processes["n_data"].fillna(0) > 0].assign(label=lambda d: d["name"])
        rows = rows.sort_values("score", na_position="first")  # worst first, at the top
        return framed(charts.score_bars(rows, "label", settings.red_below, settings.green_from, name_width=60),
                      "Puntaje por proceso (el más bajo arriba)", snap.as_of, 400, text_scale=1.1)
    show_chart(views.once(snap, "reunion-procesos", build), "reunion-procesos")


def slide_late() -> None:
    st.title("Reportes atrasados y acciones de mejora")
    overdue = views.once(snap, "reunion-acciones-vencidas",
                         lambda: len(actions.overdue_actions(state.store(), snap.as_of)))
    st.markdown(f"**{fmt.count(len(snap.late), 'reporte atrasado', 'reportes atrasados')} · "
                f"{fmt.count(overdue, 'acción vencida', 'acciones vencidas')}**"
                + (f" · los {LATE_SHOWN} más antiguos (la lista completa está en Resumen y en cada proceso)"
                   if len(snap.late) > LATE_SHOWN else ""))
    late_table(snap, plan, summary=False, limit=LATE_SHOWN)


def committee_changes(before) -> tuple[list[str], pd.DataFrame]:
    """The summary's first lines and the indicators that changed semáforo, the most serious first."""
    lines = summary.summarize(state.store(), snap, before).sentences()[:2]
    table = snapshot.compare(before, snap)
    changed = table[(table["kind"] == "indicador") & table["status_changed"]]
    severity = {s: i for i, s in enumerate(("rojo", "desactualizado", "amarillo", "sin_dato", "verde"))}
    return lines, changed.assign(_rank=changed["status_after"].map(severity)).sort_values(["_rank", "change_pp"])


def slide_changes() -> None:
    st.title("¿Qué cambió desde el último comité?")
    since = comparison_date(snap.as_of)
    lines, changed = views.once(snap, "reunion-cambios", lambda: committee_changes(state.snapshot(since)))
    for line in lines:
        st.markdown(f"- {line}")
    if changed.empty:
        st.markdown(f"Ningún indicador cambió de semáforo desde el {fmt.short_date(since)}.")
    else:
        st.markdown(f"**{fmt.count(len(changed), 'indicador cambió', 'indicadores cambiaron')} de semáforo** desde el "
                    f"{fmt.short_date(since)} (el más grave primero):")
        shown = changed.head(8)
        st.markdown("\n".join(
            f"- **{r.code}** {r.name}: {status_text(r.status_before, short=True)} → "
            f"{status_text(r.status_after, short=True)}" for r in shown.itertuples()))
        if len(changed) > len(shown):
            st.caption(f"Y {fmt.count(len(changed) - len(shown), 'más', 'más')}; el detalle en «Comparar dos cortes».")
    st.caption("Use «Comparar dos cortes» para ver el detalle con otras fechas.")


SLIDES = [("Portada", slide_cover), ("Política y visión", slide_policy), ("Semáforo", slide_status),
          ("Objetivos", slide_objectives), ("Procesos", slide_processes), ("Atrasos", slide_late),
          ("Qué cambió", slide_changes)]


def _move(step: int) -> None:
    st.session_state[SLIDE_KEY] = min(max(st.session_state.get(SLIDE_KEY, 0) + step, 0), len(SLIDES) - 1)


def presentation() -> None:
    st.html(LARGE_TYPE)
    if st.session_state.get("pagina_anterior") != st.session_state.get("pagina"):
        st.html(COLLAPSE_SIDEBAR, unsafe_allow_javascript=True)
    index = min(max(st.session_state.get(SLIDE_KEY, 0), 0), len(SLIDES) - 1)
    back, where, forward = st.columns([1, 3, 1])
    back.button("◀ Anterior", disabled=index == 0, width="stretch", key="reunion_atras", on_click=_move, args=(-1,))
    forward.button("Siguiente ▶", disabled=index == len(SLIDES) - 1, width="stretch", key="reunion_adelante",
                   on_click=_move, args=(1,))
    where.markdown(f"<p style='text-align:center'>Tema {index + 1} de {len(SLIDES)} · "
                   f"{SLIDES[index][0]} · teclas ← → para cambiar</p>", unsafe_allow_html=True)
    SLIDES[index][1]()


def comparison() -> None:
    st.title("¿Qué cambió desde el último comité?")
    c1, c2 = st.columns(2)
    first = comparison_input("Corte anterior", "reunion_antes", snap.as_of, where=c1)
    second = c2.date_input("Corte actual", value=snap.as_of, min_value=EARLIEST, max_value=date.today(),
                           format="DD/MM/YYYY", key="reunion_ahora")
    if first >= second:
        st.warning("El corte anterior debe ser anterior al corte actual.")
        return
    a, b = state.snapshot(first), state.snapshot(second)
    change, fig, moved = views.once(b, "reunion-comparacion", lambda: two_cut_offs(a, b), first)
    for col, s, label in ((c1, a, first), (c2, b, second)):
        with col.container(border=True):
            st.markdown(f"### Al {fmt.short_date(label)}")
            st.metric("Puntaje de la política", fmt.percent(s.policy))
            st.markdown(status_text(s.policy_status))
            if s.vision is not None:
                st.metric(f"Visión {s.vision.horizon.year}", fmt.percent(s.vision.score))
            st.metric("Reportes atrasados", len(s.late))
            counts = s.status_counts()
            st.markdown(" · ".join(f"{status_text(k, short=True)}: **{counts[k]}**" for k in STATUSES))
    st.metric("Cambio del puntaje de la política", fmt.percent(b.policy),
              delta=None if change is None else f"{fmt.number(change)} puntos")
    show_chart(fig, "reunion-comparacion")
    st.subheader(f"Lo que cambió ({len(moved)})")
    if moved.empty:
        st.info("Nada cambió de puntaje ni de semáforo entre las dos fechas.")
        return
    st.dataframe(moved, hide_index=True)


def two_cut_offs(a, b) -> tuple[float | None, object, pd.DataFrame]:
    """The change of the policy score, the objectives' chart and the table of what moved between two cut-offs."""
    table = snapshot.compare(a, b)
    objectives = table[(table["kind"] == "objetivo") & (table["after"].notna() | table["before"].notna())]
    fig = charts.compare_scores(objectives, "code", f"Al {fmt.short_date(a.as_of)}", f"Al {fmt.short_date(b.as_of)}")
    moved = table[table["moved"]]
    return summary.summarize(state.store(), b, a).policy_change, framed(
        fig, "Puntaje por objetivo en los dos cortes", b.as_of, 480), pd.DataFrame({
            "Tipo": moved["kind"].str.capitalize(), "Código": moved["code"], "Nombre": moved["name"],
            "Antes": fmt.percents(moved["before"]), "Ahora": fmt.percents(moved["after"]),
            "Cambio (pp)": fmt.numbers(moved["change_pp"]),
            "Semáforo antes": status_column(moved["status_before"]),
            "Semáforo ahora": status_column(moved["status_after"])})


if mode == "Comparar dos cortes":
    comparison()
else:
    state.demo_banner()
    presentation()
