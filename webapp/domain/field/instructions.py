"""Consignes given to the team or to chosen people, and who showed they understood them."""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from webapp.domain import personal_data, undo
from webapp.domain.accounts import audit
from webapp.domain.field.captures import FieldError
from webapp.models import (
    INSTRUCTION_CATEGORIES,
    Employee,
    Instruction,
    InstructionAck,
    InstructionTemplate,
    User,
    utcnow,
)
from webapp.platform import idempotency
from webapp.platform.plans import plan_once


@dataclass
class InstructionCard:
    """A consigne with the people it was given to and who understood it."""

    instruction: Instruction
    acks: list[tuple[InstructionAck, Employee]]

    @property
    def understood(self) -> int:
        return sum(1 for ack, _ in self.acks if ack.acknowledged_at)

    @property
    def total(self) -> int:
        return len(self.acks)

    @property
    def category_label(self) -> str:
        return INSTRUCTION_CATEGORIES.get(self.instruction.category, "Autre")


# Statements built once per process (Today runs them on every page), planned once per PostgreSQL connection: a
# list of ids, one day of a structure, its newest templates.
_ACKS_OF = plan_once(select(InstructionAck, Employee).join(Employee, Employee.id == InstructionAck.employee_id)
                     .where(col(InstructionAck.instruction_id).in_(bindparam("ids", expanding=True)))
                     .order_by(Employee.first_name, Employee.last_name))
_OF_DAY = plan_once(
    select(Instruction).where(Instruction.structure_id == bindparam("structure_id"),
                              Instruction.day == bindparam("day"),
                              col(Instruction.worksite_id).in_(bindparam("worksite_ids", expanding=True))
                              | (Instruction.given_by_id == bindparam("user_id")))
    .order_by(col(Instruction.created_at).desc(), col(Instruction.id).desc()))
_TEMPLATES_OF = plan_once(select(InstructionTemplate)
                          .where(InstructionTemplate.structure_id == bindparam("structure_id"))
                          .order_by(col(InstructionTemplate.created_at).desc()).limit(12))


def instruction_cards(db: Session, instructions: list[Instruction]) -> list[InstructionCard]:
    """Cards for these consignes with their acknowledgements, in one query."""
    ids = [i.id for i in instructions]
    by_instruction: dict[int, list] = {i: [] for i in ids}
    if ids:
        for ack, employee in db.exec(_ACKS_OF, params={"ids": ids}).all():
            by_instruction[ack.instruction_id].append((ack, employee))
    return [InstructionCard(i, by_instruction[i.id]) for i in instructions]


def instructions_of_day(db: Session, *, user: User, worksite_ids: list[int], day: date) -> list[Instruction]:
    """The consignes of `day` on these sites or given by the user, newest first."""
    return list(db.exec(_OF_DAY, params={"structure_id": user.structure_id, "day": day,
                                         "worksite_ids": worksite_ids or [0], "user_id": user.id}).all())


