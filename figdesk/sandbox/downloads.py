"""The download host (Figshare's ndownloader plus storage), on its own host name.

``/files/<id>`` redirects (302) to a signed ``/storage/<id>/<signature>`` URL, as
ndownloader redirects to S3.  Private files need ``?token=<owner's token>`` there (NOTES
section 8); the storage URL itself needs nothing, so a client never has to send its
Authorization header to this host.  Storage honours a single ``Range: bytes=a-b``.
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import parse_qsl, quote, urlsplit

from .faults import Decision
from .httpbase import BLOCK, Handler
from .samples import file_bytes

_FILES = re.compile(r"^/files/(\d+)/?$")
_STORAGE = re.compile(r"^/storage/(\d+)/([0-9a-f]+)/?$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class DownloadHandler(Handler):
    service = "download"

    def route(self, decision: Decision | None) -> None:
        self.discard_body()
        parts = urlsplit(self.path)
        core = self.core
        if self.command not in ("GET", "HEAD"):
            return self.send_bytes(405)
        m = _FILES.match(parts.path)
        if m:
            status = self._check_file(int(m.group(1)), parts.query)
            if status == 404:
                return self.send_json(404, {"message": "File not found", "code": "EntityNotFound"})
            if status == 403:
                return self.send_json(403, {"message": "This file is private", "code": "Forbidden"})
            return self.send_bytes(302, headers={"Location": core.storage_url(int(m.group(1)))})
        m = _STORAGE.match(parts.path)
        if not m or not hmac.compare_digest(m.group(2), core.signature(int(m.group(1)))):
            return self.send_bytes(404)
        with core.store.lock:
            rec = core.store.files.get(int(m.group(1)))
        if rec is None or (
            rec.source == "upload"
            and rec.status not in ("available", "moving_to_final", "ic_failure")
        ):
            return self.send_bytes(404)
        self._serve(rec.id, rec.name, rec.size, rec.source)

    def _check_file(self, file_id: int, query: str) -> int:
        """200 when the file may be fetched, else 404 or 403 (private, no owner token)."""
        core = self.core
        with core.store.lock:
            rec = core.store.files.get(file_id)
            art = core.store.articles.get(rec.article_id) if rec else None
            if rec is None or art is None or rec.is_link_only:
                return 404
            if not rec.is_public:
                acc = core.account_for_token(dict(parse_qsl(query)).get("token"))
                if acc is None or acc.id != art.account_id:
                    return 403
        return 200

    def _serve(self, file_id: int, name: str, size: int, source: str) -> None:
        start, end, status = 0, size - 1, 200
        rng = _RANGE.match(self.headers.get("Range", "").strip())
        if rng and size and (rng.group(1) or rng.group(2)):
            if rng.group(1):
                start = int(rng.group(1))
                end = min(int(rng.group(2)), size - 1) if rng.group(2) else size - 1
            else:
                start = max(size - int(rng.group(2)), 0)
            if start > end:
                return self.send_bytes(416, headers={"Content-Range": f"bytes */{size}"})
            status = 206
        length = max(end - start + 1, 0)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}")
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if self.command == "HEAD" or not length:
            return
        if source == "gen":
            self.write_paced(file_bytes(file_id, size)[start : end + 1])
            return
        with open(self.core.store.file_path(file_id), "rb") as f:
            if self.block_size() == BLOCK:
                self.connection.sendfile(f, start, length)
                return
            f.seek(start)
            left = length
            while left:
                block = f.read(min(left, self.block_size()))
                if not block:
                    break
                self.pace(len(block))
                self.wfile.write(block)
                left -= len(block)
