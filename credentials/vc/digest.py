"""The one definition of a credential's anchoring digest (pure).

``credential_digest(credential)`` is the 32-byte SHA-256 of

* a credential as a JSON object (Data Integrity, with its ``proof``): its RFC 8785
  JCS serialisation (:func:`credentials.vc.jcs.canonicalize`), so that any
  re-encoding of the same JSON (key order, whitespace, escapes) has one digest;
* a compact JWS string (VC-JOSE ``application/vc+jwt``, SD-JWT as issued): its
  ASCII bytes exactly, since the signature covers those bytes.

The digest covers the *signed* credential: changing a claim or the proof changes
it. Merkle leaves are ``H(0x00 || digest)`` (``anchoring/merkle.py``). Receipts
name this rule ``DIGEST_RULE``; docs/anchoring.md documents it for outside checkers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from .errors import MALFORMED_VALUE_ERROR, VCError
from .jcs import canonicalize

__all__ = ["DIGEST_RULE", "credential_digest"]

#: The name receipts give this rule.
DIGEST_RULE = "sha256-jcs-or-compact-jws"

# Compact serialisations only: base64url segments joined by "." and, for SD-JWT, "~".
_COMPACT = re.compile(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]*){2}(~[A-Za-z0-9_\-.]*)*\Z")


def credential_digest(credential: Mapping[str, Any] | dict[str, Any] | str) -> bytes:
    """SHA-256 of the JCS form of a JSON credential, or of a compact JWS's ASCII bytes.

    Raises :class:`VCError` (``MALFORMED_VALUE_ERROR``) for a string that is not a
    compact JWS (parse JSON text first) or a value JCS cannot represent.
    """
    if isinstance(credential, str):
        if not _COMPACT.match(credential):
            raise VCError(MALFORMED_VALUE_ERROR, "a credential string must be a compact JWS (parse JSON text first)")
        return hashlib.sha256(credential.encode("ascii")).digest()
    if isinstance(credential, Mapping):
        return hashlib.sha256(canonicalize(dict(credential))).digest()
    raise VCError(MALFORMED_VALUE_ERROR, "a credential is a JSON object or a compact JWS string")
