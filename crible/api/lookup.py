"""Lookup routes for platforms: ``/api/v1/lookup`` (a given hash) and ``/api/v1/lookup/file``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from crible.api.schemas import ErrorBody, FileLookupOut, HashLookupOut, match_out
from crible.api.uploads import MULTIPART_BODY, one_upload
from crible.edge.security import Principal, Require
from crible.edge.state import lookup_of, settings_of
from crible.model.errors import BadInput
from crible.model.users import Capability
from crible.services.lookup import parse_signal, signals_of
from crible.signals.kinds import matchable_kinds

router = APIRouter(prefix="/api/v1", tags=["lookup"])
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (401, 403, 413, 422, 429)
}
LookupCaller = Annotated[Principal, Depends(Require(Capability.LOOKUP))]


LOOKUP_PARAMETERS: dict[str, Any] = {
    "parameters": [
        {
            "name": "signal_type",
            "in": "query",
            "required": True,
            "description": ", ".join(sorted(str(k) for k in matchable_kinds())),
            "schema": {"type": "string", "enum": sorted(str(k) for k in matchable_kinds())},
        },
        {
            "name": "value",
            "in": "query",
            "required": True,
            "description": "the hash, in hex (32, 40 or 64 digits as the type requires)",
            "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{32,64}$"},
        },
    ]
}
"""Documented by hand: the route reads its two parameters itself, the hot path of platforms
(FastAPI's per-parameter validation doubled the cost of a lookup; measured, benchmarks/api.py)."""


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None:
        raise BadInput(f"{name}: the query parameter is required")
    if len(value) > 200:
        raise BadInput(f"{name}: longer than 200 characters")
    return value


@router.get(
    "/lookup", response_model=HashLookupOut, responses=ERRORS, openapi_extra=LOOKUP_PARAMETERS
)
async def lookup_hash(request: Request, _: LookupCaller) -> Response:
    """Entries of enabled banks that match a hash (PDQ within the distance threshold)."""
    kind, normalised = parse_signal(_param(request, "signal_type"), _param(request, "value"))
    matches = lookup_of(request).lookup(kind, normalised)
    body = {
        "signal_type": str(kind),
        "value": normalised,
        "matches": [match_out(m) for m in matches],
    }
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


@router.post(
    "/lookup/file", response_model=FileLookupOut, responses=ERRORS, openapi_extra=MULTIPART_BODY
)
async def lookup_file(request: Request, _: LookupCaller) -> JSONResponse:
    """Hash an uploaded file (SHA-256, SHA-1, MD5, PDQ) and look it up in the enabled banks."""
    upload = await one_upload(request)
    settings = settings_of(request)
    found = await run_in_threadpool(
        lookup_of(request).lookup_file, upload.file, max_image_bytes=settings.max_upload_bytes
    )
    hashes = found.hashes
    return JSONResponse(
        {
            "sha256": hashes.sha256,
            "size": hashes.crypto.size,
            "hashes": signals_of(hashes),
            "pdq_status": str(hashes.pdq_status),
            "pdq_quality": hashes.pdq.quality if hashes.pdq is not None else None,
            "matches": [match_out(m) for m in found.matches],
        }
    )
