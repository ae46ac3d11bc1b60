"""Did you mean: respelling pinyin and fixing homophone typos against the index's lexicon.

Two mistakes dominate Chinese search boxes:

* the query is typed in pinyin or initials (``shebao``, ``sb``, ``guowuyuan changwuhuiyi``)
  because the input method was off or the user was lazy — respelled into the indexed words it
  spells, as a whole: the letters are cut into words of the lexicon along a lattice, so a
  run-together query (``guowuyuanchangwuhuiyi``) reads as 国务院 + 常务 + 会议; initials,
  what a person remembers of a title (``cqsjljd``), are read as words some title holds
  together (重庆市 + 计量 + 监督);
* the input method picked a wrong character with the right sound (公基金 for 公积金, 乌克蓝
  for 乌克兰) — fixed by looking, anywhere in the query, for an indexed word of the same
  length and (fuzzy) pinyin that differs from what was typed by one character.

These functions only propose: :mod:`indexer.engine.searching` decides, by what each proposal finds
together with the rest of the query, whether one replaces what was typed (it never does while
what was typed is found as typed), is offered, or is dropped.

>>> from indexer.lexicon import Entry, Lexicon
>>> lexicon = Lexicon([Entry("公积金", 50, 20, ("gong", "ji", "jin")),
...                    Entry("医保", 30, 10, ("yi", "bao")),
...                    Entry("提取", 40, 15, ("ti", "qu"))])
>>> from indexer.analysis import Segmenter
>>> typo_fixes("公基金提取", Segmenter(), lexicon)[0]
Fix(text='公积金提取', typed='公基金', fixed='公积金')
>>> respell_query("yibao", lexicon)
['医保']
>>> respell_query("gongjijintiqu", lexicon)
['公积金提取']
>>> respell_query("yb", lexicon)
['医保']
"""

import heapq
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from indexer.analysis import Segmenter
from indexer.analysis.normalize import fold
from indexer.engine.querying import MAX_CLAUSES
from indexer.lexicon import Lexicon

# A respelling must be this many times more used than the word it replaces.
DOMINANCE = 5
MIN_DF = 2
MAX_CANDIDATES = 3
MAX_FIXES = 8
# Windows of the query tried for a one-character slip, in characters.
_WINDOWS = (4, 3, 2)
_LETTERS = re.compile(r"[a-z]+")
_PART = re.compile(r"[a-z]+|[^a-z\s]+")
# The lattice: at most this many words tried per stretch of letters, paths kept per position,
# the bonus of official vocabulary (in log counts) and the weight of a title bigram.
_EDGE_WORDS = 5
_BEAM = 16
_OFFICIAL = 2.0
_PAIR_WEIGHT = 2.0
_MAX_WORD_LETTERS = 24
_MAX_INITIALS = 6
# Initials are far more ambiguous (zf: 政府, 执法, 支付 …), so they are read with more words a
# stretch; a path is extended only by its best few predecessors and those a title bigram
# links, and where the index says which titles hold a word, only paths whose words some
# title holds together are kept: the best _HELD_BEAM of the best _CHECKED ending at a place.
_INITIAL_EDGE_WORDS = 50
_EXTENDED = 16
_HELD_BEAM = 64
_CHECKED = 256
# Initials are typed for a few words: a query of more letters (a run of letters held down)
# is read without asking titles, as checking its every place would cost tens of milliseconds.
_HELD_LETTERS = 16
# For initials, records holding two neighbouring words as one indexed word (政府采购) count
# this much towards the pair, beside the titles holding them as a phrase.
_WORD_PAIR = 0.1

Narrow = Callable[[object, str], object]
"""``narrow(held, word)``: of the titles ``held`` (``None``: every title), those that also
hold ``word``, or ``None`` if none does; what ``held`` is (document numbers) is the caller's
business (:func:`indexer.engine.matchsets.narrowing`)."""


def _cjk(text: str) -> bool:
    return bool(text) and all("\u3400" <= ch <= "\u9fff" for ch in text)


@dataclass(frozen=True)
class Fix:
    """The query with ``typed`` (as typed, folded) replaced by ``fixed``."""

    text: str
    typed: str
    fixed: str


