"""The CyberTipline client against a local test server that checks every call.

NCMEC's own test endpoint (https://exttest.cybertip.org/ispws) needs NCMEC-issued
credentials and cannot be reached from here, hence the local server in ``ncmec_server.py``:
it checks credentials, content types, XSD validity, that uploads name the report it issued,
and the order submit -> upload(s) -> fileinfo -> finish. The files are generated text.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from crible.exports.ncmec import report_xml
from crible.exports.ncmec_client import Endpoint, NcmecClient, SentReport, send_report
from crible.exports.ncmec_config import NcmecConfig, Person
from crible.model.cases import ConfirmedMedia
from crible.model.errors import RemoteRefused
from tests.casefiles import media_bytes, platform_case_file
from tests.e2e.ncmec_server import NcmecTestServer

CONFIG = NcmecConfig(Person("Ada", "Lovelace", "safety@example.org"), platform="ExampleApp")
CASE = platform_case_file()
BYTES = {item.sha256: media_bytes(11 + number) for number, item in enumerate(CASE.media)}


def contents(item: ConfirmedMedia) -> bytes:
    return BYTES[item.sha256]


@pytest.fixture
def server() -> Iterator[NcmecTestServer]:
    with NcmecTestServer() as running:
        yield running


def client_for(server: NcmecTestServer, password: str = "esp-secret") -> NcmecClient:
    return NcmecClient(Endpoint(server.url, "esp-user", password, timeout=10))


def test_a_report_goes_through_submit_upload_fileinfo_finish(server: NcmecTestServer) -> None:
    sent = send_report(client_for(server), CASE, CONFIG, contents)
    assert isinstance(sent, SentReport)
    assert server.violations == []
    assert server.calls == ["submit", *["upload", "fileinfo"] * len(CASE.media), "finish"]
    report = server.reports[sent.report_id]
    assert report.state == "finished"
    assert [f.sha256 for f in sent.files] == [m.sha256 for m in CASE.media]
    assert {f.file_id: BYTES[f.sha256] for f in sent.files} == report.files
    assert report.described == set(report.files)
    assert b"<espIdentifier>uid-501</espIdentifier>" in server.submitted[0]


def test_status_checks_the_credentials(server: NcmecTestServer) -> None:
    assert client_for(server).status().code == 0
    with pytest.raises(RemoteRefused, match=r"/status refused: responseCode 2000"):
        client_for(server, password="wrong").status()


def test_wrong_credentials_report_nothing(server: NcmecTestServer) -> None:
    with pytest.raises(RemoteRefused, match=r"/submit refused: responseCode 2000 \(authentication"):
        send_report(client_for(server, password="wrong"), CASE, CONFIG, contents)
    assert server.reports == {}


@pytest.mark.parametrize(
    ("endpoint", "code"), [("upload", 1110), ("fileinfo", 4100), ("finish", 1000)]
)
def test_a_refused_step_retracts_the_report(
    server: NcmecTestServer, endpoint: str, code: int
) -> None:
    server.fail[endpoint] = code
    with pytest.raises(RemoteRefused) as caught:
        send_report(client_for(server), CASE, CONFIG, contents)
    message = str(caught.value)
    assert f"/{endpoint} refused: responseCode {code}" in message
    assert "was retracted: nothing was reported" in message
    assert [r.state for r in server.reports.values()] == ["retracted"]
    assert server.calls[-1] == "retract"


def test_bytes_that_are_not_the_confirmed_file_are_never_uploaded(server: NcmecTestServer) -> None:
    with pytest.raises(RemoteRefused, match=r"do not have that SHA-256.*retracted"):
        send_report(client_for(server), CASE, CONFIG, lambda item: b"some other file")
    assert "upload" not in server.calls
    assert [r.state for r in server.reports.values()] == ["retracted"]


def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = NcmecClient(Endpoint(f"http://127.0.0.1:{port}/ispws", "u", "p", timeout=5))
    with pytest.raises(RemoteRefused, match="cannot reach"):
        send_report(client, CASE, CONFIG, contents)


def test_the_test_server_refuses_calls_out_of_order(server: NcmecTestServer) -> None:
    client = client_for(server)
    with pytest.raises(RemoteRefused, match="responseCode 5001"):
        client.upload(12345, "a.bin", b"data")
    with pytest.raises(RemoteRefused, match="responseCode 4100"):
        client.submit(b"<report/>")
    report_id = client.submit(report_xml(CASE, CONFIG))
    client.upload(report_id, "a.bin", b"data")
    with pytest.raises(RemoteRefused, match=r"responseCode 4000.*without fileinfo"):
        client.finish(report_id)
    assert len(server.violations) == 3
