"""did:web (https://w3c-ccg.github.io/did-method-web/): URLs, hosted documents, guarded fetch.

:class:`GuardedHTTPS` is the one place the core touches the network at run time
(for did:web documents here, for status lists in ``credentials.vc.statusfetch``),
and the network here is chosen by whoever wrote the credential. So it is narrow on
purpose: HTTPS only, public addresses only (checked after DNS and then pinned,
so a second DNS answer cannot point the connection elsewhere), no redirects, a
total deadline and a byte cap. :class:`WebDIDFetcher` then wants strict JSON
whose ``id`` is the DID. Only the standard library (``socket``, ``ssl``, ``http.client``) is used.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from identity.errors import (
    DID_INTERNAL_ERROR,
    DID_INVALID,
    DID_NOT_FOUND,
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT,
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID,
    VCError,
)
from identity.jsonutil import loads
from identity.keys import PublicKey

from .key import DID_CONTEXT, MULTIKEY_CONTEXT
from .syntax import require_did

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "GuardedFetchError",
    "GuardedHTTPS",
    "WebDIDFetcher",
    "build_did_web_document",
    "did_web_from_host",
    "did_web_to_url",
    "is_public_address",
]

DEFAULT_TIMEOUT = 3.0
DEFAULT_MAX_BYTES = 100_000

_PREFIX = "did:web:"
_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_SEGMENT_RE = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+")
_FRAGMENT_RE = re.compile(r"[A-Za-z0-9._~-]+")


def _split_did_web(did: str) -> tuple[str, int | None, list[str]]:
    require_did(did)
    if not did.startswith(_PREFIX):
        raise VCError(DID_INVALID, "not a did:web DID")
    host_part, *segments = did[len(_PREFIX):].split(":")
    # The only percent-encoding the spec allows in the host is the port colon.
    host, sep, port_text = host_part.replace("%3a", "%3A").partition("%3A")
    port: int | None = None
    if sep:
        if not port_text.isascii() or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise VCError(DID_INVALID, "did:web port is not a number from 1 to 65535")
        port = int(port_text)
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise VCError(DID_INVALID, "did:web host is not a domain name")
    for segment in segments:
        decoded = unquote(segment)
        # Encoded slashes or dot segments would let one DID name another path.
        if _SEGMENT_RE.fullmatch(segment) is None or decoded in (".", "..") or "/" in decoded or "\\" in decoded:
            raise VCError(DID_INVALID, "did:web path segment is not allowed")
    return host, port, segments


def did_web_to_url(did: str) -> str:
    """The HTTPS URL of a did:web document (did:web spec §"Read").

    ``did:web:example.com`` → ``https://example.com/.well-known/did.json``;
    ``did:web:example.com%3A3000:user:alice`` → ``https://example.com:3000/user/alice/did.json``.
    Raises ``VCError(invalidDid)`` for anything that is not a well-formed did:web.
    """
    host, port, segments = _split_did_web(did)
    authority = host if port is None else f"{host}:{port}"
    path = "/" + "/".join(segments) + "/did.json" if segments else "/.well-known/did.json"
    return f"https://{authority}{path}"


def did_web_from_host(host: str, path: Sequence[str] = (), *, port: int | None = None) -> str:
    """The did:web DID served at ``https://host[:port]/path.../did.json``.

    The inverse of :func:`did_web_to_url`, for DIDs this platform hosts.
    """
    did = _PREFIX + host + (f"%3A{port}" if port is not None else "")
    if path:
        did += ":" + ":".join(path)
    _split_did_web(did)
    return did


def build_did_web_document(
    did: str,
    keys: Sequence[tuple[str, PublicKey]],
    *,
    relationships: Mapping[str, Sequence[str]] | None = None,
    also_known_as: Sequence[str] = (),
    services: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The DID document of a did:web DID this platform hosts.

    ``keys`` pairs a fragment (``"key-1"``) with a public key; each becomes a
    Multikey verification method ``did#fragment``. ``relationships`` maps a
    verification relationship to the fragments it lists; by default every key
    is listed under ``assertionMethod`` (issuing) and ``authentication``.
    A key left out of every relationship (a retired key) stays resolvable but
    authorises nothing.
    """
    _split_did_web(did)
    methods = []
    fragments: list[str] = []
    for fragment, public_key in keys:
        if _FRAGMENT_RE.fullmatch(fragment) is None:
            raise ValueError(f"invalid key fragment {fragment!r}")
        if fragment in fragments:
            raise ValueError(f"duplicate key fragment {fragment!r}")
        if not isinstance(public_key, PublicKey):
            raise TypeError("keys must pair a fragment with a PublicKey")
        fragments.append(fragment)
        methods.append(
            {
                "id": f"{did}#{fragment}",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": public_key.multibase(),
            }
        )
    if relationships is None:
        relationships = {"assertionMethod": fragments, "authentication": fragments}
    document: dict[str, Any] = {"@context": [DID_CONTEXT, MULTIKEY_CONTEXT], "id": did}
    if also_known_as:
        document["alsoKnownAs"] = list(also_known_as)
    document["verificationMethod"] = methods
    for relationship, listed in relationships.items():
        unknown = [fragment for fragment in listed if fragment not in fragments]
        if unknown:
            raise ValueError(f"{relationship} lists unknown key fragments {unknown}")
        document[relationship] = [f"{did}#{fragment}" for fragment in listed]
    if services:
        document["service"] = [dict(service) for service in services]
    return document


