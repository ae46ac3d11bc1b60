"""The records a query matches in one segment, as a set of document numbers.

Counting walks every match, and walking a Whoosh matcher tree costs several Python calls per
posting (a union of title and body for each word, intersections between words): for a common
word at 100,000 records that was most of a search. A term's document numbers are read whole
(and kept, :class:`indexer.postings.PostingCache`), and the tree's ``And``, ``Or`` and
``AndNot`` become set operations done in C. Any other query (a phrase, a date
range) is walked by its own matcher, so positions and ranges mean exactly what they mean to
the ranked search.

Deletions are applied the way Whoosh applies them — the segment reader wraps each term's
postings in a :class:`~whoosh.matching.FilterMatcher` excluding deleted documents — so the
sets are the ids the matcher would yield, in no particular order.
"""

from collections.abc import Iterable

from whoosh import fields
from whoosh import query as q
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher, Matcher, WrappingMatcher
from whoosh.searching import Searcher

from indexer.postings import PostingCache


def matching_docs(query: q.Query, searcher: Searcher, postings: PostingCache) -> set[int]:
    """Document numbers of one segment's searcher that ``query`` matches."""
    kind = type(query)
    if query is q.NullQuery:
        return set()
    if kind is q.Term:
        return _term_docs(query, searcher, postings)
    if kind is q.Or and not query.minmatch:
        return _union(matching_docs(sub, searcher, postings) for sub in query.subqueries)
    if kind is q.And:
        return _intersection(query.subqueries, searcher, postings)
    if kind is q.AndNot:
        found = matching_docs(query.a, searcher, postings)
        if found:
            found -= matching_docs(query.b, searcher, postings)
        return found
    if kind is q.DateRange and _dated_column(query, searcher):
        return _dated_between(query, searcher, postings)
    if kind is q.Every and query.fieldname in (None, "", "*"):
        return set(searcher.reader().all_doc_ids())
    return set(query.matcher(searcher).all_ids())


def _dated_column(query: q.DateRange, searcher: Searcher) -> bool:
    """Whether the range's field is a date kept in a column. A record has one publication
    date, so the column's value is the one its range terms were made from."""
    schema = searcher.schema  # a Whoosh Schema: no .get()
    if query.fieldname not in schema:
        return False
    dated = isinstance(schema[query.fieldname], fields.DATETIME)
    return dated and searcher.reader().has_column(query.fieldname)


def _dated_between(query: q.DateRange, searcher: Searcher, postings: PostingCache) -> set[int]:
    """A date range from the column instead of Whoosh's range terms (an ``Or`` of dozens of
    trie terms of every resolution, walked through a matcher: 0.4–1 s at 100,000 records).
    Undated records hold the column's default, beyond the field's largest value, and match
    no range, as they have no range term."""
    field = searcher.schema[query.fieldname]
    reader = searcher.reader()
    start = field.min_value if query.start is None else field.prepare_number(query.start)
    end = field.max_value if query.end is None else field.prepare_number(query.end)
    if query.startexcl and query.start is not None:
        start += 1
    if query.endexcl and query.end is not None:
        end -= 1
    end = min(end, field.max_value)
    values = postings.column(reader, query.fieldname)
    found = {docnum for docnum, value in enumerate(values) if start <= value <= end}
    if found and reader.has_deletions():
        found -= reader.deleted_docs_set
    return found


def _term_docs(term: q.Term, searcher: Searcher, postings: PostingCache) -> set[int]:
    """A term's documents; from the kept postings without opening a matcher if they are
    there (deletions then applied as the segment reader applies them)."""
    reader = searcher.reader()
    if reader.segment() is None:  # an index with no segment yet
        return posting_ids(term.matcher(searcher), "", postings)
    segment = reader.segment().segment_id()
    schema = searcher.schema  # a Whoosh Schema: no .get()
    if term.fieldname in schema:
        field = schema[term.fieldname]
        try:
            key = (term.fieldname, field.to_bytes(term.text))
        except ValueError:
            key = None
        found = postings.cached(segment, key) if key else None
        if found is not None:
            ids = set(found[0])
            if reader.has_deletions():
                ids -= reader.deleted_docs_set
            return ids
    return posting_ids(term.matcher(searcher), segment, postings)


def posting_ids(matcher: Matcher, segment: str, postings: PostingCache) -> set[int]:
    """The ids a term's matcher of ``segment`` yields."""
    kind = type(matcher)
    if kind is WrappingMatcher:  # a boost: changes scores, not matches
        return posting_ids(matcher.child, segment, postings)
    if kind is FilterMatcher:
        found = posting_ids(matcher.child, segment, postings)
        if matcher._exclude:
            return found.difference(matcher._ids)
        return found.intersection(matcher._ids)
    if kind is W3LeafMatcher:
        return set(postings.of(segment, matcher)[0])
    return set(matcher.all_ids())


def _union(parts: Iterable[set[int]]) -> set[int]:
    found: set[int] = set()
    for part in parts:
        found |= part
    return found


def _intersection(queries: list[q.Query], searcher: Searcher, postings: PostingCache) -> set[int]:
    if not queries:
        return set()
    found = matching_docs(queries[0], searcher, postings)
    for sub in queries[1:]:
        if not found:
            break
        found &= matching_docs(sub, searcher, postings)
    return found
