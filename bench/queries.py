"""Relevance queries generated from the corpus itself, deterministically from a seed.

Six kinds, each query with the corpus ids a person would call relevant:

* ``plain``: 1–3 distinctive words of a document's title (known item);
* ``phrase``: a quoted 4–8-character span of a title (every document holding it);
* ``typo``: a plain query with one character replaced by a homophone (known item);
* ``pinyin``: a title word typed as full pinyin or initials (every title holding the word);
* ``traditional``: a plain query in traditional characters (known item);
* ``abbreviation``: a short or long form of a synonyms.txt group (every title holding one).

Titles are segmented with Python jieba's default dictionary, HMM off, so query words are
dictionary words, as a person would type them. Known-item documents are drawn in turn from
each corpus file, among documents whose title is unique in the corpus. Each kind draws from
its own ``random.Random(f"{seed}-{kind}")``.
"""

import bisect
import importlib.resources
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import orjson

KINDS = ("plain", "phrase", "typo", "pinyin", "traditional", "abbreviation")
MAX_TRIES = 50  # documents tried per wanted query before a kind gives up
HOMOPHONE_CHOICES = 8  # a typo picks among this many of the corpus' most used homophones


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    body: str
    file: str


@dataclass
class Query:
    kind: str
    text: str
    relevant: list[str]
    source: str  # the title, word or group the query was made from
    note: str = ""  # how it was made: "公积金→公基金", the simplified text, …
    variant: str = ""  # a sub-kind reported apart: "initials", "short form", …


def is_cjk(text: str) -> bool:
    return bool(text) and all(
        "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text
    )


def _data_lines(name: str) -> list[str]:
    text = (importlib.resources.files("indexer") / "data" / name).read_text(encoding="utf-8")
    return [line.split("#", 1)[0].strip() for line in text.splitlines()]


def stopwords() -> frozenset[str]:
    return frozenset(w for line in _data_lines("stopwords.txt") for w in line.split())


def synonym_groups() -> list[list[str]]:
    return [line.split() for line in _data_lines("synonyms.txt") if len(line.split()) > 1]


class _Haystack:
    """Many texts joined, to find every one holding a substring with ``str.find``."""

    def __init__(self, texts: list[str]) -> None:
        self.text = "\x00".join(texts)
        self.starts, at = [], 0
        for t in texts:
            self.starts.append(at)
            at += len(t) + 1

    def holding(self, needle: str) -> list[int]:
        found, at = [], 0
        while (at := self.text.find(needle, at)) >= 0:
            i = bisect.bisect_right(self.starts, at) - 1
            found.append(i)
            at = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
        return found


class Corpus:
    """The loaded documents, their title words and substring look-ups."""

    def __init__(self, docs: list[Doc], searchable: set[str] | None = None) -> None:
        """``searchable``: the ids the system under test indexed (all if None); documents it
        does not hold are never a query's target nor counted relevant."""
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.docs = docs
        self.searchable = searchable if searchable is not None else {d.id for d in docs}
        self.stop = stopwords()
        titles = Counter(d.title for d in docs)
        self.words = [jieba.lcut(d.title, HMM=False) for d in docs]
        self.word_df = Counter(w for ws in self.words for w in dict.fromkeys(ws))
        self.files = list(dict.fromkeys(d.file for d in docs))
        self.unique = {
            f: [
                i
                for i, d in enumerate(docs)
                if d.file == f and titles[d.title] == 1 and d.id in self.searchable
            ]
            for f in self.files
        }
        self._titles = _Haystack([d.title for d in docs])
        self._texts = _Haystack([f"{d.title}\n{d.body}" for d in docs])

    @property
    def text(self) -> str:
        return self._texts.text

    def ids(self, indexes: list[int]) -> list[str]:
        return sorted({self.docs[i].id for i in indexes} & self.searchable)

    def in_titles(self, needle: str) -> list[int]:
        return self._titles.holding(needle)

    def in_texts(self, needle: str) -> list[int]:
        return self._texts.holding(needle)

    def known_items(self, rng: random.Random) -> Iterator[int]:
        """Documents with a unique title, in turn from each file, never the same twice."""
        pools = {f: rng.sample(p, len(p)) for f, p in self.unique.items()}
        while any(pools.values()):
            for f in self.files:
                if pools[f]:
                    yield pools[f].pop()

    def distinctive(self, i: int, rng: random.Random) -> list[str] | None:
        """1–3 of the title's rarest words (in title order), or None if it has none."""
        words = [w for w in dict.fromkeys(self.words[i]) if len(w) >= 2 and is_cjk(w)]
        words = [w for w in words if w not in self.stop]
        if not words:
            return None
        shuffled = rng.sample(words, len(words))
        chosen = sorted(shuffled, key=self.word_df.__getitem__)[: rng.randint(1, 3)]
        return [w for w in words if w in chosen]


