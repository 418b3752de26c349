"""Routes with the request and response shapes of Meta's hasher-matcher-actioner (HMA 2,
OpenMediaMatch), so a platform client written for HMA works against crible unchanged.

Differences, on purpose: every route needs an API token (HMA has no authentication);
hashing a URL (``?url=``) is refused, since the server fetches nothing from the network —
upload the file instead; a bank is enabled or not (``matching_enabled_ratio`` 0 or 1).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from crible.api.schemas import ErrorBody
from crible.api.uploads import MULTIPART_BODY, one_upload
from crible.edge.banks import set_bank_enabled
from crible.edge.security import Principal, Require
from crible.edge.state import lookup_of, settings_of, store_of
from crible.model.audit import AuditAction
from crible.model.banks import Bank
from crible.model.errors import BadInput, InvalidHash
from crible.model.matches import Match
from crible.model.signals import SignalType
from crible.model.users import Capability
from crible.services import audit, banks
from crible.services.lookup import (
    add_signals,
    hash_upload,
    parse_signal,
    remove_entry,
    signals_of,
)
from crible.signals.kinds import KINDS, matchable_kinds

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 413, 422, 429)
}
hashing = APIRouter(prefix="/h", tags=["hma: hashing"], responses=ERRORS)
matching = APIRouter(prefix="/m", tags=["hma: matching"], responses=ERRORS)
curation = APIRouter(prefix="/c", tags=["hma: curation"], responses=ERRORS)
status = APIRouter(tags=["hma: status"], responses=ERRORS)

Lookup = Annotated[Principal, Depends(Require(Capability.LOOKUP))]
Admin = Annotated[Principal, Depends(Require(Capability.ADMINISTER))]
CONTENT_FIELDS = ("photo", "video", "file")
NO_URL = "url: crible fetches nothing from the network; upload the file with POST instead"


async def _upload_signals(request: Request) -> dict[str, str]:
    """HMA's hash of an upload: ``{signal type: hash}`` (the field names the content type)."""
    upload = await one_upload(request, fields=CONTENT_FIELDS)
    limit = settings_of(request).max_upload_bytes
    hashes = await run_in_threadpool(hash_upload, upload.file, max_image_bytes=limit)
    signals = signals_of(hashes)
    if upload.filename is not None and "video" in (upload.content_type or ""):
        signals["video_md5"] = signals["md5"]
    return signals


# --- hashing ---


@hashing.get("/hash")
async def hash_get(
    _: Lookup, url: Annotated[str | None, Query(max_length=2000)] = None
) -> dict[str, str]:
    """HMA's hash-by-URL: refused (crible does not fetch URLs)."""
    raise BadInput(NO_URL)


@hashing.post("/hash", openapi_extra=MULTIPART_BODY)
async def hash_post(request: Request, _: Lookup) -> dict[str, str]:
    """Hash an uploaded file (form field ``photo``, ``video`` or ``file``)."""
    return await _upload_signals(request)


# --- matching ---


def _in_banks(matches: list[Match], wanted: set[str] | None) -> list[Match]:
    return [m for m in matches if wanted is None or m.bank_name in wanted]


def _content(m: Match) -> dict[str, Any]:
    return {"bank_content_id": m.entry_id, "distance": str(m.distance)}


def _by_bank(matches: list[Match], wanted: set[str] | None) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for m in _in_banks(matches, wanted):
        result.setdefault(m.bank_name, []).append(_content(m))
    return result


def _banks_param(value: str | None) -> set[str] | None:
    """The bank names of a ``banks=a,b`` filter; None (every bank) when it names none."""
    return {b.strip() for b in (value or "").split(",") if b.strip()} or None


@matching.get("/raw_lookup")
async def raw_lookup(
    request: Request,
    _: Lookup,
    signal_type: Annotated[str, Query(max_length=40)],
    signal: Annotated[str, Query(max_length=200)],
    include_distance: bool = False,
    banks: Annotated[str | None, Query(max_length=2000)] = None,
) -> JSONResponse:
    """``{"matches": [content ids]}``, or with distances ``[{bank_content_id, distance}]``."""
    kind, value = parse_signal(signal_type, signal, fields=("signal_type", "signal"))
    found = _in_banks(lookup_of(request).lookup(kind, value), _banks_param(banks))
    payload = [_content(m) if include_distance else m.entry_id for m in found]
    return JSONResponse({"matches": payload})


