"""The retention purge leaves nothing of a person: one employee gets every kind of data and photo through the
services, `flask purge` runs, then every text column of every table and the upload folder are searched."""
from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from PIL import Image
from sqlmodel import SQLModel, select

from webapp.domain.alerts import alerts
from webapp.domain.field import (
    attendance,
    instructions,
    observations,
    production,
    today,
)
from webapp.domain.followup import followup, reviews
from webapp.domain.personal_data import column_kind
from webapp.domain.skills import attestations, learning_sessions, skills
from webapp.models import (
    Barrier,
    Contract,
    Employee,
    Instruction,
    Observation,
    ObservationEmployee,
    Photo,
    Review,
    Skill,
    WelcomeStep,
)
from webapp.platform.db import writing
from webapp.platform.photos import photo_path, store_photo

TODAY = date.today()
PURGE_DAY = TODAY + timedelta(days=3 * 365)  # the person's contract ended more than 24 months before
FIRST, LAST = "Zéphyrin", "Quillard"
# Strings that only ever described the purged person: none may survive anywhere.
PLANTED = [
    FIRST, LAST, "0611223344", "zq@exemple.test", "99988877766",
    "PLANT-obs-seul", "PLANT-obs-note", "PLANT-obs-corrigee", "PLANT-consigne-perso",
    "PLANT-situation-eval", "PLANT-preuve-eval", "PLANT-faits-alerte", "PLANT-cloture-alerte",
    "PLANT-note-accueil", "PLANT-frein-diabete", "PLANT-note-frein", "PLANT-signalement", "PLANT-contrainte",
    "PLANT-atout", "PLANT-objectif", "PLANT-etape", "PLANT-objectif-revu", "PLANT-contribution",
    "PLANT-conclusion", "PLANT-avenant",
]
# Other people's data, shared texts included: all of it must still be there.
KEPT = ["PLANT-obs-amina", "a aidé Amina à porter", "Bruno : ranger le camion", "PLANT-incident-chantier",
        "PLANT-briefing", "Chloé a compris le geste"]


def _jpeg(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _texts(db) -> list[str]:
    """Every value of every text or JSON column of every table, as text."""
    values = []
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.c if column_kind(c)]
        if columns:
            for row in db.execute(select(*columns)).all():
                values += [str(v) for v in row if v not in (None, "")]
    return values


