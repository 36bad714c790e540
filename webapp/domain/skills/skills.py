"""Skills: frameworks per sector, ratings, latest levels, history, team matrix, framework edits."""
from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Row, bindparam, exists, func, literal, or_, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from webapp.domain import undo
from webapp.domain.accounts import audit
from webapp.models import (
    Assignment,
    Attendance,
    Employee,
    LearningSession,
    LearningSessionParticipant,
    LearningSessionSkill,
    Photo,
    Skill,
    SkillActivity,
    SkillFramework,
    SkillRating,
    User,
    Worksite,
    utcnow,
)
from webapp.platform import dates, idempotency, photos, reference_lists
from webapp.platform.db import write_after_read
from webapp.platform.plans import plan_once

ACQUIRED = 3  # "acquis" and above go on the attestation
CORRECTION_WINDOW = timedelta(hours=2)
PICTOGRAMS = {"shield": "Sécurité", "leaf": "Feuille", "tree": "Arbre", "sprout": "Pousse", "basket": "Panier",
              "truck": "Camion", "recycle": "Recyclage", "cart": "Caddie", "broom": "Balai", "tools": "Outils",
              "brick": "Briques", "brush": "Pinceau", "pot": "Cuisine", "box": "Colis", "people": "Équipe"}


@dataclass(frozen=True)
class Level:
    """One step of the 4-level scale, always shown with its symbol, letter and label."""

    number: int
    code: str
    label: str
    autonomy: str
    symbol: str


LEVELS: dict[int, Level] = {
    int(row["level"]): Level(int(row["level"]), str(row["code"]), str(row["label"]), str(row["autonomy"]),
                             str(row["symbol"]))
    for row in reference_lists.competence_levels()
}


class SkillError(ValueError):
    """A rating or framework edit refused, with a French message for the user."""


def parse_level(value) -> int:
    """The level number of a form value, or SkillError."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if number not in LEVELS:
        raise SkillError("Niveau inconnu : choisissez non acquis, en cours, acquis ou maîtrisé.")
    return number


# --- frameworks ---------------------------------------------------------------------------------

def create_framework(db: Session, *, structure_id: int, sector: str, rome_code: str = "") -> SkillFramework:
    """Create the framework of `sector` for a structure, filled from the seed list when the sector is known."""
    seed = reference_lists.seed_skills().get(sector)
    kind = "savoir_etre" if sector == reference_lists.SAVOIR_ETRE_SECTOR else "sector"
    framework = SkillFramework(structure_id=structure_id, sector=sector, kind=kind,
                               rome_code=(seed or {}).get("rome_code") or rome_code)
    db.add(framework)
    db.flush()
    for a_pos, (name, pictogram, skills) in enumerate((seed or {}).get("activities", [])):
        activity = SkillActivity(structure_id=structure_id, framework_id=framework.id, name=name,
                                 pictogram=pictogram, position=a_pos)
        db.add(activity)
        db.flush()
        for s_pos, (code, label) in enumerate(skills):
            db.add(Skill(structure_id=structure_id, framework_id=framework.id, activity_id=activity.id,
                         code=code, label=label, position=s_pos))
    db.flush()
    return framework


def missing_sectors(db: Session, structure_id: int) -> list[tuple[str, str]]:
    """(sector, ROME code) of the structure's active work sites, plus savoir-être, without a framework yet."""
    rows = db.exec(_MISSING_SECTORS, params={"structure_id": structure_id}).all()
    # Savoir-être first, then the sites' sectors (a sector once, with its first ROME code).
    wanted = ([row for row in rows if row[0] == reference_lists.SAVOIR_ETRE_SECTOR]
              + sorted({(sector, rome) for sector, rome in rows if sector != reference_lists.SAVOIR_ETRE_SECTOR}))
    seen, result = set(), []
    for sector, rome in wanted:
        if sector not in seen:
            seen.add(sector)
            result.append((sector, rome))
    return result


def _missing_sectors_statement():
    """Savoir-être and the sectors of the structure's active sites that have no framework yet, in one statement
    built once per process: every skills screen runs it (empty, once the frameworks exist)."""
    structure_id = bindparam("structure_id")
    framework = aliased(SkillFramework)

    def has_framework(sector):
        return exists().where(framework.structure_id == structure_id, framework.sector == sector)

    savoir_etre = select(literal(reference_lists.SAVOIR_ETRE_SECTOR).label("sector"), literal("").label("rome_code")
                         ).where(~has_framework(reference_lists.SAVOIR_ETRE_SECTOR))
    sites = select(Worksite.sector, Worksite.rome_code).where(
        Worksite.structure_id == structure_id, Worksite.active.is_(True), ~has_framework(Worksite.sector))
    return union_all(savoir_etre, sites)


