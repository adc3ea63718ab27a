"""AppTest: the Plan de Acción page at 31/12/2024 and today — no finished action late or red, late
actions named with their owner — and a leader's progress report moving the activity and GD-03."""
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from metrics import action_plan, charts, seed, snapshot
from metrics import plan as plan_mod
from metrics.accounts import User

LIDER = User("lider.ti.demo", "Líder de TI de demostración", "lider", "TI")


@pytest.fixture
def db(tmp_path, monkeypatch):
    """The demo database built today (its demo accounts and anonymous reading)."""
    seed.open_demo(tmp_path / "demo.duckdb").close()
    monkeypatch.setenv("PERSONERIA_DB", str(tmp_path / "demo.duckdb"))
    from ui import state
    yield state._store(str(tmp_path / "demo.duckdb"))
    state._store.clear()


def page(cut_off: date, user: User | None = None) -> AppTest:
    at = AppTest.from_file("../../dashboard.py", default_timeout=90)
    at.session_state["fecha_corte"] = cut_off
    if user:
        at.session_state["usuario"] = user
    at.switch_page("app_pages/actividades.py")
    return at.run()


@pytest.mark.parametrize("cut_off", [date(2024, 12, 31), date.today()])
def test_no_finished_action_is_late_and_late_ones_name_their_owner(db, cut_off):
    at = page(cut_off)
    assert not at.exception
    rows = action_plan.at_cut_off(db, plan_mod.load(db, cut_off), cut_off)
    finished, late = rows[rows["actual"] >= 100], rows[rows["state"] == "atrasada"]
    assert not finished.empty and not late.empty          # the demo has both at these cut-offs
    assert set(finished["state"]) == {"terminada"}
    shown = next(d.value for d in at.dataframe if "Cargo del líder" in d.value.columns)
    assert set(shown["Acción"].str[:7]) == set(late["code"])
    assert not shown["Acción"].str[:7].isin(finished["code"]).any()
    assert (shown["Proceso responsable"] == "Gestión de las Tecnologías de la Información").all()
    assert shown["Cargo del líder"].str.len().min() > 0
    # the chart's colours: a finished activity is never painted with the semáforo's red
    up = action_plan.roll_up(rows, "activity")
    figure = charts.planned_vs_actual(up, "activity")
    colours = dict(zip(figure.data[0].y, figure.data[0].marker.color))
    for r in up.itertuples():
        assert (colours[r.activity] == charts.COLORS["rojo"]) == (r.state == "atrasada")
        if r.state == "terminada":
            assert colours[r.activity] == charts.COLORS["verde"]


