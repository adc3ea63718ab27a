"""Colombian formats and the figures' captions and accessible semáforo."""
from datetime import date

import pandas as pd

from metrics import charts, fmt


def test_colombian_numbers_and_dates():
    assert fmt.number(1234.56) == "1.234,6"
    assert fmt.number(1234567, 0) == "1.234.567"
    assert fmt.percent(0.832) == "83,2 %"
    assert fmt.percent(None) == "—"
    assert fmt.value(8.4, "horas") == "8,4 horas"
    assert fmt.value(1500, "personas") == "1.500 personas"
    assert fmt.value(97.5, "%") == "97,5 %"
    assert fmt.long_date(date(2024, 12, 31)) == "31 de diciembre de 2024"
    assert fmt.short_date(date(2024, 3, 1)) == "01/03/2024"


def test_frame_carries_entity_cut_off_source_and_demo_mark():
    fig = charts.frame(charts.status_counts({"verde": 2, "amarillo": 1, "rojo": 0, "sin_dato": 3}),
                       "Indicadores", date(2024, 12, 31), "Personería Distrital de Cartagena de Indias", demo=True)
    caption = fig.layout.annotations[-1].text
    assert "31 de diciembre de 2024" in caption and "Personería Distrital" in caption
    assert "Fuente" in caption and "DEMOSTRACIÓN" in caption
    assert fig.layout.separators == ",."
    assert fig.layout.title.text == "Indicadores"


def test_semaforo_reads_without_colour():
    rows = pd.DataFrame({"label": ["A", "B", "C"], "score": [0.9, 0.5, None],
                         "status": ["verde", "rojo", "sin_dato"]})
    bar = charts.score_bars(rows, "label", 60, 80).data[0]
    assert list(bar.text) == ["○ Sin dato", "✖ 50,0 %", "✔ 90,0 %"]  # reversed: first row on top
    assert len(set(bar.marker.pattern.shape)) == 3  # a different pattern per state for grey-scale print


def test_counts_agree_with_their_number():
    assert fmt.count(1, "indicador") == "1 indicador"
    assert fmt.count(3, "indicador") == "3 indicadores"
    assert fmt.count(0, "reporte atrasado", "reportes atrasados") == "0 reportes atrasados"
    assert fmt.count(1200, "meta") == "1.200 metas"


def test_long_names_wrap_at_word_boundaries_never_truncated():
    name = "Promoción, Protección y Defensa de los Derechos Humanos"
    wrapped = charts.wrap(name, 20)
    assert wrapped.replace("<br>", " ") == name
    assert all(len(line) <= 20 for line in wrapped.split("<br>"))


def test_legend_lists_only_what_is_drawn_and_trends_highlight_one_indicator():
    periods = pd.DataFrame({"indicator": ["A", "A", "B", "B", "C", "C"],
                            "period_end": pd.to_datetime(["2024-06-30", "2024-12-31"] * 3),
                            "attainment": [0.5, 0.7, 0.9, 1.0, 0.3, 0.4]})
    fig = charts.process_trends(periods, {"A": "A · uno", "B": "B · dos", "C": "C · tres"}, 60, 80, highlight="B")
    in_legend = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in in_legend] == ["Otros indicadores del proceso", "B · dos"]
    assert {t.line.color for t in fig.data if t.name == "Otros indicadores del proceso"} == {charts.OTHERS_COLOR}
    values = pd.DataFrame({"period_end": pd.to_datetime(["2024-12-31"]), "value": [5.0]})
    targets = pd.DataFrame({"indicator": ["A"], "year": [2024], "target": [10.0]})
    ind = pd.Series({"accumulation": "flujo", "frequency": "A", "polarity": "up", "unit": "#"})
    history = charts.indicator_history(values, targets, ind, 60, 80)
    for trace in history.data:  # a legend entry only for a trace with a visible line, fill or marker
        if trace.showlegend is not False:
            assert trace.line.width is None or trace.line.width > 0 or trace.fill not in (None, "none"), trace.name


