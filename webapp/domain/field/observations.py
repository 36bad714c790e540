"""Observations: append-only notes about one or several employees, their visibility, corrections, the CIP's feed."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    event,
    exists,
    literal,
    not_,
    null,
    or_,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from webapp.domain import personal_data, undo
from webapp.domain.accounts import audit
from webapp.domain.policy import PERMISSIONS
from webapp.domain.viewer import RoleViewer, viewer_params
from webapp.models import (
    OBSERVATION_CATEGORIES,
    OBSERVATION_TONES,
    VISIBILITIES,
    Attendance,
    Employee,
    FeedVisit,
    Instruction,
    InstructionAck,
    Observation,
    ObservationEmployee,
    User,
    utcnow,
)
from webapp.platform import idempotency
from webapp.platform.plans import BY_KEY, plan_once

MAX_TEXT = 2000
FEED_LIMIT = 20


class ObservationError(ValueError):
    """A refused observation; `field` names the form field the French message belongs to."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def sees_restricted(user: User) -> bool:
    """May `user` read observations reserved to the CIP and the direction?"""
    return user.structure_id is not None and user.role in PERMISSIONS["observation.view_restricted"]


def visible_clause(user: User):
    """SQL condition on Observation: of the user's structure and of a visibility the user may read."""
    clause = Observation.structure_id == user.structure_id
    if not sees_restricted(user):
        clause = and_(clause, Observation.visibility == "team")
    return clause


# Aliases made once per process: aliasing copies every column of the table (about 2 ms for Observation), and an
# alias is immutable, so one serves every statement.
_NEWER = aliased(Observation)
_PERSON = aliased(Employee)  # its own name: the enclosing query may join Employee too
_CURRENT = not_(exists().where(_NEWER.corrects_id == Observation.id))


def current_clause():
    """SQL condition on Observation: the latest version (no correction replaces it)."""
    return _CURRENT


def may_read(user: User, observation: Observation) -> bool:
    """May `user` read this observation?"""
    if observation.structure_id != user.structure_id:
        return False
    return observation.visibility == "team" or sees_restricted(user)


def validate(*, text: str, category: str, tone: str, visibility: str, observed_on: date | None, today: date,
             employees: list[Employee]) -> str:
    """Check an observation's fields; returns the cleaned text or raises ObservationError."""
    text = (text or "").strip()
    if not employees:
        raise ObservationError("Choisissez au moins une personne.", "employees")
    if category not in OBSERVATION_CATEGORIES:
        raise ObservationError("Choisissez une catégorie.", "category")
    if tone not in OBSERVATION_TONES:
        raise ObservationError("Choisissez un ton.", "tone")
    if visibility not in VISIBILITIES:
        raise ObservationError("Choisissez qui pourra lire l'observation.", "visibility")
    if not text:
        raise ObservationError("Écrivez quelques mots : ce qui a été vu ou entendu.", "text")
    if len(text) > MAX_TEXT:
        raise ObservationError(f"Le texte dépasse {MAX_TEXT} caractères : résumez l'essentiel.", "text")
    if observed_on is None:
        raise ObservationError("Indiquez la date.", "observed_on")
    if observed_on > today:
        raise ObservationError("La date ne peut pas être dans le futur.", "observed_on")
    if observed_on < today - timedelta(days=60):
        raise ObservationError("La date remonte à plus de 60 jours.", "observed_on")
    return text


def record_observation(db: Session, *, user: User, employees: list[Employee], category: str, tone: str, text: str,
                       visibility: str, observed_on: date | None, today: date, client_key: str,
                       photo_id: int | None = None, skills_note: str = "",
                       corrects: Observation | None = None,
                       content_hash: str | None = None, happened_at: datetime | None = None) -> tuple[Observation, bool]:
    """Record an observation once per key (platform/idempotency.py); returns (observation, created).

    `content_hash` is the fingerprint of what the client sent; by default, of these arguments.
    """
    if content_hash is None:
        content_hash = idempotency.fingerprint({
            "employees": sorted(e.id for e in employees), "category": category, "tone": tone, "text": text,
            "visibility": visibility, "observed_on": observed_on, "skills_note": skills_note,
            "corrects": corrects.id if corrects else None})
    claim = idempotency.claim(db, structure_id=user.structure_id, author_id=user.id, key=client_key,
                              kind="observation", content_hash=content_hash)
    if claim.is_replay:
        return db.get(Observation, claim.replayed_id), False
    text = validate(text=text, category=category, tone=tone, visibility=visibility, observed_on=observed_on,
                    today=today, employees=employees)
    if corrects is not None:
        if corrects.author_id != user.id:
            raise ObservationError("Seul(e) l'auteur(e) peut corriger cette observation.")
        if db.exec(select(Observation.id).where(Observation.corrects_id == corrects.id)).first():
            raise ObservationError("Cette version a déjà été corrigée : corrigez la plus récente.")
    observation = Observation(
        structure_id=user.structure_id, author_id=user.id, observed_on=observed_on, category=category, tone=tone,
        text=text, visibility=visibility, skills_note=(skills_note or "").strip()[:300], photo_id=photo_id,
        root_id=(corrects.root_id or corrects.id) if corrects else None,
        corrects_id=corrects.id if corrects else None, client_key=client_key, created_at=happened_at or utcnow(),
    )
    db.add(observation)
    db.flush()
    claim.settle(observation.id)
    for employee in {e.id: e for e in employees}.values():
        db.add(ObservationEmployee(observation_id=observation.id, employee_id=employee.id,
                                   structure_id=user.structure_id, observed_on=observation.observed_on,
                                   created_at=observation.created_at, tone=observation.tone))
    return observation, True


