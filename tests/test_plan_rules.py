"""Each rule of the plan rejects with its Spanish message, and a rejected change writes nothing."""
from datetime import date

import pandas as pd
import pytest

from metrics import plan as plan_mod
from metrics import plan_changes, plan_rules
from metrics.plan_changes import PlanRejected
from tests.reporting_helpers import fresh_store

REASON = "Ajuste del plan aprobado por el comité"
WHEN = date(2025, 6, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = fresh_store(tmp_path_factory.mktemp("rules"))
    yield s
    s.close()


def where(frame: pd.DataFrame, **match) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    assert mask.any(), match
    return mask


def set_cell(table: str, column: str, value, **match):
    def change(f):
        f[table] = f[table].copy()
        f[table][column] = f[table][column].astype(object)
        f[table].loc[where(f[table], **match), column] = value
    return change


def drop_rows(table: str, **match):
    def change(f):
        f[table] = f[table][~where(f[table], **match)]
    return change


def add_row(table: str, **values):
    def change(f):
        base = f[table].iloc[[0]].copy().astype(object)
        for column, value in values.items():
            base[column] = value
        f[table] = pd.concat([f[table].astype(object), base], ignore_index=True)
    return change


def rename_indicator(old: str, new: str):
    def change(f):
        for table, column in (("indicator", "code"), ("target", "indicator"), ("indicator_objective", "indicator")):
            f[table] = f[table].copy()
            f[table][column] = f[table][column].replace(old, new)
    return change


def both(*changes):
    def change(f):
        for c in changes:
            c(f)
    return change


# (name, change to the seed plan, expected problem: table, key, column, part of the message)
BROKEN = [
    ("código repetido", add_row("indicator", code="GD-05"), ("indicator", "GD-05", "code", "repetido 2 veces")),
    ("código mal formado", rename_indicator("GD-05", "GD 05"), ("indicator", "GD 05", "code", "código mal formado")),
    ("referencia a un proceso inexistente", set_cell("indicator", "process", "XX", code="GD-05"),
     ("indicator", "GD-05", "process", "XX no está entre los procesos vigentes")),
    ("meta de un indicador inexistente", add_row("target", indicator="GD-99", year=2025, target=10),
     ("target", "GD-99|2025", "indicator", "GD-99 no está entre")),
    ("aporte a un objetivo inexistente", set_cell("indicator_objective", "objective", "OE9", indicator="GD-05",
                                                  objective="OE2"),
     ("indicator_objective", "GD-05|OE9", "objective", "OE9 no está entre")),
    ("peso de aporte en cero", set_cell("indicator_objective", "weight", 0, indicator="GD-05", objective="OE2"),
     ("indicator_objective", "GD-05|OE2", "weight", "mayor que cero")),
    ("peso del indicador negativo", set_cell("indicator", "weight", -1, code="GD-05"),
     ("indicator", "GD-05", "weight", "mayor que cero")),
    ("peso de objetivo específico en cero", set_cell("objective", "weight", 0, code="OE1"),
     ("objective", "OE1", "weight", "mayor que cero")),
    ("umbrales en desorden", both(set_cell("indicator", "red_below", 90, code="GD-03"),
                                  set_cell("indicator", "green_from", 70, code="GD-03")),
     ("indicator", "GD-03", "green_from", "en desorden")),
    ("umbrales iguales", both(set_cell("indicator", "red_below", 80, code="GD-03"),
                              set_cell("indicator", "green_from", 80, code="GD-03")),
     ("indicator", "GD-03", "green_from", "en desorden")),
    ("umbral solo", set_cell("indicator", "green_from", None, code="GD-03"),
     ("indicator", "GD-03", "green_from", "los dos umbrales")),
    ("umbrales de la entidad en desorden", set_cell("setting", "value", "85", key="red_below"),
     ("setting", "green_from", "value", "mayor que el rojo")),
    ("meta fuera del rango válido", set_cell("target", "target", 120, indicator="GD-05", year=2025),
     ("target", "GD-05|2025", "target", "fuera del rango válido")),
    ("meta de flujo mayor que el total posible del año",
     both(set_cell("indicator", "valid_max", 1000, code="GD-24"),
          set_cell("target", "target", 2100, indicator="GD-24", year=2025)),
     ("target", "GD-24|2025", "target", "total del año")),
    ("porcentaje sin máximo", set_cell("indicator", "valid_max", None, code="GD-05"),
     ("indicator", "GD-05", "valid_max", "dentro de 0 a 100")),
    ("porcentaje de flujo", set_cell("indicator", "accumulation", "flujo", code="GD-05"),
     ("indicator", "GD-05", "accumulation", "no se suma")),
    ("razón de flujo", set_cell("indicator", "accumulation", "flujo", code="GD-07"),
     ("indicator", "GD-07", "accumulation", "no se suma")),
    ("meta cero con polaridad creciente", set_cell("target", "target", 0, indicator="GD-05", year=2025),
     ("target", "GD-05|2025", "target", "mayor que cero")),
    ("meta cero decreciente sin línea base", set_cell("indicator", "baseline", None, code="GD-13"),
     ("target", "GD-13|2025", "target", "línea base mayor que cero")),
    ("polaridad contraria a la interpretación", set_cell("indicator", "polarity", "down", code="GD-05"),
     ("indicator", "GD-05", "polarity", "«A mayor valor…»")),
    ("plazo en días y fecha fija a la vez", both(set_cell("indicator", "report_due_days", 30, code="GD-01"),
                                                 set_cell("indicator", "report_due_date", "03-31", code="GD-01")),
     ("indicator", "GD-01", "report_due_date", "no los dos")),
    ("plazo negativo", set_cell("indicator", "report_due_days", -5, code="GD-01"),
     ("indicator", "GD-01", "report_due_days", "cero o más")),
    ("fecha fija mal escrita", set_cell("indicator", "report_due_date", "31-03", code="GD-01"),
     ("indicator", "GD-01", "report_due_date", "no es una fecha MM-DD")),
    ("29 de febrero", set_cell("indicator", "report_due_date", "02-29", code="GD-01"),
     ("indicator", "GD-01", "report_due_date", "29 de febrero")),
    ("objetivo específico sin indicadores", drop_rows("indicator_objective", objective="OE3"),
     ("objective", "OE3", None, "quedaría sin indicadores")),
    ("vigencia sin meta", drop_rows("target", indicator="GD-05", year=2027),
     ("target", "GD-05", "target", "no tiene meta para la vigencia 2027")),
    ("número ilegible", set_cell("target", "target", "mucho", indicator="GD-05", year=2025),
     ("target", "GD-05|2025", "target", "debe ser un número")),
    ("campo obligatorio vacío", set_cell("indicator", "name", "  ", code="GD-05"),
     ("indicator", "GD-05", "name", "es obligatorio")),
    ("valor fuera de la lista", set_cell("indicator", "frequency", "Q", code="GD-05"),
     ("indicator", "GD-05", "frequency", "no es un valor permitido")),
    ("ningún plan con horizonte de la visión", set_cell("plan", "vision_horizon", None, code="PEI-2020"),
     ("plan", "—", "vision_horizon", "horizonte de la visión")),
    ("sin planes estratégicos", both(drop_rows("plan", code="PEI-2020"), drop_rows("plan", code="PEI-2024")),
     ("plan", "—", None, "al menos un plan estratégico")),
    ("plan que termina antes de empezar", set_cell("plan", "end_date", pd.Timestamp("2019-01-01"), code="PEI-2020"),
     ("plan", "PEI-2020", "end_date", "posterior a su inicio")),
]


def broken(store, change) -> dict[str, pd.DataFrame]:
    frames = plan_mod.frames(store, WHEN)
    change(frames)
    return frames


def written(store) -> tuple:
    return (store.scalar("SELECT count(*) FROM plan_change"), store.scalar("SELECT count(*) FROM audit_log"),
            store.scalar("SELECT count(*) FROM indicator"), store.scalar("SELECT count(*) FROM target"))


def test_the_seed_plan_follows_every_rule(store):
    assert plan_rules.validate(plan_mod.frames(store, WHEN)) == []


@pytest.mark.parametrize("change, expected", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_each_rule_rejects_with_its_message_and_writes_nothing(store, change, expected):
    table, key, column, text = expected
    frames = broken(store, change)
    found = [p for p in plan_rules.validate(frames) if (p.table, p.key, p.column) == (table, key, column)]
    assert found and text in found[0].message, plan_rules.validate(frames)
    before = written(store)
    with pytest.raises(PlanRejected) as refused:
        plan_changes.save_plan(store, "admin", frames, REASON, WHEN)
    assert text in refused.value.message and str(found[0]) in refused.value.message
    assert refused.value.message.startswith("No se guardó ningún cambio del plan.")
    assert written(store) == before


def test_a_flujo_target_may_reach_the_total_of_the_year(store):
    frames = broken(store, both(set_cell("indicator", "valid_max", 1000, code="GD-24"),
                                set_cell("target", "target", 2000, indicator="GD-24", year=2025)))
    assert plan_rules.validate(frames) == []      # two semesters of at most 1.000 each


def test_a_reporting_window_in_days_or_on_a_date_is_accepted(store):
    frames = broken(store, both(set_cell("indicator", "report_due_date", "03-31", code="GD-01"),
                                set_cell("indicator", "report_due_days", 20, code="GD-05")))
    assert plan_rules.validate(frames) == []


def test_problems_say_where_in_spanish():
    problem = plan_rules.Problem("target", "GD-05|2025", "target", "la meta está fuera del rango.")
    assert str(problem) == "Metas por vigencia · GD-05|2025 · Meta: la meta está fuera del rango."


def test_a_problem_already_in_the_plan_does_not_block_other_changes(tmp_path):
    """A plan loaded before a rule existed can still change; the change must not add a problem."""
    s = fresh_store(tmp_path)
    with s.transaction() as cur:
        cur.execute("UPDATE indicator SET accumulation = 'flujo' WHERE code = 'GD-07'")   # a ratio added up
    target = [{"indicator": "GD-05", "year": 2025, "target": 97}]
    assert plan_changes.save_rows(s, "admin", "target", target, REASON, WHEN) == 1
    with pytest.raises(PlanRejected) as refused:
        plan_changes.save_rows(s, "admin", "target", [{"indicator": "GD-06", "year": 2025, "target": 120}], REASON,
                               WHEN)
    assert [p.key for p in refused.value.problems] == ["GD-06|2025"]
    fixed = plan_mod.frame(s, "indicator", WHEN)
    fixed.loc[fixed["code"] == "GD-07", "accumulation"] = "stock"
    assert plan_changes.save_plan(s, "admin", {"indicator": fixed}, REASON, WHEN) == 1
    assert plan_rules.validate(plan_mod.frames(s, WHEN)) == []
    s.close()
