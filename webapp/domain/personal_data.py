"""What the wings' privacy modules share: the export section type, the anonymised marker, finding a person's
name in free text, and removing photos with their files."""
from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import JSON, String, Text, delete, update
from sqlmodel import Session, SQLModel, col, select

from webapp.domain.skills.skills import PHOTO_PREFIX
from webapp.models import Employee, Instruction, Observation, Photo, SkillRating, User
from webapp.platform import photos

Section = tuple[str, list[dict]]
ANONYMISED = "[anonymisé]"
# Tables the name sweep leaves alone: the identity itself (anonymised by its wing), staff accounts, the
# structure, and the append-only audit trail (which names an employee by id only).
_NOT_SWEPT = frozenset({"employee", "user", "structure", "audit_event"})


def staff_names(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Full names of staff accounts by id."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.full_name for u in db.exec(select(User).where(col(User.id).in_(wanted))).all()}


def mentions(employee: Employee, *, parts: bool, keep: Iterable[str] = ()) -> re.Pattern | None:
    """How a free text names the employee: the full name either way round and, with `parts`, the first or last
    name alone, except a word in `keep` (another person of the same text with that name)."""
    first, last = employee.first_name.strip(), employee.last_name.strip()
    forms = [rf"{re.escape(a)}\s+{re.escape(b)}" for a, b in ((first, last), (last, first)) if a and b]
    kept = {word.casefold() for word in keep}
    if parts:
        forms += [re.escape(word) for word in (first, last) if word and word.casefold() not in kept]
    if not forms:
        return None
    forms.sort(key=len, reverse=True)  # the full name before its parts
    return re.compile(r"(?<!\w)(?:" + "|".join(forms) + r")(?!\w)", re.IGNORECASE)


def scrub(text: str, pattern: re.Pattern | None) -> str:
    """`text` with every mention matched by `pattern` replaced by the anonymised marker."""
    if not text or pattern is None:
        return text
    return pattern.sub(ANONYMISED, text)


def _scrub_json(value, pattern: re.Pattern):
    if isinstance(value, str):
        return scrub(value, pattern)
    if isinstance(value, list):
        return [_scrub_json(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_json(item, pattern) for key, item in value.items()}
    return value


def column_kind(column) -> str:
    """'text', 'json' or '' for a table column (sqlmodel's AutoString wraps a String in a TypeDecorator)."""
    type_ = getattr(column.type, "impl_instance", column.type)
    if isinstance(type_, JSON):
        return "json"
    return "text" if isinstance(type_, String | Text) else ""


def sweep_full_name(db: Session, employee: Employee) -> int:
    """Replace the employee's full name in every free text of their structure (production notes, briefings,
    others' observations, frozen bilans...): a name can be typed anywhere. Returns how many values changed."""
    pattern = mentions(employee, parts=False)
    if pattern is None:
        return 0
    db.flush()  # the rows read below include what the other wings have just changed
    # A cheap SQL filter first (the last name without its first letter, whose case may differ), then the regex.
    hint = f"%{employee.last_name.strip()[1:]}%"
    changed = 0
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _NOT_SWEPT or "structure_id" not in table.c:
            continue
        keys = list(table.primary_key.columns)
        for column in table.c:
            kind = column_kind(column)
            if not kind:
                continue
            is_text = kind == "text"
            stmt = select(*keys, column).where(table.c.structure_id == employee.structure_id)
            if is_text:
                stmt = stmt.where(column.ilike(hint))
            for row in db.execute(stmt).all():
                value = row[-1]
                new = scrub(value, pattern) if is_text else _scrub_json(value, pattern)
                if new != value:
                    db.execute(update(table).where(*(k == v for k, v in zip(keys, row[:-1], strict=True)))
                               .values({column.name: new}))
                    changed += 1
    return changed


def drop_photos(db: Session, photo_ids: Iterable[int | None], *, upload_folder: str) -> None:
    """Delete these photos: every reference to them, their rows and their files."""
    ids = {i for i in photo_ids if i}
    if not ids:
        return
    db.exec(update(Observation).where(col(Observation.photo_id).in_(ids)).values(photo_id=None))
    db.exec(update(Instruction).where(col(Instruction.photo_id).in_(ids)).values(photo_id=None))
    db.exec(update(SkillRating).where(col(SkillRating.evidence_ref).in_([f"{PHOTO_PREFIX}{i}" for i in ids]))
            .values(evidence_ref=""))
    rows = db.exec(select(Photo).where(col(Photo.id).in_(ids))).all()
    db.exec(delete(Photo).where(col(Photo.id).in_(ids)))
    for photo in rows:
        # Removed before the commit: if it fails, the next purge finds the person again and finishes the job.
        photos.photo_path(photo, upload_folder).unlink(missing_ok=True)
