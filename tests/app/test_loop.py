"""AppTest: the leader's loop (Mis pendientes → Reportar → the next period) and the Personero's landing page."""
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from metrics import accounts, pending, writes
from metrics.accounts import User
from tests.reporting_helpers import PASSWORD, fresh_store

LIDER = User("lider.ti", "Lider.Ti", "lider", "TI")


@pytest.fixture
def db(tmp_path, monkeypatch):
    store = fresh_store(tmp_path, with_demo=True)
    accounts.set_anonymous_reading(store, None, False)
    store.close()
    monkeypatch.setenv("PERSONERIA_DB", str(tmp_path / "test.duckdb"))
    from ui import state
    yield state._store(str(tmp_path / "test.duckdb"))
    state._store.clear()


def sign_in(name: str) -> AppTest:
    at = AppTest.from_file("../../dashboard.py", default_timeout=60).run()
    at.text_input(key="ingreso_usuario").input(name)
    at.text_input(key="ingreso_clave").input(PASSWORD)
    next(b for b in at.button if b.label == "Ingresar").click()
    return at.run()


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [t.value for t in at.title] + [c.value for c in at.caption])


def test_a_leader_lands_on_mis_pendientes_with_what_the_process_owes_and_a_link_to_report_each(db):
    at = sign_in("lider.ti")
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Mis pendientes"]
    owed = pending.owed(db, date.today(), "TI")
    assert len(owed) >= 2 and list(owed["deadline"]) == sorted(owed["deadline"])
    body = texts(at)
    first = owed.iloc[0]
    assert f"plazo {first['deadline']:%d/%m/%Y}" in body                  # dates dd/mm/aaaa
    links = at.get("page_link")
    assert [link.proto.label for link in links] == [f"Reportar {x}" for x in owed["label"]]   # by due date
    query = links[0].proto.query_string
    assert f"indicador={first['indicator']}" in query and f"anio={first['year']}" in query


def test_other_roles_keep_resumen_at_the_root(db):
    at = sign_in("consulta")
    assert not at.exception
    assert "Mis pendientes" not in [t.value for t in at.title]


def value_box(at: AppTest):
    return next(t for t in at.text_input if str(t.key).startswith("rep_valor_"))