_MISSING_SECTORS = plan_once(_missing_sectors_statement())


def ensure_frameworks(db: Session, structure_id: int) -> int:
    """Create the frameworks missing for the sectors of the structure's work sites; the caller commits."""
    missing = missing_sectors(db, structure_id)
    for sector, rome in missing:
        create_framework(db, structure_id=structure_id, sector=sector, rome_code=rome)
    return len(missing)


def ensure_frameworks_before_reading(db: Session, structure_id: int) -> None:
    """Create the frameworks missing for the structure's work sites, from a reading request (commits if it writes)."""
    if not missing_sectors(db, structure_id):
        return
    try:
        with write_after_read(db):
            ensure_frameworks(db, structure_id)
    except IntegrityError:  # another request created them at the same moment
        db.rollback()


def active_sites(db: Session, structure_id: int) -> list[Row]:
    """Active work sites of the structure, by name: rows of the work site's columns (the site chooser lists a
    structure's dozens of sites on every visit of the matrix; no ORM objects to build)."""
    return db.exec(_ACTIVE_SITES, params={"structure_id": structure_id}).all()


_ACTIVE_SITES = plan_once(select(*Worksite.__table__.columns)
                          .where(Worksite.structure_id == bindparam("structure_id"), Worksite.active.is_(True))
                          .order_by(Worksite.name))


def pick_site(db: Session, *, user: User, sites: list[Row], wanted_id: int | None) -> Worksite | Row | None:
    """The site asked for, else the supervisor's own team's site, else the first; LookupError for a foreign one."""
    if wanted_id:
        site = db.get(Worksite, wanted_id)
        if site is None or site.structure_id != user.structure_id:
            raise LookupError(wanted_id)
        return site
    if user.role == "supervisor":
        site_id = db.exec(_OWN_TEAM_SITE, params={"structure_id": user.structure_id, "user_id": user.id}).first()
        for site in sites:
            if site.id == site_id:
                return site
    return sites[0] if sites else None


_OWN_TEAM_SITE = plan_once(select(Employee.worksite_id).where(
    Employee.structure_id == bindparam("structure_id"), Employee.referent_eti_id == bindparam("user_id"),
    Employee.active.is_(True), col(Employee.worksite_id).is_not(None)))


def frameworks_of(db: Session, structure_id: int) -> list[SkillFramework]:
    """The structure's frameworks, savoir-être last."""
    rows = db.exec(select(SkillFramework).where(SkillFramework.structure_id == structure_id)
                   .order_by(SkillFramework.sector)).all()
    return sorted(rows, key=lambda f: (f.kind == "savoir_etre", f.sector))


@dataclass
class SkillRow:
    """An active skill with its framework and activity, as listed for rating."""

    skill: Skill
    activity: SkillActivity
    framework: SkillFramework


def skills_for_sector(db: Session, structure_id: int, sector: str | None, query: str = "") -> list[SkillRow]:
    """Active skills of the sector's framework and of savoir-être, in framework order, in one query."""
    stmt = _SKILLS_OF_SECTORS
    for word in query.strip().split()[:5]:
        pattern = f"%{word.lower()}%"
        stmt = stmt.where(or_(func.lower(Skill.label).like(pattern), func.lower(SkillActivity.name).like(pattern),
                              func.lower(Skill.code).like(pattern)))
    params = {"structure_id": structure_id, "sectors": _sectors(sector)}
    return _in_framework_order([SkillRow(s, a, f) for s, a, f in db.exec(stmt, params=params)])


def _sectors(sector: str | None) -> list[str]:
    """The frameworks a site's skills come from: savoir-être, and the site's sector when it has one."""
    return [reference_lists.SAVOIR_ETRE_SECTOR] + ([sector] if sector else [])


def _in_framework_order(rows: list[SkillRow]) -> list[SkillRow]:
    """The sector's skills first, then savoir-être; by activity, then by skill, as their frameworks order them."""
    return sorted(rows, key=lambda r: (r.framework.kind == "savoir_etre", r.activity.position, r.skill.position,
                                       r.skill.id))


# Built once per process (the rating screens run it on every request).
_SKILLS_OF_SECTORS = plan_once(
    select(Skill, SkillActivity, SkillFramework)
    .join(SkillActivity, SkillActivity.id == Skill.activity_id)
    .join(SkillFramework, SkillFramework.id == Skill.framework_id)
    .where(Skill.structure_id == bindparam("structure_id"), Skill.active.is_(True),
           col(SkillFramework.sector).in_(bindparam("sectors", expanding=True)))
)


