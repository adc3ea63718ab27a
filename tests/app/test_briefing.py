"""The briefing column on Procesos and Objetivos: each indicator's latest analysis and open actions."""
import os
from datetime import date, datetime

import pytest
from streamlit.testing.v1 import AppTest

from metrics import seed, values

CUT = date(2024, 12, 31)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("briefing") / "demo.duckdb"
    store = seed.open_demo(path)
    with store.transaction() as cur:  # one open action, one closed (must not show), on a TI indicator
        for text, status in (("Migrar el portal a la nueva plantilla", "abierta"),
                             ("Acción ya cerrada que no debe verse", "cerrada")):
            cur.execute("INSERT INTO improvement_action (indicator, action, responsible, due_date, status, "
                        "created_at, created_by, updated_at, updated_by) VALUES ('GD-09', ?, 'Líder TIC', ?, ?, ?, "
                        "'admin', ?, 'admin')", [text, date(2025, 2, 28), status, datetime(2024, 11, 1),
                                                  datetime(2024, 11, 1)])
    latest = values.current_values(store, CUT, indicator="GD-09").iloc[-1]
    store.close()
    previous = os.environ.get("PERSONERIA_DB")
    os.environ["PERSONERIA_DB"] = str(path)
    yield latest
    if previous is None:
        os.environ.pop("PERSONERIA_DB")
    else:
        os.environ["PERSONERIA_DB"] = previous


def run(page: str, **choices) -> AppTest:
    at = AppTest.from_file("../../dashboard.py", default_timeout=60)
    at.session_state["fecha_corte"] = CUT
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    for key, value in choices.items():
        at.selectbox(key=key).select(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def briefing_text(at: AppTest, key: str) -> str:
    """The briefing's label and, once opened, its content (a closed briefing draws nothing inside)."""
    found = [e for e in at.expander if e.label.startswith("Análisis y acciones de mejora")]
    assert len(found) == 1, [e.label for e in at.expander]
    assert not found[0].markdown and not found[0].caption
    at.session_state[key] = True      # what opening it does
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = next(e for e in at.expander if e.label.startswith("Análisis y acciones de mejora"))
    return box.label + "\n" + "\n".join(m.value for m in box.markdown) + "\n" + "\n".join(c.value for c in box.caption)


def test_procesos_shows_the_latest_analysis_and_the_open_actions(demo_db):
    text = briefing_text(run("procesos", proceso="TI"), "procesos_analisis")
    assert "1 acción abierta" in text
    assert "Migrar el portal a la nueva plantilla — responsable: Líder TIC; vence el 28/02/2025" in text
    assert "Acción ya cerrada" not in text
    assert demo_db["analysis"] in text  # the analysis of the value in force at the cut-off
    assert "GD-09 · " in text


def test_objetivos_shows_the_briefing_for_the_chosen_objective(demo_db):
    text = briefing_text(run("objetivos", objetivo="OE2"), "objetivos_analisis")  # GD-09 counts in OE2
    assert "Migrar el portal a la nueva plantilla — responsable: Líder TIC; vence el 28/02/2025" in text
    assert demo_db["analysis"] in text
