"""Routes for people: who am I, banks (list, enable/disable) and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from crible.api.schemas import AuditVerifyOut, BankEnabledIn, BankOut, ErrorBody, MeOut
from crible.edge.banks import set_bank_enabled
from crible.edge.security import Principal, Require
from crible.edge.state import store_of
from crible.model.banks import BankStats
from crible.model.users import Capability
from crible.services import audit, banks

router = APIRouter(prefix="/api/v1")
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 403, 404, 422, 429)
}


def bank_out(stats: BankStats) -> dict[str, Any]:
    return {
        "name": stats.bank.name,
        "enabled": stats.bank.enabled,
        "scheme": stats.bank.scheme,
        "entries": stats.total,
        "provider": stats.bank.provenance.provider,
    }


@router.get("/me", response_model=MeOut, responses=ERRORS, tags=["account"])
async def me(principal: Annotated[Principal, Depends(Require(Capability.SIGNED_IN))]) -> MeOut:
    """The account making the request."""
    return MeOut(name=principal.user.name, role=str(principal.user.role))


@router.get("/banks", response_model=list[BankOut], responses=ERRORS, tags=["banks"])
def list_banks(
    request: Request, _: Annotated[Principal, Depends(Require(Capability.INVESTIGATE))]
) -> list[dict[str, Any]]:
    """Every bank with its entry count."""
    return [bank_out(s) for s in banks.list_banks(store_of(request))]


@router.put("/banks/{name}/enabled", response_model=BankOut, responses=ERRORS, tags=["banks"])
async def put_bank_enabled(
    request: Request,
    name: str,
    body: BankEnabledIn,
    principal: Annotated[Principal, Depends(Require(Capability.ADMINISTER))],
) -> dict[str, Any]:
    """Enable or disable matching against a bank."""
    stats = await run_in_threadpool(
        set_bank_enabled, request, principal.user.name, name, body.enabled
    )
    return bank_out(stats)


@router.get("/audit/verify", response_model=AuditVerifyOut, responses=ERRORS, tags=["audit"])
def audit_verify(
    request: Request, _: Annotated[Principal, Depends(Require(Capability.ADMINISTER))]
) -> AuditVerifyOut:
    """Walk the audit chain and report the first edited, removed or reordered entry."""
    return AuditVerifyOut(**audit.verification_summary(audit.verify(store_of(request))))


@router.get("/audit", responses=ERRORS, tags=["audit"])
def audit_entries(
    request: Request,
    _: Annotated[Principal, Depends(Require(Capability.ADMINISTER))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[str | None, Query(max_length=40)] = None,
) -> list[dict[str, Any]]:
    """The newest audit entries, oldest first."""
    return [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "detail": e.detail,
            "hash": e.hash,
        }
        for e in audit.entries(store_of(request), action=action, limit=limit)
    ]
