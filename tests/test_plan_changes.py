"""Plan changes with an effective date: every cut-off uses the plan as it stood on that date.

Real DuckDB files with the demo values (reported up to 01/09/2025); the figures are compared whole
(every indicator, objective and process row, the policy score, vision and plan progress)."""
from datetime import date, timedelta

import pandas as pd
import pandas.testing as pdt
import pytest

from metrics import accounts
from metrics import plan as plan_mod
from metrics import plan_changes, snapshot
from metrics.accounts import PermissionDenied, Rejected
from tests.reporting_helpers import NOW, PASSWORD, fresh_store

REASON = "Ajuste aprobado por el comité institucional"
PAST = date(2024, 12, 31)


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path, with_demo=True)
    with s.transaction() as cur:
        accounts._insert_user(cur, "planeacion", "Planeación", "planeacion", None, PASSWORD, None, "prueba", NOW)
    yield s
    s.close()


def figures(store, as_of: date) -> snapshot.Snapshot:
    return snapshot.compute(store, plan_mod.load(store, as_of), as_of)


def assert_same_figures(a: snapshot.Snapshot, b: snapshot.Snapshot) -> None:
    for part in ("indicators", "objectives", "objective_inputs", "processes", "owed", "reporting"):
        pdt.assert_frame_equal(getattr(a, part), getattr(b, part))
    assert (a.policy, a.policy_status) == (b.policy, b.policy_status)
    for progress in ("vision", "plan"):
        x, y = getattr(a, progress), getattr(b, progress)
        assert (x.code, x.start, x.horizon, x.target_year, x.elapsed, x.score, x.status) == \
            (y.code, y.start, y.horizon, y.target_year, y.elapsed, y.score, y.status)
        pdt.assert_frame_equal(x.indicators, y.indicators)
        pdt.assert_frame_equal(x.objectives, y.objectives)


def row(snap: snapshot.Snapshot, code: str) -> pd.Series:
    return snap.indicators.set_index("code").loc[code]


def written(store) -> tuple:
    return store.scalar("SELECT count(*) FROM plan_change"), store.scalar("SELECT count(*) FROM audit_log")


def new_indicator(store, code: str = "GD-31", start_year: int = 2026) -> list:
    ficha = plan_mod.frame(store, "indicator").set_index("code").loc["GD-05"].to_dict()
    ficha.update(code=code, name="Trámites en línea de punta a punta", start_year=start_year)
    targets = [{"indicator": code, "year": y, "target": 60 + 5 * (y - start_year)} for y in range(start_year, 2029)]
    return [("indicator", [ficha], None), ("target", targets, {"indicator": code}),
            ("indicator_objective", [{"indicator": code, "objective": "OE1", "weight": 2}], {"indicator": code})]


def test_a_target_change_leaves_earlier_cut_offs_unchanged_and_moves_later_ones(store):
    earlier = [figures(store, d) for d in (PAST, date(2025, 5, 31))]
    later_before = figures(store, date(2025, 8, 31))
    old_target = row(later_before, "GD-05")["target"]

    assert plan_changes.save_rows(store, "admin", "target", [{"indicator": "GD-05", "year": 2025, "target": 99}],
                                  REASON, date(2025, 6, 1)) == 1

    for before, as_of in zip(earlier, (PAST, date(2025, 5, 31))):
        assert_same_figures(before, figures(store, as_of))
    later = figures(store, date(2025, 8, 31))
    assert row(later, "GD-05")["target"] == 99 != old_target
    assert row(later, "GD-05")["attainment_raw"] < row(later_before, "GD-05")["attainment_raw"]
    assert later.objectives.set_index("code").loc["OE2", "score"] != \
        later_before.objectives.set_index("code").loc["OE2", "score"]


def test_a_target_raised_today_does_not_rewrite_the_last_year_end(store):
    before = figures(store, PAST)
    plan_changes.save_rows(store, "planeacion", "target", [{"indicator": "GD-05", "year": 2025, "target": 99}],
                           REASON, date.today())
    assert_same_figures(before, figures(store, PAST))
    targets = {d: plan_mod.load(store, d).targets.set_index(["indicator", "year"]).loc[("GD-05", 2025), "target"]
               for d in (date.today() - timedelta(days=1), date.today())}
    assert targets[date.today()] == 99 != targets[date.today() - timedelta(days=1)]


