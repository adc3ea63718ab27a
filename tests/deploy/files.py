"""The deployment files of deploy/, read and rendered for a test machine.

The tests never keep a copy of a unit or of the nginx site: they read the very files the entity's IT
staff install and replace only what must differ on a test machine (the install folder, ports,
certificate paths). Each replaced text must be present, so a change to a file that a test no longer
matches fails loudly instead of testing something else.
"""
from __future__ import annotations

import os
import shlex
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.browser.helpers import AppServer, stop_group

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALL_DIR = "/opt/personeria/tablero"        # where deploy/README.md installs the code
ENV_FILE = "/etc/personeria/tablero.env"
HOSTNAME = "tablero.personeria.local"           # the site's server_name
APP_PORT = 8501
NGINX = "/usr/sbin/nginx"


def replaced(text: str, replacements: dict[str, str], name: str) -> str:
    for old, new in replacements.items():
        assert old in text, f"{name} no longer contains {old!r}: update the deployment test"
        text = text.replace(old, new)
    return text


def unit(name: str) -> str:
    return (DEPLOY / "systemd" / name).read_text(encoding="utf-8")


def directives(text: str, key: str) -> list[str]:
    """The values of every `key=` line of a unit file."""
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{key}=")]


def render_unit(name: str, env_file: Path) -> str:
    """The unit as installed in this checkout, with its environment file at `env_file`."""
    return replaced(unit(name), {INSTALL_DIR: str(ROOT), ENV_FILE: str(env_file)}, name)


def exec_start(name: str, env_file: Path) -> list[str]:
    (line,) = directives(render_unit(name, env_file), "ExecStart")
    return shlex.split(line)


def option(cmd: list[str], flag: str) -> str:
    return cmd[cmd.index(flag) + 1]


def with_option(cmd: list[str], flag: str, value: str) -> list[str]:
    out = list(cmd)
    out[out.index(flag) + 1] = value
    return out


@dataclass
class UnitAppServer(AppServer):
    """The dashboard started exactly as tablero.service starts it: its ExecStart, environment file and
    working directory (only the port may differ, so that tests can run side by side)."""

    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> "UnitAppServer":
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env={**os.environ, **self.env}, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_healthy()
        return self


def backup_command(folder: Path, db_path: Path) -> list[str]:
    return exec_start("tablero-respaldo.service", write_env_file(folder, db_path))


def run_backup(folder: Path, db_path: Path) -> subprocess.CompletedProcess:
    """tablero-respaldo.service's ExecStart, with its working directory and environment file."""
    env_file = write_env_file(folder, db_path)
    return subprocess.run(exec_start("tablero-respaldo.service", env_file), cwd=ROOT,
                          env={"PATH": os.environ["PATH"], **env_values(env_file)}, capture_output=True, text=True,
                          timeout=300)


def dashboard_as_installed(folder: Path, db_path: Path, port: int) -> UnitAppServer:
    """tablero.service's dashboard on `db_path` (through the example environment file), not yet started."""
    env_file = write_env_file(folder, db_path)
    text = render_unit("tablero.service", env_file)
    assert directives(text, "WorkingDirectory") == [str(ROOT)]
    command = with_option(exec_start("tablero.service", env_file), "--server.port", str(port))
    return UnitAppServer(db_path=db_path, log_path=folder / "streamlit.log", port=port, command=command,
                         env=env_values(env_file))


def write_env_file(folder: Path, db_path: Path) -> Path:
    """deploy/tablero.env.ejemplo with the database moved to `db_path`."""
    text = (DEPLOY / "tablero.env.ejemplo").read_text(encoding="utf-8")
    (example,) = [line for line in text.splitlines() if line.startswith("PERSONERIA_DB=")]
    path = folder / "tablero.env"
    path.write_text(replaced(text, {example: f"PERSONERIA_DB={db_path}"}, "tablero.env.ejemplo"), encoding="utf-8")
    return path


def env_values(path: Path) -> dict[str, str]:
    """KEY=value lines, as systemd's EnvironmentFile reads them (no quotes used in ours)."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def site() -> str:
    return (DEPLOY / "nginx" / "tablero.conf").read_text(encoding="utf-8")


def render_nginx(folder: Path, http_port: int, https_port: int, app_port: int, cert: Path, key: Path) -> Path:
    """An nginx.conf in `folder` that includes the project's site with test ports and certificate."""
    text = replaced(site(), {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen [::]:443 ssl;": "",
        f"/etc/ssl/certs/{HOSTNAME}.pem": str(cert),
        f"/etc/ssl/private/{HOSTNAME}.key": str(key),
        f"127.0.0.1:{APP_PORT}": f"127.0.0.1:{app_port}",
    }, "deploy/nginx/tablero.conf")
    (folder / "tablero.conf").write_text(text, encoding="utf-8")
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")   # root's workers would otherwise be nobody, locked out of tmp
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} info;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}\n    include {folder / 'tablero.conf'};\n}}\n",
        encoding="utf-8")
    return conf


def require_nginx() -> None:
    assert os.access(NGINX, os.X_OK), f"{NGINX} not found: run `bash scripts/setup.sh` (it installs Debian's nginx)"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for the site's hostname."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl not found: run `bash scripts/setup.sh` (it installs Debian's openssl)"
    cert, key = folder / "tablero.pem", folder / "tablero.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    f"/CN={HOSTNAME}", "-addext", f"subjectAltName=DNS:{HOSTNAME}", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


class Nginx:
    """nginx in the foreground, as a child of the test, with everything under a temporary prefix."""

    def __init__(self, conf: Path):
        self.conf, self.folder = conf, conf.parent
        self.process: subprocess.Popen | None = None

    def start(self, https_port: int, timeout: float = 20) -> "Nginx":
        require_nginx()
        with open(self.folder / "stderr.log", "wb") as err:
            self.process = subprocess.Popen([NGINX, "-p", str(self.folder), "-c", str(self.conf), "-g", "daemon off;"],
                                            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with code {self.process.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx not listening after {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        stop_group(self.process)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in (self.folder / "stderr.log", self.folder / "error.log")
                         if p.exists())


def fetch(url: str, host: str = HOSTNAME, method: str = "GET", data: bytes | None = None) -> tuple[int, dict, bytes]:
    """One request to nginx on 127.0.0.1 with the site's Host header; redirects are not followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE   # the throwaway certificate
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, data=data, method=method, headers={"Host": host})
    try:
        with opener.open(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
