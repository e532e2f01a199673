"""One error hierarchy for figdesk.

Every failure that reaches a user is a ``FigdeskError`` with a short ``title`` and a
``message`` a researcher understands. The API client converts every ``requests`` error and
HTTP status into one of these in one place; the GUI shows them in one place and the CLI prints
``str(error)`` on one line. Messages never contain a token (the client redacts before raising).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class FigdeskError(Exception):
    """Base class. ``str(err)`` is the one line the CLI prints."""

    title = "Something went wrong"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 data: Any = None, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.data = data
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class UsageError(FigdeskError):
    """The user asked for something impossible (bad option, malformed file). CLI exit 2."""

    title = "Invalid input"


class ApiError(FigdeskError):
    """Figshare answered with an error status not covered by a subclass."""

    title = "Figshare refused the request"


class BadRequestError(ApiError):
    """400: Figshare could not accept the request (e.g. missing mandatory field to publish)."""

    title = "Figshare refused the request"


class AuthError(ApiError):
    """401/403 on authentication: the token is missing, wrong, expired or revoked."""

    title = "Sign-in needed"


class PermissionDeniedError(ApiError):
    """403 where the token works but may not do this."""

    title = "Not allowed"


class NotFoundError(ApiError):
    """404: the thing does not exist or this account cannot see it."""

    title = "Not found"


class ConflictError(ApiError):
    """409: e.g. an upload part is locked by another request."""

    title = "Conflict"


class ValidationError(ApiError):
    """422 (or a local check): a field is missing or invalid. ``field`` names it when known."""

    title = "Invalid data"

    def __init__(self, message: str, *, field: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.field = field


class RateLimitedError(ApiError):
    """429: Figshare asks us to slow down. ``retry_after`` in seconds when it said so."""

    title = "Figshare is busy"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: Figshare had a problem on its side. ``retry_after`` when a 503 said so."""

    title = "Figshare had a problem"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class OfflineError(FigdeskError):
    """No answer at all: no network, DNS failure, connection refused or reset, timeout."""

    title = "Figshare cannot be reached"


class TimeoutError_(OfflineError):
    """The server took too long to answer. (Named with a trailing underscore so it does not
    shadow the builtin ``TimeoutError``.)"""

    title = "Figshare took too long to answer"


class CancelledError(FigdeskError):
    """The user (or a shutdown) cancelled the operation; nothing failed. Not retried."""

    title = "Cancelled"


class InsecureUrlError(UsageError):
    """Plain http to a host that is not on loopback."""

    title = "Insecure address"


class FileChangedError(FigdeskError):
    """A local file changed (size or mtime) while it was being uploaded."""

    title = "File changed during upload"


class QuotaError(FigdeskError):
    """Not enough storage quota, or a file larger than the account's maximum file size."""

    title = "Not enough space on Figshare"


class QuotaExceededError(PermissionDeniedError, QuotaError):
    """Figshare refused (403) because of the storage quota or the maximum file size. Both a
    ``PermissionDeniedError`` (what the status says) and a ``QuotaError`` (what it means)."""

    title = QuotaError.title


class IntegrityError(FigdeskError):
    """The md5 Figshare computed differs from the local one (after the allowed retries)."""

    title = "Upload damaged in transit"


class DownloadError(FigdeskError):
    """A file could not be downloaded as asked (in words: which and why)."""

    title = "Download failed"


class LocalFileError(FigdeskError):
    """A local file is unreadable, vanished, or is not a regular file."""

    title = "Cannot read file"


class KeyringUnavailableError(FigdeskError):
    """No usable OS keyring: the token can be kept for this run only."""

    title = "No keyring"


@dataclass(frozen=True)
class Problem:
    """One pre-flight problem with one file, to be shown as one line."""

    path: str
    message: str
    fatal: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
