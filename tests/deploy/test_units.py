"""The deployment files agree with each other and with the app, and the nightly backup really works.

systemd itself does not run in a container, so the units are checked with `systemd-analyze verify`
(it also checks that every command exists in this checkout), and the backup unit's command is run
exactly as the unit runs it, with its environment file, against a real database.
"""
import re
import shutil
import subprocess
from pathlib import Path

from metrics import seed
from tests.browser.helpers import find_free_port
from tests.deploy import files
from tests.deploy.files import ENV_FILE, HOSTNAME, ROOT

UNITS = ["tablero.service", "tablero-respaldo.service", "tablero-respaldo.timer", "tablero-recordatorios.service",
         "tablero-recordatorios.timer"]


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze not found (Debian package systemd): it checks the units"
    env_file = files.write_env_file(tmp_path, tmp_path / "tablero.duckdb")
    for name in UNITS:
        (tmp_path / name).write_text(files.render_unit(name, env_file) if name.endswith(".service")
                                     else files.unit(name), encoding="utf-8")
    out = subprocess.run([analyze, "verify", *(str(tmp_path / n) for n in UNITS)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr


def test_the_dashboard_runs_unprivileged_on_localhost_behind_the_site():
    unit = files.unit("tablero.service")
    assert files.directives(unit, "Restart") == ["on-failure"]
    assert files.directives(unit, "User") not in ([], ["root"])
    assert files.directives(unit, "EnvironmentFile") == [ENV_FILE]
    command = files.exec_start("tablero.service", ENV_FILE)
    assert Path(command[1]) == ROOT / "scripts" / "serve.py"   # streamlit run dashboard.py, warmed up first
    assert files.option(command, "--server.address") == "127.0.0.1"
    assert files.option(command, "--server.headless") == "true"
    site = files.site()
    assert f"proxy_pass http://127.0.0.1:{files.option(command, '--server.port')};" in site
    upload_mb = files.option(command, "--server.maxUploadSize")
    assert f"client_max_body_size {upload_mb}m;" in site      # nginx lets through what the app accepts
    assert re.search(r"server_name\s+" + re.escape(HOSTNAME), site)
    env = files.env_values(ROOT / "deploy" / "tablero.env.ejemplo")
    assert env["PERSONERIA_DB"].startswith("/var/lib/personeria/")   # the units' StateDirectory


def test_the_timer_runs_the_backup_every_night():
    timer = files.unit("tablero-respaldo.timer")
    assert files.directives(timer, "OnCalendar") == ["*-*-* 02:30:00"]
    assert files.directives(timer, "Persistent") == ["true"]
    service = files.unit("tablero-respaldo.service")
    assert files.directives(service, "EnvironmentFile") == [ENV_FILE]
    (stop,) = files.directives(service, "ExecStartPre")
    (start,) = files.directives(service, "ExecStopPost")   # runs after a failed backup too
    assert "systemctl stop tablero.service" in stop and "systemctl start tablero.service" in start


def test_the_nightly_backup_command_makes_a_verified_copy(tmp_path):
    """The unit's own command and environment file; tests/browser/test_browser_https.py runs it again
    while the dashboard holds the file, and sees it refused."""
    db = tmp_path / "datos" / "tablero.duckdb"
    db.parent.mkdir()
    seed.build(db)
    command = files.backup_command(tmp_path, db)
    assert command[1:] == ["-m", "metrics.admin", "respaldar", "--conservar", "14"]
    done = files.run_backup(tmp_path, db)
    assert done.returncode == 0, done.stderr
    assert "guardada y verificada" in done.stdout
    assert len(list((db.parent / "respaldos").glob("tablero-*.duckdb"))) == 1


def test_the_site_passes_nginx_t(tmp_path):
    files.require_nginx()
    cert, key = files.make_certificate(tmp_path)
    conf = files.render_nginx(tmp_path, find_free_port(), find_free_port(), find_free_port(), cert, key)
    out = subprocess.run([files.NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr


def test_the_site_redirects_http_and_upgrades_websockets():
    site = files.site()
    assert "return 301 https://$host$request_uri;" in site
    for header in ("Upgrade $http_upgrade", "Connection $connection_upgrade", "X-Forwarded-Proto $scheme",
                   "Host $http_host"):
        assert f"proxy_set_header {header};" in site
    timeout = re.search(r"proxy_read_timeout (\d+)([smhd]);", site)
    assert timeout and timeout.group(2) in "hd"   # an idle WebSocket is not cut after nginx's default 60 s
