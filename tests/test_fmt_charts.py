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