class _SkillColumns(NamedTuple):
    id: int
    code: str
    label: str
    position: int


class _ActivityColumns(NamedTuple):
    id: int
    name: str
    position: int


class _FrameworkColumns(NamedTuple):
    kind: str


# The same skills as columns only, for the matrix (read on every visit; it only shows them): no ORM objects.
# Planned once per connection, as the statement it is derived from.
_SKILL_COLUMNS_OF_SECTORS = _SKILLS_OF_SECTORS.with_only_columns(
    Skill.id, Skill.code, Skill.label, Skill.position, SkillActivity.id, SkillActivity.name, SkillActivity.position,
    SkillFramework.kind, maintain_column_froms=True)


def skill_columns_for_sector(db: Session, structure_id: int, sector: str | None) -> list[SkillRow]:
    """What `skills_for_sector` gives, in the same order, with only the columns a list of skills shows: the
    skill's id, code, label and position, its activity's id, name and position, its framework's kind."""
    params = {"structure_id": structure_id, "sectors": _sectors(sector)}
    return _in_framework_order([
        SkillRow(_SkillColumns(*row[:4]), _ActivityColumns(*row[4:7]), _FrameworkColumns(row[7]))
        for row in db.exec(_SKILL_COLUMNS_OF_SECTORS, params=params)])


def worksite_sector(db: Session, worksite_id: int | None) -> str | None:
    """The sector of a work site, or None."""
    site = db.get(Worksite, worksite_id) if worksite_id else None
    return site.sector if site else None


# --- ratings ------------------------------------------------------------------------------------

def _snapshot(db: Session, skill: Skill) -> dict:
    """The labels copied into a rating so that later framework edits leave it as it was."""
    activity = db.get(SkillActivity, skill.activity_id)
    framework = db.get(SkillFramework, skill.framework_id)
    return {"skill_code": skill.code, "skill_label": skill.label, "activity_label": activity.name if activity else "",
            "sector": framework.sector if framework else "", "rome_code": framework.rome_code if framework else ""}


def record_rating(db: Session, *, employee: Employee, skill: Skill, level, user: User,
                  worksite_id: int | None = None, situation: str = "", evidence_note: str = "",
                  evidence_ref: str = "", session_id: int | None = None, at: datetime | None = None) -> SkillRating:
    """Record one rating after checking level and structure; the caller commits."""
    rating = record_group(db, employees=[employee], skill=skill, level=level, user=user, worksite_id=worksite_id,
                          situation=situation, evidence_note=evidence_note, session_id=session_id, at=at)[0]
    rating.evidence_ref = evidence_ref
    db.add(rating)
    return rating


def record_group(db: Session, *, employees: list[Employee], skill: Skill, level, user: User,
                 worksite_id: int | None = None, situation: str = "", evidence_note: str = "",
                 session_id: int | None = None, at: datetime | None = None) -> list[SkillRating]:
    """Record the same level for several employees who did the same task; the caller commits."""
    return _record(db, employees=employees, skill=skill, level=level, user=user, worksite_id=worksite_id,
                   situation=situation, evidence_note=evidence_note, session_id=session_id, at=at)[0]


def capture_ratings(db: Session, *, employees: list[Employee], skill: Skill, level, user: User, client_key: str,
                    content_hash: str, worksite_id: int | None = None, situation: str = "", evidence_note: str = "",
                    evidence_ref: str = "", at: datetime | None = None) -> tuple[list[SkillRating], bool]:
    """A rating captured on the phone (one person or a group), recorded once per key (platform/idempotency.py);
    returns (ratings, created). A replay returns the ratings recorded the first time, created False, and writes
    nothing; the same key with other content raises KeyReused. The caller commits."""
    ratings, created = _record(db, employees=employees, skill=skill, level=level, user=user, worksite_id=worksite_id,
                               situation=situation, evidence_note=evidence_note, at=at, client_key=client_key,
                               content_hash=content_hash)
    if created and evidence_ref:
        for rating in ratings:
            rating.evidence_ref = evidence_ref
            db.add(rating)
    return ratings, created


