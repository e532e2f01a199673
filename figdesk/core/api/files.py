"""Files of the account's own items: ``/account/articles/{id}/files...`` (network: the API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from figdesk.core.api.base import ClientBase
from figdesk.core.models import FileInfo


class FilesMixin(ClientBase):
    """List, initiate, link, inspect, complete and delete the files of an item."""

    def _file(self, data: Any) -> FileInfo:
        info = FileInfo.from_json(data if isinstance(data, Mapping) else {})
        # The API named this upload host: it may receive the token from now on.
        self._t.note_upload_url(info.upload_url)
        return info

    def list_files(self, article_id: int) -> list[FileInfo]:
        """Every file of an item, paging with 1000 a page (the default page holds 10 and the
        list embedded in the item is capped at 10)."""
        return [self._file(d)
                for page in self._pages("GET", f"/account/articles/{int(article_id)}/files",
                                        what=f"Item {article_id}")
                for d in page]

    def initiate_upload(self, article_id: int, name: str, size: int, md5: str | None = None,
                        folder_path: str | None = None) -> int:
        """``POST /account/articles/{id}/files`` with ``{name, size, md5[, folder_path]}``;
        returns the new file's id. Never repeated automatically (it would create a second
        file); after a lost answer, ``list_files`` tells whether it exists."""
        body: dict[str, Any] = {"name": name, "size": int(size)}
        if md5:
            body["md5"] = md5
        if folder_path:
            body["folder_path"] = folder_path
        data, header = self._call("POST", f"/account/articles/{int(article_id)}/files",
                                  body=body, what=f"Item {article_id}", with_headers=True)
        return self._created(data, header).id

    def link_file(self, article_id: int, url: str) -> int:
        """``POST /account/articles/{id}/files`` with ``{link}``: a file hosted elsewhere."""
        data, header = self._call("POST", f"/account/articles/{int(article_id)}/files",
                                  body={"link": url}, what=f"Item {article_id}",
                                  with_headers=True)
        return self._created(data, header).id

    def get_file(self, article_id: int, file_id: int) -> FileInfo:
        """``GET /account/articles/{id}/files/{file_id}``: status, md5s and ``upload_url``."""
        data = self._call("GET", f"/account/articles/{int(article_id)}/files/{int(file_id)}",
                          what=f"File {file_id} of item {article_id}")
        return self._file(data)

    def complete_upload(self, article_id: int, file_id: int) -> None:
        """``POST /account/articles/{id}/files/{file_id}`` (202): all parts are up; Figshare
        starts checking the file. Poll ``get_file`` for ``available``/``ic_failure``."""
        self._call("POST", f"/account/articles/{int(article_id)}/files/{int(file_id)}",
                   what=f"File {file_id} of item {article_id}")

    def delete_file(self, article_id: int, file_id: int) -> None:
        """``DELETE /account/articles/{id}/files/{file_id}`` (also abandons an upload)."""
        self._call("DELETE", f"/account/articles/{int(article_id)}/files/{int(file_id)}",
                   what=f"File {file_id} of item {article_id}")
