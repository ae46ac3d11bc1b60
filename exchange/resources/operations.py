"""``GET /readyz`` (ready to take traffic) and ``GET /metrics`` (Prometheus).

``/healthz`` says how the process and its dependencies are; ``/readyz`` is the question a
load balancer asks before sending searches here: the store answers with the schema this
release expects, and this worker has an index generation open. It is 503 until the first
indexer run has built an index, and for a worker of an older release facing an upgraded store.
"""

from typing import Annotated, Literal, NotRequired, TypedDict

import falcon
from prometheus_client import CONTENT_TYPE_LATEST

from exchange.declaring import Answer, declare
from exchange.metrics.service import Metrics
from exchange.resources.health import index_opens
from exchange.store import Store
from exchange.store.migrations import SCHEMA_VERSION, stored_version
from indexer.engine.searching import IndexReader


class Readiness(TypedDict):
    status: Literal["ready", "not_ready"]
    checks: Annotated[dict[str, str], "store, index: ok, or what is wrong"]
    generation: Annotated[int | None, "the index generation open"]
    index_problem: NotRequired[Annotated[str, "why the newest generation cannot be opened"]]


class ReadyResource:
    def __init__(self, store: Store, reader: IndexReader) -> None:
        self.store = store
        self.reader = reader

    @declare(answers={200: Answer("Ready", Readiness), 503: Answer("Not ready", Readiness)})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Readiness: the store has this release's schema; an index is open."""
        checks = {"store": "ok", "index": "ok"}
        try:
            with self.store.read() as conn:
                if stored_version(conn) != SCHEMA_VERSION:
                    checks["store"] = "schema_mismatch"
        except Exception:  # whatever the driver raises, the answer is "not ready"
            checks["store"] = "unavailable"
        if not index_opens(self.reader):
            checks["index"] = "unavailable"
        ready = all(value == "ok" for value in checks.values())
        resp.status = falcon.HTTP_200 if ready else falcon.HTTP_503
        resp.cache_control = ["no-store"]
        resp.media = answer = Readiness(
            status="ready" if ready else "not_ready", checks=checks,
            generation=self.reader.generation,
        )  # fmt: skip
        if self.reader.problem:
            # Ready while it serves the last good generation, but the operator must know.
            answer["index_problem"] = self.reader.problem


class MetricsResource:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    @declare(answers={200: Answer("Prometheus metrics", media=CONTENT_TYPE_LATEST)})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The service's metrics in Prometheus' text format (docs/supervision.md)."""
        resp.content_type = CONTENT_TYPE_LATEST
        resp.cache_control = ["no-store"]
        resp.data = self.metrics.exposition()