def _seed(db, app, structure, users, crew) -> dict:
    """The person, with one of everything, written through the domain services."""
    uploads = app.config["UPLOAD_FOLDER"]
    eti, cip, director = users["supervisor"], users["counsellor"], users["director"]
    site, team = crew["site"], crew["team"]
    amina, bruno, chloe, _ = crew["people"]

    def photo(colour: str) -> int:
        return store_photo(db=db, data=_jpeg(colour), upload_folder=uploads, structure_id=structure.id,
                           user_id=eti.id).id

    far = TODAY + timedelta(days=3650)
    for other in crew["people"]:  # the others stay under contract long after the purge day
        db.add(Contract(structure_id=structure.id, employee_id=other.id, start_date=TODAY, end_date=far))
    person = Employee(structure_id=structure.id, first_name=FIRST, last_name=LAST, phone="0611223344",
                      email="zq@exemple.test", pass_iae_number="99988877766", referent_eti_id=eti.id,
                      referent_cip_id=cip.id, worksite_id=site.id, team_id=team.id,
                      pass_iae_end=TODAY + timedelta(days=300))
    db.add(person)
    db.flush()
    db.add(Contract(structure_id=structure.id, employee_id=person.id, start_date=TODAY - timedelta(days=40),
                    end_date=TODAY + timedelta(days=142), job_title="Agent d'espaces verts"))
    db.flush()
    photos = {}

    # field: assignment, attendance, observations alone / group / corrected, consignes personal and shared
    today.toggle_on_team(db, user=eti, employee=person, day=TODAY, on_team=True)
    attendance.record_attendance(db, user=eti, employee=person, day=TODAY, status="late", late_minutes=10,
                                 today=TODAY)
    photos["alone"] = photo("#a00")
    alone, _ = observations.record_observation(
        db, user=eti, employees=[person], category="technique", tone="preoccupante", text="PLANT-obs-seul",
        visibility="restricted", observed_on=TODAY, today=TODAY, client_key="k-alone", photo_id=photos["alone"],
        skills_note="PLANT-obs-note")
    db.flush()
    observations.record_observation(
        db, user=eti, employees=[person], category="technique", tone="neutre", text="PLANT-obs-corrigee",
        visibility="team", observed_on=TODAY, today=TODAY, client_key="k-correct", corrects=alone)
    photos["group"] = photo("#0a0")
    group, _ = observations.record_observation(
        db, user=eti, employees=[person, amina], category="relation", tone="positive",
        text=f"{FIRST} a aidé Amina à porter les bordures.", visibility="team", observed_on=TODAY, today=TODAY,
        client_key="k-group", photo_id=photos["group"])
    photos["amina"] = photo("#00a")
    observations.record_observation(
        db, user=eti, employees=[amina], category="technique", tone="positive",
        text=f"PLANT-obs-amina, en binôme avec {FIRST} {LAST}.", visibility="team", observed_on=TODAY,
        today=TODAY, client_key="k-amina", photo_id=photos["amina"])
    photos["consigne"] = photo("#aa0")
    instructions.give_instruction(db, user=eti, employees=[person], category="securite",
                                  text=f"PLANT-consigne-perso : {FIRST}, gants anti-coupure.", worksite_id=site.id,
                                  day=TODAY, client_key="k-consigne", photo_id=photos["consigne"], save_template=True)
    shared, _ = instructions.give_instruction(db, user=eti, employees=[person, bruno], category="organisation",
                                              text=f"{FIRST} et Bruno : ranger le camion.", worksite_id=site.id,
                                              day=TODAY, client_key="k-shared")
    db.flush()
    instructions.acknowledge(db, user=eti, instruction=shared, employee_ids=[person.id], understood=True)
    production.save_log(db, user=eti, worksite=site, day=TODAY, quality_issues="",
                        incidents=f"PLANT-incident-chantier : {FIRST} {LAST} s'est coupé.", weather="", today=TODAY)
    today.save_briefing(db, user=eti, worksite=site, day=TODAY, safety="",
                        organisation=f"PLANT-briefing : {LAST} {FIRST} avec Bruno.", today=TODAY)

    # skills: a rating with a photo as evidence, a learning session, an attestation
    skills.ensure_frameworks(db, structure.id)
    db.flush()
    skill = db.exec(select(Skill).where(Skill.structure_id == structure.id, Skill.active.is_(True))
                    .order_by(Skill.id)).first()
    photos["evidence"] = photo("#0aa")
    skills.record_rating(db, employee=person, skill=skill, level=3, user=eti, worksite_id=site.id,
                         situation="PLANT-situation-eval", evidence_note="PLANT-preuve-eval",
                         evidence_ref=f"{skills.PHOTO_PREFIX}{photos['evidence']}")
    photos["amina_evidence"] = photo("#a0a")
    skills.record_rating(db, employee=amina, skill=skill, level=3, user=eti, worksite_id=site.id,
                         evidence_ref=f"{skills.PHOTO_PREFIX}{photos['amina_evidence']}")
    session = learning_sessions.create_session(db, user=eti, title="Taille de haie", planned_on=TODAY,
                                               skill_ids=[skill.id], participant_ids=[person.id, chloe.id],
                                               worksite_id=site.id)
    db.flush()
    learning_sessions.finish_session(db, session=session, user=eti, present_ids={person.id, chloe.id},
                                     notes=f"{FIRST} hésite encore. Chloé a compris le geste.",
                                     levels={(person.id, skill.id): "4"})
    db.flush()
    attestations.issue(db, employee=person, user=director, today=TODAY)

    # alerts: raised, acknowledged, resolved with a note
    alert, _ = alerts.raise_alert(db=db, raiser=eti, employee_id=person.id, type_code="accident",
                                  facts="PLANT-faits-alerte", client_key="k-alert")
    db.flush()
    alerts.acknowledge(db=db, alert=alert, user=cip)
    alerts.resolve(db=db, alert=alert, user=cip, note="PLANT-cloture-alerte")

    # follow-up: welcome, freins (one typed by hand), signal, constraint, atout, objective, bilan
    step = followup.ensure_welcome_steps(db, structure.id)[0]
    followup.tick_welcome(db, user=eti, employee=person, step_id=step.id, done=True, note="PLANT-note-accueil",
                          today=TODAY)
    barrier = followup.add_barrier(db, user=cip, employee=person, theme="sante", situation="PLANT-frein-diabete",
                                   status="identifie", note="PLANT-note-frein", today=TODAY)
    listed_theme, listed_situation = followup.situations("mobilite")[0]
    followup.add_barrier(db, user=cip, employee=person, theme=listed_theme, situation=listed_situation,
                         status="identifie", today=TODAY)
    followup.signal_barrier(db, user=eti, employee=person, theme="mobilite", text="PLANT-signalement")
    followup.add_constraint(db, user=cip, employee=person, text="PLANT-contrainte")
    followup.add_strength(db, user=cip, employee=person, label="PLANT-atout", today=TODAY)
    db.flush()
    goal = followup.create_goal(db, user=cip, employee=person, today=TODAY, data=followup.GoalInput(
        text="PLANT-objectif", barrier_id=barrier.id, next_step="PLANT-etape"))
    db.flush()
    followup.update_goal(db, user=cip, goal=goal, today=TODAY, data=followup.GoalInput(
        text="PLANT-objectif-revu", barrier_id=barrier.id, next_step="PLANT-etape"))
    review = reviews.create_review(db, user=cip, employee=person, kind="integration", due_date=TODAY)
    db.flush()
    reviews.save_contribution(db, user=eti, review=review, values={"technique": "PLANT-contribution"})
    reviews.save_counsellor_part(db, review=review, needs={"sante": "++"}, done=[], planned=[],
                                 decision="poursuite", exit_type="", conclusion="PLANT-conclusion")
    db.flush()
    reviews.finalise(db, user=cip, review=review, today=TODAY)
    reviews.add_addendum(db, user=cip, review=review, text="PLANT-avenant")

    # Amina's own finalised bilan freezes the group observation that names the person
    amina_review = reviews.create_review(db, user=cip, employee=amina, kind="integration", due_date=TODAY)
    db.flush()
    reviews.save_counsellor_part(db, review=amina_review, needs={}, done=[], planned=[], decision="poursuite",
                                 exit_type="", conclusion="")
    db.flush()
    reviews.finalise(db, user=cip, review=amina_review, today=TODAY)
    db.commit()
    paths = {name: photo_path(db.get(Photo, photo_id), uploads) for name, photo_id in photos.items()}
    return {"person": person, "group": group, "shared": shared, "amina_review": amina_review, "paths": paths,
            "listed_situation": listed_situation}