def test_an_indicator_added_today_is_absent_from_a_past_cut_off(store):
    before = figures(store, PAST)
    assert plan_changes.save_many(store, "planeacion", new_indicator(store), REASON, date.today()) == 5
    past = plan_mod.load(store, PAST)
    assert "GD-31" not in set(past.indicators["code"]) | set(past.targets["indicator"]) | set(past.links["indicator"])
    assert_same_figures(before, figures(store, PAST))
    assert "GD-31" not in set(plan_mod.load(store, date.today() - timedelta(days=1)).indicators["code"])
    now = plan_mod.load(store, date.today())
    assert now.indicator("GD-31")["name"] == "Trámites en línea de punta a punta"
    assert len(now.targets[now.targets["indicator"] == "GD-31"]) == 3
    # the row measurements point to exists, so values can be reported for it
    assert store.scalar("SELECT count(*) FROM indicator WHERE code = 'GD-31'") == 1
    shown = plan_changes.indicator_versions(store, "GD-31")
    assert shown[["what", "change"]].values.tolist() == [["Ficha", "Creado en la aplicación"]] + [
        [f"Meta {y}", "Creado en la aplicación"] for y in (2026, 2027, 2028)] + [
        ["Aporte a OE1", "Creado en la aplicación"]]


def test_a_retired_indicator_keeps_its_past_scores_and_history(store):
    before = [figures(store, d) for d in (PAST, date(2025, 6, 30))]
    plan_changes.retire(store, "admin", "indicator", ["GD-05"], REASON, date(2025, 7, 1))
    for b, as_of in zip(before, (PAST, date(2025, 6, 30))):
        assert_same_figures(b, figures(store, as_of))
        assert pd.notna(row(b, "GD-05")["attainment"])
    after = plan_mod.load(store, date(2025, 8, 31))
    assert "GD-05" not in set(after.indicators["code"]) | set(after.targets["indicator"]) | \
        set(after.links["indicator"])
    assert "GD-05" not in set(figures(store, date(2025, 8, 31)).indicators["code"])
    assert store.scalar("SELECT count(*) FROM measurement WHERE indicator = 'GD-05'") > 0
    history = plan_changes.versions(store, "indicator", "GD-05")
    assert history["change"].tolist() == ["Versión inicial", "Retirado"]
    assert history.iloc[1][["effective_from", "recorded_by", "reason"]].tolist() == [date(2025, 7, 1), "admin", REASON]


def test_versions_say_who_when_why_and_what(store):
    plan_changes.save_rows(store, "planeacion", "target", [{"indicator": "GD-05", "year": 2025, "target": 97}],
                           REASON, date(2025, 6, 1))
    plan_changes.save_rows(store, "admin", "indicator", [{"code": "GD-05", "unit": "%", "report_due_days": 20}],
                           "Plazo de reporte ampliado a veinte días", date(2025, 7, 1))
    shown = plan_changes.indicator_versions(store, "GD-05")
    assert shown[["what", "change"]].values.tolist() == [
        ["Ficha", "Versión inicial"], ["Ficha", "Plazo de reporte (días tras el cierre): — → 20"],
        ["Meta 2025", "Versión inicial"], ["Meta 2025", "Meta: 85 → 97"]]
    assert shown.iloc[3][["recorded_by", "reason", "effective_from"]].tolist() == ["planeacion", REASON,
                                                                                   date(2025, 6, 1)]
    audit = store.query("SELECT username, action, detail FROM audit_log WHERE action = 'cambiar_plan' ORDER BY id")
    assert audit["username"].tolist() == ["planeacion", "admin"]
    assert "Metas por vigencia GD-05|2025" in audit["detail"][0] and REASON in audit["detail"][0]


def test_saving_the_plan_as_it_stands_changes_nothing(store):
    before = written(store)
    assert plan_changes.save_plan(store, "admin", plan_mod.frames(store, date(2025, 6, 1)), REASON,
                                  date(2025, 6, 1)) == 0
    assert written(store) == before


def test_save_plan_writes_one_version_per_changed_row(store):
    frames = plan_mod.frames(store, date(2025, 6, 1))
    frames["process"].loc[frames["process"]["code"] == "TI", "leader_role"] = "Jefe de la Oficina TIC"
    frames["activity"].loc[frames["activity"]["code"] == "A6", "text"] = "Integración completa a GOV.CO."
    links = frames["indicator_objective"]
    frames["indicator_objective"] = links[~((links["indicator"] == "GD-05") & (links["objective"] == "IE3"))]
    assert plan_changes.save_plan(store, "planeacion", frames, REASON, date(2025, 6, 1)) == 3
    changes = store.query("SELECT item, item_key, retired FROM plan_change ORDER BY item")
    assert changes.values.tolist() == [["activity", "A6", False], ["indicator_objective", "GD-05|IE3", True],
                                       ["process", "TI", False]]
    now = plan_mod.load(store, date(2025, 6, 1))
    assert now.processes.set_index("code").loc["TI", "leader_role"] == "Jefe de la Oficina TIC"
    assert plan_mod.load(store, date(2025, 5, 31)).processes.set_index("code").loc["TI", "leader_role"] == \
        "Profesional Universitario de Sistemas"


