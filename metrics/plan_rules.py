"""The rules a plan must satisfy, written once for the Plan page, the plan workbook and `save_plan`.

`validate(frames)` takes the whole plan, one frame per plan table (the shape of `plan.frames`),
and returns every problem found, each naming its table, row key and column with a Spanish message
that says what to fix. `coerce` turns a frame's cells into typed values (numbers, dates, yes/no)
and is the only place that reads a cell, so a value the rules accepted is the value stored.

Choices made where the issue leaves room ("a unit and polarity that fit the formula"):
- unit "%": the valid range lies within 0–100 (a maximum is required), and the indicator is not
  flujo; a ratio (a formula with a denominator) is never flujo either: percentages and ratios of
  different periods cannot be added.
- polarity "up": every target is above zero (attainment is value ÷ target); polarity "down" with a
  target of zero needs a baseline above zero (attainment is then the way from the baseline to zero).
- the interpretation's own words ("A mayor valor…" / "A menor valor…") must agree with the polarity.
- a flujo target is the total of the year: it must lie within the valid range of one period times
  the periods of the year; stock and acumulado targets lie within the valid range itself.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from metrics import milestones
from metrics import plan as plan_mod
from metrics.accounts import Rejected
from metrics.fmt import number
from metrics.periods import PERIODS_PER_YEAR
from metrics.plan import CHOICES, COLUMN_LABELS, KEYS, PLAN_SETTINGS, SETTING_LABELS, TABLE_LABELS
from metrics.vocabulary import ELEMENTS

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
CODED_TABLES = ("plan", "objective", "process", "activity", "indicator", "plan_action")
DUE_DATE = re.compile(r"(\d{2})-(\d{2})")
_YES = {"true", "si", "sí", "1", "x", "verdadero"}
_NO = {"false", "no", "0", "falso"}


@dataclass(frozen=True)
class Problem:
    table: str
    key: str
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{TABLE_LABELS[self.table]} · {self.key}"
        if self.column:
            where += f" · {COLUMN_LABELS[self.table].get(self.column, self.column)}"
        return f"{where}: {self.message}"


def _blank(x) -> bool:
    if x is None:
        return True
    if isinstance(x, str):
        return not x.strip()
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _cell(kind: str, x):
    """One cell as the SQL type wants it; raises ValueError with the Spanish reason."""
    if kind in ("DOUBLE", "FLOAT", "DECIMAL"):
        number = float(x.strip().replace(",", ".")) if isinstance(x, str) else float(x)
        if not math.isfinite(number):
            raise ValueError("debe ser un número")
        return number
    if kind in ("INTEGER", "BIGINT", "SMALLINT"):
        number = float(x.strip().replace(",", ".")) if isinstance(x, str) else float(x)
        if not number.is_integer():
            raise ValueError("debe ser un número entero")
        return int(number)
    if kind == "BOOLEAN":
        if isinstance(x, str):
            word = x.strip().lower()
            if word in _YES | _NO:
                return word in _YES
            raise ValueError("debe ser Sí o No")
        return bool(x)
    if kind == "DATE":
        if isinstance(x, datetime):
            return x.date()
        if isinstance(x, date):
            return x
        if isinstance(x, pd.Timestamp):
            return x.date()
        text = str(x).strip()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(text[:10], pattern).date()
            except ValueError:
                pass
        raise ValueError("debe ser una fecha dd/mm/aaaa")
    return str(x).strip()


_CELL_ERRORS = {"DOUBLE": "debe ser un número", "INTEGER": "debe ser un número entero",
                "BIGINT": "debe ser un número entero", "BOOLEAN": "debe ser Sí o No",
                "DATE": "debe ser una fecha dd/mm/aaaa"}


def coerce(table: str, frame: pd.DataFrame) -> tuple[list[dict], list[Problem]]:
    """Each row of `frame` with typed values (None when empty), and the cells that could not be read."""
    rows, problems = [], []
    schema = plan_mod.columns()[table]
    missing = [c for c, (_, required) in schema.items() if required and c not in frame.columns]
    for column in missing:
        problems.append(Problem(table, "—", column, "falta la columna; agréguela con un valor en cada fila."))
    if missing:
        return [], problems
    for number, raw in enumerate(frame.to_dict("records"), 1):
        row, bad = {}, []
        for column, (kind, required) in schema.items():
            x = raw.get(column)
            if _blank(x):
                row[column] = None
                continue
            try:
                row[column] = _cell(kind, x)
            except (TypeError, ValueError):
                row[column] = None
                bad.append((column, _CELL_ERRORS.get(kind, "no se pudo leer")))
        key = _row_key(table, row, number)
        problems += [Problem(table, key, c, f"{m} (se escribió «{raw.get(c)}»).") for c, m in bad]
        problems += [Problem(table, key, c, "es obligatorio; escriba un valor.")
                     for c, (_, required) in schema.items() if required and row[c] is None
                     and c not in {b for b, _ in bad}]
        rows.append(row)
    return rows, problems


def _row_key(table: str, row: dict, number: int) -> str:
    if any(row.get(c) is None for c in KEYS[table]):
        return f"fila {number}"
    return plan_mod.key_of(table, row)


def validate(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every problem of the whole plan given as `frames` (an empty list: the plan may be saved)."""
    return checked(frames)[1]


