"""Retrieving Bitstring Status List credentials over guarded HTTPS, with a cache.

:func:`credentials.vc.status.check_status` never fetches: it reads the list
credentials it is handed through a ``Mapping`` from ``statusListCredential``
URL to credential. :class:`RemoteStatusLists` is such a mapping that, for a URL
it does not hold, fetches the list with :class:`StatusListFetcher` (the same
guarded HTTPS as did:web: https only, public addresses only and pinned, no
redirects, a deadline and a byte cap) and keeps it for a while.

A list that cannot be retrieved is a ``STATUS_RETRIEVAL_ERROR`` (Bitstring
Status List §3.6), raised from ``mapping[url]`` so that the status check
*fails*: a verifier that could not look is not told "unknown" and left to
guess, and an attacker who can block the issuer's host cannot turn a revoked
credential into one whose status is merely unknown. For that, the mapping
claims every URL (``url in mapping`` is true for any string) and is always
truthy, even with nothing cached yet.

What is fetched is not trusted here: ``check_status`` verifies each list's
proof, issuer, id and validity period, whatever its source.
"""

from __future__ import annotations

import copy
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from identity.did.web import GuardedFetchError, GuardedHTTPS
from identity.expiring import ExpiringCache

from .errors import STATUS_RETRIEVAL_ERROR, VCError
from .jsonutil import loads

__all__ = [
    "ACCEPT",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "RemoteStatusLists",
    "StatusListFetcher",
    "StatusListSource",
]

DEFAULT_TIMEOUT = 3.0
# A list of 131,072 entries is 16 KiB before GZIP; a megabyte leaves room for
# lists of millions of entries while keeping a hostile server's cost bounded.
DEFAULT_MAX_BYTES = 1_048_576

ACCEPT = "application/vc+ld+json, application/vc+jwt, application/vc, application/json"

