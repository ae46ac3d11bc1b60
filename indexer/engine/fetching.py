"""Records fetched from the live generation by key, as hits: what a page shows for a record
chosen by something other than the query (an operator's best bet), highlighted for the
query's words all the same. A key the generation does not hold — never indexed, withdrawn,
held for review — is simply not in the answer.
"""

from collections.abc import Iterable

from indexer.analysis.normalize import fold
from indexer.engine.searching import Hit, IndexReader, _hit


def hits_by_key(reader: IndexReader, keys: Iterable[str], text: str = "") -> dict[str, Hit]:
    """The hits of the ``keys`` the live generation holds, marked for the words of ``text``."""
    with reader.open() as view:
        words = view.segmenter.query_words(fold(text)) if text.strip() else []
        found = {}
        for key in keys:
            docnum = view.searcher.document_number(key=key)
            if docnum is not None:
                found[key] = _hit(view, docnum, words, 0.0)
        return found
