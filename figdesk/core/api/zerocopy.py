"""Request bodies sent straight from a file: ``sendfile`` on plain sockets, a reused buffer on TLS.

A part PUT moves hundreds of megabytes. Read into a fresh ``bytes`` and handed to
``sock.sendall``, every byte is copied out of the page cache into Python and back into the
kernel, and every chunk costs a fresh allocation.
On a plain TCP socket (the loopback sandbox; figdesk refuses plain http anywhere else)
``os.sendfile`` lets the kernel take the bytes from the page cache, with no copy through
Python. TLS must encrypt in user space, so there the bytes are read with ``preadv`` into one
buffer per connection that is reused for every chunk (no allocation per chunk).

How it plugs into requests: a body yields ``FileRange`` chunks (a file descriptor, an offset
and a length). ``ZeroCopyAdapter`` makes urllib3 use connection classes whose ``send``
recognises them. Any other connection (an injected session, a proxy library) still works:
``http.client`` fails to ``sendall`` the object and then iterates it, and ``FileRange``
iterates as ``bytes`` read from the file.

A file that got shorter never completes a request: the size is checked before each range is
sent, and a range that still comes out short raises ``FileChangedError`` (the connection is
then closed by urllib3, so the server sees a broken body, not a finished one).
"""

from __future__ import annotations

import errno
import os
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from figdesk.core.api.interrupt import note_socket
from figdesk.core.errors import FileChangedError, LocalFileError

#: Largest read when a range is sent through a buffer (TLS) or iterated as bytes.
READ_BLOCK = 1 << 20


