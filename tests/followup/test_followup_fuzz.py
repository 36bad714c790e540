"""Generated input on every follow-up form, with the follow-up's own field names: never a 500, nothing leaked."""
import re
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token
from tests.test_fuzz_forms import NASTY, fingerprint
from webapp.models import Barrier, BarrierSignal, Goal, Review, WorkConstraint

FIELDS = ["theme", "situation", "status", "note", "discussed_on", "step_id", "done", "text", "label", "decision",
          "due_date", "agreed_on", "barrier_id", "skill_code", "next_step", "kind", "need_mobilite", "need_sante",
          "planned", "exit_type", "conclusion", "savoir_etre", "technique", "strengths", "to_work", "proposal",
          "action", "objective"]
values = st.one_of(st.sampled_from(NASTY + ["sante", "mobilite", "++", "--", "sortie", "integration", "qualifier",
                                            "classer", "remove", "leve", "atteint", "Bourse au permis", "CDI"]),
                   st.text(max_size=100), st.integers().map(str), st.dates().map(lambda d: d.isoformat()),
                   st.text(min_size=3000, max_size=5000))
form_data = st.dictionaries(st.sampled_from(FIELDS), values, max_size=10)


def test_followup_forms_never_break_or_leak(app, client, auth, users, make, structure, db):
    other = make.structure("Structure voisine")
    foreign = make.employee(other)
    own = make.employee(structure)
    cip = users["counsellor"]
    for employee in (own, foreign):
        sid = employee.structure_id
        make._save(Barrier(structure_id=sid, employee_id=employee.id, theme="sante", situation="x", sensitive=True,
                           detected_by_id=cip.id, detected_on=date.today(), history=[]))
        make._save(BarrierSignal(structure_id=sid, employee_id=employee.id, theme="mobilite", text="vu",
                                 signalled_by_id=cip.id))
        make._save(WorkConstraint(structure_id=sid, employee_id=employee.id, text="c", created_by_id=cip.id))
        make._save(Goal(structure_id=sid, employee_id=employee.id, text="g", created_by_id=cip.id))
        make._save(Review(structure_id=sid, employee_id=employee.id, kind="integration", due_date=date.today(),
                          period_start=date.today() - timedelta(days=30), period_end=date.today(),
                          created_by_id=cip.id))
    app.config["TOTP_REQUIRED_ROLES"] = ()
    actor = make.user("director", structure, totp_secret=None)
    before = fingerprint(db, other.id)
    rules = sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods
                    and r.endpoint.split(".")[0] in ("followup", "reviews")), key=lambda r: r.rule)
    auth.login(actor.email)

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rule=st.sampled_from(rules), data=form_data, object_id=st.sampled_from([1, 2, 3, 0, 2**31]),
           as_htmx=st.booleans())
    def run(rule, data, object_id, as_htmx):
        payload = dict(data)
        payload["csrf_token"] = csrf_token(client)
        url = re.sub(r"<(?:int:)?[a-z_]+>", str(object_id), rule.rule)
        response = client.post(url, data=payload, headers={"HX-Request": "true"} if as_htmx else {})
        assert response.status_code < 500, (rule.rule, payload, response.get_data(as_text=True)[:500])

    run()
    db.rollback()
    assert fingerprint(db, other.id) == before
