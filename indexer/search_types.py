"""What a search asks and answers, apart from the engine that answers it: the request, the
result, a hit and a correction, and the limits of a page. The service (``exchange/``) builds
and reads these; :mod:`indexer.engine.searching` answers them from a Whoosh index.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

MAX_PAGE_SIZE = 50
MAX_DEPTH = 1_000
"""Results beyond this rank (page × page size) are not served."""


class IndexUnavailable(RuntimeError):
    """No generation has been built yet, or the live one cannot be opened."""


@dataclass
class SearchRequest:
    """What a caller asks for; every filter is optional."""

    text: str = ""
    # Where: the scope's sites, branch or tiers.
    sites: Sequence[str] = ()
    branch: str | None = None
    tiers: Sequence[str] = ()
    # What: for each filtered field of the index, the values a record's must be one of.
    filters: dict[str, Sequence[str]] = field(default_factory=dict)
    exclude_sites: Sequence[str] = ()
    published_from: datetime | None = None
    published_to: datetime | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    facets: bool = True
    correct: bool = True
    # Look-alike titles of several sites folded into one hit (indexer.collapsing): the
    # cluster's place names, and the sites whose copy a group shows first (nearest first).
    collapse: tuple[str, ...] = ()
    near: tuple[str, ...] = ()


@dataclass
class Hit:
    key: str
    site: str
    site_name: str
    tier: str
    title: str
    snippet: str
    url: str
    published: datetime | None
    column: str
    doc_type: str
    disclosure: dict[str, str]
    score: float
    # The typed words this record lacks, when the query was relaxed to find anything (缺少字词).
    missing: list[str] = field(default_factory=list)
    # The same title published by other sites, folded under this hit (no snippets).
    similar: list["Hit"] = field(default_factory=list)
    # How many copies were folded into this hit (``similar`` lists the first MAX_SIMILAR).
    similar_count: int = 0


@dataclass
class Correction:
    """A better query than what was typed. Applied: its results are shown instead ("以下是 X
    的结果 / 仍然搜索 Y"); not applied: only suggested ("您是不是要找 X")."""

    query: str
    original: str
    kind: str
    applied: bool = True


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    generation: int = 0
    correction: Correction | None = None
    # The typed words left out by the results shown, when a query that found nothing was
    # relaxed to all but one of its words; empty when every result holds every word.
    missing: list[str] = field(default_factory=list)
    # The official terms also searched for everyday words of the query (已为您匹配「生育登记」).
    matched: list[str] = field(default_factory=list)
