"""AppTest: the Plan page changes the plan for planeación and the administrator, with a reason and an
effective date, writes nothing when the rules refuse, and refuses every other role; planeación
cannot reach the accounts."""
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from metrics import accounts
from metrics import plan as plan_mod
from metrics import snapshot
from metrics.accounts import User
from tests.reporting_helpers import NOW, PASSWORD, fresh_store

PLANEACION = User("planeacion", "Planeación", "planeacion")
ADMIN = User("admin", "Admin", "administrador")
REASON = "Meta ajustada por el comité institucional"


@pytest.fixture
def db(tmp_path, monkeypatch):
    store = fresh_store(tmp_path, with_demo=True)
    with store.transaction() as cur:
        accounts._insert_user(cur, "planeacion", "Planeación", "planeacion", None, PASSWORD, None, "prueba", NOW)
    store.close()
    path = tmp_path / "test.duckdb"
    monkeypatch.setenv("PERSONERIA_DB", str(path))
    from ui import state
    yield state._store(str(path))   # the same process-wide store the pages use
    state._store.clear()


def plan_page(user: User | None) -> AppTest:
    at = AppTest.from_file("../../dashboard.py", default_timeout=90)
    if user:
        at.session_state["usuario"] = user
    at.run()
    at.switch_page("app_pages/plan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def written(store) -> tuple:
    return store.scalar("SELECT count(*) FROM plan_change"), store.scalar("SELECT count(*) FROM audit_log")


def choose_indicator(at: AppTest, code: str) -> AppTest:
    at.selectbox(key="plan_indicator_elegido").select(code).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_planeacion_raises_a_target_and_the_past_cut_off_stays(db):
    past = snapshot.compute(db, plan_mod.load(db, date(2024, 12, 31)), date(2024, 12, 31))
    at = choose_indicator(plan_page(PLANEACION), "GD-05")
    at.date_input(key="plan_desde").set_value(date(2025, 6, 1)).run()
    at.number_input(key="plan_meta_GD-05_2025").set_value(99)
    at.text_area(key="plan_indicator_GD-05_motivo").input(REASON)
    button(at, "plan_indicator_guardar").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("rige desde el 01/06/2025" in s.value for s in at.success)
    changes = db.query("SELECT item, item_key, effective_from::VARCHAR, recorded_by, reason FROM plan_change")
    assert changes.values.tolist() == [["target", "GD-05|2025", "2025-06-01", "planeacion", REASON]]
    again = snapshot.compute(db, plan_mod.load(db, date(2024, 12, 31)), date(2024, 12, 31))
    import pandas.testing as pdt
    pdt.assert_frame_equal(again.indicators, past.indicators)
    assert again.policy == past.policy
    later = plan_mod.load(db, date(2025, 8, 31)).targets.set_index(["indicator", "year"])
    assert later.loc[("GD-05", 2025), "target"] == 99


def test_a_change_the_rules_refuse_shows_why_and_writes_nothing(db):
    at = choose_indicator(plan_page(PLANEACION), "GD-03")
    before = written(db)
    at.number_input(key="plan_indicator_GD-03_red_below").set_value(95)   # above green (90)
    at.text_area(key="plan_indicator_GD-03_motivo").input(REASON)
    button(at, "plan_indicator_guardar").click()
    at.run()
    assert not at.exception
    assert any("No se guardó ningún cambio del plan" in e.value and "en desorden" in e.value for e in at.error)
    assert written(db) == before


def test_a_change_without_a_reason_writes_nothing(db):
    at = choose_indicator(plan_page(ADMIN), "GD-05")
    before = written(db)
    at.number_input(key="plan_meta_GD-05_2025").set_value(99)
    button(at, "plan_indicator_guardar").click()
    at.run()
    assert any("motivo" in e.value for e in at.error)
    assert written(db) == before


def test_a_new_indicator_with_its_window_targets_and_links(db):
    at = choose_indicator(plan_page(PLANEACION), "__nuevo__")
    values = {"code": "GD-31", "name": "Trámites totalmente en línea", "formula": "(A / B) × 100",
              "numerator": "Trámites en línea", "denominator": "Trámites inscritos en el SUIT", "unit": "%",
              "definition": "A mayor valor, más trámites en línea.", "source": "SUIT"}
    for column, value in values.items():
        box = at.text_area if column in ("formula", "definition") else at.text_input
        box(key=f"plan_indicator___nuevo___{column}").input(value)
    numbers = {"valid_min": 0, "valid_max": 100, "start_year": 2026, "weight": 1, "baseline": 20,
               "baseline_year": 2025, "report_due_days": 30}
    for column, value in numbers.items():
        at.number_input(key=f"plan_indicator___nuevo___{column}").set_value(value)
    at.selectbox(key="plan_indicator___nuevo___process").select("TI")
    at.selectbox(key="plan_indicator___nuevo___accumulation").select("stock")
    at.selectbox(key="plan_indicator___nuevo___frequency").select("T")
    for year, target in ((2026, 40), (2027, 50), (2028, 60)):
        at.number_input(key=f"plan_meta___nuevo___{year}").set_value(target)
    at.number_input(key="plan_aporte___nuevo___OE1").set_value(2)
    at.text_area(key="plan_indicator___nuevo___motivo").input("Nuevo indicador del plan 2024-2028")
    button(at, "plan_indicator_guardar").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    today = plan_mod.load(db)
    assert today.indicator("GD-31")["report_due_days"] == 30
    assert today.targets[today.targets["indicator"] == "GD-31"]["target"].tolist() == [40, 50, 60]
    assert today.links[today.links["indicator"] == "GD-31"][["objective", "weight"]].values.tolist() == [["OE1", 2]]
    assert "GD-31" not in set(plan_mod.load(db, date(2024, 12, 31)).indicators["code"])


def test_retiring_an_indicator_from_the_page(db):
    at = choose_indicator(plan_page(ADMIN), "GD-20")
    at.text_area(key="plan_indicator_GD-20_motivo_retiro").input("El indicador se reemplaza por otro del plan")
    button(at, "plan_indicator_retirar").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "GD-20" not in set(plan_mod.load(db).indicators["code"])
    assert "GD-20" in set(plan_mod.load(db, date(2024, 12, 31)).indicators["code"])


def test_a_process_leader_role_changes(db):
    at = plan_page(PLANEACION)
    at.selectbox(key="plan_process_elegido").select("TI").run()
    at.text_input(key="plan_process_TI_leader_role").input("Jefe de la Oficina TIC")
    at.text_area(key="plan_process_TI_motivo").input("Nueva estructura de la planta de personal")
    button(at, "plan_process_guardar").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert plan_mod.load(db).processes.set_index("code").loc["TI", "leader_role"] == "Jefe de la Oficina TIC"


@pytest.mark.parametrize("user", [User("lider.ti", "Lider", "lider", "TI"), User("consulta", "Consulta", "consulta"),
                                  User("personero", "Personero", "personero"), None])
def test_other_roles_are_refused_on_the_page(db, user):
    at = plan_page(user)
    assert not at.text_area and not [b for b in at.button if str(b.key).startswith("plan_")]
    message = "no permite cambiar el plan" if user else "Ingrese con su cuenta"
    assert any(message in m.value for m in list(at.warning) + list(at.info))
    assert written(db)[0] == 0


def test_planeacion_cannot_manage_accounts_on_the_page(db):
    at = AppTest.from_file("../../dashboard.py", default_timeout=90)
    at.session_state["usuario"] = PLANEACION
    at.run()
    at.switch_page("app_pages/administrar.py").run()
    assert not at.exception
    assert any("no permite" in w.value for w in at.warning)
    assert not any(b.label == "Crear cuenta" for b in at.button)


def test_the_indicador_page_lists_the_versions_of_the_ficha_and_targets(db):
    from metrics import plan_changes
    plan_changes.save_rows(db, "planeacion", "target", [{"indicator": "GD-05", "year": 2025, "target": 99}],
                           REASON, date(2025, 6, 1))
    at = AppTest.from_file("../../dashboard.py", default_timeout=90)
    at.query_params["indicador"] = "GD-05"
    at.run()
    at.switch_page("app_pages/indicador.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Versiones de la ficha y las metas" in m.value for m in at.markdown)
    shown = next(d.value for d in at.dataframe if "Rige desde" in d.value.columns)
    assert shown[["Qué", "Rige desde", "Cambio", "Por", "Motivo"]].values.tolist() == [
        ["Meta 2025", "Plan inicial", "Versión inicial", "—", "Plan cargado inicialmente"],
        ["Meta 2025", "01/06/2025", "Meta: 85 → 99", "planeacion", REASON]]


def test_a_change_saved_meanwhile_by_someone_else_is_not_overwritten(db):
    from metrics import plan_changes
    at = choose_indicator(plan_page(PLANEACION), "GD-05")
    plan_changes.save_rows(db, "admin", "target", [{"indicator": "GD-05", "year": 2025, "target": 90}], REASON,
                           date.today())
    at.text_input(key="plan_indicator_GD-05_name").input("Radicación electrónica")
    at.text_area(key="plan_indicator_GD-05_motivo").input(REASON)
    button(at, "plan_indicator_guardar").click()
    at.run()
    assert any("otra persona cambió Metas por vigencia GD-05|2025 (admin)" in e.value for e in at.error)
    assert db.scalar("SELECT count(*) FROM plan_change WHERE recorded_by = 'planeacion'") == 0
    assert at.number_input(key="plan_meta_GD-05_2025").value == 90      # the form shows the plan in force


def test_the_entity_thresholds_change_from_a_date(db):
    at = plan_page(ADMIN)
    at.number_input(key="plan_ajuste_red_below").set_value(55.0)
    at.text_area(key="plan_ajuste_motivo").input("Umbrales aprobados por el comité de gestión")
    button(at, "plan_ajustes_guardar").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert plan_mod.load(db).settings.red_below == 55
    assert plan_mod.load(db, date(2024, 12, 31)).settings.red_below == 60
