"""Modo reunión (one topic per screen, forward and back), the two-date comparison and the export page."""
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from metrics import accounts, fmt, plan as plan_mod, seed, snapshot
from metrics.periods import comparison_date

CUT = date(2024, 12, 31)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("reunion") / "demo.duckdb"
    store = seed.open_demo(path)
    plan = plan_mod.load(store)
    snaps = {d: snapshot.compute(store, plan, d) for d in (CUT, comparison_date(CUT))}
    snaps["personero"] = accounts.get_user(store, "personero.demo")
    store.close()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PERSONERIA_DB", str(path))
        yield snaps


def open_page(name: str, cut_off: date = CUT) -> AppTest:
    at = AppTest.from_file(f"../../app_pages/{name}.py", default_timeout=60)
    at.session_state["fecha_corte"] = cut_off
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_presentation_goes_forward_and_back_one_topic_per_screen(engine):
    at = open_page("reunion")
    assert metric(at, "Puntaje de la política") == fmt.percent(engine[CUT].policy)
    titles = [at.title[0].value]
    forward = at.button(key="reunion_adelante")
    while not forward.disabled:
        forward.click().run()
        assert not at.exception, [e.value for e in at.exception]
        titles.append(at.title[0].value)
        forward = at.button(key="reunion_adelante")
    assert len(titles) == 7 and len(set(titles)) == 7
    assert titles[-1] == "¿Qué cambió desde el último comité?"
    at.button(key="reunion_atras").click().run()
    assert at.title[0].value == titles[-2]
    assert any("Tema 6 de 7" in m.value for m in at.markdown)


def test_every_chart_in_the_meeting_has_png_and_svg_buttons(engine):
    at = open_page("reunion")
    at.button(key="reunion_adelante").click().run()  # Política y visión: one chart
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Descargar PNG") == 1 and labels.count("Descargar SVG") == 1


def test_comparison_of_two_cut_offs_side_by_side(engine):
    at = open_page("reunion")
    at.segmented_control(key="reunion_vista").set_value("Comparar dos cortes").run()
    assert not at.exception, [e.value for e in at.exception]
    before, after = engine[comparison_date(CUT)], engine[CUT]
    values = [m.value for m in at.metric if m.label == "Puntaje de la política"]
    assert values == [fmt.percent(before.policy), fmt.percent(after.policy)]
    change = next(m for m in at.metric if m.label == "Cambio del puntaje de la política")
    assert change.delta == f"{fmt.number((after.policy - before.policy) * 100)} puntos"
    at.date_input(key="reunion_antes").set_value(date(2023, 12, 31)).run()
    assert not at.exception
    assert [m.value for m in at.metric if m.label == "Puntaje de la política"][1] == fmt.percent(after.policy)


def test_export_page_offers_only_open_data_without_an_account(engine):
    at = open_page("exportar")
    assert [b.label for b in at.get("download_button")] == ["Descargar datos abiertos"]


def test_export_page_offers_pdf_excel_and_open_data_to_the_personero(engine):
    from ui.auth import USER_KEY
    at = AppTest.from_file("../../app_pages/exportar.py", default_timeout=60)
    at.session_state["fecha_corte"] = CUT
    at.session_state[USER_KEY] = engine["personero"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Generar informe PDF", "Descargar Excel", "Descargar datos abiertos"]


@pytest.mark.parametrize("cut_off", [date(2020, 1, 1), date(2020, 1, 15), date(2020, 3, 15), date(2024, 3, 1)], ids=str)
def test_every_slide_and_the_comparison_work_from_the_first_cut_off(engine, cut_off):
    at = open_page("reunion", cut_off)
    forward = at.button(key="reunion_adelante")
    while not forward.disabled:
        forward.click().run()
        assert not at.exception, [e.value for e in at.exception]
        forward = at.button(key="reunion_adelante")
    at.segmented_control(key="reunion_vista").set_value("Comparar dos cortes").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.date_input(key="reunion_antes").value == comparison_date(cut_off) >= date(2020, 1, 1)
