"""Investigation pages: suspects ranked with their reasons, account profiles with timeline,
and the network picture. The analysis is computed from the store on each request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from crible.edge.security import Principal, Require
from crible.edge.state import store_of
from crible.model.users import Capability
from crible.services.network_pictures import network_picture, timeline_picture
from crible.services.profile import account_profile
from crible.services.suspects import latest_analysis
from crible.web.app import page

router = APIRouter(include_in_schema=False)
Investigator = Annotated[Principal, Depends(Require(Capability.INVESTIGATE))]
NO_STORE = {"Cache-Control": "no-store, private"}


@router.get("/suspects")
def suspects(request: Request, principal: Investigator) -> HTMLResponse:
    """Accounts ranked by score, each with the reasons that make it up."""
    analysis = latest_analysis(store_of(request))
    return page(request, "suspects.html", principal=principal, suspects=analysis.suspects[:200])


@router.get("/suspects/network.png")
def network(request: Request, principal: Investigator) -> Response:
    """The network of accounts and chats, communities coloured, top suspects labelled."""
    picture = network_picture(latest_analysis(store_of(request)))
    return Response(picture, media_type="image/png", headers=NO_STORE)


@router.get("/accounts/{account_id}")
def account(request: Request, principal: Investigator, account_id: int) -> HTMLResponse:
    """One account: names, chats, known files posted (hashes only), reasons, timeline."""
    profile = account_profile(store_of(request), account_id)
    return page(request, "account.html", principal=principal, profile=profile)


@router.get("/accounts/{account_id}/timeline.png")
def timeline(request: Request, principal: Investigator, account_id: int) -> Response:
    """The account's activity over time, one row a chat."""
    picture = timeline_picture(account_profile(store_of(request), account_id))
    return Response(picture, media_type="image/png", headers=NO_STORE)