def typo_fixes(
    text: str,
    segmenter: Segmenter,
    lexicon: Lexicon,
    anywhere: bool = True,
    known: Callable[[str], bool] = lambda word: False,
) -> list[Fix]:
    """Likely homophone typos of the query, fixed one at a time, likeliest first.

    Every stretch of two to four Chinese characters is a place a slip may hide, including
    stretches the slip made the segmenter cut differently (乌克蓝 is 乌克 + 蓝). A candidate is
    a word of the lexicon that sounds the same, much more used than what was typed; one that
    differs by a single character (the usual slip) comes before one that differs by more,
    a longer word before a shorter, an exact-pinyin match before a fuzzy one.

    A stretch inside a query word the index holds (``known``) is left alone: 积金 of
    住房公积金 is no slip, however much more used 基金 is. Not ``anywhere``: only fixes of
    one or more whole words of the query as segmented (公基金: 公 + 基金), never of a stretch
    across a word boundary (式访 of 正式访问).
    The text is folded first: 兩條 is 两条, a word of the index, not a typo for 链条.
    """
    text = fold(text)
    words = segmenter.query_words(text)
    aligned = set()
    for i, first in enumerate(words):
        for last in words[i:]:
            if last.end - first.start > max(_WINDOWS):
                break
            aligned.add((first.start, last.end))
    spans = set(aligned)
    for size in _WINDOWS if anywhere else ():
        spans.update((i, i + size) for i in range(len(text) - size + 1))
    ranked = []
    for start, end in spans:
        typed = text[start:end]
        if len(typed) < 2 or not _cjk(typed) or _inside_known(words, start, end, known):
            continue
        floor = max(MIN_DF, DOMINANCE * lexicon.df(typed))
        for order, candidate in enumerate(lexicon.homophones(typed)[:MAX_CANDIDATES]):
            if lexicon.df(candidate) < floor:
                continue
            differing = sum(a != b for a, b in zip(typed, candidate, strict=True))
            key = (differing > 1, -len(typed), order, -lexicon.df(candidate))
            fixed_text = text[:start] + candidate + text[end:]
            ranked.append((key, Fix(fixed_text, typed, candidate)))
    fixes: dict[str, Fix] = {}
    for _, fix in sorted(ranked, key=lambda pair: pair[0]):
        fixes.setdefault(fix.text, fix)
    return list(fixes.values())[:MAX_FIXES]


def _inside_known(words, start: int, end: int, known: Callable[[str], bool]) -> bool:
    """Whether the stretch lies inside, and short of, one query word the index holds: a
    slip makes a word no word, so no part of a word the index holds is one. (A stretch that
    only overlaps a word may still be where a slip made the segmenter cut differently.)"""
    return any(
        w.start <= start and end <= w.end and (start, end) != (w.start, w.end) and known(w.text)
        for w in words
    )


