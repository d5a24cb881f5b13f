"""identity.keys and identity.did.multibase: encodings, keys, strict verification, sealing."""

from __future__ import annotations

import hashlib
import json
import pickle

import pytest
from cryptography.exceptions import InvalidSignature

from credentials.vc.errors import CRYPTOGRAPHIC_SECURITY_ERROR, MALFORMED_VALUE_ERROR
from identity.did.multibase import (
    base58btc_decode,
    base58btc_encode,
    base64url_decode,
    base64url_encode,
    multibase_decode,
    varint_decode,
    varint_encode,
)
from identity.keys import (
    InvalidKeyError,
    KeyEnvelopeError,
    KeySigner,
    KeyType,
    PrivateKey,
    PublicKey,
    Signer,
    open_private_key,
    seal_private_key,
    sealed_key_id,
)
from tests.conftest import VECTORS

pytestmark = pytest.mark.core

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P384_N = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
)
ALL_TYPES = list(KeyType)

VECTOR_KEYS = [
    ("vc-di-eddsa/keyPair.json", "privateKeyMultibase", KeyType.ED25519),
    ("vc-di-ecdsa/p256KeyPair.json", "secretKeyMultibase", KeyType.P256),
    ("vc-di-ecdsa/p384KeyPair.json", "secretKeyMultibase", KeyType.P384),
]


def _vector_key(path: str) -> dict[str, str]:
    return json.loads((VECTORS / path).read_text())


# --- encodings ----------------------------------------------------------------------


def test_base58btc_known_values() -> None:
    assert base58btc_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert base58btc_encode(b"\0\0\x01") == "112"
    assert base58btc_decode("112") == b"\0\0\x01"
    assert base58btc_encode(b"") == "" and base58btc_decode("") == b""
    for data in (b"\0", b"\xff" * 40, bytes(range(33))):
        assert base58btc_decode(base58btc_encode(data)) == data


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "2NEpo7TZ RRr", "+"])
def test_base58btc_rejects_characters_outside_the_bitcoin_alphabet(bad: str) -> None:
    with pytest.raises(ValueError):
        base58btc_decode(bad)


def test_base64url_is_strict() -> None:
    assert base64url_encode(b"\xfb\xff") == "-_8"
    assert base64url_decode("-_8") == b"\xfb\xff"
    assert base64url_decode("QQ") == b"A"
    for bad in ("QR", "QQ==", "+/8", "Q", "QQ\n", "Q Q"):  # non-zero pad bits, padding, std alphabet, length, space
        with pytest.raises(ValueError):
            base64url_decode(bad)


def test_multibase_and_varint() -> None:
    assert varint_encode(0xED) == b"\xed\x01"
    assert varint_encode(0x1200) == b"\x80\x24"
    assert varint_decode(b"\x80\x24rest") == (0x1200, 2)
    with pytest.raises(ValueError):
        varint_decode(b"\xed\x81\x00")  # over-long: trailing zero continuation
    with pytest.raises(ValueError):
        multibase_decode("uAAAA")  # base64url multibase is not accepted for keys


# --- the W3C vector keys --------------------------------------------------------------


@pytest.mark.parametrize("path,secret_field,key_type", VECTOR_KEYS)
def test_vector_keys_decode_and_derive_their_public_key(path: str, secret_field: str, key_type: KeyType) -> None:
    pair = _vector_key(path)
    secret = PrivateKey.from_multibase(pair[secret_field])
    assert secret.type is key_type
    assert secret.public_key.multibase() == pair["publicKeyMultibase"]
    assert secret.multibase() == pair[secret_field]
    public = PublicKey.from_multibase(pair["publicKeyMultibase"])
    assert public == secret.public_key and public.type is key_type


