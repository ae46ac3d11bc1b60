"""Publication statistics (分级自动统计): how many records each tier, site, column and doc type
published, period by period.

Counts are of published records (:mod:`exchange.supervision.published`) by the date they
were published, in the cluster's time. A count is grouped by any of the dimensions ``tier``,
``site``, ``column`` and ``doc_type`` — none for the cluster's total — and comes as one
series per group with a count for every period of the span, zeros included, so that a chart
can be drawn from it as it is.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, NotRequired, TypedDict

from sqlalchemy import func, select

from exchange.json_schema import Schema
from exchange.store import Store, tables
from exchange.supervision.periods import Span, SpanFields, period_label
from exchange.supervision.published import published

DIMENSIONS = ("tier", "site", "column", "doc_type")


class Series(TypedDict):
    key: Annotated[dict[str, str], "the group: a value of each dimension of by"]
    total: int
    site_name: NotRequired[Annotated[str, "grouped by site: its name"]]
    counts: Annotated[list[int], "one count per entry of periods"]


class Stats(SpanFields):
    """One series per group, largest first."""

    by: list[Annotated[str, Schema(enum=DIMENSIONS)]]
    periods: list[str]
    total: int
    series: list[Series]


@dataclass(frozen=True)
class StatsQuery:
    span: Span
    by: tuple[str, ...] = ()
    sites: list[str] | None = None  # None: the whole cluster

    def __post_init__(self) -> None:
        unknown = [d for d in self.by if d not in DIMENSIONS]
        if unknown or len(set(self.by)) != len(self.by):
            raise ValueError(f"group by any of {', '.join(DIMENSIONS)}, each once")


def publication_counts(store: Store, query: StatsQuery) -> Stats:
    """``{"periods": [...], "total": n, "series": [{"key": {...}, "total": n, "counts": [...]}]}``
    with the series largest first."""
    r, s = tables.records.c, tables.sites.c
    columns = {"tier": s.tier, "site": r.site, "column": r.column_path, "doc_type": r.doc_type}
    label = period_label(r.published_at, query.span.period, store.engine.dialect.name)
    keys = [columns[d] for d in query.by]
    start, end = query.span.utc_bounds()
    statement = (
        select(label.label("period"), *keys, func.count().label("n"))
        .select_from(tables.records.join(tables.sites, s.code == r.site))
        .where(published(), r.published_at >= start, r.published_at < end)
        .group_by(label, *keys)
    )
    if query.sites is not None:
        statement = statement.where(r.site.in_(query.sites))
    periods = query.span.labels()
    position = {p: i for i, p in enumerate(periods)}
    series: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(periods))
    with store.read() as conn:
        for row in conn.execute(statement):
            series[tuple(row[1 : 1 + len(keys)])][position[row.period]] += row.n
        names = _site_names(conn) if "site" in query.by else {}
    out: list[Series] = []
    for key, counts in series.items():
        entry: Series = {"key": dict(zip(query.by, key, strict=True)), "total": sum(counts)}
        if "site" in query.by:
            entry["site_name"] = names.get(entry["key"]["site"], "")
        entry["counts"] = counts
        out.append(entry)
    out.sort(key=lambda e: (-e["total"], [str(v) for v in e["key"].values()]))
    return {
        **query.span.as_dict(),
        "by": list(query.by),
        "periods": periods,
        "total": sum(e["total"] for e in out),
        "series": out,
    }


def _site_names(conn) -> dict[str, str]:
    return dict(conn.execute(select(tables.sites.c.code, tables.sites.c.name)).all())
