"""gunicorn settings for production (Dockerfile, docker-compose.yml) and for the load test
(bench/loadtest.py), which measures this very file:

    gunicorn sportloket.wsgi --config gunicorn.conf.py --bind 0.0.0.0:8000

Sized for the public forms' worst case, a burst of submissions (docs/benchmarks.md). A
submission costs about 5-7 ms of CPU in Django and 1-1.5 ms in PostgreSQL, nearly all Python
under the GIL: one worker process per core (``WEB_CONCURRENCY``, default: the cores this
process may use) does the work, and a second thread keeps it busy while a request waits for
PostgreSQL or Redis. Measured on 2 cores, more processes or threads only add CPU per
submission (3 or 4 sync workers, 4 threads, 4 workers x 8 threads: the docs). Each thread holds
its own persistent database connection (CONN_MAX_AGE): workers x threads connections, far
below PostgreSQL's max_connections (100) together with the Celery workers. Raise ``threads``
(GUNICORN_CMD_ARGS="--threads 4") when long requests such as exports are common.
"""

import gc
import os

import gunicorn.http.wsgi

# SPORTLOKET_SINGLE_PROCESS=true (production without Redis, settings/production.py): the rate
# limits live in this one process's memory, so there must be exactly one worker.
if os.environ.get("SPORTLOKET_SINGLE_PROCESS", "").lower() in {"1", "true", "yes", "on"}:
    workers = 1
else:
    workers = int(os.environ.get("WEB_CONCURRENCY", len(os.sched_getaffinity(0))))
worker_class = "gthread"
threads = 2
# A worker takes new connections only while it has a free thread or two: in a burst the rest
# wait in the listen backlog for whichever worker frees up first, instead of queueing behind
# one worker's threads while the other worker is idle (gunicorn's default is 1000). The
# connections above ``threads`` are also all a worker keeps alive between requests.
worker_connections = 2 * threads
backlog = 2048
keepalive = 5
timeout = 30
graceful_timeout = 30
# Import Django once in the master: workers start faster and share the loaded code.
preload_app = True
# No access log: its lines hold full paths and query strings, tokens included. The app logs one
# line per request itself, with the URL pattern and the request id (sportloket/requestlog.py).
accesslog = None
# gunicorn's runtime control socket (gunicornc) is not used; without it nothing is created in
# the home directory, and several servers on one machine do not share one socket path.
control_socket_disable = True


def pre_fork(server, worker):
    """Forked workers must never share a database connection of the master. What the master
    loaded (Django, the apps, the libraries) stays for good: frozen, the garbage collector of a
    worker no longer walks it on every full collection (about 8 % of a submission's CPU) and
    leaves its memory pages shared with the master."""
    from django.db import connections

    connections.close_all()
    gc.freeze()


def _without_server_header(default_headers):
    """gunicorn announces itself in a ``Server`` header on every response (error pages
    included) and has no setting to turn that off; a banner only helps whoever looks for a
    known hole. Patched on the class, so that every response type inherits it."""

    def headers(self):
        return [h for h in default_headers(self) if not h.lower().startswith("server:")]

    return headers


gunicorn.http.wsgi.Response.default_headers = _without_server_header(
    gunicorn.http.wsgi.Response.default_headers
)
