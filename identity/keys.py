"""Signing keys: Ed25519, P-256 and P-384.

Public and private keys travel as Multikey strings (``publicKeyMultibase`` /
``secretKeyMultibase``: base58btc multibase over a multicodec-prefixed key) or
as JWKs (RFC 7517, RFC 8037). Signatures are raw: 64 bytes for Ed25519, IEEE
P1363 ``r || s`` for ECDSA, which is what Data Integrity and JOSE both carry.

Verification is strict where the curves leave room for malleability: Ed25519
rejects small-order public keys and ``R`` values, non-canonical point encodings
and ``S >= L``; ECDSA rejects ``r`` or ``s`` outside ``[1, n-1]`` (high ``S`` is
accepted because the W3C suites do not require low-S and signers emit both).

Private keys are stored sealed: :func:`seal_private_key` wraps a fresh AES-256
data key under a key-encryption key and binds the result to caller-supplied
associated data (such as the owning record's id).

Pure: imports no web framework.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from identity.errors import CRYPTOGRAPHIC_SECURITY_ERROR, MALFORMED_VALUE_ERROR, VCError
from identity.did.multibase import (
    base64url_decode,
    base64url_encode,
    multibase_decode,
    multibase_encode,
    varint_decode,
    varint_encode,
)

__all__ = [
    "InvalidKeyError",
    "KeyEnvelopeError",
    "KeySigner",
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "Signer",
    "open_private_key",
    "seal_private_key",
    "sealed_key_id",
]


class InvalidKeyError(VCError):
    """Key material that is malformed, of an unsupported type, or not on its curve."""

    def __init__(self, message: str) -> None:
        super().__init__(MALFORMED_VALUE_ERROR, message)


class KeyEnvelopeError(VCError):
    """A sealed private key that cannot be opened (wrong KEK or AAD, tampering, bad format)."""

    def __init__(self, message: str) -> None:
        super().__init__(CRYPTOGRAPHIC_SECURITY_ERROR, message)


class KeyType(str, Enum):
    """The supported signature key types, named as JWK ``crv`` names them."""

    ED25519 = "Ed25519"
    P256 = "P-256"
    P384 = "P-384"


@dataclass(frozen=True)
class _Spec:
    pub_codec: int
    priv_codec: int
    jose_alg: str
    scalar_len: int  # private scalar / coordinate length in bytes
    public_len: int  # Ed25519 raw key or SEC1 compressed point
    order: int  # group order, bounds ECDSA r and s and private scalars
    curve: ec.EllipticCurve | None
    hash: hashes.HashAlgorithm | None

    @property
    def pub_prefix(self) -> bytes:
        return varint_encode(self.pub_codec)

    @property
    def priv_prefix(self) -> bytes:
        return varint_encode(self.priv_codec)


_ED25519_L = 2**252 + 27742317777372353535851937790883648493
_P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_P384_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973

_SPECS: dict[KeyType, _Spec] = {
    KeyType.ED25519: _Spec(0xED, 0x1300, "EdDSA", 32, 32, _ED25519_L, None, None),
    KeyType.P256: _Spec(0x1200, 0x1306, "ES256", 32, 33, _P256_N, ec.SECP256R1(), hashes.SHA256()),
    KeyType.P384: _Spec(0x1201, 0x1307, "ES384", 48, 49, _P384_N, ec.SECP384R1(), hashes.SHA384()),
}
_BY_PUB_CODEC = {spec.pub_codec: kt for kt, spec in _SPECS.items()}
_BY_PRIV_CODEC = {spec.priv_codec: kt for kt, spec in _SPECS.items()}
_BY_ALG = {spec.jose_alg: kt for kt, spec in _SPECS.items()}

# Ed25519 field prime and curve constant (RFC 8032 §5.1).
_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_Y_MASK = (1 << 255) - 1


def _ed25519_small_order_encodings() -> frozenset[bytes]:
    """Every canonical-y encoding of the eight points of order dividing 8.

    Points with ``y >= p`` are refused separately by an integer compare, so the
    set only needs canonical ``y`` values, each with both sign bits (for
    ``y = ±1`` the point has ``x = 0``, so sign bit 1 is a non-canonical alias).
    """
    # Order-8 points satisfy y^2 = -x^2 with x^2 = (1 ± sqrt(1 + d)) / d;
    # the two y values below are the known ones and are checked to be on the curve.
    y8 = int.from_bytes(bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), "little")
    ys = [0, 1, _P - 1, y8, _P - y8]
    for y in ys[3:]:
        if _ed25519_x_from_y(y, 0) is None:  # pragma: no cover - constants are fixed
            raise AssertionError("bad Ed25519 small-order constant")
    out = set()
    for y in ys:
        for sign in (0, 1 << 255):
            out.add((y | sign).to_bytes(32, "little"))
    return frozenset(out)


def _ed25519_x_from_y(y: int, sign: int) -> int | None:
    """Recover x from y and the sign bit, or ``None`` if the encoding names no point."""
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x2 = u * pow(v, -1, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if (x * x - x2) % _P:
        return None
    if x & 1 != sign:
        x = _P - x
    return x


_ED25519_SMALL_ORDER = _ed25519_small_order_encodings()


def _ed25519_encoding_ok(point: bytes) -> bool:
    """Canonical (y < p) and not of small order: the cheap checks of strict verify."""
    return point not in _ED25519_SMALL_ORDER and int.from_bytes(point, "little") & _Y_MASK < _P


def _spec(key_type: KeyType) -> _Spec:
    try:
        return _SPECS[KeyType(key_type)]
    except ValueError:
        raise InvalidKeyError(f"unsupported key type {key_type!r}") from None


def _split_multicodec(value: str, what: str) -> tuple[int, bytes]:
    try:
        data = multibase_decode(value)
        codec, used = varint_decode(data)
    except ValueError as exc:
        raise InvalidKeyError(f"invalid {what}: {exc}") from None
    return codec, data[used:]


class PublicKey:
    """An immutable public key of one :class:`KeyType`.

    ``raw`` is the 32-byte Ed25519 key or the SEC1 compressed EC point. The
    loaded cryptography key is kept inside so that :meth:`verify` costs only the
    signature check itself.
    """

    __slots__ = ("type", "raw", "_key", "_spec")

    type: KeyType
    raw: bytes
    _key: ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
    _spec: _Spec

    def __init__(self, type: KeyType, raw: bytes) -> None:  # noqa: A002 - matches the documented field
        spec = _spec(type)
        key_type = KeyType(type)
        raw = bytes(raw)
        if len(raw) != spec.public_len:
            raise InvalidKeyError(f"{key_type.value} public key must be {spec.public_len} bytes, got {len(raw)}")
        key: ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
        if key_type is KeyType.ED25519:
            if not _ed25519_encoding_ok(raw):
                raise InvalidKeyError("Ed25519 public key is of small order or not canonically encoded")
            y = int.from_bytes(raw, "little")
            if _ed25519_x_from_y(y & _Y_MASK, y >> 255) is None:
                raise InvalidKeyError("Ed25519 public key is not a point on the curve")
            key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        else:
            if raw[0] not in (2, 3):
                raise InvalidKeyError(f"{key_type.value} public key must be a SEC1 compressed point")
            assert spec.curve is not None
            try:
                key = ec.EllipticCurvePublicKey.from_encoded_point(spec.curve, raw)
            except ValueError:
                raise InvalidKeyError(f"{key_type.value} public key is not a point on the curve") from None
        object.__setattr__(self, "type", key_type)
        object.__setattr__(self, "raw", raw)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_spec", spec)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PublicKey is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("PublicKey is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return self.type is other.type and self.raw == other.raw

    def __hash__(self) -> int:
        return hash((self.type, self.raw))

    def __repr__(self) -> str:
        return f"PublicKey({self.type.value}, {self.multibase()})"

    @classmethod
    def from_raw(cls, type: KeyType, raw: bytes) -> PublicKey:  # noqa: A002
        """Load a raw Ed25519 key or SEC1 compressed EC point; validates the point."""
        return cls(type, raw)

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        """Load a Multikey ``publicKeyMultibase`` (``z`` + base58btc of codec || key)."""
        codec, body = _split_multicodec(value, "publicKeyMultibase")
        key_type = _BY_PUB_CODEC.get(codec)
        if key_type is None:
            raise InvalidKeyError(f"unsupported public key multicodec 0x{codec:x}")
        return cls(key_type, body)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """Load a public JWK (OKP Ed25519, EC P-256/P-384).

        A JWK carrying the private member ``d`` is refused: a private key where a
        public one belongs is a leak. Use ``PrivateKey.from_jwk(jwk).public_key``
        to derive the public key from a private JWK.
        """
        if isinstance(jwk, Mapping) and "d" in jwk:
            raise InvalidKeyError("a public JWK must not contain the private member 'd'")
        key_type, raw = _public_from_jwk(jwk)
        return cls(key_type, raw)

    @property
    def jose_alg(self) -> str:
        """The JOSE ``alg``: ``EdDSA``, ``ES256`` or ``ES384``."""
        return self._spec.jose_alg

    def multibase(self) -> str:
        """The Multikey ``publicKeyMultibase`` value."""
        return multibase_encode(self._spec.pub_prefix + self.raw)

    def jwk(self) -> dict[str, str]:
        """The public JWK: ``kty``, ``crv``, ``x`` and, for EC keys, ``y``."""
        if self.type is KeyType.ED25519:
            return {"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(self.raw)}
        assert isinstance(self._key, ec.EllipticCurvePublicKey)
        numbers = self._key.public_numbers()
        size = self._spec.scalar_len
        return {
            "kty": "EC",
            "crv": self.type.value,
            "x": base64url_encode(numbers.x.to_bytes(size, "big")),
            "y": base64url_encode(numbers.y.to_bytes(size, "big")),
        }

    def verify(self, signature: bytes, data: bytes) -> None:
        """Verify ``signature`` over ``data``; raise ``InvalidSignature`` on any failure.

        Ed25519 is verified strictly (see the module docstring). ECDSA signatures
        are IEEE P1363 ``r || s`` and are checked with SHA-256 (P-256) or
        SHA-384 (P-384) over ``data``.
        """
        signature = bytes(signature)
        spec = self._spec
        if spec.curve is None:
            if len(signature) != 64:
                raise InvalidSignature("Ed25519 signature must be 64 bytes")
            if not _ed25519_encoding_ok(signature[:32]):
                raise InvalidSignature("Ed25519 signature R is of small order or non-canonical")
            if int.from_bytes(signature[32:], "little") >= _ED25519_L:
                raise InvalidSignature("Ed25519 signature S is not reduced")
            self._key.verify(signature, data)  # type: ignore[call-arg]
            return
        size = spec.scalar_len
        if len(signature) != 2 * size:
            raise InvalidSignature(f"{self.type.value} signature must be {2 * size} bytes (r || s)")
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        if not (0 < r < spec.order and 0 < s < spec.order):
            raise InvalidSignature("ECDSA r or s out of range")
        assert spec.hash is not None and isinstance(self._key, ec.EllipticCurvePublicKey)
        self._key.verify(encode_dss_signature(r, s), data, ec.ECDSA(spec.hash))


def _jwk_member(jwk: Mapping[str, Any], name: str, length: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKeyError(f"JWK member {name!r} is missing or not a string")
    try:
        data = base64url_decode(value)
    except ValueError as exc:
        raise InvalidKeyError(f"JWK member {name!r}: {exc}") from None
    if len(data) != length:
        raise InvalidKeyError(f"JWK member {name!r} must be {length} bytes, got {len(data)}")
    return data


def _jwk_type(jwk: Mapping[str, Any]) -> KeyType:
    if not isinstance(jwk, Mapping):
        raise InvalidKeyError("a JWK must be a JSON object")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        key_type = KeyType.ED25519
        if "y" in jwk:
            raise InvalidKeyError("an OKP JWK has no 'y' member")
    elif kty == "EC" and crv in ("P-256", "P-384"):
        key_type = KeyType(crv)
    else:
        raise InvalidKeyError(f"unsupported JWK kty/crv {kty!r}/{crv!r}")
    alg = jwk.get("alg")
    if alg is not None and _BY_ALG.get(alg) is not key_type:
        raise InvalidKeyError(f"JWK alg {alg!r} does not match curve {crv!r}")
    return key_type


def _public_from_jwk(jwk: Mapping[str, Any]) -> tuple[KeyType, bytes]:
    key_type = _jwk_type(jwk)
    spec = _SPECS[key_type]
    if key_type is KeyType.ED25519:
        return key_type, _jwk_member(jwk, "x", 32)
    x = _jwk_member(jwk, "x", spec.scalar_len)
    y = _jwk_member(jwk, "y", spec.scalar_len)
    assert spec.curve is not None
    try:
        point = ec.EllipticCurvePublicKey.from_encoded_point(spec.curve, b"\x04" + x + y)
    except ValueError:
        raise InvalidKeyError(f"JWK {key_type.value} point is not on the curve") from None
    return key_type, point.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


class PrivateKey:
    """A private signing key. Its ``repr`` never shows secret material."""

    __slots__ = ("type", "public_key", "_key", "_spec")

    type: KeyType
    public_key: PublicKey
    _key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
    _spec: _Spec

    def __init__(self, key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> None:
        """Wrap a cryptography private key; prefer the ``generate``/``from_*`` constructors."""
        if isinstance(key, ed25519.Ed25519PrivateKey):
            key_type = KeyType.ED25519
            raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        elif isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in ("secp256r1", "secp384r1"):
            key_type = KeyType.P256 if key.curve.name == "secp256r1" else KeyType.P384
            raw_public = key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
        else:
            raise InvalidKeyError("unsupported private key type")
        object.__setattr__(self, "type", key_type)
        object.__setattr__(self, "public_key", PublicKey(key_type, raw_public))
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_spec", _SPECS[key_type])

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PrivateKey is immutable")

    def __repr__(self) -> str:
        return f"PrivateKey({self.type.value}, public={self.public_key.multibase()})"

    def __reduce__(self) -> Any:
        # Pickling would copy the secret to wherever the pickle goes (caches,
        # task queues); seal it explicitly instead.
        raise TypeError("PrivateKey cannot be pickled; use seal_private_key()")

    @classmethod
    def generate(cls, type: KeyType) -> PrivateKey:  # noqa: A002
        """A fresh random key of ``type``."""
        spec = _spec(type)
        if spec.curve is None:
            return cls(ed25519.Ed25519PrivateKey.generate())
        return cls(ec.generate_private_key(spec.curve))

    @classmethod
    def from_raw(cls, type: KeyType, secret: bytes) -> PrivateKey:  # noqa: A002
        """Load a 32-byte Ed25519 seed or a fixed-length big-endian EC scalar."""
        spec = _spec(type)
        secret = bytes(secret)
        if len(secret) != spec.scalar_len:
            raise InvalidKeyError(f"{KeyType(type).value} private key must be {spec.scalar_len} bytes")
        if spec.curve is None:
            return cls(ed25519.Ed25519PrivateKey.from_private_bytes(secret))
        scalar = int.from_bytes(secret, "big")
        if not 0 < scalar < spec.order:
            raise InvalidKeyError("EC private scalar out of range")
        return cls(ec.derive_private_key(scalar, spec.curve))

    @classmethod
    def from_multibase(cls, value: str) -> PrivateKey:
        """Load a Multikey ``secretKeyMultibase`` (also spelled ``privateKeyMultibase``)."""
        codec, body = _split_multicodec(value, "secretKeyMultibase")
        key_type = _BY_PRIV_CODEC.get(codec)
        if key_type is None:
            raise InvalidKeyError(f"unsupported private key multicodec 0x{codec:x}")
        if key_type is KeyType.ED25519 and len(body) == 64:
            # The older 64-byte form (seed || public key) that Digital Bazaar's
            # ed25519-multikey still exports: accepted only when its public half
            # is the seed's own public key, so a mismatched pair cannot load.
            key = cls.from_raw(key_type, body[:32])
            if key.public_key.raw != body[32:]:
                raise InvalidKeyError("64-byte Ed25519 secret key: the public half does not match the seed")
            return key
        return cls.from_raw(key_type, body)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PrivateKey:
        """Load a private JWK; its public members must match the private key."""
        key_type = _jwk_type(jwk)
        spec = _SPECS[key_type]
        key = cls.from_raw(key_type, _jwk_member(jwk, "d", spec.scalar_len))
        if _public_from_jwk(jwk) != (key_type, key.public_key.raw):
            raise InvalidKeyError("JWK public members do not match its private key")
        return key

    def secret_bytes(self) -> bytes:
        """The raw secret: Ed25519 seed or big-endian EC scalar. Handle with care."""
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            return self._key.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
            )
        return self._key.private_numbers().private_value.to_bytes(self._spec.scalar_len, "big")

    def multibase(self) -> str:
        """The Multikey ``secretKeyMultibase`` value."""
        return multibase_encode(self._spec.priv_prefix + self.secret_bytes())

    def jwk(self) -> dict[str, str]:
        """The private JWK: the public members plus ``d``."""
        out = self.public_key.jwk()
        out["d"] = base64url_encode(self.secret_bytes())
        return out

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``: 64-byte Ed25519, or deterministic (RFC 6979) ECDSA as P1363 ``r || s``."""
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            return self._key.sign(data)
        assert self._spec.hash is not None
        der = self._key.sign(data, ec.ECDSA(self._spec.hash, deterministic_signing=True))
        r, s = decode_dss_signature(der)
        size = self._spec.scalar_len
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


