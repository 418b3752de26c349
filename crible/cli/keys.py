"""``crible keys init``: the exporting unit's Ed25519 signing key."""

from __future__ import annotations

from pathlib import Path

import click

from crible.cases.keys import default_dir, fingerprint, init_keys, load_private


@click.group()
def keys() -> None:
    """The unit's signing key for evidence bundles."""


@keys.command("init")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write unit.key and unit.pub (default: $CRIBLE_KEY_DIR or ~/.crible/keys).",
)
def init(directory: Path | None) -> None:
    """Generate an Ed25519 key pair (private key mode 0600; never overwrites one)."""
    private, public = init_keys(directory or default_dir())
    click.echo(f"private key: {private} (keep it to this unit; mode 0600)")
    click.echo(f"public key:  {public} (give it to whoever verifies your bundles)")
    click.echo(f"fingerprint: {fingerprint(load_private(private).public_key())}")
