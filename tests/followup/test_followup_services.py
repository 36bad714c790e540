"""Follow-up services: bilan due dates around renewals, bilan compilation from known data, locking, bad input."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from webapp.domain.followup import followup, reviews
from webapp.domain.skills import skills
from webapp.models import (
    Alert,
    Attendance,
    Barrier,
    Contract,
    Goal,
    Observation,
    ObservationEmployee,
    Review,
    ReviewContribution,
    Skill,
    SkillRating,
)
from webapp.platform.db import writing

START = date(2026, 1, 5)


def _contract(employee_id, start, end, number=0):
    return Contract(structure_id=1, employee_id=employee_id, start_date=start, end_date=end, renewal_number=number)


def test_integration_and_intermediate_bilans_from_the_first_contract():
    dues = reviews.due_reviews([_contract(1, START, date(2026, 7, 4))], None, [])
    assert [(d.kind, d.due) for d in dues] == [("integration", date(2026, 2, 5)),
                                                ("intermediaire", date(2026, 6, 4))]


def test_a_renewal_adds_an_intermediate_bilan_before_its_end():
    first = _contract(1, START, date(2026, 7, 4))
    renewal = _contract(1, date(2026, 7, 5), date(2027, 1, 4), 1)
    dues = reviews.due_reviews([renewal, first], None, [])
    assert [(d.kind, d.due) for d in dues if d.kind == "intermediaire"] == [
        ("intermediaire", date(2026, 6, 4)), ("intermediaire", date(2026, 12, 5))]


def test_the_period_reaching_24_months_calls_for_an_exit_bilan_not_an_intermediate_one():
    periods = [_contract(1, START, date(2026, 7, 4)), _contract(1, date(2026, 7, 5), date(2027, 7, 4), 1),
               _contract(1, date(2027, 7, 5), date(2028, 1, 4), 2)]
    dues = reviews.due_reviews(periods, None, [])
    assert [d.kind for d in dues] == ["integration", "intermediaire", "intermediaire", "sortie"]
    assert dues[-1].due == date(2028, 1, 4)


def test_pass_prolongation_bilan_is_due_at_the_pass_end_when_the_contract_reaches_its_window():
    pass_end = date(2027, 3, 31)
    dues = reviews.due_reviews([_contract(1, START, date(2026, 7, 4))], pass_end, [])
    assert "prolongation" in [d.kind for d in dues]
    prolongation = next(d for d in dues if d.kind == "prolongation")
    assert prolongation.due == pass_end and prolongation.window_start == date(2026, 3, 31)
    too_early = reviews.due_reviews([_contract(1, START, date(2026, 3, 1))], date(2028, 1, 4), [])
    assert "prolongation" not in [d.kind for d in too_early]


def test_an_exit_decision_calls_for_an_exit_bilan_at_the_contract_end():
    decided = Review(id=1, structure_id=1, employee_id=1, kind="intermediaire", due_date=date(2026, 6, 4),
                     period_start=START, period_end=date(2026, 6, 4), created_by_id=1, decision="sortie",
                     status="finalised")
    dues = reviews.due_reviews([_contract(1, START, date(2026, 7, 4))], None, [decided])
    assert [d.kind for d in dues] == ["integration", "sortie"]


def test_a_bilan_opened_near_a_due_date_counts_for_it():
    done = Review(id=7, structure_id=1, employee_id=1, kind="intermediaire", due_date=date(2026, 5, 28),
                  period_start=START, period_end=date(2026, 5, 28), created_by_id=1, status="finalised")
    dues = reviews.due_reviews([_contract(1, START, date(2026, 7, 4))], None, [done])
    intermediate = next(d for d in dues if d.kind == "intermediaire")
    assert intermediate.review is done and intermediate.done
    assert not next(d for d in dues if d.kind == "integration").done


def test_add_months_keeps_the_end_of_month():
    assert reviews.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert reviews.add_months(date(2026, 3, 31), -12) == date(2025, 3, 31)


@pytest.mark.parametrize("theme,situation,sensitive", [
    ("sante", "Existence d'un dossier MDPH", True),
    ("difficulte_financiere", "Baisse des ressources", True),
    ("difficulte_administrative", "Difficulté liée à son avis d’imposition", True),
    ("logement", "Doit quitter le logement suite à une décision judiciaire", True),
    ("mobilite", "Permis B", False),
])
def test_sensitivity_follows_theme_and_justice_related_situations(theme, situation, sensitive):
    assert followup.is_sensitive(theme, situation) is sensitive


@pytest.fixture
def person(make, structure, users):
    employee = make.employee(structure, with_contract=False, referent_cip_id=users["counsellor"].id,
                             referent_eti_id=users["supervisor"].id)
    make._save(Contract(structure_id=structure.id, employee_id=employee.id, start_date=START,
                        end_date=date(2026, 7, 4)))
    return employee


def _rating(make, db, structure, employee, user, skill, level, when):
    make._save(SkillRating(structure_id=structure.id, employee_id=employee.id, skill_id=skill.id,
                           skill_code=skill.code, skill_label=skill.label, level=level, rated_by_id=user.id,
                           rated_at=datetime.combine(when, datetime.min.time(), UTC)))


def _observe(make, structure, employee, author, day, category, tone, visibility="team"):
    obs = make._save(Observation(structure_id=structure.id, author_id=author.id, observed_on=day, category=category,
                                 tone=tone, text=f"{category} {tone} {day}", visibility=visibility,
                                 client_key=f"k{day}{category}{tone}{visibility}"))
    make._save(ObservationEmployee(observation_id=obs.id, employee_id=employee.id, structure_id=structure.id))


def test_bilan_compilation_counts_known_field_data(make, db, structure, users, person):
    eti, cip = users["supervisor"], users["counsellor"]
    for offset, status, minutes in [(0, "present", None), (1, "present", None), (2, "present", None),
                                    (3, "late", 10), (4, "absent", None), (7, "excused", None)]:
        make._save(Attendance(structure_id=structure.id, employee_id=person.id, day=date(2026, 2, 2) + timedelta(offset),
                              status=status, late_minutes=minutes, recorded_by_id=eti.id))
    make._save(Attendance(structure_id=structure.id, employee_id=person.id, day=date(2026, 5, 2), status="absent",
                          recorded_by_id=eti.id))  # after the period: not counted
    _observe(make, structure, person, eti, date(2026, 2, 3), "savoir_etre", "positive")
    _observe(make, structure, person, eti, date(2026, 2, 10), "savoir_etre", "positive")
    _observe(make, structure, person, eti, date(2026, 2, 11), "securite", "preoccupante")
    _observe(make, structure, person, cip, date(2026, 2, 12), "autre", "neutre", visibility="restricted")
    _observe(make, structure, person, eti, date(2026, 4, 1), "technique", "positive")  # outside
    with writing():
        skills.ensure_frameworks(db, structure.id)
        db.commit()
    skill = db.exec(select(Skill).where(Skill.structure_id == structure.id)).first()
    _rating(make, db, structure, person, eti, skill, 1, date(2026, 2, 2))
    _rating(make, db, structure, person, eti, skill, 2, date(2026, 2, 20))
    _rating(make, db, structure, person, eti, skill, 3, date(2026, 3, 20))
    make._save(Goal(structure_id=structure.id, employee_id=person.id, text="Arriver à l'heure", status="atteint",
                    created_by_id=cip.id))
    make._save(Barrier(structure_id=structure.id, employee_id=person.id, theme="mobilite", situation="Permis B",
                       status="leve", detected_by_id=cip.id, detected_on=date(2026, 1, 10),
                       history=[["2026-01-10", "identifie"], ["2026-02-15", "leve"]]))
    make._save(Alert(structure_id=structure.id, employee_id=person.id, type_code="absence", severity="moyenne",
                     raised_by_id=eti.id, raised_at=datetime(2026, 2, 9, 9, tzinfo=UTC), client_key="a1"))

    summary = reviews.compile_summary(db, employee=person, start=date(2026, 2, 1), end=date(2026, 2, 28))

    assert summary["attendance"] == {"present": 3, "late": 1, "absent": 1, "excused": 1, "late_minutes": 10,
                                     "rate": 80}
    assert {(c["category"], c["tone"]): c["count"] for c in summary["observation_counts"]} == {
        ("Savoir-être", "Positive"): 2, ("Sécurité", "Préoccupante"): 1}
    assert len(summary["observations"]) == 3  # the restricted one never goes into a bilan
    assert [(s["first_level"], s["last_level"]) for s in summary["skills"]] == [(1, 2)]
    assert summary["goals"][0]["status"] == "Atteint"
    assert [s for _, s in summary["barriers"][0]["history"]] == ["Identifié", "Levé"]
    assert summary["alerts"] == [{"type": summary["alerts"][0]["type"], "count": 1}]


def test_bilan_compilation_of_an_empty_period(db, person):
    summary = reviews.compile_summary(db, employee=person, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert summary["attendance"]["rate"] is None and summary["attendance"]["present"] == 0
    assert summary["observation_counts"] == [] and summary["skills"] == [] and summary["alerts"] == []


def test_finalised_bilan_is_locked_and_keeps_its_snapshot(make, db, structure, users, person):
    cip, eti = users["counsellor"], users["supervisor"]
    with writing():
        review = reviews.create_review(db, user=cip, employee=person, kind="integration", due_date=date(2026, 2, 5))
        db.flush()
        reviews.save_contribution(db, user=eti, review=review, values={"technique": "Sait tailler une haie."})
        with pytest.raises(followup.FollowupError, match="décision"):
            reviews.finalise(db, user=cip, review=review, today=date(2026, 2, 6))
        reviews.save_counsellor_part(db, review=review, needs={"mobilite": "++"}, done=[],
                                     planned=["Bourse au permis"], decision="poursuite", exit_type="", conclusion="")
        reviews.finalise(db, user=cip, review=review, today=date(2026, 2, 6))
        db.commit()
    assert review.status == "finalised" and review.snapshot["contributions"][0]["technique"] == "Sait tailler une haie."
    _observe(make, structure, person, eti, date(2026, 1, 20), "technique", "positive")
    with writing():
        with pytest.raises(followup.FollowupError, match="finalisé"):
            reviews.finalise(db, user=cip, review=review)
        with pytest.raises(followup.FollowupError, match="avenant"):
            reviews.save_contribution(db, user=eti, review=review, values={"technique": "Autre chose"})
        reviews.add_addendum(db, user=cip, review=review, text="Permis obtenu le 3 mars.")
        db.commit()
    doc = reviews.document(db, review=review)
    assert doc["observation_counts"] == []  # frozen: the later observation is not in it
    assert db.exec(select(ReviewContribution)).one().technique == "Sait tailler une haie."


def test_bilan_due_date_before_contract_start_is_refused(db, users, person):
    with pytest.raises(followup.FollowupError, match="précéder le début du contrat"):
        reviews.create_review(db, user=users["counsellor"], employee=person, kind="integration",
                              due_date=START - timedelta(days=1))


def test_objective_needs_text_and_a_due_date_after_contract_start(db, users, person):
    with pytest.raises(followup.FollowupError) as empty:
        followup.create_goal(db, user=users["counsellor"], employee=person, data=followup.GoalInput(text="  "),
                             today=date(2026, 3, 1))
    assert empty.value.field == "text"
    with pytest.raises(followup.FollowupError) as early:
        followup.create_goal(db, user=users["counsellor"], employee=person,
                             data=followup.GoalInput(text="Passer le code", due_date=date(2025, 12, 1)),
                             today=date(2026, 3, 1))
    assert early.value.field == "due_date"


def test_objective_changes_are_kept_in_history(db, users, person):
    cip = users["counsellor"]
    with writing():
        goal = followup.create_goal(db, user=cip, employee=person, data=followup.GoalInput(
            text="Obtenir le permis de conduire (code / conduite)", due_date=date(2026, 6, 1)), today=date(2026, 3, 1))
        followup.update_goal(db, user=cip, goal=goal, data=followup.GoalInput(
            text=goal.text, due_date=date(2026, 6, 1), status="atteint", agreed_on=date(2026, 3, 1)),
            today=date(2026, 3, 2))
        db.commit()
    history = followup.goal_history(db, goal.id)
    assert len(history) == 2 and "Statut : En cours → Atteint" in history[0].summary
    assert goal.theme == "mobilite" and not goal.sensitive


def test_objective_from_a_sensitive_theme_is_sensitive(db, users, person):
    goal = followup.create_goal(db, user=users["counsellor"], employee=person,
                                data=followup.GoalInput(text="Constituer un dossier MDPH/invalidité"),
                                today=date(2026, 3, 1))
    assert goal.sensitive


def test_export_holds_the_follow_up_and_anonymisation_removes_its_texts(app, db, users, person):
    from webapp.domain import privacy
    from webapp.models import BarrierSignal, WorkConstraint

    cip, eti = users["counsellor"], users["supervisor"]
    with writing():
        followup.create_goal(db, user=cip, employee=person, data=followup.GoalInput(text="Passer le code"),
                             today=date(2026, 3, 1))
        followup.signal_barrier(db, user=eti, employee=person, theme="mobilite", text="Arrive à pied.")
        followup.add_constraint(db, user=cip, employee=person, text="Pas de charges lourdes")
        review = reviews.create_review(db, user=cip, employee=person, kind="integration", due_date=date(2026, 2, 5))
        db.flush()
        reviews.save_contribution(db, user=eti, review=review, values={"technique": "Sait tailler."})
        db.commit()
    sections = dict(privacy.export_employee(db, person))
    assert {r["Libellé"] for r in sections["Suivi socioprofessionnel"]} >= {"Passer le code", "Pas de charges lourdes"}
    assert "Sait tailler." in sections["Bilans"][0]["Contributions"]
    with writing():
        privacy.anonymise(db, person, upload_folder=app.config["UPLOAD_FOLDER"])
        db.commit()
    assert db.exec(select(Goal)).one().text == "[anonymisé]"
    assert db.exec(select(BarrierSignal)).one().text == "[anonymisé]"
    assert db.exec(select(WorkConstraint)).all() == []
    assert db.exec(select(ReviewContribution)).one().technique == ""
    assert db.exec(select(Review)).one().kind == "integration"  # statistics survive
