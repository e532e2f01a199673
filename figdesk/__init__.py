"""figdesk: a desktop application and command line for Figshare."""

__version__ = "0.1.0"
