"""A generated investigation for the network-analysis benchmark, written straight into a
crible store: accounts, chats, messages (text, media, forwards, replies, mentions and
service messages for creations, joins, invitations and departures), membership events,
media with hashes, and a bank whose entries match the known share of the media.

Run: ``.venv/bin/python benchmarks/network_data.py --db /tmp/network.db`` (defaults: 1M
messages, 100k accounts, 2k chats, 50k media). The store must hold no chat data yet.

Structure: heavy-tailed (Zipf-like) chat sizes, activity and media posting, so a few chats
have thousands of members, a few accounts post most of the media and most post little or
nothing; files are re-shared across chats (some as forwards from their first poster) and
5% are PDQ near-duplicates of another file. Planted roles, whose account ids come back in
the result as ``role:<name>``: ``source`` (first to post files in no bank, which others then
re-share), ``distributor`` (posts many known files across many chats), ``inviter`` (creates
chats and invites many accounts), ``bridge`` (forwards files from one chat into another)
and ``passive`` (member of many chats, never posts). Those five take no part in the
generated background activity.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.progress import Progress
from sqlalchemy import Connection, Table, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crible.model.errors import Conflict
from crible.store import Store
from crible.store.columns import now
from crible.store.sql import batched, new_id
from crible.store.tables import (
    account_names,
    accounts,
    bank_entries,
    banks,
    chats,
    ingests,
    matches,
    media,
    media_signals,
    membership_events,
    message_entities,
    message_media,
    message_sources,
    messages,
)

Ints = NDArray[np.int64]
START = datetime(2025, 7, 1, tzinfo=UTC)
SPAN = 304 * 86400.0
"""Ten months, in seconds."""
BATCH = 20_000
ROLES = ("source", "distributor", "inviter", "bridge", "passive")
ACTIONS = ("", "create_group", "join_group_by_link", "invite_members", "remove_members")
EVENTS = ("", "create", "join", "invite", "remove")
CREATE, JOIN, INVITE, REMOVE = 1, 2, 3, 4
_FIRST = (  # noqa: SIM905
    "Alex Sam Robin Kim Noa Lou Max Eli Jo Ari Charlie Dany Yuri Lea Tom Ines"
).split()
_WORDS = (  # noqa: SIM905
    "hello thanks later tomorrow morning evening weather train coffee music film photo "
    "market garden river bridge station ticket lunch dinner holiday sunset kitchen rain "
    "football concert library museum bakery forest harbour island mountain bicycle"
).split()


class Columns:
    """Parallel integer columns gathered in parts, then joined into arrays."""

    def __init__(self, *names: str) -> None:
        self.parts: dict[str, list[NDArray[Any]]] = {name: [] for name in names}

    def add(self, count: int, **values: Any) -> None:
        for name, parts in self.parts.items():
            value = values.pop(name, -1)
            parts.append(np.broadcast_to(np.asarray(value), (count,)).copy())
        if values:
            raise KeyError(f"unknown columns: {sorted(values)}")

    def join(self) -> dict[str, NDArray[Any]]:
        return {name: np.concatenate(parts) for name, parts in self.parts.items()}


def _zipf(rng: np.random.Generator, count: int, exponent: float) -> NDArray[np.float64]:
    """Weights summing to 1 that fall as rank^-exponent, in random order."""
    weights = 1.0 / np.power(rng.permutation(count) + 1.0, exponent)
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _pick(rng: np.random.Generator, starts: Ints, counts: Ints, owners: Ints) -> Ints:
    """For each owner, a random row among its rows (``starts``/``counts`` by owner)."""
    return starts[owners] + (rng.random(len(owners)) * counts[owners]).astype(np.int64)


class Plan:
    """The whole investigation as arrays, before it is written."""

    def __init__(
        self,
        messages: int,
        accounts: int,
        chats: int,
        files: int,
        known_share: float,
        seed: int,
        file_skew: float = 0.9,
    ) -> None:
        if accounts < 50 or chats < 4 or files < 40 or messages < 1000:
            raise ValueError("too small: at least 1000 messages, 50 accounts, 4 chats, 40 media")
        self.rng = rng = np.random.default_rng(seed)
        self.file_skew = file_skew
        self.n_accounts, self.n_chats, self.n_files = accounts, chats, files
        self.roles = dict(zip(ROLES, rng.choice(accounts, len(ROLES), replace=False), strict=True))
        self.n_new = max(5, min(20, files // 100))
        self.new_files = np.arange(files - self.n_new, files)
        self.n_known = max(1, round((files - self.n_new) * known_share))
        self.known_files = rng.choice(files - self.n_new, self.n_known, replace=False)
        self.msg = Columns(
            "chat",
            "sender",
            "t",
            "action",
            "file",
            "fwd_account",
            "fwd_chat",
            "subject",
            "by",
            "mention",
            "reply",
        )
        self.activity = rng.permutation(accounts) + 1.0
        self._memberships()
        self._roles(messages)
        self._service()
        self._background(messages - self._planned())
        self.m = self.msg.join()
        self._order()

    def _planned(self) -> int:
        return sum(len(part) for part in self.msg.parts["chat"])

    def _memberships(self) -> None:
        """Who is in which chat, how and when they came (or were there from the start),
        and when some of them left."""
        rng, n_acc, n_chat, roles = self.rng, self.n_accounts, self.n_chats, self.roles
        chat_weight = _zipf(rng, n_chat, 1.0)
        self.creator = rng.choice(n_acc, n_chat, p=self._weights(0.8))
        by_size = np.argsort(-chat_weight)
        self.bridge_chats = by_size[[n_chat // 3, n_chat // 2]]
        self.invite_chats = rng.choice(n_chat, min(8, n_chat), replace=False)
        self.creator[self.invite_chats[:2]] = roles["inviter"]
        invitees = rng.choice(n_acc, max(15, n_acc // 1000), replace=False)
        invitees = invitees[~np.isin(invitees, list(roles.values()))]
        per_account = np.minimum(rng.zipf(2.5, n_acc), 40)
        generic = np.repeat(np.arange(n_acc), per_account)
        # how each member came: 0 there from the start (no event), 1 created the chat,
        # 2 joined by link, 3 invited by the chat's creator, 4 invited by the planted inviter
        generic_mode = rng.choice([0, 2, 3], len(generic), p=[0.8, 0.12, 0.08])
        parts: list[tuple[Any, Any, int | Any]] = [
            (self.creator, np.arange(n_chat), 1),
            (roles["inviter"], self.invite_chats, 0),
            (roles["distributor"], by_size[: max(2, min(10, n_chat // 4))], 2),
            (roles["passive"], rng.choice(n_chat, min(12, n_chat), replace=False), 2),
            (roles["source"], by_size[[1, n_chat // 4, n_chat // 2 + 1]], 2),
            (roles["bridge"], self.bridge_chats, 2),
            (invitees, rng.choice(self.invite_chats, len(invitees)), 4),
            (generic, rng.choice(n_chat, len(generic), p=chat_weight), generic_mode),
        ]
        sizes = [len(np.atleast_1d(c)) for _, c, _ in parts]
        acc = np.concatenate(
            [np.broadcast_to(a, (n,)) for (a, _, _), n in zip(parts, sizes, strict=True)]
        )
        chat = np.concatenate([np.atleast_1d(c) for _, c, _ in parts])
        mode = np.concatenate(
            [np.broadcast_to(w, (n,)) for (_, _, w), n in zip(parts, sizes, strict=True)]
        )
        _, first = np.unique(acc * n_chat + chat, return_index=True)
        first.sort()
        self.mem_account, self.mem_chat, mode = acc[first], chat[first], mode[first]
        count = len(first)
        self.created = rng.uniform(0, 0.05 * SPAN, n_chat)
        joined = self.created[self.mem_chat].copy()
        in_window = mode >= 2
        joined[in_window] += rng.uniform(0, 0.6 * SPAN, int(in_window.sum()))
        left = np.full(count, SPAN)
        leaves = (rng.random(count) < 0.05) & (mode != 1)
        leaves[np.isin(self.mem_account, list(roles.values()))] = False
        left[leaves] = joined[leaves] + rng.uniform(0.05, 1.0, int(leaves.sum())) * (
            SPAN - joined[leaves]
        )
        self.mem_mode, self.mem_joined, self.mem_left, self.mem_leaves = mode, joined, left, leaves
        self.acc_rows = np.argsort(self.mem_account, kind="stable")
        self.acc_start = np.searchsorted(self.mem_account[self.acc_rows], np.arange(n_acc))
        self.acc_count = np.bincount(self.mem_account, minlength=n_acc)
        self.chat_rows = np.argsort(self.mem_chat, kind="stable")
        self.chat_start = np.searchsorted(self.mem_chat[self.chat_rows], np.arange(n_chat))
        self.chat_count = np.bincount(self.mem_chat, minlength=n_chat)

    def _service(self) -> None:
        """Creations, joins by link, invitations and departures as service messages."""
        mode, chat, acc = self.mem_mode, self.mem_chat, self.mem_account
        creators = np.flatnonzero(mode == 1)
        self.msg.add(
            len(creators),
            chat=chat[creators],
            sender=acc[creators],
            t=self.mem_joined[creators],
            action=CREATE,
            subject=acc[creators],
        )
        link = np.flatnonzero(mode == 2)
        self.msg.add(
            len(link),
            chat=chat[link],
            sender=acc[link],
            t=self.mem_joined[link],
            action=JOIN,
            subject=acc[link],
            by=self.creator[chat[link]],
        )
        for wanted, inviter in ((3, self.creator[chat]), (4, self.roles["inviter"])):
            rows = np.flatnonzero(mode == wanted)
            by = inviter[rows] if isinstance(inviter, np.ndarray) else inviter
            self.msg.add(
                len(rows),
                chat=chat[rows],
                sender=by,
                t=self.mem_joined[rows],
                action=INVITE,
                subject=acc[rows],
            )
        gone = np.flatnonzero(self.mem_leaves)
        self.msg.add(
            len(gone),
            chat=chat[gone],
            sender=acc[gone],
            t=self.mem_left[gone],
            action=REMOVE,
            subject=acc[gone],
        )

    def _member_time(self, rows: Ints, *, low: float = 0.0, high: float = 1.0) -> Any:
        """A time within each membership, between the shares ``low`` and ``high`` of it."""
        start, end = self.mem_joined[rows], self.mem_left[rows]
        return start + (end - start) * self.rng.uniform(low, high, len(rows))

    def _rows_of(self, account: int) -> Ints:
        start = self.acc_start[account]
        return self.acc_rows[start : start + self.acc_count[account]]

    def _roles(self, messages: int) -> None:
        """The planted roles' own messages."""
        rng, roles = self.rng, self.roles
        # source: first to post its new files (early), which others re-share later
        rows = self._rows_of(roles["source"])
        picks = rng.choice(rows, self.n_new)
        first = self._member_time(picks, high=0.2)
        self.msg.add(
            self.n_new,
            chat=self.mem_chat[picks],
            sender=roles["source"],
            t=first,
            file=self.new_files,
        )
        extra = rng.choice(self.known_files, 3)
        self.msg.add(
            3, chat=self.mem_chat[picks[:3]], sender=roles["source"], t=first[:3] + 60, file=extra
        )
        reshares = rng.integers(6, 13, self.n_new)
        files = np.repeat(np.arange(self.n_new), reshares)
        sharers = rng.choice(self.n_accounts, len(files), p=self._weights(1.0))
        shared = _pick(rng, self.acc_start, self.acc_count, sharers)
        shared = self.acc_rows[shared]
        when = np.maximum(self._member_time(shared), first[files] + 3600)
        forwarded = rng.random(len(files)) < 0.5
        self.msg.add(
            len(files),
            chat=self.mem_chat[shared],
            sender=sharers,
            t=when,
            file=self.new_files[files],
            fwd_account=np.where(forwarded, roles["source"], -1),
        )
        # distributor: many known files across its chats, over the months
        count = max(20, messages // 5000)
        rows = rng.choice(self._rows_of(roles["distributor"]), count)
        self.msg.add(
            count,
            chat=self.mem_chat[rows],
            sender=roles["distributor"],
            t=self._member_time(rows),
            file=rng.permutation(np.resize(rng.permutation(self.known_files), count)),
        )
        # bridge: posts in one chat, then forwards the same files into the other
        count = max(15, messages // 25000)
        home, away = self.bridge_chats
        files = rng.choice(self.n_files - self.n_new, count)
        rows = self._rows_of(roles["bridge"])
        since = self.mem_joined[rows[np.isin(self.mem_chat[rows], self.bridge_chats)]].max()
        when = since + rng.uniform(0.05, 0.9, count) * (SPAN - since)
        self.msg.add(count, chat=home, sender=roles["bridge"], t=when, file=files)
        self.msg.add(
            count, chat=away, sender=roles["bridge"], t=when + 1800, file=files, fwd_chat=home
        )

    def _weights(self, exponent: float) -> NDArray[np.float64]:
        """Zipf weights over accounts (one activity ranking), zero for the planted roles."""
        weights = 1.0 / np.power(self.activity, exponent)
        weights[list(self.roles.values())] = 0.0
        return np.asarray(weights / weights.sum(), dtype=np.float64)

    def _background(self, count: int) -> None:
        """Ordinary activity: text (some replies and mentions) and media posts."""
        if count < 0.4 * (count + self._planned()):
            raise ValueError("too few messages for these accounts and chats")
        rng, generic = self.rng, self.n_files - self.n_new
        n_media = max(min(int(0.3 * count), 6 * generic), generic)
        if n_media > count // 2:
            raise ValueError("too few messages to post every media file")
        files = np.concatenate(
            [
                rng.permutation(generic),
                rng.choice(generic, n_media, p=_zipf(rng, generic, self.file_skew)),
            ]
        )[:n_media]
        posters = rng.choice(self.n_accounts, n_media, p=self._weights(1.2))
        rows = self.acc_rows[_pick(rng, self.acc_start, self.acc_count, posters)]
        self.msg.add(
            n_media, chat=self.mem_chat[rows], sender=posters, t=self._member_time(rows), file=files
        )
        n_text = count - n_media
        senders = rng.choice(self.n_accounts, n_text, p=self._weights(1.0))
        rows = self.acc_rows[_pick(rng, self.acc_start, self.acc_count, senders)]
        chat = self.mem_chat[rows]
        mention = np.full(n_text, -1)
        mentioning = np.flatnonzero(rng.random(n_text) < 0.03)
        others = self.chat_rows[_pick(rng, self.chat_start, self.chat_count, chat[mentioning])]
        mention[mentioning] = self.mem_account[others]
        self.msg.add(
            n_text,
            chat=chat,
            sender=senders,
            t=self._member_time(rows),
            mention=mention,
            reply=rng.random(n_text) < 0.15,
        )

    def _order(self) -> None:
        """Sort messages by chat and time, give keys and replies, forwards of re-shares."""
        m, rng = self.m, self.rng
        m["action"] = np.maximum(m["action"], 0)
        m["t"] = np.clip(np.round(m["t"].astype(np.float64)), 0, SPAN)
        order = np.lexsort((m["t"], m["chat"]))
        for name in m:
            m[name] = m[name][order]
        starts = np.searchsorted(m["chat"], np.arange(self.n_chats))
        m["key"] = np.arange(len(order)) - starts[m["chat"]] + 1
        back = np.minimum(rng.integers(1, 21, len(order)), m["key"] - 1)
        m["reply_to"] = np.where((m["reply"] == 1) & (back > 0), m["key"] - back, -1)
        # an eighth of background media posts forward the file's first poster
        has_file = np.flatnonzero(m["file"] >= 0)
        by_time = has_file[np.lexsort((m["t"][has_file], m["file"][has_file]))]
        _, first = np.unique(m["file"][by_time], return_index=True)
        self.first_post = dict(zip(m["file"][by_time[first]], by_time[first], strict=True))
        origin = np.full(self.n_files, -1)
        origin[m["file"][by_time[first]]] = m["sender"][by_time[first]]
        fwd = has_file[(rng.random(len(has_file)) < 0.125) & (m["fwd_account"][has_file] < 0)]
        fwd = fwd[(m["fwd_chat"][fwd] < 0) & (origin[m["file"][fwd]] != m["sender"][fwd])]
        fwd = fwd[~np.isin(m["sender"][fwd], list(self.roles.values()))]
        m["fwd_account"][fwd] = origin[m["file"][fwd]]


def _names(count: int) -> list[str]:
    return [f"{_FIRST[i % len(_FIRST)]} {i}" for i in range(count)]


def _next_id(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def _hex(rng: np.random.Generator, count: int, size: int) -> list[str]:
    raw = rng.bytes(count * size)
    return [raw[i : i + size].hex() for i in range(0, count * size, size)]


Writer = Callable[[Table, Iterator[dict[str, Any]], int], int]
CHAT_TABLES = (accounts, chats, messages)
"""Tables that must be empty: the generated accounts, chats and messages take fixed keys."""


def generate(
    store_url: str,
    *,
    messages: int = 1_000_000,
    accounts: int = 100_000,
    chats: int = 2_000,
    media: int = 50_000,
    known_share: float = 0.1,
    seed: int = 1,
    file_skew: float = 0.9,
    progress: bool = True,
) -> dict[str, int]:
    """Write a generated investigation into the (chat-empty) store; returns the counts
    written per table and the planted roles' account ids (``role:<name>``).

    ``file_skew`` is the Zipf exponent of file popularity: at 0.9 and the default sizes the
    most shared file has about 2,300 distinct posters and all files together about 8.6M
    pairs of accounts sharing a file (the ``same_media`` layer); 0.6 gives a flatter tail."""
    plan = Plan(messages, accounts, chats, media, known_share, seed, file_skew)
    store = Store.open(store_url)
    try:
        with store.engine.connect() as conn, Progress(disable=not progress) as bar:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            for table in CHAT_TABLES:
                if conn.execute(select(func.count()).select_from(table)).scalar_one():
                    raise Conflict(f"the store already holds {table.name}: use an empty store")
            conn.commit()

            def write(table: Table, rows: Iterator[dict[str, Any]], total: int) -> int:
                task = bar.add_task(table.name, total=total)
                written = 0
                for chunk in batched(rows, BATCH):
                    unknown = set(chunk[0]) - set(table.c.keys())
                    if unknown:  # SQLAlchemy drops them silently from an executemany
                        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
                    with conn.begin():
                        conn.execute(table.insert(), chunk)
                    written += len(chunk)
                    bar.advance(task, len(chunk))
                return written

            counts, first_account = _write_all(conn, plan, write)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
    finally:
        store.close()
    roles = {f"role:{name}": first_account + int(i) for name, i in plan.roles.items()}
    return counts | roles


def _write_all(conn: Connection, plan: Plan, write: Writer) -> tuple[dict[str, int], int]:
    """Write every table; returns the counts and the first account id."""
    m, rng = plan.m, plan.rng
    ids = {t.name: _next_id(conn, t) for t in (ingests, accounts, chats, messages, bank_entries)}
    conn.commit()
    at = now()
    with conn.begin():
        conn.execute(
            ingests.insert().values(
                id=ids["ingests"],
                platform="telegram",
                format="telegram-export",
                path="generated",
                main_file="generated/result.json",
                main_sha256="0" * 64,
                size=0,
                importer_version="benchmark",
                status="complete",
                started_at=at,
                finished_at=at,
                counts="{}",
            )
        )
    ingest, acc0, chat0, msg0 = ids["ingests"], ids["accounts"], ids["chats"], ids["messages"]
    names = _names(plan.n_accounts)
    chat_names = [f"{_WORDS[i % len(_WORDS)].title()} group {i}" for i in range(plan.n_chats)]
    times = [START + timedelta(seconds=float(s)) for s in m["t"]]
    counts: dict[str, int] = {}
    counts["accounts"] = write(
        accounts,
        (
            {
                "id": acc0 + i,
                "platform": "telegram",
                "key": f"user{1_000_000 + i}",
                "is_bot": False,
                "first_ingest_id": ingest,
            }
            for i in range(plan.n_accounts)
        ),
        plan.n_accounts,
    )
    counts["account_names"] = write(
        account_names,
        (
            {
                "account_id": acc0 + i,
                "kind": "name",
                "value": name,
                "first_seen_at": None,
                "last_seen_at": None,
            }
            for i, name in enumerate(names)
        ),
        plan.n_accounts,
    )
    counts["chats"] = write(
        chats,
        (
            {
                "id": chat0 + i,
                "platform": "telegram",
                "key": str(4_000_000_000 + i),
                "name": name,
                "type": "private_supergroup",
            }
            for i, name in enumerate(chat_names)
        ),
        plan.n_chats,
    )
    sentences = [" ".join(rng.choice(_WORDS, rng.integers(2, 12))) for _ in range(4096)]
    pick = rng.integers(0, len(sentences), len(times))

    def message_rows() -> Iterator[dict[str, Any]]:
        col = {name: values.tolist() for name, values in m.items()}
        for i, when in enumerate(times):
            action, sender, file = col["action"][i], col["sender"][i], col["file"][i]
            fwd_acc, fwd_chat = col["fwd_account"][i], col["fwd_chat"][i]
            subject, mention, by = col["subject"][i], col["mention"][i], col["by"][i]
            text = "" if action or file >= 0 else sentences[pick[i]]
            if mention >= 0:
                text = f"{names[mention]} {text}"
            origin = names[fwd_acc] if fwd_acc >= 0 else None
            if fwd_chat >= 0:
                origin = chat_names[fwd_chat]
            yield {
                "id": msg0 + i,
                "chat_id": chat0 + col["chat"][i],
                "key": str(col["key"][i]),
                "sender_id": acc0 + sender,
                "kind": "service" if action else "message",
                "action": ACTIONS[action] or None,
                "sent_at": when,
                "text": text,
                "forwarded_from": origin,
                "forwarded_account_id": acc0 + fwd_acc if fwd_acc >= 0 else None,
                "forwarded_link": "by_name" if fwd_acc >= 0 else None,
                "reply_to": str(col["reply_to"][i]) if col["reply_to"][i] > 0 else None,
                "inviter_id": acc0 + by if by >= 0 else None,
                "members": json.dumps([names[subject]]) if action in (INVITE, REMOVE) else None,
                "first_ingest_id": ingest,
            }

    total = len(times)
    counts["messages"] = write(messages, message_rows(), total)
    counts["message_sources"] = write(
        message_sources,
        ({"message_id": msg0 + i, "ingest_id": ingest, "position": None} for i in range(total)),
        total,
    )
    service = np.flatnonzero(m["action"] > 0)
    counts["membership_events"] = write(
        membership_events,
        (
            {
                "chat_id": chat0 + int(m["chat"][i]),
                "message_id": msg0 + int(i),
                "event": EVENTS[m["action"][i]],
                "at": times[i],
                **_event_people(
                    int(m["action"][i]),
                    int(m["sender"][i]),
                    int(m["subject"][i]),
                    int(m["by"][i]),
                    acc0,
                    names,
                ),
            }
            for i in service
        ),
        len(service),
    )
    mentions = np.flatnonzero(m["mention"] >= 0)
    counts["message_entities"] = write(
        message_entities,
        (
            {
                "message_id": msg0 + int(i),
                "kind": "mention_name",
                "text": names[m["mention"][i]],
                "value": f"user{1_000_000 + int(m['mention'][i])}",
            }
            for i in mentions
        ),
        len(mentions),
    )
    media_counts, sha256, pdq = _write_media(plan, write, times, msg0, ingest)
    counts.update(media_counts)
    counts.update(_write_bank(conn, plan, write, sha256, pdq, ids["bank_entries"]))
    return counts, acc0


def _event_people(
    action: int, sender: int, subject: int, by: int, acc0: int, names: list[str]
) -> dict[str, Any]:
    """Who a membership event is about, as the chat writer records it."""
    if action in (INVITE, REMOVE):
        return {"account_id": None, "name": names[subject], "by_account_id": acc0 + sender}
    return {
        "account_id": acc0 + sender,
        "name": names[sender],
        "by_account_id": acc0 + by if by >= 0 else None,
    }


def _write_media(
    plan: Plan, write: Writer, times: list[datetime], msg0: int, ingest: int
) -> tuple[dict[str, int], list[str], list[str]]:
    m, rng, n_files = plan.m, plan.rng, plan.n_files
    sha256, sha1, md5 = _hex(rng, n_files, 32), _hex(rng, n_files, 20), _hex(rng, n_files, 16)
    pdq_bits = rng.integers(0, 256, (n_files, 32), dtype=np.uint8)
    near = rng.choice(n_files, n_files // 20, replace=False)
    pdq_bits[near] = pdq_bits[rng.choice(n_files, len(near))]
    flips = rng.integers(0, 256, (len(near), 3))
    for row, bits in zip(near, flips, strict=True):
        for bit in bits:
            pdq_bits[row, bit // 8] ^= np.uint8(1 << (bit % 8))
    pdq = [bytes(row).hex() for row in pdq_bits]
    sizes = np.clip(rng.lognormal(12.5, 1.0, n_files), 2_000, 20_000_000).astype(np.int64)
    posts = np.flatnonzero(m["file"] >= 0)
    counts = {
        "media": write(
            media,
            (
                {
                    "sha256": sha256[f],
                    "sha1": sha1[f],
                    "md5": md5[f],
                    "size": int(sizes[f]),
                    "pdq_status": "ok",
                    "hash_mode": "exact",
                    "first_seen_at": times[plan.first_post[f]],
                }
                for f in range(n_files)
            ),
            n_files,
        ),
        "media_signals": write(
            media_signals,
            (
                {"sha256": sha256[f], "kind": "pdq", "locator": "", "value": pdq[f], "quality": 80}
                for f in range(n_files)
            ),
            n_files,
        ),
        "message_media": write(
            message_media,
            (
                {
                    "message_id": msg0 + int(i),
                    "position": 0,
                    "kind": "photo",
                    "path": f"photos/photo_{i}.jpg",
                    "exported": True,
                    "status": "hashed",
                    "sha256": sha256[m["file"][i]],
                    "mime_type": "image/jpeg",
                    "size_bytes": int(sizes[m["file"][i]]),
                    "width": 1280,
                    "height": 960,
                    "ingest_id": ingest,
                }
                for i in posts
            ),
            len(posts),
        ),
    }
    return counts, sha256, pdq


def _write_bank(
    conn: Connection, plan: Plan, write: Writer, sha256: list[str], pdq: list[str], entry0: int
) -> dict[str, int]:
    """One bank whose entries are the known files' PDQ hashes (categories VIC-US 1 and 2),
    and the matches of those files to their entries (distance 0)."""
    known = sorted(int(f) for f in plan.known_files)
    at = now()
    with conn.begin():
        bank_id = new_id(
            conn.execute(
                banks.insert().values(
                    name=f"generated known list {entry0}",
                    provider="benchmark",
                    scheme="VIC-US",
                    enabled=True,
                    created_at=at,
                )
            )
        )
    codes = plan.rng.choice(["1", "2"], len(known), p=[0.4, 0.6])
    return {
        "bank_entries": write(
            bank_entries,
            (
                {
                    "id": entry0 + n,
                    "bank_id": bank_id,
                    "signal_type": "pdq",
                    "value": pdq[f],
                    "category_scheme": "VIC-US",
                    "category_code": str(codes[n]),
                    "external_id": f"generated-{f}",
                }
                for n, f in enumerate(known)
            ),
            len(known),
        ),
        "matches": write(
            matches,
            (
                {
                    "sha256": sha256[f],
                    "entry_id": entry0 + n,
                    "bank_id": bank_id,
                    "signal_type": "pdq",
                    "distance": 0,
                    "created_at": at,
                }
                for n, f in enumerate(known)
            ),
            len(known),
        ),
    }


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move each id sequence past the ids written explicitly."""
    with conn.begin():
        for table in (ingests, accounts, chats, messages, bank_entries):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--media", type=int, default=50_000)
    parser.add_argument("--known-share", type=float, default=0.1)
    parser.add_argument(
        "--file-skew",
        type=float,
        default=0.9,
        help="Zipf exponent of how often a file is re-shared",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="network-benchmark.db", help="store path or URL")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(
        args.db,
        messages=args.messages,
        accounts=args.accounts,
        chats=args.chats,
        media=args.media,
        known_share=args.known_share,
        file_skew=args.file_skew,
        seed=args.seed,
    )
    for name, value in counts.items():
        print(f"{name:20} {value:>10,}")
    print(f"generated in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