def _record(db: Session, *, employees: list[Employee], skill: Skill, level, user: User, worksite_id: int | None,
            situation: str, evidence_note: str, at: datetime | None, session_id: int | None = None,
            client_key: str | None = None, content_hash: str = "") -> tuple[list[SkillRating], bool]:
    """Check and record the ratings (under the capture's key when there is one); the ratings of one call share
    one `rated_at`."""
    number = parse_level(level)
    if not employees:
        raise SkillError("Choisissez au moins une personne.")
    structure_id = skill.structure_id
    if any(e.structure_id != structure_id for e in employees) or user.structure_id != structure_id:
        raise SkillError("Salarié ou compétence d'une autre structure.")
    if not skill.active:
        raise SkillError("Cette compétence a été retirée du référentiel.")
    if worksite_id is not None:
        site = db.get(Worksite, worksite_id)
        if site is None or site.structure_id != structure_id:
            raise SkillError("Chantier inconnu.")
    claim = None
    if client_key:
        claim = idempotency.claim(db, structure_id=structure_id, author_id=user.id, key=client_key, kind="rating",
                                  content_hash=content_hash)
        if claim.is_replay:
            return _recorded_together(db, claim.replayed_id), False
    snapshot = _snapshot(db, skill)
    moment = at or utcnow()
    ratings = []
    for employee in employees:
        rating = SkillRating(structure_id=structure_id, employee_id=employee.id, skill_id=skill.id, level=number,
                             rated_by_id=user.id, rated_at=moment,
                             worksite_id=worksite_id if worksite_id is not None else employee.worksite_id,
                             situation=situation[:300], evidence_note=evidence_note[:1000], session_id=session_id,
                             **snapshot)
        db.add(rating)
        ratings.append(rating)
    db.flush()
    if claim is not None:
        claim.settle(ratings[0].id)
    return ratings, True


def _recorded_together(db: Session, first_id: int) -> list[SkillRating]:
    """The ratings recorded by one capture, found from the first of them (same author, skill and moment)."""
    first = db.get(SkillRating, first_id)
    if first is None:
        raise SkillError("Cette évaluation a été annulée après son envoi : refaites-la pour l'enregistrer.")
    return list(db.exec(select(SkillRating).where(
        SkillRating.structure_id == first.structure_id, SkillRating.rated_by_id == first.rated_by_id,
        SkillRating.skill_id == first.skill_id, SkillRating.rated_at == first.rated_at).order_by(SkillRating.id)).all())


def correct_rating(db: Session, *, rating: SkillRating, level, user: User) -> SkillRating:
    """Change the level of a rating just made by the same person (an exception in a group rating)."""
    number = parse_level(level)
    rated_at = rating.rated_at if rating.rated_at.tzinfo else rating.rated_at.replace(tzinfo=utcnow().tzinfo)
    if rating.rated_by_id != user.id or utcnow() - rated_at > CORRECTION_WINDOW:
        raise SkillError("Seule la personne qui a évalué peut corriger, dans les deux heures.")
    rating.level = number
    db.add(rating)
    db.flush()
    return rating


def undo_rating(db: Session, *, rating: SkillRating, user: User, now: datetime, ip: str,
                upload_folder: str) -> None:
    """Take back a rating just made (its author, within the undo window): deleted with its evidence photo, and
    the undo is audited; the person's previous level is their latest again. The caller commits."""
    undo.check_undo(user=user, author_id=rating.rated_by_id, saved_at=rating.rated_at, now=now)
    photo_id = evidence_photo_id(rating)
    audit.record(db, action="rating.undo", user=user, ip=ip, object_type="rating", object_id=rating.id,
                 employee_id=rating.employee_id,
                 detail=f"Évaluation annulée juste après : {rating.skill_label}, niveau {rating.level}")
    db.delete(rating)
    photo = db.get(Photo, photo_id) if photo_id else None
    if photo is not None:
        db.delete(photo)
        photos.photo_path(photo, upload_folder).unlink(missing_ok=True)
    db.flush()


def latest_ratings(db: Session, employee_ids: list[int], codes: list[str] | None = None,
                   until: datetime | None = None) -> dict[tuple[int, str], SkillRating]:
    """The latest rating of each (employee, skill code), in one query."""
    if not employee_ids:
        return {}
    rank = func.row_number().over(
        partition_by=(SkillRating.employee_id, SkillRating.skill_code),
        order_by=(col(SkillRating.rated_at).desc(), col(SkillRating.id).desc()),
    ).label("rank")
    inner = select(SkillRating.id, rank).where(col(SkillRating.employee_id).in_(employee_ids))
    if codes is not None:
        inner = inner.where(col(SkillRating.skill_code).in_(codes))
    if until is not None:
        inner = inner.where(SkillRating.rated_at <= until)
    sub = inner.subquery()
    rows = db.exec(select(SkillRating).join(sub, sub.c.id == SkillRating.id).where(sub.c.rank == 1)).all()
    return {(r.employee_id, r.skill_code): r for r in rows}


