"""Service functions for staff accounts and structure settings."""
from __future__ import annotations

from sqlmodel import Session, select

from webapp.domain.accounts import audit
from webapp.domain.accounts.auth import end_all_sessions, hash_password
from webapp.models import Structure, User


class AccountError(ValueError):
    """A French message about why an account change was refused, tied to a form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def email_taken(db: Session, email: str, exclude_id: int | None = None) -> bool:
    """True when another account already uses `email`."""
    query = select(User.id).where(User.email == email.strip().lower())
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.exec(query).first() is not None


def email_refusal(db: Session, email: str, *, structure_id: int | None, exclude_id: int | None = None) -> str | None:
    """Why `email` cannot be given to an account of `structure_id`, or None.

    Said plainly for an account of the same structure (its direction sees them all); for an account elsewhere
    the message does not say that one exists, nor where.
    """
    query = select(User.structure_id).where(User.email == email.strip().lower())
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    owners = db.exec(query.limit(1)).all()  # the structure of the account using it (None for an admin)
    if not owners:
        return None
    if owners[0] == structure_id:
        return "Un compte utilise déjà cette adresse e-mail."
    return ("Cette adresse e-mail ne peut pas être utilisée pour un compte de votre structure : choisissez-en une "
            "autre, ou demandez à l'administration de l'instance.")


def create_user(
    *, db: Session, structure_id: int | None, email: str, full_name: str, role: str,
    password: str, phone: str = "", actor=None, ip: str = "",
) -> User:
    """Create an account; the caller commits."""
    refusal = email_refusal(db, email, structure_id=structure_id)
    if refusal:
        raise AccountError("email", refusal)
    user = User(
        structure_id=structure_id,
        email=email.strip().lower(),
        full_name=full_name.strip(),
        role=role,
        phone=phone.strip(),
        password_hash=hash_password(password),
    )
    db.add(user)
    db.flush()
    audit.record(db, action="user.create", user=actor, ip=ip, structure_id=structure_id, object_type="user", object_id=user.id,
                 detail=f"{user.email} ({role})")
    return user


def update_user(
    *, db: Session, user: User, email: str, full_name: str, role: str, phone: str,
    active: bool, password: str | None = None, actor=None, ip: str = "",
) -> User:
    """Apply an edit; deactivation or a new password ends every session of the account."""
    refusal = email_refusal(db, email, structure_id=user.structure_id, exclude_id=user.id)
    if refusal:
        raise AccountError("email", refusal)
    changes = []
    if user.role != role:
        audit.record(db, action="user.role", user=actor, ip=ip, object_type="user", object_id=user.id,
                     detail=f"{user.role} → {role}")
    if user.active and not active:
        end_all_sessions(db, user.id)
        audit.record(db, action="user.deactivate", user=actor, ip=ip, object_type="user", object_id=user.id)
    elif active and not user.active:
        changes.append("réactivé")
    if user.email != email.strip().lower():
        changes.append("e-mail")
    if user.full_name != full_name.strip():
        changes.append("nom")
    user.email = email.strip().lower()
    user.full_name = full_name.strip()
    user.role = role
    user.phone = phone.strip()
    user.active = active
    if password:
        user.password_hash = hash_password(password)
        end_all_sessions(db, user.id)
        audit.record(db, action="user.password", user=actor, ip=ip, object_type="user", object_id=user.id)
    if changes:
        audit.record(db, action="user.update", user=actor, ip=ip, object_type="user", object_id=user.id, detail=", ".join(changes))
    db.add(user)
    return user


def structure_users(db: Session, structure_id: int, role: str | None = None) -> list[User]:
    """Accounts of a structure, by name, optionally of one role."""
    query = select(User).where(User.structure_id == structure_id)
    if role:
        query = query.where(User.role == role, User.active.is_(True))
    return list(db.exec(query.order_by(User.full_name)).all())


def create_structure(*, db: Session, name: str, kind: str = "ACI", siret: str = "", address: str = "") -> Structure:
    """Create a structure; the caller commits."""
    structure = Structure(name=name.strip(), kind=kind, siret=siret, address=address)
    db.add(structure)
    db.flush()
    return structure
