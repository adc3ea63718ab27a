"""The policy model in force: each plan names its model, every indicator has an element in each
model, the 2022 model's names are those of Decreto 767 de 2022, and the scores group by the elements
of the model in force at the cut-off."""
from datetime import date

import pytest

from metrics import plan as plan_mod
from metrics import policy_model, snapshot
from metrics.seed import SEED_DIR, read_csv
from tests.reporting_helpers import fresh_store

DECREE_767 = {  # Decreto 767 de 2022, art. 2.2.9.1.2.1 (see data/seed/README.md for the source)
    "habilitador": {"Arquitectura", "Cultura y Apropiación", "Seguridad y Privacidad de la Información",
                    "Servicios Ciudadanos Digitales"},
    "linea_de_accion": {"Servicios y Procesos Inteligentes", "Decisiones Basadas en Datos", "Estado Abierto"},
    "iniciativa_dinamizadora": {"Proyectos de Transformación Digital",
                                "Estrategias de Ciudades y Territorios Inteligentes"},
}


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path, with_demo=True)
    yield s
    s.close()


def test_every_indicator_has_an_element_in_each_model():
    indicators = read_csv(SEED_DIR, "indicators.csv")["code"]
    elements = read_csv(SEED_DIR, "policy_elements.csv")
    mapping = read_csv(SEED_DIR, "indicator_elements.csv")
    for model in elements["model"].unique():
        mapped = mapping[mapping["model"] == model]
        assert set(mapped["indicator_code"]) == set(indicators), model
        assert mapped["indicator_code"].is_unique, model
        assert set(mapped["element"]) <= set(elements[elements["model"] == model]["code"]), model


def test_the_2022_model_names_follow_the_decree():
    elements = read_csv(SEED_DIR, "policy_elements.csv")
    ours = elements[elements["model"] == "MGD-2022"]
    assert {k: set(g["name"]) for k, g in ours.groupby("kind")} == DECREE_767
    old = elements[elements["model"] == "MGD-2018"]
    assert set(old[old["kind"] == "componente"]["name"]) == {"TIC para el Estado", "TIC para la Sociedad"}


@pytest.mark.parametrize("day, model", [(date(2024, 2, 29), "MGD-2018"), (date(2024, 3, 1), "MGD-2022")])
def test_scores_group_by_the_model_in_force(store, day, model):
    plan = plan_mod.load(store, day)
    snap = snapshot.compute(store, plan, day)
    by_element = policy_model.element_scores(store, plan, snap.indicators, day)
    assert set(by_element["model"]) == {model}
    # an element's score is the weighted attainment of its indicators, by hand for one element
    mapping = plan_mod.frame(store, "indicator_element", day)
    first = by_element.dropna(subset=["score"]).iloc[0]
    codes = mapping[(mapping["model"] == model) & (mapping["element"] == first["code"])]["indicator"]
    rows = snap.indicators[snap.indicators["code"].isin(codes) & snap.indicators["attainment"].notna()]
    hand = (rows["weight"] * rows["attainment"].astype(float)).sum() / rows["weight"].sum()
    assert first["score"] == pytest.approx(hand)


def test_a_plan_naming_an_unknown_model_is_refused(store):
    from metrics import plan_changes
    from metrics.accounts import Rejected
    row = plan_mod.frame(store, "plan", date(2025, 1, 1)).iloc[-1].to_dict() | {"policy_model": "MGD-1999"}
    with pytest.raises(Rejected, match="MGD-1999"):
        plan_changes.save_rows(store, "admin", "plan", [row], "Modelo equivocado a propósito.", date(2025, 1, 1))


# -- the next institutional plan ------------------------------------------------------------------
def test_opening_the_next_plan_carries_baselines_and_elapsed_time(store):
    from datetime import datetime

    from metrics import next_plan
    from metrics.periods import elapsed_share
    from metrics.scoring import plan_span
    now = datetime(2025, 9, 1, 10, 0)
    closing = next_plan.closing_plan(store)
    last = next_plan.last_results(store, closing, plan_mod.frame(store, "indicator", date(2028, 2, 29)), now.date())
    dropped = "GD-30"
    code = next_plan.open_next(store, "admin", "Apertura del plan 2028–2032 para el nuevo periodo.",
                               carry=[c for c in plan_mod.frame(store, "indicator")["code"] if c != dropped],
                               targets={("GD-06", 2032): 99.9}, now=now)
    assert code == "PEI-2028"
    before, after = plan_mod.load(store, date(2028, 2, 29)), plan_mod.load(store, date(2028, 3, 1))
    assert before.plan_on(date(2028, 2, 29))["code"] == "PEI-2024"
    opened = after.plan_on(date(2028, 3, 1))
    assert opened["code"] == "PEI-2028" and opened["end_date"].date() == date(2032, 2, 29)
    assert elapsed_share(*plan_span(opened), date(2028, 3, 1)) == 0
    assert elapsed_share(*plan_span(before.plan_on(date(2028, 2, 29))), date(2028, 2, 29)) == pytest.approx(1, abs=1e-3)
    # baselines: the closing plan's last result, from the new plan's start only
    gd06 = last.set_index("indicator").loc["GD-06"]
    assert after.indicator("GD-06")["baseline"] == pytest.approx(float(gd06["result"]))
    assert after.indicator("GD-06")["baseline_year"] == gd06["year"]
    assert before.indicator("GD-06")["baseline"] != after.indicator("GD-06")["baseline"]
    targets = after.targets.set_index(["indicator", "year"])["target"]
    assert targets[("GD-06", 2032)] == 99.9 and targets[("GD-06", 2030)] == targets[("GD-06", 2028)]
    assert after.indicator(dropped) is None and before.indicator(dropped) is not None
    assert after.plan_on(date(2028, 3, 1))["policy_model"] == "MGD-2022"


def test_final_evaluation_of_the_closed_plan_by_hand(store):
    from metrics import next_plan
    from metrics.scoring import judge
    day = date(2025, 6, 30)
    plan = plan_mod.load(store, day)
    closing = plan.plans.set_index("code").loc["PEI-2020"].rename("PEI-2020")
    closing["code"] = "PEI-2020"
    final = next_plan.final_evaluation(store, plan, closing, day).set_index("code")
    assert int(final["target_year"].iloc[0]) == 2023
    row = final.loc["GD-06"]
    target = plan.targets.set_index(["indicator", "year"]).at[("GD-06", 2023), "target"]
    assert row["target"] == target and row["year"] == 2023
    raw, status = judge(row["result"], target, plan.indicator("GD-06").to_dict(), plan.settings)
    assert row["attainment"] == pytest.approx(raw) and row["status"] == status
