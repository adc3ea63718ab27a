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
