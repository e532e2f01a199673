"""Guards against a broken Qt binding: PySide6 6.12.0's ``SignalInstance.emit`` returns True
without a reference, so every emit from Python drops one reference to ``True`` and the
process aborts ("bool_dealloc: deallocating True or False") after enough signals. figdesk
emits progress signals all the time, so that version is excluded in pyproject.toml."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Source(QObject):
    fired = Signal(int)


def test_signal_emit_keeps_reference_counts(qapp: object) -> None:
    source = _Source()
    source.fired.connect(lambda _n: None)
    before = sys.getrefcount(True)
    for n in range(200):
        source.fired.emit(n)
    # Other threads may take or drop a few references meanwhile; 200 lost ones are the bug.
    assert sys.getrefcount(True) - before > -50
