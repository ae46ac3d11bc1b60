"""Known-item queries: a document a person remembers, searched the way they would type it.

A *target* is one document of the corpus. Its query is 2–4 words of its title (consecutive or
not, in title order), run together without spaces, 4–8 characters in all: what a person types
after reading a title once. Title words come from jieba's dictionary (jieba-rs, HMM off), not
from the product's segmenter, so the set does not follow the product's tuning; stop words,
digits, Latin and one-character words are never chosen. A query is accepted only when at most
:data:`MAX_HOLDING` documents hold every one of its words (as text, in title or body), so that
finding the target in a top 10 is possible. Each target gives one query in six forms:

* ``plain``: the words run together (绿色建筑评价标识);
* ``typo``: the same with one character replaced by a homophone — one of the corpus' most used
  characters with the same toneless pinyin, never the character itself (绿色建筑评价标志);
* ``traditional``: the plain query in traditional characters, only where that differs;
* ``pinyin``: each word in full pinyin, words separated by spaces (lvse jianzhupingjia biaoshi);
* ``pinyin_joined``: the same run together;
* ``initials``: the first letter of each syllable, run together (4–8 letters).

A target's relevant documents are itself and every document with exactly the same title.

The dev and test splits never share a target: a document's half is fixed by a digest of its
id (:func:`split_of`). Each split draws its targets from its half with its own fixed seed
(:data:`SEEDS`), in turn from each corpus file, so every file gives about a third of them.
Each target's words are drawn from ``random.Random(f"{seed}:{id}")``: a document's query does
not depend on which documents were drawn before it.

>>> split_of("xwlb-20220101-01") in SPLITS
True
"""

import hashlib
import random
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench.queries import Doc, homophone_typo, is_cjk, stopwords

SPLITS = ("dev", "test")
SEEDS = {"dev": 13_601, "test": 13_602}  # fixed: issue 13, item 6; never tune on "test"
FORMS = ("plain", "typo", "traditional", "pinyin", "pinyin_joined", "initials")
MAX_HOLDING = 10  # documents holding every query word, the target included
MIN_WORDS, MAX_WORDS = 2, 4
MIN_CHARS, MAX_CHARS = 4, 8  # so that initials are 4–8 letters
TRIES = 24  # word choices tried per target before it is skipped
# Candidates few enough to check for the words themselves (pairs only narrow them down).
CHECKED = 64
# Title boilerplate nobody types, beyond the product's own stop words.
BOILERPLATE = frozenset({"关于"})


def split_of(doc_id: str) -> str:
    """The half of the corpus a document belongs to, for good: ``dev`` or ``test``."""
    return SPLITS[hashlib.sha1(f"known-item:{doc_id}".encode()).digest()[0] % 2]


@dataclass(frozen=True)
class Target:
    """One document to find, and the words a person remembers of its title."""

    id: str
    file: str
    title: str
    words: tuple[str, ...]
    relevant: tuple[str, ...]
    holding: int  # documents holding every word


@dataclass(frozen=True)
class KnownItem:
    """One query: a form of a target's words."""

    form: str
    text: str
    target: str
    file: str
    title: str
    relevant: tuple[str, ...]
    note: str = ""  # how it was made: "标识→标志", the simplified text


@dataclass
class KnownItemSet:
    split: str
    seed: int
    targets: list[Target]
    queries: list[KnownItem]
    skipped: Counter = field(default_factory=Counter)  # why drawn documents gave no target


class CorpusText:
    """The documents' texts, with the documents holding each pair of adjacent characters, to
    find quickly the documents holding several words: the rarest pair's, checked by ``in``."""

    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        self.texts = [f"{d.title}\n{d.body}" for d in docs]
        self.by_pair: dict[str, array] = {}
        self.char_df: Counter = Counter()
        for i, text in enumerate(self.texts):
            self.char_df.update(set(text))
            for pair in {text[k : k + 2] for k in range(len(text) - 1)}:
                postings = self.by_pair.get(pair)
                if postings is None:
                    postings = self.by_pair[pair] = array("I")
                postings.append(i)
        self.by_title: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(docs):
            self.by_title[doc.title].append(i)

    def holding(self, words: list[str], most: int) -> list[int] | None:
        """The documents whose title or body holds every one of ``words`` (2 characters or
        more each), or None if more than ``most`` do."""
        pairs = {word[k : k + 2] for word in words for k in range(len(word) - 1)}
        postings = sorted((self.by_pair.get(pair, ()) for pair in pairs), key=len)
        candidates = set(postings[0])
        for more in postings[1:]:
            if len(candidates) <= CHECKED:
                break
            candidates.intersection_update(more)
        found = []
        for i in sorted(candidates):
            if all(w in self.texts[i] for w in words):
                found.append(i)
                if len(found) > most:
                    return None
        return found


