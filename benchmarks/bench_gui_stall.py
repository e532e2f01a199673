"""How long the GUI thread stalls while a 1 GiB upload runs at full speed AND 10,000 items
load into the items view.

A QTimer beats every 5 ms on the GUI thread and records the gap since the previous beat; a
stall is a gap beyond the 5 ms period. A watchdog thread notices a beat that is late by more
than ``--sample-after`` ms and samples the GUI thread's stack (``sys._current_frames``) every
2 ms until the beat comes back, so any long stall comes with the code that caused it.

The sandbox runs in its own process (``figdesk sandbox --items N``) at nice 10, as Figshare's
servers are not in the app either, and as ``figdesk --sandbox`` runs its built-in one
(``--embedded-sandbox`` puts it in the app's process instead, for comparison). The app is the real main window with the upload queue installed,
on qasync, offscreen. Baseline in the same run: the same heartbeat with the app idle (signed
in, nothing moving), so the figure is read against what the machine does anyway.

Run: .venv/bin/python benchmarks/bench_gui_stall.py [--size-mib 1024] [--items 10000] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.common import MiB, machine, make_file, sandbox
from figdesk.core.queue.worker import WORKER_NICE

GOAL_MS = 50.0
BEAT_MS = 5


class Heartbeat:
    """Gaps between 5 ms beats on the GUI thread, and stacks sampled during stalls."""

    def __init__(self, sample_after_ms: float) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self.ends: list[float] = []    # when each gap ended (perf_counter)
        self.cpu: list[float] = []     # the GUI thread's own CPU time within each gap
        self.runq: list[float] = []    # time it was runnable but waiting for a CPU, per gap
        self.last_runq = 0
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.main_id = threading.get_ident()
        self.main_native = threading.get_native_id()
        self.kernel: collections.Counter[str] = collections.Counter()   # state/syscall in stalls
        self.sample_after = sample_after_ms / 1000.0
        self.samples: collections.Counter[str] = collections.Counter()
        self.on_cpu: collections.Counter[str] = collections.Counter()   # place -> samples
        self.stalls: list[tuple[float, str]] = []    # (ms, the most-seen stack in it)
        self._current: collections.Counter[str] = collections.Counter()
        self._stop = threading.Event()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(BEAT_MS)
        self.timer.timeout.connect(self._beat)
        self.watchdog = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)

    def start(self) -> None:
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.last_runq = self._runqueue_ns()
        self.gaps.clear()
        self.ends.clear()
        self.cpu.clear()
        self.runq.clear()
        self.timer.start()
        if not self.watchdog.is_alive():
            self.watchdog.start()

    def stop(self) -> None:
        self.timer.stop()

    def close(self) -> None:
        self._stop.set()

    def _beat(self) -> None:
        now = time.perf_counter()
        cpu = time.thread_time()
        waited = self._runqueue_ns()
        gap = now - self.last
        self.cpu.append(cpu - self.last_cpu)
        self.runq.append((waited - self.last_runq) / 1e9)
        self.last, self.last_cpu, self.last_runq = now, cpu, waited
        self.gaps.append(gap)
        self.ends.append(now)
        if self._current:
            stack, _n = self._current.most_common(1)[0]
            self.stalls.append((gap * 1000, stack))
            self._current = collections.Counter()

    def _watch(self) -> None:
        ran = self._cpu_ns()
        while not self._stop.is_set():
            time.sleep(0.002)
            before, ran = ran, self._cpu_ns()
            if time.perf_counter() - self.last < self.sample_after:
                continue
            self.kernel[self._kernel_state()] += 1
            frame = sys._current_frames().get(self.main_id)
            if frame is None:
                continue
            lines = traceback.format_stack(frame)[-12:]
            stack = "".join(line for line in lines if "bench_gui_stall" not in line
                            or "_run" in line)
            self._current[stack] += 1
            self.samples[stack] += 1
            if ran - before > 1_000_000:   # the GUI thread ran >1 ms of the last 2: real work
                self.on_cpu[place_of(stack)] += 1

    def _schedstat(self, field: int) -> int:
        """The GUI thread's schedstat: 0 = ns on a CPU, 1 = ns runnable, waiting for one."""
        try:
            with open(f"/proc/self/task/{self.main_native}/schedstat") as fh:
                return int(fh.read().split()[field])
        except (OSError, ValueError, IndexError):
            return 0

    def _cpu_ns(self) -> int:
        return self._schedstat(0)

    def _runqueue_ns(self) -> int:
        return self._schedstat(1)

    def _kernel_state(self) -> str:
        """What the kernel says the GUI thread is doing: R (on a CPU) or S/D with the system
        call it waits in (202 futex: a lock such as the GIL; 7 poll: idle in the event loop)."""
        base = f"/proc/self/task/{self.main_native}"
        try:
            with open(f"{base}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
            with open(f"{base}/syscall") as fh:
                call = fh.read().split()[0]
        except (OSError, IndexError):
            return "?"
        return state if state == "R" else f"{state}:{call}"

    def worst_window(self) -> tuple[float, float]:
        """(start, end) of the longest gap, in perf_counter seconds."""
        if not self.gaps:
            return (0.0, 0.0)
        worst = max(range(len(self.gaps)), key=self.gaps.__getitem__)
        return (self.ends[worst] - self.gaps[worst], self.ends[worst])

    def figures(self) -> dict[str, float]:
        ms = sorted(g * 1000 for g in self.gaps) or [0.0]
        stall = [max(0.0, g - BEAT_MS) for g in ms]
        cpu = sorted(c * 1000 for c in self.cpu) or [0.0]
        # the longest gap split: on a CPU, waiting for a CPU, and the rest (asleep: the GIL)
        worst = max(range(len(self.gaps)), key=self.gaps.__getitem__, default=None)
        split = ((self.cpu[worst] * 1000, self.runq[worst] * 1000) if worst is not None
                 else (0.0, 0.0))
        return {"beats": len(ms), "max_cpu": cpu[-1], "worst_cpu": split[0],
                "worst_runq": split[1],
                "p99_cpu": cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))], "max_gap": ms[-1], "max_stall": stall[-1],
                "p99_gap": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
                "p999_gap": ms[min(len(ms) - 1, int(len(ms) * 0.999))],
                "median_gap": statistics.median(ms),
                "over_goal": sum(1 for g in ms if g > GOAL_MS)}