def test_eddsa_vector_signature_reproduced_and_verified() -> None:
    pair = _vector_key("vc-di-eddsa/keyPair.json")
    key = PrivateKey.from_multibase(pair["privateKeyMultibase"])
    for suite in ("eddsa-jcs-2022", "eddsa-rdfc-2022"):
        expected = json.loads((VECTORS / f"vc-di-eddsa/{suite}_expected.json").read_text())
        config, document = expected["canonicalProofConfig"], expected["canonicalDocument"]
        if suite.endswith("jcs-2022"):
            # The .txt sources end with a newline that is not part of the JCS output.
            config, document = config.rstrip("\n"), document.rstrip("\n")
        data = hashlib.sha256(config.encode()).digest() + hashlib.sha256(document.encode()).digest()
        signature = bytes.fromhex(expected["signatureHex"])
        assert key.sign(data) == signature  # Ed25519 is deterministic
        assert "z" + base58btc_encode(signature) == expected["proofValueBase58btc"]
        key.public_key.verify(signature, data)
        with pytest.raises(InvalidSignature):
            key.public_key.verify(signature, data + b"x")


def test_ecdsa_p256_vector_signature_verifies() -> None:
    expected = json.loads((VECTORS / "vc-di-ecdsa/ecdsa-rdfc-2019-p256_expected.json").read_text())
    signed = json.loads((VECTORS / "vc-di-ecdsa/ecdsa-rdfc-2019-p256_signedECDSAP256.json").read_text())
    public = PublicKey.from_multibase(_vector_key("vc-di-ecdsa/p256KeyPair.json")["publicKeyMultibase"])
    data = (
        hashlib.sha256(expected["canonicalProofConfig"].encode()).digest()
        + hashlib.sha256(expected["canonicalDocument"].encode()).digest()
    )
    signature = multibase_decode(signed["proof"]["proofValue"])
    assert len(signature) == 64
    public.verify(signature, data)
    with pytest.raises(InvalidSignature):
        public.verify(signature, data[:-1] + b"\0")


