"""Production follow-up: the jobs of the day per work site, the day's notes, the weekly summary."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from webapp.domain import undo
from webapp.domain.accounts import audit
from webapp.domain.field.captures import FieldError, check_day
from webapp.models import ProductionLog, ProductionTask, User, Worksite, utcnow
from webapp.platform import idempotency

MAX_QUANTITY = 1_000_000


def _quantity(value, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise FieldError("Saisissez un nombre (par exemple 12 ou 2,5).", name) from None
    if not (0 <= number <= MAX_QUANTITY):
        raise FieldError("La quantité doit être positive et raisonnable.", name)
    return number


def add_task(db: Session, *, user: User, worksite: Worksite, day: date, client: str, task: str, unit: str,
             planned_quantity, done_quantity, client_key: str, today: date,
             content_hash: str | None = None, happened_at: datetime | None = None) -> tuple[ProductionTask, bool]:
    """Record one job of the day once per key (platform/idempotency.py); returns (task, created).

    `content_hash` is the fingerprint of what the client sent; by default, of these arguments. `happened_at` is
    when it was typed (on the phone, for a capture sent later); by default now.
    """
    if content_hash is None:
        content_hash = idempotency.fingerprint({
            "worksite": worksite.id, "day": day, "client": client, "task": task, "unit": unit,
            "planned_quantity": planned_quantity, "done_quantity": done_quantity})
    claim = idempotency.claim(db, structure_id=worksite.structure_id, author_id=user.id, key=client_key,
                              kind="production_task", content_hash=content_hash)
    if claim.is_replay:
        return db.get(ProductionTask, claim.replayed_id), False
    check_day(day, today)
    task = (task or "").strip()
    if not task:
        raise FieldError("Décrivez le travail en quelques mots.", "task")
    if len(task) > 200:
        raise FieldError("200 caractères au plus.", "task")
    if len(client or "") > 120 or len(unit or "") > 30:
        raise FieldError("Texte trop long.", "client" if len(client or "") > 120 else "unit")
    row = ProductionTask(structure_id=worksite.structure_id, worksite_id=worksite.id, day=day,
                         client=(client or "").strip(), task=task, unit=(unit or "").strip(),
                         planned_quantity=_quantity(planned_quantity, "planned_quantity"),
                         done_quantity=_quantity(done_quantity, "done_quantity"),
                         author_id=user.id, client_key=client_key, created_at=happened_at or utcnow())
    db.add(row)
    db.flush()
    claim.settle(row.id)
    return row, True


def undo_task(db: Session, *, task: ProductionTask, user: User, now: datetime, ip: str) -> None:
    """Take back a job just added (its author, within the undo window): deleted, its key no longer answers with
    it, and the undo is audited. The caller commits."""
    undo.check_undo(user=user, author_id=task.author_id, saved_at=task.created_at, now=now)
    idempotency.forget_object(db, author_id=task.author_id, key=task.client_key)
    audit.record(db, action="production_task.undo", user=user, ip=ip, object_type="production_task",
                 object_id=task.id, detail=f"Travail retiré juste après son ajout : {task.task}")
    db.delete(task)
    db.flush()


def update_done(db: Session, *, task: ProductionTask, done_quantity, today: date) -> ProductionTask:
    """Set what was done for a job."""
    check_day(task.day, today)
    task.done_quantity = _quantity(done_quantity, "done_quantity")
    db.add(task)
    return task


def save_log(db: Session, *, user: User, worksite: Worksite, day: date, quality_issues: str, incidents: str,
             weather: str, today: date, happened_at: datetime | None = None) -> ProductionLog:
    """Write the day's notes of a work site (one row per site and day); `updated_at` is when they were typed."""
    check_day(day, today)
    for name, value, limit in (("quality_issues", quality_issues, 1000), ("incidents", incidents, 1000),
                               ("weather", weather, 500)):
        if len(value or "") > limit:
            raise FieldError(f"{limit} caractères au plus.", name)
    row = db.exec(select(ProductionLog).where(ProductionLog.worksite_id == worksite.id,
                                              ProductionLog.day == day)).first()
    if row is None:
        row = ProductionLog(structure_id=worksite.structure_id, worksite_id=worksite.id, day=day, author_id=user.id)
    row.quality_issues, row.incidents, row.weather = (quality_issues or "").strip(), (incidents or "").strip(), (weather or "").strip()
    row.author_id, row.updated_at = user.id, happened_at or utcnow()
    db.add(row)
    return row


def day_of(db: Session, *, worksite: Worksite, day: date) -> tuple[list[ProductionTask], ProductionLog | None]:
    """The jobs and the notes of a work site on a day."""
    tasks = db.exec(select(ProductionTask).where(ProductionTask.worksite_id == worksite.id, ProductionTask.day == day)
                    .order_by(ProductionTask.id)).all()
    log = db.exec(select(ProductionLog).where(ProductionLog.worksite_id == worksite.id,
                                              ProductionLog.day == day)).first()
    return list(tasks), log


@dataclass
class SummaryLine:
    """Planned and done quantities of one kind of job over the week."""

    client: str
    task: str
    unit: str
    planned: float = 0
    done: float = 0
    days: int = 0

    @property
    def ratio(self) -> float | None:
        return self.done / self.planned if self.planned else None


@dataclass
class WeekSummary:
    """A work site's week: jobs planned vs done, and the notes of each day."""

    start: date
    end: date
    lines: list[SummaryLine] = field(default_factory=list)
    logs: list[ProductionLog] = field(default_factory=list)


def week_summary(db: Session, *, worksite: Worksite, start: date) -> WeekSummary:
    """Monday-to-Sunday summary of a work site, in two queries."""
    start = start - timedelta(days=start.weekday())
    end = start + timedelta(days=6)
    summary = WeekSummary(start, end)
    lines: dict[tuple, SummaryLine] = {}
    for task in db.exec(select(ProductionTask).where(ProductionTask.worksite_id == worksite.id,
                                                     ProductionTask.day >= start, ProductionTask.day <= end)
                        .order_by(ProductionTask.client, ProductionTask.task)).all():
        key = (task.client.lower(), task.task.lower(), task.unit.lower())
        line = lines.setdefault(key, SummaryLine(task.client, task.task, task.unit))
        line.planned += task.planned_quantity or 0
        line.done += task.done_quantity or 0
        line.days += 1
    summary.lines = list(lines.values())
    summary.logs = list(db.exec(select(ProductionLog).where(
        ProductionLog.worksite_id == worksite.id, ProductionLog.day >= start, ProductionLog.day <= end)
        .order_by(ProductionLog.day)).all())
    return summary


def worksites_of(db: Session, *, structure_id: int) -> list[Worksite]:
    """The structure's active work sites."""
    return list(db.exec(select(Worksite).where(Worksite.structure_id == structure_id, Worksite.active.is_(True))
                        .order_by(Worksite.name)).all())

