"""The upload worker's pipe format: events, options and errors survive the round trip."""

from __future__ import annotations

import pytest

from figdesk.core.errors import AuthError, FigdeskError, UsageError
from figdesk.core.queue import (
    Job,
    JobChanged,
    JobKind,
    JobProgress,
    JobState,
    QueueBusyError,
    RunnerOptions,
    RunnerStatus,
)
from figdesk.core.queue.wire import (
    decode,
    encode,
    error_from_json,
    error_to_json,
    event_from_json,
    event_to_json,
    options_from_json,
    options_to_json,
)
from figdesk.core.upload import Progress, UploadOptions


def through_pipe(message: dict) -> dict:
    line = encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    return decode(line)


def test_events_come_back_equal() -> None:
    job = Job(id=3, kind=JobKind.UPLOAD_FILE, state=JobState.RUNNING, position=2.5,
              item_key="new:abc", group_id="g", payload={"upload": {"name": "a\nb.bin"}},
              error="", attempts=1, article_id=None)
    events = [JobChanged(job),
              JobProgress(3, Progress("k", "uploading", 10, 100, 5.0, None, "")),
              RunnerStatus("offline", "no network", 2.0)]
    for event in events:
        assert event_from_json(through_pipe(event_to_json(event))) == event
    assert event_from_json({"t": "started"}) is None


def test_options_keep_their_types_and_ignore_unknown_keys() -> None:
    options = RunnerOptions(files_at_once=3, upload=UploadOptions(
        parts_in_flight=4, junk_names=("x",), zip_folder=True))
    data = through_pipe(options_to_json(options))
    data["from_a_newer_app"] = 1
    assert options_from_json(RunnerOptions, data) == options
    assert options_from_json(RunnerOptions, {}) == RunnerOptions()


def test_errors_keep_their_class_and_words() -> None:
    for exc in (AuthError("token refused"), UsageError("There is no job 9 in the queue."),
                QueueBusyError("busy")):
        back = error_from_json(through_pipe(error_to_json(exc)))
        assert type(back) is type(exc) and back.message == exc.message
    odd = error_from_json({"kind": "os.system", "message": "m"})
    assert type(odd) is FigdeskError and odd.message == "m"


@pytest.mark.parametrize("line", [b"not json\n", b"[1, 2]\n"])
def test_unreadable_lines_are_errors_in_words(line: bytes) -> None:
    with pytest.raises(FigdeskError, match="unreadable"):
        decode(line)
