"""Client of NCMEC's CyberTipline Reporting API: submit, upload, fileinfo, finish (or retract).

Standard library only (``urllib.request``): httpx is a development dependency of crible.
Authentication is HTTP Basic. Every request's answer is NCMEC's ``reportResponse`` XML
(``reportDoneResponse`` for ``/finish``); ``responseCode`` 0 means success, anything else
raises ``RemoteRefused`` with the code and NCMEC's description. ``send_report`` runs the
whole sequence: it validates every document against the XSD before it is sent, checks each
file's bytes against its confirmed SHA-256 before the upload and the MD5 that NCMEC echoes
after it, and retracts the report when any later step fails, so that a report is either
finished or withdrawn; only a finished report is returned.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from crible.exports.ncmec import SCHEMA_PATH, file_details_xml, report_xml
from crible.exports.ncmec_config import NcmecConfig
from crible.exports.ncmec_times import report_times
from crible.exports.provenance import MessageFacts
from crible.model.cases import CaseFile, ConfirmedMedia
from crible.model.errors import BadInput, CribleError, RemoteRefused

XML = "text/xml; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
TEST_BASE_URL = "https://exttest.cybertip.org/ispws"
RESPONSE_CODES = {
    0: "success",
    1000: "server error",
    1100: "save failed",
    1110: "upload failed",
    1111: "upload failed",
    1210: "not found",
    2000: "authentication required",
    3000: "not authorised",
    3100: "not authorised",
    3300: "not authorised",
    4000: "invalid request",
    4100: "validation failed",
    4110: "malformed XML",
    4200: "malformed file",
    5001: "report does not exist",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom to report: the API's base URL and NCMEC-issued credentials."""

    base_url: str
    username: str
    password: str
    timeout: float = 120.0


@dataclass(frozen=True)
class Answer:
    """NCMEC's answer to one request."""

    code: int
    description: str
    report_id: int | None = None
    file_id: str | None = None
    md5: str | None = None
    file_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentFile:
    """A confirmed file as NCMEC holds it."""

    sha256: str
    file_id: str
    md5: str


@dataclass(frozen=True)
class SentReport:
    """A finished CyberTipline report."""

    report_id: int
    files: tuple[SentFile, ...]
    unlisted: tuple[str, ...] = ()
    """Files NCMEC accepted but did not list when it finished the report (to check with it)."""


