"""Demo data: one ACI with three work sites, its staff and 24 employees at every contract stage."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pyotp
from sqlmodel import Session

from webapp.demo.alerts import seed_alerts
from webapp.demo.field import seed_field
from webapp.demo.followup import seed_followup
from webapp.demo.skills import seed_skills
from webapp.domain.accounts.auth import hash_password
from webapp.models import Contract, Employee, Structure, Team, User, Worksite

DEMO_EMAILS = {
    "supervisor": "encadrant@demo.terrain",
    "counsellor": "cip@demo.terrain",
    "coordinator": "coordination@demo.terrain",
    "director": "direction@demo.terrain",
    "admin": "admin@demo.terrain",
}

SITES = [
    ("Espaces verts — Parc de la Roseraie", "Espaces verts", "A1203", "Agent(e) d'entretien des espaces verts"),
    ("Recyclerie du Canal", "Recyclerie / ressourcerie", "K2304", "Valoriste en recyclerie"),
    ("Jardin maraîcher des Prés", "Maraîchage / horticulture", "A1414", "Ouvrier(ère) maraîcher(ère)"),
]

FIRST_NAMES = ["Amina", "Bruno", "Chloé", "Daouda", "Élodie", "Farid", "Gaëlle", "Hugo", "Inès", "Jordan",
               "Kadiatou", "Laurent", "Mélissa", "Nabil", "Océane", "Patrick", "Rachida", "Samuel",
               "Tiphaine", "Urbain", "Valérie", "Wassim", "Yasmine", "Zoé"]
LAST_NAMES = ["Traoré", "Lefèvre", "Martin", "Diallo", "Rousseau", "Haddad", "Le Gall", "Moreau", "Benali",
              "Petit", "Koné", "Girard", "Mercier", "Bensaïd", "Fontaine", "Lambert", "Cherif", "Dubois",
              "Perrin", "Nguyen", "Roux", "Saïdi", "Garnier", "Faure"]


def seed_demo_data(db: Session, password: str, today: date | None = None, domain: str = "demo.terrain",
                   name: str = "Les Jardins du Canal (démo)") -> Structure:
    """Create the demo structure and everything in it; the caller commits."""
    today = today or date.today()
    rng = random.Random(20261128)
    password_hash = hash_password(password)
    structure = Structure(name=name, kind="ACI", siret="12345678900017",
                          address="12 quai du Canal, 59000 Lille", phone="03 20 00 00 00")
    db.add(structure)
    db.flush()

    def staff(role, email, full_name, phone="", structure_id=structure.id):
        # Direction and admin get the second factor their role requires; `demo-code` prints the code.
        user = User(structure_id=structure_id, email=email.replace("@demo.terrain", f"@{domain}"),
                    full_name=full_name, role=role, phone=phone,
                    password_hash=password_hash,
                    totp_secret=pyotp.random_base32() if role in ("director", "admin") else None)
        db.add(user)
        return user

    eti = [staff("supervisor", DEMO_EMAILS["supervisor"], "Karim Benhamou", "06 11 22 33 44"),
           staff("supervisor", "encadrante.recyclerie@demo.terrain", "Sophie Marchand", "06 22 33 44 55"),
           staff("supervisor", "encadrant.maraichage@demo.terrain", "Thierry Lemaire", "06 33 44 55 66")]
    cips = [staff("counsellor", DEMO_EMAILS["counsellor"], "Nadia Ferreira", "06 44 55 66 77"),
            staff("counsellor", "cip2@demo.terrain", "Julien Caron", "06 55 66 77 88")]
    staff("coordinator", DEMO_EMAILS["coordinator"], "Hélène Vasseur", "06 66 77 88 99")
    staff("director", DEMO_EMAILS["director"], "Marc Delattre", "03 20 00 00 01")
    staff("admin", DEMO_EMAILS["admin"], "Administration Terrain", structure_id=None)
    db.flush()

    sites, teams = [], []
    for (name, sector, rome, _job), supervisor in zip(SITES, eti):
        site = Worksite(structure_id=structure.id, name=name, sector=sector, rome_code=rome)
        db.add(site)
        db.flush()
        team = Team(structure_id=structure.id, name=f"Équipe {sector.split(' ')[0].lower()}",
                    worksite_id=site.id, supervisor_id=supervisor.id)
        db.add(team)
        sites.append(site)
        teams.append(team)
    db.flush()

    # Months since entry for each employee: every stage from the first week to the end of the path.
    seniority_days = [6, 12, 20, 35, 50, 70, 95, 110, 125, 140, 160, 185, 210, 240, 270, 300, 330, 365,
                      400, 450, 520, 600, 690, 760]
    for index, days in enumerate(seniority_days):
        site_index = index % 3
        start = today - timedelta(days=days)
        employee = Employee(
            structure_id=structure.id,
            first_name=FIRST_NAMES[index], last_name=LAST_NAMES[index],
            phone=f"07 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            worksite_id=sites[site_index].id, team_id=teams[site_index].id,
            referent_cip_id=cips[index % 2].id, referent_eti_id=eti[site_index].id,
            pass_iae_number=f"99999{rng.randint(10**8, 10**9 - 1)}",
            pass_iae_end=start + timedelta(days=730),
        )
        db.add(employee)
        db.flush()
        _contracts(db, employee, start, today, SITES[site_index][3], rng)
    seed_field(db, structure, today, rng)
    seed_skills(db, structure, today, rng)
    seed_alerts(db, structure, today, rng)
    seed_followup(db, structure, today, rng)
    return structure


def _contracts(db: Session, employee: Employee, start: date, today: date, job: str, rng: random.Random) -> None:
    """An initial CDDI of 4 or 6 months, renewed by 6 months until today is covered, within 24 months."""
    hours = rng.choice([20, 24, 26, 26, 30, 35])
    length = rng.choice([122, 183])
    last_day = start + timedelta(days=729)
    period_start, number = start, 0
    while True:
        period_end = min(period_start + timedelta(days=length - 1), last_day)
        db.add(Contract(structure_id=employee.structure_id, employee_id=employee.id, start_date=period_start,
                        end_date=period_end, weekly_hours=hours, renewal_number=number, job_title=job))
        if period_end >= today or period_end >= last_day:
            break
        period_start, number, length = period_end + timedelta(days=1), number + 1, 183
    if period_end < today:
        employee.active = False
        db.add(employee)