def checked(frames: dict[str, pd.DataFrame]) -> tuple[dict[str, list[dict]], list[Problem]]:
    """(the typed rows of each table given, every problem of the plan): `validate` for a caller that
    then writes the rows, so each cell is read once."""
    rows, problems = {}, []
    for table in plan_mod.TABLES:
        if table in frames:
            rows[table], found = coerce(table, frames[table])
            problems += found
    for table, table_rows in rows.items():
        for rule in _ROW_RULES.get(table, ()):
            for number, row in enumerate(table_rows, 1):
                problems += [Problem(table, _row_key(table, row, number), c, m) for c, m in rule(row, rows)]
    for rule in _PLAN_RULES:
        problems += rule(rows)
    return rows, problems


def _keyed(table: str, row: dict) -> bool:
    return all(row.get(c) is not None for c in KEYS[table])


# -- rules of the whole plan -------------------------------------------------------------------
def _unique_and_well_formed(rows) -> list[Problem]:
    problems = []
    for table, table_rows in rows.items():
        seen: dict[str, int] = {}
        for row in table_rows:
            if not _keyed(table, row):
                continue
            key = plan_mod.key_of(table, row)
            seen[key] = seen.get(key, 0) + 1
            if table in CODED_TABLES and not CODE.fullmatch(row["code"]):
                problems.append(Problem(table, key, "code", "código mal formado: use solo letras, números, punto, "
                                        "guion y guion bajo, sin espacios, hasta 20 caracteres (por ejemplo GD-31)."))
        label = ", ".join(COLUMN_LABELS[table][c] for c in KEYS[table]).lower()
        problems += [Problem(table, key, KEYS[table][0], f"está repetido {n} veces; cada fila debe tener "
                             f"{label} distinto.") for key, n in seen.items() if n > 1]
        if table == "entity" and len(table_rows) != 1:
            problems.append(Problem(table, plan_mod.ENTITY_KEY, None, "debe haber exactamente una fila con los "
                                    f"datos de la entidad (hay {len(table_rows)})."))
    return problems


def _references(rows) -> list[Problem]:
    codes = {t: {r["code"] for r in rows.get(t, ()) if r["code"]}
             for t in ("process", "objective", "indicator", "activity")}
    checks = [("indicator", "process", "process"), ("activity", "process", "process"),
              ("plan_action", "activity", "activity"), ("plan_action", "process", "process"),
              ("plan_action", "indicator", "indicator"), ("indicator_element", "indicator", "indicator"),
              ("indicator_objective", "indicator", "indicator"), ("indicator_objective", "objective", "objective"),
              ("target", "indicator", "indicator"), ("entity", "policy_owner_process", "process")]
    problems = []
    for table, column, points_to in checks:
        if table not in rows or points_to not in rows:
            continue
        for number, row in enumerate(rows[table], 1):
            if row[column] is not None and row[column] not in codes[points_to]:
                key = _row_key(table, row, number)
                problems.append(Problem(table, key, column, f"{row[column]} no está entre los "
                                        f"{TABLE_LABELS[points_to].lower()} vigentes (no existe o se retira con "
                                        "este cambio); use un código vigente, o cree primero el que falta."))
    return problems