def place_of(stack: str) -> str:
    """The deepest figdesk frame of a sampled stack ("file:function"), else the deepest."""
    frames = [line.strip() for line in stack.splitlines() if line.strip().startswith("File ")]
    ours = [f for f in frames if "/figdesk/" in f] or frames or ["(no Python frame)"]
    last = ours[-1]
    try:
        file = last.split('"')[1].split("/figdesk/")[-1]
        func = last.rsplit(" in ", 1)[1]
    except IndexError:
        return last
    return f"{file}:{func}"


def by_place(stalls: list[tuple[float, str]]) -> list[tuple[str, int, float]]:
    """Stalls over the goal grouped by where the GUI thread was: (place, count, worst ms)."""
    groups: dict[str, list[float]] = collections.defaultdict(list)
    for ms, stack in stalls:
        if ms > GOAL_MS:
            groups[place_of(stack)].append(ms)
    return sorted(((p, len(v), max(v)) for p, v in groups.items()), key=lambda t: -t[2])


class GcTrace:
    """Python's cyclic collections (``gc.callbacks``): generation, duration and thread."""

    gui_ms = 0.0     # collections run on the GUI thread so far (all traces together)

    def __init__(self) -> None:
        self.runs: list[tuple[int, float, str]] = []
        self._t0 = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            ms = (time.perf_counter() - self._t0) * 1000
            self.runs.append((info["generation"], ms, threading.current_thread().name))
            if threading.current_thread() is threading.main_thread():
                GcTrace.gui_ms += ms

    def summary(self) -> str:
        parts = []
        for gen in (0, 1, 2):
            ms = [m for g, m, _t in self.runs if g == gen]
            if ms:
                threads = collections.Counter(t for g, _m, t in self.runs if g == gen)
                parts.append(f"gen{gen}: {len(ms)} runs, max {max(ms):.1f} ms, total "
                             f"{sum(ms):.0f} ms, threads {dict(threads.most_common(3))}")
        return "; ".join(parts) or "none"


