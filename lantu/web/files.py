"""Serving a user's uploaded file so that a browser can only download it, never run it.

The Content-Type is the one Lantu stored after checking the file's suffix and first bytes
(anything else becomes application/octet-stream, so a user file is never served as HTML), the
file is always an attachment with its name encoded per RFC 6266/5987 (``filename*=utf-8''…``
for Chinese names), ``nosniff`` stops the browser guessing, and a sandboxing CSP covers a browser
that opens it anyway.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import IO

from django.http import FileResponse

#: Control characters (and the path separators) have no place in a download's file name.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def safe_filename(name: str, fallback: str = "download") -> str:
    cleaned = _UNSAFE_NAME.sub("_", name).strip().strip(".")
    return cleaned or fallback


def user_file_response(
    file: IO[bytes], filename: str, content_type: str, allowed_types: Collection[str]
) -> FileResponse:
    """A download of an uploaded file, with a checked type and an attachment disposition."""
    checked_type = content_type if content_type in allowed_types else "application/octet-stream"
    response = FileResponse(file, as_attachment=True, filename=safe_filename(filename), content_type=checked_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
