"""figdesk.core: everything that talks to Figshare, the disk or the queue. No Qt here."""
