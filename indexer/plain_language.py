"""Plain language (已为您匹配): the everyday words citizens type, matched to the official
service terms the cluster's pages use (生孩子 → 生育登记, 取公积金 → 住房公积金提取).

A table of pairs — everyday phrase, official terms, category — is shipped in
``indexer/data/plain_language.txt`` and extended by the operator's
``DATA_DIR/plain_language.txt`` (same format). It is used at query time only: a search for a
query holding an everyday phrase also looks for its official terms, beside what was typed.

Matching is conservative, within one query part (a run of text without spaces):

* the text is folded like the index (width, case, traditional characters);
* the question words around a phrase are *fillers* (:data:`FILLERS`: 怎么, 在哪里, 需要什么材料,
  办理, 流程 …): set aside before matching, so 公积金怎么取 reads 公积金取; a table phrase found
  in the text as typed is never cut by a filler inside it;
* a phrase that starts with a verb (:data:`VERBS`: 取公积金, 上户口, 换驾照) also matches with
  a measure word or whose it is after the verb (开个小饭馆, 砍自家的树) and with its verb
  after the object, when nothing but fillers follows (户口怎么上, 公积金在哪里取出来); a verb
  may take a close variant (取 → 提取, 取出来; 领 → 领取);
* longest match first, left to right; with a segmenter, a match must start and end where the
  segmenter cuts words (开公司 is not in 离开公司);
* a phrase that is itself one of the ``official`` words (the index's vocabulary), or part of
  one of its own official terms (公积金提取 of 住房公积金提取), is left alone.

>>> table = PlainLanguage.from_lines(["[公积金]", "取公积金 = 住房公积金提取"])
>>> [(m.phrase, m.typed, m.officials) for m in table.match("公积金怎么取")]
[('取公积金', '公积金取', ('住房公积金提取',))]
>>> table.match("公积金提取")
[]
"""

import hashlib
import importlib.resources
import re
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis import Segmenter
from indexer.analysis.normalize import fold
from indexer.engine.querying import Clause, ParsedQuery

MAX_OFFICIALS = 3
"""Official terms of one pair looked for, at most."""

# fmt: off
_ASKING = ("", "要", "需要", "得", "该")
_ASKED = (
    "办什么证", "办什么", "办哪些证", "办哪些", "什么材料", "哪些材料", "什么手续", "哪些手续",
    "什么证件", "什么证明", "带什么", "什么条件", "哪些条件", "什么",
)
FILLERS = frozenset(
    [a + b for a in _ASKING for b in _ASKED]
    + [
        "怎么办理", "怎么办", "怎么样", "怎么", "怎样", "如何办理", "如何", "咋办", "咋",
        "在哪里办", "在哪里", "在哪儿", "在哪", "去哪里", "去哪儿", "去哪", "到哪里", "到哪儿",
        "到哪", "哪里", "哪儿", "办理流程", "流程", "手续", "材料", "条件", "办理", "申请",
        "报名", "我想", "我要", "想要", "请问", "可以", "能不能", "能否", "要多久", "需要多久",
        "多久", "多少钱", "费用", "一下", "是否", "可不可以", "了", "吗", "呢", "啊", "呀", "?",
        "!", ",", ".", "。", "、",
    ]
)
# fmt: on
"""Question words dropped around a plain phrase (never inside one), folded."""

VERBS = {
    "取": ("取", "提", "提取", "取出", "取出来"),
    "提": ("提", "取", "提取", "取出", "取出来"),
    "领": ("领", "领取", "申领"),
    "交": ("交", "缴", "缴纳"),
    "补": ("补", "补办", "补领"),
    "换": ("换", "换领"),
    "办": ("办",),
    "查": ("查", "查询"),
    "上": ("上",),
    "开": ("开",),
    "迁": ("迁",),
    "转": ("转",),
    "考": ("考",),
    "买": ("买",),
    "刻": ("刻",),
    "砍": ("砍", "砍伐"),
    "注册": ("注册",),
}
"""A phrase starting with one of these verbs also matches with the object first (户口怎么上),
the verb taking any of its variants."""

MEASURES = ("个", "一个", "家", "一家", "个小", "一个小", "家小")
"""What may stand between a verb and its object (开个小饭馆)."""

OWNERS = ("自己的", "自家的", "我的", "我家的", "家里的", "本人的")
"""Whose the object is, between a verb and its object (取自己的公积金, 砍自家的树): also
before an object of one character (砍树), which is otherwise never said apart from its verb."""

