"""The shared insides of one sandbox: state, faults, URLs, request log, file processing."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from urllib.parse import parse_qs

from .config import SandboxConfig
from .faults import Faults
from .hashing import PartHasher
from .httpbase import BLOCK, RequestLog
from .model import Account
from .render import Urls
from .samples import MAIN_ACCOUNT_ID, file_bytes, populate
from .store import Store

PROCESSING_STATES = ("ic_checking", "moving_to_final")


class ApiError(Exception):
    """An API error answer: ``{"message": ..., "code": ...}`` with an HTTP status."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class Core:
    """Everything the services share.  ``urls`` is set once the ports are bound."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = Store(config.data_dir)
        # Hashes upload parts as they arrive, so "complete" rarely has bytes left to hash.
        self.hasher = PartHasher(self.store)
        self.faults = Faults(config.seed, **config.faults)
        self.requests = RequestLog(config.request_log_size)
        self.urls = Urls("", "", "")
        self._secret = hashlib.sha256(f"storage/{config.seed}".encode()).digest()
        if not self.store.loaded:
            populate(self.store, config.seed, config.token, config.items, config.samples)
        elif config.token and config.token not in self.store.tokens:
            # A restart with another --token: it names the main account too.
            self.store.tokens[config.token] = MAIN_ACCOUNT_ID
            self.store.save_meta()

    # --- auth ------------------------------------------------------------------------------
    def account_for_token(self, token: str | None) -> Account | None:
        if not token or token in self.store.revoked:
            return None
        acc_id = self.store.tokens.get(token)
        return self.store.accounts.get(acc_id) if acc_id is not None else None

    @staticmethod
    def token_from(headers: dict[str, str] | object, query: str) -> str | None:
        auth = headers.get("Authorization") if hasattr(headers, "get") else None  # type: ignore[union-attr]
        if auth:
            scheme, _, value = str(auth).partition(" ")
            if scheme.lower() in ("token", "bearer") and value.strip():
                return value.strip()
            return ""  # present but malformed: an invalid token, not a missing one
        values = parse_qs(query).get("access_token") or parse_qs(query).get("token")
        return values[0] if values else None

    def token_of(self, account_id: int) -> str:
        for token, acc in self.store.tokens.items():
            if acc == account_id:
                return token
        raise KeyError(account_id)

    # --- storage URLs (signed, so the storage host needs no Authorization) -------------------
    def signature(self, file_id: int) -> str:
        return hmac.new(self._secret, str(file_id).encode(), "sha256").hexdigest()[:32]

    def storage_url(self, file_id: int) -> str:
        return f"{self.urls.download}/storage/{file_id}/{self.signature(file_id)}"

    # --- file processing after "complete" ----------------------------------------------------
    def step_seconds(self) -> float:
        override = self.faults.settings.processing_step
        return self.config.processing_step if override is None else override

    def process_file(self, file_id: int) -> None:
        threading.Thread(
            target=self._process, args=(file_id,), name=f"process-{file_id}", daemon=True
        ).start()

    def resume_processing(self) -> None:
        """After a restart, finish what a stop interrupted."""
        with self.store.lock:
            pending = [
                r.id
                for r in self.store.files.values()
                if r.status in PROCESSING_STATES
                or (
                    r.status == "created"
                    and self.store.uploads.get(r.upload_token) is not None
                    and self.store.uploads[r.upload_token].status == "COMPLETED"
                )
            ]
        for file_id in pending:
            self.process_file(file_id)

    def _set_status(self, file_id: int, status: str, md5: str | None = None) -> bool:
        with self.store.lock:
            rec = self.store.files.get(file_id)
            if rec is None:
                return False
            rec.status = status
            if md5 is not None:
                rec.computed_md5 = md5
            self.store.save(rec)
            return True

    def _process(self, file_id: int) -> None:
        time.sleep(self.step_seconds())
        if not self._set_status(file_id, "ic_checking"):
            return
        digest = self._computed_md5(file_id)
        time.sleep(self.step_seconds())
        with self.store.lock:
            rec = self.store.files.get(file_id)
            if rec is None:
                return
            failed = self.faults.take_ic_failure() or bool(
                rec.supplied_md5 and rec.supplied_md5 != digest
            )
        if failed:
            self._set_status(file_id, "ic_failure", digest)
            return
        self._set_status(file_id, "moving_to_final", digest)
        time.sleep(self.step_seconds())
        self._set_status(file_id, "available")

    def _computed_md5(self, file_id: int) -> str:
        """The running hash of the upload session finished off, else a whole-file pass."""
        with self.store.lock:
            rec = self.store.files.get(file_id)
            token = rec.upload_token if rec is not None and rec.source == "upload" else ""
        digest = self.hasher.finish(token) if token else None
        return digest if digest is not None else self._md5_of(file_id)

    def _md5_of(self, file_id: int) -> str:
        md5 = hashlib.md5()
        rec = self.store.files.get(file_id)
        if rec is not None and rec.source == "gen":
            md5.update(file_bytes(rec.id, rec.size))
            return md5.hexdigest()
        try:
            with open(self.store.file_path(file_id), "rb") as f:
                while block := f.read(BLOCK):
                    md5.update(block)
        except FileNotFoundError:
            pass
        return md5.hexdigest()
