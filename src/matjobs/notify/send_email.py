"""Email through the configured SMTP server: the one adapter that speaks SMTP."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

TIMEOUT_S = 10.0  # a stuck server holds up only the notifier's own thread, and only this long


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = TIMEOUT_S


def letter(sender: str, recipient: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(text)
    return message


def send_email(server: SmtpServer, recipient: str, subject: str, text: str) -> None:
    """Raises (OSError, smtplib.SMTPException) when the server does not take the message."""
    with smtplib.SMTP(server.host, server.port, timeout=server.timeout_s) as smtp:
        if server.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if server.user and server.password:
            smtp.login(server.user, server.password)
        smtp.send_message(letter(server.sender, recipient, subject, text))
