"""Length-preserving character folding: full/half width, case, traditional → simplified.

Every character is mapped to exactly one character, so an offset into the folded text is
the same offset into the original. That lets highlights point into the text a user sees.

>>> fold("ＣＯＶＩＤ－１９ 國務院")
'covid-19 国务院'
>>> len(fold("①２③")) == 3
True
"""

import functools
import importlib.resources
import unicodedata


@functools.cache
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char).lower()
        if len(folded) == 1 and folded != char:
            table[code] = folded
    for traditional, simplified in _traditional_pairs():
        table[ord(traditional)] = table.get(ord(simplified), simplified)
    return table


def _traditional_pairs() -> list[tuple[str, str]]:
    """Single-character traditional → simplified pairs from OpenCC's character table."""
    source = importlib.resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    pairs = []
    for line in source.read_text(encoding="utf-8").splitlines():
        traditional, _, candidates = line.partition("\t")
        simplified = candidates.split(" ")[0] if candidates else ""
        if len(traditional) == 1 and len(simplified) == 1 and traditional != simplified:
            pairs.append((traditional, simplified))
    return pairs


def fold(text: str) -> str:
    """Fold width, case and traditional characters without changing the text's length."""
    return text.translate(_table())
