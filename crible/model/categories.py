"""Category schemes used by hash-list providers.

A category is always stored with its scheme: "1" alone means nothing, "VIC-US 1" does.
Labels are deliberately neutral codes; each scheme's severity rank orders review
(rank 1 is the most severe in that scheme, ``None`` means not pertinent).
"""

from __future__ import annotations

from dataclasses import dataclass

from crible.model.errors import BadInput


@dataclass(frozen=True)
class Scheme:
    """A provider's category scheme: its codes and their severity ranks."""

    name: str
    ranks: dict[str, int | None]
    description: str

    def normalise(self, code: str) -> str:
        """Return the canonical form of a code of this scheme or raise BadInput."""
        canon = code.strip().upper()
        if canon not in self.ranks:
            allowed = ", ".join(self.ranks)
            raise BadInput(f"category {code!r} is not in scheme {self.name} ({allowed})")
        return canon


SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme(
            "VIC-US",
            {"1": 1, "2": 2, "3": 3, "4": 4, "0": None},
            "Project VIC (United States): 1-4, 0 not pertinent",
        ),
        Scheme("CAID", {"A": 1, "B": 2, "C": 3}, "UK Child Abuse Image Database: A-C"),
        Scheme("NCMEC", {"A1": 1, "A2": 2, "B1": 3, "B2": 4}, "NCMEC industry categories"),
        Scheme("DEMO", {"DEMO": None}, "benign demonstration list"),
    )
}


@dataclass(frozen=True)
class Category:
    """A category code together with the scheme that gives it meaning."""

    scheme: str
    code: str

    def __str__(self) -> str:
        return f"{self.scheme} {self.code}"

    @property
    def rank(self) -> int | None:
        return SCHEMES[self.scheme].ranks.get(self.code) if self.scheme in SCHEMES else None


def scheme_named(name: str) -> Scheme:
    """Look a scheme up by name, case-insensitively."""
    for scheme in SCHEMES.values():
        if scheme.name.lower() == name.strip().lower():
            return scheme
    raise BadInput(f"unknown category scheme {name!r} (known: {', '.join(SCHEMES)})")


def make_category(scheme: str, code: str | int) -> Category:
    """Validate a code against its scheme and return the category."""
    found = scheme_named(scheme)
    return Category(found.name, found.normalise(str(code)))