# NAT64 well-known prefix (RFC 6052): the IPv4 address sits in the low 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    """True if ``address`` is a globally routable unicast IP address.

    Refuses loopback, private, shared (CGNAT), link-local, multicast, reserved and
    unspecified addresses, for IPv4 and IPv6, looking through IPv4-mapped,
    6to4, Teredo and NAT64 IPv6 forms to the IPv4 address inside.
    """
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip.teredo is not None:
            ip = ip.teredo[1]
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


class _Deadline(io.RawIOBase):
    """A socket reader that enforces one deadline and one byte budget overall.

    ``http.client`` reads headers line by line with per-call socket timeouts;
    a server dripping one byte at a time would never trip those, so every read
    here gets only the time that is left.
    """

    def __init__(self, sock: ssl.SSLSocket, deadline: float, budget: int) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("fetch timed out")
        if self._budget <= 0:
            raise _TooLarge()
        self._sock.settimeout(remaining)
        view = memoryview(buffer)[: self._budget]
        count = self._sock.recv_into(view)
        self._budget -= count
        return count


class _TooLarge(Exception):
    pass


class _PinnedResponseSource:
    """What ``http.client.HTTPResponse`` needs from a socket: ``makefile``."""

    def __init__(self, reader: _Deadline) -> None:
        self._reader = reader

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(self._reader)


_GetAddrInfo = Callable[..., list[tuple[Any, ...]]]

# A request target goes on the request line verbatim: visible ASCII only, so no
# space, CR or LF can split or extend the request.
_TARGET_RE = re.compile(r"[!-~]+")


class GuardedFetchError(Exception):
    """A guarded GET that did not produce a response.

    ``kind`` says whose fault it is, so that each caller can map it to its own
    error code: ``"url"`` (not an https URL with a plain host), ``"address"``
    (the host resolves only to refused, non-public addresses), ``"unresolved"``
    (unknown host, or no IPv4/IPv6 address) or ``"transport"`` (connection,
    TLS, time-out, malformed HTTP, or a body over the byte cap).
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class GuardedHTTPS:
    """One guarded HTTPS GET, for URLs chosen by strangers (did:web documents, status lists).

    HTTPS only; the host is looked up once and every answer vetted (non-public
    addresses are refused unless ``allow_private``), then the vetted address
    itself is connected to, so a second DNS answer cannot redirect the request;
    redirects are returned, never followed; ``timeout`` bounds the whole
    exchange and ``max_bytes`` the body. ``ssl_context`` defaults to the system
    trust store and must verify certificates and host names. ``getaddrinfo`` is
    injectable so that tests can show the pinning.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        getaddrinfo: _GetAddrInfo = socket.getaddrinfo,
        user_agent: str = "lianzheng",
    ) -> None:
        """Configure the guards; the defaults are the production policy."""
        if ssl_context is None:
            ssl_context = ssl.create_default_context()
        if ssl_context.verify_mode != ssl.CERT_REQUIRED or not ssl_context.check_hostname:
            raise ValueError("guarded HTTPS needs certificate and hostname verification")
        if max_bytes <= 0 or timeout <= 0:
            raise ValueError("timeout and max_bytes must be positive")
        self.allow_private = allow_private
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._ssl = ssl_context
        self._getaddrinfo = getaddrinfo
        self._user_agent = user_agent

    def get(self, url: str, *, accept: str) -> tuple[int, str, bytes]:
        """GET ``url``; return ``(status, media type, body)``.

        The media type is the ``Content-Type`` without parameters, lower-cased
        (``""`` when absent). Only a 200 response's body is read; any other
        status comes back with an empty body, for the caller to judge (a 3xx is
        never followed). Raises :class:`GuardedFetchError` when no response
        could be had within the guards.
        """
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise GuardedFetchError("url", f"refusing to fetch a non-https URL ({parts.scheme or 'no'} scheme)")
        host = parts.hostname
        if not host or parts.username is not None or parts.password is not None:
            raise GuardedFetchError("url", "refusing a URL without a plain host")
        try:
            port = parts.port or 443
        except ValueError:
            raise GuardedFetchError("url", "invalid port in URL") from None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if _TARGET_RE.fullmatch(target) is None or _TARGET_RE.fullmatch(host) is None:
            raise GuardedFetchError("url", "refusing a URL with spaces or non-ASCII characters (encode them)")
        deadline = time.monotonic() + self.timeout
        addresses = self._vetted_addresses(host, port)
        sock = self._connect(addresses, host, deadline)
        try:
            return self._exchange(sock, host, port, target, accept, deadline)
        finally:
            sock.close()

    def _vetted_addresses(self, host: str, port: int) -> list[tuple[int, tuple[Any, ...]]]:
        try:
            infos = self._getaddrinfo(host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError):
            raise GuardedFetchError("unresolved", f"host {host} could not be resolved") from None
        vetted: list[tuple[int, tuple[Any, ...]]] = []
        refused = []
        for family, _type, _proto, _name, sockaddr in infos:
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue
            if self.allow_private or is_public_address(sockaddr[0]):
                if (family, sockaddr) not in vetted:
                    vetted.append((family, sockaddr))
            else:
                refused.append(sockaddr[0])
        if not vetted:
            if refused:
                raise GuardedFetchError("address", f"refusing non-public address {refused[0]} for host {host}")
            raise GuardedFetchError("unresolved", f"host {host} has no usable address")
        return vetted

    def _connect(self, addresses: list[tuple[int, tuple[Any, ...]]], host: str, deadline: float) -> ssl.SSLSocket:
        last: Exception | None = None
        for family, sockaddr in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            raw = socket.socket(family, socket.SOCK_STREAM)
            try:
                raw.settimeout(remaining)
                # The vetted address itself, never the name again: a second
                # lookup could be answered differently (DNS rebinding).
                raw.connect(sockaddr)
                raw.settimeout(max(deadline - time.monotonic(), 0.001))
                return self._ssl.wrap_socket(raw, server_hostname=host)
            except (OSError, ssl.SSLError) as exc:
                raw.close()
                last = exc
                if isinstance(exc, ssl.SSLError):
                    break  # a TLS failure is the server's answer, not a routing problem
        if isinstance(last, ssl.SSLError):
            raise GuardedFetchError("transport", f"TLS with {host} failed: {last.reason or last}")
        if isinstance(last, TimeoutError) or last is None:
            raise GuardedFetchError("transport", f"connecting to {host} timed out")
        reason = last.strerror if isinstance(last, OSError) else None
        raise GuardedFetchError("transport", f"could not connect to {host}: {reason or last}")

    def _exchange(
        self, sock: ssl.SSLSocket, host: str, port: int, target: str, accept: str, deadline: float
    ) -> tuple[int, str, bytes]:
        name = f"[{host}]" if ":" in host else host
        authority = name if port == 443 else f"{name}:{port}"
        request = (
            f"GET {target} HTTP/1.1\r\n"
            f"Host: {authority}\r\n"
            f"Accept: {accept}\r\n"
            "Accept-Encoding: identity\r\n"
            f"User-Agent: {self._user_agent}\r\n"
            "Connection: close\r\n\r\n"
        )
        # Headers get their own allowance on top of the body cap.
        reader = _Deadline(sock, deadline, self.max_bytes + 16_384)
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.sendall(request.encode("ascii"))
            response = http.client.HTTPResponse(_PinnedResponseSource(reader), method="GET")  # type: ignore[arg-type]
            response.begin()
            media_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
            if response.status != 200:
                return response.status, media_type, b""
            length = response.getheader("Content-Length")
            if length is not None and length.strip().isdigit() and int(length) > self.max_bytes:
                raise _TooLarge()
            body = response.read(self.max_bytes + 1)
        except _TooLarge:
            raise GuardedFetchError("transport", f"the response from {host} exceeds {self.max_bytes} bytes") from None
        except TimeoutError:
            raise GuardedFetchError("transport", f"fetching from {host} timed out") from None
        except (OSError, http.client.HTTPException) as exc:
            raise GuardedFetchError("transport", f"fetching from {host} failed: {exc}") from None
        if len(body) > self.max_bytes:
            raise GuardedFetchError("transport", f"the response from {host} exceeds {self.max_bytes} bytes")
        return response.status, media_type, body


# How a guarded-fetch failure reads as a DID resolution error. A refused address
# means the DID itself is the problem (it names a host inside some private
# network), so it is bad input, not our failure.
_DID_CODES = {"url": DID_INTERNAL_ERROR, "address": DID_INVALID, "unresolved": DID_NOT_FOUND, "transport": DID_INTERNAL_ERROR}


class WebDIDFetcher:
    """Fetches foreign did:web documents over guarded HTTPS (:class:`GuardedHTTPS`).

    ``allow_private`` admits non-public addresses (tests against a local
    server only). ``ssl_context`` defaults to the system trust store with
    hostname checking. ``getaddrinfo`` is injectable so that tests can show the
    address is looked up once and pinned.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        getaddrinfo: _GetAddrInfo = socket.getaddrinfo,
    ) -> None:
        """Configure the guards; the defaults are the production policy."""
        self._http = GuardedHTTPS(
            allow_private=allow_private,
            timeout=timeout,
            max_bytes=max_bytes,
            ssl_context=ssl_context,
            getaddrinfo=getaddrinfo,
            user_agent="lianzheng-did-web",
        )

    @property
    def allow_private(self) -> bool:
        """Whether non-public addresses are admitted."""
        return self._http.allow_private

    @property
    def timeout(self) -> float:
        """The deadline of one fetch, in seconds."""
        return self._http.timeout

    @property
    def max_bytes(self) -> int:
        """The largest document accepted, in bytes."""
        return self._http.max_bytes

    def resolve(self, did: str) -> dict[str, Any]:
        """Fetch and check the document of a did:web DID."""
        return self.fetch(did_web_to_url(did), did=did)

    def fetch(self, url: str, *, did: str) -> dict[str, Any]:
        """Fetch ``url`` and return its JSON object, whose ``id`` must equal ``did``.

        Errors: ``internalError`` for refused URLs, transport and TLS failures,
        time-outs, redirects, unexpected statuses and oversized bodies;
        ``invalidDid`` when the host has only non-public addresses;
        ``notFound`` for an unknown host or HTTP 404/410;
        ``INVALID_CONTROLLED_IDENTIFIER_DOCUMENT`` when the body is not a JSON
        object; ``INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID`` when its ``id`` differs.
        """
        try:
            status, _media_type, body = self._http.get(
                url, accept="application/did+json, application/did+ld+json, application/json"
            )
        except GuardedFetchError as exc:
            raise VCError(_DID_CODES[exc.kind], f"DID document: {exc.message}") from None
        if status in (404, 410):
            raise VCError(DID_NOT_FOUND, f"{did} not found (HTTP {status})")
        if 300 <= status < 400:
            raise VCError(DID_INTERNAL_ERROR, f"redirects are not followed (HTTP {status})")
        if status != 200:
            raise VCError(DID_INTERNAL_ERROR, f"unexpected HTTP status {status}")
        try:
            document = loads(body)
        except VCError as exc:
            raise VCError(INVALID_CONTROLLED_IDENTIFIER_DOCUMENT, f"DID document is not valid JSON: {exc.message}") from None
        if not isinstance(document, dict):
            raise VCError(INVALID_CONTROLLED_IDENTIFIER_DOCUMENT, "DID document is not a JSON object")
        if document.get("id") != did:
            raise VCError(INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID, f"document id does not equal {did}")
        return document
