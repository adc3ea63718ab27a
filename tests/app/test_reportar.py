"""AppTest: the sign-in gate, signing in and out, and the Reportar avance form end to end."""
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from metrics import accounts
from metrics import plan as plan_mod
from metrics import snapshot
from metrics.accounts import User
from tests.reporting_helpers import PASSWORD, fresh_store
from ui.widgets import status_text

LIDER = User("lider.ti", "Lider.Ti", "lider", "TI")


@pytest.fixture
def db(tmp_path, monkeypatch):
    """The demo values with the test accounts and anonymous reading off (the default outside the demo)."""
    store = fresh_store(tmp_path, with_demo=True)
    accounts.set_anonymous_reading(store, None, False)
    store.close()
    path = tmp_path / "test.duckdb"
    monkeypatch.setenv("PERSONERIA_DB", str(path))
    from ui import state
    yield state._store(str(path))   # the same process-wide store the pages use
    state._store.clear()


def app(user: User | None = None) -> AppTest:
    at = AppTest.from_file("../../dashboard.py", default_timeout=60)
    if user:
        at.session_state["usuario"] = user
    return at.run()


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="ingreso_usuario").input(name)
    at.text_input(key="ingreso_clave").input(password)
    next(b for b in at.button if b.label == "Ingresar").click()
    return at.run()


def test_without_an_account_the_pages_ask_to_sign_in(db):
    at = app()
    assert not at.exception
    assert any("Ingrese para consultar" in t.value for t in at.title)
    assert any("Aviso de privacidad" in e.label for e in at.expander)


def test_sign_in_and_out_from_the_sidebar(db):
    at = sign_in(app(), "lider.ti", PASSWORD)
    assert not at.exception
    assert at.session_state["usuario"].username == "lider.ti"
    assert at.session_state["ingreso_clave"] == ""            # the password does not stay in the session
    assert not any("Ingrese para consultar" in t.value for t in at.title)
    next(b for b in at.button if b.label == "Cerrar sesión").click()
    at.run()
    assert "usuario" not in at.session_state
    actions = db.query("SELECT action FROM audit_log WHERE username = 'lider.ti' ORDER BY id")["action"].tolist()
    assert actions[-2:] == ["ingreso", "salida"]


def test_wrong_password_is_refused_with_a_message(db):
    at = sign_in(app(), "lider.ti", "no-es-la-clave")
    assert "usuario" not in at.session_state
    assert any("incorrectos" in e.value for e in at.error)


def report_form(at: AppTest, code: str) -> AppTest:
    at.switch_page("app_pages/reportar.py").run()
    at.selectbox(key="rep_indicador").select(code).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def value_box(at: AppTest):
    return next(t for t in at.text_input if str(t.key).startswith("rep_valor_"))


