"""Confidentiality review (保密审核): an item that carries a classification mark is *held*.

A held record is kept in the store for the cluster's operator to release or reject, and until
released it is never indexed and never in any feed. The marks are the state-secret grades with
their star (绝密★, 机密★, 秘密★ — a document reads 秘密★1年), 内部资料 and 不予公开. The list
ships in ``exchange/data/classification_marks.txt``; the operator adds marks, one a line, in
``DATA_DIR/classification_marks.txt``.

Matching is blind to width and traditional characters — each character of a mark also matches
every character that :func:`indexer.analysis.normalize.fold` turns into it — and allows
whitespace between a mark's characters, so neither ``機密★`` nor ``秘 密 ★`` slips through:

A mark with the star is unambiguous wherever it stands; the hollow star ☆, which documents
typed by hand use for ★, counts as the star. A mark without one (内部资料, 不予公开) is a label
only where labels are put — the title and the head of the document; deep in a body it is
prose (a regulation on disclosure says when information is 不予公开), and holding every such
text would hold half the law library.

A grade written bare — 绝密, 机密 or 秘密 without a star, the grade of each starred mark — is a
mark where the national rules on marking state secrets put one: heading the title, or first
in the body (after a 份号, the copy number, if any), standing alone — followed by a star, a
space, a bracket, the 保密期限 (1年, 6个月, 长期), 启用前, or nothing. Anywhere else, and run
into other words, it is prose: a news title about the film 《绝密档案》, 机密文件管理办法,
秘密花园.

>>> marks = Marks(["机密★", "内部资料", "不予公开"])
>>> marks.find("关于2024年工作的通知", "機密 ★ 1年 正文")
'机密★'
>>> marks.find("公开的通知", "正文") is None
True
>>> marks.find("工作简报", "内部资料 注意保存。正文")
'内部资料'
>>> marks.find("政府信息公开条例", "。" * 300 + "涉密信息不予公开。") is None
True
>>> marks.find("机密 关于边境管控的请示", "正文"), marks.find("工作方案", "000123\\n机密\\n正文")
('机密', '机密')
>>> marks.find("机密文件管理办法", "正文"), marks.find("电影《机密档案》今日上映", "正文")
(None, None)
"""

import functools
import importlib.resources
import re
from collections.abc import Iterable
from pathlib import Path

from indexer.analysis.normalize import fold

MARKS_FILE = "classification_marks.txt"
# Where a label without a star counts: the first characters of the body.
LABEL_HEAD = 120
STAR = "★"
_SPACE = re.compile(r"\s+")
# Characters written for another that fold() does not unite: the hollow star for the star.
_ALSO_WRITTEN = {STAR: {"☆"}}
# What may stand before a bare grade heading a text (after fold(): full-width forms are
# ASCII): a copy number (份号), an opening bracket, the word 密级 ("密级：机密").
_BEFORE_GRADE = r"^\s*(?:[0-9]{1,8}\s+)?[(\[【〔〖]?\s*(?:密级\s*:?\s*)?"
# What must follow it for it to be a mark, not the start of a word (机密文件).
_AFTER_GRADE = (r"(?:[★☆(\[]|\s|$|[)\]】〕〗]"
                r"|[0-9一二三四五六七八九十]+\s*(?:年|个月|月)|长期|启用前)")  # fmt: skip


class Marks:
    """A list of classification marks and the one pattern that finds any of them."""

    def __init__(self, marks: Iterable[str]) -> None:
        cleaned = (fold(_SPACE.sub("", mark)) for mark in marks)
        self.marks = tuple(dict.fromkeys(mark for mark in cleaned if mark))
        # Longest first, so that a mark containing another is the one reported. Matching the
        # variants in the pattern, rather than folding every text, and looking ahead for a
        # possible first character before trying the marks, keep a push fast.
        alternatives = sorted(self.marks, key=len, reverse=True)
        starts = _one_of(set().union(*(_written(mark[0]) for mark in alternatives)))
        pattern = "|".join(f"({_spelling(mark)})" for mark in alternatives)
        self._pattern = re.compile(f"(?={starts})(?:{pattern})") if pattern else None
        self._by_group = alternatives
        grades = sorted((m[:-1] for m in self.marks if m.endswith(STAR) and len(m) > 1),
                        key=len, reverse=True)  # fmt: skip
        spelled = "|".join(r"\s*".join(re.escape(char) for char in grade) for grade in grades)
        self._heading = re.compile(f"{_BEFORE_GRADE}({spelled}){_AFTER_GRADE}") if grades else None

    def find(self, title: str, body: str) -> str | None:
        """The first mark found in the title or body, or None (see the module's docstring)."""
        if self._pattern is None:
            return None
        for text, labels_count in ((title, True), (body[:LABEL_HEAD], True), (body, False)):
            for found in self._pattern.finditer(text):
                mark = self._by_group[found.lastindex - 1]
                if labels_count or STAR in mark:
                    return mark
        return self._bare_grade(title) or self._bare_grade(body[:LABEL_HEAD])

    def _bare_grade(self, text: str) -> str | None:
        """The grade heading ``text`` without a star (see the module's docstring), or None."""
        if self._heading is None:
            return None
        found = self._heading.match(fold(text))
        return _SPACE.sub("", found.group(1)) if found else None

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "Marks":
        """The shipped marks, plus the operator's from ``data_dir`` when that file exists."""
        lines = _lines(importlib.resources.files("exchange") / "data" / MARKS_FILE)
        if data_dir is not None and (data_dir / MARKS_FILE).is_file():
            lines += _lines(data_dir / MARKS_FILE)
        return cls(lines)


def _spelling(mark: str) -> str:
    """A pattern for every way of writing ``mark``: variant characters, spaces between them."""
    return r"\s*".join(_one_of(_written(char)) for char in mark)


def _written(char: str) -> set[str]:
    """A character and every character that folds to it."""
    return {char} | _variants().get(char, set()) | _ALSO_WRITTEN.get(char, set())


def _one_of(chars: set[str]) -> str:
    return "[" + "".join(re.escape(char) for char in sorted(chars)) + "]"


@functools.cache
def _variants() -> dict[str, set[str]]:
    """For each folded character, the characters that fold to it (國 → 国, Ａ → a)."""
    variants: dict[str, set[str]] = {}
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = fold(char)
        if folded != char:
            variants.setdefault(folded, set()).add(char)
    return variants


def _lines(source) -> list[str]:
    stripped = (line.strip() for line in source.read_text(encoding="utf-8").splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


@functools.cache
def shipped_marks() -> Marks:
    """The marks that ship with the release (what a write uses when given no list)."""
    return Marks.load()