_JWT_MEDIA_TYPES = frozenset({"application/vc+jwt", "application/jwt"})
_COMPACT_JWS = re.compile(rb"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_WHITESPACE = b" \t\r\n"


class StatusListSource(Protocol):
    """Anything that retrieves a status list credential by URL."""

    def fetch(self, url: str) -> dict[str, Any] | str:
        """The list credential at ``url``: a JSON object, or a compact ``vc+jwt``.

        Raises ``VCError(STATUS_RETRIEVAL_ERROR)`` when it cannot be had.
        """
        ...


class StatusListFetcher:
    """Fetches status list credentials over guarded HTTPS.

    ``allow_private`` admits non-public addresses (tests against a local
    server only); ``ssl_context`` defaults to the system trust store and must
    verify certificates and host names; ``getaddrinfo`` is injectable for tests.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        getaddrinfo: Callable[..., list[tuple[Any, ...]]] = socket.getaddrinfo,
    ) -> None:
        """Configure the guards; the defaults are the production policy."""
        self._http = GuardedHTTPS(
            allow_private=allow_private,
            timeout=timeout,
            max_bytes=max_bytes,
            ssl_context=ssl_context,
            getaddrinfo=getaddrinfo,
            user_agent="lianzheng-status-list",
        )

    def fetch(self, url: str) -> dict[str, Any] | str:
        """GET the status list credential at ``url``.

        A body that is a compact JWS (three base64url segments, or anything
        served as ``application/vc+jwt``, which must then be one) is returned
        as a string; any other body must be a strict JSON object and is
        returned as a dict. Everything else — a refused URL or address, a
        transport or TLS failure, a time-out, any status but 200 (redirects
        included), a body over the cap, a body that is neither — raises
        ``VCError(STATUS_RETRIEVAL_ERROR)`` naming the URL and the reason.
        """
        try:
            status, media_type, body = self._http.get(url, accept=ACCEPT)
        except GuardedFetchError as exc:
            raise VCError(STATUS_RETRIEVAL_ERROR, f"status list {url} could not be retrieved: {exc.message}") from None
        if 300 <= status < 400:
            raise VCError(STATUS_RETRIEVAL_ERROR, f"status list {url}: redirects are not followed (HTTP {status})")
        if status != 200:
            raise VCError(STATUS_RETRIEVAL_ERROR, f"status list {url}: HTTP {status}")
        token = body.strip(_WHITESPACE)
        if _COMPACT_JWS.fullmatch(token):
            return token.decode("ascii")
        if media_type in _JWT_MEDIA_TYPES:
            raise VCError(STATUS_RETRIEVAL_ERROR, f"status list {url} is served as {media_type} but is not a compact JWS")
        try:
            document = loads(body)
        except VCError as exc:
            raise VCError(STATUS_RETRIEVAL_ERROR, f"status list {url} is not a JSON object: {exc.message}") from None
        if not isinstance(document, dict):
            raise VCError(STATUS_RETRIEVAL_ERROR, f"status list {url} is not a JSON object")
        return document


def _list_ttl_seconds(value: dict[str, Any] | str) -> float | None:
    """The list's own ``ttl`` hint (milliseconds, §2.2), when it has a usable one."""
    if not isinstance(value, dict):
        return None
    subject = value.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    ttl = subject.get("ttl") if isinstance(subject, dict) else None
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl >= 0:
        return None
    return float(ttl) / 1000.0


class RemoteStatusLists(Mapping[str, Any]):
    """Status lists by URL: ``local`` first, else fetched through ``fetcher`` and cached.

    Hand it to ``verify_credential(..., status_lists=...)``. ``local`` holds
    lists the caller already has (the platform's own, or files given on the
    command line); it is read live, never copied, and never expires. A fetched
    list is kept ``ttl`` seconds, or less when the list's own ``ttl`` asks for
    less (it can shorten the stay, never lengthen it); a failure is kept
    ``negative_ttl`` seconds, so that a dead host is not waited on by every
    verification, and re-raised as ``VCError(STATUS_RETRIEVAL_ERROR)``. At most
    ``max_entries`` URLs are kept; the least recently stored goes first.

    ``url in mapping`` is true for every string and the mapping is always
    truthy (see the module docstring); iteration and ``len`` cover ``local``
    and the fresh cached lists only. Safe to share between threads; two
    threads missing the same URL at once may both fetch it.
    """

    def __init__(
        self,
        fetcher: StatusListSource,
        *,
        ttl: float = 300.0,
        negative_ttl: float = 30.0,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
        local: Mapping[str, Any] | None = None,
    ) -> None:
        """Wrap ``fetcher``; see the class docstring."""
        self._fetcher = fetcher
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._local: Mapping[str, Any] = local if local is not None else {}
        self._cache: ExpiringCache[dict[str, Any] | str | VCError] = ExpiringCache(
            max_entries=max_entries, clock=clock
        )

    def __getitem__(self, url: str) -> Any:
        """The list credential for ``url``; raises ``VCError(STATUS_RETRIEVAL_ERROR)`` if it cannot be had."""
        if not isinstance(url, str):
            raise KeyError(url)
        if url in self._local:
            return self._local[url]
        cached = self._cache.get(url)
        if cached is not None:
            return self._answer(cached)
        try:
            value = self._fetcher.fetch(url)
        except VCError as exc:
            # Whatever the fetcher called it, for the status check it is a list
            # that could not be retrieved.
            error = exc if exc.code == STATUS_RETRIEVAL_ERROR else VCError(STATUS_RETRIEVAL_ERROR, exc.message)
            self._cache.put(url, error, ttl=self._negative_ttl)
            raise VCError(error.code, error.message) from None
        hint = _list_ttl_seconds(value)
        self._cache.put(url, value, ttl=self._ttl if hint is None else min(self._ttl, hint))
        return self._answer(value)

    def get(self, url: str, default: Any = None) -> Any:
        """``self[url]``: a list that cannot be retrieved raises, it never gives ``default``.

        ``default`` is only returned for a key that is not a string.
        """
        if not isinstance(url, str):
            return default
        return self[url]

    def __contains__(self, url: object) -> bool:
        """True for every string: any URL is worth a try, and a failed try is an error, not "absent"."""
        return isinstance(url, str)

    def __bool__(self) -> bool:
        """Always true: an empty cache is not an empty source (``status_lists or {}`` must keep it)."""
        return True

    def __iter__(self) -> Iterator[str]:
        """The URLs of ``local``, then of the fresh cached lists (failures left out)."""
        yield from self._local
        yield from (url for url in self._fresh() if url not in self._local)

    def __len__(self) -> int:
        """How many lists :meth:`__iter__` yields."""
        return len(self._local) + sum(1 for url in self._fresh() if url not in self._local)

    def clear(self) -> None:
        """Forget every fetched list and failure (``local`` is untouched)."""
        self._cache.clear()

    def _fresh(self) -> list[str]:
        return [url for url, value in self._cache.fresh() if not isinstance(value, VCError)]

    @staticmethod
    def _answer(value: dict[str, Any] | str | VCError) -> dict[str, Any] | str:
        if isinstance(value, VCError):
            raise VCError(value.code, value.message)
        # A caller that edits what it was given must not edit the cache.
        return copy.deepcopy(value) if isinstance(value, dict) else value
