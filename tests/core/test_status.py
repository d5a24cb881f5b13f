"""Bitstring Status List: codec, bit order, and checking against real signed lists."""

from __future__ import annotations

import copy
import gzip
import struct
import time
import tracemalloc
import zlib
from datetime import datetime, timezone

import pytest

from credentials.vc import errors, suites
from credentials.vc.errors import VCError
from credentials.vc.jose import b64url_encode, issue_vc_jwt
from credentials.vc.status import (
    MAX_LIST_BYTES,
    MIN_ENTRIES,
    build_status_list_credential,
    check_status,
    decode_status_list,
    encode_status_list,
    get_status,
    new_bitstring,
    set_status,
)
from identity.did import Resolver, did_key_from_public_key
from identity.keys import KeySigner, KeyType, PrivateKey

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
RESOLVER = Resolver(local={})
LIST_URL = "https://university.example/status/1"
SUSPENSION_URL = "https://university.example/status/2"
CREATED = "2026-06-01T00:00:00Z"


def did_key_signer(key_type: KeyType = KeyType.ED25519) -> tuple[str, KeySigner]:
    key = PrivateKey.generate(key_type)
    did = did_key_from_public_key(key.public_key)
    return did, KeySigner(key, f"{did}#{did.split(':', 2)[2]}")


@pytest.fixture(scope="module")
def issuer() -> tuple[str, KeySigner]:
    return did_key_signer()


@pytest.fixture(scope="module")
def stranger() -> tuple[str, KeySigner]:
    return did_key_signer()


def signed_list(issuer, *, url=LIST_URL, purpose="revocation", set_bits=(), entries=MIN_ENTRIES,
                min_entries=MIN_ENTRIES, **extra) -> dict:
    did, signer = issuer
    bits = new_bitstring(entries)
    for index in set_bits:
        set_status(bits, index)
    unsigned = build_status_list_credential(list_id=url, issuer=did, purpose=purpose, bits=bits,
                                            min_entries=min_entries, **extra)
    return suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created=CREATED)


def entry(index: int | str, *, purpose="revocation", url=LIST_URL, **extra) -> dict:
    value = {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index) if isinstance(index, int) else index,
        "statusListCredential": url,
    }
    value.update(extra)
    return value


def credential(issuer_did: str, status) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:1d2a1c9e-3f0e-4a55-9b0c-2b8f5e0c7a11",
        "type": ["VerifiableCredential"],
        "issuer": issuer_did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder"},
        "credentialStatus": status,
    }


def check(cred, lists) -> list:
    return check_status(cred, status_lists=lists, resolver=RESOLVER, now=NOW)


def one(cred, lists):
    results = check(cred, lists)
    assert len(results) == 1
    return results[0]


@pytest.fixture(scope="module")
def revocation_list(issuer) -> dict:
    return signed_list(issuer, set_bits=(7, 94567, MIN_ENTRIES - 1))


@pytest.fixture(scope="module")
def suspension_list(issuer) -> dict:
    return signed_list(issuer, url=SUSPENSION_URL, purpose="suspension", set_bits=(23452,))


def gzip_bomb(gib: int = 1) -> bytes:
    """A valid GZIP member of ``gib`` GiB of zeros, built in milliseconds.

    After a full flush deflate forgets its history, so every further MiB of
    zeros compresses to the same bytes: compress one, repeat it, and write the
    trailer (CRC-32 and size) for the whole.
    """
    block = bytes(1 << 20)
    deflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = deflater.compress(block) + deflater.flush(zlib.Z_FULL_FLUSH)
    unit = deflater.compress(block) + deflater.flush(zlib.Z_FULL_FLUSH)
    end = deflater.flush()[:-8]
    blocks = gib * 1024
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    return first + unit * (blocks - 1) + end + struct.pack("<II", crc, (blocks << 20) & 0xFFFFFFFF)


# --------------------------------------------------------------------------- codec