def respell_query(
    text: str,
    lexicon: Lexicon,
    preferred: frozenset[str] = frozenset(),
    indexed: Callable[[str], bool] = lambda word: False,
    limit: int = 6,
    narrow: Narrow | None = None,
) -> list[str]:
    """Readings of a query typed wholly or partly in pinyin or initials, likeliest first;
    empty when it has no letters to respell.

    Chinese parts stay as typed; a word of letters the index holds as a term (``ppp``) too.
    Each stretch of letters between them is cut into lexicon words along a lattice (full
    pinyin, else initials of up to six letters a word), spaces being where words end.
    Initials name what a person remembers of a title: given ``narrow`` (which titles of
    those given hold a word, :data:`Narrow`), initials are read as words a title holds
    together, where any title does; words of such a reading stand apart (执法 检查) unless
    they go together as a phrase or word (政府采购), as the title may hold them apart.
    """
    text = fold(text).lower()
    if sum(map(len, _LETTERS.findall(text))) > _HELD_LETTERS:
        narrow = None
    stretches: list[list[list[str]]] = []  # per part of the query: its readings
    initials: set[int] = set()  # the parts read as initials
    has_letters = False
    for token in text.split():
        for part in _PART.findall(token):
            if not _LETTERS.fullmatch(part) or indexed(part):
                stretches.append([[part]])
                continue
            has_letters = True
            readings, spelled = _lattice(part, lexicon, preferred, narrow)
            if not readings:
                return []
            if not spelled:
                initials.add(len(stretches))
            stretches.append(readings)
    if not has_letters:
        return []
    # Join the parts' readings: each part's best, then one part varied at a time; readings
    # whose neighbouring words titles use together (常务 + 会议) before those they do not
    # (常委 + 会议), then in the lattice's order.
    combos = [[r[0] for r in stretches]]
    for index, readings in enumerate(stretches):
        for alternative in readings[1:]:
            chosen = [r[0] for r in stretches]
            chosen[index] = alternative
            combos.append(chosen)
    ranked = sorted(enumerate(combos), key=lambda nc: (-_together(nc[1], lexicon), nc[0]))
    out: list[str] = []
    for _, chosen in ranked:
        candidate = _join(chosen, initials, lexicon)
        if len(candidate.split()) > MAX_CLAUSES:  # a query of so many parts is refused
            candidate = _join(chosen, set(), lexicon)
        if candidate not in out:
            out.append(candidate)
        if len(out) >= limit:
            break
    return out


def _together(parts: list[list[str]], lexicon: Lexicon) -> float:
    """How much titles use the reading's neighbouring words together."""
    words = [word for part in parts for word in part]
    return sum(math.log1p(lexicon.phrase_count(a + b)) for a, b in itertools.pairwise(words))


def _join(parts: list[list[str]], initials: set[int], lexicon: Lexicon) -> str:
    """Parts of a query back together: Chinese runs joined, Latin words kept apart, and the
    words of initials apart unless they go together (:func:`_paired`)."""
    text = ""
    for index, words in enumerate(parts):
        piece = words[0]
        for before, word in itertools.pairwise(words):
            apart = index in initials and not _paired(lexicon, before + word, True)
            piece += (" " if apart else "") + word
        if text and (piece.isascii() or text[-1].isascii()):
            text += " "
        text += piece
    return text


def _lattice(
    letters: str, lexicon: Lexicon, preferred: frozenset[str], narrow: Narrow | None = None
) -> tuple[list[list[str]], bool]:
    """The best ways to read a stretch of letters as lexicon words, and whether they are
    its full pinyin: full pinyin if it reads so from end to end, else initials — read first
    as words some title holds together."""
    paths = _best_paths(
        letters,
        lambda i, j: _pinyin_edges(letters[i:j], lexicon, preferred),
        lexicon,
        False,
        preferred,
    )
    if paths:
        return paths, True

    def edges(i: int, j: int) -> list[str]:
        return _initial_edges(letters[i:j], lexicon, preferred, _EDGE_WORDS)

    def titled(i: int, j: int) -> list[str]:  # no other word can be held by a title
        words = _initial_edges(letters[i:j], lexicon, preferred, _INITIAL_EDGE_WORDS)
        return [word for word in words if lexicon.entries[word].title_df]

    if narrow is not None:
        paths = _best_paths(
            letters, titled, lexicon, True, preferred, _HELD_BEAM, _EXTENDED, narrow
        )
        if paths:
            return paths, False
    return _best_paths(letters, edges, lexicon, True, preferred), False


def _pinyin_edges(piece: str, lexicon: Lexicon, preferred: frozenset[str]) -> list[str]:
    return _ranked(lexicon.spelled(piece), lexicon, preferred, titles=False)


def _initial_edges(piece: str, lexicon: Lexicon, preferred: frozenset[str], most: int) -> list[str]:
    if len(piece) < 2 or len(piece) > _MAX_INITIALS:
        return []
    return _ranked(lexicon.by_initials(piece, max(50, 2 * most)), lexicon, preferred, True, most)


