"""``GET /healthz``: the process answers, the store answers, which generation it serves."""

from typing import Annotated, Literal, NotRequired, TypedDict

import falcon
from sqlalchemy import text

from exchange.declaring import Answer, declare
from exchange.store import Store
from indexer.engine.searching import IndexReader
from indexer.search_types import IndexUnavailable


def index_opens(reader: IndexReader) -> bool:
    """Whether this worker has (or can open) a live index generation."""
    try:
        with reader.open():
            return True
    except IndexUnavailable:
        return False


class Health(TypedDict):
    status: Literal["ok", "degraded"]
    checks: Annotated[dict[str, str], "store, index (and indexer): ok, or what is wrong"]
    generation: Annotated[int | None, "the index generation served"]
    index_problem: NotRequired[Annotated[str, "why the live generation cannot be opened"]]
    indexer_problem: NotRequired[Annotated[str, "why the indexer's last run failed its checks"]]


class HealthResource:
    def __init__(self, store: Store, reader: IndexReader) -> None:
        self.store = store
        self.reader = reader

    @declare(answers={200: Answer("Healthy", Health), 503: Answer("Degraded", Health)})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Liveness: the store and the index answer."""
        checks = {"store": "ok", "index": "ok"}
        try:
            with self.store.read() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            checks["store"] = "unavailable"
        if not index_opens(self.reader):
            checks["index"] = "unavailable"
        if self.reader.problem:
            checks["index"] = "damaged"
        if self.reader.indexer_problem:
            # The last run's work failed a check and was not published (docs/indexer.md).
            checks["indexer"] = "failed"
        healthy = all(v == "ok" for v in checks.values())
        resp.status = falcon.HTTP_200 if healthy else falcon.HTTP_503
        resp.media = answer = Health(
            status="ok" if healthy else "degraded", checks=checks, generation=self.reader.generation
        )
        if self.reader.problem:
            # Rebuilt from the store by the next `zhanqun index` (docs/indexer.md).
            answer["index_problem"] = self.reader.problem
        if self.reader.indexer_problem:
            answer["indexer_problem"] = self.reader.indexer_problem