def _objectives_have_indicators(rows) -> list[Problem]:
    if not {"objective", "indicator", "indicator_objective"} <= rows.keys():
        return []
    present = {r["code"] for r in rows["indicator"]}
    served = {r["objective"] for r in rows["indicator_objective"] if r["indicator"] in present}
    return [Problem("objective", o["code"], None, "este objetivo específico quedaría sin indicadores: asóciele al "
                    "menos un indicador (Aportes de indicadores a objetivos) antes de retirar el último.")
            for o in rows["objective"] if o["kind"] == "especifico" and o["code"] not in served]


def _indicators_have_targets(rows) -> list[Problem]:
    if "indicator" not in rows or "target" not in rows or not rows.get("plan"):
        return []
    ends = [p["end_date"] for p in rows["plan"] if p["end_date"] is not None]
    if not ends:
        return []
    last = max(ends).year
    have = {(t["indicator"], t["year"]) for t in rows["target"] if t["target"] is not None}
    problems = []
    for ind in rows["indicator"]:
        if ind["code"] is None or ind["start_year"] is None:
            continue
        missing = [y for y in range(ind["start_year"], last + 1) if (ind["code"], y) not in have]
        if missing:
            years = (f"la vigencia {missing[0]}" if len(missing) == 1 else
                     f"las vigencias {', '.join(map(str, missing[:-1]))} y {missing[-1]}")
            problems.append(Problem("target", ind["code"], "target", f"el indicador {ind['code']} no tiene meta para "
                                    f"{years}; se mide desde {ind['start_year']} hasta {last} (fin del "
                                    "último plan): escriba la meta de cada vigencia."))
    return problems


def _targets_fit(rows) -> list[Problem]:
    fichas = {r["code"]: r for r in rows.get("indicator", ())}
    problems = []
    for t in rows.get("target", ()):
        ficha = fichas.get(t["indicator"])
        if ficha is None or t["target"] is None or t["year"] is None:
            continue
        key, value = plan_mod.key_of("target", t), t["target"]
        low, high = _yearly_range(ficha)
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"de {_num(low)} a {_num(high) if high is not None else 'sin límite'}"
            total = " (la meta de un indicador de flujo es el total del año)" if _periods_added(ficha) > 1 else ""
            problems.append(Problem("target", key, "target", f"la meta {_num(value)} está fuera del rango válido "
                                    f"{span}{total}; corrija la meta o el rango válido de la ficha."))
        if ficha["polarity"] == "up" and value <= 0:
            problems.append(Problem("target", key, "target", "con polaridad creciente la meta debe ser mayor que "
                                    "cero (el cumplimiento es valor ÷ meta)."))
        if ficha["polarity"] == "down" and value == 0 and not (ficha["baseline"] or 0) > 0:
            problems.append(Problem("target", key, "target", "una meta de cero con polaridad decreciente necesita "
                                    "una línea base mayor que cero (el cumplimiento es el camino de la línea base "
                                    "a cero)."))
    return problems


def _periods_added(ficha: dict) -> int:
    """How many periods make a yearly figure: a flujo year adds its periods, the others take one."""
    return PERIODS_PER_YEAR.get(ficha["frequency"], 1) if ficha["accumulation"] == "flujo" else 1


def _yearly_range(ficha: dict) -> tuple[float | None, float | None]:
    """The valid range of a yearly figure (target, baseline): a period's range times the periods added."""
    n = _periods_added(ficha)
    low, high = ficha["valid_min"], ficha["valid_max"]
    return (None if low is None else low * n), (None if high is None else high * n)


def _num(x) -> str:
    return number(x, 0 if x is not None and float(x).is_integer() else 2)


def _plans_exist(rows) -> list[Problem]:
    """The pages judge the vision and the plan in force: at least one plan, one with a vision horizon."""
    if "plan" not in rows:
        return []
    if not rows["plan"]:
        return [Problem("plan", "—", None, "debe haber al menos un plan estratégico con su inicio y su fin.")]
    if not any(p["vision_horizon"] is not None for p in rows["plan"]):
        return [Problem("plan", "—", "vision_horizon", "un plan debe tener el horizonte de la visión (la fecha en que "
                        "se juzga la visión de la entidad).")]
    return []


