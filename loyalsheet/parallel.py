"""Run a computation in a forked worker process while this process does another.

A big member file is read once, into this process; its rows are then shared with a worker made by
``fork`` (copy-on-write: nothing is copied or serialised to start it). The worker computes and sends
back its answer, pickled through a pipe and unpickled here as it comes, so answers should be small
(problems, counts, rows of plain values): unpickling a hundred thousand objects costs about what
computing them does.

Where fork is not available or not safe (Windows, macOS), not wanted (``LOYALSHEET_WORKERS=1`` switches it off, as does
a machine with one core), or fails, or when the worker raises or dies, the work is done in this
process instead, when its answer is asked for: the answer is always the same, only the time differs.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import os
import pickle
import signal
import sys
from collections import deque
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import IO, Any, Generic, Protocol, TypeVar

T = TypeVar("T")

_ENV = "LOYALSHEET_WORKERS"


def workers_allowed() -> bool:
    """Whether work may go to a forked worker on this machine and in this run."""
    # Linux only: Windows has no fork, and on macOS a fork without exec is unsafe once system
    # frameworks are loaded (as they are behind the Excel buttons, through xlwings).
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return False
    setting = os.environ.get(_ENV, "").strip()
    if setting:
        try:
            return int(setting) > 1
        except ValueError:
            return True
    return (os.cpu_count() or 1) > 1


def _mapping_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


_DISPATCH: dict[type, Callable[[Any], Any]] = {
    **copyreg.dispatch_table, MappingProxyType: lambda proxy: (_mapping_proxy, (dict(proxy),))}


Reducers = Mapping[type, Callable[[Any], Any]]


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class _Pickler(pickle.Pickler):
    """Pickles what answers hold, read-only mappings included; ``reducers`` say how to send some types
    (as :data:`copyreg.dispatch_table` does): leaner, or faster than pickle's own way."""

    def __init__(self, file: _Writable, protocol: int, reducers: Reducers | None = None) -> None:
        super().__init__(file, protocol=protocol)
        self.dispatch_table = {**_DISPATCH, **reducers} if reducers else _DISPATCH


def _load_quietly(file: IO[bytes]) -> Any:
    return pickle.load(file)


class _Outbox:
    """Where the worker pickles its answer (the pickler writes it frame by frame): each frame goes into
    the pipe at once when the pipe has room, which it has while this process reads it, so the answer
    is unpickled there while it is still being pickled here; when that process is still busy, frames
    wait here instead, and the pickling goes on. :meth:`finish` sends what waits."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._waiting: deque[memoryview] = deque()
        os.set_blocking(fd, False)
        import fcntl  # (Unix only: workers fork on Linux only)

        with contextlib.suppress(OSError):  # a bigger pipe where Linux allows (its default is 64 KB)
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)

    def write(self, data: bytes, /) -> int:
        self._waiting.append(memoryview(bytes(data)))  # (the pickler may reuse what it lends)
        self._send()
        return len(data)

    def _send(self) -> None:
        waiting = self._waiting
        while waiting:
            try:
                sent = os.write(self._fd, waiting[0])
            except BlockingIOError:
                return
            if sent == len(waiting[0]):
                waiting.popleft()
            else:
                waiting[0] = waiting[0][sent:]

    def finish(self) -> None:
        os.set_blocking(self._fd, True)
        self._send()
        os.close(self._fd)


class Forked(Generic[T]):
    """``fn(*args)`` computed in a forked worker; :meth:`result` waits for it and returns it.

    ``reducers`` (type -> reduce function, as in :data:`copyreg.dispatch_table`) change how the
    answer travels from the worker: an answer computed here is returned as it is.

    Use as a context manager, so a worker is never left running when this process stops early
    (an error, Ctrl-C): leaving the block kills a worker whose answer was not collected.
    """

    def __init__(self, fn: Callable[..., T], *args: Any, reducers: Reducers | None = None) -> None:
        self._fn = fn
        self._args = args
        self._reducers = reducers
        self._pid: int | None = None
        self._read_fd: int | None = None
        self._done = False
        self._value: T | None = None
        if workers_allowed():
            self._start()

    @property
    def forked(self) -> bool:
        return self._pid is not None

    def _start(self) -> None:
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return
        for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        # Objects made before the fork stay where they are: the worker's collector (off while it
        # runs anyway) would otherwise touch, and so copy, every page that holds one.
        freeze = gc.get_freeze_count() == 0  # (never unfreeze what someone else froze)
        if freeze:
            gc.freeze()
        try:
            pid = os.fork()
        except OSError:
            if freeze:
                gc.unfreeze()
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # the worker: compute, send, and leave without running any of the parent's clean-up
            code = 1
            try:
                os.close(read_fd)
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the worker at once, quietly
                gc.disable()
                value = self._fn(*self._args)
                outbox = _Outbox(write_fd)
                _Pickler(outbox, pickle.HIGHEST_PROTOCOL, self._reducers).dump(value)
                outbox.finish()
                code = 0
            except BaseException:  # raised in the worker: the parent computes it again, and raises it there
                pass
            finally:
                os._exit(code)
        if freeze:
            gc.unfreeze()
        os.close(write_fd)
        self._pid, self._read_fd = pid, read_fd

    def result(self) -> T:
        """The answer; computed here if there is no worker, or the worker died without one."""
        if self._done:
            return self._value  # type: ignore[return-value]
        if self._pid is not None and self._read_fd is not None:
            with os.fdopen(self._read_fd, "rb") as pipe:
                self._read_fd = None
                try:  # (unpickled as it arrives: while the worker is still pickling the rest)
                    value: T = _load_quietly(pipe)
                    whole = True
                except (EOFError, pickle.UnpicklingError):  # the worker stopped before its answer was whole
                    whole = False
            self._reap()
            if whole:  # (a pickle that ends is whole: its last opcode comes last)
                self._value, self._done = value, True
                return value
        # No worker, or it failed (raised, was killed, ran out of memory): do the work here. The work is
        # a pure function of its arguments, so a failure in the worker is raised again here, as itself.
        value = self._fn(*self._args)
        self._value, self._done = value, True
        return value

    def _reap(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None

    def close(self) -> None:
        """Stop a worker whose answer was not collected."""
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
