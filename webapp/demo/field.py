"""Demo field life: two weeks of attendance, briefings, consignes, observations (some with photos), production."""
from __future__ import annotations

import io
import random
import uuid
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app, has_app_context
from PIL import Image, ImageDraw
from sqlmodel import Session, select

from webapp.models import (
    Assignment,
    Attendance,
    Employee,
    Instruction,
    InstructionAck,
    InstructionTemplate,
    Observation,
    ObservationEmployee,
    ProductionLog,
    ProductionTask,
    Structure,
    Team,
    TeamBriefing,
    Worksite,
)
from webapp.platform.photos import store_photo

CONSIGNES = [
    ("securite", "Gants et lunettes pour la débroussailleuse, sans exception."),
    ("epi", "Chaussures de sécurité lacées avant d'entrer sur la zone."),
    ("organisation", "Ranger les outils dans le camion à 16 h 15."),
    ("qualite", "Ramasser les déchets verts au fur et à mesure, pas en fin de journée."),
    ("horaires", "Pause de midi de 12 h à 12 h 45, retour au point de rendez-vous."),
    ("securite", "Balisage de la zone avant toute coupe près du chemin."),
    ("qualite", "Trier le textile : propre et sec d'un côté, à recycler de l'autre."),
    ("autre", "Prévenir avant de quitter le chantier, même pour quelques minutes."),
]

OBSERVATIONS = [
    ("savoir_etre", "positive", "Arrivé(e) en avance, a préparé le matériel sans qu'on le demande."),
    ("technique", "positive", "Utilise la taille-haie correctement, coupe nette et régulière."),
    ("securite", "neutre", "A oublié les lunettes au démarrage, les a mises après rappel."),
    ("integration", "positive", "A présenté le chantier au nouveau collègue de façon claire."),
    ("relation", "preoccupante", "Échange tendu avec un collègue à propos du partage des tâches ; calmé après discussion."),
    ("sante_travail", "neutre", "Demande à éviter le port de charges lourdes cette semaine : adapté au désherbage."),
    ("technique", "neutre", "Tri correct du bois et du métal, hésite encore sur les plastiques."),
    ("savoir_etre", "preoccupante", "Trois retards cette semaine, sans prévenir : à reprendre avec la CIP."),
    ("autre", "positive", "A proposé une meilleure organisation du stockage des caisses."),
    ("relation", "positive", "Aide spontanément les collègues en difficulté sur la récolte."),
]

TASKS = {
    "Espaces verts": [("Ville de Lille", "Tonte parc de la Roseraie", "m²", 2500), ("Bailleur Nord Habitat", "Taille de haies", "ml", 120)],
    "Recyclerie": [("Apports du public", "Tri textile", "kg", 300), ("Boutique", "Mise en rayon", "articles", 150)],
    "Maraîchage": [("AMAP des Prés", "Récolte légumes paniers", "paniers", 45), ("Marché", "Préparation des caisses", "caisses", 20)],
}


