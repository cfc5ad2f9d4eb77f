"""A bounded FIFO of requests for a fixed set of workers (sessions, or database connections).

One in-process model answers one question at a time, and a Session holds one
database connection: so the server keeps a fixed set of them and lends each
to one request at a time. Requests beyond them wait in order, at most
``max_waiting`` of them; one more gets ``QueueFull`` (HTTP 503) at once rather
than waiting without bound. A waiting request is told its position whenever it
changes (the stream shows it). The blocking work runs in a thread; the worker
goes back to the pool when that thread is done, even if the client has gone.

Everything here runs on the server's event loop except ``run``'s thread.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from engine.errors import DecideSqlError, ExitCode

T = TypeVar("T")
R = TypeVar("R")


class QueueFull(DecideSqlError):
    """Every worker is busy and the queue is at its bound (HTTP 503)."""

    code = "queue_full"
    exit_code = ExitCode.INTERNAL


class Pool(Generic[T]):
    def __init__(self, items: list[T], *, max_waiting: int, what: str, threads: ThreadPoolExecutor) -> None:
        self.items = list(items)
        self._idle: deque[T] = deque(items)
        self._waiters: deque[asyncio.Future[T]] = deque()
        self._moved: asyncio.Event | None = None
        self.max_waiting = max_waiting
        self.what = what  # "the local model", "the database connections", for the 503 message
        self._threads = threads

    @property
    def running(self) -> int:
        return len(self.items) - len(self._idle)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def check_room(self) -> None:
        """Raise QueueFull now if a new request would have to wait and the queue is full."""
        if not self._idle and len(self._waiters) >= self.max_waiting:
            raise QueueFull(
                f"{self.what} is busy: {self.running} request(s) running and {self.waiting} waiting, the queue's limit; "
                "retry in a few seconds (or start the server with a larger --queue)"
            )

    async def acquire(self, on_position: Callable[[int, int], Awaitable[None]] | None = None) -> T:
        """A worker, waiting in line if needed; ``on_position(position, waiting)`` hears each new position (1 = next)."""
        if self._idle and not self._waiters:
            return self._idle.popleft()
        self.check_room()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        self._waiters.append(fut)
        try:
            last = 0
            while not fut.done():
                position = self._waiters.index(fut) + 1
                if on_position is not None and position != last:
                    last = position
                    await on_position(position, len(self._waiters))
                if fut.done():
                    break
                moved = self._event()
                waiter = asyncio.ensure_future(moved.wait())
                try:
                    await asyncio.wait({fut, waiter}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
            return fut.result()
        except asyncio.CancelledError:  # the client left while waiting
            if fut.done() and not fut.cancelled():
                self.release(fut.result())
            else:
                fut.cancel()
                if fut in self._waiters:
                    self._waiters.remove(fut)
                    self._bump()
            raise

    def release(self, item: T) -> None:
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(item)
                self._bump()
                return
        self._idle.append(item)

    async def run(self, work: Callable[[T], R], on_position: Callable[[int, int], Awaitable[None]] | None = None) -> R:
        """Run ``work(worker)`` in a thread on a worker of the pool; the worker returns to the pool when the thread ends."""
        item = await self.acquire(on_position)
        loop = asyncio.get_running_loop()
        try:
            done: Future[R] = self._threads.submit(work, item)
        except BaseException:
            self.release(item)
            raise
        def back(_: Future[R]) -> None:
            try:
                loop.call_soon_threadsafe(self.release, item)
            except RuntimeError:  # the loop has closed (shutdown): nothing waits any more
                pass

        done.add_done_callback(back)
        return await asyncio.wrap_future(done)

    def _event(self) -> asyncio.Event:
        if self._moved is None:
            self._moved = asyncio.Event()
        return self._moved

    def _bump(self) -> None:
        """Wake every waiter: positions changed."""
        if self._moved is not None:
            self._moved.set()
        self._moved = asyncio.Event()