_RATINGS = SkillRating.__table__


def _latest_rows(db: Session, employee_ids: list[int], codes: list[str] | None, *names: str):
    """Columns `names` (employee_id, skill_code, skill_label, level, rated_at) of the latest rating of each
    (employee, skill code), as plain rows: no rating objects to build (a team matrix holds hundreds of them)."""
    latest = _latest_statement(names, codes is not None)
    params = {"employee_ids": employee_ids} if codes is None else {"employee_ids": employee_ids, "codes": codes}
    return db.exec(latest, params=params).all()


@functools.cache
def _latest_statement(names: tuple[str, ...], by_code: bool):
    """The statement of _latest_rows, built once per process: the (employee, code) pairs rated, then for each
    pair its latest rating's id found at the end of the (employee_id, skill_code, rated_at, id) index. One index
    seek per pair instead of numbering every rating with a window function (several times slower on SQLite)."""
    rated = _RATINGS.alias("rated")
    pairs = select(rated.c.employee_id, rated.c.skill_code).distinct().where(
        rated.c.employee_id.in_(bindparam("employee_ids", expanding=True)))
    if by_code:
        pairs = pairs.where(rated.c.skill_code.in_(bindparam("codes", expanding=True)))
    pairs = pairs.subquery("pairs")
    newest = _RATINGS.alias("newest")
    latest_id = (select(newest.c.id)
                 .where(newest.c.employee_id == pairs.c.employee_id, newest.c.skill_code == pairs.c.skill_code)
                 .order_by(newest.c.rated_at.desc(), newest.c.id.desc()).limit(1).scalar_subquery())
    return (select(*(_RATINGS.c[name] for name in names))
            .select_from(pairs).join(_RATINGS, _RATINGS.c.id == latest_id))


def latest_level(db: Session, employee_id: int, code: str) -> int | None:
    """The latest level of one employee on one skill code, or None when never rated."""
    rating = latest_ratings(db, [employee_id], [code]).get((employee_id, code))
    return rating.level if rating else None


@dataclass
class SkillHistory:
    """All ratings of one employee on one skill code, oldest first."""

    code: str
    label: str
    activity: str
    sector: str
    rome_code: str
    ratings: list[SkillRating] = field(default_factory=list)

    @property
    def first(self) -> SkillRating:
        return self.ratings[0]

    @property
    def last(self) -> SkillRating:
        return self.ratings[-1]

    @property
    def acquired(self) -> bool:
        return self.last.level >= ACQUIRED


def history(db: Session, employee_id: int, start: date | None = None, end: date | None = None, *,
            timezone: str | None = None) -> list[SkillHistory]:
    """Each rated skill of an employee with its ratings in the period (local days of `timezone`), oldest first;
    labels of the latest rating."""
    stmt = select(SkillRating).where(SkillRating.employee_id == employee_id)
    if start:
        stmt = stmt.where(SkillRating.rated_at >= dates.day_bounds(start, timezone)[0])
    if end:
        stmt = stmt.where(SkillRating.rated_at < dates.day_bounds(end, timezone)[1])
    by_code: dict[str, SkillHistory] = {}
    for rating in db.exec(stmt.order_by(SkillRating.rated_at, SkillRating.id)).all():
        item = by_code.setdefault(rating.skill_code, SkillHistory(rating.skill_code, "", "", "", ""))
        item.ratings.append(rating)
        item.label, item.activity = rating.skill_label, rating.activity_label
        item.sector, item.rome_code = rating.sector, rating.rome_code
    return sorted(by_code.values(), key=lambda h: (h.sector == reference_lists.SAVOIR_ETRE_SECTOR, h.sector,
                                                   h.activity, h.code))


def first_and_last(db: Session, employee_id: int, start: date | None = None, end: date | None = None, *,
                   timezone: str | None = None) -> dict[str, tuple[SkillRating, SkillRating]]:
    """For the bilan: the first and last rating of each skill over a period."""
    return {h.code: (h.first, h.last) for h in history(db, employee_id, start, end, timezone=timezone)}


def planned_codes(db: Session, employee_id: int) -> set[str]:
    """Skill codes targeted by the planned learning sessions of an employee."""
    rows = db.exec(
        select(Skill.code)
        .join(LearningSessionSkill, LearningSessionSkill.skill_id == Skill.id)
        .join(LearningSession, LearningSession.id == LearningSessionSkill.session_id)
        .join(LearningSessionParticipant, LearningSessionParticipant.session_id == LearningSession.id)
        .where(LearningSessionParticipant.employee_id == employee_id, LearningSession.status == "planned")
    ).all()
    return set(rows)