# --- round trips --------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_round_trip_every_key_type(key_type: KeyType) -> None:
    key = PrivateKey.generate(key_type)
    public = key.public_key
    assert PublicKey.from_multibase(public.multibase()) == public
    assert PublicKey.from_jwk(public.jwk()) == public
    assert PublicKey.from_raw(key_type, public.raw) == public
    assert PrivateKey.from_multibase(key.multibase()).public_key == public
    assert PrivateKey.from_jwk(key.jwk()).multibase() == key.multibase()
    assert PrivateKey.from_raw(key_type, key.secret_bytes()).public_key == public
    jwk = public.jwk()
    assert jwk["crv"] == key_type.value and "d" not in jwk
    assert public.jose_alg == {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384"}[key_type.value]
    signature = key.sign(b"payload")
    assert len(signature) == {"Ed25519": 64, "P-256": 64, "P-384": 96}[key_type.value]
    public.verify(signature, b"payload")
    with pytest.raises(InvalidSignature):
        public.verify(signature, b"payloaD")
    other = PrivateKey.generate(key_type).public_key
    with pytest.raises(InvalidSignature):
        other.verify(signature, b"payload")


def test_public_key_is_immutable_and_hashable() -> None:
    public = PrivateKey.generate(KeyType.ED25519).public_key
    with pytest.raises(AttributeError):
        public.raw = b"\0" * 32  # type: ignore[misc]
    assert len({public, PublicKey.from_multibase(public.multibase())}) == 1


def test_private_key_does_not_leak() -> None:
    key = PrivateKey.generate(KeyType.P256)
    assert key.multibase() not in repr(key) and key.jwk()["d"] not in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_key_signer_is_a_signer() -> None:
    key = PrivateKey.generate(KeyType.P384)
    signer = KeySigner(key, "did:web:example.com#key-1")
    assert isinstance(signer, Signer)
    assert signer.algorithm == "ES384" and signer.key_type is KeyType.P384
    signer.public_key.verify(signer.sign(b"m"), b"m")


# --- bad key material ----------------------------------------------------------------


def _mb(prefix: bytes, body: bytes) -> str:
    return "z" + base58btc_encode(prefix + body)


@pytest.mark.parametrize(
    "value",
    [
        "u7QE",  # not base58btc
        _mb(b"\xe7\x01", b"\x02" + b"\x11" * 32),  # secp256k1-pub: unsupported
        _mb(b"\xed\x01", b"\x11" * 31),  # Ed25519 too short
        _mb(b"\x80\x24", b"\x04" + b"\x11" * 64),  # P-256 uncompressed: Multikey requires compressed
        _mb(b"\x80\x24", b"\x02" + b"\xff" * 32),  # x beyond the field: not on the curve
        _mb(b"\x80\x26", b"\x11" * 32),  # a private key where a public key belongs
    ],
)
def test_bad_public_multibase_rejected(value: str) -> None:
    with pytest.raises(InvalidKeyError) as info:
        PublicKey.from_multibase(value)
    assert info.value.code == MALFORMED_VALUE_ERROR


def test_bad_private_keys_rejected() -> None:
    for key_type, n in ((KeyType.P256, P256_N), (KeyType.P384, P384_N)):
        size = 32 if key_type is KeyType.P256 else 48
        for scalar in (0, n):
            with pytest.raises(InvalidKeyError) as info:
                PrivateKey.from_raw(key_type, scalar.to_bytes(size, "big"))
            assert info.value.code == MALFORMED_VALUE_ERROR
    with pytest.raises(InvalidKeyError):
        PrivateKey.from_multibase(_mb(b"\xed\x01", b"\x11" * 32))  # a public codec


def _jwk(key_type: KeyType, **changes: object) -> dict[str, object]:
    jwk: dict[str, object] = dict(PrivateKey.generate(key_type).public_key.jwk())
    jwk.update(changes)
    return {k: v for k, v in jwk.items() if v is not None}


@pytest.mark.parametrize(
    "jwk",
    [
        _jwk(KeyType.P256, kty="RSA"),
        _jwk(KeyType.P256, crv="secp256k1"),
        _jwk(KeyType.P256, crv="P-521"),
        _jwk(KeyType.ED25519, crv="X25519"),
        _jwk(KeyType.ED25519, crv="Ed448"),
        _jwk(KeyType.P256, y=base64url_encode(b"\x01" * 32)),  # off the curve
        _jwk(KeyType.P384, x=base64url_encode(b"\x01" * 32)),  # P-256-sized coordinate on P-384
        _jwk(KeyType.P256, y=None),
        _jwk(KeyType.P256, alg="ES384"),
        _jwk(KeyType.ED25519, x=base64url_encode(b"\x01" * 32) + "="),
        _jwk(KeyType.ED25519, d=base64url_encode(b"\x01" * 32)),  # private member in a public JWK
        {"kty": "OKP", "crv": "Ed25519", "x": 5},
        [],
    ],
)
def test_bad_public_jwk_rejected(jwk: object) -> None:
    with pytest.raises(InvalidKeyError) as info:
        PublicKey.from_jwk(jwk)  # type: ignore[arg-type]
    assert info.value.code == MALFORMED_VALUE_ERROR


def test_private_jwk_with_mismatched_public_part_rejected() -> None:
    for key_type in ALL_TYPES:
        jwk = PrivateKey.generate(key_type).jwk()
        jwk.update(PrivateKey.generate(key_type).public_key.jwk())  # someone else's public part
        with pytest.raises(InvalidKeyError) as info:
            PrivateKey.from_jwk(jwk)
        assert info.value.code == MALFORMED_VALUE_ERROR


# --- strict Ed25519 -------------------------------------------------------------------

# The eight points of order dividing 8, by y (little-endian), canonical encodings;
# each also with the sign bit set.
SMALL_ORDER_Y = [
    0,
    1,
    P - 1,
    int.from_bytes(bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"), "little"),
    int.from_bytes(bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "little"),
]
SMALL_ORDER_ENCODINGS = [(y | sign).to_bytes(32, "little") for y in SMALL_ORDER_Y for sign in (0, 1 << 255)]
# Non-canonical (y >= p) aliases of small-order points: p ≡ 0 and p + 1 ≡ 1.
NON_CANONICAL_SMALL = [(y | sign).to_bytes(32, "little") for y in (P, P + 1) for sign in (0, 1 << 255)]


def test_identity_point_refused_as_public_key() -> None:
    identity = b"\x01" + b"\0" * 31
    with pytest.raises(InvalidKeyError) as info:
        PublicKey.from_raw(KeyType.ED25519, identity)
    assert info.value.code == MALFORMED_VALUE_ERROR
    for load in (
        lambda: PublicKey.from_multibase(_mb(b"\xed\x01", identity)),
        lambda: PublicKey.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(identity)}),
    ):
        with pytest.raises(InvalidKeyError):
            load()