def _settings_in_order(rows) -> list[Problem]:
    values = {r["key"]: r["value"] for r in rows.get("setting", ()) if r["key"]}
    try:
        red, green = float(values.get("red_below", 60)), float(values.get("green_from", 80))
    except ValueError:
        return []   # told by the row rule
    if not red < green:
        return [Problem("setting", "green_from", "value", f"el umbral verde ({_num(green)} %) debe ser mayor que el "
                        f"rojo ({_num(red)} %).")]
    return []


def _model_elements(rows) -> list[Problem]:
    """A plan's policy model and an indicator's element name a model and an element that exist."""
    if not rows.get("policy_element"):   # a plan that names no policy models
        return []
    elements = {(r["model"], r["code"]) for r in rows["policy_element"]}
    models = {m for m, _ in elements}
    problems = [Problem("plan", r["code"], "policy_model", f"el modelo «{r['policy_model']}» no está entre los "
                        f"modelos de la política ({', '.join(sorted(models))}).")
                for r in rows.get("plan", ()) if r.get("policy_model") and r["policy_model"] not in models]
    for number, r in enumerate(rows.get("indicator_element", ()), 1):
        if r["model"] and r["element"] and (r["model"], r["element"]) not in elements:
            problems.append(Problem("indicator_element", _row_key("indicator_element", r, number), "element",
                                    f"«{r['element']}» no es un elemento del modelo {r['model']}."))
    return problems


_PLAN_RULES = (_unique_and_well_formed, _references, _model_elements, _targets_fit, _plans_exist, _settings_in_order,
               _objectives_have_indicators, _indicators_have_targets)


# -- rules of one row (each yields (column, message)) ------------------------------------------
def _choices(table: str):
    def rule(row, _rows):
        for (t, column), allowed in CHOICES.items():
            if t == table and row[column] is not None and row[column] not in allowed:
                yield column, f"«{row[column]}» no es un valor permitido; use uno de: {'; '.join(allowed.values())}."
    return rule


def _positive_weight(row, _rows):
    if row["weight"] is not None and row["weight"] <= 0:
        yield "weight", "el peso debe ser mayor que cero."


def _objective_weight(row, _rows):
    if row["weight"] is None:
        return
    if row["kind"] == "especifico" and row["weight"] <= 0:
        yield "weight", ("el peso de un objetivo específico debe ser mayor que cero (pondera el puntaje de la "
                         "política).")
    elif row["weight"] < 0:
        yield "weight", "el peso no puede ser negativo."


def _plan_dates(row, _rows):
    if row["start_date"] and row["end_date"] and not row["start_date"] < row["end_date"]:
        yield "end_date", "el fin del plan debe ser posterior a su inicio."


def _action_dates(row, _rows):
    """An action of the Plan de Acción runs inside its vigencia, from its start to its end."""
    start, end, year = row["start_date"], row["end_date"], row["year"]
    if start and end and not start <= end:
        yield "end_date", "el fin de la acción no puede ser anterior a su inicio."
    for column, day in (("start_date", start), ("end_date", end)):
        if day and year and day.year != year:
            yield column, f"la fecha debe caer dentro de la vigencia {year} del plan de acción."


def _milestones(row, _rows):
    """An action's milestones can be read and fit its dates (metrics/milestones.py)."""
    try:
        planned = milestones.parse(row.get("milestones"))
    except Rejected as exc:
        yield "milestones", exc.message
        return
    if row["start_date"] and row["end_date"]:
        for problem in milestones.problems(planned, row["start_date"], row["end_date"]):
            yield "milestones", problem


def _budget(row, _rows):
    if row["budget"] is not None and row["budget"] < 0:
        yield "budget", "el presupuesto no puede ser negativo."


