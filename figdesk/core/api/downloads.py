"""File downloads (network: the API host, then whatever storage it redirects to).

``{api}/file/download/{id}`` is asked with the token (it is the API host); the redirect to
storage is followed without it (see ``transport``). The body is streamed to ``dest`` in chunks
so memory stays flat whatever the size, with progress and a cancel checked between chunks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import BinaryIO

import requests

from figdesk.core.api.base import ClientBase
from figdesk.core.api.errors_map import error_from_exception
from figdesk.core.api.transport import origin_of
from figdesk.core.errors import CancelledError, OfflineError

CHUNK = 256 * 1024


class DownloadsMixin(ClientBase):
    """Download one file to a writable binary stream."""

    def download_file(self, file_id_or_url: int | str, dest: BinaryIO, *,
                      progress: Callable[[int, int | None], None] | None = None,
                      cancel: threading.Event | None = None) -> int:
        """Stream a file into ``dest``; return the bytes written.

        ``file_id_or_url``: a file id (fetched as ``{api}/file/download/{id}``) or a URL (e.g.
        a ``download_url``; the token goes with it only if it is on the API host).
        ``progress(done, total)`` with ``total`` None when the server does not say.
        Raises ``CancelledError`` when ``cancel`` is set (``dest`` then holds a partial file).
        """
        params: dict[str, int] | None = None
        if isinstance(file_id_or_url, int) or str(file_id_or_url).isdigit():
            url = self._url(f"/file/download/{int(file_id_or_url)}")
            what = f"File {file_id_or_url}"
        else:
            url = str(file_id_or_url)
            what = "This file"
        service = "api" if origin_of(url) == self._t.api_origin else "download"
        if service == "api" and self.impersonate is not None:
            params = {"impersonate": self.impersonate}
        response = self._t.request("GET", url, service=service, retry=True, what=what,
                                   cancel=cancel, stream=True, params=params)
        try:
            total_header = response.headers.get("Content-Length")
            total = int(total_header) if total_header and total_header.isdigit() else None
            done = 0
            if progress is not None:
                progress(0, total)
            try:
                for chunk in response.iter_content(CHUNK):
                    if cancel is not None and cancel.is_set():
                        raise CancelledError(f"Cancelled: downloading {what.lower()}.")
                    if not chunk:
                        continue
                    dest.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            except requests.RequestException as exc:
                raise error_from_exception(exc, "The download server") from exc
            if total is not None and done < total:
                raise OfflineError(f"The download of {what.lower()} stopped after {done} of "
                                   f"{total} bytes. Try again.")
            return done
        finally:
            response.close()
