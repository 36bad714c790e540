"""Passkeys (WebAuthn): register a device, then log in with it instead of typing the password."""
from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import webauthn
from sqlmodel import Session, select
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from webapp.models import Passkey, User, utcnow

RP_NAME = "Terrain"


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the RP id (a domain) and the exact origin the browser reports."""

    id: str
    origin: str

    @classmethod
    def for_origin(cls, origin: str, rp_id: str = "") -> RelyingParty:
        """The relying party of `origin`; the RP id defaults to its host name."""
        origin = origin.rstrip("/")
        return cls(id=rp_id or urlsplit(origin).hostname or "", origin=origin)


def registration_options(db: Session, user: User, *, rp: RelyingParty) -> tuple[str, bytes]:
    """Options for navigator.credentials.create (JSON) and the challenge to remember."""
    existing = db.exec(select(Passkey).where(Passkey.user_id == user.id)).all()
    options = webauthn.generate_registration_options(
        rp_id=rp.id, rp_name=RP_NAME, user_name=user.email, user_display_name=user.full_name,
        user_id=f"terrain-user-{user.id}".encode(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=webauthn.base64url_to_bytes(p.credential_id))
                             for p in existing],
    )
    return webauthn.options_to_json(options), options.challenge


def register(db: Session, user: User, credential_json: str, challenge: bytes, name: str, *,
             rp: RelyingParty) -> Passkey:
    """Verify the browser's attestation and store the new passkey; raises ValueError when it is not valid."""
    try:
        verified = webauthn.verify_registration_response(
            credential=json.loads(credential_json), expected_challenge=challenge, expected_rp_id=rp.id,
            expected_origin=rp.origin, require_user_verification=True)
    except Exception as error:  # the library raises several exception types for invalid input
        raise ValueError("Clé d'accès non reconnue.") from error
    passkey = Passkey(user_id=user.id, credential_id=bytes_to_base64url(verified.credential_id),
                      public_key=verified.credential_public_key, sign_count=verified.sign_count,
                      name=name[:80] or "Clé d'accès")
    db.add(passkey)
    return passkey


def authentication_options(*, rp: RelyingParty) -> tuple[str, bytes]:
    """Options for navigator.credentials.get (discoverable credentials) and the challenge to remember."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.id, user_verification=UserVerificationRequirement.REQUIRED)
    return webauthn.options_to_json(options), options.challenge


def authenticate(db: Session, credential_json: str, challenge: bytes, *, rp: RelyingParty) -> User | None:
    """The active user whose passkey produced this valid assertion, or None."""
    try:
        credential = json.loads(credential_json)
        passkey = db.exec(select(Passkey).where(Passkey.credential_id == credential["id"])).first()
        if passkey is None:
            return None
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            credential_public_key=passkey.public_key, credential_current_sign_count=passkey.sign_count,
            require_user_verification=True)
    except Exception:  # malformed JSON, wrong signature, replayed counter: all mean "not this user"
        return None
    user = db.get(User, passkey.user_id)
    if user is None or not user.active:
        return None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    db.add(passkey)
    return user
