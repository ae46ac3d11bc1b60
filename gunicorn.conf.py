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
worker_class = "gthread"
threads = 4
# Recycle workers now and then so that no slow leak can grow without bound.
max_requests = 20_000
max_requests_jitter = 2_000
timeout = 60
graceful_timeout = 30
keepalive = 5
# Slow or abusive clients: bounded request line, header count and header size.
limit_request_line = 8190
limit_request_fields = 64
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
loglevel = "info"
proc_name = "zhanqun"
