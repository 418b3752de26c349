"""Reading identification results: who an account belongs to, and how that was established.

CSV (comma separated, UTF-8) with a header; columns ``account`` (a store account id, or
``platform:key`` such as ``telegram:user123``), ``name``, ``birth_date`` (YYYY-MM-DD or
DD/MM/YYYY), ``address``, ``commune`` (INSEE code of the commune of residence),
``source`` (how it was established, e.g. a judicial request's reply), and optionally
``country`` (ISO code; FR when a commune is given), ``region``, and ``first_name`` /
``last_name`` (given and family names as the identification gives them: ``name`` is never
split into them by guessing). A bad row is reported with its line and field; the other
rows are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from crible.cases.routing import csv_rows
from crible.model.errors import BadInput

REQUIRED = ("account", "name", "source")
KNOWN = (
    *REQUIRED,
    "birth_date",
    "address",
    "commune",
    "country",
    "region",
    "first_name",
    "last_name",
)
ALIASES = {
    "given_name": "first_name",
    "prenom": "first_name",
    "prénom": "first_name",
    "family_name": "last_name",
    "surname": "last_name",
    "nom_de_famille": "last_name",
    "date_of_birth": "birth_date",
    "dob": "birth_date",
    "insee": "commune",
    "commune_code": "commune",
    "full_name": "name",
}
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


@dataclass(frozen=True)
class IdentityRow:
    """One readable row: the account as written and what it says about its owner."""

    line: int
    account: str
    full_name: str
    source: str
    birth_date: date | None
    address: str | None
    commune_code: str | None
    country: str | None
    region: str | None
    given_name: str | None = None
    family_name: str | None = None


@dataclass(frozen=True)
class RejectedRow:
    """A row that could not be read, with where and why."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field!r}: {self.reason}"


def read_identities(text: str, source: str) -> Iterator[IdentityRow | RejectedRow]:
    """Each row as an IdentityRow, or a RejectedRow naming line and field."""
    rows = csv_rows(text, source)
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(rows, (1, []))[1]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadInput(
            f"identification CSV lacks the column(s) {', '.join(missing)} "
            f"(columns: {', '.join(KNOWN)})",
            source=source,
            line=1,
        )
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield RejectedRow(line, "*", f"{len(row)} fields, {len(header)} expected")
            continue
        cells = {name: value.strip() for name, value in zip(header, row, strict=True)}
        yield _row(line, cells)


def _row(line: int, cells: dict[str, str]) -> IdentityRow | RejectedRow:
    for name in REQUIRED:
        if not cells.get(name):
            return RejectedRow(line, name, "empty")
    birth: date | None = None
    if cells.get("birth_date"):
        birth = _date(cells["birth_date"])
        if birth is None:
            return RejectedRow(
                line, "birth_date", f"{cells['birth_date']!r} is not YYYY-MM-DD or DD/MM/YYYY"
            )
    for name, longest in (("name", 500), ("first_name", 300), ("last_name", 300)):
        if len(cells.get(name, "")) > longest:
            return RejectedRow(line, name, f"longer than {longest} characters")
    commune = cells.get("commune", "").upper() or None
    if commune is not None and not _INSEE.match(commune):
        return RejectedRow(line, "commune", f"{commune!r} is not an INSEE commune code")
    country = cells.get("country", "").upper() or ("FR" if commune else None)
    if country is not None and (len(country) != 2 or not country.isalpha()):
        return RejectedRow(line, "country", f"{country!r} is not a two-letter ISO code")
    return IdentityRow(
        line=line,
        account=cells["account"],
        full_name=cells["name"],
        source=cells["source"],
        birth_date=birth,
        address=cells.get("address") or None,
        commune_code=commune,
        country=country,
        region=cells.get("region", "").upper() or None,
        given_name=cells.get("first_name") or None,
        family_name=cells.get("last_name") or None,
    )


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
