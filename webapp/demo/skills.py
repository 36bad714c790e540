"""Demo skills: frameworks of the demo sites, months of ratings, two learning sessions, one attestation-ready person."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from webapp.domain.employees.employees import contracts_of, latest_contracts
from webapp.domain.skills import learning_sessions, skills
from webapp.models import Employee, Skill, Structure, User, Worksite

TASKS = {
    "Espaces verts": ["Parc de la Roseraie, tonte hebdomadaire", "Square Victor-Hugo, entretien des massifs",
                      "Résidence Les Tilleuls, taille des haies", "Cimetière de l'Est, désherbage manuel"],
    "Recyclerie / ressourcerie": ["Réception des apports du samedi", "Atelier petits électroménagers",
                                  "Boutique, mise en rayon du rayon meubles", "Collecte chez un particulier"],
    "Maraîchage / horticulture": ["Serre n° 2, semis de printemps", "Planches de poireaux, désherbage",
                                  "Récolte et préparation des paniers du jeudi", "Installation du goutte-à-goutte"],
}
DEFAULT_TASKS = ["Production du jour"]


def _at(day: date, rng: random.Random) -> datetime:
    """A working-hours moment of `day`, in UTC."""
    return datetime.combine(day, time(rng.randint(7, 15), rng.choice([0, 15, 30, 45])), UTC)


def _ratings_for(db: Session, employee: Employee, site: Worksite, start: date, today: date, rng: random.Random,
                 rater: User, strong: bool = False) -> None:
    """A progression on a few skills of the site and of savoir-être, one rating every three to six weeks."""
    rows = skills.skills_for_sector(db, employee.structure_id, site.sector)
    trade = [r.skill for r in rows if r.framework.kind == "sector"]
    behaviour = [r.skill for r in rows if r.framework.kind == "savoir_etre"]
    chosen = rng.sample(trade, min(len(trade), 7 if strong else rng.randint(3, 6)))
    chosen += rng.sample(behaviour, min(len(behaviour), 4 if strong else rng.randint(2, 3)))
    tasks = TASKS.get(site.sector, DEFAULT_TASKS)
    for skill in chosen:
        level = rng.choice([1, 1, 2])
        day = start + timedelta(days=rng.randint(5, 20))
        while day <= today:
            skills.record_rating(db, employee=employee, skill=skill, level=level, user=rater, worksite_id=site.id,
                                 situation=rng.choice(tasks), at=_at(day, rng))
            if level == 4:
                break  # mastered: the supervisor stops rating it
            step = rng.random()
            if step < 0.4 or (strong and step < 0.85):
                level += 1
            day += timedelta(days=rng.randint(21, 42))


def seed_skills(db: Session, structure: Structure, today: date, rng: random.Random) -> None:
    """Frameworks, ratings history, a held and a planned session; the caller commits."""
    skills.ensure_frameworks(db, structure.id)
    employees = db.exec(select(Employee).where(Employee.structure_id == structure.id, Employee.active.is_(True))
                        .order_by(Employee.id)).all()
    contracts = latest_contracts(db, [e.id for e in employees])
    sites = {s.id: s for s in db.exec(select(Worksite).where(Worksite.structure_id == structure.id)).all()}
    staff = {u.id: u for u in db.exec(select(User).where(User.structure_id == structure.id)).all()}
    director = next(u for u in staff.values() if u.role == "director")
    # The person whose contract ends soonest, after at least six months, gets an attestation-ready record.
    candidates = [e for e in employees if contracts.get(e.id) and contracts[e.id].end_date >= today]
    ready = min((e for e in candidates if (today - _entry(db, e)).days >= 180),
                key=lambda e: contracts[e.id].end_date, default=None)
    for employee in employees:
        site = sites.get(employee.worksite_id)
        if site is None:
            continue
        rater = staff.get(employee.referent_eti_id) or director
        _ratings_for(db, employee, site, _entry(db, employee), today - timedelta(days=1), rng, rater,
                     strong=employee is ready)
    _sessions(db, structure, sites, employees, staff, today)


def _entry(db: Session, employee: Employee) -> date:
    """First day of the employee's first contract."""
    contracts = contracts_of(db, employee.id)
    return contracts[0].start_date if contracts else employee.created_at.date()


def _sessions(db: Session, structure: Structure, sites: dict, employees: list[Employee], staff: dict,
              today: date) -> None:
    """One session held twelve days ago (saved as a template, rated at its end), one planned next week."""
    site = next((s for s in sites.values() if s.sector == "Espaces verts"), next(iter(sites.values()), None))
    if site is None:
        return
    team = [e for e in employees if e.worksite_id == site.id]
    if not team:
        return
    supervisor = staff.get(team[0].referent_eti_id) or next(u for u in staff.values() if u.role == "director")

    def skill_ids(*codes):
        return list(db.exec(select(Skill.id).where(Skill.structure_id == structure.id, Skill.active.is_(True),
                                                   col(Skill.code).in_(codes))).all())

    held = learning_sessions.create_session(
        db, user=supervisor, title="Tondre en sécurité", planned_on=today - timedelta(days=12),
        skill_ids=skill_ids("EV-03", "EV-04"), participant_ids=[e.id for e in team[:4]], worksite_id=site.id,
        situation="Tonte du parc de la Roseraie", method="demonstration",
        material="Tondeuse thermique, bidon de carburant homologué, EPI complets",
        safety="Vérifier les carters, zone dégagée, personne à moins de 5 m, moteur coupé pour dégager l'éjection",
        duration_minutes=60, save_as_template=True)
    db.flush()
    info = learning_sessions.details(db, held)
    levels = {(e.id, s.id): str(2 + (i + j) % 2) for i, (_, e) in enumerate(info.participants)
              for j, s in enumerate(info.skills)}
    present = {e.id for _, e in info.participants[:3]}
    learning_sessions.finish_session(db, session=held, user=supervisor, present_ids=present,
                            notes="Bonne implication. Rappeler le contrôle du niveau d'huile à chaque prise de poste.",
                            levels=levels, at=datetime.combine(held.planned_on, time(11, 0), UTC))
    learning_sessions.create_session(
        db, user=supervisor, title="Tailler une haie droite", planned_on=today + timedelta(days=5),
        skill_ids=skill_ids("EV-08", "EV-01"), participant_ids=[e.id for e in team[1:4]], worksite_id=site.id,
        situation="Haie de la résidence Les Tilleuls", method="tutorat",
        material="Taille-haie électrique, cordeau, bâches", safety="Lunettes, gants, casque anti-bruit ; "
        "câble derrière soi", duration_minutes=90)
    db.flush()
