"""Periods (统计周期): day, week, month or year, counted in the cluster's time (UTC+8).

The store keeps times in UTC; a record published at 2024-06-30 23:30 in Baoshan belongs to
June although it is stored as 15:30 the same day UTC, and one at 00:30 on July 1st belongs to
July although it is stored as June 30th. Every count by period therefore shifts to the
cluster's time before bucketing, in SQL so that the database does the grouping.

A period is labelled by text that sorts in time order: ``2024-06-03`` (a day),
``2024-06-03`` (the week starting on that Monday), ``2024-06`` (a month), ``2024`` (a year).

>>> Span(date(2024, 5, 30), date(2024, 6, 2), "day").labels()
['2024-05-30', '2024-05-31', '2024-06-01', '2024-06-02']
>>> Span(date(2024, 5, 30), date(2024, 6, 12), "week").labels()
['2024-05-27', '2024-06-03', '2024-06-10']
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, TypedDict

from sqlalchemy import ColumnElement, Interval, func, literal_column

from exchange.json_schema import Date, Schema
from exchange.record_input import CLUSTER_TZ

PERIODS = ("day", "week", "month", "year")
MAX_PERIODS = 400

# "from" is a keyword, so the functional form.
SpanFields = TypedDict(
    "SpanFields", {"from": Date, "to": Date, "period": Annotated[str, Schema(enum=PERIODS)]}
)
_OFFSET_HOURS = int(CLUSTER_TZ.utcoffset(None).total_seconds() // 3600)


def label_of(period: str, day: date) -> str:
    """The label of the period a (cluster-time) day falls in."""
    if period == "day":
        return day.isoformat()
    if period == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def cluster_today() -> date:
    return datetime.now(CLUSTER_TZ).date()


@dataclass(frozen=True)
class Span:
    """The days ``start`` to ``end`` inclusive (cluster time), counted by ``period``."""

    start: date
    end: date
    period: str = "month"

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}")
        if self.start > self.end:
            raise ValueError("the start of a range must not be after its end")

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The span as stored times: from the start (inclusive) to the end (exclusive)."""

        def utc(day: date) -> datetime:
            local = datetime.combine(day, time.min, CLUSTER_TZ)
            return local.astimezone(UTC).replace(tzinfo=None)

        return utc(self.start), utc(self.end + timedelta(days=1))

    def labels(self) -> list[str]:
        """Every period the span touches, oldest first, including those with nothing in them."""
        found: list[str] = []
        day = self.start
        while day <= self.end:
            label = label_of(self.period, day)
            if not found or found[-1] != label:
                found.append(label)
            day = _next_period_start(self.period, day)
        return found

    def as_dict(self) -> SpanFields:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "period": self.period}


def _next_period_start(period: str, day: date) -> date:
    if period == "day":
        return day + timedelta(days=1)
    if period == "week":
        return day + timedelta(days=7 - day.weekday())
    if period == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date(day.year + 1, 1, 1)


def period_label(column: ColumnElement, period: str, dialect: str) -> ColumnElement[str]:
    """SQL for the label of the period a stored UTC time falls in (see :func:`label_of`)."""
    if dialect == "sqlite":
        local = func.datetime(column, f"+{_OFFSET_HOURS} hours")
        if period == "week":
            # 'weekday 0' moves on to the next Sunday (or stays on one); six days back is Monday.
            return func.date(local, "weekday 0", "-6 days")
        formats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
        return func.strftime(formats[period], local)
    local = column + literal_column(f"INTERVAL '{_OFFSET_HOURS} hours'", type_=Interval)
    if period == "week":
        return func.to_char(func.date_trunc("week", local), "YYYY-MM-DD")
    formats = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}
    return func.to_char(local, formats[period])
