"""A small thread-safe cache whose entries expire: for documents fetched over the network.

Shared by the did:web resolver cache and the status-list cache, which both keep
answers (and failures, briefly) for a while and must stay bounded in size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ExpiringCache"]

V = TypeVar("V")


class ExpiringCache(Generic[V]):
    """Values by key, each until its own expiry instant, at most ``max_entries`` of them.

    ``clock`` gives the current instant (``time.monotonic`` in production); when
    full, the least recently stored entry goes first.
    """

    def __init__(self, *, max_entries: int, clock: Callable[[], float]) -> None:
        """An empty cache; ``max_entries`` must be at least 1."""
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.clock = clock
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        """The value stored for ``key`` if it has not expired, else ``None``."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] <= now:
            return None
        return entry[1]

    def put(self, key: str, value: V, *, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds from now (nothing is kept for ``ttl <= 0``)."""
        if ttl <= 0:
            return
        expires = self.clock() + ttl
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def fresh(self) -> list[tuple[str, V]]:
        """The unexpired entries, oldest stored first."""
        now = self.clock()
        with self._lock:
            return [(key, value) for key, (expires, value) in self._entries.items() if expires > now]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
