"""The committee summary: what a meeting compares between the cut-off and the previous one.

Every number comes from the engine the pages use (`snapshot.compute`) and the one comparison of two
cut-offs (`snapshot.compare`); the comparison date defaults to periods.comparison_date. The PDF
(metrics.report) and the Modo reunión page both read it from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from metrics import charts, fmt
from metrics import snapshot as snapshot_mod
from metrics.actions import overdue_actions
from metrics.scoring import PlanProgress
from metrics.snapshot import Snapshot
from metrics.store import Store
from metrics.vocabulary import STATUS_ICONS, STATUS_LABELS, STATUSES, VISION_LABELS


def status_text(status: str) -> str:
    """A semáforo state as read in a report: icon and word, never the colour alone."""
    return f"{STATUS_ICONS[status]} {STATUS_LABELS[status]}"


@dataclass
class Summary:
    as_of: date
    earlier: date
    policy: float | None
    policy_status: str
    policy_before: float | None
    counts: dict[str, int]
    counts_before: dict[str, int]
    late: int
    overdue: int
    vision: PlanProgress | None        # None when no plan carries a vision
    plan_name: str | None              # the plan in force; None before the first plan starts
    first_plan_start: date | None
    worst: list[str] = field(default_factory=list)
    status_moves: list[str] = field(default_factory=list)

    @property
    def policy_change(self) -> float | None:
        """Change of the policy score in percentage points."""
        if self.policy is None or self.policy_before is None:
            return None
        return (self.policy - self.policy_before) * 100

    def sentences(self) -> list[str]:
        """The summary in plain Spanish, every number from the engine."""
        total = sum(self.counts.values())
        lines = []
        if self.policy is None:
            lines.append("La política aún no tiene puntaje: ningún objetivo específico tiene indicadores con dato.")
        else:
            lines.append(f"El puntaje de la política al {fmt.long_date(self.as_of)} es {fmt.percent(self.policy)} "
                         f"({status_text(self.policy_status)}).")
        change = self.policy_change
        if change is None:
            lines.append(f"No hay puntaje al {fmt.long_date(self.earlier)} para comparar.")
        else:
            verb = "subió" if change > 0.05 else "bajó" if change < -0.05 else "se mantuvo"
            amount = "" if verb == "se mantuvo" else f" {fmt.number(abs(change))} puntos porcentuales"
            lines.append(f"Frente al corte anterior ({fmt.long_date(self.earlier)}, "
                         f"{fmt.percent(self.policy_before)}) {verb}{amount}.")
        parts = [f"{self.counts[s]} {status_text(s)}" for s in STATUSES]
        lines.append(f"De {total} indicadores: " + ", ".join(parts[:-1]) + f" y {parts[-1]}.")
        if self.status_moves:
            lines.append(f"Cambiaron de semáforo desde el {fmt.short_date(self.earlier)}: "
                         + _listed(self.status_moves) + ".")
        lines.append(f"Reportes atrasados: {self.late} periodos vencidos sin valor registrado."
                     if self.late else "No hay reportes atrasados a la fecha de corte.")
        lines.append(f"Acciones de mejora vencidas sin cerrar: {self.overdue}.")
        if self.plan_name is None:
            start = f" (empieza el {fmt.long_date(self.first_plan_start)})" if self.first_plan_start else ""
            lines.append(f"Al {fmt.long_date(self.as_of)} aún no hay un plan estratégico en vigor{start}.")
        else:
            lines.append(f"Plan en vigor: {self.plan_name}.")
        if self.vision is not None:
            v = self.vision
            lines.append(f"Visión {v.target_year} ({v.name}): avance {fmt.percent(v.score)} con "
                         f"{fmt.percent(v.elapsed)} del tiempo transcurrido; estado: "
                         f"{VISION_LABELS.get(v.status, v.status)}.")
        if self.worst:
            lines.append("Indicadores en estado crítico: " + _listed(self.worst) + ".")
        return lines


def _listed(items: list[str]) -> str:
    """Indicators named in a sentence: the first charts.MAX_LISTED_INDICATORS and how many more, so a
    plan of thousands of indicators gives a summary a committee can read."""
    shown = items[:charts.MAX_LISTED_INDICATORS]
    rest = len(items) - len(shown)
    return "; ".join(shown) + (f"; y {fmt.count(rest, 'indicador más', 'indicadores más')}" if rest else "")


def summarize(store: Store, snap: Snapshot, before: Snapshot) -> Summary:
    """The summary of `snap` against `before` (the earlier cut-off)."""
    red = snap.indicators[snap.indicators["status"] == "rojo"]
    critical = red.loc[pd.to_numeric(red["attainment"]).sort_values(kind="stable").index]  # lowest first
    changes = snapshot_mod.compare(before, snap)
    moved = changes[(changes["kind"] == "indicador") & changes["status_changed"]]
    return Summary(
        as_of=snap.as_of, earlier=before.as_of, policy=snap.policy, policy_status=snap.policy_status,
        policy_before=before.policy, counts=snap.status_counts(), counts_before=before.status_counts(),
        late=len(snap.late), overdue=len(overdue_actions(store, snap.as_of)),
        vision=snap.vision, plan_name=None if snap.plan is None else snap.plan.name,
        first_plan_start=None if snap.first_plan is None else pd.Timestamp(snap.first_plan["start_date"]).date(),
        worst=[f"{r.code} {r.name}" for r in critical.itertuples()],
        status_moves=[f"{r.code} de {STATUS_LABELS[r.status_before]} a {STATUS_LABELS[r.status_after]}"
                      for r in moved.itertuples()],
    )
