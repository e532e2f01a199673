"""Figshare's upload service: the host named by a file's ``upload_url`` (network).

Not paced like the API (its calls are counted apart); no impersonation (the upload token in
the URL is the credential). A part PUT sends exactly the part's bytes with an exact
``Content-Length`` and never chunked encoding: Figshare pipes the body to storage and a short
or chunked body hangs until the timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from figdesk.core.api.base import ClientBase, json_of
from figdesk.core.api.zerocopy import FileRange
from figdesk.core.errors import CancelledError, FileChangedError
from figdesk.core.models import UploadInfo, UploadPart

#: Bytes handed to the socket at a time: large enough to keep the per-chunk overhead small,
#: small enough that a cancel is noticed within a fraction of a second.
CHUNK = 256 * 1024

Progress = Callable[[int, int], None]
#: A body chunk: bytes, or a range of a file that the connection sends from the file itself.
_Chunk = bytes | FileRange


class PartBody:
    """A request body of exactly ``length`` bytes read from a file or an iterable of chunks.

    ``__len__`` lets requests set the exact Content-Length (an object without a length would
    be sent chunked). Reading stops at ``length``; a source that ends early or yields more
    raises ``FileChangedError`` instead of sending a wrong body. ``progress(done, length)``
    follows the bytes handed to the connection; ``cancel`` aborts between chunks.

    An iterable that also offers ``file_ranges()`` (the engine's ``SliceBody``) is read through
    that: its chunks are ``FileRange`` objects that the transport's connections send straight
    from the file (``zerocopy``), where plain bytes would be copied through Python twice.
    """

    def __init__(self, source: BinaryIO | Iterable[bytes], length: int, *, what: str,
                 progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.source = source
        self.length = int(length)
        self.what = what
        self.progress = progress
        self.cancel = cancel
        self.sent = 0
        self._start: int | None = None
        self._is_file = hasattr(source, "read")
        if self._is_file:
            try:
                if source.seekable():  # type: ignore[union-attr]
                    self._start = source.tell()  # type: ignore[union-attr]
            except (AttributeError, OSError, ValueError):
                self._start = None

    def __len__(self) -> int:
        return self.length

    @property
    def can_rewind(self) -> bool:
        """True when the body can be sent again (a seekable file)."""
        return self._start is not None

    def rewind(self) -> None:
        """Go back to the part's first byte before a repeat."""
        if self._start is None:
            raise FileChangedError(f"{self.what} cannot be sent again from this source.")
        self.source.seek(self._start)  # type: ignore[union-attr]
        self.sent = 0
        if self.progress is not None:
            self.progress(0, self.length)

    def _step(self, chunk: _Chunk) -> _Chunk:
        if self.cancel is not None and self.cancel.is_set():
            raise CancelledError(f"Cancelled: {self.what}.")
        if self.sent + len(chunk) > self.length:
            raise FileChangedError(f"{self.what}: the data is longer than the part "
                                   f"({self.length} bytes); the file may have changed.")
        self.sent += len(chunk)
        if self.progress is not None:
            self.progress(self.sent, self.length)
        return chunk

    def _short(self) -> FileChangedError:
        return FileChangedError(f"{self.what}: the data ended after {self.sent} of "
                                f"{self.length} bytes; the file may have changed.")

    def __iter__(self) -> Iterator[_Chunk]:
        if self._is_file:
            reader: Any = self.source
            while self.sent < self.length:
                if self.cancel is not None and self.cancel.is_set():
                    raise CancelledError(f"Cancelled: {self.what}.")
                chunk = reader.read(min(CHUNK, self.length - self.sent))
                if not chunk:
                    raise self._short()
                yield self._step(bytes(chunk) if not isinstance(chunk, bytes) else chunk)
            return
        ranges = getattr(self.source, "file_ranges", None)
        chunks: Iterable[_Chunk] = ranges() if callable(ranges) else self.source
        for chunk in chunks:
            if chunk:
                yield self._step(chunk)
        if self.sent < self.length:
            raise self._short()


class UploadsMixin(ClientBase):
    """Parts of an upload: inspect, send, reset."""

    def get_upload_info(self, upload_url: str, *,
                        cancel: threading.Event | None = None) -> UploadInfo:
        """``GET {upload_url}``: the server's part layout and each part's status."""
        response = self._t.request("GET", upload_url, service="upload", retry=True,
                                   what="This upload", cancel=cancel)
        data = json_of(response)
        return UploadInfo.from_json(data if isinstance(data, Mapping) else {})

    def get_upload_part(self, upload_url: str, part_no: int, *,
                        cancel: threading.Event | None = None) -> UploadPart:
        """``GET {upload_url}/{partNo}``: one part's status and lock."""
        response = self._t.request("GET", f"{upload_url}/{int(part_no)}", service="upload",
                                   retry=True, what=f"Upload part {part_no}", cancel=cancel)
        data = json_of(response)
        return UploadPart.from_json(data if isinstance(data, Mapping) else {})

    def put_upload_part(self, upload_url: str, part_no: int, body: BinaryIO | Iterable[bytes],
                        length: int, *, progress: Progress | None = None,
                        cancel: threading.Event | None = None) -> None:
        """``PUT {upload_url}/{partNo}`` with exactly ``length`` bytes from ``body`` (a file
        positioned at the part's first byte, or an iterable of chunks), streamed.

        Repeated on network trouble and 5xx/429 only when ``body`` is a seekable file (an
        iterable cannot be replayed). 404 -> ``NotFoundError``, 409 (part locked, upload
        done) -> ``ConflictError``; neither is repeated here.
        """
        what = f"Upload part {part_no}"
        part = PartBody(body, length, what=what, progress=progress, cancel=cancel)
        # An empty body must still say Content-Length: 0 (requests would go chunked).
        data: Any = part if part.length > 0 else b""
        response = self._t.request("PUT", f"{upload_url}/{int(part_no)}", service="upload",
                                   retry=part.can_rewind, rewind=part.rewind, what=what,
                                   cancel=cancel, data=data)
        response.close()

    def reset_upload_part(self, upload_url: str, part_no: int, *,
                          cancel: threading.Event | None = None) -> None:
        """``DELETE {upload_url}/{partNo}``: discard a part's stored data (back to PENDING)."""
        response = self._t.request("DELETE", f"{upload_url}/{int(part_no)}", service="upload",
                                   retry=True, what=f"Upload part {part_no}", cancel=cancel)
        response.close()
