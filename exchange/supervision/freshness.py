"""Freshness inspection (栏目更新检查): the columns a national inspection would find not
updated or empty, and each site's verdict.

The rules (docs/supervision.md, thresholds in :mod:`exchange.supervision.rules`):

* a column is **stale** (未更新) when nothing was published in it within its window: two
  weeks for homepage and news-like columns (首页、动态、要闻), six months for notices and
  policy files (通知公告、政策文件);
* a column is **long-stale** (长期未更新) when nothing was published in it within a year; every
  kind of column but ``other`` (static pages such as 机构概况) is expected to be updated;
* a column is **empty** (空白栏目) when it has no published record at all; an empty column is
  reported as empty only, not also as stale;
* a site **fails** (单项否决) when its homepage shows nothing new within two weeks, or it has
  5 or more stale, 10 or more long-stale or 5 or more empty columns.

"Within the window" includes its edge: a record published exactly two weeks before the
inspection keeps a news column fresh; one a second older does not. Only open sites are
inspected: a closed site is not online to be inspected.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Literal, TypedDict

from sqlalchemy import ColumnElement, exists, literal, select

from exchange.json_schema import DateTime, Schema
from exchange.record_input import to_cluster_time
from exchange.store import Store, tables
from exchange.supervision.published import published
from exchange.supervision.rules import Rules

HOMEPAGE = "首页"
NEWS_KINDS = ("news",)
NOTICE_KINDS = ("notice", "policy")
STATIC_KINDS = ("other",)
VETOES = ("homepage_not_updated", "stale_columns", "long_stale_columns", "empty_columns")


FINDINGS = ("stale", "long_stale", "empty")
Moment = DateTime | None


class ColumnReport(TypedDict):
    path: str
    kind: str
    newest: Annotated[Moment, "its newest record"]
    findings: list[Annotated[str, Schema(enum=FINDINGS)]]


class SiteReport(TypedDict):
    site: str
    name: str
    tier: str
    verdict: Literal["pass", "fail"]
    vetoes: list[Annotated[str, Schema(enum=VETOES)]]
    counts: Annotated[dict[str, int], "columns of each finding"]
    homepage_newest: Moment
    columns: list[ColumnReport]


class Inspection(TypedDict):
    """The report, failing sites first."""

    at: DateTime
    rules: Annotated[str, "the rules inspected by, name=value"]
    sites_inspected: int
    sites_failed: int
    sites: list[SiteReport]


@dataclass(frozen=True)
class ColumnState:
    """A column as the inspection sees it: whether it has published records, the newest when."""

    site: str
    path: str
    kind: str
    has_records: bool
    newest: datetime | None

    @property
    def on_homepage(self) -> bool:
        return self.path.split("/", 1)[0] == HOMEPAGE


@dataclass(frozen=True)
class ColumnFinding:
    column: ColumnState
    findings: tuple[str, ...]

    def as_dict(self) -> ColumnReport:
        c = self.column
        return {
            "path": c.path,
            "kind": c.kind,
            "newest": to_cluster_time(c.newest),
            "findings": list(self.findings),
        }


@dataclass
class SiteVerdict:
    """One site's result: ``passed`` unless a veto applies."""

    code: str
    name: str
    tier: str
    homepage_newest: datetime | None
    vetoes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    columns: list[ColumnFinding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.vetoes

    def as_dict(self) -> SiteReport:
        return {
            "site": self.code,
            "name": self.name,
            "tier": self.tier,
            "verdict": "pass" if self.passed else "fail",
            "vetoes": self.vetoes,
            "counts": self.counts,
            "homepage_newest": to_cluster_time(self.homepage_newest),
            "columns": [finding.as_dict() for finding in self.columns],
        }


@dataclass
class InspectionReport:
    at: datetime
    rules: Rules
    sites: list[SiteVerdict]

    @property
    def failed(self) -> list[SiteVerdict]:
        return [site for site in self.sites if not site.passed]

    def as_dict(self) -> Inspection:
        return {
            "at": to_cluster_time(self.at),
            "rules": self.rules.describe(),
            "sites_inspected": len(self.sites),
            "sites_failed": len(self.failed),
            "sites": [site.as_dict() for site in self.sites],
        }


def judge_column(column: ColumnState, rules: Rules, at: datetime) -> tuple[str, ...]:
    """The findings on one column at the moment ``at`` (stored UTC): empty, stale, long_stale."""
    if not column.has_records:
        return ("empty",)
    findings = []
    window = None
    if column.kind in NEWS_KINDS or column.on_homepage:
        window = rules.news
    elif column.kind in NOTICE_KINDS:
        window = rules.notice
    # A column of undated records cannot show that it was updated.
    if window is not None and (column.newest is None or column.newest < window.cutoff(at)):
        findings.append("stale")
    if column.kind not in STATIC_KINDS and (
        column.newest is None or column.newest < rules.long.cutoff(at)
    ):
        findings.append("long_stale")
    return tuple(findings)


def judge_site(
    code: str,
    name: str,
    tier: str,
    columns: list[ColumnState],
    rules: Rules,
    at: datetime,
    site_newest: datetime | None = None,
) -> SiteVerdict:
    """A site's verdict from its columns. The homepage is the site's 首页/… columns; for a site
    that names none, it is the whole site (a portal's homepage lists its newest items), whose
    newest published record is ``site_newest``."""
    homepage = [c.newest for c in columns if c.on_homepage]
    newest = max(filter(None, homepage), default=None) if homepage else site_newest
    verdict = SiteVerdict(code, name, tier, homepage_newest=newest)
    counts = dict.fromkeys(FINDINGS, 0)
    for column in columns:
        findings = judge_column(column, rules, at)
        for finding in findings:
            counts[finding] += 1
        if findings:
            verdict.columns.append(ColumnFinding(column, findings))
    verdict.counts = counts
    if verdict.homepage_newest is None or verdict.homepage_newest < rules.news.cutoff(at):
        verdict.vetoes.append("homepage_not_updated")
    for finding, veto, limit in (
        ("stale", "stale_columns", rules.stale),
        ("long_stale", "long_stale_columns", rules.long_stale),
        ("empty", "empty_columns", rules.empty),
    ):
        if counts[finding] >= limit:
            verdict.vetoes.append(veto)
    return verdict


def inspect_sites(
    store: Store, rules: Rules, sites: list[str] | None = None, at: datetime | None = None
) -> InspectionReport:
    """Inspect the open sites (``sites``: only these codes) at the moment ``at`` (UTC)."""
    at = at or datetime.now(UTC).replace(tzinfo=None)
    by_site: dict[str, list[ColumnState]] = defaultdict(list)
    for column in column_states(store, sites):
        by_site[column.site].append(column)
    s = tables.sites.c
    statement = select(s.code, s.name, s.tier).where(s.state == "open").order_by(s.code)
    if sites is not None:
        statement = statement.where(s.code.in_(sites))
    # Records filed in no column count for the site as a whole (its homepage lists them).
    unfiled = select(s.code, _newest(s.code, literal(""))).where(s.state == "open")
    with store.read() as conn:
        registry = conn.execute(statement).all()
        site_newest = dict(conn.execute(unfiled).all())
    verdicts = []
    for row in registry:
        columns = by_site.get(row.code, [])
        dates = [site_newest.get(row.code), *(c.newest for c in columns)]
        newest = max(filter(None, dates), default=None)
        verdicts.append(judge_site(row.code, row.name, row.tier, columns, rules, at, newest))
    verdicts.sort(key=lambda v: (v.passed, v.code))
    return InspectionReport(at, rules, verdicts)


def column_states(store: Store, sites: list[str] | None = None) -> list[ColumnState]:
    """Every registered column: whether it has a published record, and the newest date.

    Both are correlated subqueries that read the (site, column, published) index from its
    newest end and stop at the first published record, instead of counting every record: at
    the reference scale that is a few milliseconds against seconds.
    """
    c, r = tables.columns.c, tables.records.c
    has_records = exists().where(r.site == c.site, r.column_path == c.path, published())
    statement = select(
        c.site, c.path, c.kind, has_records.label("has_records"), _newest(c.site, c.path)
    ).order_by(c.site, c.path)
    if sites is not None:
        statement = statement.where(c.site.in_(sites))
    with store.read() as conn:
        return [ColumnState(*row) for row in conn.execute(statement)]


def _newest(site: ColumnElement, path: ColumnElement) -> ColumnElement[datetime]:
    """The publication time of the newest dated, published record of a column."""
    r = tables.records.c
    return (
        select(r.published_at)
        .where(r.site == site, r.column_path == path, r.published_at.is_not(None), published())
        .order_by(r.published_at.desc())
        .limit(1)
        .scalar_subquery()
    )
