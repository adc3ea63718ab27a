"""Modo reunión (one topic per screen, forward and back), the two-date comparison and the export page."""
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from metrics import accounts, fmt, plan as plan_mod, seed, snapshot
from metrics.periods import comparison_date

CUT = date(2024, 12, 31)
CHANGES = date(2025, 7, 15)  # four indicators of the demo change state since 30/06/2025, two to red


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("reunion") / "demo.duckdb"
    store = seed.open_demo(path)
    plan = plan_mod.load(store)
    snaps = {d: snapshot.compute(store, plan, d) for d in (CUT, comparison_date(CUT), CHANGES,
                                                           comparison_date(CHANGES))}
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


def go_to(at: AppTest, topic: str) -> AppTest:
    while not any(f"· {topic} ·" in m.value for m in at.markdown):
        at.button(key="reunion_adelante").click().run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def test_late_slide_shows_the_ten_oldest_and_the_count(engine):
    at = go_to(open_page("reunion", date.today()), "Atrasos")  # today the demo owes more than a screen's worth
    heading = next(h.value for h in at.markdown if "reportes atrasados" in h.value)
    count = int(heading.strip("*").split(" reportes")[0].replace(".", ""))
    assert count > 10
    shown = at.dataframe[0].value
    assert len(shown) == 10
    days = list(shown["Días desde el cierre"])
    assert days == sorted(days, reverse=True)


def test_what_changed_names_the_indicators_that_changed_state_worst_first(engine):
    at = go_to(open_page("reunion", CHANGES), "Qué cambió")
    table = snapshot.compare(engine[comparison_date(CHANGES)], engine[CHANGES])
    changed = table[(table["kind"] == "indicador") & table["status_changed"]]
    assert not changed.empty
    listing = next(m.value for m in at.markdown if m.value.startswith("- **"))
    codes = [line.split("**")[1] for line in listing.splitlines()]
    assert sorted(codes) == sorted(changed["code"])
    severity = ("rojo", "desactualizado", "amarillo", "sin_dato", "verde")
    ranks = [severity.index(changed.set_index("code").loc[c, "status_after"]) for c in codes]
    assert ranks == sorted(ranks)


def test_processes_slide_puts_the_worst_process_on_top(engine):
    at = go_to(open_page("reunion"), "Procesos")
    import json
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = fig["data"][0]
    top = bars["y"][-1]  # Plotly draws the last category at the top
    worst = engine[CUT].processes.dropna(subset=["score"]).sort_values("score").iloc[0]["name"]
    assert top.replace("<br>", " ") == worst
