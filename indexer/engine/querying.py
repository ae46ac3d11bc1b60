"""From a user's query string to a Whoosh query.

The query language: plain words are all required and ranked; ``"quoted text"`` is an exact
phrase; ``-word`` excludes; ``OR`` between two clauses accepts either. Every word is looked
for in the title (boosted) and the body, as itself or as the phrase of its leaves, so a query
word finds a text that was segmented differently around it.

>>> parsed = parse('住房公积金 "国务院办公厅" -通知 医保 OR 社保')
>>> [(c.kind, c.text) for c in parsed.clauses]
[('words', '住房公积金'), ('phrase', '国务院办公厅'), ('words', '医保 OR 社保')]
>>> [c.text for c in parsed.excluded]
['通知']
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as q

from indexer.analysis import QueryWord, Segmenter

MAX_QUERY_CHARS = 256
MAX_CLAUSES = 16
MAX_WORDS = 32
WIDENED_PER_CHARACTER = 5
FIELD_BOOSTS = {"title": 3.0, "body": 1.0}
# An alternative (synonym, expansion) counts for less than the word the user typed.
ALTERNATIVE_WEIGHT = 0.8

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


class QueryTooComplex(ValueError):
    """The query is longer or has more parts than a search may take."""


@dataclass
class Clause:
    """One required part of a query: words, a phrase, or alternatives joined by OR."""

    kind: str
    text: str
    alternatives: list["Clause"] = field(default_factory=list)


@dataclass
class ParsedQuery:
    clauses: list[Clause]
    excluded: list[Clause]

    @property
    def empty(self) -> bool:
        return not self.clauses


def parse(text: str) -> ParsedQuery:
    """Split a query string into clauses; never raises on odd input, only on size."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooComplex(f"query longer than {MAX_QUERY_CHARS} characters")
    clauses: list[Clause] = []
    excluded: list[Clause] = []
    join_next = False
    for match in _TOKEN.finditer(text):
        quoted, bare = match.group(1), match.group(2)
        if bare == "OR" and clauses:
            join_next = True
            continue
        if quoted is not None:
            clause = Clause("phrase", quoted)
        elif bare.startswith("-") and len(bare) > 1:
            excluded.append(Clause("words", bare[1:]))
            continue
        else:
            clause = Clause("words", bare)
        if join_next:
            previous = clauses.pop()
            options = previous.alternatives or [previous]
            clause = Clause("any", f"{previous.text} OR {clause.text}", [*options, clause])
            clause.kind = "words" if all(o.kind == "words" for o in options) else "any"
            join_next = False
        clauses.append(clause)
    if len(clauses) + len(excluded) > MAX_CLAUSES:
        raise QueryTooComplex(f"more than {MAX_CLAUSES} query parts")
    return ParsedQuery(clauses, excluded)


Expand = Callable[[QueryWord], list[QueryWord]]
Known = Callable[[str, str], bool]
"""Whether a field of the index holds a term."""


def _no_expansion(word: QueryWord) -> list[QueryWord]:
    return []


def _nothing_known(fieldname: str, text: str) -> bool:
    return False


@dataclass(frozen=True)
class BuiltQuery:
    """What matches, every word it looks for (for highlighting), and — for several words
    typed together — the text they make as typed, which ranks a title holding it first."""

    match: q.Query
    words: list[QueryWord]
    phrase: str | None = None


