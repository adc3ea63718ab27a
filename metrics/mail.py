"""Sending email through the entity's SMTP server, configured only from the environment (so the
password never sits in the database or in the code): TABLERO_SMTP_HOST, TABLERO_SMTP_PORT (587),
TABLERO_SMTP_STARTTLS (si/no, default si), TABLERO_SMTP_USER, TABLERO_SMTP_PASSWORD and
TABLERO_SMTP_FROM (the sender address)."""
from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from metrics.accounts import Rejected

PREFIX = "TABLERO_SMTP_"
_YES = {"si", "sí", "1", "true", "yes", "s"}
_NO = {"no", "0", "false", "n"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None
    sender: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SmtpSettings":
        """The settings from the environment; a Spanish message naming what is missing or wrong."""
        env = os.environ if env is None else env
        get = lambda name, default="": (env.get(PREFIX + name) or default).strip()  # noqa: E731
        host, sender = get("HOST"), get("FROM")
        missing = [PREFIX + n for n, v in (("HOST", host), ("FROM", sender)) if not v]
        if missing:
            raise Rejected(f"Falta configurar el servidor de correo: defina {' y '.join(missing)} "
                           "(vea deploy/tablero.env.ejemplo).")
        port, tls = get("PORT", "587"), get("STARTTLS", "si").lower()
        if not port.isdigit():
            raise Rejected(f"{PREFIX}PORT debe ser un número de puerto, no «{port}».")
        if tls not in _YES | _NO:
            raise Rejected(f"{PREFIX}STARTTLS debe ser «si» o «no», no «{tls}».")
        return cls(host, int(port), tls in _YES, get("USER") or None, get("PASSWORD") or None, sender)


def message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.sender, to, subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    msg.set_content(body)
    return msg


@contextmanager
def connection(settings: SmtpSettings) -> Iterator[Callable[[EmailMessage], None]]:
    """One connection to the server (STARTTLS with certificate checks when asked, then login when a
    user is set) yielding a function that sends one message, so the caller can record each message
    as soon as it is sent. A failure raises Rejected with the server's answer."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=60) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            yield smtp.send_message
    except (OSError, smtplib.SMTPException) as exc:
        raise Rejected(f"No se pudo enviar el correo por {settings.host}:{settings.port}: {exc}") from exc
