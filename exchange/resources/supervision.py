"""Supervision over HTTP (docs/supervision.md):

* ``GET /v1/stats`` — publication counts by tier, site, column, doc type and period (public:
  the counts of what anyone can read on the sites);
* ``GET /v1/inspection`` — the freshness inspection (key with ``admin``);
* ``GET /v1/analytics/searches`` — top and zero-result queries and their trend (``admin``);
* ``GET /v1/indexer/runs`` — the indexer's latest runs (``admin``);
* ``GET /click`` and ``POST /v1/clicks`` — the results page reports a result opened.

A cluster key with ``admin`` sees every site; a site's key with ``admin`` sees its own site
and the sites below it (a county's operator, its townships and departments).
"""

from datetime import date, timedelta
from typing import TypedDict

import falcon

from exchange.auth import require
from exchange.declaring import Answer, declare
from exchange.errors import Forbidden, InvalidInput, NotFound
from exchange.params import Choice, Day, Text, Texts, Whole
from exchange.resources.changes import BRANCH, TIER, select_sites
from exchange.site_cache import SiteCache
from exchange.store import Store
from exchange.store.keys import ApiKey
from exchange.store.sites import Site, branch_of
from exchange.supervision.clicks import MAX_POSITION, Click, record_click
from exchange.supervision.freshness import Inspection, inspect_sites
from exchange.supervision.periods import MAX_PERIODS, PERIODS, Span, cluster_today
from exchange.supervision.rules import Rules
from exchange.supervision.runs import RunEntry, recent_runs
from exchange.supervision.searches import DEFAULT_LIMIT, MAX_LIMIT, SearchReport, search_report
from exchange.supervision.stats import DIMENSIONS, Stats, StatsQuery, publication_counts

# The days a span may cover: enough for MAX_PERIODS of the longest month.
_MAX_SPAN_DAYS = MAX_PERIODS * 31
STATS_MAX_AGE = 60
_FIRST_DAY = date(1900, 1, 1)
_LAST_DAY = date(9000, 12, 31)


class SpanDay(Day):
    """A date, YYYY-MM-DD in cluster time, far enough from the calendar's ends."""

    def read(self, req: falcon.Request) -> date | None:
        raw = req.get_param(self.name)
        if raw is None:
            return None
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(f"{self.name} must be a date, YYYY-MM-DD", field=self.name) from None
        # Spans reach a year around their dates (default starts, period ends): far from the
        # calendar's ends, or the arithmetic leaves it.
        if not _FIRST_DAY <= day <= _LAST_DAY:
            raise InvalidInput(f"{self.name} must be between {_FIRST_DAY} and {_LAST_DAY}",
                               field=self.name)  # fmt: skip
        return day


FIRST = SpanDay("from", "first day (cluster time)")
LAST = SpanDay("to", "last day; default today")
PERIOD = Choice("period", "count by day, week (from Monday), month or year; at most "
                f"{MAX_PERIODS} periods", PERIODS)  # fmt: skip
