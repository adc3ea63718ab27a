"""The store: the demo built from data/seed/, migrations recorded, clear Spanish errors."""
import subprocess
import sys
import textwrap
import tomllib
from datetime import date

import duckdb
import pytest

from metrics import seed
from metrics.periods import period_end, term_end
from metrics.store import Store, StoreError, migrations


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = seed.open_demo(path, today=date(2026, 11, 25))
    yield store
    store.close()


def test_term_end_is_last_day_of_february_four_years_later():
    assert term_end(2020) == date(2024, 2, 29)
    assert term_end(2024) == date(2028, 2, 29)
    assert term_end(2021) == date(2025, 2, 28)


def test_period_ends():
    assert period_end(2024, "T", 3) == date(2024, 9, 30)
    assert period_end(2024, "M", 2) == date(2024, 2, 29)
    assert period_end(2023, "S", 2) == date(2023, 12, 31)
    with pytest.raises(ValueError, match="no existe"):
        period_end(2024, "T", 5)


def test_plans_follow_the_personero_term(demo):
    plans = demo.query("SELECT code, start_date, end_date, vision_horizon FROM plan ORDER BY start_date")
    assert list(plans["code"]) == ["PEI-2020", "PEI-2024"]
    assert plans["end_date"].dt.date.tolist() == [date(2024, 2, 29), date(2028, 2, 29)]
    assert plans["vision_horizon"].iloc[0].date() == date(2024, 12, 31)


def test_policy_texts_are_word_for_word(demo):
    document = (seed.SEED_DIR / "politica-gobierno-digital-DE-P-007.md").read_text(encoding="utf-8")
    plan = tomllib.loads((seed.SEED_DIR / "entity.toml").read_text(encoding="utf-8"))
    entity = demo.query("SELECT * FROM entity").iloc[0]
    texts = [entity["mission"], entity["vision"], *demo.query("SELECT text FROM objective")["text"],
             *demo.query("SELECT text FROM activity")["text"], *demo.query("SELECT text FROM responsible_role")["text"]]
    assert entity["mission"] == plan["entity"]["mission"]
    assert len(demo.query("SELECT * FROM activity")) == 6
    assert demo.scalar("SELECT count(*) FROM objective WHERE kind = 'especifico'") == 3
    assert [t for t in texts if t not in document] == []


def test_catalogue_is_complete(demo):
    assert demo.scalar("SELECT count(*) FROM indicator") >= 30
    assert demo.scalar("SELECT count(*) FROM indicator i WHERE NOT EXISTS "
                       "(SELECT 1 FROM target t WHERE t.indicator = i.code)") == 0
    assert demo.scalar("SELECT count(*) FROM indicator i WHERE NOT EXISTS "
                       "(SELECT 1 FROM indicator_objective l WHERE l.indicator = i.code)") == 0
    assert demo.scalar("SELECT count(DISTINCT type) FROM process") == 4


def test_demo_values_stop_before_today_and_tell_a_story(demo):
    assert demo.scalar("SELECT max(recorded_at) FROM measurement").date() < date(2026, 11, 25)
    assert demo.scalar("SELECT min(year) FROM measurement") == 2020
    assert demo.scalar("SELECT count(*) FROM measurement WHERE supersedes IS NOT NULL") >= 1
    assert demo.scalar("SELECT count(*) FROM indicator i WHERE NOT EXISTS "
                       "(SELECT 1 FROM measurement m WHERE m.indicator = i.code)") >= 1
    assert demo.scalar("SELECT value FROM setting WHERE key = 'demo'") == "true"


def test_demo_generation_is_deterministic(tmp_path):
    a = seed.open_demo(tmp_path / "a.duckdb", today=date(2025, 3, 1))
    b = seed.open_demo(tmp_path / "b.duckdb", today=date(2025, 3, 1))
    q = "SELECT indicator, year, period, value, recorded_at FROM measurement ORDER BY ALL"
    assert a.query(q).equals(b.query(q))
    a.close(), b.close()


def test_schema_version_is_recorded(demo):
    assert demo.schema_version() == migrations()[-1][0]


def test_schema_newer_than_code_is_refused(tmp_path):
    path = tmp_path / "future.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migration VALUES (999, 'del futuro', now())")
    con.close()
    with pytest.raises(StoreError, match="más nuevo") as err:
        Store(path)
    assert "Actualice" in err.value.hint


