"""Ranking: BM25F with a recency factor.

A citizen searching a government site expects this year's notice before the one from 2014
when both match equally well. The score of a dated record is multiplied by
``1 + weight × 0.5^(age / half_life)``: a record published today gets the full lift, one a
half-life old half of it, and old records converge to plain BM25F, so relevance still
decides between them.
"""

from datetime import datetime

import numpy as np
from whoosh import scoring
from whoosh.util.times import datetime_to_long

TICKS_PER_DAY = 86_400 * 10**6


class RecencyBM25F(scoring.BM25F):
    use_final = True

    def __init__(self, weight: float = 0.6, half_life_days: float = 365.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.weight = weight
        self.half_life = half_life_days * TICKS_PER_DAY
        self.now = datetime_to_long(datetime.now())
        self._column: tuple[object, object] = (None, None)

    @property
    def ceiling(self) -> float | None:
        """The most ``final`` can multiply a score by (it never lowers one), so that a
        ranking may skip records whose plain score cannot reach the top; ``None`` if a
        negative weight would lower scores."""
        return 1.0 + self.weight if self.weight >= 0 else None

    def at(self, moment: datetime) -> "RecencyBM25F":
        """Measure ages from ``moment`` (the time of the search)."""
        self.now = datetime_to_long(moment)
        return self

    def finals(self, published: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """:meth:`final` of many records at once, given their ``published`` column values
        (unsigned): the same operations on the same floats, so the same results (the power
        is Python's, whose rounding numpy's vectorised power need not share)."""
        out = np.array(scores, dtype=np.float64)
        dated = (published != 0) & (published <= self.now + 365 * TICKS_PER_DAY)
        if dated.any():
            age = np.maximum(self.now - published[dated].astype(np.int64), 0)
            halves = np.array([0.5**x for x in (age / self.half_life).tolist()])
            out[dated] = out[dated] * (1.0 + self.weight * halves)
        return out

    def final(self, searcher, docnum: int, score: float) -> float:
        owner, column = self._column
        if owner is not searcher:
            column = searcher.reader().column_reader("published", translate=False)
            self._column = (searcher, column)
        published = column[docnum]
        if not published or published > self.now + 365 * TICKS_PER_DAY:
            return score  # undated (the column's default is the largest value)
        age = max(self.now - published, 0)
        return score * (1.0 + self.weight * 0.5 ** (age / self.half_life))
