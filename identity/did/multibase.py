"""Byte encodings used by keys and DIDs: base58btc, base64url, multibase, varint.

Dependency-free on purpose: :mod:`identity.keys` imports this module, so it must
not import anything from :mod:`identity.did` (which imports the keys back).

Every decoder is strict and raises :class:`ValueError` on anything but the one
canonical encoding of some byte string, so that two different strings never
decode to the same key or signature.
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = [
    "base58btc_decode",
    "base58btc_encode",
    "base64url_decode",
    "base64url_encode",
    "multibase_decode",
    "multibase_encode",
    "varint_decode",
    "varint_encode",
]

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: value for value, char in enumerate(_B58_ALPHABET)}

# Base58 decoding is quadratic in Python's int arithmetic only in theory; the
# cap keeps attacker-supplied strings (proof values, DIDs) cheap regardless.
MAX_BASE58_CHARS = 4096


def base58btc_encode(data: bytes) -> str:
    """Encode ``data`` with the Bitcoin base58 alphabet (no multibase prefix)."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(_B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Decode Bitcoin-alphabet base58; ``ValueError`` on any other character."""
    if len(text) > MAX_BASE58_CHARS:
        raise ValueError("base58 value is too long")
    number = 0
    try:
        for char in text:
            number = number * 58 + _B58_INDEX[char]
    except KeyError:
        raise ValueError(f"invalid base58btc character {char!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def base64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 4648 §5), as JOSE and did:jwk use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def base64url_decode(text: str) -> bytes:
    """Decode unpadded base64url strictly.

    Padding, whitespace, characters outside the URL-safe alphabet, an impossible
    length, and non-zero trailing bits are all rejected with ``ValueError``.
    """
    if not isinstance(text, str) or _B64URL_RE.fullmatch(text) is None:
        raise ValueError("invalid base64url characters")
    if len(text) % 4 == 1:
        raise ValueError("invalid base64url length")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("invalid base64url") from None
    # Unused low bits of the last character must be zero, else several strings
    # map onto the same bytes.
    if base64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def multibase_encode(data: bytes) -> str:
    """Multibase with the base58btc prefix ``z``."""
    return "z" + base58btc_encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode a ``z``-prefixed (base58btc) multibase string; other bases are refused."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("multibase value must use the base58btc prefix 'z'")
    return base58btc_decode(text[1:])


def varint_encode(value: int) -> bytes:
    """Unsigned LEB128, as multicodec prefixes use it."""
    if value < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_decode(data: bytes) -> tuple[int, int]:
    """Decode a minimal unsigned varint at the start of ``data``.

    Returns ``(value, length_in_bytes)``. Over-long encodings (a trailing
    ``0x00`` continuation) are refused, as the multiformats spec requires.
    """
    value = 0
    for index, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if byte == 0 and index > 0:
                raise ValueError("varint is not minimally encoded")
            return value, index + 1
    raise ValueError("truncated or over-long varint")