def tracing_app() -> Any:
    """A QApplication that times each event it delivers (``--trace-events``): the slow ones
    name the receiver and the event type, which the stack sampler cannot when the time goes
    in Qt's C++ (painting, layouts) with no Python frame on the stack."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    class TracingApp(QApplication):
        slow: ClassVar[collections.Counter[str]] = collections.Counter()
        worst: ClassVar[dict[str, float]] = {}
        paints: ClassVar[collections.Counter[str]] = collections.Counter()
        paint_ms: ClassVar[dict[str, float]] = {}
        regions: ClassVar[dict[str, collections.Counter[str]]] = collections.defaultdict(
            collections.Counter)
        depth = 0
        log: ClassVar[list[tuple[float, str, float, float, str]]] = []
        inner: ClassVar[list[tuple[float, str]]] = []   # paints within the current outer event
        outer: ClassVar[list[tuple[float, float, float, str]]] = []  # (end, ms, cpu ms, what)

        def notify(self, receiver: Any, event: Any) -> bool:
            # Named before delivery: a deferred delete leaves nothing to ask afterwards.
            cls = _cpp_class(receiver) if event.type() == QEvent.Type.DeferredDelete else ""
            TracingApp.depth += 1
            t0 = time.perf_counter()
            c0 = time.thread_time()
            g0 = GcTrace.gui_ms
            try:
                return super().notify(receiver, event)
            finally:
                TracingApp.depth -= 1
                ms = (time.perf_counter() - t0) * 1000
                if event.type() == QEvent.Type.Paint:
                    name = receiver.objectName() if hasattr(receiver, "objectName") else ""
                    parent = receiver.parent() if hasattr(receiver, "parent") else None
                    owner = parent.parent() if parent is not None else None
                    key = (f"paint {type(receiver).__name__}#{name} in "
                           f"{type(parent).__name__ if parent is not None else '-'} in "
                           f"{type(owner).__name__ if owner is not None else '-'}")
                    if "viewport" in name:
                        r = event.rect()
                        TracingApp.regions[key][f"{r.width()}x{r.height()}"] += 1
                    TracingApp.paints[key] += 1
                    TracingApp.paint_ms[key] = TracingApp.paint_ms.get(key, 0.0) + ms
                    TracingApp.inner.append((ms, key.split(" in ")[0][len("paint "):]))
                elif TracingApp.depth > 0 and ms > 1:
                    TracingApp.inner.append((ms, _event_name(receiver, event, cls)))
                if TracingApp.depth == 0 and ms > 1:
                    what = _event_name(receiver, event, cls)
                    cpu = (time.thread_time() - c0) * 1000
                    TracingApp.outer.append((time.perf_counter(), ms, cpu, what))
                    if ms > 8:
                        TracingApp.slow[what] += 1
                        TracingApp.worst[what] = max(ms, TracingApp.worst.get(what, 0.0))
                        top = sorted(TracingApp.inner, reverse=True)[:3]
                        within = [f"{n} {m:.0f} ms" for m, n in top]
                        if GcTrace.gui_ms - g0 > 1:
                            within.insert(0, f"Python's GC {GcTrace.gui_ms - g0:.0f} ms")
                        TracingApp.log.append((time.perf_counter(), what, ms, cpu,
                                               ", ".join(within)))
                if TracingApp.depth == 0:
                    TracingApp.inner.clear()

    return TracingApp([])


def _event_name(receiver: Any, event: Any, cls: str) -> str:
    """``Class#objectName EventType`` for the trace (``cls``: the C++ class, when known)."""
    from PySide6.QtCore import QEvent

    name = receiver.objectName() if hasattr(receiver, "objectName") else ""
    return (f"{cls or type(receiver).__name__}{'#' + name if name else ''} "
            f"{QEvent.Type(event.type()).name}")


