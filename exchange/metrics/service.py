"""Prometheus metrics at ``/metrics``: what each worker counts, and what the store and the
index say when scraped.

Request counts and latencies are counted in each gunicorn worker. A scrape reaches one
worker, so the workers share their counts through ``prometheus_client``'s multiprocess mode:
``gunicorn.conf.py`` gives them an empty directory (``DATA_DIR/metrics``, see
:mod:`exchange.metrics.files`) before the first worker starts, each worker keeps its
counters in memory-mapped files there, and whichever worker answers a scrape adds them all
up. A worker that exits leaves its files, so totals never go backwards. Without gunicorn
(tests, one process) the counters simply live in the process.

Everything else — the index generation and its age, the indexer's last run, the store's
size and change count — is read from shared state at scrape time by
:class:`~exchange.metrics.state.SharedStateCollector`, so every worker gives the same answer.
"""

import os
import time

import falcon
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.registry import Collector

from exchange.metrics.files import MULTIPROCESS_ENV

# Searches take milliseconds, long-polls of the change feed up to 30 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


class Metrics:
    """This process's request metrics and the registry a scrape reads."""

    def __init__(self, shared_state: Collector | None = None) -> None:
        self.registry = CollectorRegistry()
        directory = os.environ.get(MULTIPROCESS_ENV)
        if directory:
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(self.registry, path=directory)
        # In multiprocess mode the counters live in files that the collector above reads;
        # registering them too would count them twice.
        own = None if directory else self.registry
        self.requests = Counter(
            "zhanqun_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=own,
        )
        self.latency = Histogram(
            "zhanqun_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self.pulled = Counter(
            "zhanqun_pulled_changes", "Changes served by GET /v1/changes", registry=own
        )
        if shared_state is not None:
            self.registry.register(shared_state)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class RequestMetrics:
    """Falcon middleware counting every request by its route template (never the raw path,
    which would make a new series for every URL anyone tries)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool
    ) -> None:
        started = req.context.get("started", time.perf_counter())
        route = req.uri_template or UNMATCHED
        method = req.method if req.method in METHODS else "other"
        self.metrics.requests.labels(route, method, str(resp.status_code)).inc()
        self.metrics.latency.labels(route, method).observe(time.perf_counter() - started)
        if route == "/v1/changes" and req_succeeded and isinstance(resp.media, dict):
            self.metrics.pulled.inc(len(resp.media.get("changes", ())))
