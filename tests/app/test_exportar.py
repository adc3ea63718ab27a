"""Informes y exportaciones: the report compares with the one comparison date rule, changeable."""
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from metrics import accounts, seed
from metrics.periods import comparison_date


@pytest.fixture(scope="module")
def personero(tmp_path_factory):
    path = tmp_path_factory.mktemp("exportar") / "demo.duckdb"
    store = seed.open_demo(path)
    user = accounts.get_user(store, "personero.demo")
    store.close()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PERSONERIA_DB", str(path))
        yield user


@pytest.mark.parametrize("cut", [date(2020, 1, 1), date(2020, 1, 15), date(2024, 3, 1), date(2024, 12, 31)])
def test_the_comparison_date_defaults_to_the_rule_and_stays_within_the_app_range(personero, cut):
    from ui.auth import USER_KEY
    at = AppTest.from_file("../../app_pages/exportar.py", default_timeout=60)
    at.session_state["fecha_corte"] = cut
    at.session_state[USER_KEY] = personero
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    chooser = at.date_input(key=f"export-comparar-{cut.isoformat()}")
    assert chooser.value == comparison_date(cut) and chooser.value <= cut
    chooser.set_value(date(2020, 6, 30) if cut > date(2020, 6, 30) else cut).run()
    assert not at.exception


def page(personero, cut):
    from ui.auth import USER_KEY
    at = AppTest.from_file("../../app_pages/exportar.py", default_timeout=60)
    at.session_state["fecha_corte"] = cut
    at.session_state[USER_KEY] = personero
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_annual_report_is_a_choice_with_its_vigencia_and_comparison(personero):
    at = page(personero, date(2025, 3, 31))
    assert any(m.value == "**Informe de seguimiento (PDF)**" for m in at.markdown)
    at.radio(key="export-tipo-informe").set_value("Anual, por vigencia (enero–diciembre)").run()
    assert not at.exception
    chooser = at.selectbox(key="export-vigencia")
    assert chooser.value == 2024  # the vigencia closed before the cut-off
    chooser.set_value(2023).run()
    assert any(m.value == "**Informe anual 2023 (PDF)**" for m in at.markdown)
    text = " ".join(c.value for c in at.caption)
    assert "corte al 31/12/2023, comparado con el 31/12/2022" in text and "Concejo Distrital" in text
    assert not [d for d in at.date_input if d.key and d.key.startswith("export-comparar")]  # the rule is fixed


def test_the_open_data_licence_is_stated_on_the_page(personero):
    at = page(personero, date(2024, 12, 31))
    assert any("Licencia CC BY 4.0" in c.value for c in at.caption)
