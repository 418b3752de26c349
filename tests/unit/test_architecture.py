"""Architecture: SQL lives in ``crible/store``. Every module under ``crible/`` is parsed (ast);
the analysis, the views service and the web build no queries and import no table module;
the services that still do are listed below with what remains, and the list only shrinks."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import crible

ROOT = Path(crible.__file__).parent
QUERY_BUILDERS = frozenset(
    {
        "select",
        "insert",
        "update",
        "delete",
        "func",
        "text",
        "exists",
        "and_",
        "or_",
        "not_",
        "case",
        "cast",
        "bindparam",
        "literal",
        "union",
        "aliased",
        "true",
        "false",
        "null",
    }
)
TABLE_MODULES = frozenset(
    f"crible.store.{name}" for name in ("tables", "case_tables", "review_tables", "serve_tables")
)
CLEAN = ("analysis/", "web/", "services/views.py", "services/profile.py")
"""Modules that reach the store only through its read models and repositories."""
NO_SQL = (*CLEAN, "services/bundles.py")
"""Modules that build no SQL (bundles still records an export on ``store.engine``)."""

STILL_BUILDING_SQL = {
    "services/evidence.py": "reads messages, chats and media of a case's evidence",
    "services/ingest.py": "records ingests, their problems and the media of messages",
    "services/lookup.py": "counts bank entries and suppressed entries for the lookup index",
}
"""Modules outside the store that still build queries or import table modules (to move)."""

ENGINE_USES = {
    "services/audit.py": 3,
    "services/auth.py": 1,
    "services/bundles.py": 1,
    "services/cases.py": 8,
    "services/evidence.py": 8,
    "services/ingest.py": 5,
    "services/lookup.py": 2,
    "services/review.py": 8,
    "services/routing.py": 2,
    "services/undo.py": 1,
}
"""Modules outside the store that still open connections on ``store.engine``, with how many
times (the unit-of-work work replaces them)."""


def _modules() -> dict[str, ast.Module]:
    return {
        path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(ROOT.rglob("*.py"))
        if not path.relative_to(ROOT).as_posix().startswith("store/")
    }


def _sql_imports(tree: ast.Module) -> list[str]:
    """The query builders and table modules a module imports."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlalchemy":
                found += [f"sqlalchemy:{a.name}" for a in node.names if a.name in QUERY_BUILDERS]
            elif node.module in TABLE_MODULES:
                found.append(node.module)
            elif node.module == "crible.store":
                found += [
                    f"crible.store.{a.name}"
                    for a in node.names
                    if f"crible.store.{a.name}" in TABLE_MODULES
                ]
        elif isinstance(node, ast.Import):
            found += [
                a.name for a in node.names if a.name in TABLE_MODULES or a.name == "sqlalchemy"
            ]
    return found


def _engine_uses(tree: ast.Module) -> int:
    return sum(
        1 for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "engine"
    )


def test_the_analysis_views_and_web_build_no_sql() -> None:
    modules = _modules()
    cleaned = {name: tree for name, tree in modules.items() if name.startswith(NO_SQL)}

    assert len(cleaned) > 20, "the clean areas were found"
    offenders = {name: _sql_imports(tree) for name, tree in cleaned.items()}
    assert {name: found for name, found in offenders.items() if found} == {}
    engine = {name: _engine_uses(tree) for name, tree in cleaned.items() if name.startswith(CLEAN)}
    assert {name: n for name, n in engine.items() if n} == {}


def test_only_the_listed_modules_outside_the_store_still_build_sql() -> None:
    modules = _modules()

    offenders = {name for name, tree in modules.items() if _sql_imports(tree)}
    assert offenders == set(STILL_BUILDING_SQL), (
        "a module outside crible/store builds SQL or imports tables: move its queries into a "
        "read model or repository of the store, or remove it from the list once it no longer does"
    )


def test_engine_uses_outside_the_store_only_shrink() -> None:
    modules = _modules()

    uses = Counter({name: n for name, tree in modules.items() if (n := _engine_uses(tree))})
    assert dict(uses) == ENGINE_USES, "update ENGINE_USES only downwards"


def test_the_checks_see_sql_where_it_is() -> None:
    """The parser recognises what it forbids (so that an empty result means something)."""
    tree = ast.parse(
        "from sqlalchemy import select, Connection\n"
        "from crible.store.tables import messages\n"
        "from crible.store import review_tables, Store\n"
        "with store.engine.connect() as conn: pass\n"
    )
    assert _sql_imports(tree) == [
        "sqlalchemy:select",
        "crible.store.tables",
        "crible.store.review_tables",
    ]
    assert _engine_uses(tree) == 1
