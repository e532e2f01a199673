"""The upload engine: pre-flight, md5, initiate, parts, complete, verify, resume.

``FileUpload`` (state), ``Control`` (pause/resume/stop/cancel/limit), ``Progress`` (events)
and ``UploadOptions`` are the stable surface the queue and the CLI code against.
"""

from figdesk.core.upload.control import Control, UploadInterrupted
from figdesk.core.upload.options import UploadOptions
from figdesk.core.upload.progress import Progress, ProgressCallback, SpeedMeter
from figdesk.core.upload.state import FileUpload, UploadState

__all__ = [
    "Control", "FileUpload", "Progress", "ProgressCallback", "SpeedMeter", "UploadInterrupted",
    "UploadOptions", "UploadState",
]