def test_report_form_saves_and_the_value_shows_on_procesos_with_its_semaforo(db):
    at = report_form(app(LIDER), "GD-06")
    box = value_box(at)
    code, year, period = box.key.split("_")[-3:]
    box.input("99,5").run()
    assert any("Vista previa" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Guardar reporte").click()
    at.run()
    assert not at.exception
    assert any("Se guardó el reporte de GD-06" in s.value for s in at.success)
    saved = db.query("SELECT * FROM measurement WHERE recorded_by = 'lider.ti'")
    assert saved[["indicator", "year", "period", "value", "recorded_by"]].values.tolist() == [
        ["GD-06", int(year), int(period), 99.5, "lider.ti"]]

    snap = snapshot.compute(db, plan_mod.load(db), date.today())
    expected = snap.indicators.set_index("code").loc["GD-06", "status"]
    at.switch_page("app_pages/procesos.py").run()
    at.selectbox(key="proceso").select("TI").run()
    table = next(d.value for d in at.dataframe if "Semáforo" in d.value.columns and "Indicador" in d.value.columns)
    row = table[table["Indicador"].str.startswith("GD-06")].iloc[0]
    assert row["Semáforo"] == status_text(expected, short=True) and expected != "sin_dato"
    at.switch_page("app_pages/resumen.py").run()
    assert not at.exception


def test_report_form_rejects_with_a_clear_message_and_writes_nothing(db):
    at = report_form(app(LIDER), "GD-06")
    value_box(at).input("ochenta").run()
    assert any("no es un número" in e.value for e in at.error)
    next(b for b in at.button if b.label == "Guardar reporte").click()
    at.run()
    assert db.scalar("SELECT count(*) FROM measurement WHERE recorded_by = 'lider.ti'") == 0


def test_correction_asks_for_a_reason(db):
    at = report_form(app(LIDER), "GD-06")
    value_box(at).input("99").run()
    next(b for b in at.button if b.label == "Guardar reporte").click()
    at.run()
    period_box = at.selectbox(key="rep_periodo_GD-06")
    reported = next(o for o in period_box.options if "reportado:" in o)
    period_box.select(reported).run()
    value_box(at).input("98,7").run()
    next(b for b in at.button if b.label == "Guardar corrección").click()
    at.run()
    assert any("motivo" in e.value for e in at.error)
    next(t for t in at.text_area if str(t.key).startswith("rep_motivo_")).input("Se recalculó con el informe").run()
    next(a for a in at.text_area if str(a.key).startswith("rep_analisis_")).input("Caída del enlace").run()
    next(b for b in at.button if b.label == "Guardar corrección").click()
    at.run()
    saved = db.query("SELECT value, reason FROM measurement WHERE recorded_by = 'lider.ti' ORDER BY id")
    assert saved["value"].tolist() == [99, 98.7] and saved["reason"].iloc[1] == "Se recalculó con el informe"


@pytest.mark.parametrize("user", [User("consulta", "C", "consulta"), User("personero", "P", "personero")])
def test_roles_that_cannot_report_do_not_get_the_form(db, user):
    at = AppTest.from_file("../../app_pages/reportar.py", default_timeout=60)
    at.session_state["usuario"] = user
    at.run()
    assert any("no permite" in w.value for w in at.warning)
    assert not any(str(t.key).startswith("rep_valor_") for t in at.text_input)


@pytest.mark.parametrize("user", [User("admin", "A", "administrador"), User("personero", "P", "personero")])
def test_administration_page_runs_for_its_roles(db, user):
    at = AppTest.from_file("../../app_pages/administrar.py", default_timeout=60)
    at.session_state["usuario"] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tabs = [t.label for t in at.tabs]
    assert "Cierre de periodos" in tabs and ("Cuentas" in tabs) == (user.role == "administrador")


def test_administrator_reports_for_any_process_and_the_leader_page_lists_improvement_actions(db):
    at = AppTest.from_file("../../app_pages/reportar.py", default_timeout=60)
    at.session_state["usuario"] = User("admin", "A", "administrador")
    at.run()
    at.selectbox(key="rep_proceso").select("AC").run()
    assert not at.exception
    assert at.selectbox(key="rep_indicador").value.startswith("GD-2")


def preview(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "Vista previa" in m.value)


@pytest.mark.parametrize("typed, shown, stored", [("85", "85,0 %", 85), ("0,85", "0,85 %", 0.85), ("1", "1,0 %", 1),
                                                  ("85 %", "85,0 %", 85)])
def test_the_preview_says_the_percentage_that_will_be_stored(db, typed, shown, stored):
    at = report_form(app(LIDER), "GD-06")
    value_box(at).input(typed).run()
    assert f"Se guardará el valor **{shown}**" in preview(at)
    assert db.scalar("SELECT count(*) FROM measurement WHERE recorded_by = 'lider.ti'") == 0   # nothing yet
    next(a for a in at.text_area if str(a.key).startswith("rep_analisis_")).input("Caída del enlace principal").run()
    for box in at.checkbox:       # 0,85 % and 1 % are far from GD-06's history: the person confirms them
        box.check().run()
    next(b for b in at.button if b.label == "Guardar reporte").click()
    at.run()
    assert db.scalar("SELECT value FROM measurement WHERE recorded_by = 'lider.ti'") == stored


def test_every_free_text_of_the_form_states_its_limit_and_the_widget_keeps_it(db):
    """The field never takes more than its limit (metrics refuses longer texts from any other route,
    see tests/test_writes.py); the limit is written beside the field."""
    at = report_form(app(LIDER), "GD-06")
    assert any("máximo 2.000 caracteres" in c.value for c in at.caption)
    assert next(a for a in at.text_area if str(a.key).startswith("rep_analisis_")).max_chars == 2000
    evidence = next(t for t in at.text_input if str(t.key).startswith("rep_evidencia_"))
    assert evidence.max_chars == 500 and "Máximo 500 caracteres" in evidence.help
    assert "puntos porcentuales" in value_box(at).help


def test_an_improvement_action_states_its_limits(db):
    at = report_form(app(LIDER), "GD-06")
    assert any("qué se hará: máximo 1.000 caracteres" in c.value.lower() for c in at.caption)
    assert next(t for t in at.text_input if t.label.startswith("Responsable")).max_chars == 200


def test_the_void_names_the_version_shown_and_is_refused_if_it_changed(db):
    from metrics import writes
    at = AppTest.from_file("../../app_pages/administrar.py", default_timeout=60)
    at.session_state["usuario"] = User("admin", "A", "administrador")
    at.run()
    at.selectbox(key="adm_indicador").select("GD-06").run()
    at.number_input(key="adm_anio").set_value(2025).run()
    at.number_input(key="adm_periodo").set_value(6).run()
    shown = writes.version_in_force(db, "GD-06", 2025, 6)
    assert any(f"versión {int(shown['id'])}" in i.value for i in at.info)
    at.text_area(key="adm_motivo").input("Valor cargado por error").run()
    writes.correct(db, "admin", writes.Entry("GD-06", 2025, 6, "97", analysis="Caída del enlace principal"),
                   "Otra persona corrigió primero", expected_id=int(shown["id"]))   # lands while the page is open
    next(b for b in at.button if b.label == "Anular el valor vigente").click()
    at.run()
    assert any("Otra persona cambió" in e.value for e in at.error)
    assert not db.scalar("SELECT bool_or(is_void) FROM measurement WHERE indicator = 'GD-06' AND year = 2025 "
                         "AND period = 6")
    next(b for b in at.button if b.label == "Anular el valor vigente").click()   # now it names the new version
    at.run()
    assert db.scalar("SELECT bool_or(is_void) FROM measurement WHERE indicator = 'GD-06' AND year = 2025 "
                     "AND period = 6")


def test_a_correction_names_the_version_on_the_screen_and_is_refused_if_someone_changed_it(db):
    from metrics import writes
    at = report_form(app(LIDER), "GD-06")
    period_box = at.selectbox(key="rep_periodo_GD-06")
    period_box.select(next(o for o in period_box.options if "reportado:" in o)).run()
    value_box(at).input("98,7").run()
    next(t for t in at.text_area if str(t.key).startswith("rep_motivo_")).input("Se recalculó con el informe").run()
    next(a for a in at.text_area if str(a.key).startswith("rep_analisis_")).input("Caída del enlace").run()
    code, year, period = value_box(at).key.split("_")[-3:]
    seen = writes.version_in_force(db, code, int(year), int(period))
    writes.correct(db, "admin", writes.Entry(code, int(year), int(period), "97", analysis="Caída del enlace"),
                   "El administrador corrigió primero", expected_id=int(seen["id"]))
    next(b for b in at.button if b.label == "Guardar corrección").click()
    at.run()
    assert any("Otra persona cambió" in e.value and "97,00" in e.value for e in at.error)
    assert db.scalar("SELECT count(*) FROM measurement WHERE recorded_by = 'lider.ti'") == 0


def test_a_report_typed_while_someone_else_reported_the_period_is_refused_not_turned_into_a_correction(db):
    from metrics import writes
    at = report_form(app(LIDER), "GD-06")
    box = value_box(at)
    code, year, period = box.key.split("_")[-3:]
    box.input("99").run()
    writes.report(db, "admin", writes.Entry(code, int(year), int(period), "97", analysis="Caída del enlace"))
    next(b for b in at.button if b.key == f"rep_guardar_{code}_{year}_{period}").click()
    at.run()
    assert any("ya fue reportado" in e.value and "97,00" in e.value for e in at.error)
    assert db.scalar("SELECT count(*) FROM measurement WHERE recorded_by = 'lider.ti'") == 0


def test_a_thousands_separator_is_shown_in_the_preview_before_saving(db):
    at = report_form(app(LIDER), "GD-13")          # incidents: a count
    value_box(at).input("1.500").run()
    assert "Se guardará el valor **1.500**" in preview(at)
    value_box(at).input("1,5").run()
    assert any("entero" in e.value for e in at.error)   # 1,5 is one and a half: not a count
