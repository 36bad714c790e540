"""E-mail through the configured SMTP server (smtplib)."""
from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

from webapp.platform.delivery import DeliveryError


def send_mail(config, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; DeliveryError when the server cannot take it now."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException, socket.timeout) as error:
        raise DeliveryError(f"SMTP : {error}") from error