_SPLIT_OFFICIALS = re.compile(r"\s*/\s*")


@dataclass(frozen=True)
class Pair:
    """An everyday phrase, the official terms it means, and its category (社保, 户籍 …)."""

    phrase: str
    officials: tuple[str, ...]
    category: str = ""


@dataclass(frozen=True)
class Match:
    """A pair found in a query part: its everyday ``phrase`` and official terms, and the
    phrase as matched (``typed``, fillers out) at ``start:end`` of the part (fillers inside
    included)."""

    phrase: str
    officials: tuple[str, ...]
    typed: str
    start: int
    end: int
    category: str = ""


@dataclass(frozen=True)
class _Variant:
    pair: Pair
    last: bool  # the object before the verb: only at the end of the part


def split(pair: Pair | str) -> str:
    """``"dev"`` or ``"test"``, by a stable hash of the everyday phrase (folded): which half
    of the table rules are tuned on, and which half an evaluation holds out.

    >>> split("生孩子"), split("取公积金")
    ('test', 'dev')
    """
    phrase = fold(pair.phrase if isinstance(pair, Pair) else pair).strip()
    return "dev" if hashlib.sha256(phrase.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def read_pairs(lines: Iterable[str]) -> list[Pair]:
    """The pairs of a table file's lines; lines without ``=`` are ignored."""
    pairs: list[Pair] = []
    category = ""
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1].strip()
            continue
        phrase, sign, officials = line.partition("=")
        phrase = "".join(fold(phrase).split())
        terms = tuple(fold(t) for t in _SPLIT_OFFICIALS.split(officials.strip()) if t)
        if sign and len(phrase) > 1 and terms:
            pairs.append(Pair(phrase, terms, category))
    return pairs


class PlainLanguage:
    def __init__(self, pairs: Iterable[Pair]) -> None:
        self.pairs: dict[str, Pair] = {}
        for pair in pairs:
            # A later file's pair replaces an earlier one: the operator's file wins.
            self.pairs[pair.phrase] = pair
        self._variants: dict[str, _Variant] = {}
        for pair in self.pairs.values():
            for text, last in _variants(pair.phrase):
                # 公积金提取 (of 取公积金) already finds 住房公积金提取 as typed.
                if any(text in term for term in pair.officials):
                    continue
                if text not in self.pairs or text == pair.phrase:
                    self._variants.setdefault(text, _Variant(pair, last))
        self._longest = max((len(v) for v in self._variants), default=0)
        self._filler_longest = max(len(f) for f in FILLERS)

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> "PlainLanguage":
        return cls(read_pairs(lines))

    @classmethod
    def load(cls, extra: Path | None = None) -> "PlainLanguage":
        """The shipped table plus the operator's file, if it exists."""
        shipped = importlib.resources.files("indexer") / "data" / "plain_language.txt"
        lines = shipped.read_text(encoding="utf-8").splitlines()
        if extra is not None and extra.is_file():
            lines += extra.read_text(encoding="utf-8").splitlines()
        return cls.from_lines(lines)

    def match(
        self,
        text: str,
        segmenter: Segmenter | None = None,
        official: Container[str] = frozenset(),
    ) -> list[Match]:
        """The pairs found in ``text`` (one query part), left to right, longest first."""
        folded = fold(text)
        kept = self.kept(folded)
        if not kept:
            return []
        skeleton = "".join(folded[i] for i in kept)
        cuts = _cuts(skeleton, segmenter)
        found: list[Match] = []
        i = 0
        while i < len(skeleton):
            variant = None
            for end in range(min(len(skeleton), i + self._longest), i + 1, -1):
                candidate = self._variants.get(skeleton[i:end])
                if (
                    candidate is not None
                    and (not candidate.last or end == len(skeleton))
                    and candidate.pair.phrase not in official
                    and skeleton[i:end] not in official
                    and (cuts is None or (i in cuts and end in cuts))
                ):
                    variant = candidate
                    break
            if variant is None:
                i += 1
                continue
            pair = variant.pair
            found.append(
                Match(
                    pair.phrase,
                    pair.officials[:MAX_OFFICIALS],
                    skeleton[i:end],
                    kept[i],
                    kept[end - 1] + 1,
                    pair.category,
                )
            )
            i = end
        return found

    def kept(self, text: str) -> list[int]:
        """The offsets of ``text`` that are not fillers or spaces; a table phrase found as
        typed is kept whole, whatever fillers it holds."""
        folded = fold(text)
        protected = [False] * len(folded)
        i = 0
        while i < len(folded):
            end = self._longest_at(folded, i, self._variants, self._longest)
            if end:
                protected[i:end] = [True] * (end - i)
                i = end
            else:
                i += 1
        kept: list[int] = []
        i = 0
        while i < len(folded):
            end = 0 if protected[i] else self._longest_at(folded, i, FILLERS, self._filler_longest)
            if end and not any(protected[i:end]):
                i = end
                continue
            if not folded[i].isspace():
                kept.append(i)
            i += 1
        return kept

    @staticmethod
    def _longest_at(text: str, i: int, words: Container[str], longest: int) -> int:
        for end in range(min(len(text), i + longest), i, -1):
            if text[i:end] in words:
                return end
        return 0


