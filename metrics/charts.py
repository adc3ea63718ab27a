"""Plotly figures: the same figure feeds the page, the PNG/SVG export and the PDF report.

The semáforo palette is Okabe–Ito (readable by colour-blind readers) and every bar also carries a
pattern and a word, so the status still reads on a grey-scale printout.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from metrics import fmt
from metrics.periods import PERIODS_PER_YEAR
from metrics.scoring import period_share
from metrics.vocabulary import STATUS_ICONS, STATUS_LABELS, STATUSES

# Every figure starts on this template: Plotly applies the default once, without validating it again,
# when a figure is created (setting it on each figure afterwards cost more than the rest of `frame`).
pio.templates.default = "plotly_white"
COLORS = {"verde": "#009E73", "amarillo": "#E69F00", "rojo": "#D55E00", "desactualizado": "#CC79A7",
          "sin_dato": "#9E9E9E"}
PATTERNS = {"verde": "", "amarillo": "/", "rojo": "x", "desactualizado": "-", "sin_dato": "."}
INK = "#1f2937"
TARGET_COLOR = "#0072B2"
SOURCE = "Fuente: tablero de seguimiento DE-P-007"
CAPTION_OFFSET = 62  # px from the plot area down to the caption (as in metrics.export): room for ticks and axis title
OTHERS_COLOR = "#b8bec7"
# Date axes in numbers (aaaa, mm/aaaa or dd/mm/aaaa by tick spacing; hover dd/mm/aaaa): the image
# renderer has no Spanish locale and would write "Apr 2024".
DATE_AXIS = {"hoverformat": "%d/%m/%Y", "tickformatstops": [
    {"dtickrange": [None, "M1"], "value": "%d/%m/%Y"},
    {"dtickrange": ["M1", "M12"], "value": "%m/%Y"},
    {"dtickrange": ["M12", None], "value": "%Y"}]}
# A chart or a report table lists at most this many indicators; the rest are counted, never drawn, so a
# plan of thousands of indicators gives a figure of the same size as the demo's.
MAX_LISTED_INDICATORS = 15
# Which indicators are listed first: red, then yellow (each by attainment, lowest first), then those with
# no current figure (they cannot be ranked by attainment, but they owe a report), green last.
ATTENTION_ORDER = ("rojo", "amarillo", "desactualizado", "sin_dato", "verde")
_REST_WORDS = {"verde": ("en verde", "en verde"), "amarillo": ("en amarillo", "en amarillo"),
               "rojo": ("en rojo", "en rojo"), "desactualizado": ("desactualizado", "desactualizados"),
               "sin_dato": ("sin dato", "sin dato")}


def wrap(text: str, width: int = 30) -> str:
    """A long name broken at word boundaries with <br> (Plotly's line break), never truncated."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def frame(fig: go.Figure, title: str, as_of: date, entity: str, demo: bool, height: int = 420,
          text_scale: float = 1.0) -> go.Figure:
    """Title, caption (entity, fecha de corte, source) and Spanish number format on a figure.

    The title sits at the top of the figure and the legend (if any) in a row between title and plot,
    so both fit a phone's width; `text_scale` enlarges every text for a projector (Modo reunión).
    """
    def size(px: float) -> int:
        return round(px * text_scale)

    title = wrap(title, 42)  # fits a phone's width at 17 px
    # short lines, so the caption fits a phone's width too
    caption = f"{entity}<br>Fecha de corte: {fmt.long_date(as_of)}<br>{SOURCE}"
    if demo:
        caption += "<br>DATOS DE DEMOSTRACIÓN"
    caption_lines = caption.count("<br>") + 1
    title_px = 10 + (title.count("<br>") + 1) * size(17) * 1.35 + 6
    # the top margin holds the title and the legend's row (or the threshold labels just above the plot)
    has_legend = sum(1 for t in fig.data if t.showlegend is not False and t.name) > 1
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top",
               "pad": {"t": 10}, "font": {"size": size(17), "color": INK}},
        separators=",.", height=height,
        font={"family": "Arial, sans-serif", "size": size(13), "color": INK},
        margin={"l": 60, "r": 30, "t": round(title_px + size(54 if has_legend else 26)),
                "b": CAPTION_OFFSET + 14 * caption_lines + 10},
        legend={"orientation": "h", "x": 0.01, "xref": "container", "xanchor": "left", "y": 1, "yref": "container",
                "yanchor": "top",
                "entrywidthmode": "pixels", "font": {"size": size(12)}},
    )
    # rows of horizontal bars need room for their wrapped names: the figure grows, never squeezes them
    bars = [t for t in fig.data if t.type == "bar" and t.orientation == "h"]
    if bars:
        names = list(bars[0].y)
        tallest = max((str(name).count("<br>") + 1 for name in names), default=1)
        needed = len(names) * (tallest * size(12) * 1.25 + 3) + 20
        fig.update_layout(height=max(height, round(fig.layout.margin.t + fig.layout.margin.b + needed)))
    fig.layout.legend.y = 1 - title_px / fig.layout.height
    # Plotly anchors a title's first line: lower a wrapped title by its extra lines so it stays on the figure
    fig.layout.title.y = 1 - title.count("<br>") * size(17) * 1.2 / fig.layout.height
    # Ticks never rotate (rotated dates ran into the caption); the axis title keeps a fixed distance.
    fig.update_xaxes(tickangle=0, title_standoff=6, ticklabelstandoff=6, tickfont={"size": size(12)}, title_font={"size": size(13)})
    fig.update_yaxes(tickfont={"size": size(12)}, title_font={"size": size(13)})
    for note in fig.layout.annotations:  # threshold and band labels follow the text size too
        note.font.size = size(note.font.size or 12)
    for trace in fig.data:
        if getattr(trace, "text", None) is not None:
            trace.textfont.size = size(12)
    # A fixed distance in pixels below the plot, so the caption never overlaps the axis title.
    # Under horizontal bars the plot starts after the names: the caption starts about where they do.
    names = [line for t in bars for name in t.y for line in str(name).split("<br>")] if bars else []
    shift = -min(max((len(n) for n in names), default=0) * size(12) * 0.5, 400)
    fig.add_annotation(text=caption, xref="paper", yref="paper", x=0, y=0, yanchor="top", yshift=-CAPTION_OFFSET,
                       xshift=shift,
                       xanchor="left", align="left", showarrow=False, font={"size": 10, "color": "#4b5563"})
    return fig


