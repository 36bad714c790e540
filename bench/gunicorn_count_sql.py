"""gunicorn settings of the load test: those of `make run`, plus a count of the SQL statements of each request.

The settings are read from the served checkout's gunicorn.conf.py (the working directory: --app-dir of
bench/load.py), so that each version is measured as `make run` serves it; a checkout without one (a version older
than the production server) gets gthread, WEB_CONCURRENCY × TERRAIN_THREADS. The count is written, one line per
request ("<method> <path>\\t<statements>"), to the file named by TERRAIN_BENCH_SQL_LOG; it listens on every
SQLAlchemy engine, so the application itself is not touched.
"""
import os
import runpy
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("TERRAIN_THREADS", "4"))
timeout = 60
keepalive = 5
if os.path.exists("gunicorn.conf.py"):
    globals().update({name: value for name, value in runpy.run_path("gunicorn.conf.py").items()
                      if not name.startswith("__")})
bind = os.environ.get("TERRAIN_BIND", "127.0.0.1:5000")
accesslog = None
errorlog = "-"
loglevel = "warning"

_local = threading.local()


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args):
    _local.statements = getattr(_local, "statements", 0) + 1


def pre_request(worker, req):
    _local.statements = 0


_served_post_request = globals().get("post_request")  # the served checkout's own hook, kept


def post_request(worker, req, environ, resp):
    if _served_post_request:
        _served_post_request(worker, req, environ, resp)
    path = os.environ.get("TERRAIN_BENCH_SQL_LOG")
    if path:
        with open(path, "a") as log:
            log.write(f"{req.method} {req.path}\t{getattr(_local, 'statements', 0)}\n")