def undo_observation(db: Session, *, observation: Observation, user: User, now: datetime, ip: str,
                     upload_folder: str) -> list[int]:
    """Take back an observation just saved (its author, within the undo window): it is deleted with its links
    and photo, and the undo is audited. Returns the ids of the people it was about. The caller commits."""
    undo.check_undo(user=user, author_id=observation.author_id, saved_at=observation.created_at, now=now)
    if db.exec(select(Observation.id).where(Observation.corrects_id == observation.id)).first():
        raise undo.UndoRefused("Cette observation a été corrigée depuis : annulez la correction.")
    links = db.exec(select(ObservationEmployee).where(ObservationEmployee.observation_id == observation.id)).all()
    people = sorted(link.employee_id for link in links)
    for link in links:
        db.delete(link)
    db.flush()
    photo_id = observation.photo_id
    idempotency.forget_object(db, author_id=observation.author_id, key=observation.client_key)
    audit.record(db, action="observation.undo", user=user, ip=ip, object_type="observation",
                 object_id=observation.id, employee_id=people[0] if len(people) == 1 else None,
                 detail=f"Annulée juste après l'enregistrement ({len(people)} personne(s))")
    db.delete(observation)
    db.flush()
    personal_data.drop_photos(db, [photo_id], upload_folder=upload_folder)
    return people


@event.listens_for(ObservationEmployee, "before_insert")
def _copy_observation_dates(_mapper, connection, link: ObservationEmployee) -> None:
    """A link written without its observation's dates and tone (demo, imports, tests) gets them from the
    observation."""
    if link.observed_on is None or link.created_at is None or link.tone is None:
        observed_on, created_at, tone = connection.execute(
            select(Observation.observed_on, Observation.created_at, Observation.tone)
            .where(Observation.id == link.observation_id)
        ).one()
        link.observed_on = link.observed_on or observed_on
        link.created_at = link.created_at or created_at
        link.tone = link.tone or tone


@dataclass
class ObservationView:
    """An observation as displayed: its people, author, and earlier versions the viewer may read."""

    observation: Observation
    employees: list[Employee]
    author: Row | None  # id and full_name: nothing else of the account is read to show a note
    history: list[Observation]

    @property
    def category_label(self) -> str:
        return OBSERVATION_CATEGORIES.get(self.observation.category, "Autre")

    @property
    def tone_label(self) -> str:
        return OBSERVATION_TONES.get(self.observation.tone, "Neutre")


@functools.cache
def _view_statements(role: str) -> tuple:
    """The three queries of `observation_views`, built once per process for a role (building costs more than
    running them): the people of the notes, their authors, the versions of the corrected ones."""
    viewer = RoleViewer(role)
    roots = bindparam("roots", expanding=True)
    people = (select(ObservationEmployee.observation_id, Employee)
              .join(Employee, Employee.id == ObservationEmployee.employee_id)
              .where(col(ObservationEmployee.observation_id).in_(bindparam("ids", expanding=True)))
              .order_by(Employee.first_name))
    authors = select(User.id, User.full_name).where(col(User.id).in_(bindparam("author_ids", expanding=True)))
    history = (select(Observation).where(col(Observation.id).in_(roots) | col(Observation.root_id).in_(roots),
                                         visible_clause(viewer))
               .order_by(col(Observation.created_at).desc()))
    # Lookups by ids: the same indexes whatever the ids.
    return plan_once(people), plan_once(authors), plan_once(history)