def _ranked(
    words: list[str], lexicon: Lexicon, preferred, titles: bool, most: int = _EDGE_WORDS
) -> list[str]:
    """Official vocabulary first, then by how many titles (initials: how people type names)
    or records use the word."""

    def key(word: str):
        entry = lexicon.entries[word]
        if titles:
            return (entry.title_df, word in preferred, entry.df)
        return (word in preferred, entry.df, entry.title_df)

    return heapq.nlargest(most, words, key=key)


def _best_paths(
    letters: str,
    edges: Callable[[int, int], list[str]],
    lexicon: Lexicon,
    titles: bool,
    preferred: frozenset[str],
    beam: int = _BEAM,
    extended: int | None = None,
    narrow: Narrow | None = None,
) -> list[list[str]]:
    """The best few segmentations of ``letters`` into words, by a beam over positions.

    A path scores each word by how likely it is — the share of records (of titles, for
    initials) using it, official vocabulary counting several times over — and each pair of
    neighbours by how often titles hold them together (a bigram of title phrases): 国务院 常务
    会议 reads better than 国务院 常委 会议, and 国务院 better than 国务 预案.

    With ``extended``, a word follows only that many of the best paths ending before it, and
    the paths ending in a word titles hold right before it: the others would score lower
    anyway. With ``narrow``, a path is kept only while some title holds all its words: of the
    best :data:`_CHECKED` candidates ending at a position, the best ``beam`` held ones.
    """
    n = len(letters)
    # Kept: (score, words, what narrow said of them). Reached: (score, words before, the next
    # word, what narrow said of the words before): a path is only made once it is kept.
    beams: list[list[tuple[float, list[str], object]]] = [[] for _ in range(n + 1)]
    reached: list[list[tuple[float, list[str], str, object]]] = [[] for _ in range(n + 1)]
    beams[0] = [(0.0, [], None)]

    total = math.log1p(lexicon.most_used(titles))

    def used(word: str) -> float:
        entry = lexicon.entries.get(word)
        count = (entry.title_df if titles else entry.df) if entry else 0
        return math.log1p(count) - total + (_OFFICIAL if word in preferred else 0.0)

    for i in range(n + 1):
        if i:
            best = heapq.nlargest(
                beam if narrow is None else _CHECKED, reached[i], key=lambda entry: entry[0]
            )
            reached[i] = []
            if narrow is None:
                beams[i] = [(score, [*path, word], held) for score, path, word, held in best]
            else:
                beams[i] = _held(best, narrow, beam)
        if i == n or not beams[i]:
            continue
        head = beams[i] if extended is None else beams[i][:extended]
        ending: dict[str, list[tuple[float, list[str], object]]] = {}
        if extended is not None:
            for score, path, held in beams[i][extended:]:
                ending.setdefault(path[-1], []).append((score, path, held))
        for j in range(i + 1, min(n, i + _MAX_WORD_LETTERS) + 1):
            into = reached[j]
            for word in edges(i, j):
                gain = used(word)
                for score, path, held in head:
                    pair = (
                        _PAIR_WEIGHT * math.log1p(_paired(lexicon, path[-1] + word, titles))
                        if path
                        else 0.0
                    )
                    into.append((score + gain + pair, path, word, held))
                if ending:
                    for before, count in lexicon.preceding(word).items():
                        for score, path, held in ending.get(before, ()):
                            pair = _PAIR_WEIGHT * math.log1p(count)
                            into.append((score + gain + pair, path, word, held))
    return [path for _, path, _ in beams[n]]


def _paired(lexicon: Lexicon, pair: str, titles: bool) -> float:
    """How often two neighbouring words go together: the titles holding them as a phrase,
    and for initials also the records holding them as one indexed word (政府 + 采购: 政府采购,
    which hundreds of records of the corpus hold; 住房 + 成功 is no word), a tenth each."""
    count = lexicon.phrase_count(pair)
    return count + _WORD_PAIR * lexicon.df(pair) if titles else count


def _held(candidates: list, narrow: Narrow, beam: int) -> list:
    """The best ``beam`` candidates (best first) whose words some title holds together."""
    kept = []
    for score, path, word, before in candidates:
        held = narrow(before, word)
        if held is not None:
            kept.append((score, [*path, word], held))
            if len(kept) >= beam:
                break
    return kept
