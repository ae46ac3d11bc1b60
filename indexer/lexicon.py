"""The lexicon of a generation: its words, how many records use them, and their pinyin.

Written by the indexer beside each generation (``lexicon.tsv``) after a run, read by search
workers. It answers the questions a Chinese search box asks of the vocabulary:

* which indexed words sound like this one (homophone typos: 公基金 → 公积金);
* which words are spelled by this pinyin or these initials (``yibao``, ``yb`` → 医保);
* which words start with what the user has typed so far (suggestions).

Edit distance on characters is useless for Chinese typos: an input-method slip swaps a
character for another with the same sound, so matching is done on (fuzzy) pinyin.

>>> fuzzy_key(("zhong", "sheng", "ning"))
'zongsenlin'
"""

import bisect
import heapq
import itertools
import logging
import marshal
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from indexer.engine.generations import write_atomically

log = logging.getLogger("zhanqun.index")

LEXICON = "lexicon.tsv"
COUNTS = "lexicon-counts"
PHRASES = "phrases.tsv"
MAX_PHRASES = 200_000
MIN_DF = 2
MAX_TERMS = 120_000
_FIELDS = ("title", "body")
# Initials and finals that speakers of many dialects (and input-method users) confuse.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def syllables(word: str) -> tuple[str, ...]:
    """Toneless pinyin, phrase-aware for polyphones (重庆 → chong qing)."""
    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def fuzzy_key(sounds: Iterable[str]) -> str:
    return "".join([_FUZZY_SOUNDS.get(sound) or _fuzzy_sound(sound) for sound in sounds])


# A few hundred syllables make up every word: each is folded once, not once per word (a
# city's lexicon of 120,000 words spent most of its load time here).
_FUZZY_SOUNDS: dict[str, str] = {}


def _fuzzy_sound(sound: str) -> str:
    folded = sound
    for long, short in _FUZZY_INITIALS:
        if folded.startswith(long):
            folded = short + folded[len(long) :]
            break
    for long, short in _FUZZY_FINALS:
        if folded.endswith(long):
            folded = folded[: -len(long)] + short
            break
    _FUZZY_SOUNDS[sound] = folded
    return folded


def _is_candidate(term: str) -> bool:
    return len(term) >= 2 and all("\u3400" <= ch <= "\u9fff" for ch in term)


def write_lexicon(index, directory: Path) -> int:
    """Count the index's Chinese words and write them with their pinyin; returns how many.

    Counting walks every term of every segment: seconds at a city's scale. Segments never
    change once written, so each segment's counts are kept (``lexicon-counts/``, one file per
    segment) and only segments new since the last count are walked: an incremental run that
    added a small segment recounts in a fraction of a second, and so every run that changes
    the index leaves a lexicon that knows its words.
    """
    previous = {e.term: e.sounds for e in read_entries(directory / LEXICON)}
    df: Counter[str] = Counter()
    title_df: Counter[str] = Counter()
    cache = directory / COUNTS
    cache.mkdir(exist_ok=True)
    live = set()
    with index.reader() as reader:
        for segment, _offset in reader.leaf_readers():
            if segment.segment() is None:  # an index of no documents: nothing to count
                continue
            name = f"{segment.segment().segment_id()}.marshal"
            live.add(name)
            counts = _segment_counts(segment, cache / name)
            df.update(counts[0])
            title_df.update(counts[1])
    for stale in cache.iterdir():
        if stale.name not in live:
            stale.unlink(missing_ok=True)
    kept = heapq.nlargest(MAX_TERMS, ((n, t) for t, n in df.items() if n >= MIN_DF))
    lines = []
    for count, term in sorted(kept, key=lambda kv: kv[1]):
        sounds = previous.get(term) or syllables(term)
        lines.append(f"{term}\t{count}\t{title_df[term]}\t{' '.join(sounds)}\n")
    write_atomically(directory / LEXICON, "".join(lines).encode("utf-8"))
    return len(lines)