class FileRange:
    """``length`` bytes at ``offset`` of the open file ``fd``: one chunk of a request body.

    ``on_error`` is told about a failure before it is raised (the HTTP stack may wrap or hide
    what it re-raises; the body that made the range wants to know the real cause).
    ``interrupt`` is called while a send waits for room in the socket and may raise to stop
    it (a cancel): the kernel can take a whole range at once and then free room in big steps,
    so waiting for the range to finish could take seconds on a slow link.
    """

    __slots__ = ("fd", "interrupt", "length", "offset", "on_error", "path")

    def __init__(self, fd: int, offset: int, length: int, *, path: str = "",
                 on_error: Callable[[BaseException], None] | None = None,
                 interrupt: Callable[[], None] | None = None) -> None:
        self.fd = fd
        self.offset = offset
        self.length = length
        self.path = path
        self.on_error = on_error
        self.interrupt = interrupt

    def __len__(self) -> int:
        return self.length

    def __repr__(self) -> str:
        return f"FileRange(fd={self.fd}, offset={self.offset}, length={self.length})"

    # --- checks --------------------------------------------------------------------------
    def _fail(self, exc: BaseException) -> BaseException:
        if self.on_error is not None:
            self.on_error(exc)
        return exc

    def _shorter(self) -> FileChangedError:
        exc = FileChangedError(
            f"{self.path or 'file'}: the file got shorter while it was being uploaded")
        self._fail(exc)
        return exc

    def _unreadable(self, exc: OSError) -> LocalFileError:
        err = LocalFileError(f"{self.path or 'file'}: cannot read the file ({exc.strerror})")
        self._fail(err)
        return err

    def check_present(self) -> None:
        """Raise ``FileChangedError`` when the file no longer holds the whole range."""
        try:
            size = os.fstat(self.fd).st_size
        except OSError as exc:
            raise self._unreadable(exc) from exc
        if size < self.offset + self.length:
            raise self._shorter()

    # --- as bytes (any HTTP stack) ---------------------------------------------------------
    def read_into(self, view: memoryview, pos: int) -> int:
        """Fill ``view`` with the range's bytes from ``pos`` (relative); short means changed."""
        try:
            if _HAVE_PREADV:
                n = os.preadv(self.fd, [view], self.offset + pos)
            else:  # no preadv on this system: read, then copy into the buffer
                data = os.pread(self.fd, len(view), self.offset + pos)
                n = len(data)
                view[:n] = data
        except OSError as exc:
            raise self._unreadable(exc) from exc
        if n != len(view):
            raise self._shorter()
        return n

    def tobytes(self) -> bytes:
        """The whole range as one ``bytes`` (short means the file changed)."""
        try:
            data = os.pread(self.fd, self.length, self.offset)
        except OSError as exc:
            raise self._unreadable(exc) from exc
        if len(data) != self.length:
            raise self._shorter()
        return data

    def __iter__(self) -> Iterator[bytes]:
        # For an HTTP stack that does not know FileRange: http.client cannot sendall it and
        # then iterates it.
        pos = 0
        while pos < self.length:
            n = min(READ_BLOCK, self.length - pos)
            yield FileRange(self.fd, self.offset + pos, n, path=self.path,
                            on_error=self.on_error, interrupt=self.interrupt).tobytes()
            pos += n

    def __bytes__(self) -> bytes:
        return self.tobytes()

    # --- onto a socket ---------------------------------------------------------------------
    def send_via_buffer(self, sock: Any, buf: bytearray) -> None:
        """Read into ``buf`` (reused) and ``sendall`` each block: the path for TLS."""
        view = memoryview(buf)
        pos = 0
        while pos < self.length:
            n = min(len(view), self.length - pos)
            self.read_into(view[:n], pos)
            sock.sendall(view[:n])
            pos += n

    def sendfile(self, sock: socket.socket) -> bool:
        """Send the range with ``os.sendfile`` (no copy through user space).

        Honours the socket's timeout as ``socket.sendfile`` does. Returns False, having sent
        nothing, when the kernel cannot sendfile from this file (the caller then reads it).
        """
        self.check_present()
        timeout = sock.gettimeout()
        if timeout == 0:
            raise ValueError("sendfile needs a blocking socket or one with a timeout")
        out = sock.fileno()
        poller: select.poll | None = None
        sent = 0
        while sent < self.length:
            try:
                n = os.sendfile(out, self.fd, self.offset + sent, self.length - sent)
            except BlockingIOError:
                # The socket has a timeout (non-blocking underneath) and its buffer is full.
                if poller is None:
                    poller = select.poll()
                    poller.register(out, select.POLLOUT)
                self._wait_for_room(poller, timeout)  # type: ignore[arg-type]
                continue
            except OSError as exc:
                if sent == 0 and exc.errno in _NO_SENDFILE:
                    return False
                raise
            if n == 0:
                raise self._shorter()  # end of file inside the range
            sent += n
        return True

    def _wait_for_room(self, poller: select.poll, timeout: float) -> None:
        """As in socket.sendfile, ``timeout`` bounds each wait for room in the buffer; the
        wait is cut in slices so that ``interrupt`` is asked a few times a second."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out")
            if poller.poll(min(left, INTERRUPT_SLICE) * 1000.0):
                return
            if self.interrupt is not None:
                self.interrupt()


#: Seconds between two looks at ``interrupt`` while a send waits for room.
INTERRUPT_SLICE = 0.1

_HAVE_PREADV = hasattr(os, "preadv")

#: errno values meaning "this file cannot be sent with sendfile", not "the connection broke".
_NO_SENDFILE = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP})


def _plain_tcp(sock: Any) -> bool:
    """True for a plain socket: TLS (``ssl.SSLSocket``, urllib3's TLS-in-TLS ``SSLTransport``)
    must see the bytes to encrypt them."""
    return isinstance(sock, socket.socket) and not isinstance(sock, ssl.SSLSocket)


class _RangeSender:
    """The ``send`` of our connection classes: ``FileRange`` chunks skip the bytes path."""

    #: Tests set this to False to drive the reading path over plain http.
    use_sendfile = hasattr(os, "sendfile")
    sock: Any
    _range_buf: bytearray | None = None

    def send(self, data: Any) -> None:
        if self.sock is None:
            self.connect()  # type: ignore[attr-defined]
        note_socket(self.sock)      # a cancel may now shut it (``interrupt``)
        if not isinstance(data, FileRange):
            super().send(data)  # type: ignore[misc]
            return
        if not data.length:
            return
        if self.use_sendfile and _plain_tcp(self.sock) and data.sendfile(self.sock):
            return
        data.check_present()
        if self._range_buf is None:
            # One buffer per connection: a connection carries one request at a time.
            self._range_buf = bytearray(READ_BLOCK)
        data.send_via_buffer(self.sock, self._range_buf)


class ZeroCopyHTTPConnection(_RangeSender, HTTPConnection):
    """Plain http (loopback only in figdesk): ``FileRange`` chunks go out with sendfile."""


class ZeroCopyHTTPSConnection(_RangeSender, HTTPSConnection):
    """https: ``FileRange`` chunks are read into a reused buffer and encrypted from there."""


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = ZeroCopyHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = ZeroCopyHTTPSConnection


def _use_our_pools(manager: Any) -> Any:
    # An instance attribute: other PoolManagers in the process keep urllib3's classes.
    manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


class ZeroCopyAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections know how to send ``FileRange`` chunks."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _use_our_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        # SOCKS proxies bring their own pool classes; those keep sending bytes (FileRange
        # iterates as bytes there).
        if proxy.lower().startswith("socks"):
            return manager
        return _use_our_pools(manager)
