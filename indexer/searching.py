"""Running a search against the live generation: filters, sorting, pages, facets, highlights.

:class:`IndexReader` belongs to one process (one gunicorn worker). It opens the generation
named by CURRENT the first time it is asked, after the fork, and looks again at most once a
``refresh_seconds``: a new generation is opened, a new commit to the same one is picked up by
Whoosh's cheap ``refresh``, and searchers still in use keep the files they opened.
"""

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import query as q
from whoosh import sorting
from whoosh.searching import Searcher

from indexer.analysis import Segmenter
from indexer.generations import Generations
from indexer.highlight import highlight
from indexer.querying import QueryBuilder, parse
from indexer.schema import FACET_FIELDS

MAX_PAGE_SIZE = 50
MAX_DEPTH = 1_000


class IndexUnavailable(RuntimeError):
    """No generation has been built yet, or the live one cannot be opened."""


@dataclass
class SearchRequest:
    """What a caller asks for; every filter is optional."""

    text: str = ""
    sites: Sequence[str] = ()
    branch: str | None = None
    tiers: Sequence[str] = ()
    columns: Sequence[str] = ()
    doc_types: Sequence[str] = ()
    published_from: datetime | None = None
    published_to: datetime | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    facets: bool = True


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


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    generation: int = 0


class IndexReader:
    """The searcher and segmenter of the live generation, refreshed as the indexer commits."""

    def __init__(self, root: Path, refresh_seconds: float = 1.0) -> None:
        self.generations = Generations(root)
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._generation: int | None = None
        self._segmenter: Segmenter | None = None
        self._checked = 0.0

    @property
    def generation(self) -> int | None:
        return self._generation

    @contextmanager
    def open(self) -> Iterator[tuple[Searcher, Segmenter]]:
        """The current searcher and the segmenter that matches its dictionary."""
        with self._lock:
            self._maybe_refresh()
            searcher, segmenter = self._searcher, self._segmenter
        yield searcher, segmenter

    def _maybe_refresh(self) -> None:
        now = time.monotonic()
        if self._searcher is not None and now - self._checked < self.refresh_seconds:
            return
        self._checked = now
        number = self.generations.current()
        if number is None:
            raise IndexUnavailable("the index has not been built yet: run `zhanqun index`")
        if self._segmenter is None:
            self._segmenter = Segmenter()
        if number != self._generation or self._searcher is None:
            try:
                index = self.generations.open(number)
                self._segmenter.add_words(self.generations.read_dictionary(number))
                self._searcher = index.searcher()
            except Exception as error:
                if self._searcher is not None:
                    return
                raise IndexUnavailable(f"cannot open index generation {number}") from error
            self._generation = number
        elif not self._searcher.up_to_date():
            self._segmenter.add_words(self.generations.read_dictionary(number))
            self._searcher = self._searcher.refresh()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None


def search(reader: IndexReader, request: SearchRequest) -> SearchResult:
    """Run one search; the caller has validated page bounds."""
    parsed = parse(request.text)
    with reader.open() as (searcher, segmenter):
        query, words = QueryBuilder(segmenter).build(parsed)
        filters = _filters(request)
        kwargs: dict = {"filter": filters} if filters is not None else {}
        if request.sort == "newest" or parsed.empty:
            kwargs["sortedby"] = sorting.FieldFacet("published", reverse=True)
        if request.facets:
            kwargs["groupedby"] = {
                name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACET_FIELDS
            }
        page = searcher.search_page(query, request.page, pagelen=request.page_size, **kwargs)
        hits = [_hit(segmenter, hit, words) for hit in page]
        facets = {}
        if request.facets:
            facets = {
                name: dict(sorted(page.results.groups(name).items(), key=lambda kv: -kv[1]))
                for name in FACET_FIELDS
            }
            for counts in facets.values():
                counts.pop("", None)
                counts.pop(None, None)
        return SearchResult(page.total, hits, facets, reader.generation or 0)


def _filters(request: SearchRequest) -> q.Query | None:
    parts: list[q.Query] = []
    for fieldname, values in (
        ("site", request.sites),
        ("tier", request.tiers),
        ("column", request.columns),
        ("doc_type", request.doc_types),
    ):
        if values:
            parts.append(q.Or([q.Term(fieldname, v) for v in values]))
    if request.branch:
        parts.append(q.Term("branch", request.branch))
    if request.published_from or request.published_to:
        parts.append(q.DateRange("published", request.published_from, request.published_to))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else q.And(parts)


def _hit(segmenter: Segmenter, hit, words) -> Hit:
    stored = hit.fields()
    return Hit(
        key=stored["key"],
        site=stored.get("site", ""),
        site_name=stored.get("site_name", ""),
        tier=stored.get("tier", ""),
        title=highlight(segmenter, stored.get("title", ""), words, width=0),
        snippet=highlight(segmenter, stored.get("body", ""), words),
        url=stored.get("url", ""),
        published=stored.get("published"),
        column=stored.get("column", ""),
        doc_type=stored.get("doc_type", ""),
        disclosure=stored.get("disclosure") or {},
        score=hit.score or 0.0,
    )
