"""Package a local Python file as a Lambda deployment zip, byte-for-byte reproducible.

Fixed timestamps and permissions make the zip's sha256 depend only on the code, so comparing it with
Lambda's CodeSha256 tells whether the deployed function is current.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from pathlib import Path

from gtops.errors import GtopsError

RUNTIME = "python3.12"
HANDLERS = ("lambda_handler", "handler")


def handler_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    for name in HANDLERS:
        if re.search(rf"^def {name}\s*\(", text, re.MULTILINE):
            return f"{path.stem}.{name}"
    raise GtopsError(
        f"{path}: no `def lambda_handler(event, context)` (or `def handler`) to run as the Lambda"
    )


def build_zip(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(path.name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, path.read_bytes())
    return buffer.getvalue()


def code_sha256(body: bytes) -> str:
    """Lambda's CodeSha256: base64 of the zip's sha256 digest."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode()
