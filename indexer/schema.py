"""The Whoosh schema of a record in the index: what is searched, filtered, sorted, stored.

Text fields are analysed by :class:`~indexer.analysis.IndexingTokenizer`; filter fields are
plain ids with column storage (``sortable``) so that sorting and facet counts read a compact
column instead of un-inverting postings.
"""

from whoosh import fields

from indexer.analysis import IndexingTokenizer

TEXT_FIELDS = ("title", "body")
FACET_FIELDS = ("tier", "site", "doc_type", "year")


def record_schema() -> fields.Schema:
    text = IndexingTokenizer()
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        seq=fields.NUMERIC(int, bits=64, stored=True),
        site=fields.ID(stored=True, sortable=True),
        tier=fields.ID(stored=True, sortable=True),
        branch=fields.KEYWORD(scorable=False),
        column=fields.ID(stored=True, sortable=True),
        doc_type=fields.ID(stored=True, sortable=True),
        year=fields.ID(sortable=True),
        published=fields.DATETIME(stored=True, sortable=True),
        # The title also lives in a column: re-ranking reads it without unpickling bodies.
        title=fields.TEXT(analyzer=text, stored=True, phrase=True, sortable=True),
        body=fields.TEXT(analyzer=text, stored=True, phrase=True),
        url=fields.STORED(),
        site_name=fields.STORED(),
        disclosure=fields.STORED(),
    )
