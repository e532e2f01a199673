"""Multi-step jobs built on the API client (no Qt): drafts cleanup, search, export, ...

Each workflow takes a ``FigshareClient`` plus plain callbacks for progress and a
``threading.Event`` for cancellation, so the command line and the GUI share the same code.
"""
