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

import falcon

from exchange.auth import require
from exchange.errors import Forbidden, InvalidInput
from exchange.numbers import whole_param
from exchange.resources.changes import select_sites
from exchange.site_cache import SiteCache
from exchange.store import Store
from exchange.store.keys import ApiKey
from exchange.store.sites import Site, branch_of
from exchange.supervision.clicks import Click, record_click
from exchange.supervision.freshness import inspect_sites
from exchange.supervision.periods import MAX_PERIODS, PERIODS, Span, cluster_today
from exchange.supervision.rules import Rules
from exchange.supervision.runs import recent_runs
from exchange.supervision.searches import DEFAULT_LIMIT, MAX_LIMIT, search_report
from exchange.supervision.stats import StatsQuery, publication_counts

# The days a span may cover: enough for MAX_PERIODS of the longest month.
_MAX_SPAN_DAYS = MAX_PERIODS * 31
STATS_MAX_AGE = 60
_FIRST_DAY = date(1900, 1, 1)
_LAST_DAY = date(9000, 12, 31)


def span_param(req: falcon.Request, period: str, days: int) -> Span:
    """``from``, ``to`` (YYYY-MM-DD, cluster time) and ``period``; by default the ``days``
    days up to today."""
    period = req.get_param("period") or period
    if period not in PERIODS:
        raise InvalidInput(f"period must be one of {', '.join(PERIODS)}", field="period")
    end = _date(req, "to") or cluster_today()
    start = _date(req, "from") or end - timedelta(days=days - 1)
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


def _date(req: falcon.Request, name: str) -> date | None:
    raw = req.get_param(name)
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a date, YYYY-MM-DD", field=name) from None
    # Spans reach a year around their dates (default starts, period ends): far from the
    # calendar's ends, or the arithmetic leaves it.
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise InvalidInput(f"{name} must be between {_FIRST_DAY} and {_LAST_DAY}", field=name)
    return day


def overseen_sites(req: falcon.Request, registry: dict[str, Site]) -> list[str] | None:
    """The sites an admin request is about (``site`` or ``branch``; a site key's default is
    its own branch), or None for the whole cluster."""
    key: ApiKey = req.context.key
    site, branch = req.get_param("site"), req.get_param("branch")
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

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        span = span_param(req, "month", 365)
        sites = select_sites(
            self.sites.get(),
            req.get_param_as_list("site") or [],
            req.get_param("tier"),
            req.get_param("branch"),
        )
        try:
            query = StatsQuery(span, _dimensions(req), sites)
        except ValueError as error:
            raise InvalidInput(str(error), field="by") from None
        resp.media = publication_counts(self.store, query)
        resp.cache_control = ["public", f"max-age={STATS_MAX_AGE}"]


def _dimensions(req: falcon.Request) -> tuple[str, ...]:
    """``by=tier,site`` or ``by=tier&by=site`` (a comma sent as %2C included)."""
    values = req.get_param_as_list("by") or []
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class InspectionResource:
    def __init__(self, store: Store, sites: SiteCache, rules: Rules) -> None:
        self.store = store
        self.sites = sites
        self.rules = rules

    @falcon.before(require("admin"))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        sites = overseen_sites(req, self.sites.get())
        report = inspect_sites(self.store, self.rules, sites)
        resp.media = report.as_dict()


class SearchAnalyticsResource:
    def __init__(self, store: Store, sites: SiteCache) -> None:
        self.store = store
        self.sites = sites

    @falcon.before(require("admin"))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        span = span_param(req, "day", 30)
        limit = whole_param(req, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        key: ApiKey = req.context.key
        site = req.get_param("site") or key.site
        if site is not None:
            registry = self.sites.get()
            select_sites(registry, [site], None, None)
            _check_oversight(key, registry, [site])
        resp.media = search_report(self.store, span, site, limit)


class IndexerRunsResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @falcon.before(require("admin", cluster=True))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = whole_param(req, "limit", 20, 1, 500)
        resp.media = {"runs": [run.as_dict() for run in recent_runs(self.store, limit)]}


def _click(req: falcon.Request) -> Click:
    return Click(
        query=req.get_param("q") or "",
        record=req.get_param("r") or "",
        site=req.get_param("site"),
        position=whole_param(req, "pos", None, 1, 10_000),
    )


class ClickRedirectResource:
    """``GET /click?q=…&r=SITE/ID&pos=N&site=…``: log the click, then go to the record."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.location = record_click(self.store, _click(req))
        resp.status = falcon.HTTP_303
        resp.cache_control = ["no-store"]


class ClicksResource:
    """``POST /v1/clicks?q=…&r=SITE/ID&pos=N&site=…`` from a link's ``ping`` or a beacon."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        record_click(self.store, _click(req))
        resp.status = falcon.HTTP_204
