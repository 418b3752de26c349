"""Investigation pages: banks (enable/disable), chats and their messages, scans, ingests."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from crible.edge.banks import set_bank_enabled
from crible.edge.security import Principal, Require
from crible.edge.state import store_of
from crible.model.users import Capability
from crible.services import banks, views
from crible.services.processes import shown_status
from crible.store.read.runs import RunRows
from crible.web.app import page

router = APIRouter(include_in_schema=False)
Investigator = Annotated[Principal, Depends(Require(Capability.INVESTIGATE))]
Admin = Annotated[Principal, Depends(Require(Capability.ADMINISTER))]


@router.get("/banks")
def bank_list(request: Request, principal: Investigator) -> HTMLResponse:
    """Banks with their counts; admins can enable or disable them."""
    return page(
        request,
        "banks.html",
        principal=principal,
        banks=banks.list_banks(store_of(request)),
        may_change=principal.user.may(Capability.ADMINISTER),
    )


@router.post("/banks/{name}/enabled")
async def bank_enabled(
    request: Request,
    principal: Admin,
    name: str,
    enabled: Annotated[str, Form(pattern="^(on|off)$")],
) -> Response:
    """Enable or disable a bank (audited; the lookup index is rebuilt)."""
    await run_in_threadpool(set_bank_enabled, request, principal.user.name, name, enabled == "on")
    return RedirectResponse("/banks", status_code=303)


@router.get("/chats")
def chat_list(request: Request, principal: Investigator) -> HTMLResponse:
    return page(
        request, "chats.html", principal=principal, chats=views.list_chats(store_of(request))
    )


@router.get("/chats/{key}")
def chat_messages(
    request: Request,
    principal: Investigator,
    key: str,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> HTMLResponse:
    """A chat's messages in time order (media are listed by hash, never shown here)."""
    found = views.list_messages(store_of(request), chat=key, limit=limit)
    return page(request, "messages.html", principal=principal, chat=key, messages=found)


@router.get("/scans")
def scan_list(request: Request, principal: Investigator) -> HTMLResponse:
    """Scan runs with their status and item counts."""
    with RunRows.of(store_of(request)) as rows:
        scans = rows.scans()
    runs: list[dict[str, Any]] = [
        {
            "id": r.id,
            "roots": ", ".join(json.loads(r.roots)) if r.roots.startswith("[") else r.roots,
            "status": shown_status(r.status, r.owner),
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "item_count": r.item_count,
        }
        for r in scans
    ]
    return page(request, "scans.html", principal=principal, runs=runs)


@router.get("/ingests")
def ingest_list(request: Request, principal: Investigator) -> HTMLResponse:
    """Chat-export ingests with their status and problems."""
    with RunRows.of(store_of(request)) as rows:
        found = rows.ingests()
    return page(request, "ingests.html", principal=principal, ingests=[asdict(r) for r in found])