@dataclass
class Progress:
    """What the employee page and the bilan show about skills."""

    histories: list[SkillHistory]
    acquired: list[SkillHistory]
    working: list[SkillHistory]
    planned: set[str]


def progress(db: Session, employee_id: int) -> Progress:
    """Skills acquired (latest level acquis or above) and being worked on (rated below, or in a planned session)."""
    histories = history(db, employee_id)
    planned = planned_codes(db, employee_id)
    acquired = [h for h in histories if h.acquired]
    working = [h for h in histories if not h.acquired or h.code in planned]
    return Progress(histories, acquired, working, planned)


def working_codes(db: Session, employee_id: int) -> set[str]:
    """Codes to offer first when rating one employee: latest level below acquis, or targeted by a planned session."""
    latest = latest_ratings(db, [employee_id])
    return {code for (_, code), r in latest.items() if r.level < ACQUIRED} | planned_codes(db, employee_id)


class WorkingSkill(NamedTuple):
    """A skill being worked on, as the Today card names it and links to its rating."""

    code: str
    label: str


# The statement of working_skills, built once per process (every Today page runs it): the labels of the latest
# ratings below acquis (the same index walk as the matrix's), then the skills of planned sessions (sorted by
# `working_from`).
WORKING = union_all(
    _latest_statement(("employee_id", "skill_code", "skill_label"), False)
    .where(_RATINGS.c.level < ACQUIRED).add_columns(literal(0).label("planned")),
    select(LearningSessionParticipant.employee_id, Skill.code, Skill.label, literal(1).label("planned"))
    .join(LearningSession, LearningSession.id == LearningSessionParticipant.session_id)
    .join(LearningSessionSkill, LearningSessionSkill.session_id == LearningSession.id)
    .join(Skill, Skill.id == LearningSessionSkill.skill_id)
    .where(col(LearningSessionParticipant.employee_id).in_(bindparam("employee_ids", expanding=True)),
           LearningSession.status == "planned"),
)


def working_skills(db: Session, employee_ids: list[int]) -> dict[int, list[WorkingSkill]]:
    """For each employee, the skills being worked on (rated below acquis, or targeted by a planned session).

    One query whatever the number of employees: the Today cards of a whole team use it.
    """
    rows = db.exec(WORKING, params={"employee_ids": employee_ids}).all() if employee_ids else []
    return working_from(rows, employee_ids)


def working_from(rows, employee_ids: list[int]) -> dict[int, list[WorkingSkill]]:
    """`working_skills` from its statement's rows (employee, code, label, planned), in any order: the rated ones by
    label, then the planned ones by label, those not rated below acquis already."""
    found: dict[int, list[WorkingSkill]] = {i: [] for i in employee_ids}
    for employee_id, code, label, _planned in sorted(rows, key=lambda row: (bool(row[3]), row[2])):
        if all(w.code != code for w in found[employee_id]):
            found[employee_id].append(WorkingSkill(code, label))
    return found


PHOTO_PREFIX = "photo:"


def evidence_photo_id(rating: SkillRating) -> int | None:
    """The id of the stored Photo that evidences a rating, if any."""
    number = rating.evidence_ref[len(PHOTO_PREFIX):]
    if rating.evidence_ref.startswith(PHOTO_PREFIX) and number.isascii() and number.isdigit():
        return int(number)
    return None


# --- team matrix --------------------------------------------------------------------------------

@dataclass
class Matrix:
    """People of a site × skills of its framework and savoir-être, with latest ratings."""

    worksite: Worksite
    employees: list[Employee]
    skills: list[SkillRow]
    cells: dict[tuple[int, str], Row]  # the latest rating's level and time (plain rows: hundreds per site)

    def cell(self, employee_id: int, code: str) -> Row | None:
        return self.cells.get((employee_id, code))

    def rows(self) -> list[tuple[SkillRow, list[tuple[Employee, Level | None]]]]:
        """Each skill with its cells in employee order, (person, latest level or None): one loop per row for the
        template instead of a lookup per cell (a site's matrix has hundreds of cells)."""
        rows = []
        for row in self.skills:
            code, cells = row.skill.code, []
            for employee in self.employees:
                rating = self.cells.get((employee.id, code))
                cells.append((employee, LEVELS[rating.level] if rating else None))
            rows.append((row, cells))
        return rows