def _cpp_class(obj: Any) -> str:
    """The C++ class of a QObject, from the symbol its vtable's first slot (metaObject)
    points at. For objects Python never wrapped PySide can hand ``notify`` a stale wrapper
    of another type (a QEvent), so the wrapper's type says nothing."""
    import ctypes

    import shiboken6

    class DlInfo(ctypes.Structure):
        _fields_: ClassVar[list[tuple[str, Any]]] = [
            ("fname", ctypes.c_char_p), ("fbase", ctypes.c_void_p),
            ("sname", ctypes.c_char_p), ("saddr", ctypes.c_void_p)]

    try:
        vtable = ctypes.c_void_p.from_address(shiboken6.getCppPointer(obj)[0]).value
        slot = ctypes.c_void_p.from_address(vtable or 0).value
        info = DlInfo()
        if not ctypes.CDLL(None).dladdr(ctypes.c_void_p(slot), ctypes.byref(info)):
            return ""
        return (info.sname or b"?").decode()
    except (TypeError, ValueError, OSError):
        return ""


@contextlib.contextmanager
def embedded_sandbox(items: int, part_size: int) -> Iterator[Any]:
    """The sandbox inside the app's own process, as ``figdesk --sandbox`` used to run it."""
    from figdesk.sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(host="127.0.0.1", port=0, items=items, samples=False,
                               part_size=part_size, processing_step=0)) as sb:
        yield sb


