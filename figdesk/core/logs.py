"""Logging for figdesk: a rotating file in the user log dir, and redaction of secrets.

Tokens must never reach a log line. ``redact`` masks what looks like a credential wherever it
appears (an ``Authorization`` header, ``access_token=``/``token=`` in a URL, the upload token in
``/upload/<token>``, ``"token": "..."`` in JSON) plus every secret registered with
``register_secret`` (the client registers its token). ``RedactingFilter`` applies it to the
message, the arguments, the formatted traceback and the stack of every record that passes a
handler it is attached to; ``setup_logging`` attaches it to the handlers it installs.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from pathlib import Path

MASK = "***"

#: Secrets shorter than this are not registered: masking "a" or "12" would garble every line.
MIN_SECRET_LENGTH = 6

_secrets: set[str] = set()
_secrets_lock = threading.Lock()

# Each pattern keeps its first group (the label) and masks what follows it.
_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Authorization: token abc / Bearer abc / Basic abc, as a header line or in a dict repr.
    re.compile(r"""(?i)(authorization['"]?\s*[:=]\s*['"]?(?:token|bearer|basic)?\s*)"""
               r"""[^\s'",}]+"""),
    # access_token=..., token=..., private_link=... in query strings or form bodies.
    re.compile(r"""(?i)((?:access_token|upload_token|token|private_link)=)[^&\s'"#<>]+"""),
    # The upload service carries its token in the path: /upload/<token>[/partNo]. Tokens are
    # UUID-like (hex and dashes); a source path such as .../core/upload/engine.py is kept.
    re.compile(r"""(/upload/)[0-9A-Fa-f-]{16,}(?!\w|\.\w)"""),
    # JSON or dict reprs: "token": "...", 'access_token': '...'.
    re.compile(r"""(?i)(['"](?:access_token|refresh_token|upload_token|token)['"]\s*:\s*['"])"""
               r"""[^'"]+"""),
    # A bare "token <long hex>" as Figshare's header value appears when printed on its own.
    re.compile(r"""(?i)(\btoken\s+)[0-9a-f]{20,}"""),
)


def register_secret(secret: str | None) -> None:
    """Remember ``secret`` so that ``redact`` masks it wherever it appears."""
    if secret and len(secret) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(secret)


def forget_secret(secret: str | None) -> None:
    """Stop masking ``secret`` (after sign-out). Unknown secrets are ignored."""
    if secret:
        with _secrets_lock:
            _secrets.discard(secret)


def redact(text: str) -> str:
    """Return ``text`` with tokens and registered secrets replaced by ``***``."""
    if not text:
        return text
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """A filter that rewrites every record so that no secret survives formatting.

    The message is formatted with its arguments first and the result redacted, because a token
    may arrive through an argument (e.g. a URL or a headers dict). Tracebacks are formatted
    here too, so that the handler's formatter finds them already redacted in ``exc_text``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a broken format must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


LOG_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
LOG_FILE = "figdesk.log"

_installed: list[logging.Handler] = []
_install_lock = threading.Lock()
_previous_level: list[int] = []     # the root level before the first setup_logging


def setup_logging(level: int | str = logging.INFO, *, directory: Path | None = None,
                  console: bool = False, max_bytes: int = 5 * 2**20,
                  backups: int = 5, filename: str = LOG_FILE) -> Path:
    """Send figdesk's logs to a rotating file (and optionally stderr), redacted.

    ``directory`` defaults to the user log dir (``figdesk.core.paths.log_dir``, which honours
    ``FIGDESK_LOG_DIR``). Calling it again replaces the handlers it installed before, so the GUI
    and the CLI can both call it. ``filename``: another process writing at the same time (the
    app's upload worker) needs a file of its own, or the two would race on rotation. Returns
    the log file's path.
    """
    if directory is None:
        from figdesk.core.paths import log_dir
        directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                             encoding="utf-8", delay=True)]
    if console:
        handlers.append(logging.StreamHandler())
    root = logging.getLogger()
    with _install_lock:
        _remove_installed(root)
        for handler in handlers:
            handler.setFormatter(logging.Formatter(LOG_FORMAT))
            handler.addFilter(RedactingFilter())
            root.addHandler(handler)
            _installed.append(handler)
        if not _previous_level:
            _previous_level.append(root.level)
        root.setLevel(level)
    return path


def _remove_installed(root: logging.Logger) -> None:
    """Take off (and close) the handlers this module put on ``root``; hold _install_lock."""
    for old in _installed:
        root.removeHandler(old)
        old.close()
    _installed.clear()


def setup(verbose: bool = False) -> Path:
    """The usual setup for the CLI and the GUI: the log file at INFO, or with ``verbose`` at
    DEBUG and echoed to stderr."""
    return setup_logging(logging.DEBUG if verbose else logging.INFO, console=verbose)


def teardown_logging() -> None:
    """Remove and close the handlers ``setup_logging`` installed and restore the root level
    (tests, clean exit)."""
    root = logging.getLogger()
    with _install_lock:
        _remove_installed(root)
        if _previous_level:
            root.setLevel(_previous_level.pop())