def site_employees(db: Session, worksite: Worksite) -> list[Employee]:
    """Active employees of a work site, by first name."""
    return list(db.exec(_SITE_EMPLOYEES, params={"structure_id": worksite.structure_id, "worksite_id": worksite.id}))


# Built once per process (the matrix and the group rating run it on every request).
_SITE_EMPLOYEES = plan_once(
    select(Employee)
    .where(Employee.structure_id == bindparam("structure_id"), Employee.worksite_id == bindparam("worksite_id"),
           Employee.active.is_(True))
    .order_by(Employee.first_name, Employee.last_name)
)


AWAY = ("absent", "excused")


def group_people(db: Session, worksite: Worksite, day: date) -> tuple[list[Employee], set[int]]:
    """Who a group rating on a work site offers, and who is ticked before the first tap: today's team there.

    Today's team is the people assigned to the site for `day` (or, when nobody is assigned there, the site's
    people), less those marked absent or excused: the supervisor then only unticks or ticks the exceptions.
    """
    assigned = set(db.exec(select(Assignment.employee_id).where(
        Assignment.structure_id == worksite.structure_id, Assignment.worksite_id == worksite.id,
        Assignment.day == day)).all())
    people = list(db.exec(select(Employee).where(
        Employee.structure_id == worksite.structure_id, Employee.active.is_(True),
        or_(Employee.worksite_id == worksite.id, col(Employee.id).in_(assigned or {0})))
        .order_by(Employee.first_name, Employee.last_name)).all())
    ids = [e.id for e in people]
    away = set(db.exec(select(Attendance.employee_id).where(
        col(Attendance.employee_id).in_(ids or [0]), Attendance.day == day,
        col(Attendance.status).in_(AWAY))).all())
    team = assigned if assigned else set(ids)
    return people, {i for i in ids if i in team and i not in away}


def matrix(db: Session, worksite: Worksite) -> Matrix:
    """The team matrix of a work site, in three queries whatever the team size."""
    employees = site_employees(db, worksite)
    skills = skill_columns_for_sector(db, worksite.structure_id, worksite.sector)
    rows = _latest_rows(db, [e.id for e in employees], [r.skill.code for r in skills],
                        "employee_id", "skill_code", "level", "rated_at") if employees else []
    cells = {(row.employee_id, row.skill_code): row for row in rows}
    return Matrix(worksite, employees, skills, cells)


# --- framework edits ----------------------------------------------------------------------------

def _next_code(db: Session, framework: SkillFramework) -> str:
    """A new code for a skill added by hand to a framework."""
    prefix = "".join(w[0] for w in framework.sector.replace("/", " ").split() if w[0].isalpha()).upper()[:3] or "C"
    count = db.exec(select(func.count()).select_from(Skill).where(Skill.framework_id == framework.id)).one()
    code = f"{prefix}-{framework.id}-{count + 1:02d}"
    while db.exec(select(Skill.id).where(Skill.structure_id == framework.structure_id, Skill.code == code)).first():
        count += 1
        code = f"{prefix}-{framework.id}-{count + 1:02d}"
    return code


def _activity(db: Session, framework: SkillFramework, name: str, pictogram: str = "tools") -> SkillActivity:
    """The activity of that name in the framework, created when new."""
    name = name.strip()[:160]
    if not name:
        raise SkillError("Indiquez l'activité.")
    activity = db.exec(select(SkillActivity).where(SkillActivity.framework_id == framework.id,
                                                   SkillActivity.name == name)).first()
    if activity is None:
        position = db.exec(select(func.count()).select_from(SkillActivity)
                           .where(SkillActivity.framework_id == framework.id)).one()
        activity = SkillActivity(structure_id=framework.structure_id, framework_id=framework.id, name=name,
                                 pictogram=pictogram if pictogram in PICTOGRAMS else "tools", position=position)
        db.add(activity)
        db.flush()
    return activity


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if len(label) < 5:
        raise SkillError("Décrivez la compétence par une action observable (5 caractères au moins).")
    if len(label) > 300:
        raise SkillError("300 caractères au plus.")
    return label


def add_skill(db: Session, *, framework: SkillFramework, activity_name: str, label: str,
              code: str | None = None, pictogram: str = "tools") -> Skill:
    """Add a skill to a framework; the caller commits."""
    label = _clean_label(label)
    activity = _activity(db, framework, activity_name, pictogram)
    position = db.exec(select(func.count()).select_from(Skill).where(Skill.activity_id == activity.id)).one()
    skill = Skill(structure_id=framework.structure_id, framework_id=framework.id, activity_id=activity.id,
                  code=code or _next_code(db, framework), label=label, position=position)
    db.add(skill)
    db.flush()
    return skill