@runtime_checkable
class Signer(Protocol):
    """Anything that signs for a verification method: a local key, an HSM, a browser."""

    @property
    def verification_method(self) -> str:
        """The DID URL of the key that signs."""
        ...

    @property
    def key_type(self) -> KeyType:
        """The type of the key that signs."""
        ...

    @property
    def algorithm(self) -> str:
        """The JOSE ``alg`` of its signatures."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (raw Ed25519 / P1363 ECDSA signature)."""
        ...


class KeySigner:
    """A :class:`Signer` over an in-memory :class:`PrivateKey`."""

    __slots__ = ("key", "verification_method")

    def __init__(self, key: PrivateKey, verification_method: str) -> None:
        """Sign with ``key`` on behalf of ``verification_method`` (a DID URL)."""
        if not isinstance(key, PrivateKey):
            raise TypeError("KeySigner needs a PrivateKey")
        self.key = key
        self.verification_method = verification_method

    @property
    def key_type(self) -> KeyType:
        """The key's type."""
        return self.key.type

    @property
    def algorithm(self) -> str:
        """The JOSE ``alg`` of the key."""
        return self.key.public_key.jose_alg

    @property
    def public_key(self) -> PublicKey:
        """The public half, for building DID documents."""
        return self.key.public_key

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with the key."""
        return self.key.sign(data)

    def __repr__(self) -> str:
        return f"KeySigner({self.key!r}, {self.verification_method!r})"


# --- Envelope encryption -----------------------------------------------------------
#
# Format (one line of ASCII, fields separated by ':'):
#   lzkey:v1:A256GCM:<kek-id>:<wrap-nonce>:<wrapped-data-key>:<nonce>:<ciphertext>
# binary fields unpadded base64url. The plaintext is the key's secretKeyMultibase,
# so the key type travels inside the ciphertext. Both AES-GCM operations
# authenticate the header and the caller's AAD, so a sealed key moved to another
# record (different AAD) or relabelled to another KEK id fails to open.

_ENVELOPE_MAGIC = "lzkey"
_ENVELOPE_VERSION = "v1"
_ENVELOPE_ALG = "A256GCM"
_KEK_ID_RE = re.compile(r"[A-Za-z0-9._-]{0,64}")
_MAX_SEALED_LEN = 1024


def _envelope_aad(kek_id: str, aad: bytes, purpose: bytes) -> bytes:
    header = f"{_ENVELOPE_MAGIC}:{_ENVELOPE_VERSION}:{_ENVELOPE_ALG}:{kek_id}".encode("ascii")
    # Length prefixes keep (header, aad) pairs unambiguous.
    return purpose + len(header).to_bytes(2, "big") + header + len(aad).to_bytes(8, "big") + aad


def _check_kek(kek: bytes) -> AESGCM:
    if not isinstance(kek, (bytes, bytearray)) or len(kek) != 32:
        raise ValueError("the key-encryption key must be 32 bytes (AES-256)")
    return AESGCM(bytes(kek))


def seal_private_key(key: PrivateKey, kek: bytes, *, aad: bytes = b"", kek_id: str = "") -> str:
    """Encrypt ``key`` for storage under the 32-byte key-encryption key ``kek``.

    A fresh random AES-256 data key encrypts the key; the KEK wraps the data key.
    ``aad`` (for example the owning record's id) must be given again to open it.
    ``kek_id`` names the KEK in clear text so that keys can be re-wrapped when the
    KEK rotates (see :func:`sealed_key_id`).
    """
    if not isinstance(key, PrivateKey):
        raise TypeError("seal_private_key needs a PrivateKey")
    wrapper = _check_kek(kek)
    if _KEK_ID_RE.fullmatch(kek_id) is None:
        raise ValueError("kek_id must be up to 64 characters of [A-Za-z0-9._-]")
    aad = bytes(aad)
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce, nonce = os.urandom(12), os.urandom(12)
    wrapped = wrapper.encrypt(wrap_nonce, data_key, _envelope_aad(kek_id, aad, b"wrap"))
    ciphertext = AESGCM(data_key).encrypt(nonce, key.multibase().encode("ascii"), _envelope_aad(kek_id, aad, b"data"))
    fields = [_ENVELOPE_MAGIC, _ENVELOPE_VERSION, _ENVELOPE_ALG, kek_id]
    fields += [base64url_encode(part) for part in (wrap_nonce, wrapped, nonce, ciphertext)]
    return ":".join(fields)


def _parse_sealed(sealed: str) -> tuple[str, list[bytes]]:
    if not isinstance(sealed, str) or len(sealed) > _MAX_SEALED_LEN:
        raise KeyEnvelopeError("sealed key is malformed")
    fields = sealed.split(":")
    if len(fields) != 8 or fields[0] != _ENVELOPE_MAGIC:
        raise KeyEnvelopeError("sealed key is malformed")
    if fields[1] != _ENVELOPE_VERSION or fields[2] != _ENVELOPE_ALG:
        raise KeyEnvelopeError(f"unsupported sealed key format {fields[1]}/{fields[2]}")
    if _KEK_ID_RE.fullmatch(fields[3]) is None:
        raise KeyEnvelopeError("sealed key is malformed")
    try:
        parts = [base64url_decode(field) for field in fields[4:]]
    except ValueError:
        raise KeyEnvelopeError("sealed key is malformed") from None
    if len(parts[0]) != 12 or len(parts[1]) != 48 or len(parts[2]) != 12:
        raise KeyEnvelopeError("sealed key is malformed")
    return fields[3], parts


def sealed_key_id(sealed: str) -> str:
    """The KEK id recorded in a sealed key (``""`` if none was given)."""
    return _parse_sealed(sealed)[0]


def open_private_key(sealed: str, kek: bytes, *, aad: bytes = b"") -> PrivateKey:
    """Decrypt a key sealed by :func:`seal_private_key`.

    Raises :class:`KeyEnvelopeError` for a wrong KEK, wrong ``aad``, any
    tampering or a malformed envelope; nothing partial is ever returned.
    """
    wrapper = _check_kek(kek)
    kek_id, (wrap_nonce, wrapped, nonce, ciphertext) = _parse_sealed(sealed)
    aad = bytes(aad)
    try:
        data_key = wrapper.decrypt(wrap_nonce, wrapped, _envelope_aad(kek_id, aad, b"wrap"))
        plaintext = AESGCM(data_key).decrypt(nonce, ciphertext, _envelope_aad(kek_id, aad, b"data"))
    except InvalidTag:
        raise KeyEnvelopeError(
            "sealed key did not authenticate: wrong key-encryption key, wrong associated data, or tampered"
        ) from None
    try:
        return PrivateKey.from_multibase(plaintext.decode("ascii"))
    except (UnicodeDecodeError, InvalidKeyError):
        raise KeyEnvelopeError("sealed key holds no valid private key") from None
