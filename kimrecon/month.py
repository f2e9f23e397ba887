"""The run's month: one value parsed once at the edge (CLI, API), carrying its Stichtag."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_MONTH = re.compile(r"^\s*(\d{4})-(0[1-9]|1[0-2])\s*$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month ``YYYY-MM``; its Stichtag is the last day of the month (spec §5, §6a)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        """Refuse a month outside 1..12 (a programmer error: parse user text with ``parse_month``)."""
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise ValueError(f"no such month: {self.year}-{self.month}")

    @property
    def stichtag(self) -> date:
        """The last day of the month: figures are cumulative up to this day."""
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def first_day(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        """``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str) -> Month | None:
    """The month written as ``YYYY-MM``, or None when the text is not one."""
    m = _MONTH.match(str(text))
    return Month(int(m.group(1)), int(m.group(2))) if m else None


def as_month(value: Month | str) -> Month:
    """A Month from a Month or its ``YYYY-MM`` text; raises ValueError on anything else (programmer error)."""
    if isinstance(value, Month):
        return value
    month = parse_month(value)
    if month is None:
        raise ValueError(f"month must be YYYY-MM, got {value!r}")
    return month