def give_instruction(db: Session, *, user: User, employees: list[Employee], category: str, text: str,
                     worksite_id: int | None, day: date, client_key: str, photo_id: int | None = None,
                     save_template: bool = False, content_hash: str | None = None,
                     happened_at: datetime | None = None) -> tuple[Instruction, bool]:
    """Record a consigne given to `employees` once per key (platform/idempotency.py); returns (consigne, created).

    `content_hash` is the fingerprint of what the client sent; by default, of these arguments.
    """
    if content_hash is None:
        content_hash = idempotency.fingerprint({
            "employees": sorted(e.id for e in employees), "category": category, "text": text,
            "worksite_id": worksite_id, "day": day})
    claim = idempotency.claim(db, structure_id=user.structure_id, author_id=user.id, key=client_key,
                              kind="instruction", content_hash=content_hash)
    if claim.is_replay:
        return db.get(Instruction, claim.replayed_id), False
    text = text.strip()
    if not text:
        raise FieldError("Écrivez la consigne en quelques mots.", "text")
    if len(text) > 500:
        raise FieldError("La consigne dépasse 500 caractères : faites plus court.", "text")
    if category not in INSTRUCTION_CATEGORIES:
        raise FieldError("Choisissez une catégorie.", "category")
    if not employees:
        raise FieldError("Choisissez au moins une personne.", "employees")
    instruction = Instruction(structure_id=user.structure_id, worksite_id=worksite_id, day=day, category=category,
                              text=text, photo_id=photo_id, given_by_id=user.id, client_key=client_key,
                              created_at=happened_at or utcnow())
    db.add(instruction)
    db.flush()
    claim.settle(instruction.id)
    for employee in {e.id: e for e in employees}.values():
        db.add(InstructionAck(structure_id=user.structure_id, instruction_id=instruction.id, employee_id=employee.id))
    if save_template and not db.exec(select(InstructionTemplate.id).where(
            InstructionTemplate.structure_id == user.structure_id, InstructionTemplate.text == text)).first():
        db.add(InstructionTemplate(structure_id=user.structure_id, category=category, text=text, created_by_id=user.id))
    return instruction, True


def acknowledge(db: Session, *, user: User, instruction: Instruction, employee_ids: list[int] | None,
                understood: bool, happened_at: datetime | None = None) -> None:
    """Tick (or untick) "compris" for these people, or for everyone when `employee_ids` is None."""
    stmt = select(InstructionAck).where(InstructionAck.instruction_id == instruction.id)
    if employee_ids is not None:
        stmt = stmt.where(col(InstructionAck.employee_id).in_(employee_ids or [0]))
    acks = db.exec(stmt).all()
    if employee_ids is not None and len(acks) != len(set(employee_ids)):
        raise FieldError("Cette personne n'a pas reçu cette consigne.", "employee_id")
    for ack in acks:
        if understood and ack.acknowledged_at is None:
            ack.acknowledged_at, ack.acknowledged_by_id = happened_at or utcnow(), user.id
        elif not understood:
            ack.acknowledged_at, ack.acknowledged_by_id = None, None
        db.add(ack)


def templates_of(db: Session, *, structure_id: int) -> list[InstructionTemplate]:
    """The structure's saved consignes, most recent first (at most 12)."""
    return list(db.exec(_TEMPLATES_OF, params={"structure_id": structure_id}).all())


def category_counts(cards: list[InstructionCard]) -> Counter:
    """How many consignes of each category (for the day's summary)."""
    return Counter(c.instruction.category for c in cards)


def form_context(team, *, errors: dict | None = None, values: dict | None = None) -> dict:
    """What the consigne form shows: people, sites, categories, a fresh idempotency key, errors and kept input."""
    return {"employees": team.employees, "worksites": team.worksites, "categories": INSTRUCTION_CATEGORIES,
            "key": (values or {}).get("client_key") or str(uuid.uuid4()), "errors": errors or {},
            "values": values or {}}


def undo_instruction(db: Session, *, instruction: Instruction, user: User, now: datetime, ip: str,
                     upload_folder: str) -> None:
    """Take back a consigne just given (its author, within the undo window): deleted with its « compris » ticks
    and photo, and the undo is audited. The caller commits."""
    undo.check_undo(user=user, author_id=instruction.given_by_id, saved_at=instruction.created_at, now=now)
    for ack in db.exec(select(InstructionAck).where(InstructionAck.instruction_id == instruction.id)).all():
        db.delete(ack)
    db.flush()
    photo_id = instruction.photo_id
    idempotency.forget_object(db, author_id=instruction.given_by_id, key=instruction.client_key)
    audit.record(db, action="instruction.undo", user=user, ip=ip, object_type="instruction",
                 object_id=instruction.id, detail="Consigne annulée juste après avoir été donnée")
    db.delete(instruction)
    db.flush()
    personal_data.drop_photos(db, [photo_id], upload_folder=upload_folder)