def revise_skill(db: Session, *, skill: Skill, label: str, activity_name: str | None = None) -> Skill:
    """Reword a skill: the current version is retired, a new one takes its code; past ratings keep their labels."""
    label = _clean_label(label)
    if not skill.active:
        raise SkillError("Cette compétence a déjà été remplacée ou retirée.")
    framework = db.get(SkillFramework, skill.framework_id)
    activity = _activity(db, framework, activity_name) if activity_name else db.get(SkillActivity, skill.activity_id)
    if label == skill.label and activity.id == skill.activity_id:
        return skill
    skill.active, skill.retired_at = False, utcnow()
    db.add(skill)
    new = Skill(structure_id=skill.structure_id, framework_id=skill.framework_id, activity_id=activity.id,
                code=skill.code, label=label, position=skill.position, replaces_id=skill.id)
    db.add(new)
    db.flush()
    return new


def retire_skill(db: Session, *, skill: Skill) -> None:
    """Take a skill out of the framework; its ratings stay in the history."""
    skill.active, skill.retired_at = False, utcnow()
    db.add(skill)
    db.flush()


CSV_COLUMNS = ["activite", "pictogramme", "code", "competence"]


# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...) sends data away).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading quote before anything it would compute."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_value(value: str) -> str:
    """The text of a cell written by _csv_cell (the quote it added goes)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS) else value


def export_csv(db: Session, framework: SkillFramework) -> str:
    """The active skills of a framework as CSV (activite, pictogramme, code, competence)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in skills_of_framework(db, framework):
        writer.writerow([_csv_cell(value) for value in (row.activity.name, row.activity.pictogram, row.skill.code,
                                                        row.skill.label)])
    return out.getvalue()


def skills_of_framework(db: Session, framework: SkillFramework) -> list[SkillRow]:
    """Active skills of one framework, in order."""
    rows = db.exec(select(Skill, SkillActivity).join(SkillActivity, SkillActivity.id == Skill.activity_id)
                   .where(Skill.framework_id == framework.id, Skill.active.is_(True))).all()
    result = [SkillRow(s, a, framework) for s, a in rows]
    result.sort(key=lambda r: (r.activity.position, r.skill.position, r.skill.id))
    return result


def import_csv(db: Session, *, framework: SkillFramework, text: str) -> dict[str, int]:
    """Merge a CSV into a framework: new codes added, changed labels revised, absent codes retired."""
    if "\x00" in text:
        raise SkillError("Le fichier contient des caractères nuls : enregistrez-le en CSV (UTF-8) et réessayez.")
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        rows = list(reader)
    except csv.Error as exc:
        raise SkillError(f"Fichier CSV illisible : {exc}.") from exc
    if not reader.fieldnames or not {"activite", "competence"} <= set(reader.fieldnames):
        raise SkillError("Colonnes attendues : activite, pictogramme, code, competence.")
    if not rows:
        raise SkillError("Le fichier ne contient aucune compétence.")
    current = {row.skill.code: row for row in skills_of_framework(db, framework)}
    taken = set(db.exec(select(Skill.code).where(Skill.structure_id == framework.structure_id,
                                                 Skill.framework_id != framework.id)).all())
    counts = {"added": 0, "revised": 0, "retired": 0, "unchanged": 0}
    seen = set()
    for number, row in enumerate(rows, start=2):
        row = {key: _csv_value(value) if isinstance(value, str) else value for key, value in row.items()}
        code = (row.get("code") or "").strip()[:40]
        label, activity = row.get("competence") or "", row.get("activite") or ""
        try:
            if code in taken:
                raise SkillError(f"le code {code} appartient à un autre référentiel")
            if code and code in current:
                existing = current[code]
                if _clean_label(label) == existing.skill.label and activity.strip() == existing.activity.name:
                    counts["unchanged"] += 1
                else:
                    revise_skill(db, skill=existing.skill, label=label, activity_name=activity)
                    counts["revised"] += 1
            else:
                code = add_skill(db, framework=framework, activity_name=activity, label=label, code=code or None,
                                 pictogram=(row.get("pictogramme") or "tools").strip()).code
                counts["added"] += 1
        except SkillError as exc:
            raise SkillError(f"Ligne {number} : {str(exc).rstrip('.')}. Rien n'a été importé.") from exc
        seen.add(code)
    for code, existing in current.items():
        if code not in seen:
            retire_skill(db, skill=existing.skill)
            counts["retired"] += 1
    return counts
