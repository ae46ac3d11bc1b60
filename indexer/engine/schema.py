"""The Whoosh schema of a record in the index: what is searched, filtered, sorted, stored.

Text fields are analysed by :class:`~indexer.analysis.IndexingTokenizer`; filter fields are
plain ids with column storage (``sortable``) so that sorting and facet counts read a compact
column instead of un-inverting postings.
"""

from whoosh import fields

from indexer.analysis import IndexingTokenizer

INDEX_FORMAT = 3
"""The version of what a generation holds: the schema above and how text is analysed into it.
Raise it with any change that makes an older generation wrong for this release (a field, a
tokenizer rule, the folding of text); the indexer then rebuilds by itself while the older
generation serves (indexer.engine.building). 1: generations written before versions were recorded;
3: the issuer (发布机构) among the plain fields."""

TEXT_FIELDS = ("title", "body")
PLAIN_FIELDS = ("site", "tier", "column", "doc_type", "issuer")
"""A record's plain-id fields, each written from the IndexDocument attribute of its name: what
search filters select on (``SearchRequest.filters``), stored for hits and kept in a column."""
FACET_FIELDS = ("tier", "site", "doc_type", "year")


def record_schema() -> fields.Schema:
    text = IndexingTokenizer()
    return fields.Schema(
        key=fields.ID(stored=True, unique=True),
        seq=fields.NUMERIC(int, bits=64, stored=True),
        **{name: fields.ID(stored=True, sortable=True) for name in PLAIN_FIELDS},
        branch=fields.KEYWORD(scorable=False),
        year=fields.ID(sortable=True),
        published=fields.DATETIME(stored=True, sortable=True),
        # The title also lives in a column: re-ranking reads it without unpickling bodies.
        title=fields.TEXT(analyzer=text, stored=True, phrase=True, sortable=True),
        body=fields.TEXT(analyzer=text, stored=True, phrase=True),
        url=fields.STORED(),
        site_name=fields.STORED(),
        disclosure=fields.STORED(),
    )
