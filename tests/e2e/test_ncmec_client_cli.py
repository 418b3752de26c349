"""``crible export ...`` through the console script, on a store built the way a user builds it.

Generated pictures are listed in a bank, scanned, confirmed by two reviewers and put in a
platform case; the case is then reported to a local stand-in for NCMEC's API (NCMEC's own
test endpoint cannot be reached from here, see ``ncmec_server.py``), and exported as CASE/UCO,
VICS (imported back into a bank) and dossiers.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from PIL import Image

from crible.model.cases import CaseKind, CustodyEvent
from crible.model.categories import make_category
from crible.model.decisions import Verdict
from crible.model.signals import SignalType
from crible.services import cases
from crible.services.banks import import_list
from crible.services.review import decide
from crible.services.scan import scan
from crible.signals.crypto import hash_file
from crible.store import Store
from tests import oracles
from tests.conftest import DATA
from tests.e2e.cli import CRIBLE, crible
from tests.e2e.ncmec_server import NcmecTestServer
from tests.unit.test_vics_export import vics_2_problems

CONFIG = """
[reporter]
first_name = "Ada"
last_name = "Lovelace"
email = "safety@example.org"

[report]
platform = "ExampleApp"
"""


def run(*args: str, db: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    done = crible(*args, db=db)
    assert done.returncode == expect, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def platform_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A store with one platform case of three confirmed generated pictures.

    Built through the services in this process (bank import, scan, two reviewers' confirmations,
    case), which the other CLI tests cover; the exports below run through the console script.
    """
    root = tmp_path_factory.mktemp("platform")
    media = root / "uploads"
    media.mkdir()
    for number, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
        picture = Image.new("RGB", (96, 96), colour)
        for x in range(0, 96, 8 + number * 4):
            for y in range(96):
                picture.putpixel((x, y), (255, 255, 255))
        picture.save(media / f"upload_{number}.png")
    hashes = [hash_file(path).sha256 for path in sorted(media.iterdir())]
    listed = root / "list.txt"
    listed.write_text("".join(f"{h}\n" for h in hashes))
    db = f"sqlite:///{root / 'crible.db'}"
    with closing(Store.open(db)) as store:
        import_list(
            store,
            listed,
            bank="hotline",
            signal_type=SignalType.SHA256,
            scheme="NCMEC",
            category="A1",
        )
        scan(store, [str(media)], workers=0)
        for sha in hashes:
            for reviewer in ("ada", "bo"):
                decide(store, sha, Verdict.CONFIRM, reviewer, category=make_category("NCMEC", "A2"))
        made = cases.create_case(store, "Uploads of one user", kind=CaseKind.PLATFORM, actor="lea")
        for sha in hashes:
            cases.add_evidence(store, made.reference, "media", sha, actor="lea")
    config = root / "ncmec.toml"
    config.write_text(CONFIG)
    yield {
        "db": db,
        "ref": made.reference,
        "media": media,
        "hashes": hashes,
        "config": config,
        "root": root,
    }


def custody(db: str, ref: str) -> list[CustodyEvent]:
    with closing(Store.open(db)) as store:
        return cases.custody_log(store, ref)