def _variants(phrase: str) -> Iterable[tuple[str, bool]]:
    """The phrase, and for a verb and its object: the verb's variants, a measure word or
    whose it is between them, and the object first (only at the end of a query part)."""
    yield phrase, False
    for verb, forms in VERBS.items():
        obj = phrase[len(verb) :]
        if not phrase.startswith(verb) or not obj:
            continue
        for form in forms:
            for owner in OWNERS:
                yield form + owner + obj, False
            if len(obj) < 2:
                continue
            yield form + obj, False
            for measure in MEASURES:
                yield form + measure + obj, False
            yield obj + form, True


def _cuts(text: str, segmenter: Segmenter | None) -> set[int] | None:
    """Where the segmenter starts and ends words in ``text`` (None without one)."""
    if segmenter is None:
        return None
    cuts = {0, len(text)}
    for _word, start, end in segmenter.words(text):
        cuts.update((start, end))
    return cuts


@dataclass(frozen=True)
class Rewritten:
    """A query with its everyday phrases matched: the clauses to search, the matches used and
    the query parts they were found in (as typed)."""

    parsed: ParsedQuery
    matches: list[Match]
    parts: list[str]

    @property
    def officials(self) -> list[str]:
        """The official terms searched for, in order, each once (已为您匹配)."""
        return list(dict.fromkeys(o for m in self.matches for o in m.officials))


def rewrite(
    parsed: ParsedQuery, table: PlainLanguage, find: Callable[[str], list[Match]]
) -> Rewritten:
    """``parsed`` with every everyday phrase ``find`` finds in a part of plain words (not a
    quoted phrase, an excluded word or an OR) searched as itself *or* its official terms,
    like a synonym group; the part's fillers are dropped (and parts of fillers only), its
    other words stay required."""
    found: list[list[Match]] = []
    for clause in parsed.clauses:
        plain = clause.kind == "words" and not clause.alternatives
        room = MAX_MATCHES - sum(len(m) for m in found)
        found.append(find(clause.text)[:room] if plain and room > 0 else [])
    if not any(found):
        return Rewritten(parsed, [], [])
    clauses: list[Clause] = []
    parts: list[str] = []
    for clause, matches in zip(parsed.clauses, found, strict=True):
        if matches:
            parts.append(clause.text)
            clauses += _clauses(clause.text, matches, table)
        elif clause.kind != "words" or clause.alternatives or table.kept(clause.text):
            clauses.append(clause)
        # else: a part of fillers only (生孩子 要办什么): dropped with the others.
    used = [m for matches in found for m in matches]
    return Rewritten(ParsedQuery(clauses, parsed.excluded), used, parts)


MAX_MATCHES = 3
"""Everyday phrases rewritten in one query, at most."""


def _clauses(text: str, matches: list[Match], table: PlainLanguage) -> list[Clause]:
    """One query part as clauses: each match an OR of what was typed and its official terms,
    each run of other words (not fillers) as typed, in the order of the text."""
    clauses: list[Clause] = []
    run: list[int] = []

    def end_run() -> None:
        if run:
            clauses.append(Clause("words", "".join(text[i] for i in run)))
            run.clear()

    emitted: set[int] = set()
    for offset in table.kept(text):
        inside = next((m for m in matches if m.start <= offset < m.end), None)
        if inside is None:
            if run and run[-1] != offset - 1:
                end_run()
            run.append(offset)
            continue
        end_run()
        if id(inside) not in emitted:
            emitted.add(id(inside))
            options = [inside.typed, *inside.officials]
            alternatives = [Clause("words", option) for option in options]
            clauses.append(Clause("words", inside.typed, alternatives))
    end_run()
    return clauses