class Generator:
    def __init__(self, corpus: Corpus, seed: int) -> None:
        from opencc import OpenCC
        from pypinyin import Style, lazy_pinyin

        self.corpus, self.seed = corpus, seed
        self._s2t = OpenCC("s2t").convert
        self._lazy, self._style = lazy_pinyin, Style
        chars = Counter(corpus.text)  # counted in C; then the Chinese characters kept
        sounds: dict[str, list[str]] = {}
        for ch, _ in chars.most_common():
            if not is_cjk(ch):
                continue
            sounds.setdefault(lazy_pinyin(ch)[0], []).append(ch)
        # toneless pinyin → corpus characters, most used first; each character under its usual
        # reading only, as an input method offers it (no rare readings: 狼 is not hang)
        self.sounds = sounds

    def rng(self, kind: str) -> random.Random:
        return random.Random(f"{self.seed}-{kind}")

    def generate(self, per_kind: int) -> list[Query]:
        out: list[Query] = []
        for kind in KINDS:
            self._seen: set[str] = set()
            out += getattr(self, f"_{kind}")(self.rng(kind), per_kind)
        return out

    def _fresh(self, text: str) -> bool:
        """Whether ``text`` is new to this kind (and now taken)."""
        if text in self._seen:
            return False
        self._seen.add(text)
        return True

    def _known(self, kind: str, rng: random.Random, n: int, make: Callable) -> list[Query]:
        queries: list[Query] = []
        for tries, i in enumerate(self.corpus.known_items(rng)):
            if len(queries) >= n or tries >= n * MAX_TRIES:
                break
            made = make(i, rng)
            if made is not None and self._fresh(made[0]):
                text, note = made
                doc = self.corpus.docs[i]
                queries.append(Query(kind, text, [doc.id], doc.title, note))
        return queries

    def _plain(self, rng: random.Random, n: int) -> list[Query]:
        def make(i, rng):
            words = self.corpus.distinctive(i, rng)
            return (" ".join(words), "") if words else None

        return self._known("plain", rng, n, make)

    def _typo(self, rng: random.Random, n: int) -> list[Query]:
        def make(i, rng):
            words = self.corpus.distinctive(i, rng)
            if not words:
                return None
            return homophone_typo(words, self._lazy, self.sounds, rng, " ")

        return self._known("typo", rng, n, make)

    def _traditional(self, rng: random.Random, n: int) -> list[Query]:
        def make(i, rng):
            words = self.corpus.distinctive(i, rng)
            if not words:
                return None
            text = " ".join(words)
            converted = self._s2t(text)
            return (converted, text) if converted != text else None

        return self._known("traditional", rng, n, make)

    def _phrase(self, rng: random.Random, n: int) -> list[Query]:
        queries: list[Query] = []
        for tries, i in enumerate(self.corpus.known_items(rng)):
            if len(queries) >= n or tries >= n * MAX_TRIES:
                break
            title = self.corpus.docs[i].title
            for length in range(rng.randint(4, 8), 3, -1):
                starts = [
                    s for s in range(len(title) - length + 1) if is_cjk(title[s : s + length])
                ]
                if starts:
                    s = rng.choice(starts)
                    span = title[s : s + length]
                    if not self._fresh(f'"{span}"'):
                        break
                    relevant = self.corpus.ids(self.corpus.in_texts(span))
                    cuts = {s, s + length} - self._boundaries(i)
                    variant = "cuts a word" if cuts else "whole words"
                    queries.append(Query("phrase", f'"{span}"', relevant, title, "", variant))
                    break
        return queries

    def _boundaries(self, i: int) -> set[int]:
        """Offsets in the title where one of its jieba words starts or ends."""
        at, edges = 0, {0}
        for word in self.corpus.words[i]:
            at += len(word)
            edges.add(at)
        return edges

    def _pinyin(self, rng: random.Random, n: int) -> list[Query]:
        corpus = self.corpus
        pool = sorted(
            w
            for w, df in corpus.word_df.items()
            if 2 <= len(w) <= 4 and df >= 3 and is_cjk(w) and w not in corpus.stop
        )
        queries: list[Query] = []
        for word in rng.sample(pool, len(pool)):
            if len(queries) >= n:
                break
            initials = len(queries) % 2 == 1
            style = self._style.FIRST_LETTER if initials else self._style.NORMAL
            text = "".join(self._lazy(word, style=style)).lower()
            if not (text.isascii() and text.isalpha()) or not self._fresh(text):
                continue
            relevant = corpus.ids(corpus.in_titles(word))
            if not relevant:
                continue
            variant = (
                ("initials, 2 letters" if len(word) == 2 else "initials, 3–4 letters")
                if initials
                else "full pinyin"
            )
            queries.append(Query("pinyin", text, relevant, word, "", variant))
        return queries

    def _abbreviation(self, rng: random.Random, n: int) -> list[Query]:
        corpus, groups = self.corpus, synonym_groups()
        shorts, longs = [], []
        for group in groups:
            shortest = min(len(w) for w in group)
            long = [w for w in group if len(w) > shortest and corpus.in_titles(w)]
            if long:
                shorts += [(w, "short form") for w in group if len(w) == shortest]
                longs += [(w, "long form") for w in long]
        shorts, longs = rng.sample(shorts, len(shorts)), rng.sample(longs, len(longs))
        picked = [x for pair in zip(shorts, longs, strict=False) for x in pair]
        picked += shorts[len(longs) :] + longs[len(shorts) :]
        queries = []
        for word, note in picked:
            if len(queries) >= n or not self._fresh(word):
                continue
            family = sorted({w for g in groups if word in g for w in g})
            relevant = corpus.ids([i for w in family for i in corpus.in_titles(w)])
            if relevant:
                queries.append(Query("abbreviation", word, relevant, " ".join(family), "", note))
        return queries