def observation_views(db: Session, *, user: User, observations: list[Observation]) -> list[ObservationView]:
    """Decorate observations with people, authors and history in three queries whatever their number."""
    observations = [o for o in observations if may_read(user, o)]
    ids = [o.id for o in observations]
    if not ids:
        return []
    people_query, authors_query, history_query = _view_statements(user.role)
    people: dict[int, list[Employee]] = {i: [] for i in ids}
    for observation_id, employee in db.exec(people_query, params={"ids": ids}).all():
        people[observation_id].append(employee)
    authors = {u.id: u for u in db.exec(authors_query, params={"author_ids": list({o.author_id for o in observations})})}
    roots = {o.root_id for o in observations if o.root_id}
    history: dict[int, list[Observation]] = {}
    if roots:
        for old in db.exec(history_query, params={**viewer_params(user), "roots": list(roots)}).all():
            history.setdefault(old.root_id or old.id, []).append(old)
    return [ObservationView(o, people[o.id], authors.get(o.author_id),
                            [h for h in history.get(o.root_id, []) if h.id != o.id and h.created_at <= o.created_at])
            for o in observations]


FEED_MAX_DAYS = 31  # a feed left unread for months starts a month back: older notes stay on each timeline


@dataclass(frozen=True)
class FeedCursor:
    """Position after the last observation shown in the feed: its rank (préoccupante first), time and id."""

    rank: int
    created_at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.rank}~{self.created_at.isoformat()}~{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> FeedCursor | None:
        """Parse a cursor from the query string; anything malformed means the first page."""
        try:
            rank, moment, ident = (value or "").split("~")
            return cls(int(rank), datetime.fromisoformat(moment), int(ident))
        except ValueError:
            return None


@dataclass(frozen=True)
class PendingAck:
    """A consigne a followed person has not acknowledged: who, the consigne's day and text."""

    person: str
    day: date
    text: str


@dataclass(frozen=True)
class Absence:
    """A followed person's absence or lateness."""

    person: str
    day: date
    status: str
    late_minutes: int | None


@dataclass
class Feed:
    """What a counsellor has not seen yet about the employees they follow (a page of it)."""

    since: datetime
    observations: list[ObservationView]
    pending_acks: list[PendingAck]
    absences: list[Absence]
    next_cursor: FeedCursor | None = None


# Candidate notes read from the links per round beyond the page: its look-ahead row and room for the few a
# counsellor may not read or that were corrected since (another round reads on when they are more).
FEED_WINDOW_SLACK = 11


@functools.cache
def _feed_statements(role: str, paged: bool) -> tuple:
    """The feed's queries, built once per process for a role and for a first or a next window: the notes (bound:
    the viewer, `since`, the cursor, `window`), and the unacknowledged consignes with the absences (bound: the
    viewer, `since_day`, `today`)."""
    viewer = RoleViewer(role)
    since = bindparam("since")  # typed by the UTCDateTime columns it is compared with
    # The recent notes of the followed people, ranked from each person's (employee, time, note, tone) index
    # alone: a note about several of them counts once. Only the window's notes are then read.
    person = _PERSON
    followed = [person.structure_id == viewer.structure_id, person.active.is_(True)]
    if role == "counsellor":
        followed.append(person.referent_cip_id == viewer.id)
    link = ObservationEmployee
    rank = case((link.tone == "preoccupante", 0), else_=1)
    candidates = (select(link.observation_id.label("id"), rank.label("rank"), link.created_at.label("at"))
                  .join(person, person.id == link.employee_id)
                  .where(link.created_at > since, *followed))
    if paged:
        cursor_rank, cursor_at = bindparam("cursor_rank", type_=Integer), bindparam("cursor_at")
        candidates = candidates.where(or_(rank > cursor_rank, and_(rank == cursor_rank, or_(
            link.created_at < cursor_at,
            and_(link.created_at == cursor_at, link.observation_id < bindparam("cursor_id", type_=Integer))))))
    window = (candidates.group_by(link.observation_id, rank, link.created_at)
              .order_by(rank, link.created_at.desc(), link.observation_id.desc())
              .limit(bindparam("window", type_=Integer)).subquery("candidate"))
    # Every candidate comes back, with its note only when the viewer may read it and it is the latest version.
    observations = (select(window.c.id, window.c.rank, window.c.at, Observation)
                    .outerjoin(Observation, and_(Observation.id == window.c.id, visible_clause(viewer),
                                                 current_clause()))
                    .order_by(window.c.rank, window.c.at.desc(), window.c.id.desc()))
    since_day = bindparam("since_day", type_=Date)
    # The unacknowledged consignes and the absences of the followed people, in one statement of plain rows (the
    # feed shows up to twenty of each on every visit): each starts from the followed people, then their rows of
    # the period from the (person, ...) indexes.
    pending = (select(literal("pending").label("kind"), person.first_name, person.last_name, Instruction.day,
                      Instruction.text, cast(null(), String).label("status"),
                      cast(null(), Integer).label("late_minutes"))
               .select_from(person)
               .join(InstructionAck, and_(InstructionAck.employee_id == person.id,
                                          InstructionAck.structure_id == viewer.structure_id,
                                          col(InstructionAck.acknowledged_at).is_(None)))
               .join(Instruction, Instruction.id == InstructionAck.instruction_id)
               .where(*followed, Instruction.structure_id == viewer.structure_id, Instruction.day >= since_day,
                      Instruction.day < bindparam("today", type_=Date))
               .order_by(col(Instruction.day).desc()).limit(FEED_LIMIT).subquery("pending"))
    absences = (select(literal("absence").label("kind"), person.first_name, person.last_name, Attendance.day,
                       cast(null(), String).label("text"), Attendance.status, Attendance.late_minutes)
                .select_from(person)
                .join(Attendance, and_(Attendance.employee_id == person.id,
                                       Attendance.structure_id == viewer.structure_id))
                .where(*followed, Attendance.day >= since_day, col(Attendance.status).in_(["absent", "late"]))
                .order_by(col(Attendance.day).desc()).limit(FEED_LIMIT).subquery("absences"))
    # The notes' statement reads the same indexes whatever the counsellor and the period: planned once, it ran as
    # fast as planned for its values (0.2-0.5 ms at 1M observations, 12 to 166 people followed, 1 to 31 days), and
    # planning it cost 0.4 ms more. The consignes and absences are planned for their values (3.6 ms under one plan,
    # 0.5 planned for the values): they come last, after the notes' decoration, so the feed changes mode once.
    return plan_once(observations), union_all(select(*pending.c), select(*absences.c))


def _feed_notes(db: Session, *, user: User, since: datetime, cursor: FeedCursor | None,
                limit: int) -> tuple[list[Observation], FeedCursor | None]:
    """Up to `limit` notes after `cursor` (préoccupantes first, then newest first) and the cursor of the next page.

    Windows of candidates are read in order until the page and one more note are found or the period is over:
    one window almost always."""
    params = {**viewer_params(user), "since": since, "window": limit + FEED_WINDOW_SLACK}
    found: list[tuple[FeedCursor, Observation]] = []
    while len(found) <= limit:
        statement = _feed_statements(user.role, cursor is not None)[0]
        if cursor is not None:
            params.update(cursor_rank=cursor.rank, cursor_at=cursor.created_at, cursor_id=cursor.id)
        rows = db.exec(statement, params=params).all()
        found += [(FeedCursor(rank, at, ident), note) for ident, rank, at, note in rows if note is not None]
        if len(rows) < params["window"]:
            break
        ident, rank, at, _note = rows[-1]
        cursor = FeedCursor(rank, at, ident)
    page = found[:limit]
    next_cursor = page[-1][0] if len(found) > limit else None
    return [note for _key, note in page], next_cursor


def counsellor_feed(db: Session, *, user: User, today: date, cursor: FeedCursor | None = None,
                    limit: int = FEED_LIMIT) -> Feed:
    """Since the last "tout lu": observations (préoccupantes first, paged by keyset), unacknowledged consignes,
    absences (on the first page).

    Every query starts from the followed people and reads each one's rows of the period from a (person, time)
    index, so the cost follows the number of new rows, never the length of the history.
    """
    visit = db.get(FeedVisit, user.id, execution_options=BY_KEY)
    floor = utcnow() - timedelta(days=FEED_MAX_DAYS)
    since = visit.seen_at if visit else utcnow() - timedelta(days=14)
    since = max(since, floor.replace(tzinfo=since.tzinfo))
    notes, next_cursor = _feed_notes(db, user=user, since=since, cursor=cursor, limit=limit)
    views = observation_views(db, user=user, observations=notes)
    pending, absences = [], []
    if cursor is None:
        params = {**viewer_params(user), "since_day": since.date(), "today": today}
        # Names as Employee.full_name gives them.
        for kind, first, last, day, text, status, late in db.exec(_feed_statements(user.role, False)[1],
                                                                  params=params):
            if kind == "pending":
                pending.append(PendingAck(f"{first} {last}", day, text))
            else:
                absences.append(Absence(f"{first} {last}", day, status, late))
    return Feed(since, views, pending, absences, next_cursor)


def mark_feed_read(db: Session, *, user: User) -> None:
    """Remember that the counsellor has read everything up to now."""
    visit = db.get(FeedVisit, user.id) or FeedVisit(user_id=user.id, structure_id=user.structure_id)
    visit.seen_at = utcnow()
    db.add(visit)