def _setting_value(row, _rows):
    if row["key"] not in PLAN_SETTINGS:
        yield "key", f"ajuste desconocido; los ajustes del plan son: {'; '.join(SETTING_LABELS.values())}."
        return
    try:
        value = float(str(row["value"]).replace(",", "."))
    except ValueError:
        yield "value", "debe ser un número."
        return
    if row["key"] == "grace_days" and (value < 0 or not value.is_integer()):
        yield "value", "los días de plazo deben ser un número entero mayor o igual a cero."
    if row["key"] in ("red_below", "green_from") and not 0 <= value <= 100:
        yield "value", "el umbral es un porcentaje de cumplimiento entre 0 y 100."


def _thresholds(row, rows):
    red, green = row["red_below"], row["green_from"]
    for column, x in (("red_below", red), ("green_from", green)):
        if x is not None and not 0 <= x <= 100:
            yield column, "el umbral es un porcentaje de cumplimiento entre 0 y 100."
    if red is not None and green is not None and not red < green:
        yield "green_from", f"los umbrales están en desorden: rojo por debajo de {_num(red)} % debe ser menor que " \
                            f"verde desde {_num(green)} %."
    elif (red is None) != (green is None):
        yield ("green_from" if green is None else "red_below"), \
            "escriba los dos umbrales (rojo y verde) o ninguno (se usan los de la entidad)."


def _range(row, _rows):
    low, high = row["valid_min"], row["valid_max"]
    if low is not None and high is not None and not low < high:
        yield "valid_max", "el máximo válido debe ser mayor que el mínimo."
    base = row["baseline"]
    low, high = _yearly_range(row)
    if base is not None and ((low is not None and base < low) or (high is not None and base > high)):
        yield "baseline", "la línea base está fuera del rango válido de la ficha."


def _unit_fits_formula(row, _rows):
    ratio = row["denominator"] is not None
    if row["unit"] == "%":
        if row["valid_max"] is None or row["valid_max"] > 100 or (row["valid_min"] or 0) < 0:
            yield "valid_max", "un indicador en % debe tener un rango válido dentro de 0 a 100 (escriba el máximo, " \
                               "normalmente 100)."
    if row["accumulation"] == "flujo" and (row["unit"] == "%" or ratio):
        yield "accumulation", "un porcentaje o una razón (fórmula con denominador) no se suma entre periodos: " \
                              "use acumulación stock, o quite el denominador si el indicador cuenta casos."


def _polarity_fits_text(row, _rows):
    text = (row["definition"] or "").lower()
    says = "up" if "a mayor valor" in text else "down" if "a menor valor" in text else None
    if says and row["polarity"] in ("up", "down") and says != row["polarity"]:
        words = "«A mayor valor…»" if says == "up" else "«A menor valor…»"
        yield "polarity", f"la interpretación dice {words} pero la polaridad es " \
                          f"{'decreciente' if says == 'up' else 'creciente'}: corrija una de las dos."


def _window(row, _rows):
    days, due = row["report_due_days"], row["report_due_date"]
    if days is not None and due is not None:
        yield "report_due_date", "escriba el plazo en días o la fecha fija del año siguiente, no los dos."
    if days is not None and days < 0:
        yield "report_due_days", "los días de plazo deben ser cero o más."
    if due is not None:
        match = DUE_DATE.fullmatch(due)
        try:
            ok = bool(match) and bool(date(2001, int(match.group(1)), int(match.group(2))))
        except ValueError:
            ok = False
        if not ok:
            yield "report_due_date", (f"«{due}» no es una fecha MM-DD válida (por ejemplo 03-31 para el 31 de "
                                      "marzo; el 29 de febrero no sirve porque no existe todos los años).")


def _element(row, _rows):
    if row["element"] is not None and row["element"] not in ELEMENTS:
        yield "element", f"elemento desconocido; use uno de: {', '.join(ELEMENTS)}."


_ROW_RULES = {
    "objective": (_choices("objective"), _objective_weight),
    "process": (_choices("process"),),
    "plan": (_plan_dates,),
    "setting": (_setting_value,),
    "indicator": (_choices("indicator"), _positive_weight, _thresholds, _range, _unit_fits_formula,
                  _polarity_fits_text, _window, _element),
    "indicator_objective": (_positive_weight,),
    "plan_action": (_positive_weight, _action_dates, _budget, _milestones),
    "policy_element": (_choices("policy_element"),),
}
