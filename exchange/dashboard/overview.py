"""What the dashboard shows, gathered from the supervision modules in one place."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from exchange.dashboard.best_bets import BestBetsView
from exchange.dashboard.suggestions import SuggestionsView
from exchange.popular import PopularQueries
from exchange.store import Store
from exchange.store.best_bets import list_best_bets
from exchange.store.hidden_suggestions import hidden_suggestions
from exchange.store.sites import list_sites
from exchange.supervision.freshness import InspectionReport, inspect_sites
from exchange.supervision.periods import Span, cluster_today
from exchange.supervision.plain_misses import PlainCandidate, plain_language_candidates
from exchange.supervision.rules import Rules
from exchange.supervision.runs import IndexerRun, recent_runs
from exchange.supervision.searches import search_report
from exchange.supervision.stats import StatsQuery, publication_counts

MONTHS = 12
SEARCH_DAYS = 30
TOP = 10
RUNS = 30
PUBLIC_SUGGESTIONS = 30


@dataclass(frozen=True)
class Overview:
    today: date
    publishing: dict  # publication counts by tier and site, month by month
    inspection: InspectionReport
    searches: dict
    runs: list[IndexerRun]
    # Why the indexer's last run failed its checks, while it has not passed them since.
    indexer_problem: str | None = None
    # What the public is offered from past queries, and what the operator hid.
    suggestions: SuggestionsView | None = None
    # Misses followed by a click on another search's result: for the plain-language table.
    plain_candidates: list[PlainCandidate] = field(default_factory=list)
    # The best bets in force (推荐结果).
    best_bets: BestBetsView | None = None


def gather(
    store: Store,
    rules: Rules,
    today: date | None = None,
    indexer_problem: str | None = None,
    popular: PopularQueries | None = None,
) -> Overview:
    """Publishing by tier and site over the last twelve months (this one included; one query
    serves both charts, a site having one tier), the freshness inspection now, the last
    thirty days of searches, the latest indexer runs, the public suggestions and the best
    bets in force."""
    today = today or cluster_today()
    first_month = today.year * 12 + today.month - 1 - (MONTHS - 1)
    first = date(first_month // 12, first_month % 12 + 1, 1)
    months = Span(first, today, "month")
    return Overview(
        today=today,
        publishing=publication_counts(store, StatsQuery(months, ("tier", "site"))),
        inspection=inspect_sites(store, rules),
        searches=search_report(
            store, Span(today - timedelta(days=SEARCH_DAYS - 1), today, "day"), limit=TOP
        ),
        runs=recent_runs(store, RUNS),
        indexer_problem=indexer_problem,
        suggestions=SuggestionsView(
            popular.past(PUBLIC_SUGGESTIONS), hidden_suggestions(store), popular.rules
        )
        if popular is not None
        else None,
        plain_candidates=plain_language_candidates(
            store, *Span(today - timedelta(days=SEARCH_DAYS - 1), today).utc_bounds(), limit=TOP
        ),
        best_bets=BestBetsView(list_best_bets(store), {s.code: s for s in list_sites(store)}),
    )
