"""The relational schema of the store (SQLAlchemy Core), shared by SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

banks = Table(
    "banks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("provider", String(200)),
    Column("list_name", String(200)),
    Column("version", String(100)),
    Column("published", String(40)),
    Column("terms", Text),
    Column("scheme", String(40)),
    Column("description", Text),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

bank_imports = Table(
    "bank_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bank_id", ForeignKey("banks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("source", Text, nullable=False),
    Column("source_sha256", String(64)),
    Column("format", String(40), nullable=False),
    Column("strict", Boolean, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("added", Integer, nullable=False),
    Column("already_present", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
)

import_rejections = Table(
    "import_rejections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "import_id", ForeignKey("bank_imports.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("line", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("text", Text, nullable=False),
)

bank_entries = Table(
    "bank_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bank_id", ForeignKey("banks.id", ondelete="CASCADE"), nullable=False),
    Column("signal_type", String(16), nullable=False),
    Column("value", String(1024), nullable=False),
    Column("category_scheme", String(40)),
    Column("category_code", String(16)),
    Column("external_id", String(200)),
    Column("import_id", ForeignKey("bank_imports.id", ondelete="SET NULL")),
    UniqueConstraint("bank_id", "signal_type", "value", name="uq_bank_entries_value"),
    Index("ix_bank_entries_lookup", "signal_type", "value"),
)

media = Table(
    "media",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("sha1", String(40), nullable=False, index=True),
    Column("md5", String(32), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("pdq_status", String(20), nullable=False),
    Column("pdq_reason", Text),
    Column("hash_mode", String(10), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
)

media_locations = Table(
    "media_locations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", ForeignKey("media.sha256", ondelete="CASCADE"), nullable=False, index=True),
    Column("location_key", LargeBinary, nullable=False),
    Column("display", Text, nullable=False),
    Column("size", BigInteger),
    Column("mtime_ns", BigInteger),
    Column("first_scan_id", ForeignKey("scan_runs.id", ondelete="SET NULL")),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("location_key", "sha256", name="uq_media_locations_key"),
)

scan_runs = Table(
    "scan_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("roots", Text, nullable=False),
    Column("options", Text, nullable=False),
    Column("status", String(30), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("owner", String(300)),
)
"""``owner``: the process that runs (or last ran) the scan, as ``host pid start`` (0010)."""

scan_items = Table(
    "scan_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", ForeignKey("scan_runs.id", ondelete="CASCADE"), nullable=False),
    Column("location_key", LargeBinary, nullable=False),
    Column("display", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("sha256", String(64)),
    Column("reason_code", String(40)),
    Column("reason", Text),
    UniqueConstraint("scan_id", "location_key", name="uq_scan_items_key"),
)

matches = Table(
    "matches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", ForeignKey("media.sha256", ondelete="CASCADE"), nullable=False),
    Column("entry_id", ForeignKey("bank_entries.id", ondelete="CASCADE"), nullable=False),
    Column("bank_id", ForeignKey("banks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("signal_type", String(16), nullable=False),
    Column("distance", Integer, nullable=False),
    Column("variant", String(20)),
    Column("frame_timestamp", Float),
    Column("query_share", Float),
    Column("reference_share", Float),
    Column("first_scan_id", ForeignKey("scan_runs.id", ondelete="SET NULL")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sha256", "entry_id", name="uq_matches_media_entry"),
)

# --- chat exports (migration 0002) ---

ingests = Table(
    "ingests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(20), nullable=False),
    Column("format", String(40), nullable=False),
    Column("path", Text, nullable=False),
    Column("main_file", Text, nullable=False),
    Column("main_sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("importer_version", String(40), nullable=False),
    Column("zone", String(60)),
    Column("status", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("counts", Text, nullable=False),
    Column("scan_id", ForeignKey("scan_runs.id", ondelete="SET NULL")),
    # the entry read inside main_file when that is a container (a zipped export), and its
    # SHA-256; main_file and main_sha256 are then the container's, the item seized (0009)
    Column("member", Text),
    Column("member_sha256", String(64)),
)

ingest_problems = Table(
    "ingest_problems",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ingest_id", ForeignKey("ingests.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", String(80), nullable=False),
    Column("reason", Text, nullable=False),
    Column("excerpt", Text, nullable=False),
    Column("fatal", Boolean, nullable=False),
    # a note (a guessed date order, times corrected...) rejected nothing (0009)
    Column("note", Boolean, nullable=False, server_default=false()),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(20), nullable=False),
    Column("key", String(200), nullable=False),
    Column("is_bot", Boolean, nullable=False, default=False),
    Column("first_ingest_id", ForeignKey("ingests.id", ondelete="SET NULL")),
    UniqueConstraint("platform", "key", name="uq_accounts_key"),
)

account_names = Table(
    "account_names",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("value", String(500), nullable=False),
    Column("first_seen_at", DateTime(timezone=True)),
    Column("last_seen_at", DateTime(timezone=True)),
    UniqueConstraint("account_id", "kind", "value", name="uq_account_names_value"),
    Index("ix_account_names_lookup", "kind", "value"),
)

chats = Table(
    "chats",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(20), nullable=False),
    Column("key", String(200), nullable=False),
    Column("name", String(500)),
    Column("type", String(60)),
    Column("parent", String(500)),
    UniqueConstraint("platform", "key", name="uq_chats_key"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("sender_id", ForeignKey("accounts.id", ondelete="SET NULL"), index=True),
    Column("kind", String(20), nullable=False),
    Column("action", String(60)),
    Column("sent_at", DateTime(timezone=True), index=True),
    Column("edited_at", DateTime(timezone=True)),
    Column("assumed_zone", String(60)),
    Column("text", Text, nullable=False),
    Column("forwarded_from", String(500)),
    Column("forwarded_account_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("forwarded_link", String(20)),
    Column("saved_from", String(500)),
    Column("reply_to", String(200)),
    Column("via_bot", String(200)),
    Column("inviter_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("members", Text),
    Column("extra", Text),
    Column("first_ingest_id", ForeignKey("ingests.id", ondelete="SET NULL")),
    UniqueConstraint("chat_id", "key", name="uq_messages_key"),
)

message_sources = Table(
    "message_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("ingest_id", ForeignKey("ingests.id", ondelete="CASCADE"), nullable=False),
    Column("position", String(80)),
    UniqueConstraint("message_id", "ingest_id", name="uq_message_sources_pair"),
)

message_entities = Table(
    "message_entities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("value", Text),
)

message_media = Table(
    "message_media",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("path", Text),
    Column("location_key", LargeBinary),
    Column("exported", Boolean, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text),
    Column("sha256", String(64), index=True),
    Column("mime_type", String(200)),
    Column("size_bytes", BigInteger),
    Column("width", Integer),
    Column("height", Integer),
    Column("duration_seconds", Float),
    Column("file_name", Text),
    Column("note", Text),
    Column("ingest_id", ForeignKey("ingests.id", ondelete="SET NULL")),
    UniqueConstraint("message_id", "position", name="uq_message_media_position"),
)

reactions = Table(
    "reactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("emoji", String(200), nullable=False),
    Column("count", Integer, nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    # who reacted as the export names them; linked to an account only once that account
    # is known from what it sent or did (0009)
    Column("account_key", String(200)),
    Column("account_name", String(500)),
)

membership_events = Table(
    "membership_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(20), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("name", String(500)),
    Column("by_account_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("at", DateTime(timezone=True)),
    # the inviter as the export names it (a name only), linked by name (0009)
    Column("by_name", String(500)),
)

# --- video (migration 0003), signals (migration 0011) ---

media_signals = Table(
    "media_signals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", ForeignKey("media.sha256", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("locator", String(80), nullable=False),
    Column("value", Text, nullable=False),
    Column("quality", Integer),
    UniqueConstraint("sha256", "kind", "locator", name="uq_media_signals_signal"),
    Index("ix_media_signals_kind", "kind", "locator"),
)
"""Every signal of a file (migration 0011): the whole file's (locator ""), a PDQ dihedral
variant's ("variant=<name>"), a video frame's ("t=<seconds>;frame=<number>")."""

media_videos = Table(
    "media_videos",
    metadata,
    Column("sha256", ForeignKey("media.sha256", ondelete="CASCADE"), primary_key=True),
    Column("duration", Float),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("fps", Float, nullable=False),
    Column("frames", Integer, nullable=False),
)

bank_video_frames = Table(
    "bank_video_frames",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", ForeignKey("bank_entries.id", ondelete="CASCADE"), nullable=False),
    Column("frame_number", Integer, nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("pdq", String(64), nullable=False),
    Column("quality", Integer, nullable=False),
    UniqueConstraint("entry_id", "frame_number", name="uq_bank_video_frames_frame"),
)
