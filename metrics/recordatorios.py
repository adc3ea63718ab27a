"""Email reminders: `python -m metrics.recordatorios [--db RUTA] [--dias N] [--simular] [--hoy AAAA-MM-DD]`.

To each leader (role lider, active, with an email): the periods of their process that are late and
those whose reporting window closes within the next N days (default 7). To the Personero (role
personero, active, with an email): a weekly digest with the policy score, the indicators that moved
since the previous committee's cut-off (periods.comparison_date) and what is late.

The weekly rule: the digest goes with the first run of each week (Monday to Sunday). With the daily
timer (deploy/recordatorios.timer) that is Monday; if Monday's run did not happen, Tuesday's sends it.

Each message sent is recorded in `reminder_sent` (migration 005) right after the server accepts it, so
a second run the same day reminds no period twice and a second run the same week sends no second
digest. `--simular` prints the messages and sends and records nothing. The SMTP server comes from the
environment (metrics/mail.py); TABLERO_URL, when set, is the address of the dashboard in the texts.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from metrics import cli, fmt, mail, pending, seed
from metrics import plan as plan_mod
from metrics.accounts import audit
from metrics.cli import SpanishParser
from metrics.periods import period_label
from metrics.store import Store, default_db_path
from metrics.vocabulary import STATUS_LABELS

DEFAULT_DAYS = 7
SENDER = "recordatorios"     # the name the audit log gives this program
LIST_LIMIT = 10              # the digest lists the ten oldest late reports and the ten largest moves


@dataclass
class Reminder:
    username: str
    email: str
    kind: str                               # 'lider' or 'personero'
    subject: str
    body: str
    periods: list[tuple[str, int, int]] = field(default_factory=list)   # (indicator, year, period) reminded


def _plural(n: int, one: str, many: str) -> str:
    return f"{fmt.number(n, 0)} {one if n == 1 else many}"


def _days(days_left: int) -> str:
    if days_left < 0:
        return f"{_plural(-days_left, 'día', 'días')} de atraso"
    return "vence hoy" if days_left == 0 else f"vence en {_plural(days_left, 'día', 'días')}"


def _where() -> str:
    url = os.environ.get("TABLERO_URL", "").strip()
    return f"ingrese al tablero ({url}), página «Mis pendientes»." if url else \
        "ingrese al tablero, página «Mis pendientes»."


_FOOTER = ("\n--\nMensaje automático del tablero de seguimiento de la Política de Gobierno Digital de la "
           "Personería Distrital de Cartagena. Se envía a su correo institucional para recordarle sus "
           "reportes (Ley 1581 de 2012: vea el aviso de privacidad del tablero). No responda a este mensaje.\n")


def _accounts(store: Store, role: str) -> pd.DataFrame:
    return store.query("SELECT username, full_name, email, process FROM app_user WHERE role = ? AND active "
                       "AND email IS NOT NULL AND trim(email) <> '' ORDER BY username", [role])


def leader_reminders(store: Store, today: date, days: int, plan: plan_mod.Plan) -> list[Reminder]:
    """One message per leader with the periods late or due within `days`, minus those already
    reminded today."""
    done = set(store.query("SELECT username, indicator, year, period FROM reminder_sent "
                           "WHERE sent_on = ? AND kind = 'lider'", [today]).itertuples(index=False, name=None))
    names = dict(zip(plan.processes["code"], plan.processes["name"]))
    out = []
    for who in _accounts(store, "lider").itertuples():
        if not who.process:
            continue
        owed = pending.owed(store, today, who.process, within_days=days, plan=plan)
        owed = owed[[(who.username, i, int(y), int(p)) not in done
                     for i, y, p in zip(owed["indicator"], owed["year"], owed["period"])]]
        if owed.empty:
            continue
        late, soon = owed[owed["state"] == "faltante"], owed[owed["state"] != "faltante"]
        parts = [f"Buenos días, {who.full_name}:", "",
                 f"El proceso {who.process} · {names.get(who.process, '')} tiene estos reportes pendientes "
                 f"en el tablero al {fmt.short_date(today)}."]
        for title, rows in ((f"Atrasados ({len(late)}), sin reporte y con el plazo vencido:", late),
                            (f"Por vencer en los próximos {_plural(days, 'día', 'días')} ({len(soon)}):", soon)):
            if rows.empty:
                continue
            parts += ["", title] + [f"- {r.indicator} · {r.name}: periodo {r.label}, plazo "
                                    f"{fmt.short_date(r.deadline)} ({_days(int(r.days_left))})"
                                    for r in rows.itertuples()]
        parts += ["", f"Para reportar: {_where()} Cada periodo tiene su enlace «Reportar».", _FOOTER]
        counts = [c for c in (_plural(len(late), "reporte atrasado", "reportes atrasados") if len(late) else "",
                              _plural(len(soon), "por vencer", "por vencer") if len(soon) else "") if c]
        out.append(Reminder(who.username, who.email, "lider",
                            f"Tablero Gobierno Digital: {' y '.join(counts)} ({who.process})",
                            "\n".join(parts),
                            list(zip(owed["indicator"], owed["year"].astype(int), owed["period"].astype(int)))))
    return out


def digest_reminders(store: Store, today: date) -> list[Reminder]:
    """The weekly digest for each Personero who has not had one this week (Monday to Sunday)."""
    monday = today - timedelta(days=today.weekday())
    done = set(store.query("SELECT username FROM reminder_sent WHERE kind = 'personero' AND sent_on >= ? "
                           "AND sent_on <= ?", [monday, today])["username"])
    people = _accounts(store, "personero")
    people = people[~people["username"].isin(done)]
    if people.empty:
        return []
    found = pending.attention(store, today)
    snap = found.snapshot
    lines = [f"Puntaje de la política: {fmt.percent(snap.policy)} ({STATUS_LABELS[snap.policy_status]}).", "",
             f"Qué cambió desde el {fmt.short_date(found.comparison)} (corte del comité anterior):"]
    if found.moved.empty:
        lines.append("- Ningún indicador cambió.")
    for r in found.moved.head(LIST_LIMIT).itertuples():
        lines.append(f"- {r.code} · {r.name}: {fmt.percent(r.before)} → {fmt.percent(r.after)} "
                     f"({STATUS_LABELS[r.status_before]} → {STATUS_LABELS[r.status_after]})")
    if len(found.moved) > LIST_LIMIT:
        lines.append(f"- y {_plural(len(found.moved) - LIST_LIMIT, 'indicador más', 'indicadores más')}.")
    late = found.late
    lines += ["", f"Reportes atrasados: {len(late)}." + (" Los más antiguos:" if len(late) else "")]
    for r in late.head(LIST_LIMIT).itertuples():
        lines.append(f"- {r.indicator} · {r.name} (proceso {r.process}): periodo "
                     f"{period_label(int(r.year), r.frequency, int(r.period))}, plazo {fmt.short_date(r.deadline)}, "
                     f"{_plural(int(r.days_late), 'día', 'días')} de atraso")
    for title, frame, col in (("Indicadores en rojo", found.red, "code"),
                              ("Indicadores desactualizados", found.stale, "code"),
                              ("Acciones de mejora vencidas", found.overdue_actions, "indicator")):
        listed = ", ".join(frame[col].astype(str)) if len(frame) else ""
        lines += ["", f"{title}: {len(frame)}" + (f" ({listed})." if listed else ".")]
    lines += ["", f"Detalle: {_where()}", _FOOTER]
    subject = f"Tablero Gobierno Digital: resumen semanal al {fmt.short_date(today)}"
    return [Reminder(p.username, p.email, "personero", subject,
                     f"Buenos días, {p.full_name}:\n\nResumen semanal del tablero al {fmt.short_date(today)}.\n\n"
                     + "\n".join(lines))
            for p in people.itertuples()]


def reminders(store: Store, today: date, days: int = DEFAULT_DAYS) -> list[Reminder]:
    """Every message this run would send."""
    plan = plan_mod.load(store, today)
    return leader_reminders(store, today, days, plan) + digest_reminders(store, today)


def record(store: Store, reminder: Reminder, today: date) -> None:
    """The message was sent: one row per period reminded (one for a digest), and an audit row."""
    with store.transaction() as cur:
        now = datetime.now()
        rows = reminder.periods or [(None, None, None)]
        for indicator, year, period in rows:
            cur.execute("INSERT INTO reminder_sent (sent_on, sent_at, username, email, kind, indicator, year, period, "
                        "subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [today, now, reminder.username, reminder.email, reminder.kind, indicator, year, period,
                         reminder.subject])
        audit(cur, SENDER, "enviar_recordatorio", f"{reminder.username} <{reminder.email}>", reminder.subject, now)


def run(store: Store, today: date, days: int = DEFAULT_DAYS, simulate: bool = False,
        settings: mail.SmtpSettings | None = None, out=print) -> int:
    """Send (or with `simulate`, print) the reminders due today; the number of messages."""
    found = reminders(store, today, days)
    if simulate:
        for r in found:
            out(f"Para: {r.email}\nAsunto: {r.subject}\n\n{r.body}\n{'=' * 72}")
        out(f"Simulación: se enviarían {_plural(len(found), 'mensaje', 'mensajes')}; no se envió nada.")
        return len(found)
    if not found:
        out("No hay recordatorios que enviar hoy.")
        return 0
    settings = settings or mail.SmtpSettings.from_env()
    with mail.connection(settings) as send:
        for r in found:
            send(mail.message(settings, r.email, r.subject, r.body))
            record(store, r, today)
    out(f"Se {'envió' if len(found) == 1 else 'enviaron'} {_plural(len(found), 'mensaje', 'mensajes')}.")
    return len(found)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        import argparse
        raise argparse.ArgumentTypeError(f"«{text}» no es una fecha AAAA-MM-DD") from None


def _days_arg(text: str) -> int:
    if not text.isdigit():
        import argparse
        raise argparse.ArgumentTypeError(f"«{text}» no es un número entero de 0 o más")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    p = SpanishParser(prog="python -m metrics.recordatorios",
                      description="Envía por correo los recordatorios de reporte a los líderes y el "
                                  "resumen semanal al Personero.")
    p.add_argument("--db", help="ruta de la base de datos (por omisión, la de PERSONERIA_DB)")
    p.add_argument("--dias", type=_days_arg, default=DEFAULT_DAYS,
                   help=f"periodos que vencen en los próximos N días (por omisión {DEFAULT_DAYS})")
    p.add_argument("--simular", action="store_true", help="muestra los mensajes sin enviarlos ni registrarlos")
    p.add_argument("--hoy", type=_day, default=None, help="la fecha del envío, AAAA-MM-DD (por omisión, hoy)")
    args = p.parse_args(argv)

    def work() -> None:
        store = seed.open_store(Path(args.db) if args.db else default_db_path())
        try:
            run(store, args.hoy or date.today(), args.dias, args.simular)
        finally:
            store.close()
    return cli.run(work)


if __name__ == "__main__":
    sys.exit(main())
