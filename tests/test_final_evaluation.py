"""The closed plan's final evaluation in the PDF report: at a cut-off after PEI-2020 closed, the
report has its section with each indicator's last result against the plan's target, the same
numbers as next_plan.final_evaluation; while the first plan runs there is no such section."""
import re
from datetime import date
from io import BytesIO

import pypdf
import pytest

from metrics import charts, export, final_evaluation, next_plan, report, seed
from metrics import plan as plan_mod

CUT = date(2024, 12, 31)   # PEI-2020 ended on 29/02/2024


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = seed.open_demo(tmp_path_factory.mktemp("final") / "demo.duckdb", today=date(2025, 6, 30))
    export.RENDERER.start(proxy_server="http://127.0.0.1:9")  # nothing on the internet is reachable
    yield s
    s.close()


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(pdf)).pages))


def test_the_report_has_the_final_evaluation_of_the_closed_plan(store):
    plan = plan_mod.load(store, CUT)
    closing = final_evaluation.last_closed(plan, CUT)
    assert closing["code"] == "PEI-2020"
    text = text_of(report.build_pdf(store, plan, CUT))
    assert f"Evaluación final de {closing['name']}" in text
    assert "meta de la vigencia 2023" in text    # the plan's last whole vigencia (it ends on 29/02/2024)
    final = next_plan.final_evaluation(store, plan, closing, CUT)
    shown = final_evaluation.table(charts.worst_indicators(final)[0])
    assert final["result"].notna().sum() > 5
    for row in shown.head(8).itertuples():       # each indicator's last result and attainment, as computed
        assert row.Código in text and row._3 in text and row.Cumplimiento in text


def test_a_large_plan_lists_the_indicators_furthest_from_target_and_counts_the_rest(store, monkeypatch):
    """As the 4,000-indicator plan would, with the limit lowered on the demo: the section lists the
    worst indicators only, and one line counts the others by state."""
    monkeypatch.setattr(charts, "MAX_LISTED_INDICATORS", 4)
    plan = plan_mod.load(store, CUT)
    final = next_plan.final_evaluation(store, plan, final_evaluation.last_closed(plan, CUT), CUT)
    listed, rest = charts.worst_indicators(final)
    assert len(listed) == 4 and len(rest) > 0
    section = re.split(r"Estado de la visión \d{4}", text_of(report.build_pdf(store, plan, CUT)).split(
        "Evaluación final de")[1])[0]
    assert f"Se listan los 4 indicadores que más requieren atención; {charts.rest_summary(rest)}." in section
    assert all(f"{code} {name}" in section for code, name in zip(listed["code"], listed["name"]))
    assert not any(f"{code} {name}" in section for code, name in zip(rest["code"], rest["name"]))


def test_no_final_evaluation_while_the_first_plan_runs(store):
    day = date(2023, 6, 30)
    plan = plan_mod.load(store, day)
    assert final_evaluation.last_closed(plan, day) is None
    assert "Evaluación final" not in text_of(report.build_pdf(store, plan, day))
