"""``crible verify DIR``: check an evidence bundle, byte by byte, signature and custody."""

from __future__ import annotations

from pathlib import Path

import click

from crible.cli.main import EXIT_NOT_INTACT
from crible.cli.render import dumps
from crible.services.bundles import verify as verify_service


@click.command("verify")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "trusted_key",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="The exporting unit's public key (unit.pub): the bundle must be signed with it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def verify(directory: Path, trusted_key: Path | None, as_json: bool) -> None:
    """Verify a bundle: every file against the manifests, the signature, the custody chain.

    Exit status 0 when everything holds, 4 when anything was changed, added or removed.
    """
    result = verify_service(directory, trusted_key)
    if as_json:
        click.echo(
            dumps(
                {
                    "ok": result.ok,
                    "case": result.case_reference,
                    "key_fingerprint": result.key_fingerprint,
                    "files_checked": result.files_checked,
                    "custody_entries": result.custody_entries,
                    "problems": result.problems,
                }
            )
        )
    else:
        for problem in result.problems:
            click.echo(f"FAIL {problem}")
        state = "verified" if result.ok else "NOT verified"
        click.echo(
            f"bundle {result.case_reference or '?'} {state}: {result.files_checked} files checked, "
            f"{result.custody_entries} custody entries, key {result.key_fingerprint or '?'}"
            + ("" if trusted_key else " (not compared with a trusted key: use --key)")
        )
    if not result.ok:
        raise click.exceptions.Exit(EXIT_NOT_INTACT)