def homophone_typo(
    words: list[str],
    pinyin: Callable[[str], list[str]],
    sounds: dict[str, list[str]],
    rng: random.Random,
    joiner: str,
) -> tuple[str, str] | None:
    """The words joined with one character replaced by a homophone (one of the corpus' most
    used characters read so, never itself), and a note such as 标识→标志; None if no
    character of the words has one."""
    options = []  # (word index, character index, homophones)
    for w, word in enumerate(words):
        for c, sound in enumerate(pinyin(word)):  # the reading in this word
            others = [ch for ch in sounds.get(sound, ()) if ch != word[c]]
            if others:
                options.append((w, c, others[:HOMOPHONE_CHOICES]))
    if not options:
        return None
    w, c, others = rng.choice(options)
    typed = words[w][:c] + rng.choice(others) + words[w][c + 1 :]
    return joiner.join([*words[:w], typed, *words[w + 1 :]]), f"{words[w]}→{typed}"


def load_docs(slices: list) -> list[Doc]:
    """The documents of ``bench.corpus.FileSlice`` objects, each with its file's name."""
    docs = []
    for part in slices:
        for line in part.lines:
            raw = orjson.loads(line)
            title, body = raw.get("title") or "", raw.get("body") or ""
            docs.append(Doc(str(raw["id"]), title, body, part.name))
    return docs


def suggest_prefixes(queries: list[Query]) -> list[str]:
    """First 1–3 characters of the known items' titles, and every prefix of the pinyin queries."""
    out: dict[str, None] = {}
    for q in queries:
        if q.kind == "pinyin":
            out.update(dict.fromkeys(q.text[:n] for n in range(1, len(q.text) + 1)))
        elif q.kind in ("plain", "typo", "traditional", "phrase"):
            out.update(dict.fromkeys(q.source[:n].strip() for n in (1, 2, 3)))
    return [p for p in out if p]
