"""A local stand-in for NCMEC's CyberTipline Reporting API, for the client's tests.

NCMEC's own test endpoint (https://exttest.cybertip.org/ispws) needs NCMEC-issued
credentials and cannot be reached from the test machines, so this server plays its part on
loopback. It checks every call the way the real service does, as far as its documentation
says: HTTP Basic credentials, the content type of each endpoint, that ``report`` and
``fileDetails`` documents validate against NCMEC's XSD, that uploads and file details name a
report it opened and a file it stored, and the order submit -> upload(s) -> fileinfo ->
finish. It answers with NCMEC-shaped ``reportResponse`` / ``reportDoneResponse`` XML. Any
check that fails is answered with NCMEC's error code and recorded in ``violations``.
"""

from __future__ import annotations

import hashlib
import threading
import urllib.parse
from base64 import b64encode
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from lxml import etree

from tests.conftest import DATA

XSD = DATA / "schemas/ncmec/cybertipline-report.xsd"


@dataclass
class OpenReport:
    """A report the server issued, with the files uploaded to it."""

    report_id: int
    state: str = "open"
    files: dict[str, bytes] = field(default_factory=dict)
    described: set[str] = field(default_factory=set)


class NcmecTestServer:
    """Run with ``with NcmecTestServer() as server:``; ``server.url`` is the base URL."""

    def __init__(self, username: str = "esp-user", password: str = "esp-secret") -> None:
        self.auth = "Basic " + b64encode(f"{username}:{password}".encode()).decode()
        self.schema = etree.XMLSchema(etree.parse(str(XSD)))
        self.reports: dict[int, OpenReport] = {}
        self.calls: list[str] = []
        self.violations: list[str] = []
        self.fail: dict[str, int] = {}
        """Endpoint name -> responseCode to answer with, to test error paths."""
        self.submitted: list[bytes] = []
        self._next_id = 90_000_001
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/ispws"

    def __enter__(self) -> NcmecTestServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        """Answer one request: (HTTP status, XML body)."""
        name = path.removeprefix("/ispws/").strip("/")
        with self._lock:
            self.calls.append(name)
            if headers.get("authorization") != self.auth:
                return self._refuse(name, 2000, "Authentication required", status=401)
            if name in self.fail:
                return 200, _response(self.fail[name], f"{name} failed (injected)")
            route = {
                ("GET", "status"): self._status,
                ("POST", "submit"): self._submit,
                ("POST", "upload"): self._upload,
                ("POST", "fileinfo"): self._fileinfo,
                ("POST", "finish"): self._finish,
                ("POST", "retract"): self._retract,
            }.get((method, name))
            if route is None:
                return self._refuse(name, 4000, f"no endpoint {method} /{name}", status=404)
            return route(headers.get("content-type", ""), body)

    def _status(self, _ctype: str, _body: bytes) -> tuple[int, bytes]:
        return 200, _response(0, "Success")

    def _submit(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        if not ctype.startswith("text/xml"):
            return self._refuse("submit", 4000, f"content type {ctype!r}, expected text/xml")
        problem = self._invalid(body, "report")
        if problem:
            return self._refuse("submit", 4100, problem)
        report = OpenReport(self._next_id)
        self._next_id += 1
        self.reports[report.report_id] = report
        self.submitted.append(body)
        return 200, _response(0, "Success", reportId=str(report.report_id))

    def _upload(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        if not ctype.startswith("multipart/form-data"):
            return self._refuse("upload", 4000, f"content type {ctype!r}, expected multipart")
        fields = _form_data(ctype, body)
        report = self._open(fields.get("id", (b"", None))[0].decode(errors="replace"))
        if report is None:
            return self._refuse("upload", 5001, "Report does not exist or is closed")
        data, filename = fields.get("file", (b"", None))
        if not filename:
            return self._refuse("upload", 4000, "no file part with a filename")
        file_id = hashlib.sha1(f"{report.report_id}/{len(report.files)}".encode()).hexdigest()
        report.files[file_id] = data
        md5 = hashlib.md5(data).hexdigest()
        return 200, _response(
            0, "Success", reportId=str(report.report_id), fileId=file_id, hash=md5
        )

    def _fileinfo(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        if not ctype.startswith("text/xml"):
            return self._refuse("fileinfo", 4000, f"content type {ctype!r}, expected text/xml")
        problem = self._invalid(body, "fileDetails")
        if problem:
            return self._refuse("fileinfo", 4100, problem)
        root = etree.fromstring(body)
        report = self._open(root.findtext("reportId") or "")
        if report is None:
            return self._refuse("fileinfo", 5001, "Report does not exist or is closed")
        file_id = root.findtext("fileId") or ""
        if file_id not in report.files:
            return self._refuse("fileinfo", 1210, f"file {file_id} was not uploaded to this report")
        report.described.add(file_id)
        return 200, _response(0, "Success", reportId=str(report.report_id))

    def _finish(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        report = self._form_report("finish", ctype, body)
        if isinstance(report, tuple):
            return report
        undescribed = set(report.files) - report.described
        if undescribed:
            return self._refuse("finish", 4000, f"files without fileinfo: {sorted(undescribed)}")
        report.state = "finished"
        root = etree.Element("reportDoneResponse")
        etree.SubElement(root, "responseCode").text = "0"
        etree.SubElement(root, "reportId").text = str(report.report_id)
        files = etree.SubElement(root, "files")
        for file_id in report.files:
            etree.SubElement(files, "fileId").text = file_id
        return 200, etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _retract(self, ctype: str, body: bytes) -> tuple[int, bytes]:
        report = self._form_report("retract", ctype, body)
        if isinstance(report, tuple):
            return report
        report.state = "retracted"
        return 200, _response(0, "Success", reportId=str(report.report_id))

    def _form_report(self, name: str, ctype: str, body: bytes) -> OpenReport | tuple[int, bytes]:
        if not ctype.startswith("application/x-www-form-urlencoded"):
            return self._refuse(name, 4000, f"content type {ctype!r}, expected a form")
        values = urllib.parse.parse_qs(body.decode("ascii", errors="replace"))
        report = self._open((values.get("id") or [""])[0])
        if report is None:
            return self._refuse(name, 5001, "Report does not exist or is closed")
        return report

    def _open(self, text: str) -> OpenReport | None:
        report = self.reports.get(int(text)) if text.strip().isdigit() else None
        return report if report is not None and report.state == "open" else None

    def _invalid(self, body: bytes, root_name: str) -> str | None:
        try:
            root = etree.fromstring(body)
        except etree.XMLSyntaxError as exc:
            return f"malformed XML: {exc}"
        if root.tag != root_name:
            return f"root is {root.tag}, expected {root_name}"
        if not self.schema.validate(root):
            return str(self.schema.error_log[0].message)
        return None

    def _refuse(
        self, name: str, code: int, description: str, status: int = 200
    ) -> tuple[int, bytes]:
        self.violations.append(f"/{name}: {code} {description}")
        return status, _response(code, description)


def _response(code: int, description: str, **more: str) -> bytes:
    root = etree.Element("reportResponse")
    etree.SubElement(root, "responseCode").text = str(code)
    etree.SubElement(root, "responseDescription").text = description
    for tag in ("reportId", "fileId", "hash"):
        if tag in more:
            etree.SubElement(root, tag).text = more[tag]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _form_data(ctype: str, body: bytes) -> dict[str, tuple[bytes, str | None]]:
    """The fields of a multipart/form-data body: name -> (bytes, filename)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, tuple[bytes, str | None]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (payload, part.get_filename())
    return fields


def _handler(server: NcmecTestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = server.handle(method, self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    return Handler
