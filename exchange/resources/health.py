"""``GET /healthz``: the process answers, the store answers, which generation it serves."""

import falcon
from sqlalchemy import text

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


class HealthResource:
    def __init__(self, store: Store, reader: IndexReader) -> None:
        self.store = store
        self.reader = reader

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
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
        resp.media = {
            "status": "ok" if healthy else "degraded",
            "checks": checks,
            "generation": self.reader.generation,
        }
        if self.reader.problem:
            # Rebuilt from the store by the next `zhanqun index` (docs/indexer.md).
            resp.media["index_problem"] = self.reader.problem
        if self.reader.indexer_problem:
            resp.media["indexer_problem"] = self.reader.indexer_problem