class KnownItemGenerator:
    def __init__(self, docs: list[Doc]) -> None:
        import rjieba
        from opencc import OpenCC
        from pypinyin import Style, lazy_pinyin

        self.corpus = CorpusText(docs)
        self._cut = rjieba.cut
        self._s2t = OpenCC("s2t").convert
        self._pinyin = lazy_pinyin
        self._first_letter = Style.FIRST_LETTER
        self.skip = stopwords() | BOILERPLATE
        # toneless pinyin → the corpus' characters read so, most used first; each character
        # under its usual reading only, as an input method offers it (狼 is not hang)
        self.sounds: dict[str, list[str]] = defaultdict(list)
        df = self.corpus.char_df
        chars = sorted((ch for ch in df if is_cjk(ch)), key=lambda ch: (-df[ch], ch))
        for ch in chars:
            self.sounds[lazy_pinyin(ch)[0]].append(ch)

    def generate(self, split: str, targets: int) -> KnownItemSet:
        """``targets`` targets of ``split``, a third from each corpus file (fewer if its half
        runs out: the other files make up for it), and their queries."""
        seed = SEEDS[split]
        found = KnownItemSet(split, seed, [], [])
        pools = self._pools(split, seed)
        quota = {f: targets // len(pools) + (k < targets % len(pools)) for k, f in enumerate(pools)}
        taken: Counter = Counter()
        seen: set[str] = set()
        while len(found.targets) < targets:
            files = [f for f, pool in pools.items() if pool and taken[f] < quota[f]]
            if not files:
                files = [f for f, pool in pools.items() if pool]
                if not files:
                    break
                quota.update(dict.fromkeys(files, targets))
            for f in files:
                if len(found.targets) >= targets:
                    break
                doc = self.corpus.docs[pools[f].pop()]
                if doc.title in seen:
                    made = "title already a target"
                else:
                    made = self._target(doc, random.Random(f"{seed}:{doc.id}"))
                if isinstance(made, str):
                    found.skipped[made] += 1
                    continue
                target, forms = made
                seen.add(doc.title)
                taken[f] += 1
                found.targets.append(target)
                found.queries += [
                    KnownItem(form, text, doc.id, doc.file, doc.title, target.relevant, note)
                    for form, (text, note) in forms.items()
                ]
        return found

    def _pools(self, split: str, seed: int) -> dict[str, list[int]]:
        """Each corpus file's documents in ``split``'s half, shuffled (drawn from the end)."""
        rng = random.Random(seed)
        pools: dict[str, list[int]] = {}
        for i, doc in enumerate(self.corpus.docs):
            if split_of(doc.id) == split:
                pools.setdefault(doc.file, []).append(i)
        for pool in pools.values():
            rng.shuffle(pool)
        return pools

    def title_words(self, title: str) -> list[str]:
        """The words of a title a person might remember, each once, in title order."""
        words = dict.fromkeys(self._cut(title, False))
        return [w for w in words if len(w) >= 2 and is_cjk(w) and w not in self.skip]

    def _target(self, doc: Doc, rng: random.Random) -> tuple[Target, dict] | str:
        """A target and its forms, or why the document gives none."""
        words = self.title_words(doc.title)
        if len(words) < MIN_WORDS:
            return "fewer than 2 title words"
        reason = "no choice of words short enough"
        for _ in range(TRIES):
            chosen = self._choose(words, rng)
            if not MIN_CHARS <= sum(map(len, chosen)) <= MAX_CHARS:
                continue
            holding = self.corpus.holding(chosen, MAX_HOLDING)
            if holding is None:
                reason = f"no choice of words in ≤ {MAX_HOLDING} documents"
                continue
            forms = self.forms(chosen, rng)
            if forms is None:
                reason = "no typo or pinyin for the words"
                continue
            same_title = self.corpus.by_title[doc.title]
            relevant = tuple(sorted(self.corpus.docs[j].id for j in same_title))
            return Target(doc.id, doc.file, doc.title, tuple(chosen), relevant, len(holding)), forms
        return reason

    @staticmethod
    def _choose(words: list[str], rng: random.Random) -> list[str]:
        """2–4 of the title's words, half the time consecutive, always in title order."""
        k = rng.randint(MIN_WORDS, min(MAX_WORDS, len(words)))
        if rng.random() < 0.5:
            start = rng.randrange(len(words) - k + 1)
            return words[start : start + k]
        return [words[j] for j in sorted(rng.sample(range(len(words)), k))]

    def forms(self, words: list[str], rng: random.Random) -> dict[str, tuple[str, str]] | None:
        """Every form of the query made of ``words`` (text, note), or None without a typo or
        a pinyin spelling; ``traditional`` is left out where it reads as the plain query."""
        plain = "".join(words)
        spelled = ["".join(self._pinyin(word)) for word in words]
        if not all(s.isascii() and s.isalpha() for s in spelled):
            return None
        typo = self._typo(words, rng)
        if typo is None:
            return None
        initials = "".join(
            letter for word in words for letter in self._pinyin(word, style=self._first_letter)
        )
        forms = {"plain": (plain, ""), "typo": typo}
        traditional = self._s2t(plain)
        if traditional != plain:
            forms["traditional"] = (traditional, plain)
        forms["pinyin"] = (" ".join(spelled).lower(), plain)
        forms["pinyin_joined"] = ("".join(spelled).lower(), plain)
        forms["initials"] = (initials.lower(), plain)
        return forms

    def _typo(self, words: list[str], rng: random.Random) -> tuple[str, str] | None:
        """The query with one character replaced by a homophone, and the note 标识→标志."""
        return homophone_typo(words, self._pinyin, self.sounds, rng, "")