def _segment_counts(segment, path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """One segment's Chinese words: records using each, and titles. Read from ``path`` if
    counted before, else counted — one sequential scan of the segment's terms table per field,
    where the multi-segment reader looks every term up in every segment — and kept there."""
    try:
        return marshal.loads(path.read_bytes())
    except (FileNotFoundError, EOFError, ValueError, TypeError):
        pass
    fields = {
        field: ((raw.decode("utf-8"), info.doc_frequency()) for raw, info in terms)
        for field in _FIELDS
        if field in segment.indexed_field_names()
        for terms in [segment.iter_field(field)]
    }
    counts = _count_words(fields)
    write_atomically(path, marshal.dumps(counts), durable=False)
    return counts


def save_segment_counts(
    directory: Path, segment_id: str, fields: dict[str, Iterable[tuple[str, int]]]
) -> None:
    """Keep the word counts of a segment its writer has just written, from the terms and
    document frequencies it holds in memory (``fields``: per field, (term, records)), for
    :func:`write_lexicon`: reading them back means walking the segment's whole terms table,
    seconds per segment at a city's scale, in one process at the end of a rebuild."""
    cache = directory / COUNTS
    cache.mkdir(exist_ok=True)
    counts = _count_words({f: terms for f, terms in fields.items() if f in _FIELDS})
    write_atomically(cache / f"{segment_id}.marshal", marshal.dumps(counts), durable=False)


def _count_words(
    fields: dict[str, Iterable[tuple[str, int]]],
) -> tuple[dict[str, int], dict[str, int]]:
    """Records using each Chinese word (title and body together), and titles using it."""
    df: dict[str, int] = {}
    title_df: dict[str, int] = {}
    for field, terms in fields.items():
        for term, records in terms:
            if _is_candidate(term):
                df[term] = df.get(term, 0) + records
                if field == "title":
                    title_df[term] = records
    return df, title_df


# Words that end no phrase a person would type: titles' connectives and verbs of reporting.
_GLUE = frozenset(
    [
        "关于",
        "有关",
        "相关",
        "主要",
        "进一步",
        "召开",
        "开展",
        "举办",
        "印发",
        "发布",
        "做好",
        "加强",
        "推进",
        "实施",
        "组织",
        "工作",
    ]
)


def title_phrases(words: list[tuple[str, int, int]]) -> Iterable[str]:
    """Two adjacent words of a title, as typed together (住房公积金 + 提取 → 住房公积金提取)."""
    for (first, _, end), (second, start, _) in itertools.pairwise(words):
        if end == start and second not in _GLUE and _is_candidate(first) and _is_candidate(second):
            yield first + second


def merge_phrases(directory: Path, counts: Counter[str]) -> None:
    """Add a run's title phrases to the generation's counts (a rebuild starts from none)."""
    path = directory / PHRASES
    merged = Counter(dict(read_phrases(path)))
    merged.update(counts)
    top = heapq.nlargest(MAX_PHRASES, merged.items(), key=lambda kv: kv[1])
    data = "".join(f"{phrase}\t{n}\n" for phrase, n in sorted(top))
    write_atomically(path, data.encode("utf-8"))


def read_phrases(path: Path) -> list[tuple[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [(p, int(n)) for p, n in (line.split("\t") for line in text.splitlines())]


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    df: int
    title_df: int
    sounds: tuple[str, ...]


def read_entries(path: Path) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    entries = []
    for line in text.splitlines():
        term, df, title_df, sounds = line.split("\t")
        entries.append(Entry(term, int(df), int(title_df), tuple(sounds.split())))
    return entries


def _title_df(entry: Entry) -> int:
    return entry.title_df


class Lexicon:
    """Lookups over a generation's words, ranked by how many records use them."""

    def __init__(self, entries: list[Entry], phrases: list[tuple[str, int]] = ()) -> None:
        self.entries = {e.term: e for e in entries}
        # Title phrases seen at least twice, as completions.
        self._phrases = sorted((p, n) for p, n in phrases if n >= MIN_DF)
        self._phrase_counts = dict(self._phrases)
        # Each word's title-phrase predecessors (住房公积金 before 提取), to follow bigrams
        # from a word back without trying every word before it.
        self._preceding: dict[str, dict[str, int]] = {}
        for phrase, count in self._phrases:
            for cut in range(2, len(phrase) - 1):
                first, second = phrase[:cut], phrase[cut:]
                if first in self.entries and second in self.entries:
                    self._preceding.setdefault(second, {})[first] = count
        self._most_used = (
            max((e.df for e in entries), default=0),
            max((e.title_df for e in entries), default=0),
        )
        by_df = sorted(entries, key=lambda e: -e.df)
        self._exact: dict[str, list[str]] = {}
        self._fuzzy: dict[str, list[str]] = {}
        for entry in by_df:
            self._exact.setdefault("".join(entry.sounds), []).append(entry.term)
            self._fuzzy.setdefault(fuzzy_key(entry.sounds), []).append(entry.term)
        self._terms = sorted(self.entries)
        self._spelled = sorted(("".join(e.sounds), e.term) for e in entries)
        self._initials = sorted(("".join(s[0] for s in e.sounds if s), e.term) for e in entries)

    @classmethod
    def load(cls, directory: Path) -> "Lexicon":
        return cls(read_entries(directory / LEXICON), read_phrases(directory / PHRASES))

    def __len__(self) -> int:
        return len(self.entries)

    def most_used(self, titles: bool = False) -> int:
        """The largest number of records (or titles) using one word: about how many there are."""
        return self._most_used[titles]

    def most_titled(self, count: int) -> list[str]:
        """The ``count`` words most titles hold, most first."""
        return [e.term for e in heapq.nlargest(count, self.entries.values(), key=_title_df)]

    def phrase_count(self, phrase: str) -> int:
        """How many titles hold ``phrase``, two words typed together (住房公积金提取)."""
        return self._phrase_counts.get(phrase, 0)

    def preceding(self, word: str) -> dict[str, int]:
        """The words titles hold right before ``word``, with how many titles hold each pair."""
        return self._preceding.get(word, {})

    def df(self, term: str) -> int:
        entry = self.entries.get(term)
        return entry.df if entry else 0

    def homophones(self, word: str) -> list[str]:
        """Indexed words that sound like ``word`` (same length), likeliest intended first.

        An input-method slip replaces one character and keeps the others, so words sharing a
        character with what was typed come first; then words with exactly the same pinyin
        before those that only sound alike (zh/z, -ng/-n …); then the most used.
        """
        sounds = syllables(word)
        exact = "".join(sounds)
        found = [
            t for t in self._fuzzy.get(fuzzy_key(sounds), ()) if t != word and len(t) == len(word)
        ]
        return sorted(
            found,
            key=lambda t: (
                not set(t) & set(word),
                "".join(self.entries[t].sounds) != exact,
                -self.entries[t].df,
            ),
        )

    def spelled(self, pinyin: str) -> list[str]:
        """Words whose full toneless pinyin is ``pinyin`` (``yibao`` → 医保)."""
        return list(self._exact.get(pinyin.lower(), ()))

    def by_initials(self, letters: str, limit: int = 5) -> list[str]:
        """Words whose syllables start with these letters (``yb`` → 医保), most used first."""
        letters = letters.lower()
        matches = self._range(self._initials, letters, exact=True)
        return self._top(matches, limit)

    def completions(self, prefix: str, limit: int = 10) -> list[tuple[str, int]]:
        """Words and title phrases that start with ``prefix`` (Chinese, or a pinyin or initials
        prefix of a word), with how many titles use them, most used first."""
        if prefix.isascii():
            spelled = self._range(self._spelled, prefix.lower(), exact=False)
            initials = self._range(self._initials, prefix.lower(), exact=False)
            words = self._top(spelled + initials, limit, titles=True)
            return [(w, self.entries[w].title_df) for w in words]
        lo = bisect.bisect_left(self._terms, prefix)
        hi = bisect.bisect_left(self._terms, prefix + "\U0010ffff")
        words = self._top(self._terms[lo : min(hi, lo + 5_000)], limit, titles=True)
        found = {w: self.entries[w].title_df for w in words if self.entries[w].title_df}
        lo = bisect.bisect_left(self._phrases, (prefix, 0))
        for phrase, count in self._phrases[lo : lo + 5_000]:
            if not phrase.startswith(prefix):
                break
            found[phrase] = max(found.get(phrase, 0), count)
        return heapq.nlargest(limit, found.items(), key=lambda kv: (kv[1], -len(kv[0])))

    def containing(self, char: str, limit: int = 30) -> list[str]:
        """The most used words that contain one character (for single-character queries)."""
        return self._top([t for t in self._terms if char in t], limit)

    @staticmethod
    def _range(pairs: list[tuple[str, str]], key: str, exact: bool) -> list[str]:
        lo = bisect.bisect_left(pairs, (key, ""))
        out = []
        for spelled, term in pairs[lo : lo + 5_000]:
            if spelled == key if exact else spelled.startswith(key):
                out.append(term)
            elif not spelled.startswith(key):
                break
        return out

    def _top(self, terms: list[str], limit: int, titles: bool = False) -> list[str]:
        def weight(term: str) -> tuple[int, int]:
            entry = self.entries[term]
            return (entry.title_df, entry.df) if titles else (entry.df, entry.title_df)

        return heapq.nlargest(limit, dict.fromkeys(terms), key=weight)


class BackgroundLoad:
    """A generation's lexicon loaded by a thread while searches go on with the one they have.

    Loading takes seconds at a city's scale (120,000 words and their pinyin keys), and every
    run that changes the index rewrites the lexicon: a worker that loaded it when it noticed
    held all its searches that long, after every run.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loading: tuple[Path, float] | None = None
        self._loaded: tuple[Path, float, Lexicon] | None = None

    def ready(self, directory: Path, stamp: float) -> bool:
        """Whether the lexicon of ``directory`` as of ``stamp`` (its file's time) is loaded;
        if not, it starts loading it, once."""
        wanted = (directory, stamp)
        with self._lock:
            if self._loaded is not None and self._loaded[:2] == wanted:
                return True
            if self._loading == wanted:
                return False
            self._loading = wanted
        threading.Thread(target=self._load, args=wanted, name="lexicon-load", daemon=True).start()
        return False

    def take(self, directory: Path, stamp: float) -> "Lexicon | None":
        """The loaded lexicon of ``directory`` as of ``stamp``, else None (and it is loaded)."""
        if not self.ready(directory, stamp):
            return None
        with self._lock:
            lexicon = self._loaded[2]
            self._loaded = None
        return lexicon

    def _load(self, directory: Path, stamp: float) -> None:
        try:
            lexicon = Lexicon.load(directory)
        except Exception:  # a generation removed meanwhile: the next look starts again
            log.exception("could not load the lexicon of %s", directory)
            lexicon = None
        with self._lock:
            if self._loading == (directory, stamp):
                self._loading = None
                if lexicon is not None:
                    self._loaded = (directory, stamp, lexicon)
