"""Escalation with controlled time: the right minute, two reminders, never twice with two schedulers."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import func, select

from webapp.domain.alerts import alerts as service
from webapp.domain.alerts import escalation
from webapp.models import Alert, AlertEvent, AlertRecipient, DeliveryJob
from webapp.platform.db import writing

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def employee(make, structure, users):
    return make.employee(structure, referent_cip_id=users["counsellor"].id, referent_eti_id=users["supervisor"].id)


def raise_at(db, users, employee, type_code, when, key="k1"):
    with writing():
        alert, _ = service.raise_alert(db=db, raiser=users["supervisor"], employee_id=employee.id,
                                       type_code=type_code, client_key=key, now=when)
        db.commit()
    return alert


def events(db, alert, kind):
    db.rollback()
    return db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id, AlertEvent.kind == kind)
                   .order_by(AlertEvent.id)).all()


def jobs_for(db, alert, user):
    db.rollback()
    return db.exec(select(DeliveryJob.subject).where(DeliveryJob.alert_id == alert.id,
                                                     DeliveryJob.user_id == user.id)
                   .order_by(DeliveryJob.id)).all()


def test_unacknowledged_critical_alert_escalates_at_ten_minutes_then_reminds_twice(app, db, users, employee):
    alert = raise_at(db, users, employee, "sante", T0)  # haute: 30 minutes
    critical = raise_at(db, users, employee, "accident", T0, key="k2")  # critique: 10 minutes
    coordinator, director = users["coordinator"], users["director"]
    with time_machine.travel(T0 + timedelta(minutes=9, seconds=59), tick=False):
        assert escalation.tick(app) == 0
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert escalation.tick(app) == 1
    assert events(db, critical, "escalated") and not events(db, alert, "escalated")
    assert jobs_for(db, critical, coordinator) == ["Alerte critique non prise en charge — Terrain"]
    db.rollback()
    reasons = {r.user_id: r.reason for r in db.exec(select(AlertRecipient).where(AlertRecipient.alert_id == critical.id))}
    assert reasons[coordinator.id] == "escalation" and reasons[director.id] == "direction"

    with time_machine.travel(T0 + timedelta(minutes=14), tick=False):
        assert escalation.tick(app) == 0
    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        assert escalation.tick(app) == 1
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        assert escalation.tick(app) == 1
    with time_machine.travel(T0 + timedelta(minutes=25), tick=False):
        assert escalation.tick(app) == 0  # two reminders, no more
    assert [e.detail for e in events(db, critical, "reminded")] == ["Relance 1 sur 2", "Relance 2 sur 2"]
    assert jobs_for(db, critical, coordinator)[1:] == ["Rappel : alerte critique non prise en charge — Terrain"] * 2
    # The referent CIP is reminded too.
    assert len(jobs_for(db, critical, users["counsellor"])) == 3

    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        assert escalation.tick(app) == 1  # the "haute" alert now
    assert len(events(db, alert, "escalated")) == 1


def test_acknowledged_alert_is_never_escalated(app, db, users, employee):
    alert = raise_at(db, users, employee, "accident", T0)
    with writing():
        service.acknowledge(db=db, alert=db.get(Alert, alert.id), user=users["counsellor"], now=T0 + timedelta(minutes=3))
        db.commit()
    assert escalation.tick(app, T0 + timedelta(hours=3)) == 0
    assert events(db, alert, "escalated") == []


def test_structure_delay_overrides_the_default(app, db, structure, users, employee):
    with writing():
        service.set_escalation_delays(db=db, structure_id=structure.id, delays={"moyenne": 15})
        db.commit()
    alert = raise_at(db, users, employee, "ressources", T0)  # moyenne: 2 h by default
    assert escalation.tick(app, T0 + timedelta(minutes=14)) == 0
    assert escalation.tick(app, T0 + timedelta(minutes=15)) == 1
    assert len(events(db, alert, "escalated")) == 1


def test_two_concurrent_ticks_escalate_only_once(app, db, users, employee):
    alerts = [raise_at(db, users, employee, "accident", T0, key=f"c{n}") for n in range(5)]
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        results.append(escalation.tick(app, T0 + timedelta(minutes=10)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(results) == 5
    db.rollback()
    assert db.exec(select(func.count()).select_from(AlertEvent).where(AlertEvent.kind == "escalated")).one() == 5
    coordinator_jobs = db.exec(select(func.count()).select_from(DeliveryJob).where(
        DeliveryJob.user_id == users["coordinator"].id)).one()
    assert coordinator_jobs == len(alerts)


def test_a_stale_claim_loses(app, db, users, employee):
    alert = raise_at(db, users, employee, "accident", T0)
    due = T0 + timedelta(minutes=10)
    assert escalation._escalate_one(app, alert.id, 0, due, due) is True
    assert escalation._escalate_one(app, alert.id, 0, due, due) is False
    assert len(events(db, alert, "escalated")) == 1


def test_tick_command_runs_escalation_and_outbox(app, db, users, employee):
    app.config["MAIL_PORT"] = 9  # nothing listens: the e-mails wait for the next pass
    raise_at(db, users, employee, "accident", T0)
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        result = app.test_cli_runner().invoke(args=["alerts", "tick"])
    assert result.exit_code == 0, result.output
    assert "Escalades : 1" in result.output


def test_worker_loop_runs_passes_until_stopped(app, db, users, employee):
    app.config["MAIL_PORT"] = 9
    raise_at(db, users, employee, "accident", T0)
    stop = threading.Event()
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        worker = threading.Thread(target=escalation.worker_loop, args=(app, stop, 0.01))
        worker.start()
        for _ in range(500):
            if events_count(db, "escalated"):
                break
            time.sleep(0.01)
        stop.set()
        worker.join(timeout=5)
    assert not worker.is_alive()
    assert events_count(db, "escalated") == 1


def events_count(db, kind):
    db.rollback()
    return db.exec(select(func.count()).select_from(AlertEvent).where(AlertEvent.kind == kind)).one()


def test_demo_data_has_alerts_in_every_state_with_history(app, db):
    from webapp.demo import seed_demo_data

    with writing():
        structure = seed_demo_data(db, "demo demo demo demo", today=T0.date())
        db.commit()
    alerts = db.exec(select(Alert).where(Alert.structure_id == structure.id)).all()
    assert {a.status for a in alerts} >= {"resolved", "acknowledged"}
    assert any(a.escalation_level for a in alerts)
    assert all(a.resolution_note for a in alerts if a.status == "resolved")
    escalated = next(a for a in alerts if a.escalation_level)
    kinds = [e.kind for e in db.exec(select(AlertEvent).where(AlertEvent.alert_id == escalated.id).order_by(AlertEvent.at))]
    assert kinds[:2] == ["raised", "seen"] and "escalated" in kinds and "acknowledged" in kinds
    figures = service.response_times(db, structure.id, now=T0)
    assert sum(f.count for f in figures) == len(alerts)
    assert all(f.median_minutes is not None for f in figures)