SPAN = (FIRST, LAST, PERIOD)
BY = Texts("by", "group by these dimensions (none: the cluster's total)", DIMENSIONS)
SITES = Texts("site", "only these sites")
SITE = Text("site", "one site")
BOX = Text("site", "searches made from this site's box")
QUERIES = Whole("limit", "queries in each list", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
RUNS = Whole("limit", "runs, newest first", default=20, low=1, high=500)
CLICKED = (
    Text("q", "the query the result was found by"),
    Text("r", "the record opened, SITE/ID"),
    Whole("pos", "its position in the results, from 1", default=None, low=1, high=MAX_POSITION),
    Text("site", "the site whose search box was used"),
)


def span_param(req: falcon.Request, period: str, days: int) -> Span:
    """``from``, ``to`` (YYYY-MM-DD, cluster time) and ``period``; by default the ``days``
    days up to today."""
    period = PERIOD.check(PERIOD.raw(req) or period)
    end = LAST.read(req) or cluster_today()
    start = FIRST.read(req) or end - timedelta(days=days - 1)
    if start > end:
        raise InvalidInput("from must not be after to", field="from")
    span = Span(start, end, period)
    if (end - start).days > _MAX_SPAN_DAYS or len(span.labels()) > MAX_PERIODS:
        raise InvalidInput(
            f"the range holds more than {MAX_PERIODS} periods; choose a longer period",
            code="range_too_long",
            field="period",
        )
    return span


def overseen_sites(req: falcon.Request, registry: dict[str, Site]) -> list[str] | None:
    """The sites an admin request is about (``site`` or ``branch``; a site key's default is
    its own branch), or None for the whole cluster."""
    key: ApiKey = req.context.key
    site, branch = SITE.read(req), BRANCH.read(req)
    if site is None and branch is None:
        if key.is_cluster:
            return None
        branch = key.site
    chosen = select_sites(registry, [site] if site else [], None, branch)
    _check_oversight(key, registry, chosen)
    return chosen


def _check_oversight(key: ApiKey, registry: dict[str, Site], codes: list[str]) -> None:
    if not key.is_cluster and any(key.site not in branch_of(registry, c) for c in codes):
        raise Forbidden(f"this key oversees site {key.site} and the sites below it",
                        code="site_not_overseen")  # fmt: skip


class StatsResource:
    def __init__(self, store: Store, sites: SiteCache) -> None:
        self.store = store
        self.sites = sites

    @declare(
        query=(BY, *SPAN, SITES, BRANCH, TIER),
        answers={200: Answer("One series per group, largest first", Stats)},
        raises=(InvalidInput,),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Published records counted by tier, site, column, doc type and period.

        Public: counts only live, public records not held for review.
        """
        span = span_param(req, "month", 365)
        sites = select_sites(self.sites.get(), SITES.read(req), TIER.raw(req), BRANCH.read(req))
        try:
            query = StatsQuery(span, _dimensions(req), sites)
        except ValueError as error:
            raise InvalidInput(str(error), field="by") from None
        resp.media = publication_counts(self.store, query)
        resp.cache_control = ["public", f"max-age={STATS_MAX_AGE}"]


def _dimensions(req: falcon.Request) -> tuple[str, ...]:
    """``by=tier,site`` or ``by=tier&by=site`` (a comma sent as %2C included)."""
    values = BY.read(req)
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class InspectionResource:
    def __init__(self, store: Store, sites: SiteCache, rules: Rules) -> None:
        self.store = store
        self.sites = sites
        self.rules = rules

    @require("admin")
    @declare(
        query=(SITE, BRANCH),
        answers={200: Answer("The report, failing sites first", Inspection)},
        raises=(InvalidInput,),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Freshness inspection: stale, long-stale and empty columns; verdicts.

        A site's key sees its own branch.
        """
        sites = overseen_sites(req, self.sites.get())
        report = inspect_sites(self.store, self.rules, sites)
        resp.media = report.as_dict()


class SearchAnalyticsResource:
    def __init__(self, store: Store, sites: SiteCache) -> None:
        self.store = store
        self.sites = sites

    @require("admin")
    @declare(
        query=(*SPAN, BOX, QUERIES),
        answers={200: Answer("Search analytics", SearchReport)},
        raises=(InvalidInput,),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Top and zero-result queries, their trend, and results opened.

        A site's key sees its own search box.
        """
        span = span_param(req, "day", 30)
        limit = QUERIES.read(req)
        key: ApiKey = req.context.key
        site = BOX.read(req) or key.site
        if site is not None:
            registry = self.sites.get()
            select_sites(registry, [site], None, None)
            _check_oversight(key, registry, [site])
        resp.media = search_report(self.store, span, site, limit)


class Runs(TypedDict):
    runs: list[RunEntry]


class IndexerRunsResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @require("admin", cluster=True)
    @declare(query=(RUNS,), answers={200: Answer("Runs", Runs)}, raises=(InvalidInput,))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The indexer's latest runs: start, end, counts, outcome."""
        limit = RUNS.read(req)
        resp.media = {"runs": [run.as_dict() for run in recent_runs(self.store, limit)]}


def _click(req: falcon.Request) -> Click:
    query, record, position, site = CLICKED
    return Click(
        query=query.read(req) or "",
        record=record.read(req) or "",
        site=site.read(req),
        position=position.read(req),
    )


class ClickRedirectResource:
    """``GET /click?q=…&r=SITE/ID&pos=N&site=…``: log the click, then go to the record."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @declare(
        query=CLICKED,
        answers={303: Answer("To the record's page")},
        raises=(InvalidInput, NotFound),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Record a result opened, then redirect to the record's page."""
        resp.location = record_click(self.store, _click(req))
        resp.status = falcon.HTTP_303
        resp.cache_control = ["no-store"]


class ClicksResource:
    """``POST /v1/clicks?q=…&r=SITE/ID&pos=N&site=…`` from a link's ``ping`` or a beacon."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @declare(query=CLICKED, answers={204: Answer("Recorded")}, raises=(InvalidInput, NotFound))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The results page reports a result opened (for <a ping> or a beacon)."""
        record_click(self.store, _click(req))
        resp.status = falcon.HTTP_204
