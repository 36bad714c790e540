"""gunicorn settings for Terrain (`make run`, and production behind a reverse proxy: see docs/deploy.md).

Every value can be changed from the environment without editing this file.
"""
import gc
import os

bind = os.environ.get("TERRAIN_BIND", "127.0.0.1:5000")
# Threads: most of a request's time is spent waiting on the database, and SQLite allows one writer anyway.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("TERRAIN_THREADS", "4"))
# A request is short; a stuck one is ended instead of holding a worker.
timeout = int(os.environ.get("TERRAIN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# Photo uploads are at most 12 MB (MAX_CONTENT_LENGTH); headers stay small.
limit_request_field_size = 8190
accesslog = os.environ.get("TERRAIN_ACCESS_LOG", "-")
errorlog = "-"
# Each worker opens its own database engine after the fork (no preload): connections are never shared.
preload_app = False
# The addresses whose X-Forwarded-* headers gunicorn trusts; the application's ProxyFix reads them too.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Once the application is loaded in the worker: keep its long-lived objects out of the garbage collector.

    Python's full collections walk every object of the process (the modules, SQLAlchemy's mappers, the compiled
    templates...): about every fifty page views, a pause of 100-500 ms that stalls all the worker's threads. Frozen
    objects are never walked again; what requests allocate is still collected as before.
    """
    gc.collect()
    gc.freeze()


# What the first requests build and keep (compiled templates and SQL, caches) is frozen too, once they are served.
WARM_REQUESTS = 200
_warm = {"done": False}


def post_request(worker, req, environ, resp):
    """After the worker's first WARM_REQUESTS requests, freeze what they left (once): a full collection then
    walks about 8,000 objects instead of 20,000 (measured with bench/cpu.py: 1.5-2 ms of CPU per page)."""
    if not _warm["done"] and worker.nr >= WARM_REQUESTS:
        _warm["done"] = True
        gc.collect()
        gc.freeze()
