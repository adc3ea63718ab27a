"""The plan's structure as it stood on a date: entity, plans, objectives, processes, activities, indicators.

The rows of the plan tables are the plan as first loaded; every later change is a row of
`plan_change` (the whole row after the change, or `retired`) in force from its `effective_from`.
`frames(store, as_of)` applies, per row, the latest change effective on or before the cut-off, in
one query per table, so a past cut-off always sees the plan of its own day.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import duckdb
import pandas as pd

from metrics.scoring import Settings
from metrics.store import Store, migrations
from metrics.vocabulary import (ACCUMULATION_LABELS, ELEMENT_KINDS, FREQUENCY_LABELS, OBJECTIVE_KINDS,
                                POLARITY_LABELS, PROCESS_TYPES)

# The labels live in the vocabulary; the short names are the ones the plan's modules use.
POLARITIES, ACCUMULATIONS, FREQUENCIES = POLARITY_LABELS, ACCUMULATION_LABELS, FREQUENCY_LABELS
# The coded columns and their allowed values (the same lists as the CHECK constraints of the schema).
COMPUTED_FROM = {"plan_de_accion": "Calculado del Plan de Acción"}
CHOICES = {("objective", "kind"): OBJECTIVE_KINDS, ("process", "type"): PROCESS_TYPES,
           ("indicator", "polarity"): POLARITIES, ("indicator", "accumulation"): ACCUMULATIONS,
           ("indicator", "frequency"): FREQUENCIES, ("indicator", "computed_from"): COMPUTED_FROM,
           ("policy_element", "kind"): ELEMENT_KINDS}

# The plan tables in the order a write must follow (a row's references come before it), with the
# columns that make a row's key ('GD-05', 'GD-05|2025', 'GD-05|OE1'); the entity is a single row.
KEYS = {"entity": (), "setting": ("key",), "plan": ("code",), "objective": ("code",), "process": ("code",),
        "responsible_role": ("position",), "activity": ("code",), "indicator": ("code",),
        "indicator_objective": ("indicator", "objective"), "target": ("indicator", "year"),
        "plan_action": ("code",), "policy_element": ("model", "code"), "indicator_element": ("indicator", "model")}
TABLES = tuple(KEYS)
ENTITY_KEY = "entidad"
KEY_SEPARATOR = "|"
_ORDER = {"entity": "1", "setting": "key", "plan": "start_date, code", "objective": "position, code",
          "process": "code", "responsible_role": "position", "activity": "position, code", "indicator": "code",
          "indicator_objective": "indicator, objective", "target": "indicator, year",
          "plan_action": "year, code", "policy_element": "model, position", "indicator_element": "indicator, model"}
# Only the entity's scoring defaults are plan settings; other `setting` rows (demo, anonymous
# reading) describe the installation and never enter the plan's history.
PLAN_SETTINGS = tuple(Settings.__dataclass_fields__)

TABLE_LABELS = {"entity": "Entidad", "setting": "Ajustes de la entidad", "plan": "Planes estratégicos",
                "objective": "Objetivos", "process": "Procesos", "responsible_role": "Responsables de la política",
                "activity": "Actividades", "indicator": "Indicadores",
                "indicator_objective": "Aportes de indicadores a objetivos", "target": "Metas por vigencia",
                "plan_action": "Plan de Acción", "policy_element": "Elementos de la política",
                "indicator_element": "Elementos por indicador"}
COLUMN_LABELS = {
    "entity": {"name": "Nombre", "short_name": "Nombre corto", "motto": "Lema", "address": "Dirección",
               "city": "Ciudad", "mission": "Misión", "vision": "Visión", "quality_policy": "Política de calidad",
               "policy_code": "Código de la política", "policy_name": "Nombre de la política",
               "policy_owner_process": "Proceso dueño de la política", "policy_version": "Versión de la política",
               "policy_approved_on": "Fecha de aprobación de la política"},
    "setting": {"key": "Ajuste", "value": "Valor"},
    "plan": {"code": "Código", "name": "Nombre", "start_date": "Inicio", "end_date": "Fin",
             "vision_horizon": "Horizonte de la visión", "policy_model": "Modelo de la política"},
    "objective": {"code": "Código", "kind": "Tipo", "text": "Enunciado", "weight": "Peso", "position": "Orden"},
    "process": {"code": "Código", "name": "Nombre", "type": "Tipo", "leader_role": "Cargo del líder",
                "description": "Descripción"},
    "responsible_role": {"position": "Orden", "text": "Responsable"},
    "activity": {"code": "Código", "text": "Actividad", "process": "Proceso responsable", "position": "Orden"},
    "indicator": {"code": "Código", "name": "Nombre", "objective": "Objetivo del indicador",
                  "definition": "Interpretación", "formula": "Fórmula", "numerator": "Numerador",
                  "denominator": "Denominador", "unit": "Unidad", "polarity": "Polaridad",
                  "accumulation": "Acumulación", "frequency": "Periodicidad", "baseline": "Línea base",
                  "baseline_year": "Año de la línea base", "red_below": "Rojo por debajo de (%)",
                  "green_from": "Verde desde (%)", "process": "Proceso responsable",
                  "element": "Elemento de la política", "source": "Fuente", "indicator_type": "Tipo",
                  "level": "Nivel", "valid_min": "Mínimo válido", "valid_max": "Máximo válido",
                  "public": "Datos abiertos", "weight": "Peso en el proceso", "start_year": "Se mide desde",
                  "report_due_days": "Plazo de reporte (días tras el cierre)",
                  "report_due_date": "Fecha fija de reporte (MM-DD del año siguiente)",
                  "computed_from": "Se calcula de"},
    "indicator_objective": {"indicator": "Indicador", "objective": "Objetivo", "weight": "Peso"},
    "target": {"indicator": "Indicador", "year": "Vigencia", "target": "Meta"},
    "plan_action": {"code": "Código", "year": "Vigencia", "text": "Acción", "product": "Producto o meta",
                    "activity": "Actividad DE-P-007", "process": "Proceso responsable", "start_date": "Inicio",
                    "end_date": "Fin", "weight": "Peso", "budget": "Presupuesto (COP)",
                    "indicator": "Indicador que alimenta",
                    "milestones": "Hitos (DD/MM/AAAA: avance %; …)"},
    "policy_element": {"model": "Modelo", "code": "Código", "kind": "Tipo", "name": "Nombre", "position": "Orden"},
    "indicator_element": {"indicator": "Indicador", "model": "Modelo", "element": "Elemento"},
}
SETTING_LABELS = {"red_below": "Rojo por debajo de (% de cumplimiento)",
                  "green_from": "Verde desde (% de cumplimiento)",
                  "grace_days": "Días de plazo para reportar",
                  "on_track_tolerance": "Tolerancia de «en ruta» (puntos)",
                  "met_from": "Visión o plan «cumplido» desde (% de avance al horizonte)"}


@lru_cache(maxsize=1)
def columns() -> dict[str, dict[str, tuple[str, bool]]]:
    """Per plan table, its columns in order with (SQL type, required), read from the migrations
    themselves (applied to a scratch in-memory database), so the schema has one home."""
    con = duckdb.connect()
    try:
        for _, _, sql in migrations():
            con.execute(sql)
        rows = con.execute("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                           "WHERE table_name IN (SELECT unnest(?)) ORDER BY ordinal_position",
                           [list(TABLES)]).fetchall()
    finally:
        con.close()
    found: dict[str, dict[str, tuple[str, bool]]] = {t: {} for t in TABLES}
    for table, column, kind, nullable in rows:
        found[table][column] = (kind, nullable == "NO")
    return found


def key_of(table: str, row) -> str:
    """The key of a row ('GD-05', 'GD-05|2025'), as plan_change.item_key stores it."""
    if not KEYS[table]:
        return ENTITY_KEY
    return KEY_SEPARATOR.join(_key_part(row[c]) for c in KEYS[table])


def _key_part(x) -> str:
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return str(x).strip()


def key_sql(table: str) -> str:
    if not KEYS[table]:
        return f"'{ENTITY_KEY}'"
    return f"concat_ws('{KEY_SEPARATOR}', " + ", ".join(f"CAST({c} AS VARCHAR)" for c in KEYS[table]) + ")"


def json_structure(table: str) -> str:
    """The `from_json` structure that turns a stored version (plan_change.data) back into a typed row."""
    return json.dumps({c: kind for c, (kind, _) in columns()[table].items()})


def _frame_sql(table: str) -> str:
    structure = json_structure(table)
    only = f"WHERE key IN ({', '.join(repr(k) for k in PLAN_SETTINGS)})" if table == "setting" else ""
    return f"""
        WITH latest AS (
            SELECT item_key, retired, data FROM plan_change WHERE item = '{table}' AND effective_from <= ?
            QUALIFY row_number() OVER (PARTITION BY item_key ORDER BY effective_from DESC, id DESC) = 1
        ), rows AS (
            SELECT * FROM {table} WHERE {key_sql(table)} NOT IN (SELECT item_key FROM latest)
            UNION ALL BY NAME
            SELECT unnest(from_json(data, '{structure}')) FROM latest WHERE NOT retired
        )
        SELECT * FROM rows {only} ORDER BY {_ORDER[table]}
    """


def frame(store, table: str, as_of: date | None = None) -> pd.DataFrame:
    """One plan table as it stood on `as_of` (None: today). `store` may also be a transaction's
    cursor, so a write reads the plan it is about to change."""
    params = [as_of or date.today()]
    if isinstance(store, Store):
        return store.query(_frame_sql(table), params)
    return store.execute(_frame_sql(table), params).df()


def rows(store, table: str, where: str, params: list, as_of: date | None = None) -> pd.DataFrame:
    """The rows of one plan table in force on `as_of` (None: today) that meet `where` (SQL over the
    table's columns): what a write checks a value against, without reading the whole plan."""
    sql = f"SELECT * FROM ({_frame_sql(table)}) WHERE {where}"
    full = [as_of or date.today(), *params]
    if isinstance(store, Store):
        return store.query(sql, full)
    return store.execute(sql, full).df()


def frames(store, as_of: date | None = None) -> dict[str, pd.DataFrame]:
    """The whole plan as it stood on `as_of` (None: today), one frame per plan table, with the
    columns of the SQL tables."""
    return {table: frame(store, table, as_of) for table in TABLES}


@dataclass
class Plan:
    """The plan as it stood on one date (`load`): what every figure of a cut-off is judged against."""
    entity: dict
    settings: Settings
    is_demo: bool
    plans: pd.DataFrame
    objectives: pd.DataFrame
    processes: pd.DataFrame
    indicators: pd.DataFrame
    links: pd.DataFrame
    targets: pd.DataFrame
    activities: pd.DataFrame
    roles: list[str]
    # tables derived from this plan alone, kept with it (one object per plan version is shared): see snapshot
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def policy_objectives(self) -> pd.DataFrame:
        return self.objectives[self.objectives["kind"] == "especifico"]

    def plan_on(self, as_of: date) -> pd.Series | None:
        """The strategic plan in force on a date: the last one started by then; None before the first
        plan starts (the pages say so)."""
        started = self.plans[self.plans["start_date"].dt.date <= as_of]
        return None if started.empty else started.sort_values("start_date").iloc[-1]

    def vision_plan(self) -> pd.Series | None:
        """The plan that carries the entity's vision (the one with a vision horizon), if any."""
        with_vision = self.plans[self.plans["vision_horizon"].notna()]
        return None if with_vision.empty else with_vision.sort_values("start_date").iloc[-1]

    def indicator(self, code: str) -> pd.Series | None:
        found = self.indicators[self.indicators["code"] == code]
        return None if found.empty else found.iloc[0]


def version(store: Store, as_of: date) -> int:
    """How many plan changes are in force by a cut-off. Changes are only appended, so within one data
    stamp two cut-offs with the same count see the same plan: `load` is shared between them."""
    return int(store.scalar("SELECT count(*) FROM plan_change WHERE effective_from <= ?", [as_of]))


def load(store: Store, as_of: date | None = None) -> Plan:
    """The plan as it stood on `as_of` (None: as it stands today)."""
    f = frames(store, as_of)
    settings = dict(store.query("SELECT key, value FROM setting WHERE NOT list_contains(?, key)",
                                [list(PLAN_SETTINGS)]).itertuples(index=False))
    settings |= dict(zip(f["setting"]["key"], f["setting"]["value"]))
    processes = f["process"]
    return Plan(
        entity=f["entity"].iloc[0].to_dict(),
        settings=Settings.from_rows(settings),
        is_demo=settings.get("demo") == "true",
        plans=f["plan"],
        objectives=f["objective"],
        processes=processes,
        indicators=f["indicator"],
        links=f["indicator_objective"],
        targets=f["target"],
        activities=f["activity"].merge(processes[["code", "name"]].rename(
            columns={"code": "process", "name": "process_name"}), on="process", how="left"),
        roles=f["responsible_role"]["text"].tolist(),
    )

