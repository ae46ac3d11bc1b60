"""The inspection rules (检查规则) and their thresholds, as one setting an operator can change.

The national spot-check rules for government websites (《全国政府网站抽查评分标准》) fail a
site outright (单项否决) when its homepage shows nothing new for two weeks, when five or more
columns are not updated (动态、要闻类 within two weeks, 通知公告、政策文件类 within six months),
when ten or more columns that should be updated have not been for a long time (长期未更新),
or when five or more columns are empty (空白栏目). Those numbers are the defaults here; a
province that inspects more strictly changes them with ``--inspection-rules``:

>>> Rules.parse("news=10d,stale=3").describe()
'news=10d,notice=6m,long=1y,stale=3,long_stale=10,empty=5'

Windows are written ``N`` followed by ``d`` (days), ``w`` (weeks), ``m`` (calendar months) or
``y`` (years); veto counts are whole numbers.
"""

import calendar
import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

_WINDOW = re.compile(r"^(\d{1,4})([dwmy])$")


@dataclass(frozen=True)
class Window:
    """A span of time back from the moment of inspection: ``2w``, ``6m``, ``1y``."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> "Window":
        match = _WINDOW.match(text.strip())
        if match is None or int(match.group(1)) == 0:
            raise ValueError(f"{text!r} is not a window such as 14d, 2w, 6m or 1y")
        return cls(int(match.group(1)), match.group(2))

    def cutoff(self, moment: datetime) -> datetime:
        """The earliest time that is still within the window before ``moment``.

        Months and years are calendar months: six months before August 31st is the last day
        of February, as an inspector counting on a calendar would have it.
        """
        if self.unit == "d":
            return moment - timedelta(days=self.amount)
        if self.unit == "w":
            return moment - timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "y" else 1)
        year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True)
class Rules:
    """Thresholds of the freshness inspection (docs/supervision.md)."""

    news: Window = Window(2, "w")
    notice: Window = Window(6, "m")
    long: Window = Window(1, "y")
    stale: int = 5
    long_stale: int = 10
    empty: int = 5

    @classmethod
    def parse(cls, text: str) -> "Rules":
        """``name=value`` pairs separated by commas; names not given keep their default."""
        rules = cls()
        names = {f.name for f in fields(cls)}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            name = name.strip()
            if name not in names:
                raise ValueError(
                    f"unknown inspection rule {name!r}; the rules are {', '.join(sorted(names))}"
                )
            if isinstance(getattr(rules, name), Window):
                rules = replace(rules, **{name: Window.parse(value)})
            elif value.strip().isdigit() and int(value) > 0:
                rules = replace(rules, **{name: int(value)})
            else:
                raise ValueError(f"inspection rule {name} needs a whole number above 0")
        return rules

    def describe(self) -> str:
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


DEFAULT_RULES = Rules().describe()