class NcmecClient:
    """The API's endpoints, one method each."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        credentials = f"{endpoint.username}:{endpoint.password}".encode()
        self._auth = "Basic " + base64.b64encode(credentials).decode("ascii")

    def status(self) -> Answer:
        """Check the connection and the credentials (``GET /status``)."""
        return self._call("status", None, None)

    def submit(self, report: bytes) -> int:
        """Open a report (``POST /submit``) and return the report id NCMEC gave it."""
        answer = self._call("submit", report, XML)
        if answer.report_id is None:
            raise RemoteRefused("NCMEC accepted the report but returned no reportId")
        return answer.report_id

    def upload(self, report_id: int, file_name: str, data: bytes) -> Answer:
        """Upload one file to an open report (``POST /upload``, multipart ``id`` and ``file``)."""
        body, content_type = _multipart(str(report_id), file_name, data)
        answer = self._call("upload", body, content_type)
        if not answer.file_id:
            raise RemoteRefused(f"NCMEC stored {file_name} but returned no fileId")
        return answer

    def fileinfo(self, details: bytes) -> None:
        """Describe an uploaded file (``POST /fileinfo``, a ``fileDetails`` document)."""
        self._call("fileinfo", details, XML)

    def finish(self, report_id: int) -> Answer:
        """Close the report (``POST /finish``); NCMEC answers with the files it holds."""
        return self._call("finish", _form(report_id), FORM)

    def retract(self, report_id: int) -> None:
        """Withdraw an open report (``POST /retract``)."""
        self._call("retract", _form(report_id), FORM)

    def _call(self, path: str, body: bytes | None, content_type: str | None) -> Answer:
        url = self.endpoint.base_url.rstrip("/") + "/" + path
        request = urllib.request.Request(
            url, data=body, method="POST" if body is not None else "GET"
        )
        request.add_header("Authorization", self._auth)
        request.add_header("Accept", "text/xml")
        if content_type is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.endpoint.timeout) as reply:
                payload = reply.read()
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            if not payload:
                raise RemoteRefused(f"NCMEC /{path}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteRefused(f"NCMEC /{path}: cannot reach {url}: {reason}") from exc
        answer = parse_answer(payload, path)
        if answer.code != 0:
            meaning = RESPONSE_CODES.get(answer.code, "unknown code")
            raise RemoteRefused(
                f"NCMEC /{path} refused: responseCode {answer.code} ({meaning}): "
                f"{answer.description}"
            )
        return answer


def parse_answer(payload: bytes, path: str = "?") -> Answer:
    """Read a ``reportResponse`` or ``reportDoneResponse`` document."""
    try:
        root = etree.fromstring(payload, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RemoteRefused(
            f"NCMEC /{path} answered with something that is not XML: {exc}"
        ) from exc
    code_text = root.findtext("responseCode")
    if code_text is None or not code_text.strip().lstrip("-").isdigit():
        raise RemoteRefused(f"NCMEC /{path} answered without a responseCode ({root.tag})")
    report_id = root.findtext("reportId")
    return Answer(
        code=int(code_text),
        description=(root.findtext("responseDescription") or "").strip(),
        report_id=int(report_id) if report_id and report_id.strip().isdigit() else None,
        file_id=(root.findtext("fileId") or "").strip() or None,
        md5=(root.findtext("hash") or "").strip().lower() or None,
        file_ids=tuple((e.text or "").strip() for e in root.iterfind("files/fileId")),
    )


def send_report(
    client: NcmecClient,
    case_file: CaseFile,
    config: NcmecConfig,
    contents: Callable[[ConfirmedMedia], bytes],
    *,
    schema_path: Path = SCHEMA_PATH,
) -> SentReport:
    """Report a platform case: submit, then upload and describe each file, then finish.

    ``contents`` gives a confirmed file's bytes. Any failure after the report was opened
    retracts it and raises; nothing is returned (so nothing can be recorded as sent) unless
    NCMEC finished the report.
    """
    report = report_xml(case_file, config, schema_path=schema_path)
    uploads = report_times(case_file).uploads
    report_id = client.submit(report)
    try:
        sent = tuple(
            _send_file(
                client, report_id, item, uploads.get(item.sha256), config, contents, schema_path
            )
            for item in case_file.media
        )
        done = client.finish(report_id)
    except CribleError as exc:
        raise RemoteRefused(f"{exc}; {_retract(client, report_id)}") from exc
    except BaseException:
        _retract(client, report_id)
        raise
    listed = set(done.file_ids)
    unlisted = tuple(f.file_id for f in sent if done.file_ids and f.file_id not in listed)
    return SentReport(report_id, sent, unlisted)


def _send_file(
    client: NcmecClient,
    report_id: int,
    item: ConfirmedMedia,
    uploaded: MessageFacts | None,
    config: NcmecConfig,
    contents: Callable[[ConfirmedMedia], bytes],
    schema_path: Path,
) -> SentFile:
    data = contents(item)
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise BadInput(f"the bytes given for file {item.sha256} do not have that SHA-256")
    name = item.file_name or f"{item.sha256}.bin"
    answer = client.upload(report_id, name, data)
    assert answer.file_id is not None
    if answer.md5 is not None and answer.md5 != item.md5:
        raise RemoteRefused(f"NCMEC received {name} with MD5 {answer.md5}, not {item.md5}")
    client.fileinfo(
        file_details_xml(
            report_id, answer.file_id, item, config, uploaded=uploaded, schema_path=schema_path
        )
    )
    return SentFile(item.sha256, answer.file_id, item.md5)


def _retract(client: NcmecClient, report_id: int) -> str:
    """Withdraw a report that cannot be finished; say what became of it."""
    try:
        client.retract(report_id)
    except RemoteRefused as exc:
        return f"retracting report {report_id} failed too ({exc}): NCMEC deletes it unfinished"
    return f"report {report_id} was retracted: nothing was reported"


def _form(report_id: int) -> bytes:
    return urllib.parse.urlencode({"id": str(report_id)}).encode("ascii")


def _multipart(report_id: str, file_name: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with the fields ``id`` and ``file``."""
    boundary = "crible-" + secrets.token_hex(16)
    safe_name = file_name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    parts = [
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n{report_id}\r\n'
        ).encode(),
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode(),
        data,
        f"\r\n--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
