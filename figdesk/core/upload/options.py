"""Settings of the upload engine, pre-flight and folder walk (one frozen dataclass)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

OnConflict = Literal["skip", "keep_both", "replace"]
HashMode = Literal["concurrent", "before"]

#: Names left out of folder uploads by default (matched on the base name, case-insensitive).
DEFAULT_JUNK_NAMES: tuple[str, ...] = (".ds_store", "thumbs.db", "desktop.ini", "._.ds_store")
#: Directories left out of folder uploads by default.
DEFAULT_JUNK_DIRS: tuple[str, ...] = (".git", "__macosx", ".svn", ".hg")


@dataclass(frozen=True)
class UploadOptions:
    """How the engine uploads. Defaults are the ones measured best (benchmarks/RESULTS.md)."""

    # concurrency
    parts_in_flight: int = 8          # parallel part PUTs for one file
    files_in_flight: int = 2          # files uploaded at once by upload_many()
    max_connections: int = 16         # cap on PUTs in flight across all files (AIMD ceiling)
    limit_rate: float | None = None   # bytes/s for all uploads together; None: no cap
    # md5: "concurrent" initiates without md5 and hashes while the parts stream (one read of
    # the file from disk, the second from the page cache); "before" hashes first and sends it.
    hash_mode: HashMode = "concurrent"
    # the concurrent hasher stays at most this far ahead of the part senders, so each byte
    # is read from disk once and found in the page cache by the other reader
    hash_lead: int = 64 << 20
    chunk_size: int = 1 << 20         # read granularity: cancel/pause are checked between chunks
    # retries and timing
    part_retries: int = 8             # attempts per part before the file fails (this run)
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    poll_initial: float = 0.1         # first wait before polling the file status after complete
    poll_max: float = 5.0
    poll_timeout: float = 300.0       # then the file is "processing on Figshare", checked later
    # Figshare may md5 the whole file after complete; polling before it could have is wasted
    # (NOTES: about one API call a second), so polls after the first quick probe wait for
    # size / this rate (remote.poll_offsets).
    server_hash_rate: float = 400e6
    # After an initiate whose answer was lost, the request may still be running on the server
    # (a stall): look for its record again this long after, and sweep late ones then.
    initiate_settle: float = 5.0
    max_ic_failures: int = 2          # re-uploads after an integrity failure, then fail
    max_restarts: int = 3             # restarts after the local file changed mid-upload
    pause_hold: float = 20.0          # keep a paused PUT's connection open this long, then drop
    aimd_quiet: float = 10.0          # seconds without 429/5xx before concurrency grows by one
    # pre-flight
    on_conflict: OnConflict = "keep_both"
    follow_symlinks: bool = False
    max_files_per_item: int = 500     # NOTES §6 (Figshare+ allows 5000)
    # folders
    skip_junk: bool = True
    junk_names: tuple[str, ...] = DEFAULT_JUNK_NAMES
    junk_dirs: tuple[str, ...] = DEFAULT_JUNK_DIRS
    zip_folder: bool = False          # pack a folder into one zip before uploading
    zip_deflate: bool = False         # deflate instead of store inside that zip
    extra: dict[str, str] = field(default_factory=dict, compare=False)
