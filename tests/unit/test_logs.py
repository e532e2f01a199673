"""Redaction of secrets and the rotating log file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from figdesk.core.logs import (
    RedactingFilter,
    forget_secret,
    redact,
    register_secret,
    setup_logging,
    teardown_logging,
)

HEX = "0123456789abcdef" * 8


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    yield
    teardown_logging()


@pytest.mark.parametrize("text,secret", [
    (f"Authorization: token {HEX}", HEX),
    (f"{{'Authorization': 'token {HEX}', 'Accept': 'x'}}", HEX),
    (f'{{"authorization": "Bearer {HEX}"}}', HEX),
    (f"GET https://api.figshare.com/v2/account?access_token={HEX}&page=2", HEX),
    ("https://ndownloader.figshare.com/files/1?token=s3cr3tValue#frag", "s3cr3tValue"),
    ("https://figshare.com/s/1?private_link=abcdef123456 next", "abcdef123456"),
    ("PUT https://uploads.figshare.com/upload/9dfc5fe3-aaaa-bbbb-cccc-ddddeeeeffff/3 -> 200",
     "9dfc5fe3-aaaa-bbbb-cccc-ddddeeeeffff"),
    ("failed: http://127.0.0.1:5/upload/9dfc5fe3-aaaa-bbbb-cccc-ddddeeeeffff.",
     "9dfc5fe3-aaaa-bbbb-cccc-ddddeeeeffff"),
    ('{"upload_token": "9dfc5fe3-aaaa", "name": "a"}', "9dfc5fe3-aaaa"),
    ('{"token": "abcdefgh1234", "access_token": "zzzzyyyyxxxx"}', "abcdefgh1234"),
    ('{"token": "abcdefgh1234", "access_token": "zzzzyyyyxxxx"}', "zzzzyyyyxxxx"),
    (f"sent token {HEX} to the server", HEX),
])
def test_redact_patterns(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "***" in out


def test_redact_keeps_source_paths() -> None:
    text = 'File "/work/figdesk/core/upload/__init__.py", line 3, in <module> (upload/engine.py)'
    assert redact(text) == text


def test_redact_keeps_ordinary_text() -> None:
    text = "GET https://api.figshare.com/v2/account/articles/123/files?page=2 -> 200 in 0.1 s"
    assert redact(text) == text
    assert redact("the token expired") == "the token expired"
    assert redact("") == ""


def test_registered_secret_masked_anywhere() -> None:
    secret = "Zq9-plain-looking-secret"
    assert secret in redact(f"x{secret}y")
    register_secret(secret)
    try:
        assert redact(f"x{secret}y") == "x***y"
    finally:
        forget_secret(secret)
    register_secret("ab")                          # too short to mask safely: ignored
    assert redact("abba") == "abba"


def test_filter_redacts_args_exceptions_and_stack() -> None:
    record_text: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            record_text.append(self.format(record))

    handler = Keep()
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("figdesk.test.filter")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        logger.info("headers %s", {"Authorization": f"token {HEX}"})
        try:
            raise ValueError(f"https://x/upload/{HEX}")
        except ValueError:
            logger.exception("failed", stack_info=True)
        logger.info("bad format %s %s", "only one")  # noqa: PLE1206  (must not lose it)
    finally:
        logger.removeHandler(handler)
    assert len(record_text) == 3
    joined = "\n".join(record_text)
    assert HEX not in joined and "ValueError" in joined and "Traceback" in joined


def test_setup_logging_rotates_in_the_log_dir(tmp_path: Path) -> None:
    path = setup_logging(logging.INFO, max_bytes=2000, backups=2)
    assert path.parent == tmp_path / "figdesk-log"       # FIGDESK_LOG_DIR (conftest)
    log = logging.getLogger("figdesk.test.rotate")
    for i in range(200):
        log.info("line %d with token=%s", i, HEX)
    teardown_logging()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["figdesk.log", "figdesk.log.1", "figdesk.log.2"]
    text = "".join(p.read_text() for p in path.parent.iterdir())
    assert "line 199" in text and HEX not in text


def test_setup_logging_twice_does_not_duplicate(tmp_path: Path) -> None:
    setup_logging(directory=tmp_path)
    path = setup_logging(directory=tmp_path)
    logging.getLogger("figdesk.test.twice").warning("once")
    teardown_logging()
    assert path.read_text().count("once") == 1


def test_setup_shortcut(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from figdesk.core.logs import setup
    path = setup(verbose=False)
    logging.getLogger("figdesk.test.quiet").debug("hidden detail")
    logging.getLogger("figdesk.test.quiet").info("kept, token=%s", HEX)
    path = setup(verbose=True)
    logging.getLogger("figdesk.test.loud").debug("debug detail")
    teardown_logging()
    text = path.read_text()
    assert "hidden detail" not in text and "kept, token=***" in text and "debug detail" in text
    assert "debug detail" in capsys.readouterr().err
