"""DID and DID URL syntax (DID Core 1.0 §3.1, §3.2), reduced to what resolution needs."""

from __future__ import annotations

import re

from identity.errors import DID_INVALID, INVALID_VERIFICATION_METHOD_URL, VCError

__all__ = ["MAX_DID_LENGTH", "did_method", "is_did", "require_did", "split_did_url"]

# did:jwk of a P-384 key with a few extra members stays well below this; the cap
# bounds the work any regex or decoder does on attacker-supplied identifiers.
MAX_DID_LENGTH = 2048

_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = rf"did:[a-z0-9]+:(?:{_IDCHAR}*:)*{_IDCHAR}+"
_DID_RE = re.compile(_DID)
# RFC 3986 fragment characters (pchar / "/" / "?"), percent-encodings well formed.
_FRAGMENT = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})+"
_DID_URL_RE = re.compile(rf"({_DID})#({_FRAGMENT})")


def is_did(value: object) -> bool:
    """True for a syntactically valid DID without path, query or fragment."""
    return isinstance(value, str) and len(value) <= MAX_DID_LENGTH and _DID_RE.fullmatch(value) is not None


def require_did(value: object) -> str:
    """Return ``value`` if it is a valid DID, else raise ``VCError(invalidDid)``."""
    if not is_did(value):
        shown = value[:80] if isinstance(value, str) else type(value).__name__
        raise VCError(DID_INVALID, f"not a valid DID: {shown!r}")
    assert isinstance(value, str)
    return value


def did_method(did: str) -> str:
    """The method name of a valid DID (``key`` for ``did:key:...``)."""
    return did.split(":", 2)[1]


def split_did_url(url: object) -> tuple[str, str]:
    """Split a verification-method DID URL ``did:...#fragment`` into (DID, fragment).

    Anything else (no fragment, a path or query on the DID, not a DID at all)
    raises ``VCError(INVALID_VERIFICATION_METHOD_URL)``.
    """
    if isinstance(url, str) and len(url) <= 2 * MAX_DID_LENGTH:
        match = _DID_URL_RE.fullmatch(url)
        if match is not None and len(match.group(1)) <= MAX_DID_LENGTH:
            return match.group(1), match.group(2)
    shown = url[:80] if isinstance(url, str) else type(url).__name__
    raise VCError(INVALID_VERIFICATION_METHOD_URL, f"not a DID URL with a fragment: {shown!r}")