def open_report(at: AppTest, code: str, year: int, period: int) -> AppTest:
    """What the link of Mis pendientes does: Reportar with the period in the query."""
    at.query_params.update({"indicador": code, "anio": str(year), "periodo": str(period)})
    at.switch_page("app_pages/reportar.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_link_opens_that_period_and_after_a_save_the_form_moves_to_the_next_one_cleared(db):
    owed = pending.owed(db, date.today(), "TI")
    counts = owed["indicator"].value_counts()
    code = counts.index[0]
    mine = owed[owed["indicator"] == code]          # by due date
    assert len(mine) >= 3, "the test needs an indicator owing three periods"
    middle, oldest = mine.iloc[1], mine.iloc[0]
    last = db.query("SELECT value FROM measurement WHERE indicator = ? AND NOT is_void ORDER BY period_end DESC "
                    "LIMIT 1", [code])
    typed = f"{last['value'].iloc[0]:g}".replace(".", ",") if not last.empty else "1"   # within its history
    at = open_report(sign_in("lider.ti"), code, int(middle["year"]), int(middle["period"]))
    assert at.selectbox(key="rep_indicador").value == code
    assert value_box(at).key == f"rep_valor_{code}_{middle['year']}_{middle['period']}"
    value_box(at).input(typed).run()
    next(a for a in at.text_area if str(a.key).startswith("rep_analisis_")).input("Reporte del periodo con sus causas").run()
    next(b for b in at.button if b.label == "Guardar reporte").click()
    at.run()
    assert not at.exception
    assert any(f"Se guardó el reporte de {code} {middle['label']}: " in s.value for s in at.success)
    # the next period owed by due date (the oldest left), not the newest the chooser lists first; cleared
    assert value_box(at).key == f"rep_valor_{code}_{oldest['year']}_{oldest['period']}" and value_box(at).value == ""
    assert any(b.label == "Guardar reporte" for b in at.button)                          # not «Guardar corrección»
    assert db.scalar("SELECT count(*) FROM measurement WHERE recorded_by = 'lider.ti'") == 1


def test_a_correction_starts_from_the_value_analysis_and_evidence_in_force(db):
    row = db.query("SELECT * FROM measurement WHERE indicator = 'GD-06' AND evidence_url IS NOT NULL "
                   "AND analysis IS NOT NULL ORDER BY period_end DESC, id DESC LIMIT 1").iloc[0]
    at = open_report(sign_in("lider.ti"), "GD-06", int(row["year"]), int(row["period"]))
    assert value_box(at).key == f"rep_valor_GD-06_{row['year']}_{row['period']}"
    assert value_box(at).value.replace(",", ".") == f"{row['value']:g}"
    assert next(a for a in at.text_area if str(a.key).startswith("rep_analisis_")).value == row["analysis"]
    assert next(t for t in at.text_input if str(t.key).startswith("rep_evidencia_")).value == row["evidence_url"]
    assert any(b.label == "Guardar corrección" for b in at.button)
    next(t for t in at.text_area if str(t.key).startswith("rep_motivo_")).input("Se recalculó con el informe").run()
    next(b for b in at.button if b.label == "Guardar corrección").click()
    at.run()
    assert not at.exception
    saved = db.query("SELECT * FROM measurement WHERE recorded_by = 'lider.ti'").iloc[0]
    assert (saved["value"], saved["analysis"], saved["evidence_url"]) == (row["value"], row["analysis"],
                                                                          row["evidence_url"])


def test_an_outlier_asks_to_confirm_and_to_explain_before_saving(db):
    at = open_report(sign_in("lider.ti"), "GD-06", 2025, 6)
    if any(b.label == "Guardar corrección" for b in at.button):
        next(t for t in at.text_area if str(t.key).startswith("rep_motivo_")).input("Dato revisado con TI").run()
    value_box(at).input("9,5").run()                  # a typo for 95: far from GD-06's history (about 99 %)
    assert any("muy lejos de la historia" in w.value for w in at.warning)
    analysis = next(a for a in at.text_area if str(a.key).startswith("rep_analisis_"))
    analysis.input("").run()
    save = next(b for b in at.button if b.label.startswith("Guardar"))
    before = db.scalar("SELECT count(*) FROM measurement")
    save.click()
    at.run()
    assert any("confirme que es correcto" in e.value for e in at.error)
    at.checkbox[0].check().run()
    next(b for b in at.button if b.label.startswith("Guardar")).click()
    at.run()
    assert any("explique en el análisis" in e.value for e in at.error)
    assert db.scalar("SELECT count(*) FROM measurement") == before
    next(a for a in at.text_area if str(a.key).startswith("rep_analisis_")).input(
        "Caída del centro de datos durante doce días").run()
    next(b for b in at.button if b.label.startswith("Guardar")).click()
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert db.scalar("SELECT count(*) FROM measurement") == before + 1


def test_the_personero_lands_on_what_needs_attention(db):
    at = sign_in("personero")
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Mis pendientes"]
    assert {m.label for m in at.metric} == {"En rojo", "Desactualizados", "Reportes atrasados", "Acciones vencidas"}
    late = next(m for m in at.metric if m.label == "Reportes atrasados")
    assert int(late.value) > 0
    headings = texts(at)
    for heading in ("Indicadores en rojo", "Indicadores desactualizados", "Reportes atrasados",
                    "Acciones de mejora vencidas"):
        assert heading in headings
    tables = [d.value for d in at.dataframe]
    assert any("Días de atraso" in t.columns for t in tables)


def test_the_administrator_sets_the_email_that_receives_the_reminders(db):
    at = sign_in("admin")
    at.switch_page("app_pages/administrar.py").run()
    at.selectbox(key="adm_cuenta").select("lider.ti").run()
    at.text_input(key="adm_correo_lider.ti").input("lider.ti@personeriacartagena.gov.co").run()
    next(b for b in at.button if b.label == "Guardar cambios de la cuenta").click()
    at.run()
    assert not at.exception
    assert db.scalar("SELECT email FROM app_user WHERE username = 'lider.ti'") == "lider.ti@personeriacartagena.gov.co"


def test_the_privacy_notice_states_the_email_purpose(db):
    at = AppTest.from_file("../../dashboard.py", default_timeout=60).run()
    notice = next(e for e in at.expander if "Aviso de privacidad" in e.label)
    assert "recordatorios" in " ".join(m.value for m in notice.markdown)


def test_a_missing_evidence_link_is_blank_on_indicador_never_none(db):
    row = db.query("SELECT year, period, value FROM measurement WHERE indicator = 'GD-06' "
                   "ORDER BY period_end DESC LIMIT 1").iloc[0]
    writes.correct(db, "admin", writes.Entry("GD-06", int(row["year"]), int(row["period"]), f"{row['value']:g}"),
                   "Se quitó el enlace roto de la evidencia")          # a correction with no evidence link
    at = sign_in("lider.ti")
    at.query_params["indicador"] = "GD-06"
    at.switch_page("app_pages/indicador.py").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Evidencia" in d.value.columns)
    assert table["Evidencia"].iloc[0] == ""
    assert not table[["Análisis", "Evidencia"]].isna().any().any()
    assert "None" not in table[["Análisis", "Evidencia"]].astype(str).to_numpy()
