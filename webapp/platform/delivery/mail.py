"""E-mail through the configured SMTP server (smtplib)."""
from __future__ import annotations

import email.policy
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from webapp.platform.delivery import AmbiguousDelivery, DeliveryError

# Seconds smtplib waits for each answer. RFC 5321 allows a relay minutes to answer after DATA; 60 s keeps a
# slow relay working without letting one message hold the worker for long.
DEFAULT_TIMEOUT = 60


def send_mail(config, *, to: str, subject: str, body: str, message_id: str) -> None:
    """Send one plain-text message; DeliveryError when the server cannot take it now,
    AmbiguousDelivery when the connection failed after the message was handed over (the relay may have it)."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate()
    # One Message-ID per e-mail, the same on every attempt: a copy sent twice is recognisable as one.
    message["Message-ID"] = message_id
    message.set_content(body)
    payload = message.as_bytes(policy=email.policy.SMTP)
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                            timeout=config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT)
    except OSError as error:
        raise DeliveryError(f"SMTP : {error}") from error
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(config["MAIL_FROM"])
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, config["MAIL_FROM"])
        code, reply = smtp.rcpt(to)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
        try:
            smtp.data(payload)
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            # No answer once DATA started: the relay may already hold the message.
            raise AmbiguousDelivery(f"SMTP : pas de réponse après l'envoi du message ({error})") from error
    except AmbiguousDelivery:
        smtp.close()  # no QUIT: it would wait for the same silent relay again
        raise
    except (OSError, smtplib.SMTPException) as error:
        smtp.close()
        raise DeliveryError(f"SMTP : {error}") from error
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()  # the message is accepted; a failed goodbye changes nothing
