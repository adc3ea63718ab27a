"""The launcher that start.sh and tablero.service run (scripts/serve.py): today's and the quarter end's
snapshots are in the shared cache before the server answers its health check, the address is printed
only after the warm-up and after the first page was drawn once, and the score history follows in the
background."""
import sys
import time
from datetime import date

from metrics import seed
from metrics.periods import comparison_date
from tests.browser.helpers import find_free_port
from tests.deploy.files import ROOT, UnitAppServer

SERVE = ROOT / "scripts" / "serve.py"
# The real launcher, with every computation of the shared cache written to a file as it happens.
RECORDING = """
import runpy, sys
from metrics import snapshot_cache

computed = snapshot_cache.SnapshotCache._count

def recorded(self, kind, compute):
    value = computed(self, kind, compute)
    as_of = value["as_of"].iloc[0] if kind == "history" else getattr(value, "as_of", "")
    with open({log!r}, "a", encoding="utf-8") as out:
        out.write(f"{{kind}} {{as_of}}\\n")
    return value

snapshot_cache.SnapshotCache._count = recorded

from ui import views

kept = views.once

def once(snap, name, build, *key):
    with open({log!r}, "a", encoding="utf-8") as out:
        out.write(f"view {{name}}\\n")
    return kept(snap, name, build, *key)

views.once = once
sys.argv = [{serve!r}, *sys.argv[1:]]
runpy.run_path({serve!r}, run_name="__main__")
"""


def test_todays_snapshot_is_cached_before_the_server_answers(tmp_path):
    db, computed = tmp_path / "demo.duckdb", tmp_path / "computed.txt"
    seed.open_demo(db).close()
    launcher = tmp_path / "recording_serve.py"
    launcher.write_text(RECORDING.format(log=str(computed), serve=str(SERVE)), encoding="utf-8")
    port = find_free_port()
    server = UnitAppServer(
        db_path=db, log_path=tmp_path / "streamlit.log", port=port, env={"PERSONERIA_DB": str(db),
                                                                          "PYTHONPATH": str(ROOT)},
        command=[sys.executable, str(launcher), "--server.headless", "true", "--server.port", str(port),
                 "--browser.gatherUsageStats", "false"])
    server.start()   # returns at the first "ok" of /_stcore/health
    try:
        at_health = computed.read_text(encoding="utf-8").splitlines() if computed.exists() else []
        today = date.today()
        assert f"snapshot {today}" in at_health and f"snapshot {comparison_date(today)}" in at_health, at_health
        assert "view semaforo" in at_health, at_health     # the first page was drawn before the address
        output = server.log()
        assert "Local URL" in output and output.index("precalentado") < output.index("Local URL"), output
        # the score history (Objetivos) follows in the background, without a visitor asking for it
        waited = 0
        while f"history {today}" not in computed.read_text(encoding="utf-8").splitlines() and waited < 600:
            time.sleep(0.5)
            waited += 0.5
        assert f"history {today}" in computed.read_text(encoding="utf-8").splitlines()
    finally:
        server.stop()

