"""``Sandbox``: the four services on their own ports, started and stopped together."""

from __future__ import annotations

import threading
from typing import Any, Self

from .api import ApiHandler, register_all
from .config import SandboxConfig
from .core import Core
from .downloads import DownloadHandler
from .faults import Faults
from .httpbase import Handler, RequestLog, Server
from .model import Account
from .render import Urls
from .samples import MAIN_ACCOUNT_ID, make_account, token_for
from .stats import StatsHandler
from .uploads import UploadHandler

_SERVICES: dict[str, type[Handler]] = {
    "api": ApiHandler,
    "upload": UploadHandler,
    "stats": StatsHandler,
    "download": DownloadHandler,
}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Sandbox:
    """A Figshare stand-in on this machine.  ``with Sandbox(SandboxConfig()) as sb: ...``"""

    def __init__(self, config: SandboxConfig | None = None, **overrides: Any) -> None:
        register_all()
        self.config = config or SandboxConfig(**overrides)
        self._core = Core(self.config)
        c = self.config
        self._ports = {
            "api": c.port,
            "upload": c.upload_port,
            "stats": c.stats_port,
            "download": c.download_port,
        }
        self._servers: dict[str, Server] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> Self:
        """Serve; after a stop, the same ports and the same state again."""
        with self._lock:
            if self._servers:
                return self
            host = self.config.host
            try:
                for name, handler in _SERVICES.items():
                    server = Server((host, self._ports[name]), handler, self._core)
                    self._servers[name] = server
                    self._ports[name] = server.server_address[1]
            except OSError:
                for server in self._servers.values():
                    server.server_close()
                self._servers.clear()
                raise
            dl_host = self.config.download_host if host in _LOOPBACK else host
            self._core.urls = Urls(
                api=f"http://{host}:{self._ports['api']}/v2",
                upload=f"http://{host}:{self._ports['upload']}",
                download=f"http://{dl_host}:{self._ports['download']}",
            )
            for name, server in self._servers.items():
                t = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"sandbox-{name}",
                    daemon=True,
                )
                t.start()
                self._threads.append(t)
        self._core.resume_processing()
        return self

    def stop(self) -> None:
        """Stop serving and release the ports (open connections are cut)."""
        with self._lock:
            for server in self._servers.values():
                server.shutdown()
            for server in self._servers.values():
                server.cut_connections()
                server.server_close()
            for t in self._threads:
                t.join(timeout=5)
            self._servers.clear()
            self._threads.clear()

    def close(self) -> None:
        """Stop and free the state (a temporary folder is removed)."""
        self.stop()
        self._core.hasher.stop()
        self._core.store.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return bool(self._servers)

    # --- addresses ---------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return self._core.urls.api

    @property
    def upload_base(self) -> str:
        return self._core.urls.upload

    @property
    def stats_url(self) -> str:
        return f"http://{self.config.host}:{self._ports['stats']}"

    @property
    def download_base(self) -> str:
        return self._core.urls.download

    @property
    def ports(self) -> dict[str, int]:
        return dict(self._ports)

    # --- people and tokens -------------------------------------------------------------------------
    @property
    def token(self) -> str:
        """The main account's token."""
        return self.config.token or self.token_of(MAIN_ACCOUNT_ID)

    def token_of(self, account_id: int) -> str:
        with self._core.store.lock:
            return self._core.token_of(account_id)

    def add_account(
        self,
        *,
        first_name: str = "Test",
        last_name: str = "User",
        email: str = "",
        quota: int = 20 * 1024**3,
        maximum_file_size: int | None = None,
        institution_id: int = 0,
        admin: bool = False,
        group_id: int = 0,
    ) -> tuple[int, str]:
        """A new account and its token: ``(account id, token)``."""
        store = self._core.store
        with store.lock:
            acc_id = store.new_id()
            acc = Account(
                id=acc_id,
                user_id=store.new_id(),
                first_name=first_name,
                last_name=last_name,
                email=email or f"user{acc_id}@example.org",
                quota=quota,
                maximum_file_size=quota if maximum_file_size is None else maximum_file_size,
                institution_id=institution_id,
                group_id=group_id,
                is_admin=admin,
                institution_user_id=f"user{acc_id}" if institution_id else "",
            )
            token = token_for(self.config.seed, acc_id)
            make_account(store, acc, token)
        return acc_id, token

    def revoke_token(self, token: str) -> None:
        with self._core.store.lock:
            self._core.store.revoked.add(token)
            self._core.store.save_meta()

    def restore_token(self, token: str) -> None:
        with self._core.store.lock:
            self._core.store.revoked.discard(token)
            self._core.store.save_meta()

    def abort_upload(self, upload: str) -> None:
        """Make an upload session ABORTED (give its token or its upload_url)."""
        token = upload.rstrip("/").rsplit("/", 1)[-1]
        store = self._core.store
        with store.lock:
            up = store.uploads[token]
            up.status = "ABORTED"
            store.save(up)

    # --- test hooks ----------------------------------------------------------------------------------
    @property
    def faults(self) -> Faults:
        return self._core.faults

    @property
    def requests(self) -> RequestLog:
        return self._core.requests

    @property
    def core(self) -> Core:
        """The insides, for tests that need to look at state directly."""
        return self._core