def renice_process(pid: int, nice: int) -> None:
    """Lower every thread of ``pid`` (threads made later inherit it from their maker). The
    sandbox stands in for Figshare's servers, which are not on the user's machine: on a 2-core
    box it should not take the CPU the app's GUI thread needs."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.setpriority(os.PRIO_PROCESS, int(task.name), nice)
        except OSError:
            pass


def spin_until(cond: Any, timeout: float) -> bool:
    """Let Qt and the qasync loop run (the GUI keeps beating) until ``cond()``."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(lambda: (cond() or time.monotonic() > deadline) and loop.quit())
    poll.start()
    if not cond():
        loop.exec()
    poll.stop()
    return bool(cond())


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="figdesk-bench-gui-",
                                 dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None))
    for name in ("DATA", "CONFIG", "CACHE", "LOG"):
        os.environ[f"FIGDESK_{name}_DIR"] = str(work / name.lower())
    import qasync
    from PySide6.QtWidgets import QApplication

    from figdesk.core.credentials import Profile
    from figdesk.core.queue import RunnerOptions
    from figdesk.core.upload import UploadOptions
    from figdesk.gui.accounts import Accounts
    from figdesk.gui.app import tune_interpreter
    from figdesk.gui.main_window import MainWindow
    from figdesk.gui.queue_controller import install_upload_queue
    from figdesk.gui.theme import apply_theme

    tune_interpreter()            # as the app does, and its (light) look below
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval / 1000)
    app = QApplication.instance() or (tracing_app() if args.trace_events else QApplication([]))
    apply_theme(app, dark=False)
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        path = work / "big.bin"
        make_file(path, args.size_mib * MiB)
        out: dict[str, Any] = {"load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
                           "sandbox_nice": args.sandbox_nice, "gc": args.gc,
                           "embedded": args.embedded_sandbox,
                           "switch_ms": sys.getswitchinterval() * 1000}
        serve = (embedded_sandbox(args.items, args.part_mib * MiB) if args.embedded_sandbox
                 else sandbox("--items", str(args.items), part_size=args.part_mib * MiB))
        with serve as sb:
            if args.sandbox_nice and not args.embedded_sandbox:
                renice_process(sb.proc.pid, args.sandbox_nice)
            window = MainWindow(Accounts())
            options = RunnerOptions(upload=UploadOptions(parts_in_flight=args.parts))
            uploads = install_upload_queue(window, use_tray=False, options=options)
            window.show()
            task = asyncio.ensure_future(window.dialog_connect(Profile("bench", sb.api_url),
                                                               sb.token))
            spin_until(task.done, 60)
            beat = Heartbeat(args.sample_after)

            # Baseline: the app signed in and idle.
            window.adopt(task.result())
            spin_until(lambda: not window.items.loading and window.items.model.rowCount() > 0, 300)
            spin_until(lambda: uploads.runner is not None, 30)
            beat.start()
            spin_until(lambda: False, args.idle_seconds)
            beat.stop()
            out["idle"] = beat.figures()

            if args.gc == "freeze":
                gc.collect()
                gc.freeze()
            elif args.gc == "off":
                gc.disable()
            # Phase 1, the upload alone (the items already listed); phase 2, the goal's load:
            # reload all items and upload 1 GiB to a new item, together.
            for phase, reload_items in (("upload", False), ("both", True)):
                out[phase] = measure(window, uploads, beat, path, args, reload_items)
            if args.gc == "default":
                # A second configuration in the same run: the same load with Python's cyclic
                # GC off, to tell how much of the GUI thread's time the collector takes.
                gc.disable()
                try:
                    out["both_nogc"] = measure(window, uploads, beat, path, args, True)
                finally:
                    gc.enable()
            beat.close()
            window.ask_unsaved = lambda: "discard"     # type: ignore[method-assign]
            window.close()
            spin_until(lambda: uploads.runner is None, 5)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def measure(window: Any, uploads: Any, beat: Heartbeat, path: Path, args: argparse.Namespace,
            reload_items: bool) -> dict[str, Any]:
    """Upload ``path`` to a new item (and reload every item if asked) under the heartbeat."""
    from PySide6.QtWidgets import QApplication

    from figdesk.core.queue import JobState
    from figdesk.gui.dropzone import DropTarget

    app: Any = QApplication.instance()
    gct = GcTrace()
    gc.callbacks.append(gct)
    if args.trace_events:
        app.paints.clear()
        app.paint_ms.clear()
        app.regions.clear()
    beat.stalls.clear()
    beat.samples.clear()
    beat.kernel.clear()
    beat.on_cpu.clear()
    if args.trace_events:
        phase = "both" if reload_items else "upload"
        app.log.append((time.perf_counter(), f"--- the {phase} phase starts", 0.0, 0.0, ""))
    beat.start()
    t0 = time.perf_counter()
    loaded_at: list[float] = []
    if reload_items:
        window.items.loaded.connect(lambda _n: loaded_at.append(time.perf_counter() - t0))
        window.items.refresh()
    up = asyncio.ensure_future(uploads.upload_paths([str(path)], DropTarget(None)))
    perf = None
    if args.perf:
        # Native stacks of the GUI thread alone (C++ time shows no Python frame above).
        import signal
        import subprocess

        perf = subprocess.Popen(["perf", "record", "-q", "-F", "499", "-g", "-t",
                                 str(beat.main_native), "-o",
                                 f"{args.perf}.{'both' if reload_items else 'upload'}"])

    def done() -> bool:
        rows = uploads.model.rows()
        return (bool(loaded_at) or not reload_items) and up.done() and bool(rows) and all(
            r.job.state is JobState.DONE for r in rows)

    ok = spin_until(done, args.timeout)
    elapsed = time.perf_counter() - t0
    beat.stop()
    if perf is not None:
        perf.send_signal(signal.SIGINT)
        perf.wait(30)
    figures = beat.figures()
    gc.callbacks.remove(gct)
    if args.trace_events:
        start, end = beat.worst_window()
        print(f"Qt events over 1 ms within the longest gap of the "
              f"{'both' if reload_items else 'upload'} phase ({(end - start) * 1000:.1f} ms):")
        for t_end, ms, cpu, what in app.outer:
            if t_end > start and t_end - ms / 1000 < end:
                print(f"  at +{(t_end - ms / 1000 - start) * 1000:5.1f} ms: {what} {ms:.1f} ms "
                      f"({cpu:.1f} ms on a CPU)")
        app.outer.clear()
        print(f"GC, {'both' if reload_items else 'upload'} phase: {gct.summary()}")
        print(f"paint events, {'both' if reload_items else 'upload'} phase: count, total ms")
        for key, n in app.paints.most_common(14):
            print(f"  {key}: {n}, {app.paint_ms[key]:.0f} ms "
                  f"{dict(app.regions[key].most_common(4)) if key in app.regions else ''}")
    return {**figures, "ok": ok, "elapsed": elapsed,
            "items_loaded_s": loaded_at[0] if loaded_at else None,
            "items": window.items.model.rowCount(),
            "mib_s": args.size_mib / elapsed if ok else None,
            "worst": sorted(beat.stalls, reverse=True)[:args.show],
            "by_place": by_place(beat.stalls), "kernel": beat.kernel.most_common(4),
            "on_cpu": beat.on_cpu.most_common(6)}


