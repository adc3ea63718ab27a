"""The plan's structure as stored: entity, plans, objectives, processes, activities, indicators."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from metrics.scoring import Settings
from metrics.store import Store

PROCESS_TYPES = {"estrategico": "Estratégicos", "misional": "Misionales", "apoyo": "De apoyo",
                 "evaluacion": "De evaluación"}
ELEMENTS = {"TE": "TIC para el Estado", "TS": "TIC para la Sociedad", "ARQ": "Arquitectura",
            "SEG": "Seguridad y Privacidad de la Información", "SCD": "Servicios Ciudadanos Digitales",
            "CyA": "Cultura y Apropiación"}
OBJECTIVE_KINDS = {"institucional": "Objetivo estratégico institucional", "general": "Objetivo general",
                   "especifico": "Objetivo específico de la política"}


@dataclass
class Plan:
    """Everything about the plan that does not depend on the cut-off date."""
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


def load(store: Store, as_of: date | None = None) -> Plan:
    """The plan as it stood on `as_of` (None: as it stands now)."""
    settings = dict(store.query("SELECT key, value FROM setting").itertuples(index=False))
    entity = store.query("SELECT * FROM entity").iloc[0].to_dict()
    return Plan(
        entity=entity,
        settings=Settings.from_rows(settings),
        is_demo=settings.get("demo") == "true",
        plans=store.query("SELECT * FROM plan ORDER BY start_date"),
        objectives=store.query("SELECT * FROM objective ORDER BY position"),
        processes=store.query("SELECT * FROM process ORDER BY code"),
        indicators=store.query("SELECT * FROM indicator ORDER BY code"),
        links=store.query("SELECT * FROM indicator_objective"),
        targets=store.query("SELECT * FROM target ORDER BY indicator, year"),
        activities=store.query("SELECT a.*, p.name AS process_name FROM activity a "
                               "JOIN process p ON p.code = a.process ORDER BY position"),
        roles=store.query("SELECT text FROM responsible_role ORDER BY position")["text"].tolist(),
    )


def activity_progress(store: Store, as_of: date) -> pd.DataFrame:
    """Each activity's progress history up to the cut-off."""
    return store.query("SELECT * FROM activity_progress WHERE as_of <= ? ORDER BY activity, as_of", [as_of])