def test_bit_order_is_most_significant_first():
    bits = new_bitstring(16)
    set_status(bits, 0)
    set_status(bits, 9)
    assert bytes(bits) == bytes([0b1000_0000, 0b0100_0000])
    assert [get_status(bits, i) for i in range(16)] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    set_status(bits, 0, 0)
    assert bits[0] == 0


def test_multi_bit_values():
    bits = new_bitstring(8, status_size=2)
    set_status(bits, 1, 0b10, size=2)
    set_status(bits, 3, 0b11, size=2)
    assert bytes(bits[:1]) == bytes([0b00_10_00_11])
    assert [get_status(bits, i, size=2) for i in range(4)] == [0, 2, 0, 3]


def test_spec_example_list_decodes_to_16_kib_of_zeros():
    # The encodedList of the example in §2.2 of the Recommendation.
    bits = decode_status_list("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
    assert bits == bytes(16 * 1024)


def test_encode_decode_round_trip_is_deterministic():
    bits = new_bitstring()
    for index in (0, 1, 12345, MIN_ENTRIES - 1):
        set_status(bits, index)
    encoded = encode_status_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    assert encoded == encode_status_list(bits)  # no timestamp in the GZIP header
    assert decode_status_list(encoded) == bytes(bits)


def test_encoding_a_short_list_is_refused():
    with pytest.raises(VCError) as info:
        encode_status_list(bytes(1024))
    assert info.value.code == errors.STATUS_LIST_LENGTH_ERROR


@pytest.mark.parametrize("encoded", [
    "zH4sIAAAAAAAAA",                        # base58btc prefix
    "mH4sIAAAAAAAAA",                        # base64 (padded alphabet) prefix
    "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",  # no prefix at all
    "uH4sIAAAAAAAAA+3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",  # standard alphabet
    "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA==",
    "u" + b64url_encode(zlib.compress(bytes(16384))),  # zlib, not GZIP
    "u" + b64url_encode(bytes(16384)),                 # not compressed at all
    "",
])
def test_malformed_encodings_are_rejected(encoded):
    with pytest.raises(VCError) as info:
        decode_status_list(encoded)
    assert info.value.code == errors.MALFORMED_VALUE_ERROR


def test_truncated_and_trailing_gzip_are_rejected():
    member = gzip.compress(bytes(16384), mtime=0)
    for data in (member[:-1], member[:-8], member[: len(member) // 2], member + b"\x00", member + member):
        with pytest.raises(VCError) as info:
            decode_status_list("u" + b64url_encode(data))
        assert info.value.code == errors.MALFORMED_VALUE_ERROR


def test_corrupted_crc_is_rejected():
    member = bytearray(gzip.compress(bytes(16384), mtime=0))
    member[-8] ^= 0xFF
    with pytest.raises(VCError) as info:
        decode_status_list("u" + b64url_encode(bytes(member)))
    assert info.value.code == errors.MALFORMED_VALUE_ERROR


def test_short_list_is_a_length_error():
    encoded = "u" + b64url_encode(gzip.compress(bytes(MIN_ENTRIES // 8 - 1), mtime=0))
    with pytest.raises(VCError) as info:
        decode_status_list(encoded)
    assert info.value.code == errors.STATUS_LIST_LENGTH_ERROR


def test_gzip_bomb_stops_fast_and_small():
    bomb = "u" + b64url_encode(gzip_bomb(1))
    assert len(bomb) < 2 * 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(VCError) as info:
            decode_status_list(bomb)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == errors.STATUS_LIST_LENGTH_ERROR
    assert elapsed < 5, elapsed
    # The 16 MiB budget plus the bomb's own compressed bytes, never the gigabyte.
    assert peak < MAX_LIST_BYTES + 4 * 1024 * 1024, peak


def test_list_exactly_at_the_limit_is_accepted_and_one_byte_more_is_not():
    at_limit = "u" + b64url_encode(gzip.compress(bytes(MAX_LIST_BYTES), compresslevel=1, mtime=0))
    assert len(decode_status_list(at_limit)) == MAX_LIST_BYTES
    over = "u" + b64url_encode(gzip.compress(bytes(MAX_LIST_BYTES + 1), compresslevel=1, mtime=0))
    with pytest.raises(VCError) as info:
        decode_status_list(over)
    assert info.value.code == errors.STATUS_LIST_LENGTH_ERROR


# --------------------------------------------------------------------------- checking


def test_unset_bit_is_ok(issuer, revocation_list):
    result = one(credential(issuer[0], entry(8)), {LIST_URL: revocation_list})
    assert (result.status, result.code, result.purpose, result.index, result.value) == ("ok", None, "revocation", 8, 0)


@pytest.mark.parametrize("index", [7, 94567, MIN_ENTRIES - 1])
def test_set_revocation_bit_is_revoked(issuer, revocation_list, index):
    result = one(credential(issuer[0], entry(index)), {LIST_URL: revocation_list})
    assert (result.status, result.index, result.value) == ("revoked", index, 1)


def test_neighbours_of_a_set_bit_are_ok(issuer, revocation_list):
    results = check(credential(issuer[0], [entry(6), entry(94566), entry(94568)]), {LIST_URL: revocation_list})
    assert [r.status for r in results] == ["ok", "ok", "ok"]


def test_set_suspension_bit_is_suspended(issuer, revocation_list, suspension_list):
    status = [entry(94567), entry(23452, purpose="suspension", url=SUSPENSION_URL)]
    lists = {LIST_URL: revocation_list, SUSPENSION_URL: suspension_list}
    results = check(credential(issuer[0], status), lists)
    assert [(r.purpose, r.status) for r in results] == [("revocation", "revoked"), ("suspension", "suspended")]
    lifted = check(credential(issuer[0], [entry(23453, purpose="suspension", url=SUSPENSION_URL)]), lists)
    assert [r.status for r in lifted] == ["ok"]


def test_list_with_several_purposes(issuer):
    both = signed_list(issuer, purpose=["revocation", "suspension"], set_bits=(5,))
    lists = {LIST_URL: both}
    assert one(credential(issuer[0], entry(5, purpose="suspension")), lists).status == "suspended"
    assert one(credential(issuer[0], entry(5)), lists).status == "revoked"
    assert one(credential(issuer[0], entry(5, purpose="refresh")), lists).code == errors.STATUS_VERIFICATION_ERROR


def test_list_not_supplied_is_unknown(issuer):
    result = one(credential(issuer[0], entry(8)), {})
    assert (result.status, result.code) == ("unknown", errors.STATUS_RETRIEVAL_ERROR)


def test_list_of_another_issuer_is_rejected(issuer, stranger):
    # The stranger's own, correctly signed list, offered for the issuer's URL.
    foreign = signed_list(stranger, set_bits=())
    result = one(credential(issuer[0], entry(7)), {LIST_URL: foreign})
    assert (result.status, result.code) == ("error", errors.STATUS_VERIFICATION_ERROR)


def test_list_naming_the_issuer_but_signed_by_a_stranger_is_rejected(issuer, stranger):
    did, _ = issuer
    bits = new_bitstring()
    unsigned = build_status_list_credential(list_id=LIST_URL, issuer=did, purpose="revocation", bits=bits)
    forged = suites.add_proof(unsigned, signer=stranger[1], cryptosuite="eddsa-rdfc-2022", created=CREATED)
    result = one(credential(did, entry(7)), {LIST_URL: forged})
    assert (result.status, result.code) == ("error", errors.STATUS_VERIFICATION_ERROR)
    assert stranger[0] in result.message


def test_tampered_list_is_rejected(issuer, revocation_list):
    tampered = copy.deepcopy(revocation_list)
    # "Un-revoke" index 7 by swapping in a clean list after signing.
    tampered["credentialSubject"]["encodedList"] = encode_status_list(new_bitstring())
    result = one(credential(issuer[0], entry(7)), {LIST_URL: tampered})
    assert (result.status, result.code) == ("error", errors.STATUS_VERIFICATION_ERROR)


def test_unsigned_list_is_rejected(issuer):
    unsigned = build_status_list_credential(list_id=LIST_URL, issuer=issuer[0], purpose="revocation",
                                            bits=new_bitstring())
    result = one(credential(issuer[0], entry(7)), {LIST_URL: unsigned})
    assert (result.status, result.code) == ("error", errors.STATUS_VERIFICATION_ERROR)


def test_list_supplied_under_another_url_is_rejected(issuer, revocation_list):
    other = "https://university.example/status/9"
    result = one(credential(issuer[0], entry(8, url=other)), {other: revocation_list})
    assert (result.status, result.code) == ("error", errors.STATUS_VERIFICATION_ERROR)


def test_purpose_mismatch(issuer, revocation_list):
    # The suspension entry pointed at the revocation list.
    result = one(credential(issuer[0], entry(7, purpose="suspension")), {LIST_URL: revocation_list})
    assert (result.status, result.code) == ("error", errors.STATUS_VERIFICATION_ERROR)


def test_index_out_of_range(issuer, revocation_list):
    result = one(credential(issuer[0], entry(MIN_ENTRIES)), {LIST_URL: revocation_list})
    assert (result.status, result.code) == ("error", errors.RANGE_ERROR)
    huge = one(credential(issuer[0], entry("9" * 40)), {LIST_URL: revocation_list})
    assert (huge.status, huge.code) == ("error", errors.RANGE_ERROR)


def test_short_list_is_rejected_after_its_proof_verifies(issuer):
    short = signed_list(issuer, entries=MIN_ENTRIES // 2, min_entries=0)
    result = one(credential(issuer[0], entry(7)), {LIST_URL: short})
    assert (result.status, result.code) == ("error", errors.STATUS_LIST_LENGTH_ERROR)


def test_signed_gzip_bomb_is_rejected_fast(issuer):
    did, signer = issuer
    unsigned = build_status_list_credential(list_id=LIST_URL, issuer=did, purpose="revocation",
                                            bits=new_bitstring())
    unsigned["credentialSubject"]["encodedList"] = "u" + b64url_encode(gzip_bomb(1))
    bomb_list = suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created=CREATED)
    started = time.perf_counter()
    result = one(credential(did, entry(7)), {LIST_URL: bomb_list})
    assert (result.status, result.code) == ("error", errors.STATUS_LIST_LENGTH_ERROR)
    assert time.perf_counter() - started < 10


def test_bad_multibase_prefix_in_a_signed_list(issuer):
    did, signer = issuer
    unsigned = build_status_list_credential(list_id=LIST_URL, issuer=did, purpose="revocation",
                                            bits=new_bitstring())
    unsigned["credentialSubject"]["encodedList"] = "z" + unsigned["credentialSubject"]["encodedList"][1:]
    signed = suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created=CREATED)
    result = one(credential(did, entry(7)), {LIST_URL: signed})
    assert (result.status, result.code) == ("error", errors.MALFORMED_VALUE_ERROR)


@pytest.mark.parametrize("index", ["-1", "1e3", "0x10", " 7", "7 ", "", "٣", 7, 7.0, None, True])
def test_status_list_index_must_be_a_digit_string(issuer, revocation_list, index):
    value = entry(0)
    value["statusListIndex"] = index
    result = one(credential(issuer[0], value), {LIST_URL: revocation_list})
    assert (result.status, result.code) == ("error", errors.MALFORMED_VALUE_ERROR)


@pytest.mark.parametrize("field,value", [
    ("statusPurpose", None), ("statusPurpose", ["revocation"]), ("statusListCredential", None),
    ("statusListCredential", "not a url"), ("statusSize", 0), ("statusSize", "1"), ("statusSize", 2),
    ("id", LIST_URL),
])
def test_malformed_entries(issuer, revocation_list, field, value):
    bad = entry(8)
    bad[field] = value
    result = one(credential(issuer[0], bad), {LIST_URL: revocation_list})
    assert (result.status, result.code) == ("error", errors.MALFORMED_VALUE_ERROR)


def test_validity_period_of_the_list(issuer):
    expired = signed_list(issuer, valid_from="2026-01-01T00:00:00Z", valid_until="2026-06-30T23:59:59Z")
    result = one(credential(issuer[0], entry(8)), {LIST_URL: expired})
    assert (result.status, result.code) == ("error", errors.STATUS_VERIFICATION_ERROR)
    future = signed_list(issuer, valid_from="2026-07-01T00:00:01Z")
    assert one(credential(issuer[0], entry(8)), {LIST_URL: future}).code == errors.STATUS_VERIFICATION_ERROR
    current = signed_list(issuer, valid_from="2026-06-01T00:00:00Z", valid_until="2026-07-02T00:00:00Z")
    assert one(credential(issuer[0], entry(8)), {LIST_URL: current}).status == "ok"


def test_wrong_list_types_are_malformed(issuer):
    did, signer = issuer
    unsigned = build_status_list_credential(list_id=LIST_URL, issuer=did, purpose="revocation", bits=new_bitstring())
    unsigned["type"] = ["VerifiableCredential"]
    signed = suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created=CREATED)
    assert one(credential(did, entry(8)), {LIST_URL: signed}).code == errors.MALFORMED_VALUE_ERROR


def test_message_purpose_with_status_size_two(issuer):
    did, signer = issuer
    bits = new_bitstring(MIN_ENTRIES, status_size=2)
    set_status(bits, 4, 2, size=2)
    unsigned = build_status_list_credential(list_id=LIST_URL, issuer=did, purpose="message", bits=bits)
    signed = suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created=CREATED)
    messages = [{"status": f"0x{i:x}", "message": m} for i, m in enumerate(["pending", "accepted", "rejected", "n/a"])]
    status = [entry(4, purpose="message", statusSize=2, statusMessage=messages),
              entry(5, purpose="message", statusSize=2, statusMessage=messages)]
    results = check(credential(did, status), {LIST_URL: signed})
    assert [(r.status, r.value, r.status_message) for r in results] == [("set", 2, "rejected"), ("ok", 0, "pending")]


def test_vc_jwt_status_list(issuer, stranger):
    did, signer = issuer
    bits = new_bitstring()
    set_status(bits, 7)
    unsigned = build_status_list_credential(list_id=LIST_URL, issuer=did, purpose="revocation", bits=bits)
    token = issue_vc_jwt(unsigned, signer=signer)
    assert one(credential(did, entry(7)), {LIST_URL: token}).status == "revoked"
    forged = token.split(".")
    forged[2] = forged[2][:10] + ("A" if forged[2][10] != "A" else "B") + forged[2][11:]
    assert one(credential(did, entry(7)), {LIST_URL: ".".join(forged)}).code == errors.STATUS_VERIFICATION_ERROR


def test_entries_are_reported_in_order_and_unknown_types_never_pass(issuer, revocation_list):
    status = [entry(7), {"type": "StatusList2021Entry", "statusListIndex": "1"}, "junk", entry(8)]
    results = check(credential(issuer[0], status), {LIST_URL: revocation_list})
    assert [(r.status, r.code) for r in results] == [
        ("revoked", None), ("unknown", None), ("error", errors.MALFORMED_VALUE_ERROR), ("ok", None)
    ]
    assert check(credential(issuer[0], None) | {"credentialStatus": None}, {}) == []


def test_each_list_is_verified_once_per_call(issuer, revocation_list, monkeypatch):
    calls = []
    real = suites.verify_proofs

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(suites, "verify_proofs", counting)
    results = check(credential(issuer[0], [entry(7), entry(8), entry(9)]), {LIST_URL: revocation_list})
    assert [r.status for r in results] == ["revoked", "ok", "ok"]
    assert len(calls) == 1