def submit(
    case: dict[str, Any], url: str, password: str = "esp-secret"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CRIBLE_DB"}
    env.update(CRIBLE_NCMEC_USER="esp-user", CRIBLE_NCMEC_PASSWORD=password, CRIBLE_PROGRESS="0")
    args = ["export", "ncmec", case["ref"], "--config", str(case["config"])]
    args += [
        "--out",
        str(case["root"] / "report.xml"),
        "--submit",
        url,
        "--files",
        str(case["media"]),
    ]
    return subprocess.run(
        [CRIBLE, "--db", case["db"], *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_report_is_sent_once_nothing_fails(platform_case: dict[str, Any]) -> None:
    with NcmecTestServer() as server:
        server.fail["upload"] = 1110
        failed = submit(platform_case, server.url)
        assert failed.returncode == 1, failed.stderr
        assert "responseCode 1110" in failed.stderr and "retracted" in failed.stderr
        assert not [
            e for e in custody(platform_case["db"], platform_case["ref"]) if e.action == "report"
        ]

        del server.fail["upload"]
        done = submit(platform_case, server.url)
        assert done.returncode == 0, done.stderr
        assert server.violations == []
        finished = [r for r in server.reports.values() if r.state == "finished"]
        assert len(finished) == 1
        uploaded = {hashlib.sha256(data).hexdigest() for data in finished[0].files.values()}
        assert uploaded == set(platform_case["hashes"])
    reported = [
        e for e in custody(platform_case["db"], platform_case["ref"]) if e.action == "report"
    ]
    assert len(reported) == 1 and str(finished[0].report_id) in reported[0].detail
    xml = (platform_case["root"] / "report.xml").read_text()
    assert "<incidentType>" in xml and "<platform>ExampleApp</platform>" in xml


def test_submit_refuses_missing_credentials_and_files(
    platform_case: dict[str, Any], tmp_path: Path
) -> None:
    args = ["export", "ncmec", platform_case["ref"], "--config", str(platform_case["config"])]
    args += ["--out", str(tmp_path / "r.xml"), "--submit", "http://127.0.0.1:9/ispws"]
    done = crible(*args, db=platform_case["db"])
    assert done.returncode == 2 and "--submit needs --files" in done.stderr
    done = crible(*args, "--files", str(tmp_path), db=platform_case["db"])
    assert done.returncode == 2 and "CRIBLE_NCMEC_USER" in done.stderr


def test_submit_refuses_a_copy_that_changed(platform_case: dict[str, Any], tmp_path: Path) -> None:
    copies = tmp_path / "copies"
    copies.mkdir()
    for path in sorted(platform_case["media"].iterdir()):
        data = bytearray(path.read_bytes())
        if path.name == "upload_0.png":
            data[-1] ^= 0xFF  # same size, other bytes: must not pass for the confirmed file
        (copies / path.name).write_bytes(bytes(data))
    (copies / "notes.txt").write_text("unrelated file", encoding="utf-8")

    def reports() -> list[CustodyEvent]:
        log = custody(platform_case["db"], platform_case["ref"])
        return [e for e in log if e.action == "report"]

    before = reports()

    done = submit({**platform_case, "media": copies}, "http://127.0.0.1:9/ispws")

    assert done.returncode == 2, done.stderr
    assert "1 confirmed file(s) not found under" in done.stderr
    assert platform_case["hashes"][0] in done.stderr
    assert reports() == before


def test_vics_export_imports_back_into_a_bank(
    platform_case: dict[str, Any], tmp_path: Path
) -> None:
    db, ref = platform_case["db"], platform_case["ref"]
    out = tmp_path / "case.vics.json"
    run("export", "vics", ref, "--out", str(out), db=db)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert vics_2_problems(document) == []
    uploads = sorted(platform_case["media"].iterdir())
    assert [r["SHA256"] for r in document["value"]] == [
        oracles.digests(p)["sha256"] for p in uploads
    ]
    assert [r["MD5"] for r in document["value"]] == [oracles.digests(p)["md5"] for p in uploads]
    with closing(Store.open(db)) as store:
        import_list(store, out, bank="from-case", fmt="vics")
        entries = list(store.banks.entries("from-case"))
    sha256 = {e.value for e in entries if e.signal_type is SignalType.SHA256}
    assert sha256 == set(platform_case["hashes"])
    assert {e.external_id for e in entries} == {"1", "2", "3"}
    assert all(e.category is None for e in entries)  # NCMEC A2 has no VICS (VIC-US) category


def test_caseuco_and_dossiers_are_written_and_logged(
    platform_case: dict[str, Any], tmp_path: Path
) -> None:
    db, ref = platform_case["db"], platform_case["ref"]
    run("export", "caseuco", ref, "--out", str(tmp_path / "case.jsonld"), db=db)
    graph = json.loads((tmp_path / "case.jsonld").read_text())["@graph"]
    assert sum(1 for n in graph if n["@type"] == "uco-observable:File") == 3
    done = run("export", "dossier", ref, "--lang", "en", "--out", str(tmp_path / "dossiers"), db=db)
    html = (tmp_path / "dossiers" / f"{ref}-en.html").read_text()
    assert all(sha in html for sha in platform_case["hashes"]) and "NCMEC A2" in html
    assert (tmp_path / "dossiers" / f"{ref}-en.pdf").read_bytes().startswith(b"%PDF-")
    assert done.stdout.count("SHA-256") == 2
    actions = [e.detail.split(" ")[0] for e in custody(db, ref) if e.action == "export"]
    assert {"caseuco", "dossier-html", "dossier-pdf"} <= set(actions)
    bad = crible("export", "dossier", ref, "--out", str(tmp_path), "--suspect", "nobody", db=db)
    assert bad.returncode == 2 and "'nobody' is not a suspect" in bad.stderr


def test_export_says_which_times_the_report_leaves_out(
    platform_case: dict[str, Any], tmp_path: Path
) -> None:
    """Files only a scan found: no upload time is made up, and the command says why."""
    db, ref = platform_case["db"], platform_case["ref"]
    out = tmp_path / "report.xml"
    done = run(
        "export", "ncmec", ref, "--config", str(platform_case["config"]), "--out", str(out), db=db
    )
    for sha in platform_case["hashes"]:
        assert f"note: file {sha}: no uploadedToEspTimestamp" in done.stderr
    assert "note: incidentDateTime: No dated message carried the reported files" in done.stderr
    root = etree.fromstring(out.read_bytes())
    schema = etree.XMLSchema(etree.parse(str(DATA / "schemas/ncmec/cybertipline-report.xsd")))
    assert schema.validate(root), schema.error_log
    described = root.findtext("incidentSummary/incidentDateTimeDescription") or ""
    assert "not when it was uploaded" in described