@matching.get("/lookup")
async def lookup_get(
    request: Request,
    _: Lookup,
    signal_type: Annotated[str | None, Query(max_length=40)] = None,
    signal: Annotated[str | None, Query(max_length=200)] = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    banks: Annotated[str | None, Query(max_length=2000)] = None,
    seed: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """``{bank name: [{bank_content_id, distance}]}`` for one hash."""
    if url:
        raise BadInput(NO_URL)
    if not signal or not signal_type:
        raise BadInput(
            "signal, signal_type: either url or both signal and signal_type are required"
        )
    kind, value = parse_signal(signal_type, signal, fields=("signal_type", "signal"))
    return JSONResponse(_by_bank(lookup_of(request).lookup(kind, value), _banks_param(banks)))


@matching.post("/lookup", openapi_extra=MULTIPART_BODY)
async def lookup_post(
    request: Request,
    _: Lookup,
    banks: Annotated[str | None, Query(max_length=2000)] = None,
) -> JSONResponse:
    """``{signal type: {bank name: [{bank_content_id, distance}]}}`` for an uploaded file."""
    signals = await _upload_signals(request)
    wanted = _banks_param(banks)
    index = lookup_of(request)
    result: dict[str, Any] = {}
    for name, value in signals.items():
        kind, normalised = parse_signal(name, value)
        found = await run_in_threadpool(index.lookup, kind, normalised)
        result[name] = _by_bank(found, wanted)
    return JSONResponse(result)


@matching.post("/compare")
async def compare(
    request: Request, _: Lookup, body: Annotated[dict[str, list[str]], Body()]
) -> dict[str, list[Any]]:
    """``{"pdq": [a, b]}`` -> ``{"pdq": [is a match, {"distance": d}]}``."""
    result: dict[str, list[Any]] = {}
    for name, pair in body.items():
        if len(pair) != 2:
            raise BadInput(f"{name}: comparison hash list length must be exactly 2")
        kind, left = parse_signal(name, pair[0], fields=(name, name))
        right = parse_signal(name, pair[1], fields=(name, name))[1]
        distance = KINDS[kind].compare(left, right)
        if kind is SignalType.PDQ:
            threshold = settings_of(request).pdq_threshold
        else:
            threshold = KINDS[kind].default_threshold
        result[name] = [distance <= threshold, {"distance": distance}]
    return result


@curation.get("/signal_type")
async def signal_types(_: Lookup) -> dict[str, Any]:
    """The signal types this server hashes and matches (HMA's shape), from the registry."""
    return {str(kind): {"enabled_ratio": 1.0} for kind in matchable_kinds()}


@matching.get("/index/status")
async def index_status(request: Request, _: Lookup) -> dict[str, Any]:
    """Size of the in-memory indexes, HMA's shape."""
    size = lookup_of(request).pdq_entries
    return {"pdq": {"present": True, "built_to": -1, "size": size}}


# --- curation ---


def _bank_config(bank: Bank) -> dict[str, Any]:
    return {"name": bank.name, "matching_enabled_ratio": 1.0 if bank.enabled else 0.0}


def _enabled_from(data: dict[str, Any], default: bool) -> bool:
    if "enabled_ratio" in data:
        ratio = data["enabled_ratio"]
        if ratio not in (0, 1, 0.0, 1.0, "0", "1"):
            raise BadInput("enabled_ratio: crible banks are enabled (1) or disabled (0)")
        return float(ratio) == 1.0
    if "enabled" in data:
        return str(data["enabled"]).lower() in ("1", "true", "yes")
    return default


@curation.get("/banks")
def banks_index(request: Request, _: Lookup) -> list[dict[str, Any]]:
    """Every bank, HMA's BankConfig shape."""
    return [_bank_config(b) for b in store_of(request).banks.all()]


@curation.post("/banks", status_code=201)
def bank_create(
    request: Request, principal: Admin, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Create an empty bank (``{"name": ..., "enabled": ...}``)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadInput("name: a bank name is required")
    store = store_of(request)
    bank = store.banks.create(Bank(name=name.strip(), enabled=_enabled_from(body, True)))
    audit.record(store, principal.user.name, AuditAction.BANK_CHANGE, bank.name, change="create")
    lookup_of(request).reload()
    return _bank_config(bank)


@curation.get("/bank/{bank_name}")
def bank_show(request: Request, _: Lookup, bank_name: str) -> dict[str, Any]:
    return _bank_config(store_of(request).banks.get(bank_name))


@curation.put("/bank/{bank_name}")
def bank_update(
    request: Request, principal: Admin, bank_name: str, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Enable or disable a bank (renaming is not supported)."""
    if "name" in body and body["name"] != bank_name:
        raise BadInput("name: renaming a bank is not supported")
    bank = store_of(request).banks.get(bank_name)
    enabled = _enabled_from(body, bank.enabled)
    stats = set_bank_enabled(request, principal.user.name, bank_name, enabled)
    return _bank_config(stats.bank)


@curation.delete("/bank/{bank_name}")
def bank_delete(request: Request, principal: Admin, bank_name: str) -> dict[str, str]:
    store = store_of(request)
    banks.delete_bank(store, bank_name, actor=principal.user.name)
    lookup_of(request).reload()
    return {"message": "Done"}


def _add(request: Request, actor: str, bank_name: str, signals: dict[str, str]) -> dict[str, Any]:
    if not signals:
        raise BadInput("No signals given")
    pairs: list[tuple[SignalType, str]] = []
    for name, value in signals.items():
        if not isinstance(value, str):
            raise InvalidHash(f"{name}: the hash must be a string")
        pairs.append(parse_signal(name, value, fields=(name, name)))
    store = store_of(request)
    ids = add_signals(store, bank_name, pairs, source=f"api:{actor}")
    audit.record(
        store, actor, AuditAction.BANK_CHANGE, bank_name, change="add_signals", entries=ids
    )
    lookup_of(request).reload()
    return {"id": ids[0], "signals": {str(kind): value for kind, value in pairs}}


@curation.post("/bank/{bank_name}/signal")
def bank_add_signal(
    request: Request, principal: Admin, bank_name: str, body: Annotated[dict[str, str], Body()]
) -> dict[str, Any]:
    """Add hashes to a bank: ``{"pdq": "..."}`` -> ``{"id": ..., "signals": {...}}``."""
    return _add(request, principal.user.name, bank_name, body)


@curation.post("/bank/{bank_name}/content", openapi_extra=MULTIPART_BODY)
async def bank_add_content(request: Request, principal: Admin, bank_name: str) -> dict[str, Any]:
    """Hash an uploaded file and add its hashes to a bank."""
    store_of(request).banks.get(bank_name)
    signals = await _upload_signals(request)
    # One content, one id, as in HMA: a picture is banked by its PDQ hash (the MD5 when it
    # has no usable PDQ), so every later lookup reports the id returned here.
    kind = "pdq" if "pdq" in signals else "md5"
    chosen = {kind: signals[kind]}
    return await run_in_threadpool(_add, request, principal.user.name, bank_name, chosen)


@curation.delete("/bank/{bank_name}/content/{content_id}")
def bank_delete_content(
    request: Request, principal: Admin, bank_name: str, content_id: int
) -> dict[str, int]:
    store = store_of(request)
    count = remove_entry(store, bank_name, content_id)
    audit.record(store, principal.user.name, AuditAction.BANK_CHANGE, bank_name, removed=content_id)
    lookup_of(request).reload()
    return {"deleted": count}


# --- status ---


@status.get("/status", response_class=PlainTextResponse)
def status_check(
    request: Request, _: Annotated[Principal, Depends(Require(Capability.SIGNED_IN))]
) -> str:
    """HMA's liveness answer."""
    return "I-AM-ALIVE"