def _photo_bytes(rng: random.Random, label: str) -> bytes:
    """A small generated picture (no download): coloured shapes standing for a work site view."""
    image = Image.new("RGB", (640, 480), (rng.randint(80, 140), rng.randint(120, 180), rng.randint(60, 110)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randint(0, 560), rng.randint(0, 400)
        draw.rectangle([x, y, x + rng.randint(30, 120), y + rng.randint(30, 90)],
                       fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
    draw.text((20, 440), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def seed_field(db: Session, structure: Structure, today: date, rng: random.Random) -> None:
    """Two weeks of field life for every team of `structure`; the caller commits."""
    upload_folder = current_app.config["UPLOAD_FOLDER"] if has_app_context() else None
    db.flush()
    teams = db.exec(select(Team).where(Team.structure_id == structure.id)).all()
    days = [today - timedelta(days=n) for n in range(14, -1, -1) if (today - timedelta(days=n)).weekday() < 5]
    templates = []
    for category, text in CONSIGNES[:4]:
        template = InstructionTemplate(structure_id=structure.id, category=category, text=text,
                                       created_by_id=teams[0].supervisor_id)
        db.add(template)
        templates.append(template)
    for team in teams:
        site = db.get(Worksite, team.worksite_id)
        supervisor_id = team.supervisor_id
        members = db.exec(select(Employee).where(Employee.team_id == team.id, Employee.active.is_(True))
                          .order_by(Employee.id)).all()
        if not members or supervisor_id is None:
            continue
        sector_key = next((k for k in TASKS if site.sector.startswith(k)), "Espaces verts")
        for day in days:
            for member in members:
                db.add(Assignment(structure_id=structure.id, day=day, employee_id=member.id, worksite_id=site.id,
                                  team_id=team.id))
                if day == today:
                    continue  # today's attendance is for the demo user to tap
                roll = rng.random()
                status = "absent" if roll < 0.06 else "late" if roll < 0.13 else "excused" if roll < 0.16 else "present"
                db.add(Attendance(structure_id=structure.id, employee_id=member.id, day=day, status=status,
                                  late_minutes=rng.choice([5, 10, 15, 30]) if status == "late" else None,
                                  recorded_by_id=supervisor_id, recorded_at=_at(day, 8)))
            if day != today:
                db.add(TeamBriefing(structure_id=structure.id, worksite_id=site.id, day=day, author_id=supervisor_id,
                                    safety=rng.choice(["Gants et chaussures de sécurité.", "Hydratation : pauses eau toutes les heures.",
                                                       "Zone balisée près du chemin piéton."]),
                                    organisation=f"{members[0].first_name} et {members[-1].first_name} sur la première tâche, "
                                                 "le reste de l'équipe sur la seconde.",
                                    updated_at=_at(day, 8)))
            for n in range(rng.choice([1, 1, 2])):
                category, text = rng.choice(CONSIGNES)
                instruction = Instruction(structure_id=structure.id, worksite_id=site.id, day=day, category=category,
                                          text=text, given_by_id=supervisor_id, client_key=uuid.uuid4().hex,
                                          created_at=_at(day, 9 + n))
                db.add(instruction)
                db.flush()
                for member in members:
                    understood = day != today and rng.random() < 0.85
                    db.add(InstructionAck(structure_id=structure.id, instruction_id=instruction.id, employee_id=member.id,
                                          acknowledged_at=_at(day, 10) if understood else None,
                                          acknowledged_by_id=supervisor_id if understood else None))
            for client, label, unit, planned in TASKS[sector_key]:
                done = None if day == today else round(planned * rng.uniform(0.6, 1.1))
                db.add(ProductionTask(structure_id=structure.id, worksite_id=site.id, day=day, client=client, task=label,
                                      unit=unit, planned_quantity=planned, done_quantity=done, author_id=supervisor_id,
                                      client_key=uuid.uuid4().hex, created_at=_at(day, 8)))
            if day != today and rng.random() < 0.5:
                db.add(ProductionLog(structure_id=structure.id, worksite_id=site.id, day=day, author_id=supervisor_id,
                                     quality_issues=rng.choice(["", "Bordures à reprendre côté allée.", "Deux caisses refusées (calibre)."]),
                                     incidents=rng.choice(["", "Débroussailleuse en panne 1 h.", "Presque-accident : outil laissé au sol."]),
                                     weather=rng.choice(["", "Pluie l'après-midi, arrêt 45 min.", "Forte chaleur, horaires décalés."]),
                                     updated_at=_at(day, 16)))
        for index, (category, tone, text) in enumerate(OBSERVATIONS):
            day = days[min(len(days) - 1, index * len(days) // len(OBSERVATIONS))]
            people = [members[index % len(members)]]
            if index % 4 == 3 and len(members) >= 3:
                people = members[:3]
            photo_id = None
            if upload_folder and index % 3 == 0:
                photo_id = store_photo(db=db, data=_photo_bytes(rng, site.name[:20]), upload_folder=upload_folder,
                                       structure_id=structure.id, user_id=supervisor_id).id
            observation = Observation(structure_id=structure.id, author_id=supervisor_id, observed_on=day,
                                      category=category, tone=tone, text=text, photo_id=photo_id,
                                      visibility="restricted" if category == "sante_travail" else "team",
                                      client_key=uuid.uuid4().hex, created_at=_at(day, 14))
            db.add(observation)
            db.flush()
            for person in people:
                db.add(ObservationEmployee(observation_id=observation.id, employee_id=person.id,
                                           structure_id=structure.id, observed_on=observation.observed_on,
                                           created_at=observation.created_at))
