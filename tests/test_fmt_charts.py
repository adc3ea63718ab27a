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
