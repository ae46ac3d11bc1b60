"""Highlighted titles and snippets: the words a query matched, marked in the original text.

The text is segmented with the same analysis as the index, so a mark covers a whole word at
its real offsets, never half a word or a substring that merely looks alike. Everything but
the ``<mark>`` tags is HTML-escaped.

>>> from indexer.analysis import Segmenter
>>> seg = Segmenter()
>>> words = seg.query_words("公积金")
>>> highlight(seg, "住房公积金<b>提取</b>", words, width=0)
'住房<mark>公积金</mark>&lt;b&gt;提取&lt;/b&gt;'
"""

from html import escape

from indexer.analysis import QueryWord, Segmenter
from indexer.analysis.normalize import fold

SNIPPET_CHARS = 120
_LEAD = 20


def highlight(
    segmenter: Segmenter, text: str, words: list[QueryWord], width: int = SNIPPET_CHARS
) -> str:
    """The whole text marked (``width=0``) or the best window of ``width`` characters."""
    start, end = 0, len(text)
    if width and len(text) > width:
        start = _best_window(fold(text), [w.text for w in words], width)
        end = start + width
    window = text[start:end]
    spans = _spans(segmenter, window, words)
    out: list[str] = ["…" if start > 0 else ""]
    cursor = 0
    for s, e in spans:
        out.append(escape(window[cursor:s], quote=False))
        out.append(f"<mark>{escape(window[s:e], quote=False)}</mark>")
        cursor = e
    out.append(escape(window[cursor:], quote=False))
    if end < len(text):
        out.append("…")
    return "".join(out)


def _spans(segmenter: Segmenter, window: str, words: list[QueryWord]) -> list[tuple[int, int]]:
    """Spans of tokens equal to a query word, or of runs of leaves spelling one out."""
    tokens = segmenter.index_tokens(window)
    wanted = {w.text for w in words}
    marked = [(s, e) for t, _, s, e in tokens if t in wanted]
    spelled = [word.leaves for word in words if len(word.leaves) > 1]
    if spelled:
        marked += _spelled_out(tokens, spelled)
    marked.sort(key=lambda span: (span[0], -span[1]))
    merged: list[tuple[int, int]] = []
    for s, e in marked:
        if merged and s < merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
            continue
        merged.append((s, e))
    return merged


def _spelled_out(tokens, spelled: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Spans of runs of finest leaves that spell out a query word of several leaves."""
    finest: dict[int, tuple[str, int, int]] = {}
    for t, pos, s, e in tokens:
        finest[pos] = (t, s, e)
    leaves = [finest[p] for p in sorted(finest)]
    texts = [leaf[0] for leaf in leaves]
    spans = []
    for word_leaves in spelled:
        n = len(word_leaves)
        for i in range(len(texts) - n + 1):
            if tuple(texts[i : i + n]) == word_leaves:
                spans.append((leaves[i][1], leaves[i + n - 1][2]))
    return spans


def _best_window(folded: str, needles: list[str], width: int) -> int:
    """Start of the window that holds the most distinct query words, a little before them."""
    hits: list[tuple[int, str]] = []
    for needle in dict.fromkeys(needles):  # in query order: the same window every time
        at = folded.find(needle)
        while at != -1 and len(hits) < 200:
            hits.append((at, needle))
            at = folded.find(needle, at + 1)
    if not hits:
        return 0
    hits.sort()
    best_start, best_count = hits[0][0], 0
    # A window slid over the sorted hits: ``inside`` counts each needle of hits[i:j].
    inside: dict[str, int] = {}
    j = 0
    for i, (at, _) in enumerate(hits):
        while j < len(hits) and hits[j][0] < at + width - _LEAD:
            inside[hits[j][1]] = inside.get(hits[j][1], 0) + 1
            j += 1
        if len(inside) > best_count:
            best_start, best_count = at, len(inside)
        needle = hits[i][1]
        inside[needle] -= 1
        if not inside[needle]:
            del inside[needle]
    return max(0, min(best_start - _LEAD, len(folded) - width))