@pytest.mark.parametrize("encoding", SMALL_ORDER_ENCODINGS + NON_CANONICAL_SMALL, ids=lambda e: e.hex()[:8] + e.hex()[-2:])
def test_small_order_public_keys_refused(encoding: bytes) -> None:
    with pytest.raises(InvalidKeyError) as info:
        PublicKey.from_raw(KeyType.ED25519, encoding)
    assert info.value.code == MALFORMED_VALUE_ERROR


def _valid_small_y() -> int:
    """A y < 19 that is on the curve and not of small order, so y + p is a non-canonical alias."""
    for y in range(2, 19):
        try:
            PublicKey.from_raw(KeyType.ED25519, y.to_bytes(32, "little"))
        except InvalidKeyError:
            continue
        return y
    raise AssertionError("no candidate")  # pragma: no cover


def test_non_canonical_public_key_encoding_refused() -> None:
    y = _valid_small_y()
    with pytest.raises(InvalidKeyError):
        PublicKey.from_raw(KeyType.ED25519, (y + P).to_bytes(32, "little"))


def test_point_not_on_curve_refused() -> None:
    for y in range(2, 40):
        try:
            PublicKey.from_raw(KeyType.ED25519, y.to_bytes(32, "little"))
        except InvalidKeyError as exc:
            assert exc.code == MALFORMED_VALUE_ERROR
            return
    raise AssertionError("expected some small y off the curve")  # pragma: no cover


@pytest.fixture(scope="module")
def ed_signature() -> tuple[PublicKey, bytes]:
    key = PrivateKey.generate(KeyType.ED25519)
    return key.public_key, key.sign(b"message")


def test_ed25519_non_canonical_s_rejected(ed_signature: tuple[PublicKey, bytes]) -> None:
    public, signature = ed_signature
    public.verify(signature, b"message")
    s = int.from_bytes(signature[32:], "little")
    malleated = signature[:32] + (s + L).to_bytes(32, "little")
    with pytest.raises(InvalidSignature):
        public.verify(malleated, b"message")


@pytest.mark.parametrize("r", SMALL_ORDER_ENCODINGS + NON_CANONICAL_SMALL)
def test_ed25519_small_order_or_non_canonical_r_rejected(ed_signature: tuple[PublicKey, bytes], r: bytes) -> None:
    public, signature = ed_signature
    with pytest.raises(InvalidSignature):
        public.verify(r + signature[32:], b"message")


def test_ed25519_wrong_length_rejected(ed_signature: tuple[PublicKey, bytes]) -> None:
    public, signature = ed_signature
    for bad in (signature[:-1], signature + b"\0", b""):
        with pytest.raises(InvalidSignature):
            public.verify(bad, b"message")


# --- ECDSA ------------------------------------------------------------------------


@pytest.mark.parametrize("key_type,n,size", [(KeyType.P256, P256_N, 32), (KeyType.P384, P384_N, 48)])
def test_ecdsa_p1363_checks(key_type: KeyType, n: int, size: int) -> None:
    key = PrivateKey.generate(key_type)
    public = key.public_key
    signature = key.sign(b"m")
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")

    def enc(r: int, s: int) -> bytes:
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    # High S is the other valid signature; the suites accept both.
    public.verify(enc(r, n - s), b"m")
    for bad in (enc(0, s), enc(r, 0), enc(n, s), enc(r, n), enc(n + 1, s)):
        with pytest.raises(InvalidSignature):
            public.verify(bad, b"m")
    for bad in (signature[:-1], signature + b"\0", b"\x30" + signature):
        with pytest.raises(InvalidSignature):
            public.verify(bad, b"m")


def test_ecdsa_signing_is_deterministic() -> None:
    key = PrivateKey.generate(KeyType.P256)
    assert key.sign(b"m") == key.sign(b"m")


