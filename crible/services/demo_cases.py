"""The demo's last act: from confirmed findings to routed, signed, verifiable case files.

Two demo reviewers (named as such) confirm the files that matched the demo list; files in no
bank stay in the queue for a person. The network case is built from the confirmed files,
the suspects are "identified" with generated identities in three communes (one unknown to
the routing table, one suspect left unidentified), routed through a routing table written
in the Ministry of Justice's format, and each authority's file is exported as a signed
bundle (verified at once) and a dossier in French (HTML and PDF). All of it is benign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crible.cases.keys import init_keys
from crible.cases.verify import verify_bundle
from crible.exports.registry import ExportOptions
from crible.model.decisions import Verdict
from crible.services.bundles import export_bundle
from crible.services.cases import case_file, case_from_confirmed
from crible.services.exports import write_dossiers
from crible.services.review import OPEN, decide, review_queue
from crible.services.routing import RoutingResult, import_identities, route_case
from crible.services.suspects import latest_analysis
from crible.store import Store

REVIEWERS = ("demo-reviewer-1", "demo-reviewer-2")
ACTOR = "crible demo"
TABLE = """Commune;Libellé;Orig. CA;N° CA;CA;Orig. TJ;N° TJ;TJ;Orig. CPH;N° CPH;CPH
75056;PARIS;CA;750;Cour d'appel de Paris;TJ;7501;Tribunal judiciaire de Paris;CPH;7511;CPH de Paris
69123;LYON;CA;690;Cour d'appel de Lyon;TJ;6901;Tribunal judiciaire de Lyon;CPH;6911;CPH de Lyon
13055;MARSEILLE;CA;130;Cour d'appel d'Aix;TJ;1301;Tribunal judiciaire de Marseille;CPH;1311;CPH
"""
"""A routing table in the Ministry's columns (three communes; the real one has ~35,000)."""
COMMUNES = ("75056", "69123", "13055")
"""Communes given to the identified suspects in turn."""
UNKNOWN_COMMUNE = "99999"
"""Given to the lowest-ranked identified suspect: not in the table, so not routed."""


@dataclass(frozen=True)
class CaseDemo:
    """What the demo's case part produced."""

    confirmed: int
    routing: RoutingResult
    bundles: tuple[Path, ...]
    dossiers: tuple[Path, ...]
    verified: bool


def run_case_demo(store: Store, folder: Path, say: Callable[[str], None] = print) -> CaseDemo:
    """Confirm, build, identify, route, bundle, verify and write the dossiers."""
    confirmed = 0
    for item in review_queue(store, status=OPEN, limit=10_000):
        if not item.match_ids or not item.categories:
            continue  # new media: left for a person to review
        for reviewer in REVIEWERS:
            decide(store, item.sha256, Verdict.CONFIRM, reviewer, category=item.categories[0])
        confirmed += 1
    say(f"two demo reviewers confirmed {confirmed} matched files (new media stays in the queue)")
    network = case_from_confirmed(store, "Demo network (generated, benign)", actor=ACTOR)
    identities = folder / "cases" / "identification.csv"
    identities.parent.mkdir(parents=True, exist_ok=True)
    ranks = {s.account_id: s.rank for s in latest_analysis(store).suspects}
    suspects = sorted(
        case_file(store, network.id).suspects, key=lambda s: ranks.get(s.account_id, 0)
    )
    lines = ["account,name,birth_date,address,commune,source"]
    for n, suspect in enumerate(suspects[:-1]):  # the lowest ranked stays unidentified
        commune = UNKNOWN_COMMUNE if n == len(suspects) - 2 else COMMUNES[n % len(COMMUNES)]
        lines.append(
            f"{suspect.account_id},Person {n + 1},1990-01-0{n % 9 + 1},"
            f"{n + 1} demo street,{commune},demo judicial request {n + 1}"
        )
    identities.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_identities(store, identities, actor=ACTOR)
    table = folder / "cases" / "competences-tj.csv"
    table.write_text(TABLE, encoding="utf-8")
    routing = route_case(store, network.id, fr_table=table, actor=ACTOR)
    keys = folder / "cases" / "keys"
    private, public = init_keys(keys)
    bundles, dossiers, verified = [], [], True
    for child in routing.children:
        where = folder / "cases" / child.reference
        bundle = where / "bundle"
        export_bundle(store, child.reference, bundle, key_path=private, actor=ACTOR)
        check = verify_bundle(bundle, public.read_bytes())
        verified = verified and check.ok
        bundles.append(bundle)
        for written in write_dossiers(
            store, child.reference, where, options=ExportOptions(lang="fr"), actor=ACTOR
        ):
            dossiers.append(written.path)
    say(
        f"case {network.reference} routed to {len(routing.children)} authorities; "
        f"{len(routing.unrouted)} suspects not routed; bundles "
        + ("signed and verified" if verified else "FAILED verification")
    )
    return CaseDemo(confirmed, routing, tuple(bundles), tuple(dossiers), verified)
