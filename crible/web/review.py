"""The review queue: blurred greyscale thumbnails, reveal one item at a time, decide.

Media bytes go to reviewers only (the REVIEW capability), with ``Cache-Control: no-store``,
and every view is written to the audit log (the bytes never are).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from crible.edge.security import Principal, Require
from crible.edge.settings import ServeSettings
from crible.edge.state import lookup_of, settings_of, store_of
from crible.model.audit import AuditAction
from crible.model.categories import SCHEMES
from crible.model.decisions import ReviewItem, ReviewStatus, Verdict
from crible.model.errors import BadInput, Forbidden, NotFound
from crible.model.users import Capability
from crible.services import audit, auth
from crible.services import review as reviews
from crible.store import Store
from crible.store.read.media import MediaRows
from crible.web.app import page
from crible.web.media import media_bytes, render

router = APIRouter(prefix="/review", include_in_schema=False)
Reviewer = Annotated[Principal, Depends(Require(Capability.REVIEW))]
SHA256 = r"^[0-9a-f]{64}$"
NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}
QUEUE_WINDOW = 500


def _status(value: str | None) -> ReviewStatus | None:
    if value == "all":
        return None
    if not value:
        return ReviewStatus.PENDING
    try:
        return ReviewStatus(value)
    except ValueError as exc:
        known = ", ".join(s.value for s in ReviewStatus)
        raise BadInput(f"status: {value!r} is not one of all, {known}") from exc


def _category_choices() -> list[str]:
    return [f"{s.name}:{code}" for s in SCHEMES.values() for code in s.ranks]


def _review_settings(request: Request) -> reviews.ReviewSettings:
    """The server's override, else the store's own setting (resolved by the service)."""
    count = settings_of(request).required_confirmations
    return reviews.DEFAULT if count is None else reviews.ReviewSettings(count)


def _exposure(principal: Principal, settings: ServeSettings) -> dict[str, Any]:
    reveals = principal.session.reveals if principal.session is not None else 0
    return {
        "reveals": reveals,
        "break_after": settings.break_after_reveals,
        "take_break": reveals >= settings.break_after_reveals,
    }


@router.get("")
def queue(
    request: Request,
    principal: Reviewer,
    category: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    """Files to review, most urgent first, each as a blurred greyscale thumbnail."""
    items = reviews.review_queue(
        store_of(request),
        status=_status(status),
        category=category or None,
        limit=50,
        offset=offset,
        settings=_review_settings(request),
    )
    return page(
        request,
        "queue.html",
        principal=principal,
        items=items,
        category=category or "",
        status=status or "pending",
        statuses=["all", *(s.value for s in ReviewStatus)],
        categories=_category_choices(),
        offset=offset,
        **_exposure(principal, settings_of(request)),
    )


def _neighbours(
    store: Store, sha256: str, settings: reviews.ReviewSettings
) -> tuple[str | None, str | None]:
    """The items before and after this one in the pending queue."""
    order = [i.sha256 for i in reviews.review_queue(store, limit=QUEUE_WINDOW, settings=settings)]
    if sha256 not in order:
        return None, order[0] if order else None
    at = order.index(sha256)
    return (order[at - 1] if at > 0 else None, order[at + 1] if at + 1 < len(order) else None)


def _four_eyes(item: ReviewItem) -> str:
    confirmers = [d.reviewer for d in item.decisions if d.verdict is Verdict.CONFIRM]
    if item.status is ReviewStatus.AWAITING_SECOND:
        return f"confirmed by {', '.join(confirmers)}: a second, different reviewer must confirm"
    if item.status is ReviewStatus.CONFIRMED:
        return f"confirmed by {', '.join(confirmers)}"
    return ""


@router.get("/item/{sha256}")
def item_page(
    request: Request,
    principal: Reviewer,
    sha256: str,
    mode: Annotated[str | None, Query(pattern="^(grey|colour)$")] = None,
) -> HTMLResponse:
    """One file: blurred unless this session revealed it; the decision form."""
    store = store_of(request)
    item = reviews.review_item(store, sha256, _review_settings(request))
    revealed = (
        principal.session is not None
        and principal.session.revealed_sha256 == item.sha256
        and mode is not None
    )
    previous, following = _neighbours(store, item.sha256, _review_settings(request))
    default_category = (
        f"{item.categories[0].scheme}:{item.categories[0].code}" if item.categories else ""
    )
    return page(
        request,
        "item.html",
        principal=principal,
        item=item,
        revealed=revealed,
        mode=mode or "grey",
        previous=previous,
        following=following,
        categories=_category_choices(),
        default_category=default_category,
        four_eyes=_four_eyes(item),
        **_exposure(principal, settings_of(request)),
    )


def _known_media(store: Store, sha256: str) -> str:
    """The normalised SHA-256 of a media file the store holds, or NotFound (a cheap check:
    a queue page asks for fifty thumbnails)."""
    sha = sha256.strip().lower()
    with MediaRows.of(store) as rows:
        found = rows.known(sha)
    if not found:
        raise NotFound(f"no media file with SHA-256 {sha256[:64]}")
    return sha


@router.get("/media/{sha256}/thumb")
def thumbnail(request: Request, principal: Reviewer, sha256: str) -> Response:
    """A strongly blurred, greyscale thumbnail (a video: a storyboard of blurred frames)."""
    store = store_of(request)
    sha = _known_media(store, sha256)
    picture = render(media_bytes(store, sha), clear=False, grey=True)
    audit.record(store, principal.user.name, AuditAction.MEDIA_VIEW, sha, blurred=True)
    return Response(picture, media_type="image/jpeg", headers=NO_STORE)


@router.post("/item/{sha256}/reveal")
async def reveal(
    request: Request,
    principal: Reviewer,
    sha256: str,
    mode: Annotated[str, Form(pattern="^(grey|colour)$")] = "grey",
) -> Response:
    """Reveal this item (and hide any other): counted in the session's exposure counter."""
    session = principal.session
    if session is None:
        raise Forbidden("revealing media needs a signed-in browser session")
    store = store_of(request)
    sha = await run_in_threadpool(_known_media, store, sha256)
    count = await run_in_threadpool(auth.users(store).set_revealed, session.id, sha)
    await run_in_threadpool(
        audit.record,
        store,
        principal.user.name,
        AuditAction.MEDIA_REVEAL,
        sha,
        mode=mode,
        reveals=count,
    )
    return RedirectResponse(f"/review/item/{sha}?mode={mode}", status_code=303)


