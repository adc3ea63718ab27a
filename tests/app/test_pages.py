"""Every page runs on the demo database, for today and for 31 December 2024, and shows the engine's figures."""
import os
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from metrics import fmt, plan, seed, snapshot
from metrics.periods import period_label
from tests import independent

PAGES = ["resumen", "objetivos", "procesos", "indicador", "actividades", "reunion"]
# the first days offered, both plans' boundary days, the horizon and the day after, today
CUT_OFFS = [date.today(), date(2020, 1, 15), date(2020, 3, 15), date(2024, 2, 29), date(2024, 3, 1),
            date(2024, 12, 31), date(2025, 1, 1)]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("app") / "demo.duckdb"
    seed.open_demo(path).close()
    previous = os.environ.get("PERSONERIA_DB")
    os.environ["PERSONERIA_DB"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("PERSONERIA_DB")
    else:
        os.environ["PERSONERIA_DB"] = previous


@pytest.fixture(scope="module")
def engine(demo_db):
    from ui import state
    store = state._store(str(demo_db))  # the same process-wide store the pages use
    return store, plan.load(store)


def run_page(page: str, cut_off: date, **choices) -> AppTest:
    at = AppTest.from_file("../../dashboard.py", default_timeout=60)
    at.session_state["fecha_corte"] = cut_off
    at.run()
    if page != "resumen":
        at.switch_page(f"app_pages/{page}.py").run()
    for key, value in choices.items():  # the browser tests cover the same choice made by a deep link
        at.selectbox(key=key).select(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label_start: str) -> str:
    found = [m.value for m in at.metric if m.label.startswith(label_start)]
    assert found, f"no metric '{label_start}': {[m.label for m in at.metric]}"
    return found[0]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("cut_off", CUT_OFFS, ids=str)
def test_page_runs_without_error(demo_db, page, cut_off):
    from metrics.snapshot_cache import CACHE, DATA_HASH
    hashes = CACHE.computed[DATA_HASH]
    at = run_page(page, cut_off)
    assert CACHE.computed[DATA_HASH] == hashes   # drawing a page never computes the data hash of downloads
    assert not at.error, [e.value for e in at.error]
    assert any("demostración" in w.value for w in at.warning), "the demo banner is missing"
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    codes = ("sin_dato", "Sin_dato", "a_tiempo", "en_ejecucion", "**no cumplida**", "**en ruta**")  # raw codes
    assert not [t for t in texts for c in codes if c in t]
    if page in ("resumen", "objetivos", "procesos") and cut_off < date(2020, 3, 1):
        assert any("Ningún plan estratégico está en vigor" in i.value for i in at.info)


@pytest.mark.parametrize("cut_off,plan_code,vision", [
    (date(2020, 3, 15), "PEI-2020", "Sin datos del plan aún"), (date(2024, 2, 29), "PEI-2020", "Rezagado"),
    (date(2024, 3, 1), "PEI-2024", "Rezagado"), (date(2024, 12, 31), "PEI-2024", "No cumplida"),
    (date(2025, 1, 1), "PEI-2024", "No cumplida")], ids=str)
def test_resumen_names_the_plan_in_force_and_the_vision_state(demo_db, engine, cut_off, plan_code, vision):
    store, p = engine
    snap = snapshot.compute(store, plan.load(store, cut_off), cut_off)
    assert snap.plan.code == plan_code
    at = run_page("resumen", cut_off)
    assert any(m.label == f"Plan vigente ({plan_code})" for m in at.metric)
    assert any(m.value.startswith(f"**{vision}**") for m in at.markdown), [m.value for m in at.markdown][:8]
    if cut_off == date(2024, 3, 1):  # the new plan has no closed period yet
        assert any(m.value.startswith("**Sin datos del plan aún**") for m in at.markdown)
    assert any("cumplida si el avance llega al 80 %" in c.value for c in at.caption)


@pytest.mark.parametrize("cut_off", [date(2020, 1, 1), date(2020, 1, 15), date(2020, 3, 15)], ids=str)
def test_resumen_comparison_date_never_below_the_field_minimum(demo_db, cut_off):
    at = run_page("resumen", cut_off)
    field = at.date_input(key="resumen_desde")
    assert state_earliest() <= field.value <= cut_off


def state_earliest() -> date:
    from metrics.periods import EARLIEST
    return EARLIEST


def test_stale_indicator_shows_its_vigencia_and_last_value_date(demo_db, engine):
    store, p = engine
    snap = snapshot.compute(store, p, date.today())
    row = snap.indicators.set_index("code").loc["GD-23"]
    assert row["status"] == "desactualizado"
    at = run_page("indicador", date.today(), indicador="GD-23")
    assert any("Desactualizado" in w.value and fmt.short_date(row["last_end"]) in w.value for w in at.warning)
    assert any("Resultado de la **vigencia 2024" in m.value for m in at.markdown)
    procesos = run_page("procesos", date.today(), proceso=row["process"])
    table = [d.value for d in procesos.dataframe if "Vigencia" in d.value.columns][0]
    shown = table.set_index("Indicador").loc[f"GD-23 · {row['name']}"]
    assert shown["Vigencia"] == "2024 (hasta T2)"  # quarterly, stopped after June 2024
    assert any(f"GD-23, último valor del {fmt.short_date(row['last_end'])}" in c.value for c in procesos.caption)
    assert "Desactualizado" in shown["Semáforo"]


@pytest.mark.parametrize("cut_off", [date(2021, 6, 30), date(2024, 12, 31), date(2025, 8, 1), date.today()], ids=str)
def test_resumen_policy_score_matches_engine_and_independent_sql(demo_db, engine, cut_off):
    store, p = engine
    snap = snapshot.compute(store, p, cut_off)
    assert snap.policy == pytest.approx(independent.policy_score(store, cut_off))
    at = run_page("resumen", cut_off)
    assert metric(at, "Puntaje de la política") == fmt.percent(snap.policy)
    assert metric(at, "Visión 2024") == fmt.percent(snap.vision.score)


def test_procesos_choice_and_score(demo_db, engine):
    store, p = engine
    snap = snapshot.compute(store, p, date(2024, 12, 31))
    at = run_page("procesos", date(2024, 12, 31), proceso="TI")
    assert at.selectbox(key="proceso").value == "TI"
    score = snap.processes.set_index("code").loc["TI", "score"]
    assert any(f"**{fmt.percent(score)}**" in m.value for m in at.markdown)


def test_indicador_shows_value_as_of_cut_off_before_and_after_correction(demo_db, engine):
    store, _ = engine
    fix = store.query("SELECT m.*, o.value AS old FROM measurement m JOIN measurement o ON o.id = m.supersedes "
                      "ORDER BY m.recorded_at LIMIT 1").iloc[0]
    before = fix["recorded_at"].date().replace(day=1)
    after = fix["recorded_at"].date()
    unit, freq = store.row("SELECT unit, frequency FROM indicator WHERE code = ?", [fix["indicator"]])
    for cut_off, expected in ((before, fix["old"]), (after, fix["value"])):
        at = run_page("indicador", cut_off, indicador=fix["indicator"])
        table = [d.value for d in at.dataframe if "Análisis" in d.value.columns][0]
        label = period_label(int(fix["year"]), freq, int(fix["period"]))
        assert table.set_index("Periodo").loc[label, "Valor"] == fmt.value(expected, unit), (cut_off, expected)


def test_objetivos_why_breakdown_matches_engine(demo_db, engine):
    store, p = engine
    snap = snapshot.compute(store, p, date.today())
    at = run_page("objetivos", date.today(), objetivo="OE2")
    score = snap.objectives.set_index("code").loc["OE2", "score"]
    assert any(f"→ **{fmt.percent(score)}**" in m.value for m in at.markdown)


def test_unusable_database_is_explained_in_spanish(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONERIA_DB", str(tmp_path / "no-existe" / "x.duckdb"))
    at = AppTest.from_file("../../dashboard.py", default_timeout=60).run()
    assert not at.exception
    assert any("No se puede abrir la base de datos" in e.value for e in at.error)
    assert any("Qué hacer" in i.value for i in at.info)