class QueryBuilder:
    """Turns parsed clauses into Whoosh queries with one segmenter and one expander."""

    def __init__(
        self,
        segmenter: Segmenter,
        expand: Expand = _no_expansion,
        known: Known = _nothing_known,
        boosts: dict[str, float] | None = None,
        loose: bool = False,
    ) -> None:
        self.segmenter = segmenter
        self.expand = expand
        self.known = known
        self.boosts = boosts or FIELD_BOOSTS
        # Loose: a word of several leaves also matches a text holding its leaves apart
        # (消费市场 in "消费火热，市场…"): what a query that found nothing relaxes to first.
        self.loose = loose

    def build(self, parsed: ParsedQuery) -> "BuiltQuery":
        """What matches, how it ranks, and every word it looks for (for highlighting).

        A query with no required part matches every record, less any excluded ones.
        """
        words: list[QueryWord] = []
        required = [self._clause(c, words) for c in parsed.clauses]
        required = [r for r in required if r is not q.NullQuery]
        if sum(1 for w in words if w.start >= 0) > MAX_WORDS:
            raise QueryTooComplex(f"more than {MAX_WORDS} words")
        if not required:
            match: q.Query = q.NullQuery if parsed.clauses else q.Every()
        else:
            match = required[0] if len(required) == 1 else q.And(required)
        return BuiltQuery(self._without(match, parsed), words, self._typed_together(parsed))

    def all_but_one(self, parsed: ParsedQuery) -> tuple[q.Query, list[str]] | None:
        """Records holding all but one of the query's parts (minimum should match), and the
        parts' names as typed; None for a query of fewer than two parts."""
        parts = self.parts(parsed)
        if len(parts) < 2:
            return None
        options = [
            q.And([p for j, (_, p) in enumerate(parts) if j != i]) for i in range(len(parts))
        ]
        return self._without(q.Or(options), parsed), [name for name, _ in parts]

    def _without(self, match: q.Query, parsed: ParsedQuery) -> q.Query:
        """``match`` less the records an excluded part (-word) matches."""
        banned = [self._clause(c, []) for c in parsed.excluded]
        banned = [b for b in banned if b is not q.NullQuery]
        return q.AndNot(match, q.Or(banned)) if banned else match

    def parts(self, parsed: ParsedQuery) -> list[tuple[str, q.Query]]:
        """Each required part of the query on its own, named by what was typed: every word
        of a plain clause, every phrase and every OR clause. What a query relaxes over."""
        found: list[tuple[str, q.Query]] = []
        for clause in parsed.clauses:
            if clause.kind == "words" and not clause.alternatives:
                for word in self.segmenter.query_words(clause.text):
                    part = self._clause(Clause("words", word.text), [])
                    if part is not q.NullQuery:
                        found.append((word.text, part))
                continue
            part = self._clause(clause, [])
            if part is not q.NullQuery:
                found.append((clause.text, part))
        return found

    def _clause(self, clause: Clause, words: list[QueryWord]) -> q.Query:
        if clause.alternatives:
            options = [self._clause(a, words) for a in clause.alternatives]
            options = [o for o in options if o is not q.NullQuery]
            return q.Or(options) if options else q.NullQuery
        found = self.segmenter.query_words(clause.text)
        words.extend(found)
        if not found:
            return q.NullQuery
        if clause.kind == "phrase":
            if len(found) == 1:
                # One word: its token is contiguous by construction, no positions to check.
                return self._fields(lambda f, b: self._word(f, found[0], b))
            leaves = [leaf for w in found for leaf in w.leaves]
            return self._fields(lambda f, b: _sequence(f, leaves, b))
        parts = []
        # A lone character widens to the words that use it most (税 → 个税, 税务 …); several
        # (a span cut out of a sentence: 京市预算监) widen to fewer each, or the query would
        # be an OR of a hundred words.
        singles = sum(1 for w in found if len(w.text) == 1)
        for word in found:
            alternatives = self.expand(word)
            if len(word.text) == 1 and singles > 1:
                alternatives = alternatives[:WIDENED_PER_CHARACTER]
            words.extend(alternatives)
            parts.append(self._fields(lambda f, b, w=word, a=alternatives: self._any(f, w, a, b)))
        return parts[0] if len(parts) == 1 else q.And(parts)

    def _typed_together(self, parsed: ParsedQuery) -> str | None:
        """The plain words of the query run together (数字 政府 → 数字政府), if several."""
        plain = [c for c in parsed.clauses if c.kind == "words" and not c.alternatives]
        words = [w.text for c in plain for w in self.segmenter.query_words(c.text)]
        return "".join(words) if len(words) >= 2 else None

    def _any(self, fieldname: str, word: QueryWord, alternatives, boost: float) -> q.Query:
        query = self._word(fieldname, word, boost)
        if not alternatives:
            return query
        weaker = boost * ALTERNATIVE_WEIGHT
        return q.Or([query, *(self._word(fieldname, a, weaker) for a in alternatives)])

    def _fields(self, make) -> q.Query:
        return q.Or([make(name, boost) for name, boost in self.boosts.items()])

    def _word(self, fieldname: str, word: QueryWord, boost: float) -> q.Query:
        """The word as an indexed token; if the index never made that token (the text was
        segmented differently, or the word is new to the dictionary), as its leaves in a row.

        The index stacks every compound it segments on its leaves, so a word it knows is
        found as a token wherever it stands as a word; the phrase alternative would only
        re-check positions in the same records.
        """
        term = q.Term(fieldname, word.text, boost=boost)
        if len(word.leaves) == 1:
            return term if word.leaves[0] == word.text else q.Term(fieldname, word.leaves[0])
        if self.loose:
            apart = q.And([q.Term(fieldname, leaf, boost=boost) for leaf in word.leaves])
            return q.Or([term, apart])
        if self.known(fieldname, word.text):
            return term
        if word.start < 0 and self._one_word(word.text):
            # A synonym the index's dictionary holds as one word is indexed as that token
            # wherever it stands as a word: no token, no record holds it. The phrase of its
            # leaves would find nothing more, at the price of reading the positions of its
            # common leaves in every record (人社局 → 人力资源社会保障局: 0.4 s at 335,000).
            return term
        return q.Or([term, q.Phrase(fieldname, list(word.leaves), boost=boost)])

    def _one_word(self, text: str) -> bool:
        words = self.segmenter.words(text)
        return len(words) == 1 and words[0][0] == text


def _sequence(fieldname: str, leaves: list[str], boost: float) -> q.Query:
    if len(leaves) == 1:
        return q.Term(fieldname, leaves[0], boost=boost)
    return q.Phrase(fieldname, leaves, boost=boost)