# --- sealed keys --------------------------------------------------------------------

KEK = bytes(range(32))
OTHER_KEK = bytes(range(1, 33))


@pytest.mark.parametrize("key_type", ALL_TYPES)
def test_seal_round_trip(key_type: KeyType) -> None:
    key = PrivateKey.generate(key_type)
    sealed = seal_private_key(key, KEK, aad=b"org:1/key:7", kek_id="kek-2026")
    assert sealed.startswith("lzkey:v1:A256GCM:kek-2026:")
    assert key.multibase() not in sealed
    assert sealed_key_id(sealed) == "kek-2026"
    opened = open_private_key(sealed, KEK, aad=b"org:1/key:7")
    assert opened.multibase() == key.multibase()
    # A fresh data key and nonces every time.
    assert seal_private_key(key, KEK, aad=b"org:1/key:7") != seal_private_key(key, KEK, aad=b"org:1/key:7")


def _expect_envelope_error(sealed: str, kek: bytes = KEK, aad: bytes = b"rec") -> None:
    with pytest.raises(KeyEnvelopeError) as info:
        open_private_key(sealed, kek, aad=aad)
    assert info.value.code == CRYPTOGRAPHIC_SECURITY_ERROR


def test_wrong_kek_or_aad_fails() -> None:
    sealed = seal_private_key(PrivateKey.generate(KeyType.ED25519), KEK, aad=b"rec")
    _expect_envelope_error(sealed, kek=OTHER_KEK)
    _expect_envelope_error(sealed, aad=b"rec2")
    _expect_envelope_error(sealed, aad=b"")


def _flip(text: str) -> str:
    # Change the first character to another base64url character.
    return ("A" if text[0] != "A" else "B") + text[1:]


@pytest.mark.parametrize("field", range(3, 8))
def test_tampering_with_any_field_fails(field: int) -> None:
    sealed = seal_private_key(PrivateKey.generate(KeyType.P256), KEK, aad=b"rec", kek_id="k1")
    parts = sealed.split(":")
    parts[field] = _flip(parts[field]) if parts[field] else "k2"
    _expect_envelope_error(":".join(parts))


def test_malformed_envelopes_fail() -> None:
    sealed = seal_private_key(PrivateKey.generate(KeyType.P256), KEK, aad=b"rec")
    for bad in (
        sealed.replace(":v1:", ":v2:"),
        sealed.replace("A256GCM", "A128GCM"),
        sealed[:-4],
        sealed + ":x",
        sealed.replace("lzkey", "xxkey"),
        "",
        "lzkey:v1:A256GCM::a:b:c:d",
    ):
        _expect_envelope_error(bad)


def test_swapping_ciphertexts_between_envelopes_fails() -> None:
    first = seal_private_key(PrivateKey.generate(KeyType.P256), KEK, aad=b"rec").split(":")
    second = seal_private_key(PrivateKey.generate(KeyType.P256), KEK, aad=b"rec").split(":")
    _expect_envelope_error(":".join(first[:6] + second[6:]))


def test_kek_must_be_256_bits() -> None:
    key = PrivateKey.generate(KeyType.ED25519)
    with pytest.raises(ValueError):
        seal_private_key(key, b"short", aad=b"")
    with pytest.raises(ValueError):
        seal_private_key(key, KEK, kek_id="bad:id")


def test_ed25519_64_byte_secret_form_is_accepted_only_when_consistent():
    from identity.did.multibase import multibase_encode

    key = PrivateKey.generate(KeyType.ED25519)
    prefix = bytes([0x80, 0x26])  # varint 0x1300, ed25519-priv
    legacy = multibase_encode(prefix + key.secret_bytes() + key.public_key.raw)
    assert PrivateKey.from_multibase(legacy).public_key == key.public_key
    other = PrivateKey.generate(KeyType.ED25519)
    mismatched = multibase_encode(prefix + key.secret_bytes() + other.public_key.raw)
    with pytest.raises(InvalidKeyError) as info:
        PrivateKey.from_multibase(mismatched)
    assert info.value.code == MALFORMED_VALUE_ERROR