@router.get("/media/{sha256}/clear")
def clear(
    request: Request,
    principal: Reviewer,
    sha256: str,
    mode: Annotated[str, Query(pattern="^(grey|colour)$")] = "grey",
) -> Response:
    """The clear picture of the one item this session revealed (re-encoded, never the file)."""
    session = principal.session
    if session is None or session.revealed_sha256 != sha256:
        raise Forbidden("reveal this item first (one item at a time)")
    store = store_of(request)
    picture = render(media_bytes(store, sha256), clear=True, grey=mode == "grey")
    audit.record(store, principal.user.name, AuditAction.MEDIA_VIEW, sha256, mode=mode)
    return Response(picture, media_type="image/jpeg", headers=NO_STORE)


@router.post("/item/{sha256}/decide")
async def decide(
    request: Request,
    principal: Reviewer,
    sha256: str,
    verdict: Annotated[str, Form(pattern="^(confirm|reject|escalate)$")],
    category: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    entry_id: Annotated[int | None, Form()] = None,
) -> Response:
    """Record a decision through the review service, hide the item, go to the next one."""
    store = store_of(request)
    chosen = Verdict(verdict)
    parsed = reviews.parse_category(category) if chosen is Verdict.CONFIRM and category else None
    decision = await run_in_threadpool(
        lambda: reviews.decide(
            store,
            sha256,
            chosen,
            principal.user.name,
            category=parsed,
            entry_id=entry_id,
            note=note,
            settings=_review_settings(request),
        )
    )
    if chosen is Verdict.REJECT:  # the suppressed entry must stop matching lookups too
        lookup_of(request).reload_soon()
    if principal.session is not None:
        await run_in_threadpool(auth.users(store).set_revealed, principal.session.id, None)
    _, following = await run_in_threadpool(
        _neighbours, store, decision.sha256, _review_settings(request)
    )
    target = f"/review/item/{following}" if following else "/review"
    return RedirectResponse(target, status_code=303)
