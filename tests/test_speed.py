"""Per-request CPU savings that must not change what is shown: plain rows where objects were built, the worker's
garbage-collector freeze, the load test's settings."""
from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

from tests.skills.test_skill_ratings import frameworks, rate, site, skill  # noqa: F401  (fixtures)
from webapp.domain.skills import skills as service

ROOT = Path(__file__).resolve().parents[1]


def test_matrix_cells_and_working_skills_are_the_latest_ratings(db, make, structure, site, frameworks, users):  # noqa: F811
    """The row queries give the same latest level per (person, skill) as the rating objects did."""
    supervisor = users["supervisor"]
    people = [make.employee(structure, worksite_id=site.id) for _ in range(3)]
    codes = ("EV-04", "EV-05", "SE-ponctualite")
    for index, person in enumerate(people):
        for offset, code in enumerate(codes):
            # An older rating, then a newer one that is the latest (levels on both sides of « acquis »).
            rate(db, person, skill(db, structure, code), 1 + (index + offset) % 4, supervisor, days_ago=10)
            rate(db, person, skill(db, structure, code), 1 + (index + offset + 1) % 4, supervisor, days_ago=2)
    ids = [p.id for p in people]
    expected = service.latest_ratings(db, ids)
    grid = service.matrix(db, site)
    for (employee_id, code), rating in expected.items():
        assert grid.cell(employee_id, code).level == rating.level
    working = service.working_skills(db, ids)
    labels = {}
    for person in people:
        wanted = sorted((r.skill_label, r.skill_code) for (e, _), r in expected.items()
                        if e == person.id and r.level < service.ACQUIRED)
        labels[person.id] = [(w.label, w.code) for w in working[person.id]]
        assert labels[person.id] == wanted
    assert any(labels.values()) and any(r.level >= service.ACQUIRED for r in expected.values())


def test_a_gunicorn_worker_freezes_what_it_loaded_out_of_the_garbage_collector():
    # As in a worker: the application is loaded, then gunicorn calls the hook.
    script = ("import gc, runpy; from webapp import create_app; app = create_app({'SECRET_KEY': 'x'}); "
              "hook = runpy.run_path('gunicorn.conf.py')['post_worker_init']; hook(None); print(gc.get_freeze_count())")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": "sqlite://"})
    assert int(out.stdout) > 100_000  # the modules, mappers and templates: not walked by full collections again


def test_the_load_test_serves_with_the_settings_of_make_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    production = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    bench = runpy.run_path(str(ROOT / "bench" / "gunicorn_count_sql.py"))
    for name in ("worker_class", "workers", "threads", "timeout", "keepalive", "preload_app"):
        assert bench[name] == production[name], name
    assert bench["post_worker_init"].__code__.co_code == production["post_worker_init"].__code__.co_code
    assert bench["_served_post_request"].__code__.co_code == production["post_request"].__code__.co_code


def test_a_worker_freezes_again_once_after_its_first_requests():
    script = ("import gc, runpy; conf = runpy.run_path('gunicorn.conf.py'); worker = type('W', (), {'nr': 0})(); "
              "hook = conf['post_request']; hook(worker, None, None, None); first = gc.get_freeze_count(); "
              "worker.nr = conf['WARM_REQUESTS']; hook(worker, None, None, None); second = gc.get_freeze_count(); "
              "hook(worker, None, None, None); print(first, second, gc.get_freeze_count())")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    first, second, third = map(int, out.stdout.split())
    assert first == 0 and second > 0 and third == second
