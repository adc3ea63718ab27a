"""The final evaluation of a closed strategic plan, as a section of the PDF report (issue 11, point 3).

The evaluation itself is next_plan.final_evaluation (each indicator's last result inside the plan
against its target for the plan's last vigencia, judged by the engine's own rule); this module picks
the plan that closed by the cut-off and lays the evaluation out in Spanish for the report. The
vision is judged in the report's own vision section, on actual results once its horizon has passed.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from metrics import charts, fmt, next_plan
from metrics.plan import Plan
from metrics.store import Store
from metrics.summary import status_text
from metrics.vocabulary import STATUS_LABELS, STATUSES


def last_closed(plan: Plan, as_of: date) -> pd.Series | None:
    """The last strategic plan that ended before the cut-off (None while the first one runs)."""
    closed = plan.plans[plan.plans["end_date"].dt.date < as_of]
    return None if closed.empty else closed.sort_values("end_date").iloc[-1]


def table(final: pd.DataFrame) -> pd.DataFrame:
    """The evaluation as the report prints it (Spanish headings, formatted values)."""
    return pd.DataFrame({
        "Código": final["code"], "Indicador": final["name"],
        "Último resultado": fmt.values(final["result"], final["unit"]),
        "Vigencia": final["year"].map(lambda y: "—" if pd.isna(y) else str(int(y))),
        "Meta del plan": fmt.values(final["target"], final["unit"]),
        "Cumplimiento": fmt.percents(pd.to_numeric(final["attainment"])),
        "Semáforo": final["status"].map(status_text)})


def add_section(pdf, store: Store, plan: Plan, as_of: date) -> None:
    """The report's «Evaluación final» section of the plan closed by the cut-off; nothing while the
    first plan runs. `pdf` is the report's document (heading, para and grid). It lists the indicators
    furthest from their target (charts.worst_indicators) and counts the rest, so its length does not
    grow with the plan."""
    closing = last_closed(plan, as_of)
    if closing is None:
        return
    final = next_plan.final_evaluation(store, plan, closing, as_of)
    year = int(final["target_year"].iloc[0])
    pdf.heading(f"Evaluación final de {closing['name']}")
    counts = final["status"].value_counts()
    tally = ", ".join(f"{STATUS_LABELS[s].lower()}: {int(counts[s])}" for s in STATUSES if counts.get(s, 0))
    pdf.para(f"El plan rigió del {fmt.long_date(pd.Timestamp(closing['start_date']).date())} al "
             f"{fmt.long_date(pd.Timestamp(closing['end_date']).date())}. Para cada indicador se compara su último "
             f"resultado dentro del plan con su meta de la vigencia {year}, con la regla del semáforo del tablero ("
             f"{tally or 'sin resultados'}). La visión se juzga en la sección «Estado de la visión» con los "
             "resultados reales.")
    shown, rest = charts.worst_indicators(final)
    pdf.grid(table(shown), (16, 58, 24, 16, 24, 20, 22))
    if len(rest):
        pdf.para(f"Se listan los {len(shown)} indicadores que más requieren atención; {charts.rest_summary(rest)}. "
                 "Todos están en la página Objetivos y visión del tablero.", 9, "I")
