"""Every figure the app builds, rendered by the real renderer, reads at a glance: no text cut off at
the figure's edge and no two texts on top of each other (titles, axis titles, threshold labels,
legend, caption, bar labels, ticks), and axis titles and the caption stay outside the plot area.

The geometry is measured, not guessed: each figure goes through metrics.export (kaleido, the
system Chromium) to SVG and PNG, and the SVG is opened in Chromium, which reports the box of every
text it drew. Checked at the export width and at a phone's width (390 px)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from metrics import charts, export, plan as plan_mod, seed, snapshot, values
from metrics.export import Provenance
from metrics.periods import EARLIEST
from metrics.scoring import period_attainment

CUT = date(2024, 12, 31)
NO_INTERNET = {"proxy_server": "http://127.0.0.1:9"}
TOLERANCE = 1.0  # px: glyph boxes may touch


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = seed.open_demo(tmp_path_factory.mktemp("layout") / "demo.duckdb", today=date(2025, 6, 30))
    plan = plan_mod.load(store)
    yield store, plan, snapshot.compute(store, plan, CUT)
    store.close()


@pytest.fixture(scope="module")
def chromium(browser):
    """A tab of the session's Chromium (Playwright's sync API starts once per test run)."""
    export.RENDERER.start(**NO_INTERNET)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    yield page
    page.close()


def app_figures(store, plan, snap) -> dict[str, object]:
    """The figures of Resumen, Objetivos, Procesos, Indicador and Modo reunión, built as the pages do."""
    s, entity, demo = plan.settings, plan.entity["name"], plan.is_demo

    def framed(fig, title, height=420, scale=1.0):
        return charts.frame(fig, title, CUT, entity, demo, height, text_scale=scale)

    items = [(f"Visión {p.horizon.year}" if p is snap.vision else p.name, p.score, p.elapsed)
             for p in (snap.vision, snap.plan) if p is not None]
    objectives = snap.objectives[snap.objectives["kind"] != "general"]
    named = objectives.assign(label=objectives["code"] + " · " + objectives["text"])
    processes = snap.processes[snap.processes["n_data"].fillna(0) > 0].assign(label=lambda d: d["name"])
    dates = [date(y, 12, 31) for y in range(EARLIEST.year, CUT.year + 1)]
    history = snapshot.history(store, lambda as_of: plan_mod.load(store, as_of), dates)
    process = snap.indicators["process"].value_counts().index[0]  # the process with most indicators
    shown = snap.indicators[snap.indicators["process"] == process]
    periods = period_attainment(values.current_values(store, CUT, codes=list(shown["code"])),
                                plan.indicators, plan.targets)
    labels = dict(zip(shown["code"], shown["code"] + " · " + shown["name"]))
    ind = snap.indicators.iloc[0]
    current = values.current_values(store, CUT, indicator=ind["code"])
    table = snapshot.compare(snapshot.compute(store, plan, date(2024, 9, 30)), snap)
    compared = table[table["kind"] == "objetivo"]
    # an objective of a large plan, as the PDF report draws it: the worst indicators and one row for the rest
    large = pd.concat([snap.indicators.assign(code=snap.indicators["code"] + f"-{k}") for k in range(40)])
    many = pd.concat([periods.assign(indicator=periods["indicator"] + f"-{k}") for k in range(10)])
    many_labels = {f"{c}-{k}": f"{name} ({k})" for k in range(10) for c, name in labels.items()}
    return {
        "informe-objetivo-grande": framed(charts.indicator_bars(large, s.red_below, s.green_from),
                                          "Cumplimiento de los indicadores de un objetivo grande"),
        "avance-tiempo": framed(charts.progress_vs_time(items), "Avance frente al tiempo transcurrido", 300),
        "semaforo": framed(charts.status_counts(snap.status_counts()), "Indicadores por estado del semáforo", 320),
        "objetivos": framed(charts.score_bars(named, "label", s.red_below, s.green_from), "Puntaje por objetivo"),
        "historia-objetivos": framed(charts.score_history(history),
                                     "Puntaje por objetivo frente al tiempo transcurrido del plan", 460),
        "tendencia": framed(charts.process_trends(periods, labels, s.red_below, s.green_from),
                            "Cumplimiento por periodo · " + process, 480),
        "tendencia-grande": framed(charts.process_trends(many, many_labels, s.red_below, s.green_from),
                                   "Cumplimiento por periodo · un proceso grande", 480),
        "indicador": framed(charts.indicator_history(current, plan.targets[plan.targets["indicator"] == ind["code"]],
                                                     ind, s.red_below, s.green_from), f"{ind['code']} · {ind['name']}"),
        # Modo reunión, with its projector sizes (app_pages/reunion.py)
        "reunion-procesos": framed(charts.score_bars(processes.sort_values("score"), "label", s.red_below,
                                                     s.green_from, name_width=60),
                                   "Puntaje por proceso (el más bajo arriba)", 400, 1.1),
        "reunion-objetivos": framed(charts.score_bars(objectives.assign(label=objectives["code"]), "label",
                                                      s.red_below, s.green_from), "Puntaje por objetivo", 380, 1.2),
        "reunion-semaforo": framed(charts.status_counts(snap.status_counts()), "Indicadores por estado del semáforo",
                                   400, 1.45),
        "reunion-avance": framed(charts.progress_vs_time(items), "Avance frente al tiempo transcurrido", 400, 1.45),
        "reunion-comparacion": framed(charts.compare_scores(compared, "code", "Al 30/09/2024", "Al 31/12/2024"),
                                      "Puntaje por objetivo en los dos cortes", 480, 1.45),
    }


MEASURE = """() => {
  const svg = document.querySelector('svg');
  const box = r => ({x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
  const clip = document.querySelector('clipPath.axesclip[id$="xy"] rect');  // the plot area of the x/y axes
  const num = a => parseFloat(clip.getAttribute(a));
  const plot = clip ? {x0: num('x'), y0: num('y'), x1: num('x') + num('width'), y1: num('y') + num('height')} : null;
  const kinds = [['gtitle', '.gtitle'], ['xtitle', '.g-xtitle text, .xtitle'], ['ytitle', '.g-ytitle text, .ytitle'],
                 ['annotation', '.annotation-text'], ['legend', '.legendtext'], ['xtick', '.xtick text'],
                 ['ytick', '.ytick text'], ['data', '.textpoint text, .bartext']];
  const texts = [];
  const seen = new Set();
  for (const [kind, sel] of kinds) for (const el of document.querySelectorAll(sel)) {
    if (seen.has(el) || !el.textContent.trim()) continue;
    seen.add(el);
    const r = el.getBoundingClientRect();
    if (r.width && r.height) texts.push({kind, text: el.textContent, ...box(r)});
  }
  return {width: svg.width.baseVal.value, height: svg.height.baseVal.value, plot, texts};
}"""


def measure(page, svg: bytes) -> dict:
    page.set_content(f"<html><body style='margin:0'>{svg.decode('utf-8')}</body></html>")
    return page.evaluate(MEASURE)


def overlap(a: dict, b: dict) -> bool:
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > TOLERANCE
            and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > TOLERANCE)


def problems(geometry: dict) -> list[str]:
    """Texts outside the figure, texts over each other, titles and captions inside the plot area."""
    found = []
    w, h, texts = geometry["width"], geometry["height"], geometry["texts"]
    for t in texts:
        if t["x0"] < -TOLERANCE or t["y0"] < -TOLERANCE or t["x1"] > w + TOLERANCE or t["y1"] > h + TOLERANCE:
            found.append(f"cut off at the edge: {t['kind']} «{t['text']}»")
        if geometry["plot"] and t["kind"] in ("gtitle", "xtitle", "ytitle", "legend") and overlap(t, geometry["plot"]):
            found.append(f"inside the plot area: {t['kind']} «{t['text']}»")
        if geometry["plot"] and "Fecha de corte" in t["text"] and overlap(t, geometry["plot"]):
            found.append(f"caption inside the plot area: «{t['text']}»")
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if overlap(a, b):
                found.append(f"overlap: {a['kind']} «{a['text']}» and {b['kind']} «{b['text']}»")
    return found


PROV = Provenance(CUT, "0123456789ab")
# The figures of the pages a phone user opens (Resumen, Procesos, Indicador); the committee's
# charts (objectives, Modo reunión) are checked at the report's width.
ON_PHONES = ("avance-tiempo", "semaforo", "tendencia", "tendencia-grande", "indicador")


@pytest.mark.parametrize("width", [export.IMAGE_WIDTH, 390], ids=["informe", "telefono"])
def test_every_app_figure_renders_without_cut_or_overlapping_text(demo, chromium, width):
    figures = app_figures(*demo)
    report = {}
    for name, fig in figures.items():
        if width < export.IMAGE_WIDTH and name not in ON_PHONES:
            continue
        if width == export.IMAGE_WIDTH:
            assert export.png(fig, PROV).startswith(b"\x89PNG"), name
        geometry = measure(chromium, export.svg(fig, PROV, width=width))
        assert geometry["plot"]["x1"] > 100 and len(geometry["texts"]) > 5, f"{name}: nothing measured"
        if found := problems(geometry):
            report[name] = found
    assert not report, "\n".join(f"{n}:\n  " + "\n  ".join(f) for n, f in report.items())


def test_the_check_bites_on_a_broken_layout(demo, chromium):
    """The same check fails when a margin is broken on purpose, or when the two threshold labels
    are both centred on their lines (the old overlap)."""
    store, plan, snap = demo
    figures = app_figures(store, plan, snap)
    squeezed = export.stamped(figures["historia-objetivos"], PROV)
    squeezed.update_layout(margin={"b": 40})  # the caption falls on the axis title and off the figure
    geometry = measure(chromium, export.RENDERER.render_many([(squeezed, "svg", export.IMAGE_WIDTH, 460, 1)])[0])
    assert any("Fecha de corte" in p or "xtitle" in p for p in problems(geometry))

    bars = figures["objetivos"]
    for note in bars.layout.annotations:
        if note.text.startswith("Umbral"):
            note.update(xanchor="center", font={"size": 30})
    geometry = measure(chromium, export.svg(bars, PROV))
    assert any("Umbral rojo" in p and "Umbral verde" in p for p in problems(geometry))
