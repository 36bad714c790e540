"""Time-based one-time passwords (RFC 6238) as a second factor."""
from __future__ import annotations

import time

import pyotp
import segno

ISSUER = "Terrain"


def new_secret() -> str:
    """A fresh random base32 secret."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The URI as a QR code, an SVG data URI for an <img> (allowed by the CSP)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def accepted_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step the code matches (±1 step of drift), or None; a step already used is refused."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
