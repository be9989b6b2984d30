"""Private downloads: a stored file (or bytes made on the spot) as an attachment that no cache
keeps.

``sportloket.middleware.must_not_be_stored`` marks every attachment ``no-store`` as well; the
download says it itself, so that it holds wherever the response is served from (a test
client, a view used without the middleware stack)."""

from __future__ import annotations

import io
from typing import BinaryIO

from django.http import FileResponse


def private_download(
    file_or_bytes: BinaryIO | bytes, *, filename: str, content_type: str
) -> FileResponse:
    """``file_or_bytes`` as an attachment named ``filename`` (any characters: Django quotes
    it, RFC 6266's ``filename*`` for non-ASCII), never shown inline and never stored. The
    response closes the file when it has been sent."""
    file = io.BytesIO(file_or_bytes) if isinstance(file_or_bytes, bytes) else file_or_bytes
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
