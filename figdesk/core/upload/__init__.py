"""The upload engine: pre-flight, md5, initiate, parts, complete, verify, resume.

``FileUpload`` (state), ``Control`` (pause/resume/stop/cancel/limit), ``Progress`` (events)
and ``UploadOptions`` are the stable surface the queue and the CLI code against.
"""

from figdesk.core.upload.control import Control, UploadInterrupted
from figdesk.core.upload.engine import UploadEngine
from figdesk.core.upload.folders import (
    FolderScan,
    Skipped,
    pack_folder_zip,
    scan_folder,
    walk_folder,
)
from figdesk.core.upload.hashing import Md5Cache, md5_file
from figdesk.core.upload.options import UploadOptions
from figdesk.core.upload.preflight import PreflightReport, preflight
from figdesk.core.upload.progress import Progress, ProgressCallback, SpeedMeter
from figdesk.core.upload.state import FileUpload, UploadState

__all__ = [
    "Control", "FileUpload", "FolderScan", "Md5Cache", "PreflightReport", "Progress",
    "ProgressCallback", "Skipped", "SpeedMeter", "UploadEngine", "UploadInterrupted",
    "UploadOptions", "UploadState", "md5_file", "pack_folder_zip", "preflight", "scan_folder",
    "walk_folder",
]