def many_indicators(n: int) -> pd.DataFrame:
    """n indicators: a few red and yellow, some with no current figure, most green."""
    statuses = (["rojo"] * 10 + ["amarillo"] * 205 + ["desactualizado"] * 30 + ["sin_dato"] * 55
                + ["verde"] * (n - 300))
    attainment = [0.3 - i / 100 if s == "rojo" else 0.7 if s == "amarillo" else None if s == "sin_dato"
                  else 0.65 if s == "desactualizado" else 1.0 for i, s in enumerate(statuses)]
    return pd.DataFrame({"code": [f"IN-{i:04d}" for i in range(n)],
                         "name": [f"Indicador sintético número {i} de un objetivo grande" for i in range(n)],
                         "attainment": attainment, "status": statuses})


def test_a_thousand_indicators_give_the_worst_bars_and_one_row_that_counts_the_rest():
    rows = many_indicators(1000)
    fig = charts.indicator_bars(rows, 60, 80)
    (bar,) = fig.data
    n = charts.MAX_LISTED_INDICATORS
    assert 10 < n < 215
    assert len(bar.y) == n + 1  # the worst n and one summary row, at the bottom
    assert bar.y[0] == f"y {1000 - n} indicadores más" and bar.marker.color[0] == charts.OTHERS_COLOR
    assert bar.text[0] == f"700 en verde, {215 - n} en amarillo, 30 desactualizados y 55 sin dato"
    shown = [str(y).split(" · ")[0] for y in bar.y[1:]][::-1]  # top to bottom
    assert shown[:10] == [f"IN-{i:04d}" for i in range(9, -1, -1)]  # red, the lowest attainment first
    assert set(rows.set_index("code").loc[shown[10:], "status"]) == {"amarillo"}
    framed = charts.frame(fig, "Objetivo grande", date(2024, 12, 31), "Entidad", demo=False)
    small = charts.frame(charts.indicator_bars(rows.iloc[: n + 1], 60, 80), "Objetivo", date(2024, 12, 31),
                         "Entidad", demo=False)
    assert framed.layout.height == small.layout.height  # as tall as n + 1 indicators, whatever the plan


def test_indicators_with_no_current_figure_come_after_the_measured_ones_in_trouble():
    rows = pd.DataFrame({"code": ["A", "B", "C", "D", "E"], "attainment": [1.0, None, 0.7, 0.65, 0.3],
                         "status": ["verde", "sin_dato", "amarillo", "desactualizado", "rojo"]})
    shown, rest = charts.worst_indicators(rows, 4)
    assert list(shown["code"]) == ["E", "C", "D", "B"] and list(rest["code"]) == ["A"]
    assert charts.rest_summary(rest) == "y 1 indicador más: 1 en verde"
    few = charts.indicator_bars(rows.assign(name="x"), 60, 80)
    assert len(few.data[0].y) == 5 and "más" not in " ".join(few.data[0].y)  # nothing left over: no summary row


def test_a_large_process_draws_its_lowest_trends_and_says_how_many_are_left_out():
    n = charts.MAX_LISTED_INDICATORS
    codes = [f"P-{i:03d}" for i in range(100)]
    periods = pd.DataFrame({"indicator": [c for c in codes for _ in range(2)],
                            "period_end": pd.to_datetime(["2024-06-30", "2024-12-31"] * 100),
                            "attainment": [a for i in range(100) for a in (0.1, 1 - i / 200)]})
    labels = {c: f"{c} · indicador" for c in codes}
    fig = charts.process_trends(periods, labels, 60, 80, highlight="P-000")
    others = [t for t in fig.data if t.legendgroup == "otros"]
    assert len(others) == n  # the highlighted one apart
    assert {t.hovertext for t in others} == {labels[c] for c in codes[-n:]}  # the lowest latest attainment
    assert others[0].name.replace("<br>", " ") == f"Otros {n} indicadores del proceso, los de menor cumplimiento " \
                             f"({99 - n} indicadores más sin dibujar)"
