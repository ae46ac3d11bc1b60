"""The Whoosh schema of a record in the index: what is searched, filtered, sorted, stored.

Text fields are analysed by :class:`~indexer.analysis.IndexingTokenizer`; filter fields are
plain ids with column storage (``sortable``) so that sorting and facet counts read a compact
column instead of un-inverting postings.
"""

from whoosh import fields

from indexer.analysis import IndexingTokenizer

INDEX_FORMAT = 2
"""The version of what a generation holds: the schema above and how text is analysed into it.
Raise it with any change that makes an older generation wrong for this release (a field, a
tokenizer rule, the folding of text); the indexer then rebuilds by itself while the older
generation serves (indexer.building). 1: generations written before versions were recorded."""

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
