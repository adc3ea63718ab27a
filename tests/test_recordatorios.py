"""Email reminders against a real SMTP server (aiosmtpd, started in-process on a free port): who gets
what, Spanish dates, one record per message, no second reminder the same day, `--simular` sends nothing."""
from __future__ import annotations

import email
import email.policy
import re
import socket
from datetime import date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from metrics import mail, pending, periods, recordatorios, writes
from metrics.accounts import Rejected
from metrics.writes import Entry
from tests.reporting_helpers import NOW, fresh_store

MONDAY = NOW.date() - timedelta(days=NOW.weekday())   # the test database's demo values run up to NOW


class Inbox:
    """aiosmtpd handler keeping every message it receives."""
    def __init__(self):
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, mail.SmtpSettings("127.0.0.1", controller.port, starttls=False, user=None, password=None,
                                   sender="tablero@personeria.example")
    controller.stop()


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path, with_demo=True)
    with s.transaction() as cur:
        cur.execute("UPDATE app_user SET email = username || '@personeria.example' "
                    "WHERE username IN ('lider.ti', 'lider.ac', 'personero')")
    yield s
    s.close()


def body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_each_leader_gets_what_is_late_and_due_and_the_personero_a_weekly_digest(store, smtp):
    inbox, settings = smtp
    sent = recordatorios.run(store, MONDAY, days=10, settings=settings, out=lambda _: None)
    by_to = {to[0]: msg for to, msg in inbox.received}
    assert sent == len(inbox.received) == len(by_to)
    assert set(by_to) == {"lider.ti@personeria.example", "lider.ac@personeria.example", "personero@personeria.example",
                          "lider.ti.demo@personeria.example", "personero.demo@personeria.example"}  # demo accounts too
    assert not any("consulta" in to or "admin" in to for to in by_to)   # only leaders and the Personero

    ti = by_to["lider.ti@personeria.example"]
    owed = pending.owed(store, MONDAY, "TI", within_days=10)
    assert not owed.empty
    assert ti["Subject"].startswith("Tablero Gobierno Digital:") and "(TI)" in ti["Subject"]
    text = body(ti)
    for r in owed.itertuples():   # every period owed, with its deadline dd/mm/aaaa
        assert f"- {r.indicator} · {r.name}: periodo {r.label}, plazo {r.deadline:%d/%m/%Y}" in text
    assert "Buenos días, Lider.Ti:" in text and "Mis pendientes" in text
    other = pending.owed(store, MONDAY, "AC", within_days=10)
    assert not any(f"{r.indicator} · {r.name}" in text for r in other.itertuples())   # only their own process

    digest = body(by_to["personero@personeria.example"])
    assert by_to["personero@personeria.example"]["Subject"] == \
        f"Tablero Gobierno Digital: resumen semanal al {MONDAY:%d/%m/%Y}"
    assert re.search(r"Puntaje de la política: \d+,\d %", digest)          # 85,5 %
    assert f"Qué cambió desde el {periods.comparison_date(MONDAY):%d/%m/%Y}" in digest
    late = pending.attention(store, MONDAY).late
    assert f"Reportes atrasados: {len(late)}." in digest

    rows = store.query("SELECT username, kind, indicator, year, period FROM reminder_sent ORDER BY id")
    assert len(rows[rows["username"] == "lider.ti"]) == len(owed)      # one record per period reminded
    assert rows[rows["kind"] == "personero"]["indicator"].isna().all()
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'enviar_recordatorio'") == sent


def test_a_second_run_the_same_day_sends_nothing_again_and_the_next_day_reminds_again(store, smtp):
    inbox, settings = smtp
    first = recordatorios.run(store, MONDAY, settings=settings, out=lambda _: None)
    assert first == len(inbox.received) > 0
    assert recordatorios.run(store, MONDAY, settings=settings, out=lambda _: None) == 0
    assert len(inbox.received) == first
    tuesday = MONDAY + timedelta(days=1)
    recordatorios.run(store, tuesday, settings=settings, out=lambda _: None)
    again = [to[0] for to, _ in inbox.received[first:]]
    assert "lider.ti@personeria.example" in again                   # a late period is reminded every day
    assert "personero@personeria.example" not in again              # the digest: once a week


def test_a_period_reported_is_no_longer_reminded(store, smtp):
    inbox, settings = smtp
    first = pending.owed(store, MONDAY, "TI").iloc[0]
    writes.report(store, "lider.ti", Entry(first["indicator"], first["year"], first["period"], "1",
                                           analysis="Reporte de prueba del periodo"),
                  now=datetime.combine(MONDAY, datetime.min.time()))
    recordatorios.run(store, MONDAY, settings=settings, out=lambda _: None)
    line = f"- {first['indicator']} · {first['name']}: periodo {first['label']},"
    ti = [body(msg) for to, msg in inbox.received if to[0].startswith("lider.ti")]
    assert inbox.received and all(line not in text for text in ti)


def test_simulate_prints_and_sends_and_records_nothing(store, smtp, capsys):
    inbox, _ = smtp
    lines = []
    n = recordatorios.run(store, MONDAY, simulate=True, out=lines.append)
    assert n > 0 and inbox.received == []
    assert store.scalar("SELECT count(*) FROM reminder_sent") == 0
    printed = "\n".join(lines)
    assert "Para: lider.ti@personeria.example" in printed and "no se envió nada" in printed


def test_settings_come_from_the_environment_and_missing_ones_are_named():
    with pytest.raises(Rejected, match="TABLERO_SMTP_HOST"):
        mail.SmtpSettings.from_env({"TABLERO_SMTP_FROM": "a@b.co"})
    s = mail.SmtpSettings.from_env({"TABLERO_SMTP_HOST": "smtp.personeria.example", "TABLERO_SMTP_FROM": "t@p.co",
                                    "TABLERO_SMTP_USER": "tablero", "TABLERO_SMTP_PASSWORD": "x"})
    assert (s.port, s.starttls, s.user) == (587, True, "tablero")
    with pytest.raises(Rejected, match="STARTTLS"):
        mail.SmtpSettings.from_env({"TABLERO_SMTP_HOST": "h", "TABLERO_SMTP_FROM": "t@p.co",
                                    "TABLERO_SMTP_STARTTLS": "quizá"})


def test_the_command_line_sends_through_the_server_named_in_the_environment(store, smtp, monkeypatch, capsys):
    inbox, settings = smtp
    path = store.path
    store.close()                                   # the command opens the file itself, as the timer does
    for name, value in {"HOST": "127.0.0.1", "PORT": str(settings.port), "STARTTLS": "no",
                        "FROM": "tablero@personeria.example"}.items():
        monkeypatch.setenv(f"TABLERO_SMTP_{name}", value)
    assert recordatorios.main(["--db", str(path), "--hoy", MONDAY.isoformat(), "--dias", "5"]) == 0
    assert inbox.received and all(m["From"] == "tablero@personeria.example" for _, m in inbox.received)
    assert "Se enviaron" in capsys.readouterr().out
    assert recordatorios.main(["--db", str(path), "--hoy", MONDAY.isoformat(), "--simular"]) == 0
    assert "se enviarían 0 mensajes" in capsys.readouterr().out     # all recorded: nothing left for today
    monkeypatch.delenv("TABLERO_SMTP_HOST")
    with monkeypatch.context() as m:
        m.setattr(recordatorios, "reminders", lambda *a, **k: [recordatorios.Reminder("x", "x@y.co", "lider", "s", "b")])
        assert recordatorios.main(["--db", str(path), "--hoy", MONDAY.isoformat()]) == 1
    assert "TABLERO_SMTP_HOST" in capsys.readouterr().err
