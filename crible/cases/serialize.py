"""The JSON form of a CaseFile (data/case.json of a bundle)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from crible.cases.custody import stamp
from crible.model.cases import CaseFile

FORMAT = "crible-case-file/1"


def to_json_ready(value: Any) -> Any:
    """Dataclasses as objects, times in UTC ISO 8601, enums by value, tuples as lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json_ready(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_ready(v) for v in value]
    return value


def case_file_dict(file: CaseFile) -> dict[str, Any]:
    """A CaseFile as a JSON-ready object, with its format name first."""
    return {"format": FORMAT, **to_json_ready(file)}
