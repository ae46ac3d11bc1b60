"""The Whoosh schema of a record in the index: what is searched, filtered, sorted, stored.

Text fields take a pre-analysed :class:`~indexer.analysis.TokenStream`; filter fields are
plain ids with column storage (``sortable``) so that sorting and facet counts read a compact
column instead of un-inverting postings.
"""

from whoosh import fields

from indexer.analysis import PreAnalyzed

TEXT_FIELDS = ("title", "body")


class AnalyzedText(fields.TEXT):
    """A TEXT field whose values arrive as a TokenStream (Whoosh's own check allows only str
    and sequences, and would treat a sequence as a list of words)."""

    def index(self, value, **kwargs):
        kwargs.setdefault("mode", "index")
        for text, freq, weight, encoded in self.format.word_values(value, self.analyzer, **kwargs):
            yield text.encode("utf-8"), freq, weight, encoded


FACET_FIELDS = ("tier", "site", "doc_type", "year")


def record_schema() -> fields.Schema:
    text = PreAnalyzed()
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
        title=AnalyzedText(analyzer=text, stored=True, phrase=True),
        body=AnalyzedText(analyzer=text, stored=True, phrase=True),
        url=fields.STORED(),
        site_name=fields.STORED(),
        disclosure=fields.STORED(),
    )