def _status_bar(labels: list[str], pcts: list, statuses: list[str], hover: list[str]) -> go.Bar:
    text = [f"{STATUS_ICONS[s]} {fmt.number(p)} %" if pd.notna(p) else f"{STATUS_ICONS[s]} {STATUS_LABELS[s]}"
            for p, s in zip(pcts, statuses)]
    return go.Bar(
        x=[0 if pd.isna(p) else p for p in pcts], y=labels, orientation="h", text=text,
        textposition="outside", cliponaxis=False, hovertext=hover, hoverinfo="text",
        marker={"color": [COLORS[s] for s in statuses],
                "pattern": {"shape": [PATTERNS[s] for s in statuses], "fillmode": "overlay", "size": 8},
                "line": {"color": INK, "width": 0.5}},
        showlegend=False)


def worst_indicators(rows: pd.DataFrame, limit: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the `limit` (MAX_LISTED_INDICATORS) indicators that most need attention, worst first; the rest)
    of rows with code, attainment and status, in ATTENTION_ORDER."""
    limit = MAX_LISTED_INDICATORS if limit is None else limit
    rank = rows["status"].map({s: i for i, s in enumerate(ATTENTION_ORDER)})
    keys = pd.DataFrame({"rank": rank, "attainment": pd.to_numeric(rows["attainment"]), "code": rows["code"]})
    ordered = rows.loc[keys.sort_values(["rank", "attainment", "code"], na_position="last", kind="stable").index]
    return ordered.iloc[:limit], ordered.iloc[limit:]


def rest_summary(rest: pd.DataFrame) -> str:
    """'y 985 indicadores más: 700 en verde, 200 en amarillo, 80 en rojo y 5 sin dato' (states with none left out)."""
    counts = rest["status"].value_counts()
    parts = [f"{fmt.number(counts[s], 0)} {_REST_WORDS[s][int(counts[s] != 1)]}" for s in STATUSES if counts.get(s, 0)]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " y " + parts[-1]
    return f"y {fmt.count(len(rest), 'indicador')} más: {listed}"


def indicator_bars(rows: pd.DataFrame, red_below: float, green_from: float, limit: int | None = None) -> go.Figure:
    """Attainment of a group of indicators (rows with code, name, attainment, status): the `limit` worst
    as bars, worst on top, and one grey row that counts the rest by state; its height is bounded."""
    shown, rest = worst_indicators(rows, limit)
    bars = shown.assign(score=pd.to_numeric(shown["attainment"]),
                        label=[f"{c} · {_short(n, 34)}" for c, n in zip(shown["code"], shown["name"])])
    summary = None
    if len(rest):
        head, _, counts = rest_summary(rest).partition(": ")
        summary = (head, counts)
    fig = score_bars(bars, "label", red_below, green_from, others=summary)
    fig.update_layout(height=max(280, 34 * (len(shown) + (summary is not None)) + 200))
    fig.update_xaxes(title="Cumplimiento frente a la meta (%)")
    return fig


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def score_bars(rows: pd.DataFrame, label_col: str, red_below: float, green_from: float,
               name_width: int = 30, others: tuple[str, str] | None = None) -> go.Figure:
    """Horizontal bars of scores (0..1 in `score`) with the semáforo thresholds marked; names wrapped
    at `name_width` characters (wider on a projector, where there is room beside the bars). `others`
    (label, text) adds a grey bottom row for what is not drawn (see indicator_bars)."""
    rows = rows.iloc[::-1]
    pcts = [None if pd.isna(s) else s * 100 for s in rows["score"]]
    hover = [f"{lab}: {fmt.percent(s)} · {STATUS_LABELS[st]}" for lab, s, st in
             zip(rows[label_col], rows["score"], rows["status"])]
    bar = _status_bar([wrap(x, name_width) for x in rows[label_col]], pcts, list(rows["status"]), hover)
    if others is not None:  # in the same trace, so the figure's height counts its row
        label, text = others
        bar.update(x=[0, *bar.x], y=[wrap(label, name_width), *bar.y], text=[text, *bar.text],
                   hovertext=[f"{label}: {text}", *bar.hovertext])
        bar.marker.update(color=[OTHERS_COLOR, *bar.marker.color],
                          pattern={"shape": ["", *bar.marker.pattern.shape]})
    fig = go.Figure(bar)
    # The red label ends at its line and the green one starts at its own: they can never overlap.
    for x, name, side in ((red_below, "Umbral rojo", "right"), (green_from, "Umbral verde", "left")):
        fig.add_vline(x=x, line_dash="dot", line_color="#6b7280")
        fig.add_annotation(x=x, xref="x", y=1, yref="paper", yanchor="bottom", xanchor=side, showarrow=False,
                           text=f"{name} {fmt.number(x, 0)} %", font={"size": 11, "color": "#374151"})
    fig.update_xaxes(range=[0, 115], title="Cumplimiento ponderado (%)", ticksuffix=" %")
    fig.update_yaxes(automargin=True)
    return fig


def progress_vs_time(items: list[tuple[str, float | None, float]]) -> go.Figure:
    """Progress from baseline (bars) against the share of time elapsed (diamonds), per plan."""
    names = [wrap(n) for n, _, _ in items]
    progress = [None if p is None else p * 100 for _, p, _ in items]
    elapsed = [e * 100 for _, _, e in items]
    fig = go.Figure([
        go.Bar(name="Avance desde la línea base", x=progress, y=names, orientation="h",
               marker={"color": TARGET_COLOR, "pattern": {"shape": "/"}},
               text=[fmt.percent(None if p is None else p / 100) for p in progress], textposition="auto"),
        # The legend says what the diamond is; its label is only the number, so it fits beside 100 %.
        go.Scatter(name="Tiempo transcurrido", x=elapsed, y=names, mode="markers+text", cliponaxis=False,
                   marker={"symbol": "diamond", "size": 16, "color": INK},
                   text=[f"{fmt.number(e, 0)} %" for e in elapsed], textposition="top center"),
    ])
    fig.update_xaxes(range=[0, 110], ticksuffix=" %", title="Porcentaje")
    fig.update_yaxes(automargin=True)
    return fig


def score_history(history: pd.DataFrame) -> go.Figure:
    """Scores over time (columns: as_of, label, score, elapsed) with the time elapsed as a dashed line."""
    fig = go.Figure()
    for label, rows in history.groupby("label", sort=False):
        # the legend names the code (one short row, even on a phone); the hover says the whole objective
        fig.add_trace(go.Scatter(x=rows["as_of"], y=rows["score"] * 100, name=label.split(" · ")[0],
                                 mode="lines+markers", hovertext=label, hoverinfo="text+x+y"))
    first = history.drop_duplicates("as_of")
    fig.add_trace(go.Scatter(x=first["as_of"], y=first["elapsed"] * 100, name="Tiempo transcurrido del plan",
                             mode="lines", line={"dash": "dash", "color": "#6b7280"}))
    fig.update_yaxes(range=[0, 105], ticksuffix=" %", title="Puntaje (%)")
    fig.update_xaxes(title="Fecha de corte", tickformat="%d/%m/%Y", nticks=6)
    return fig


def indicator_history(values: pd.DataFrame, targets: pd.DataFrame, indicator: pd.Series,
                      red_below: float, green_from: float) -> go.Figure:
    """Reported values per period against the period target, with the semáforo bands shaded."""
    fig = go.Figure()
    t = targets.copy()
    t["period_target"] = t["target"] * period_share(indicator["accumulation"], PERIODS_PER_YEAR[indicator["frequency"]])
    if not t.empty:
        xs, lo, mid, ys = [], [], [], []
        for r in t.itertuples():
            for x in (pd.Timestamp(r.year, 1, 1), pd.Timestamp(r.year, 12, 31)):
                xs.append(x)
                ys.append(r.period_target)
                if indicator["polarity"] == "up":
                    lo.append(r.period_target * red_below / 100)
                    mid.append(r.period_target * green_from / 100)
                else:
                    lo.append(r.period_target * 100 / red_below if red_below else None)
                    mid.append(r.period_target * 100 / green_from if green_from else None)
        # The lower edge of the yellow band is not drawn, so it has no legend entry of its own.
        fig.add_trace(go.Scatter(x=xs, y=lo, mode="lines", line={"width": 0, "color": COLORS["rojo"]},
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=xs, y=mid, mode="lines", line={"width": 0, "color": COLORS["amarillo"]},
                                 fill="tonexty", fillcolor="rgba(230,159,0,0.18)",
                                 name=f"Franja amarilla ({fmt.number(red_below, 0)} % a "
                                      f"{fmt.number(green_from, 0)} % de la meta)"))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="Meta del periodo",
                                 line={"color": TARGET_COLOR, "dash": "dash", "width": 2}))
    if not values.empty:
        fig.add_trace(go.Scatter(x=values["period_end"], y=values["value"], mode="lines+markers",
                                 name="Valor reportado", line={"color": INK, "width": 2},
                                 marker={"size": 7, "symbol": "circle"}))
    fig.update_yaxes(title=indicator["unit"], rangemode="tozero")
    fig.update_xaxes(title="Periodo", **DATE_AXIS)
    starts = list(t["year"].map(lambda y: pd.Timestamp(y, 1, 1))) + list(pd.to_datetime(values.get("period_end", [])))
    if starts:  # a little room left of the first year, so its tick never sits under the y axis's 0
        fig.update_xaxes(range=[min(starts) - pd.Timedelta(days=75), max(starts) + pd.Timedelta(days=400)])
    return fig


def process_trends(periods: pd.DataFrame, labels: dict[str, str], red_below: float,
                   green_from: float, highlight: str | None = None) -> go.Figure:
    """Each indicator's attainment per period (capped at 100 %) over the semáforo bands: one indicator
    highlighted (the first in `labels` unless `highlight` says which), the others thin and grey, so
    a dozen lines never compete in a dozen reused colours."""
    fig = go.Figure()
    for low, high, status_ in ((0, red_below, "rojo"), (red_below, green_from, "amarillo"), (green_from, 105, "verde")):
        fig.add_hrect(y0=low, y1=high, fillcolor=COLORS[status_], opacity=0.12, line_width=0,
                      annotation_text=STATUS_LABELS[status_], annotation_position="inside top right",
                      annotation_font={"size": 11, "color": "#4b5563"})
    highlight = highlight if highlight in labels else next(iter(labels), None)
    others = periods[periods["indicator"] != highlight]
    # a large process draws the MAX_LISTED_INDICATORS others with the lowest latest attainment, and says so
    latest = others.sort_values("period_end").groupby("indicator")["attainment"].last().astype(float)
    drawn = latest.sort_values(na_position="last", kind="stable").index[:MAX_LISTED_INDICATORS]
    others_name = "Otros indicadores del proceso"
    if len(latest) > len(drawn):
        others_name = wrap(f"Otros {len(drawn)} indicadores del proceso, los de menor cumplimiento "
                           f"({fmt.count(len(latest) - len(drawn), 'indicador')} más sin dibujar)", 45)
        others = others[others["indicator"].isin(drawn)]
    first_other = True
    for code, rows in others.groupby("indicator", sort=True):
        fig.add_trace(go.Scatter(x=rows["period_end"], y=rows["attainment"].astype(float) * 100,
                                 name=others_name, legendgroup="otros", showlegend=first_other,
                                 mode="lines", line={"color": OTHERS_COLOR, "width": 1.5},
                                 hovertext=labels.get(code, code), hoverinfo="text+x+y"))
        first_other = False
    mine = periods[periods["indicator"] == highlight]
    if not mine.empty:
        fig.add_trace(go.Scatter(x=mine["period_end"], y=mine["attainment"].astype(float) * 100,
                                 name=wrap(labels.get(highlight, highlight), 60), mode="lines+markers",
                                 line={"color": INK, "width": 3}, marker={"size": 7}))
    fig.update_yaxes(range=[0, 105], ticksuffix=" %", title="Cumplimiento (%)")
    fig.update_xaxes(title="Cierre del periodo", **DATE_AXIS)
    return fig


def status_counts(counts: dict[str, int]) -> go.Figure:
    """How many indicators sit in each semáforo state (horizontal, so the words fit a phone)."""
    keys = list(counts)[::-1]  # first state on top
    fig = go.Figure(go.Bar(
        y=[f"{STATUS_ICONS[k]} {STATUS_LABELS[k]}" for k in keys], x=[counts[k] for k in keys], orientation="h",
        text=[counts[k] for k in keys], textposition="outside", cliponaxis=False,
        marker={"color": [COLORS[k] for k in keys], "pattern": {"shape": [PATTERNS[k] for k in keys]}},
        showlegend=False))
    fig.update_xaxes(title="Indicadores", range=[0, max(counts.values(), default=0) * 1.15 + 1])
    fig.update_yaxes(automargin=True)
    return fig


def compare_scores(rows: pd.DataFrame, label_col: str, before_label: str, after_label: str) -> go.Figure:
    """Scores at two cut-offs side by side (columns `before`, `after`, 0..1): grey dotted, then solid blue."""
    rows = rows.iloc[::-1]
    fig = go.Figure()
    for col, name, color, shape in (("before", before_label, "#9E9E9E", "."), ("after", after_label, TARGET_COLOR, "")):
        pcts = [None if pd.isna(s) else s * 100 for s in rows[col]]
        fig.add_trace(go.Bar(
            name=name, x=[0 if p is None else p for p in pcts], y=[wrap(x) for x in rows[label_col]], orientation="h",
            text=[fmt.percent(v) if pd.notna(v) else STATUS_LABELS["sin_dato"] for v in rows[col]],
            textposition="outside", cliponaxis=False,
            marker={"color": color, "pattern": {"shape": shape}, "line": {"color": INK, "width": 0.5}}))
    fig.update_layout(barmode="group", legend={"traceorder": "normal"})
    fig.update_xaxes(range=[0, 115], title="Puntaje (%)", ticksuffix=" %")
    fig.update_yaxes(automargin=True)
    return fig


# The Plan de Acción's states, in the same Okabe–Ito palette with a pattern each: a finished action is
# the semáforo's green, never red; a late one the semáforo's vermillion; on schedule sky blue.
ACTION_COLORS = {"terminada": COLORS["verde"], "al_dia": "#56B4E9", "atrasada": COLORS["rojo"],
                 "sin_iniciar": COLORS["sin_dato"]}
ACTION_PATTERNS = {"terminada": "", "al_dia": "/", "atrasada": "x", "sin_iniciar": "."}


def planned_vs_actual(rows: pd.DataFrame, label_col: str) -> go.Figure:
    """Actual progress (bars coloured by state, with the state's word) against expected progress
    (a blue diamond) per action or activity; `rows` has actual, expected (0..100) and state."""
    from metrics.vocabulary import ACTION_STATE_ICONS, ACTION_STATES
    rows = rows.iloc[::-1]
    states = list(rows["state"])
    labels = list(rows[label_col])
    fig = go.Figure()
    fig.add_trace(go.Bar(
        name="Avance real", x=list(rows["actual"]), y=labels, orientation="h",
        text=[f"{ACTION_STATE_ICONS[s]} {fmt.number(a)} % · {ACTION_STATES[s]}"
              for a, s in zip(rows["actual"], states)],
        textposition="outside", cliponaxis=False,
        hovertext=[f"{lab}: real {fmt.number(a)} %, programado {fmt.number(e)} % · {ACTION_STATES[s]}"
                   for lab, a, e, s in zip(labels, rows["actual"], rows["expected"], states)], hoverinfo="text",
        marker={"color": [ACTION_COLORS[s] for s in states],
                "pattern": {"shape": [ACTION_PATTERNS[s] for s in states], "fillmode": "overlay", "size": 8},
                "line": {"color": INK, "width": 0.5}}))
    fig.add_trace(go.Scatter(
        name="Avance programado", x=list(rows["expected"]), y=labels, mode="markers",
        marker={"symbol": "diamond", "size": 11, "color": TARGET_COLOR, "line": {"color": "white", "width": 1}},
        hovertext=[f"{lab}: programado {fmt.number(e)} %" for lab, e in zip(labels, rows["expected"])],
        hoverinfo="text"))
    fig.update_xaxes(range=[0, 130], ticksuffix=" %", title="Avance (%)", tickvals=[0, 25, 50, 75, 100])
    fig.update_layout(barmode="overlay")
    return fig
