"""figdesk.gui: the PySide6 desktop app on a qasync event loop. Thin: the work is in core."""