def test_purge_leaves_nothing_of_the_person_and_keeps_everyone_else(app, db, structure, users, crew):
    with writing():
        seeded = _seed(db, app, structure, users, crew)
    person, paths = seeded["person"], seeded["paths"]
    before = "\n".join(_texts(db))
    missing = [s for s in PLANTED + KEPT if s not in before]
    assert not missing, f"the seed did not plant {missing}"
    assert all(path.exists() for path in paths.values())
    db.rollback()  # end the test's read transaction before the purge writes

    result = app.test_cli_runner().invoke(args=["purge", "--today", PURGE_DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 salarié(s) anonymisé(s)" in result.output

    db.expire_all()
    after = _texts(db)
    left = {s: [v[:80] for v in after if s.casefold() in v.casefold()] for s in PLANTED}
    assert not {s: v for s, v in left.items() if v}, "personal data survived the purge"
    uploads = Path(app.config["UPLOAD_FOLDER"])
    for name in ("alone", "group", "consigne", "evidence"):
        assert not paths[name].exists(), f"photo file {name} is still on disk"
    assert sorted(p.name for p in uploads.rglob("*.jpg")) == sorted([paths["amina"].name,
                                                                      paths["amina_evidence"].name])

    # everyone else's data is intact, shared texts included
    joined = "\n".join(after)
    assert not [s for s in KEPT if s not in joined]
    group = db.get(Observation, seeded["group"].id)
    assert group.text == "[anonymisé] a aidé Amina à porter les bordures." and group.photo_id is None
    assert db.exec(select(ObservationEmployee.employee_id)
                   .where(ObservationEmployee.observation_id == group.id)).all() == [crew["people"][0].id]
    assert db.get(Instruction, seeded["shared"].id).text == "[anonymisé] et Bruno : ranger le camion."
    frozen = db.get(Review, seeded["amina_review"].id).snapshot["observations"]
    assert "[anonymisé] a aidé Amina à porter les bordures." in [o["text"] for o in frozen]
    # statistics stay: the anonymised person keeps contract, levels and a situation from the structure's list
    anonymised = db.get(Employee, person.id)
    assert anonymised.first_name == "Salarié(e)" and not anonymised.active
    assert db.exec(select(Contract).where(Contract.employee_id == person.id)).one()
    assert db.exec(select(WelcomeStep)).first() is not None
    situations = db.exec(select(Barrier.situation).where(Barrier.employee_id == person.id)).all()
    assert sorted(situations) == sorted(["[anonymisé]", seeded["listed_situation"]])
