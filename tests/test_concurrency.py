"""Safe under real use: many sessions saving at once, races on the same period, a second process."""
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta

from metrics import bulk, values, writes
from metrics.accounts import Rejected
from tests.reporting_helpers import NOW, fresh_store
from tests.test_bulk import workbook

THREADS, SAVES = 20, 50


def test_twenty_threads_fifty_saves_each_all_stored(tmp_path):
    store = fresh_store(tmp_path)
    # each thread owns one monthly indicator-period: the first save reports it, the next 49 correct it
    slots = [(code, year, month) for code in ("GD-06", "GD-07", "GD-14") for year in (2023, 2024)
             for month in range(1, 13)][:THREADS]
    errors, saved = [], []
    start = threading.Barrier(THREADS)

    def work(slot):
        code, year, month = slot
        start.wait()
        last = None
        try:
            for i in range(SAVES):
                entry = writes.Entry(code, year, month, str(90 + i % 10), analysis="Prueba de concurrencia")
                if last is None:
                    last = writes.report(store, "admin", entry, now=NOW)
                else:
                    last = writes.correct(store, "admin", entry, f"Corrección número {i}", expected_id=last,
                                             now=NOW + timedelta(microseconds=i))
                saved.append(last)
        except Exception as exc:  # noqa: BLE001 - any failure fails the test below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(s,)) for s in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(saved) == THREADS * SAVES == store.scalar("SELECT count(*) FROM measurement")
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action IN ('reportar', 'corregir')") == THREADS * SAVES
    store.close()


def test_two_people_reporting_the_same_period_one_wins_the_other_is_told_why(tmp_path):
    store = fresh_store(tmp_path)
    results = []
    start = threading.Barrier(2)

    def save(user, value):
        start.wait()
        try:
            results.append(("ok", writes.report(store, user, writes.Entry("GD-06", 2025, 6, value), now=NOW)))
        except Rejected as exc:
            results.append(("rejected", exc.message))

    threads = [threading.Thread(target=save, args=a) for a in (("lider.ti", "99"), ("admin", "98"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for r in results) == ["ok", "rejected"]
    message = next(r[1] for r in results if r[0] == "rejected")
    assert "ya fue reportado" in message and "Corregir" in message
    assert store.scalar("SELECT count(*) FROM measurement") == 1
    store.close()


def test_two_corrections_of_the_same_version_the_second_is_told_why(tmp_path):
    store = fresh_store(tmp_path)
    first = writes.report(store, "lider.ti", writes.Entry("GD-06", 2025, 6, "99"), now=NOW)
    outcomes = []
    start = threading.Barrier(2)

    def fix(user, value):
        start.wait()
        try:
            writes.correct(store, user, writes.Entry("GD-06", 2025, 6, value, analysis="Caída del enlace"),
                              "Ajuste del valor medido",
                              expected_id=first, now=NOW)
            outcomes.append("ok")
        except Rejected as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=fix, args=a) for a in (("lider.ti", "98"), ("admin", "97"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert any("Otra persona cambió" in o for o in outcomes)
    assert store.scalar("SELECT count(*) FROM measurement") == 2
    store.close()


def test_a_second_process_gets_a_clear_message(tmp_path):
    store = fresh_store(tmp_path)
    code = ("from metrics.store import Store, StoreError\n"
            "try:\n    Store(r'%s')\nexcept StoreError as e:\n    print(e.message); print(e.hint)\n" % store.path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "está en uso por otro programa" in out.stdout, out.stderr
    store.close()


class WatchedLock:
    """The store's write lock, telling the test when a thread other than the holder starts waiting."""

    def __init__(self, lock, holder: threading.Thread):
        self.lock, self.holder, self.waiting = lock, holder, threading.Event()

    def __enter__(self):
        if threading.current_thread() is not self.holder:
            self.waiting.set()
        return self.lock.__enter__()

    def __exit__(self, *exc):
        return self.lock.__exit__(*exc)


def test_a_void_waiting_behind_a_bulk_import_is_stamped_after_it_and_is_in_force(tmp_path, monkeypatch):
    """Issue 9, point 7: the void's time is read inside the write lock, after the import commits, so
    time stamps follow the commit order, and the void is the version in force."""
    store = fresh_store(tmp_path)
    first = writes.report(store, "lider.ti", writes.Entry("GD-06", 2025, 6, "99"))
    inside, release = threading.Event(), threading.Event()
    real_write = bulk.write

    def slow_write(cur, prepared, action, now):  # the import holds the write lock until the test lets it go
        inside.set()
        release.wait(60)
        return real_write(cur, prepared, action, now)

    monkeypatch.setattr(bulk, "write", slow_write)
    rows = [{"indicator": "GD-06", "year": 2025, "period": p, "value": 99, "analysis": "Carga del semestre"}
            for p in range(1, 6)]
    outcome = {}
    importer = threading.Thread(target=lambda: outcome.update(
        imported=bulk.import_workbook(store, "lider.ti", workbook(rows))))
    importer.start()
    assert inside.wait(60)
    lock = WatchedLock(store._write_lock, importer)
    monkeypatch.setattr(store, "_write_lock", lock)
    voider = threading.Thread(target=lambda: outcome.update(voided=writes.void(
        store, "admin", "GD-06", 2025, 6, "Valor cargado por error", expected_id=first)))
    voider.start()
    assert lock.waiting.wait(60)        # the void is waiting for the import to finish
    released_at = datetime.now()
    release.set()
    importer.join(60)
    voider.join(60)
    assert outcome["imported"].written == 5
    rows = store.query("SELECT id, recorded_at, is_void FROM measurement ORDER BY id")
    assert rows["recorded_at"].is_monotonic_increasing              # time stamps follow the commit order
    void_row = rows[rows["is_void"]].iloc[0]
    assert int(void_row["id"]) == outcome["voided"] == rows["id"].max()
    assert void_row["recorded_at"] >= released_at                   # read inside the lock, not while waiting
    in_force = values.current_values(store, date.today(), indicator="GD-06")
    assert sorted(in_force["period"]) == [1, 2, 3, 4, 5]           # June 2025 is voided: the void is in force
    store.close()


def test_a_void_and_a_correction_of_the_same_version_one_wins_the_other_is_told_why(tmp_path):
    store = fresh_store(tmp_path)
    first = writes.report(store, "lider.ti", writes.Entry("GD-06", 2025, 6, "99"))
    outcomes = []
    start = threading.Barrier(2)

    def attempt(change):
        start.wait()
        try:
            change()
            outcomes.append("ok")
        except Rejected as exc:
            outcomes.append(exc.message)

    changes = (lambda: writes.void(store, "admin", "GD-06", 2025, 6, "Valor cargado por error", expected_id=first),
               lambda: writes.correct(store, "lider.ti", writes.Entry("GD-06", 2025, 6, "98", analysis="Caída"),
                                      "Ajuste del valor medido", expected_id=first))
    threads = [threading.Thread(target=attempt, args=(c,)) for c in changes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1 and any("Otra persona cambió" in o for o in outcomes)
    last = store.query("SELECT * FROM measurement ORDER BY id DESC LIMIT 1").iloc[0]
    in_force = writes.version_in_force(store, "GD-06", 2025, 6)
    assert int(in_force["id"]) == int(last["id"]) and last["supersedes"] == first
    store.close()