def report(out: dict[str, Any], size_mib: int) -> str:
    idle = out["idle"]
    where = ("inside the app's process" if out["embedded"]
             else f"process at nice {out['sandbox_nice']}")
    lines = [(f"- machine: {machine()}; load average at start {out['load']}; sandbox "
             f"{where}, the app's upload worker process at nice "
             f"{WORKER_NICE}; GIL switch interval {out['switch_ms']:g} ms; Python GC: "
             f"{out['gc']}"),
             (f"- baseline, the same app signed in and idle: max gap {idle['max_gap']:.1f} ms, "
             f"p99 {idle['p99_gap']:.1f} ms")]
    both = (f"{size_mib} MiB upload + {out['both']['items']:,} items reloading into the "
            "items view, together")
    for phase, what in (("upload", f"{size_mib} MiB upload to a new item, alone"),
                        ("both", both),
                        ("both_nogc", both + ", Python's cyclic GC off (comparison)")):
        f = out.get(phase)
        if f is None:
            continue
        loaded = (f"; items listed after {f['items_loaded_s']:.1f} s"
                  if f["items_loaded_s"] is not None else "")
        lines.append(
            f"- {what}: {'done' if f['ok'] else 'NOT done (timeout)'} in {f['elapsed']:.1f} s"
            f" ({f['mib_s'] or 0:.0f} MiB/s{loaded}); GUI thread max gap {f['max_gap']:.1f} ms,"
            f" p99 {f['p99_gap']:.1f} ms, median {f['median_gap']:.1f} ms, {f['over_goal']} "
            f"gaps over {GOAL_MS:.0f} ms in {f['beats']:,} beats (ratio max/idle max "
            f"{f['max_gap'] / max(idle['max_gap'], 0.001):.1f}x); goal "
            f"{'met' if f['max_gap'] <= GOAL_MS else 'NOT met'}")
        lines.append(f"  - CPU the GUI thread itself spent between two beats: max "
                     f"{f['max_cpu']:.1f} ms, p99 {f['p99_cpu']:.1f} ms (a wall-clock gap well "
                     "above this is time the thread waited: for a CPU, or the GIL)")
        rest = f["max_gap"] - f["worst_cpu"] - f["worst_runq"]
        lines.append(f"  - the longest gap, {f['max_gap']:.1f} ms: {f['worst_cpu']:.1f} ms on a "
                     f"CPU, {f['worst_runq']:.1f} ms runnable but waiting for a CPU, "
                     f"{max(rest, 0.0):.1f} ms asleep (the GIL, or the event loop's timer)")
        lines.append("  - the GUI thread during stalls, per the kernel (state:syscall, samples): "
                     + ", ".join(f"{k} {n}" for k, n in f["kernel"]))
        lines.append("  - where the GUI thread was working (on a CPU) during stalls, 2 ms "
                     "samples: " + (", ".join(f"`{p}` {n}" for p, n in f["on_cpu"]) or "none"))
        for place, n, worst in f["by_place"][:6]:
            lines.append(f"  - stalls in `{place}`: {n}, worst {worst:.0f} ms")
    return "\n".join(lines)


