"""Search analytics (搜索分析): what citizens searched for, what found nothing, and what they
opened, over a span of days, for one site's search box or the whole cluster.

From the search log (every first-page search, :mod:`exchange.analytics`) and the click log
(:mod:`exchange.supervision.clicks`):

* ``top`` — the most searched queries, with how many of those searches found nothing and how
  many results were opened from them;
* ``zero_results`` — the most searched queries that found nothing, each with its count per
  period: a query rising here is content citizens look for and the cluster lacks (or calls
  by another name — a synonym to add);
* ``trend`` — searches, searches that found nothing and results opened, per period.
"""

from typing import Annotated, TypedDict

from sqlalchemy import case, desc, func, select

from exchange.json_schema import DateTime
from exchange.record_input import to_cluster_time
from exchange.store import Store, tables
from exchange.supervision.periods import Span, SpanFields, period_label

DEFAULT_LIMIT = 20
MAX_LIMIT = 200
NAMES = ("searches", "zero_results", "clicks")


class TopQuery(TypedDict):
    query: str
    searches: int
    zero_results: Annotated[int, "of those searches, how many found nothing"]
    clicks: Annotated[int, "results opened from it"]


class ZeroQuery(TypedDict):
    query: str
    searches: int
    last: DateTime | None
    counts: Annotated[list[int], "one count per entry of periods"]


class SearchReport(SpanFields):
    """Top and zero-result queries, their trend, and results opened."""

    site: Annotated[str | None, "the search box's site; none: the whole cluster"]
    periods: list[str]
    totals: Annotated[dict[str, int], "searches, zero_results and clicks in the span"]
    trend: Annotated[dict[str, list[int]], "searches, zero_results and clicks per period"]
    top: list[TopQuery]
    zero_results: list[ZeroQuery]


def search_report(
    store: Store, span: Span, site: str | None = None, limit: int = DEFAULT_LIMIT
) -> SearchReport:
    log, clicks = tables.search_log.c, tables.search_clicks.c
    start, end = span.utc_bounds()
    dialect = store.engine.dialect.name
    in_log = [log.at >= start, log.at < end, log.query != ""]
    in_clicks = [clicks.at >= start, clicks.at < end]
    if site is not None:
        in_log.append(log.site == site)
        in_clicks.append(clicks.site == site)
    zero = func.sum(case((log.results == 0, 1), else_=0))
    top = (
        select(log.query, func.count().label("n"), zero.label("zero"))
        .where(*in_log)
        .group_by(log.query)
        .order_by(desc("n"), log.query)
        .limit(limit)
    )
    missing = (
        select(log.query, func.count().label("n"), func.max(log.at).label("last"))
        .where(*in_log, log.results == 0)
        .group_by(log.query)
        .order_by(desc("n"), log.query)
        .limit(limit)
    )
    log_period = period_label(log.at, span.period, dialect)
    click_period = period_label(clicks.at, span.period, dialect)
    periods = span.labels()
    position = {p: i for i, p in enumerate(periods)}
    trend = {name: [0] * len(periods) for name in NAMES}
    with store.read() as conn:
        top_rows = conn.execute(top).all()
        zero_rows = conn.execute(missing).all()
        opened = dict(
            conn.execute(
                select(clicks.query, func.count()).where(*in_clicks).group_by(clicks.query)
            ).all()
        )
        for row in conn.execute(
            select(log_period.label("p"), func.count(), zero).where(*in_log).group_by(log_period)
        ):
            trend["searches"][position[row[0]]] = row[1]
            trend["zero_results"][position[row[0]]] = row[2]
        for row in conn.execute(
            select(click_period.label("p"), func.count()).where(*in_clicks).group_by(click_period)
        ):
            trend["clicks"][position[row[0]]] = row[1]
        zero_trend = _per_period(conn, [row.query for row in zero_rows], in_log, log_period)
    return {
        **span.as_dict(),
        "site": site,
        "periods": periods,
        "totals": {name: sum(values) for name, values in trend.items()},
        "trend": trend,
        "top": [
            {"query": q, "searches": n, "zero_results": z, "clicks": opened.get(q, 0)}
            for q, n, z in top_rows
        ],
        "zero_results": [
            {
                "query": row.query,
                "searches": row.n,
                "last": to_cluster_time(row.last),
                "counts": [zero_trend.get((row.query, p), 0) for p in periods],
            }
            for row in zero_rows
        ],
    }


def _per_period(conn, queries: list[str], where: list, label) -> dict[tuple[str, str], int]:
    """(query, period) → searches that found nothing, for the given queries."""
    if not queries:
        return {}
    log = tables.search_log.c
    statement = (
        select(log.query, label.label("p"), func.count())
        .where(*where, log.results == 0, log.query.in_(queries))
        .group_by(log.query, label)
    )
    return {(row[0], row[1]): row[2] for row in conn.execute(statement)}
