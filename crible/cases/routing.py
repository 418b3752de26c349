"""Jurisdiction routing: which authority is competent for an identified suspect.

France: the Ministry of Justice's table of territorial competences, one row per commune
(INSEE code), semicolon separated, with the columns
``Commune;Libellé;Orig. CA;N° CA;CA;Orig. TJ;N° TJ;TJ`` first (more may follow and are
ignored). A commune listed with two different TJs is ambiguous: a person must decide.
Elsewhere: a rules table (CSV ``country,region,code,authority``), the most specific row
(country and region) winning over a country-wide one (region empty or ``*``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crible.model.cases import Authority, Identity
from crible.model.errors import BadInput

FR_COLUMNS = ("Commune", "Libellé", "Orig. CA", "N° CA", "CA", "Orig. TJ", "N° TJ", "TJ")
RULE_COLUMNS = ("country", "region", "code", "authority")

NOT_IDENTIFIED = "not identified"
NO_PLACE = "identified, but no commune or country of residence is known"
UNKNOWN_COMMUNE = "unknown commune"
AMBIGUOUS_COMMUNE = "ambiguous commune"
NO_FRENCH_TABLE = "no French competence table given"
NO_RULE = "no rule for country"


@dataclass(frozen=True)
class Route:
    """Where a suspect goes: an authority, or why none could be chosen."""

    authority: Authority | None
    reason: str = ""


@dataclass
class RoutingTables:
    """The French commune table and the other countries' rules."""

    communes: dict[str, set[Authority]] = field(default_factory=dict)
    commune_names: dict[str, str] = field(default_factory=dict)
    rules: dict[tuple[str, str], Authority] = field(default_factory=dict)
    has_french_table: bool = False

    def route(self, identity: Identity | None) -> Route:
        """The competent authority for a suspect, or the reason there is none."""
        if identity is None:
            return Route(None, NOT_IDENTIFIED)
        country = (identity.country or ("FR" if identity.commune_code else "")).upper()
        if not country:
            return Route(None, NO_PLACE)
        if country == "FR":
            return self._route_french(identity.commune_code)
        region = (identity.region or "").upper()
        found = self.rules.get((country, region)) or self.rules.get((country, ""))
        if found is None:
            return Route(None, f"{NO_RULE} {country}" + (f" (region {region})" if region else ""))
        return Route(found)

    def _route_french(self, commune: str | None) -> Route:
        if not self.has_french_table:
            return Route(None, NO_FRENCH_TABLE)
        code = (commune or "").strip().upper()
        if not code:
            return Route(None, NO_PLACE)
        found = self.communes.get(code)
        if not found:
            return Route(None, f"{UNKNOWN_COMMUNE} {code}")
        if len(found) > 1:
            names = " / ".join(sorted(a.name for a in found))
            return Route(None, f"{AMBIGUOUS_COMMUNE} {code} ({names})")
        return Route(next(iter(found)))


def load_tables(fr_table: Path | None, rules: Path | None) -> RoutingTables:
    """Read the tables given; BadInput names the file, line and field of a bad row."""
    tables = RoutingTables()
    if fr_table is not None:
        tables.has_french_table = True
        for code, name, authority in read_french_table(_text(fr_table), str(fr_table)):
            tables.communes.setdefault(code, set()).add(authority)
            tables.commune_names.setdefault(code, name)
    if rules is not None:
        for country, region, authority in read_rules(_text(rules), str(rules)):
            key = (country, region)
            if key in tables.rules and tables.rules[key] != authority:
                where = f"{country} {region or '(whole country)'}"
                raise BadInput(f"two different authorities for {where}", source=str(rules))
            tables.rules[key] = authority
    return tables


def read_french_table(text: str, source: str) -> Iterator[tuple[str, str, Authority]]:
    """(INSEE code, commune name, TJ) for each row of the Ministry's table."""
    rows = csv_rows(text, source, delimiter=";")
    header = [h.strip() for h in next(rows, (1, []))[1]]
    if tuple(header[: len(FR_COLUMNS)]) != FR_COLUMNS:
        raise BadInput(
            f"not the Ministry of Justice table: the columns must start with "
            f"{';'.join(FR_COLUMNS)} (found {';'.join(header[:8]) or 'nothing'})",
            source=source,
            line=1,
        )
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(FR_COLUMNS, (c.strip() for c in row), strict=False))
        for needed in ("Commune", "N° TJ", "TJ"):
            if not cells.get(needed):
                raise BadInput(f"field {needed!r} is empty", source=source, line=line)
        yield (
            cells["Commune"].upper(),
            cells.get("Libellé", ""),
            Authority(
                country="FR",
                code=cells["N° TJ"],
                name=cells["TJ"],
                parent=cells.get("CA") or None,
            ),
        )


def read_rules(text: str, source: str) -> Iterator[tuple[str, str, Authority]]:
    """(country, region or "", authority) for each row of a rules table."""
    rows = csv_rows(text, source)
    header = next(rows, (1, []))[1]
    missing = [c for c in RULE_COLUMNS if c not in header]
    if missing:
        raise BadInput(
            f"rules table lacks the column(s) {', '.join(missing)} "
            f"(expected {','.join(RULE_COLUMNS)})",
            source=source,
            line=1,
        )
    for line, cells in rows:
        if not cells:
            continue
        row = dict(zip(header, cells, strict=False))
        country = row.get("country", "").strip().upper()
        region = row.get("region", "").strip().upper()
        code, name = row.get("code", "").strip(), row.get("authority", "").strip()
        for label, value in (("country", country), ("code", code), ("authority", name)):
            if not value:
                raise BadInput(f"field {label!r} is empty", source=source, line=line)
        if len(country) != 2 or not country.isalpha():
            raise BadInput(
                f"field 'country' must be a two-letter ISO code, not {country!r}",
                source=source,
                line=line,
            )
        yield country, "" if region == "*" else region, Authority(country, code, name)


def csv_rows(text: str, source: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each row of a CSV text (the line a row ends on); BadInput names the
    line where the CSV cannot be read, such as a quote left open that swallows the rest."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadInput(f"unreadable CSV: {exc}", source=source, line=reader.line_num) from exc
        yield reader.line_num, row


def _text(path: Path) -> str:
    """A table's text: UTF-8 (with or without BOM), else Windows-1252 as the Ministry ships."""
    if not path.is_file():
        raise BadInput("no such file", source=str(path))
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def group_by_authority(
    routes: Iterable[tuple[int, Route]],
) -> tuple[dict[Authority, list[int]], list[tuple[int, str]]]:
    """Suspects grouped by their authority, and those that could not be routed with why."""
    routed: dict[Authority, list[int]] = {}
    unrouted: list[tuple[int, str]] = []
    for account_id, route in routes:
        if route.authority is None:
            unrouted.append((account_id, route.reason))
        else:
            routed.setdefault(route.authority, []).append(account_id)
    return routed, unrouted