def test_a_leader_report_moves_the_activity_and_gd03(db):
    today = date.today()
    before = snapshot.compute(db, plan_mod.load(db, today), today).indicators.set_index("code").loc["GD-03"]
    at = page(today, LIDER)
    assert not at.exception
    expander = next(e.label for e in at.expander if e.label.startswith("A3 ·"))
    at.selectbox(key="pa_rep_accion").set_value(f"PA{today.year % 100:02d}-04")
    at.selectbox(key="pa_rep_trimestre").set_value(max(1, (today.month - 1) // 3))
    at.run()   # the quarter closed with a demo report: saving is a correction, with its reason
    at.text_input(key="pa_rep_avance").input("100")
    at.text_area(key="pa_rep_motivo").input("Se entregaron los controles pendientes del trimestre.")
    next(b for b in at.button if b.key == "pa_rep_guardar").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("guardado" in s.value for s in at.success)
    after_label = next(e.label for e in at.expander if e.label.startswith("A3 ·"))
    assert after_label != expander
    after = snapshot.compute(db, plan_mod.load(db, today), today).indicators.set_index("code").loc["GD-03"]
    assert after["result"] != before["result"]


def test_a_leader_cannot_report_another_process_action(db):
    at = page(date.today(), User("lider.ac.demo", "Líder", "lider", "AC"))
    assert not at.exception
    options = at.selectbox(key="pa_rep_accion").options
    assert options and all(o.startswith(f"PA{date.today().year % 100:02d}-08") for o in options)


def test_planeacion_changes_an_action_on_the_plan_page(db):
    from metrics.plan import frame
    at = AppTest.from_file("../../dashboard.py", default_timeout=90)
    at.session_state["usuario"] = User("planeacion.demo", "Planeación", "planeacion", None)
    at.switch_page("app_pages/plan.py")
    at.run()
    assert not at.exception
    code = f"PA{date.today().year % 100:02d}-06"
    at.selectbox(key="plan_plan_action_elegido").set_value(code)
    at.run()
    year = date.today().year
    at.date_input(key=f"plan_plan_action_{code}_end_date").set_value(date(year, 12, 31))
    at.text_input(key=f"plan_plan_action_{code}_milestones").input(f"30/06/{year}: 50; 31/05/{year}: 20")
    at.text_area(key=f"plan_plan_action_{code}_motivo").input("Se amplía el plazo por la contratación del proveedor.")
    next(b for b in at.button if b.key == "plan_plan_action_guardar").click()
    at.run()
    assert any("orden de fecha" in e.value for e in at.error), [e.value for e in at.error]   # refused, in Spanish
    at.text_input(key=f"plan_plan_action_{code}_milestones").input(f"31/05/{year}: 20; 30/06/{year}: 50")
    next(b for b in at.button if b.key == "plan_plan_action_guardar").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    row = frame(db, "plan_action", date.today()).set_index("code").loc[code]
    assert row["end_date"].date() == date(year, 12, 31)
    assert row["milestones"] == f"31/05/{year}: 20; 30/06/{year}: 50"


def test_planeacion_opens_the_next_plan_on_the_plan_page(db):
    from metrics.plan import load
    at = AppTest.from_file("../../dashboard.py", default_timeout=90)
    at.session_state["usuario"] = User("planeacion.demo", "Planeación", "planeacion", None)
    at.switch_page("app_pages/plan.py")
    at.run()
    at.text_area(key="plan_siguiente_motivo").input("Apertura del plan estratégico 2028–2032.")
    next(b for b in at.button if b.key == "plan_siguiente_abrir").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert load(db, date(2028, 3, 1)).plan_on(date(2028, 3, 1))["code"] == "PEI-2028"


def test_the_gd03_ficha_says_it_is_computed(db):
    at = AppTest.from_file("../../dashboard.py", default_timeout=90)
    at.query_params["indicador"] = "GD-03"
    at.switch_page("app_pages/indicador.py")
    at.run()
    origin = next(t.value for t in at.table if "Origen del valor" in t.value.index).loc["Origen del valor"].iloc[0]
    assert origin.startswith("Se calcula del Plan de Acción")


def test_the_administrator_voids_an_action_progress_and_keeps_the_earlier_row(db):
    today = date.today()
    code, quarter = f"PA{today.year % 100:02d}-04", max(1, (today.month - 1) // 3)
    admin = User("admin.demo", "Administrador de demostración", "administrador", None)
    at = page(today, admin)
    at.selectbox(key="pa_adm_accion").set_value(code)
    at.selectbox(key="pa_adm_trimestre").set_value(quarter)
    at.text_area(key="pa_adm_motivo").input("Corto")
    next(b for b in at.button if b.key == "pa_adm_anular").click()
    at.run()
    assert any("motivo" in e.value for e in at.error), [e.value for e in at.error]   # too short: nothing written
    assert set(action_plan.history(db, code)["kind"]) == {"reporte"}
    at.text_area(key="pa_adm_motivo").input("El avance se reportó sobre el informe equivocado.")
    next(b for b in at.button if b.key == "pa_adm_anular").click()
    at.run()
    assert not at.exception and any("Se anuló" in s.value for s in at.success)
    rows = action_plan.history(db, code)
    rows = rows[(rows["year"] == today.year) & (rows["period"] == quarter)]
    assert list(rows["kind"]) == ["anulacion", "reporte"] and rows.iloc[1]["progress"] > 0



def test_a_warm_run_reads_nothing_again(db, monkeypatch):
    """The vigencia's actions, tables, charts and the chosen action's history are read once per data
    version and cut-off (ui.views): a second run of the page only lays them out, the same tables.
    (A saved report is a new data version: test_a_leader_report_moves_the_activity_and_gd03.)"""
    reads = []
    for name in ("at_cut_off", "history", "vigencias"):
        real = getattr(action_plan, name)
        monkeypatch.setattr(action_plan, name, lambda *a, _real=real, _name=name, **k: reads.append(_name) or _real(*a, **k))
    at = page(date.today())
    assert not at.exception and {"at_cut_off", "history"} <= set(reads)
    first = [d.value for d in at.dataframe]
    reads.clear()
    at.run()
    assert not at.exception and reads == []
    assert len(at.dataframe) == len(first) and all(d.value.equals(f) for d, f in zip(at.dataframe, first))
