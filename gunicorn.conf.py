"""Production settings for gunicorn; `zhanqun serve` runs gunicorn with this file.

Every value can be overridden from gunicorn's own command line or GUNICORN_CMD_ARGS; the
bind address and worker count come from the settings in exchange/settings.py.
"""

import multiprocessing

from exchange.settings import from_env

_config = from_env()

wsgi_app = "exchange.app:get_app()"
bind = [_config.bind]
workers = _config.workers or multiprocessing.cpu_count() * 2 + 1
# gthread, answering in JSON what gunicorn refuses before the application sees it
# (exchange/server_errors.py).
worker_class = "exchange.server_errors.JsonErrorWorker"
threads = 4
# Recycle workers now and then so that no slow leak can grow without bound (a worker's memory
# stays flat under load: docs/performance.md). Rarely, and spread widely: a new worker spends
# seconds warming the index before it takes requests, and two recycled together leave none to
# take them meanwhile (at 335,000 records and 20,000 ± 2,000, both workers of a busy service
# were recycled within half a second of each other: a request waited 4.7 s).
max_requests = 200_000
max_requests_jitter = 100_000
timeout = 60
graceful_timeout = 30
keepalive = 5
# Slow or abusive clients: bounded request line, header count and header size, a bounded
# number of open connections per worker, and idle keep-alive connections closed after 5 s. A
# gthread worker hands a connection that stops sending back to its poller after 5 s, so a
# slow client holds no thread; bodies are bounded by each resource (docs/security.md). The
# request line is gunicorn's maximum: the longest search URL (256 characters of Chinese and
# every filter) fits in 4 KiB, and up to 8 KiB an overlong query reaches the application,
# which names what is too long (query_too_long); beyond, gunicorn answers 414 in JSON.
limit_request_line = 8190
limit_request_fields = 64
limit_request_field_size = 8190
worker_connections = 250
# X-Forwarded-Proto (HTTPS, hence HSTS) is believed from the same proxies as X-Forwarded-For.
forwarded_allow_ips = _config.trusted_proxies
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Access, error and application logs as JSON lines (exchange/json_logs.py).
logger_class = "exchange.json_logs.JsonLogger"
proc_name = "zhanqun"


def on_starting(server):
    """Before any worker: an empty directory where workers share their Prometheus counters
    (exchange/metrics/files.py); prometheus_client reads its name from the environment."""
    from exchange.metrics.files import prepare_multiprocess_dir

    prepare_multiprocess_dir(_config.data_dir)


def child_exit(server, worker):
    from exchange.metrics.files import worker_exited

    worker_exited(worker.pid)
