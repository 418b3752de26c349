"""Dates of WhatsApp lines: which field is the day, and the local time each line gives.

WhatsApp writes the date in the phone's locale without saying which: ``03/04/23`` is
3 April (DMY) or 4 March (MDY). A four-digit first field is always a year (YMD). The
order is taken from the ``date_order`` option when given; otherwise ``DateSurvey``
reads every header of the file once (counters only, constant memory) and picks:

1. the order under which fewer dates are impossible (a first field above 12 rules out
   MDY, a second field above 12 rules out DMY): certain;
2. else the order under which the dates run forward in time more often (an export is
   in chronological order): a guess, reported;
3. else DMY for dotted or dashed dates and for 24-hour clocks, MDY for slashed dates with
   a 12-hour clock (US phones): a guess, reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from crible.ingest.whatsapp.lines import Header

ORDERS = ("DMY", "MDY", "YMD")


def calendar_date(header: Header, order: str) -> date | None:
    """The date of a header read in ``order``; None when it is not a real date."""
    first, second, third = int(header.d1), int(header.d2), int(header.d3)
    if len(header.d1) >= 3 or order == "YMD":
        year, month, day = first, second, third
    elif order == "DMY":
        day, month, year = first, second, third
    else:
        month, day, year = first, second, third
    if year < 100:
        year += 2000
    elif year < 1000:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def local_time(header: Header, order: str, zone: tzinfo) -> datetime | None:
    """The aware time a header gives, in ``zone``; None when date or time is impossible."""
    day = calendar_date(header, order)
    hour = header.hour
    if header.meridiem is not None:
        if hour > 12:
            return None
        evening = header.meridiem[0] in "pP"
        hour = hour % 12 + (12 if evening else 0)
    if day is None or hour > 23 or header.minute > 59 or header.second > 59:
        return None
    return datetime(day.year, day.month, day.day, hour, header.minute, header.second, 0, zone)


def unambiguous(local: datetime) -> bool:
    """Whether an aware local time names one instant: not in an hour that a daylight-saving
    change skips or repeats (zoneinfo reads those with the offset before the change)."""
    return local.replace(fold=1).utcoffset() == local.utcoffset()


@dataclass
class DateSurvey:
    """Counters over every header of a file, enough to choose its date order."""

    headers: int = 0
    year_first: int = 0
    dotted: int = 0
    twelve_hour: int = 0
    impossible: dict[str, int] = field(default_factory=lambda: {"DMY": 0, "MDY": 0})
    backwards: dict[str, int] = field(default_factory=lambda: {"DMY": 0, "MDY": 0})
    last: dict[str, date] = field(default_factory=dict)

    def add(self, header: Header) -> None:
        """Count one header."""
        self.headers += 1
        self.year_first += len(header.d1) >= 3
        self.dotted += header.sep != "/"
        self.twelve_hour += header.meridiem is not None
        for order in ("DMY", "MDY"):
            day = calendar_date(header, order)
            if day is None:
                self.impossible[order] += 1
                continue
            previous = self.last.get(order)
            if previous is not None and day < previous:
                self.backwards[order] += 1
            self.last[order] = day

    def order(self, option: str | None) -> tuple[str, str | None]:
        """The date order to read the file with, and a note when it is a guess."""
        if option is not None:
            return option, None
        if self.headers == 0 or self.year_first == self.headers:
            return "YMD", None
        dmy = (self.impossible["DMY"], self.backwards["DMY"])
        mdy = (self.impossible["MDY"], self.backwards["MDY"])
        if dmy != mdy:
            chosen = "DMY" if dmy < mdy else "MDY"
            return chosen, self._note(chosen)
        chosen = "MDY" if self.dotted == 0 and self.twelve_hour == self.headers else "DMY"
        return chosen, (
            f"date order assumed {chosen}: no day above 12 and dates run the same way either "
            "way; set the date order option if this is wrong"
        )

    def _note(self, chosen: str) -> str | None:
        """Why ``chosen`` won, when the reason is weaker than an impossible date."""
        other = "MDY" if chosen == "DMY" else "DMY"
        if self.impossible[chosen] == 0 and self.impossible[other] > 0:
            return None
        if self.impossible[chosen]:
            return (
                f"date order assumed {chosen}, but {self.impossible[chosen]} dates are "
                f"impossible in it too ({self.impossible[other]} as {other})"
            )
        return (
            f"date order assumed {chosen}: no day above 12, but dates go back in time "
            f"{self.backwards[other]} times read as {other} and {self.backwards[chosen]} "
            f"times read as {chosen}; set the date order option if this is wrong"
        )