def test_a_change_that_breaks_a_plan_already_scheduled_is_refused(store):
    plan_changes.save_rows(store, "admin", "target", [{"indicator": "GD-05", "year": 2027, "target": 95}],
                           REASON, date(2026, 6, 1))
    before = written(store)
    with pytest.raises(Rejected, match="01/06/2026"):
        plan_changes.retire(store, "admin", "indicator", ["GD-05"], REASON, date(2026, 1, 1))
    assert written(store) == before


def test_a_change_needs_a_reason_and_a_date(store):
    before = written(store)
    change = [{"indicator": "GD-05", "year": 2025, "target": 97}]
    with pytest.raises(Rejected, match="motivo"):
        plan_changes.save_rows(store, "admin", "target", change, "corto", date(2025, 6, 1))
    with pytest.raises(Rejected, match="fecha"):
        plan_changes.save_rows(store, "admin", "target", change, REASON, None)
    assert written(store) == before


def test_planeacion_changes_the_plan_but_never_the_accounts(store):
    assert plan_changes.save_rows(store, "planeacion", "process", [{"code": "TI", "leader_role": "Jefe TIC"}],
                                  REASON, date(2025, 6, 1)) == 1
    accounts_before = store.query("SELECT * FROM app_user ORDER BY username")
    refused = [
        lambda: accounts.create_user(store, "planeacion", "nuevo.admin", "Nuevo", "administrador", PASSWORD),
        lambda: accounts.update_user(store, "planeacion", "planeacion", "administrador", None, True),
        lambda: accounts.set_password(store, "planeacion", "admin", "otra-clave-larga-1"),
        lambda: accounts.lift_lock(store, "planeacion", "cuenta", "admin"),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDenied, match="administrar cuentas"):
            attempt()
    pdt.assert_frame_equal(accounts_before, store.query("SELECT * FROM app_user ORDER BY username"))


@pytest.mark.parametrize("username", ["lider.ti", "consulta", "personero", "nadie"])
def test_other_roles_cannot_change_the_plan_by_any_route(store, username):
    before = written(store)
    routes = [
        lambda: plan_changes.save_plan(store, username, plan_mod.frames(store), REASON, date.today()),
        lambda: plan_changes.save_rows(store, username, "target", [{"indicator": "GD-05", "year": 2025,
                                                                   "target": 99}], REASON, date.today()),
        lambda: plan_changes.save_many(store, username, new_indicator(store), REASON, date.today()),
        lambda: plan_changes.retire(store, username, "indicator", ["GD-05"], REASON, date.today()),
    ]
    for attempt in routes:
        with pytest.raises(PermissionDenied):
            attempt()
    assert written(store) == before


def test_a_change_made_meanwhile_to_the_same_rows_is_never_overwritten(store):
    shown = plan_changes.latest_id(store)          # an editor shows the plan
    plan_changes.save_rows(store, "admin", "target", [{"indicator": "GD-05", "year": 2025, "target": 90}],
                           REASON, date(2025, 6, 1))                 # someone else saves meanwhile
    before = written(store)
    with pytest.raises(plan_changes.PlanConflict, match=r"Metas por vigencia GD-05\|2025 \(admin\)"):
        plan_changes.save_rows(store, "planeacion", "target", [{"indicator": "GD-05", "year": 2025, "target": 85},
                                                                {"indicator": "GD-05", "year": 2026, "target": 95}],
                               REASON, date(2025, 6, 1), seen=shown)
    assert written(store) == before
    # other rows are not in conflict
    assert plan_changes.save_rows(store, "planeacion", "target", [{"indicator": "GD-05", "year": 2026, "target": 95}],
                                  REASON, date(2025, 6, 1), seen=shown) == 1


def test_the_write_path_checks_values_against_the_plan_in_force_today(store):
    from metrics import scoring, writes
    from metrics.periods import PERIODS_PER_YEAR
    year = date.today().year
    ficha = writes.ficha_of(store._root.cursor(), "GD-05")
    share = scoring.period_share(ficha["accumulation"], PERIODS_PER_YEAR[ficha["frequency"]])
    plan_changes.save_rows(store, "admin", "target", [{"indicator": "GD-05", "year": year, "target": 99}],
                           REASON, date.today())
    assert writes.outlook(store, ficha, year, 1, 50.0).period_target == pytest.approx(99 * share)
    plan_changes.retire(store, "admin", "indicator", ["GD-05"], REASON, date.today())
    with pytest.raises(Rejected, match="no existe en el plan vigente"):
        writes.report(store, "admin", writes.Entry("GD-05", year, 1, "50"))