def write_results(text: str) -> None:
    """Replace (or add) the "GUI responsiveness" section of RESULTS.md; others stay as they
    are."""
    path = ROOT / "benchmarks" / "RESULTS.md"
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    head = "## GUI responsiveness"
    section = (f"{head}\n\n`benchmarks/bench_gui_stall.py` ({time.strftime('%Y-%m-%d')}): "
               "a 5 ms QTimer heartbeat on the GUI thread records the longest gap.\n\n"
               f"{text}\n")
    if head in old:
        start = old.index(head)
        nxt = old.find("\n## ", start + len(head))
        new = old[:start] + section + (old[nxt + 1:] if nxt >= 0 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + section
    path.write_text(new)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size-mib", type=int, default=1024)
    p.add_argument("--part-mib", type=int, default=10)
    p.add_argument("--items", type=int, default=10000)
    p.add_argument("--idle-seconds", type=float, default=3.0)
    p.add_argument("--sample-after", type=float, default=30.0,
                   help="sample the GUI stack once a beat is this many ms late")
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--parts", type=int, default=8, help="parts in flight (engine default 8)")
    p.add_argument("--switch-interval", type=float, default=0.0,
                   help="sys.setswitchinterval in ms (0: the app's own, figdesk.gui.app)")
    p.add_argument("--perf", default="", metavar="FILE",
                   help="also record the GUI thread with `perf record -g` into FILE.<phase>")
    p.add_argument("--sandbox-nice", type=int, default=10,
                   help="nice value of the sandbox process (0: leave it as it is)")
    p.add_argument("--embedded-sandbox", action="store_true",
                   help="run the sandbox inside the app's process (as `figdesk --sandbox` "
                        "did before its sandbox moved to a child process)")
    p.add_argument("--gc", choices=("default", "freeze", "off"), default="default",
                   help="Python's cyclic GC during the runs: as is, gc.freeze() after the "
                        "first load (long-lived objects no longer scanned), or disabled")
    p.add_argument("--trace-events", action="store_true",
                   help="time every Qt event delivery and print the slow ones (>8 ms)")
    p.add_argument("--show", type=int, default=3, help="print the stacks of the N worst")
    p.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = p.parse_args()
    out = run(args)
    text = report(out, args.size_mib)
    print(text)
    for phase in ("upload", "both"):
        for ms, stack in out[phase]["worst"]:
            print(f"\n--- {phase}: stall {ms:.1f} ms, the GUI thread was in:\n{stack}")
    if args.trace_events:
        from PySide6.QtWidgets import QApplication

        app: Any = QApplication.instance()
        print("\nslow Qt event deliveries (>8 ms, outermost): count, worst ms")
        for key, n in app.slow.most_common(15):
            print(f"  {key}: {n}, worst {app.worst[key]:.0f} ms")
        print("slow deliveries over 20 ms in time order (s since the first):")
        t0 = app.log[0][0] if app.log else 0.0
        for t, key, ms, cpu, paints in app.log:
            if key.startswith("---"):
                print(f"  {t - t0:7.2f} {key}")
            elif ms > 20:
                print(f"  {t - t0:7.2f} {key} {ms:.0f} ms ({cpu:.0f} ms on a CPU)"
                      f"{'; within it: ' + paints if paints else ''}")
        print("paint events (whole run): count, total ms")
        for key, n in app.paints.most_common(25):
            print(f"  {key}: {n}, {app.paint_ms[key]:.0f} ms "
                  f"{dict(app.regions[key].most_common(4)) if key in app.regions else ''}")
    if args.write:
        write_results(text)
    return 0 if out["upload"]["ok"] and out["both"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
