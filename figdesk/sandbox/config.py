"""Configuration of a sandbox instance (what the CLI flags and tests set)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MiB = 1024 * 1024


@dataclass
class SandboxConfig:
    """How to run a sandbox.

    ``port`` is the API port; the upload, stats and download services get their own ports
    (``upload_port`` etc., 0 = any free port).  The ports chosen at the first ``start()``
    are kept for later restarts.
    """

    host: str = "127.0.0.1"
    port: int = 0
    data_dir: str | Path | None = None
    token: str | None = None
    items: int = 0
    part_size: int = 10 * MiB
    seed: int = 0
    samples: bool = True
    upload_port: int = 0
    stats_port: int = 0
    download_port: int = 0
    # Host name put in download URLs: another name for the same machine, so that a test can
    # see whether an Authorization header leaked to the storage host.
    download_host: str = "localhost"
    # Seconds per file-processing step after "complete" (created -> ic_checking ->
    # moving_to_final -> available).
    processing_step: float = 0.05
    # How long a part PUT may wait for missing body bytes before the connection is dropped
    # (Figshare hangs until its own timeout when a body is shorter than Content-Length).
    body_timeout: float = 30.0
    # Most recent requests kept in ``Sandbox.requests``.
    request_log_size: int = 5000
    # Fault settings applied at start (see faults.FaultSettings); keys are its field names.
    faults: dict[str, object] = field(default_factory=dict)
