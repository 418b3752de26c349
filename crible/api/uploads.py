"""Reading the one file of a multipart upload, after the caller was authenticated."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from crible.model.errors import BadInput

MULTIPART_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}
"""The OpenAPI description of an upload route (the form is parsed by hand, after auth)."""


async def one_upload(request: Request, *, fields: tuple[str, ...] = ("file",)) -> UploadFile:
    """The single uploaded file of the request, sent under one of ``fields``."""
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        raise BadInput("file: send the file as multipart/form-data")
    form = await request.form(max_files=1, max_fields=20)
    files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
    if not files:
        raise BadInput(f"file: no file was uploaded (expected a form field {fields[0]!r})")
    name, upload = files[0]
    if "*" not in fields and name not in fields:
        raise BadInput(f"file: the form field must be one of {', '.join(fields)} (got {name!r})")
    return upload
