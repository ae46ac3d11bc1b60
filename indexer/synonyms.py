"""Synonyms and official abbreviations (医保 ↔ 医疗保障, 发改委 ↔ 发展和改革委员会).

Groups come from the file shipped with the project and, if present, the operator's own file.
Words are folded like the index (traditional → simplified, width, case).

>>> synonyms = Synonyms.from_lines(["医保 医疗保障", "# comment", "社保 社会保险"])
>>> synonyms.of("医保")
('医疗保障',)
>>> synonyms.of("公园")
()
"""

import importlib.resources
from collections.abc import Iterable
from pathlib import Path

from indexer.analysis.normalize import fold


class Synonyms:
    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self._others: dict[str, tuple[str, ...]] = {}
        for group in groups:
            words = list(dict.fromkeys(fold(w) for w in group if w))
            for word in words:
                merged = dict.fromkeys([*self._others.get(word, ()), *words])
                merged.pop(word, None)
                self._others[word] = tuple(merged)

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> "Synonyms":
        groups = []
        for line in lines:
            line = line.split("#", 1)[0].replace(",", " ").replace("，", " ").strip()
            if line:
                groups.append(line.split())
        return cls(groups)

    @classmethod
    def load(cls, extra: Path | None = None) -> "Synonyms":
        """The shipped groups plus the operator's file, if it exists."""
        shipped = importlib.resources.files("indexer") / "data" / "synonyms.txt"
        lines = shipped.read_text(encoding="utf-8").splitlines()
        if extra is not None and extra.is_file():
            lines += extra.read_text(encoding="utf-8").splitlines()
        return cls.from_lines(lines)

    def of(self, word: str) -> tuple[str, ...]:
        """The other words of every group ``word`` belongs to."""
        return self._others.get(word, ())

    def words(self) -> set[str]:
        return set(self._others)
