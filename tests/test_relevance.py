"""Relevance on the project's own sample data: each query must find a record a person would
call right, near the top. Queries are in tests/data/relevance.tsv, grouped by kind."""

from collections import defaultdict
from pathlib import Path

from indexer.analysis.normalize import fold

QUERIES = Path(__file__).parent / "data" / "relevance.tsv"
TOP = 10


def relevance_set() -> list[tuple[str, str, str]]:
    rows = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, query, expected = line.split("\t")
            rows.append((kind, query, expected))
    return rows


def rank_of_first_relevant(cluster, query: str, expected: str) -> int | None:
    hits = cluster.search(query, page_size=TOP).hits
    for rank, hit in enumerate(hits, start=1):
        plain_title = hit.title.replace("<mark>", "").replace("</mark>", "")
        if any(fold(option) in fold(plain_title) for option in expected.split("|")):
            return rank
    return None


def test_every_kind_of_query_finds_a_relevant_record_near_the_top(demo):
    reciprocal: dict[str, list[float]] = defaultdict(list)
    misses = []
    for kind, query, expected in relevance_set():
        rank = rank_of_first_relevant(demo, query, expected)
        reciprocal[kind].append(1 / rank if rank else 0.0)
        if rank is None or rank > 3:
            misses.append((kind, query, rank))
    assert not misses, f"relevant record not in the top 3: {misses}"
    for kind, scores in reciprocal.items():
        assert sum(scores) / len(scores) >= 0.8, f"MRR@{TOP} of {kind} queries too low: {scores}"
