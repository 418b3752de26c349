"""A platform client written for HMA (OpenMediaMatch) works against crible unchanged:
the same routes, request shapes and response shapes, through a real server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crible.model.users import Role
from crible.services import auth
from crible.services.demo_media import picture
from crible.signals.media import hash_media
from crible.store import Store
from tests.e2e.server import running_server


def jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    picture(seed).save(out, format="JPEG", quality=92)
    return out.getvalue()


@pytest.fixture(scope="module")
def hma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """(admin client, platform client), both with API tokens, on an empty store."""
    folder: Path = tmp_path_factory.mktemp("hma")
    store = Store.open(f"sqlite:///{folder / 'crible.db'}")
    auth.add_user(store, "curator", Role.ADMIN, None, actor="test")
    auth.add_user(store, "platform", Role.PLATFORM, None, actor="test")
    admin_token = auth.new_token(store, "curator", actor="test")
    platform_token = auth.new_token(store, "platform", actor="test")
    with (
        running_server(store) as server,
        httpx.Client(base_url=server.url, headers=_bearer(admin_token)) as admin,
        httpx.Client(base_url=server.url, headers=_bearer(platform_token)) as platform,
    ):
        yield admin, platform
    store.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_curation_hashing_and_matching_round_trip(
    hma: tuple[httpx.Client, httpx.Client],
) -> None:
    admin, platform = hma
    created = admin.post("/c/banks", json={"name": "TEST_BANK", "enabled": True})
    assert created.status_code == 201
    assert created.json() == {"name": "TEST_BANK", "matching_enabled_ratio": 1.0}
    assert admin.get("/c/bank/TEST_BANK").json()["matching_enabled_ratio"] == 1.0
    assert {"name": "TEST_BANK", "matching_enabled_ratio": 1.0} in platform.get("/c/banks").json()

    added = admin.post("/c/bank/TEST_BANK/content", files={"photo": ("a.jpg", jpeg(7))})
    assert added.status_code == 200, added.text
    content_id = added.json()["id"]
    pdq = added.json()["signals"]["pdq"]
    assert isinstance(content_id, int)

    hashed = platform.post("/h/hash", files={"photo": ("b.jpg", jpeg(7))}).json()
    assert hashed["pdq"] == pdq
    assert hashed["md5"] == hash_media(io.BytesIO(jpeg(7))).crypto.md5

    raw = platform.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": pdq}).json()
    assert raw == {"matches": [content_id]}
    with_distance = platform.get(
        "/m/raw_lookup",
        params={"signal_type": "pdq", "signal": pdq, "include_distance": "true"},
    ).json()
    assert with_distance == {"matches": [{"bank_content_id": content_id, "distance": "0"}]}

    lookup = platform.get("/m/lookup", params={"signal_type": "pdq", "signal": pdq}).json()
    assert lookup == {"TEST_BANK": [{"bank_content_id": content_id, "distance": "0"}]}
    by_file = platform.post("/m/lookup", files={"photo": ("c.jpg", jpeg(7))}).json()
    assert by_file["pdq"] == {"TEST_BANK": [{"bank_content_id": content_id, "distance": "0"}]}
    assert platform.post("/m/lookup", files={"photo": ("d.jpg", jpeg(8))}).json()["pdq"] == {}


def test_signal_added_directly_and_disabled_bank_stops_matching(
    hma: tuple[httpx.Client, httpx.Client],
) -> None:
    admin, platform = hma
    admin.post("/c/banks", json={"name": "SIGNALS"})
    pdq = f"{0x0123456789ABCDEF:064x}"
    added = admin.post("/c/bank/SIGNALS/signal", json={"pdq": pdq}).json()
    assert added["signals"] == {"pdq": pdq}
    params = {"signal_type": "pdq", "signal": pdq}
    assert platform.get("/m/lookup", params=params).json()["SIGNALS"][0]["distance"] == "0"
    for names in (",", " , "):  # a filter naming no bank filters nothing, on both routes
        unfiltered = {**params, "banks": names}
        assert "SIGNALS" in platform.get("/m/lookup", params=unfiltered).json()
        assert platform.get("/m/raw_lookup", params=unfiltered).json()["matches"] == [added["id"]]
    other = {**params, "banks": "NOT_THIS_ONE"}
    assert platform.get("/m/lookup", params=other).json() == {}
    assert platform.get("/m/raw_lookup", params=other).json() == {"matches": []}

    updated = admin.put("/c/bank/SIGNALS", json={"enabled": False}).json()
    assert updated == {"name": "SIGNALS", "matching_enabled_ratio": 0.0}
    assert "SIGNALS" not in platform.get("/m/lookup", params=params).json()

    admin.put("/c/bank/SIGNALS", json={"enabled_ratio": 1.0})
    deleted = admin.delete(f"/c/bank/SIGNALS/content/{added['id']}").json()
    assert deleted == {"deleted": 1}
    assert platform.get("/m/raw_lookup", params=params).json() == {"matches": []}
    assert admin.delete("/c/bank/SIGNALS").json() == {"message": "Done"}
    assert admin.get("/c/bank/SIGNALS").status_code == 404


def test_compare_and_status(hma: tuple[httpx.Client, httpx.Client]) -> None:
    _, platform = hma
    left = "f" * 64
    right = "0" + "f" * 63
    compared = platform.post("/m/compare", json={"pdq": [left, right]}).json()
    assert compared == {"pdq": [True, {"distance": 4}]}
    far = platform.post("/m/compare", json={"pdq": [left, "0" * 64]}).json()
    assert far == {"pdq": [False, {"distance": 256}]}
    status = platform.get("/status")
    assert (status.status_code, status.text) == (200, "I-AM-ALIVE")
    assert platform.get("/m/index/status").json()["pdq"]["present"] is True


def test_signal_types_are_the_registry_s_matchable_kinds(
    hma: tuple[httpx.Client, httpx.Client],
) -> None:
    _, platform = hma
    listed = platform.get("/c/signal_type").json()
    assert listed == {name: {"enabled_ratio": 1.0} for name in ("sha256", "sha1", "md5", "pdq")}
    assert platform.post("/m/compare", json={"md5": ["a" * 32, "A" * 32]}).json() == {
        "md5": [True, {"distance": 0}]
    }


def test_hma_errors_carry_message_and_refuse_what_crible_will_not_do(
    hma: tuple[httpx.Client, httpx.Client],
) -> None:
    admin, platform = hma
    bad = platform.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": "nothex"})
    assert bad.status_code == 422
    assert "signal" in bad.json()["message"]
    unknown = platform.get("/m/lookup", params={"signal_type": "tmk", "signal": "x"})
    assert "signal_type" in unknown.json()["detail"]
    url = platform.get("/h/hash", params={"url": "http://example.invalid/a.jpg"})
    assert url.status_code == 422
    assert "network" in url.json()["detail"]
    pair = platform.post("/m/compare", json={"pdq": ["f" * 64]})
    assert "exactly 2" in pair.json()["detail"]
    assert platform.post("/c/banks", json={"name": "NOPE"}).status_code == 403
    assert admin.post("/c/banks", json={"name": "TWICE"}).status_code == 201
    assert admin.post("/c/banks", json={"name": "TWICE"}).status_code == 409
