"""Demo follow-up: welcome checklists, freins of every theme, atouts, constraints, objectives, bilans, deadlines."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, select

from webapp.domain.followup import followup, reviews
from webapp.models import (
    Barrier,
    BarrierSignal,
    Employee,
    Goal,
    GoalChange,
    Review,
    ReviewAction,
    ReviewContribution,
    ReviewNeed,
    Strength,
    Structure,
    User,
    WelcomeCheck,
    WorkConstraint,
)

BARRIERS = [
    ("mobilite", "Dépendant des transports en commun", "en_cours", "Horaires du bus : arrivée possible à 8 h 10."),
    ("sante", "Difficulté déclarée entravant l’exercice de certains métiers", "identifie", ""),
    ("difficulte_financiere", "Difficulté dans la gestion d'un budget", "en_cours", ""),
    ("logement", "Hébergé chez un tiers", "identifie", ""),
    ("difficulte_administrative", "Difficulté d’ordre juridique", "non_aborde", ""),
    ("maitrise_langue", "Difficulté en français à l’écrit", "en_cours", ""),
    ("contraintes_familiales", "Enfant(s) de moins de 3 ans sans solution de garde", "leve", ""),
    ("numerique", "Absence d’équipement", "leve", ""),
    ("formation", "Prêt pour une formation avec un accompagnement", "identifie", ""),
    ("emploi", "Plus d'1 an sans emploi", "en_cours", ""),
]
CONSTRAINTS = ["Pas de port de charges de plus de 10 kg", "Horaires aménagés le mardi (fin à 15 h)",
               "Éviter le travail en hauteur"]
GOALS = [
    ("Obtenir le permis de conduire (code / conduite)", "en_cours", 20, "Inscription au code en ligne"),
    ("Apprendre / Améliorer ses capacités en français", "en_cours", 45, "Atelier écrit le jeudi"),
    ("Arriver à l'heure chaque matin pendant un mois", "en_cours", -5, "Point chaque lundi avec l'encadrant"),
    ("Réaliser un CV et/ou une lettre de motivation", "atteint", -20, ""),
    ("Trouver des solutions de garde d’enfant", "abandonne", -40, ""),
    ("Constituer un dossier MDPH/invalidité", "en_cours", 60, "Rendez-vous assistante sociale"),
]


def seed_followup(db: Session, structure: Structure, today: date, rng: random.Random) -> None:
    """Add the demo follow-up to the structure's employees; the caller commits."""
    employees = db.exec(select(Employee).where(Employee.structure_id == structure.id, Employee.active.is_(True))
                        .order_by(Employee.id)).all()
    staff = db.exec(select(User).where(User.structure_id == structure.id)).all()
    cips = {u.id: u for u in staff if u.role == "counsellor"}
    supervisors = {u.id: u for u in staff if u.role == "supervisor"}
    if not employees or not cips or not supervisors:
        return
    steps = followup.ensure_welcome_steps(db, structure.id)
    entries = followup.entry_dates(db, [e.id for e in employees])
    for index, employee in enumerate(employees):
        cip = cips.get(employee.referent_cip_id) or next(iter(cips.values()))
        eti = supervisors.get(employee.referent_eti_id) or next(iter(supervisors.values()))
        entry = entries.get(employee.id, today)
        # Welcome: complete for everyone but the newest two, who are in progress (first has 3 steps done).
        done_steps = steps if index >= 2 else steps[: 3 if index == 0 else 6]
        for position, step in enumerate(done_steps):
            note = "Veste L, pantalon 42, chaussures 43, gants 9" if "EPI" in step.label else ""
            db.add(WelcomeCheck(structure_id=structure.id, employee_id=employee.id, step_id=step.id,
                                done_on=min(today, entry + timedelta(days=position // 3)), done_by_id=eti.id,
                                note=note))
        # Freins: every theme of the list appears across the demo employees, sensitive ones included.
        for k in range(2):
            theme, situation, status, note = BARRIERS[(index * 2 + k) % len(BARRIERS)]
            detected = min(today, entry + timedelta(days=7 + k * 10))
            history = [[detected.isoformat(), "identifie"]]
            if status in ("en_cours", "leve"):
                history.append([min(today, detected + timedelta(days=20)).isoformat(), status])
            db.add(Barrier(structure_id=structure.id, employee_id=employee.id, theme=theme, situation=situation,
                           status=status, sensitive=followup.is_sensitive(theme, situation), note=note,
                           detected_by_id=cip.id, detected_on=detected,
                           discussed_on=detected if status != "non_aborde" else None, history=history))
        db.add(Strength(structure_id=structure.id, employee_id=employee.id, label=rng.choice(
            ["Ponctualité", "Travail en équipe", "Soin du matériel et des outils", "Expérience en bâtiment",
             "Permis B"]), source="savoir_etre", noted_by_id=cip.id, noted_on=min(today, entry + timedelta(days=10))))
        if index % 3 == 0:
            db.add(WorkConstraint(structure_id=structure.id, employee_id=employee.id,
                                  text=CONSTRAINTS[(index // 3) % len(CONSTRAINTS)], created_by_id=cip.id))
        # Objectives in every status; one past due (red), one due soon (orange), later ones (green).
        for k in range(3 if index < 12 else 1):
            text, status, days, next_step = GOALS[(index + k) % len(GOALS)]
            theme = next((t for t, o in followup.objectives_list() if o == text), "")
            goal = Goal(structure_id=structure.id, employee_id=employee.id, text=text, theme=theme,
                        due_date=max(entry + timedelta(days=1), today + timedelta(days=days)), next_step=next_step,
                        status=status, agreed_on=min(today, entry + timedelta(days=12)),
                        sensitive=followup.is_sensitive(theme, text), created_by_id=cip.id)
            db.add(goal)
            db.flush()
            db.add(GoalChange(structure_id=structure.id, goal_id=goal.id, changed_by_id=cip.id,
                              summary="Objectif créé."))
        if index % 5 == 1:
            db.add(BarrierSignal(structure_id=structure.id, employee_id=employee.id, theme="mobilite",
                                 text="Arrive souvent essoufflé(e) après 3 km à pied : le bus ne passe plus.",
                                 signalled_by_id=eti.id))
    _seed_reviews(db, structure, employees, cips, supervisors, today)


DECISIONS = {"integration": "poursuite", "intermediaire": "renouvellement", "prolongation": "prolongation",
             "sortie": "sortie"}


def _seed_reviews(db: Session, structure: Structure, employees, cips, supervisors, today: date) -> None:
    """Bilans due more than three weeks ago are finalised (the first one with a full CIP part); the most recent
    ones are late or coming; one intermediate bilan is in preparation with the supervisor's contribution."""
    contracts = reviews.contracts_by_employee(db, [e.id for e in employees])
    detailed = prepared = False
    for employee in employees:
        cip = cips.get(employee.referent_cip_id) or next(iter(cips.values()))
        eti = supervisors.get(employee.referent_eti_id) or next(iter(supervisors.values()))
        for due in reviews.due_reviews(contracts.get(employee.id, []), employee.pass_iae_end, []):
            if due.due < today - timedelta(days=21):
                review = reviews.create_review(db, user=cip, employee=employee, kind=due.kind, due_date=due.due)
                db.flush()
                if not detailed:
                    _contribute(db, structure, review, eti)
                    db.add(ReviewNeed(structure_id=structure.id, review_id=review.id, code="mobilite", rating="+"))
                    db.add(ReviewAction(structure_id=structure.id, review_id=review.id, label="Bourse au permis",
                                        state="planned"))
                    detailed = True
                review.decision = DECISIONS[due.kind]
                review.exit_type = "CDD ou intérim de plus de 6 mois" if due.kind == "sortie" else ""
                db.flush()
                reviews.finalise(db, user=cip, review=review, today=min(today, due.due + timedelta(days=3)))
            elif due.kind == "intermediaire" and today <= due.due and not prepared:
                review = reviews.create_review(db, user=cip, employee=employee, kind=due.kind, due_date=due.due)
                db.flush()
                _contribute(db, structure, review, eti)
                prepared = True


def _contribute(db: Session, structure: Structure, review: Review, eti: User) -> None:
    db.add(ReviewContribution(structure_id=structure.id, review_id=review.id, author_id=eti.id,
                              savoir_etre="Ponctuel(le), respecte les consignes.",
                              technique="Utilise la débroussailleuse en autonomie.",
                              strengths="Entraide dans l'équipe.", to_work="Port des EPI en fin de journée.",
                              proposal="Renouvellement."))
