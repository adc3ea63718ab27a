"""Safe under real use: many sessions saving at once, races on the same period, a second process."""
import subprocess
import sys
import threading
from datetime import timedelta

from metrics import writes
from metrics.accounts import Rejected
from tests.reporting_helpers import NOW, fresh_store

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
