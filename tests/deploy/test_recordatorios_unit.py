"""The reminders' systemd units: they pass `systemd-analyze verify`, run daily, free the database as
the backup does, and their command really runs (with --simular) against a database."""
import shutil
import subprocess
import sys

from metrics import seed
from tests.deploy import files

def test_the_timer_runs_the_reminders_every_morning_and_the_service_frees_the_database():
    timer = files.unit("tablero-recordatorios.timer")
    assert files.directives(timer, "OnCalendar") == ["*-*-* 06:30:00"]
    assert files.directives(timer, "Persistent") == ["true"]
    service = files.unit("tablero-recordatorios.service")
    assert files.directives(service, "EnvironmentFile") == [files.ENV_FILE]
    (stop,) = files.directives(service, "ExecStartPre")
    (start,) = files.directives(service, "ExecStopPost")
    assert "systemctl stop tablero.service" in stop and "systemctl start tablero.service" in start


def test_the_units_command_runs_against_a_database(tmp_path):
    db = tmp_path / "demo.duckdb"
    seed.open_demo(db).close()
    command = files.exec_start("tablero-recordatorios.service", tmp_path / "tablero.env")
    assert command[1:3] == ["-m", "metrics.recordatorios"]
    out = subprocess.run([sys.executable, *command[1:], "--db", str(db), "--simular"], capture_output=True,
                         text=True, timeout=300, cwd=files.ROOT)
    assert out.returncode == 0, out.stderr
    assert "Para: lider.ti.demo@personeria.example" in out.stdout and "no se envió nada" in out.stdout
