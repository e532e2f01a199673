"""The figdesk command line."""
