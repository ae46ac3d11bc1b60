"""The search engine's errors as the service answers them: the HTTP status, the stable code
and the parameter at fault. The app answers them from this table (``exchange.app``) and the
OpenAPI description lists them from it."""

from dataclasses import dataclass

from indexer.engine.querying import QueryTooComplex
from indexer.search_types import IndexUnavailable


@dataclass(frozen=True)
class EngineError:
    status: int
    code: str
    field: str | None = None


ENGINE_ERRORS: dict[type[Exception], EngineError] = {
    QueryTooComplex: EngineError(400, "query_too_complex", "q"),
    IndexUnavailable: EngineError(503, "index_unavailable"),
}
