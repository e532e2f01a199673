"""The files of one item as a table model, with the state each file is in.

Figshare's file ``status`` says where a file stands on Figshare's side; local upload jobs (the
queue, part B) add the states Figshare cannot know yet through ``set_local_states``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from figdesk.core.models import FileInfo
from figdesk.gui.fmt import human_size
from figdesk.gui.table_model import RowTableModel

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("Name", "Size", "State", "Verified")
COL_NAME, COL_SIZE, COL_STATE, COL_VERIFIED = range(len(COLUMNS))

QUEUED, UPLOADING, PAUSED, PROCESSING, AVAILABLE, FAILED = (
    "queued", "uploading", "paused", "processing on Figshare", "available", "failed")

_FIGSHARE_STATES = {
    "created": UPLOADING,            # initiated; parts not all sent and completed yet
    "ic_checking": PROCESSING,
    "moving_to_final": PROCESSING,
    "available": AVAILABLE,
    "ic_failure": FAILED,
}

_Index = QModelIndex | QPersistentModelIndex


def file_state(f: FileInfo) -> str:
    """The state word for a file as Figshare reports it (open set: unknown ones pass through)."""
    if f.is_link_only:
        return AVAILABLE
    return _FIGSHARE_STATES.get(f.status, f.status or PROCESSING)


@dataclass(frozen=True)
class FileRow:
    """A file (or a local upload Figshare does not know yet: ``info`` is None)."""

    name: str
    size: int
    state: str
    verified: bool
    info: FileInfo | None = None
    detail: str = ""


class FilesModel(RowTableModel):
    """Rows for the files of the selected item."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[FileRow] = []
        self._files: list[FileInfo] = []
        self._local: dict[str, tuple[str, int, str]] = {}
        self._local_md5: dict[str, str] = {}

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_NAME:
                return row.name
            if col == COL_SIZE:
                return human_size(row.size)
            if col == COL_STATE:
                return row.state
            return "✔ md5 matches" if row.verified else ""
        if role == SORT_ROLE:
            return (row.name.casefold(), row.size, row.state, row.verified)[col]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_VERIFIED and row.verified and row.info:
                return f"Figshare's md5 {row.info.computed_md5} equals ours"
            if row.detail:
                return row.detail
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # --- our API ------------------------------------------------------------------------

    def files(self) -> Sequence[FileInfo]:
        return self._files

    def row_at(self, row: int) -> FileRow:
        return self._rows[row]

    def set_files(self, files: Sequence[FileInfo]) -> None:
        self._files = list(files)
        self._rebuild()

    def set_local_states(self, states: Mapping[str, tuple[str, int, str]]) -> None:
        """Local uploads by file name: (state, size, detail), e.g. ("queued", 1234, "");
        they override Figshare's word for a file of that name until the upload is done."""
        self._local = dict(states)
        self._rebuild()

    def set_local_md5s(self, md5s: Mapping[str, str]) -> None:
        """md5s we computed for uploads by file name: a file whose ``computed_md5`` equals
        ours is verified even when it was initiated without an md5 (``supplied_md5`` empty)."""
        if dict(md5s) != self._local_md5:
            self._local_md5 = dict(md5s)
            self._rebuild()

    def remove_file(self, file_id: int) -> None:
        self._files = [f for f in self._files if f.id != file_id]
        self._rebuild()

    def _rebuild(self) -> None:
        rows: list[FileRow] = []
        seen: set[str] = set()
        for f in self._files:
            local = self._local.get(f.name)
            state = local[0] if local and local[0] != AVAILABLE else file_state(f)
            ours = self._local_md5.get(f.name)
            verified = f.verified or bool(ours and ours == f.computed_md5)
            rows.append(FileRow(f.name, f.size, state, verified, f,
                                local[2] if local else ""))
            seen.add(f.name)
        for name, (state, size, detail) in sorted(self._local.items()):
            if name not in seen:
                rows.append(FileRow(name, size, state, False, None, detail))
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()
