"""What crosses the pipe between the app and its upload worker process, as JSON lines.

The app runs the queue in a child process (``figdesk.core.queue.worker``) so that the upload
threads never compete with the GUI thread for Python's GIL. Both ends speak one JSON object a
line: events from the worker (``{"t": "job" | "progress" | "status" | ...}``), requests from the
app (``{"op": ..., "rid": n}``) and their replies. This module turns the queue's dataclasses
into such objects and back; it does no I/O.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, TypeVar

from figdesk.core import errors
from figdesk.core.errors import FigdeskError
from figdesk.core.queue.events import JobChanged, JobProgress, RunnerEvent, RunnerStatus
from figdesk.core.queue.jobs import Job, JobKind, JobState
from figdesk.core.upload import Progress

T = TypeVar("T")
Message = dict[str, Any]


def encode(message: Message) -> bytes:
    """One line of the pipe (compact JSON, newline-terminated)."""
    return (json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8")


def decode(line: bytes | str) -> Message:
    """A line back into a message; anything but a JSON object is an error in words."""
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise FigdeskError(f"The upload worker sent something unreadable ({exc}).") from exc
    if not isinstance(value, dict):
        raise FigdeskError("The upload worker sent something unreadable (not an object).")
    return value


# --- events ----------------------------------------------------------------------------------

def event_to_json(event: RunnerEvent) -> Message:
    if isinstance(event, JobChanged):
        job = dataclasses.asdict(event.job)
        job["kind"] = event.job.kind.value
        job["state"] = event.job.state.value
        return {"t": "job", "job": job}
    if isinstance(event, JobProgress):
        return {"t": "progress", "id": event.job_id, "p": dataclasses.asdict(event.progress)}
    return {"t": "status", "state": event.state, "reason": event.reason,
            "next_probe_in": event.next_probe_in}


def event_from_json(message: Message) -> RunnerEvent | None:
    """The event a worker line carries, or None for lines that are not events."""
    kind = message.get("t")
    if kind == "job":
        data = dict(message["job"])
        data["kind"] = JobKind(data["kind"])
        data["state"] = JobState(data["state"])
        return JobChanged(Job(**data))
    if kind == "progress":
        return JobProgress(int(message["id"]), Progress(**message["p"]))
    if kind == "status":
        return RunnerStatus(str(message["state"]), str(message.get("reason") or ""),
                            message.get("next_probe_in"))
    return None


# --- options ---------------------------------------------------------------------------------

def options_to_json(options: Any) -> Message:
    return dataclasses.asdict(options)


def options_from_json(cls: type[T], data: Message) -> T:
    """Rebuild a (nested) options dataclass; JSON lists become tuples where the field's
    default is a tuple, and unknown keys are ignored (an older worker, a newer app)."""
    defaults: Any = cls()
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(defaults):
        if f.name not in data:
            continue
        value, default = data[f.name], getattr(defaults, f.name)
        if dataclasses.is_dataclass(default) and isinstance(value, dict):
            value = options_from_json(type(default), value)
        elif isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)


# --- errors ----------------------------------------------------------------------------------

def error_to_json(exc: FigdeskError) -> Message:
    return {"kind": type(exc).__name__, "message": exc.message}


def error_from_json(data: Message) -> FigdeskError:
    """The worker's error as the same FigdeskError class when figdesk.core.errors has it
    (QueueBusyError lives with the lock), else a plain FigdeskError."""
    from figdesk.core.queue.lock import QueueBusyError

    name = str(data.get("kind") or "")
    known: dict[str, type[FigdeskError]] = {"QueueBusyError": QueueBusyError}
    cls = known.get(name) or getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, FigdeskError)):
        cls = FigdeskError
    return cls(str(data.get("message") or "The upload worker failed."))