def test_missing_folder_is_explained(tmp_path):
    with pytest.raises(StoreError) as err:
        seed.open_store(tmp_path / "no-existe" / "x.duckdb")
    assert "cree la carpeta" in err.value.hint and "inicializar" in err.value.hint
    with pytest.raises(StoreError, match="carpeta"):
        Store(tmp_path / "no-existe" / "x.duckdb")


def test_only_the_demo_path_is_built_on_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(seed, "DEFAULT_DB", tmp_path / "demo.duckdb")
    seed.open_store(tmp_path / "demo.duckdb", today=date(2025, 3, 1)).close()
    with pytest.raises(StoreError, match="No existe la base de datos"):
        seed.open_store(tmp_path / "tablero.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb"]


def test_file_held_by_another_process_is_explained(tmp_path):
    path = tmp_path / "held.duckdb"
    Store(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError, match="en uso por otro programa") as err:
            Store(path)
        assert "PERSONERIA_DB" in err.value.hint
    finally:
        holder.kill()
        holder.wait()


def test_a_half_built_file_is_never_left_as_the_database(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("fallo simulado")
    monkeypatch.setattr(seed, "load_demo_values", broken)
    with pytest.raises(RuntimeError):
        seed.open_demo(tmp_path / "x.duckdb")
    assert list(tmp_path.iterdir()) == []   # neither the database nor the half-built file


# -- the data stamp: it changes with the figures, never with sign-ins -------------------------------
def test_the_stamp_changes_with_every_figure_and_never_with_a_sign_in(tmp_path):
    from datetime import datetime

    from metrics import accounts, plan_changes, sessions, writes
    from metrics.accounts import Rejected
    from metrics.writes import Entry
    from tests.reporting_helpers import NOW, PASSWORD, fresh_store

    store = fresh_store(tmp_path)
    try:
        stamp = store.stamp()
        with pytest.raises(Rejected):
            accounts.sign_in(store, "lider.ti", "no-es-la-clave", now=NOW)
        with pytest.raises(Rejected):
            accounts.sign_in(store, "nadie.conocido", "no-es-la-clave", now=NOW)
        accounts.sign_in(store, "lider.ti", PASSWORD, now=NOW)
        sessions.start(store, "lider.ti", now=NOW)
        accounts.change_own_password(store, "lider.ti", PASSWORD, "otra-clave-de-prueba-456", now=NOW)
        assert store.stamp() == stamp, "a sign-in, a session or a password changed the data stamp"
        assert store.scalar("SELECT count(*) FROM audit_log") > 0

        seen = {stamp}
        analysis = "Análisis de la prueba del sello de datos."

        def changed(what: str) -> None:
            now = store.stamp()
            assert now not in seen, f"{what} left the data stamp unchanged"
            seen.add(now)

        first = writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "80", analysis=analysis), now=NOW)
        changed("a value")
        second = writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "81", analysis=analysis),
                                "Se corrigió el dato del periodo", expected_id=first, now=NOW)
        changed("a correction")
        writes.void(store, "admin", "GD-06", 2025, 6, "Se anuló el dato del periodo", expected_id=second, now=NOW)
        changed("a void")
        writes.lock_periods(store, "admin", date(2025, 6, 30), now=NOW)
        changed("a period lock")
        plan_changes.save_rows(store, "admin", "target", [{"indicator": "GD-05", "year": 2025, "target": 99}],
                               "Meta ajustada por el comité de prueba", date(2025, 6, 1), now=datetime(2025, 9, 2))
        changed("a plan change")
    finally:
        store.close()


def test_the_stamp_is_read_again_only_after_a_commit(tmp_path, monkeypatch):
    """Pages ask for the stamp many times per run: it costs a query only after a write to the file."""
    from metrics import writes
    from metrics.writes import Entry
    from tests.reporting_helpers import NOW, fresh_store

    store = fresh_store(tmp_path)
    try:
        reads = []
        real_row = store.row
        monkeypatch.setattr(store, "row", lambda sql, params=None: (reads.append(sql), real_row(sql, params))[1])
        first = [store.stamp() for _ in range(5)]
        assert len(reads) <= 1 and len(set(first)) == 1
        writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "80", analysis="Análisis de la prueba."), now=NOW)
        reads.clear()
        after = [store.stamp() for _ in range(5)]
        assert len(set(after)) == 1 and after[0] != first[0], "a value did not change the stamp"
        assert len([sql for sql in reads if sql == store._stamp_sql]) == 1
    finally:
        store.close()
