"""Web Push with VAPID (pywebpush); the key pair is generated once into the instance folder."""
from __future__ import annotations

import base64
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from webapp.platform.delivery import DeliveryError, RecipientGone

# A phone switched off for a while still gets the alert when it comes back.
TTL_SECONDS = 12 * 3600
# The browsers' push services: Terrain posts only there, never to an address a user typed.
PUSH_SERVICE_DOMAINS = ("fcm.googleapis.com", "push.services.mozilla.com", "notify.windows.com", "push.apple.com")


def endpoint_allowed(endpoint: str, testing: bool = False) -> bool:
    """Is this a push service endpoint Terrain may post to?"""
    url = urlparse(endpoint)
    if testing and url.scheme == "http" and url.hostname == "127.0.0.1":
        return True
    host = url.hostname or ""
    return url.scheme == "https" and any(host == d or host.endswith("." + d) for d in PUSH_SERVICE_DOMAINS)


def key_file(config) -> Path:
    """Where the VAPID private key lives."""
    return Path(config.get("VAPID_PRIVATE_KEY_FILE") or Path(config["INSTANCE_PATH"]) / "vapid_private.pem")


def vapid(config) -> Vapid02:
    """The application's VAPID key pair, created on first use (atomic, so two processes agree)."""
    path = key_file(config)
    if not path.exists():
        key = Vapid02()
        key.generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".vapid-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.private_pem())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # fails if another process won the race: its key is kept
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return Vapid02.from_file(str(path))


def public_key(config) -> str:
    """The VAPID public key as the browser's applicationServerKey (base64url, uncompressed point)."""
    path = key_file(config)
    if not path.exists():
        vapid(config)  # creates the key pair
    return _public_key_of(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _public_key_of(path: str, stamp: int) -> str:
    """The public key of a key file, read once per process (`stamp` renews it when the file is replaced): the
    alerts page shows it on every visit."""
    raw = Vapid02.from_file(path).public_key.public_bytes(serialization.Encoding.X962,
                                                           serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def send_push(config, *, endpoint: str, p256dh: str, auth: str, payload: dict) -> None:
    """Encrypt (aes128gcm) and post one message; RecipientGone on 404/410, DeliveryError otherwise."""
    try:
        webpush(
            {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(payload),
            vapid_private_key=vapid(config),
            vapid_claims={"sub": "mailto:" + config["MAIL_FROM"]},
            ttl=TTL_SECONDS,
            headers={"Urgency": "high"},
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            raise RecipientGone(f"Abonnement push expiré ({status})") from error
        raise DeliveryError(f"Push : {status or error}") from error
    except OSError as error:
        raise DeliveryError(f"Push : {error}") from error
