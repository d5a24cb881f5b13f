"""Bitstring Status List v1.0: decoding lists and checking a credential's status.

https://www.w3.org/TR/vc-bitstring-status-list/ — a credential's
``credentialStatus`` entry (``BitstringStatusListEntry``) points at a bit
position in a published, signed ``BitstringStatusListCredential`` whose
``encodedList`` is the GZIP-compressed bitstring, multibase base64url encoded.
Index 0 is the left-most (most significant) bit of the first byte.

The checker never fetches: the caller hands in the list credentials it holds
(``status_lists``: URL → credential, from ``vc verify --status-list FILE`` or the
platform's cache). A list that is not supplied gives the status ``"unknown"``,
never ``"ok"``.

Policy beyond the specification, each for a reason:

* the list's issuer must be the credential's issuer. The specification allows a
  different status authority, but the trust registry vouches for the
  credential's issuer only; a list by anyone else could revoke or, worse,
  un-revoke on a stranger's word;
* a list credential with an ``id`` must carry the URL it was looked up under,
  so one list cannot be substituted for another of the same issuer;
* decompression stops at :data:`MAX_LIST_BYTES` (16 MiB, 134 million entries);
  a larger output, such as a GZIP bomb, is a ``STATUS_LIST_LENGTH_ERROR``: the
  length of the list is what is unacceptable, and the error names it;
* ``statusListIndex`` must be a string of decimal digits, as the specification
  says; a JSON integer is rejected (``MALFORMED_VALUE_ERROR``) rather than
  guessed at, because issuers that emit one emit other things wrong too;
* ``statusSize`` 1 to 16 is supported, with the entry's ``statusMessage``
  naming the values; ``revocation`` and ``suspension`` take exactly one bit.
  A non-zero value for any purpose other than those two is reported as
  ``"set"`` with its value and message, and says nothing against the
  credential: what a ``message`` or ``refresh`` status means is the caller's
  policy.

Error codes follow §3.6 of the specification: ``STATUS_RETRIEVAL_ERROR`` (list
not supplied), ``STATUS_VERIFICATION_ERROR`` (the list's proof, issuer, purpose
or validity period), ``STATUS_LIST_LENGTH_ERROR``, ``RANGE_ERROR`` (index beyond
the list) and ``MALFORMED_VALUE_ERROR`` (any value breaking a MUST).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .errors import (
    MALFORMED_VALUE_ERROR,
    RANGE_ERROR,
    STATUS_LIST_LENGTH_ERROR,
    STATUS_RETRIEVAL_ERROR,
    STATUS_VERIFICATION_ERROR,
    VCError,
)
from .jose import b64url_decode, b64url_encode
from .model import party_id

if TYPE_CHECKING:
    from identity.did import DIDResolver

    from .documents import DocumentLoader

__all__ = [
    "ENTRY_TYPE",
    "LIST_CREDENTIAL_TYPE",
    "LIST_TYPE",
    "MAX_LIST_BYTES",
    "MIN_ENTRIES",
    "StatusResult",
    "build_status_list_credential",
    "check_status",
    "decode_status_list",
    "encode_status_list",
    "get_status",
    "new_bitstring",
    "set_status",
]

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
VC_V2 = "https://www.w3.org/ns/credentials/v2"

# Herd privacy: at least 131,072 entries (16 KiB of bits), §2.2 / §4.2.
MIN_ENTRIES = 131_072
# Upper bound on the decompressed list; see the module docstring.
MAX_LIST_BYTES = 16 * 1024 * 1024
# A GZIP stream is never much longer than its content, so an encodedList longer
# than this cannot be a list we would accept anyway; refuse before decoding.
_MAX_ENCODED_CHARS = (MAX_LIST_BYTES + 65_536) * 4 // 3 + 2
_CHUNK = 64 * 1024
# statusSize beyond 16 bits would need 65,536+ statusMessage entries.
_MAX_STATUS_SIZE = 16

_DIGITS = re.compile(r"[0-9]+")
_SPACE = re.compile(r"\s")
_MESSAGE_STATUS = re.compile(r"0x[0-9a-fA-F]+")

# Outcomes of a set bit for the purposes whose meaning the specification fixes.
_SET_OUTCOME = {"revocation": "revoked", "suspension": "suspended"}


@dataclass(frozen=True)
class StatusResult:
    """The status of one ``credentialStatus`` entry.

    ``status`` is ``"ok"`` (bit clear), ``"revoked"``/``"suspended"`` (bit set
    for those purposes), ``"set"`` (non-zero value for any other purpose, e.g.
    ``refresh`` or ``message``; see ``value`` and ``status_message``),
    ``"unknown"`` (list not supplied, or an entry type this module does not
    implement) or ``"error"`` (``code`` says why). Only ``"ok"`` and ``"set"``
    say nothing against the credential.
    """

    status: str
    purpose: str | None = None
    index: int | None = None
    code: str | None = None
    message: str = ""
    status_list: str | None = None
    value: int | None = None
    status_message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the result."""
        # Every field is a scalar, so a shallow dict is a faithful copy (and far
        # cheaper than dataclasses.asdict on the verification hot path).
        return dict(self.__dict__)


# --------------------------------------------------------------------------- bitstrings


def new_bitstring(entries: int = MIN_ENTRIES, *, status_size: int = 1) -> bytearray:
    """A zeroed bitstring with room for ``entries`` statuses of ``status_size`` bits."""
    if entries <= 0 or not 1 <= status_size <= _MAX_STATUS_SIZE:
        raise ValueError("entries must be positive and status_size within 1..16")
    return bytearray((entries * status_size + 7) // 8)


def _check_position(bits: bytes | bytearray, index: int, size: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise VCError(MALFORMED_VALUE_ERROR, "a status index must be a non-negative integer")
    if not 1 <= size <= _MAX_STATUS_SIZE:
        raise VCError(MALFORMED_VALUE_ERROR, f"statusSize must be within 1..{_MAX_STATUS_SIZE}")
    start = index * size
    if start + size > len(bits) * 8:
        raise VCError(RANGE_ERROR, f"status index {index} is outside a list of {len(bits) * 8 // size} entries")
    return start


def get_status(bits: bytes | bytearray, index: int, *, size: int = 1) -> int:
    """The ``size``-bit value at ``index``; bit 0 is the first byte's most significant bit.

    Raises ``RANGE_ERROR`` when the entry lies beyond the bitstring.
    """
    start = _check_position(bits, index, size)
    value = 0
    for position in range(start, start + size):
        value = (value << 1) | ((bits[position >> 3] >> (7 - (position & 7))) & 1)
    return value


def set_status(bits: bytearray, index: int, value: int = 1, *, size: int = 1) -> None:
    """Write the ``size``-bit ``value`` at ``index`` (most significant bit first)."""
    start = _check_position(bits, index, size)
    if not 0 <= value < (1 << size):
        raise ValueError(f"value {value} does not fit in {size} bits")
    for offset in range(size):
        position = start + offset
        mask = 1 << (7 - (position & 7))
        if (value >> (size - 1 - offset)) & 1:
            bits[position >> 3] |= mask
        else:
            bits[position >> 3] &= ~mask & 0xFF


def encode_status_list(bits: bytes | bytearray, *, min_entries: int = MIN_ENTRIES, status_size: int = 1) -> str:
    """The ``encodedList`` for ``bits``: GZIP, then multibase base64url (``u``) without padding.

    The GZIP header carries no timestamp, so the same bits always encode to the
    same string. Raises ``STATUS_LIST_LENGTH_ERROR`` for a list shorter than
    ``min_entries`` (pass a smaller value only to build test fixtures).
    """
    if len(bits) * 8 // status_size < min_entries:
        raise VCError(STATUS_LIST_LENGTH_ERROR, f"a status list needs at least {min_entries} entries")
    if len(bits) > MAX_LIST_BYTES:
        raise VCError(STATUS_LIST_LENGTH_ERROR, f"a status list may hold at most {MAX_LIST_BYTES} bytes")
    return "u" + b64url_encode(gzip.compress(bytes(bits), compresslevel=9, mtime=0))


def _gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Inflate one GZIP member, refusing to produce more than ``limit`` bytes.

    Input is fed and output taken in bounded chunks, so a bomb costs at most
    ``limit`` bytes of memory and the time to inflate them.
    """
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    produced = 0
    position = 0
    pending = b""
    try:
        while not inflater.eof:
            if not pending and position < len(data):
                pending = data[position:position + _CHUNK]
                position += len(pending)
            # At most one byte past the limit, so that an oversize output is
            # detected without ever holding more than limit + 1 bytes.
            chunk = inflater.decompress(pending, min(_CHUNK, limit + 1 - produced))
            pending = inflater.unconsumed_tail
            if not chunk and not pending and position >= len(data) and not inflater.eof:
                raise VCError(MALFORMED_VALUE_ERROR, "encodedList is a truncated GZIP stream")
            produced += len(chunk)
            if produced > limit:
                raise VCError(
                    STATUS_LIST_LENGTH_ERROR,
                    f"encodedList expands beyond {limit} bytes; refusing it (GZIP bomb?)",
                )
            chunks.append(chunk)
    except zlib.error as exc:
        raise VCError(MALFORMED_VALUE_ERROR, f"encodedList is not valid GZIP: {exc}") from None
    if inflater.unused_data or pending or position < len(data):
        raise VCError(MALFORMED_VALUE_ERROR, "encodedList has data after the GZIP stream")
    return b"".join(chunks)


def decode_status_list(
    encoded: str,
    *,
    min_entries: int = MIN_ENTRIES,
    status_size: int = 1,
    max_bytes: int = MAX_LIST_BYTES,
) -> bytes:
    """Decode an ``encodedList`` into the raw bitstring (Bitstring Expansion Algorithm).

    Raises ``MALFORMED_VALUE_ERROR`` (not ``u``-multibase base64url, not one
    complete GZIP member, trailing data), ``STATUS_LIST_LENGTH_ERROR`` (fewer
    than ``min_entries`` entries of ``status_size`` bits, or more than
    ``max_bytes`` of output: decompression is streamed and stops there).
    """
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise VCError(MALFORMED_VALUE_ERROR, "encodedList must be multibase base64url (prefix 'u')")
    if len(encoded) > _MAX_ENCODED_CHARS:
        raise VCError(STATUS_LIST_LENGTH_ERROR, "encodedList is longer than any acceptable list")
    compressed = b64url_decode(encoded[1:], what="encodedList", code=MALFORMED_VALUE_ERROR)
    bits = _gunzip_bounded(compressed, max_bytes)
    if len(bits) * 8 // status_size < min_entries:
        raise VCError(
            STATUS_LIST_LENGTH_ERROR,
            f"the status list has {len(bits) * 8 // status_size} entries; at least {min_entries} are required",
        )
    return bits


def build_status_list_credential(
    *,
    list_id: str,
    issuer: str,
    purpose: str | Sequence[str],
    bits: bytes | bytearray,
    valid_from: str | None = None,
    valid_until: str | None = None,
    ttl: int | None = None,
    min_entries: int = MIN_ENTRIES,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (VC 2.0) holding ``bits``.

    ``list_id`` is the URL the list is published at (the entries'
    ``statusListCredential``); sign the result with
    :func:`credentials.vc.suites.add_proof` before publishing it.
    """
    purposes = [purpose] if isinstance(purpose, str) else list(purpose)
    if not purposes or not all(isinstance(p, str) and p for p in purposes):
        raise ValueError("purpose must be one or more non-empty strings")
    subject: dict[str, Any] = {
        "id": f"{list_id}#list",
        "type": LIST_TYPE,
        "statusPurpose": purposes[0] if len(purposes) == 1 else purposes,
        "encodedList": encode_status_list(bits, min_entries=min_entries),
    }
    if ttl is not None:
        subject["ttl"] = ttl
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_id,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
    }
    if valid_from is not None:
        credential["validFrom"] = valid_from
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = subject
    return credential


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class _Entry:
    purpose: str
    index: int
    list_url: str
    size: int
    messages: dict[int, str] | None


@dataclass(frozen=True)
class _VerifiedList:
    purposes: frozenset[str]
    encoded: str
    bits: dict[int, bytes]  # decoded bitstring per statusSize (length check depends on it)


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]



def _parse_entry(entry: Mapping[str, Any]) -> _Entry:
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise VCError(MALFORMED_VALUE_ERROR, "statusPurpose must be a non-empty string")
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not _DIGITS.fullmatch(raw_index):
        raise VCError(MALFORMED_VALUE_ERROR, "statusListIndex must be a string of decimal digits")
    if len(raw_index) > 12:
        # Far beyond the largest list we accept; no need to build a huge int.
        raise VCError(RANGE_ERROR, f"statusListIndex {raw_index[:20]}... is beyond any acceptable list")
    list_url = entry.get("statusListCredential")
    if not isinstance(list_url, str) or ":" not in list_url or _SPACE.search(list_url):
        raise VCError(MALFORMED_VALUE_ERROR, "statusListCredential must be a URL")
    if entry.get("id") == list_url:
        raise VCError(MALFORMED_VALUE_ERROR, "the status entry's id must not be the status list's URL")
    size = entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise VCError(MALFORMED_VALUE_ERROR, "statusSize must be an integer greater than zero")
    if size > _MAX_STATUS_SIZE:
        raise VCError(MALFORMED_VALUE_ERROR, f"statusSize {size} is not supported (at most {_MAX_STATUS_SIZE})")
    if size > 1 and purpose in _SET_OUTCOME:
        raise VCError(MALFORMED_VALUE_ERROR, f"statusPurpose {purpose!r} takes a single bit (statusSize 1)")
    messages = _parse_messages(entry.get("statusMessage"), size) if "statusMessage" in entry else None
    if size > 1 and messages is None:
        raise VCError(MALFORMED_VALUE_ERROR, "statusMessage is required when statusSize is greater than 1")
    return _Entry(purpose, int(raw_index), list_url, size, messages)


def _parse_messages(value: Any, size: int) -> dict[int, str]:
    if not isinstance(value, list) or len(value) != 1 << size:
        raise VCError(MALFORMED_VALUE_ERROR, f"statusMessage must be an array of {1 << size} entries")
    messages: dict[int, str] = {}
    for item in value:
        if not isinstance(item, Mapping):
            raise VCError(MALFORMED_VALUE_ERROR, "statusMessage entries must be objects")
        status, message = item.get("status"), item.get("message")
        if not isinstance(status, str) or not _MESSAGE_STATUS.fullmatch(status) or not isinstance(message, str):
            raise VCError(MALFORMED_VALUE_ERROR, "statusMessage entries need a hex 'status' (0x..) and a 'message'")
        code = int(status, 16)
        if code >= 1 << size or code in messages:
            raise VCError(MALFORMED_VALUE_ERROR, f"statusMessage status {status!r} is out of range or repeated")
        messages[code] = message
    return messages


def _verify_list(
    url: str,
    supplied: Any,
    *,
    issuer: str,
    resolver: DIDResolver,
    loader: DocumentLoader | None,
    now: datetime,
) -> _VerifiedList:
    """Check the list credential's proof, issuer, type, id and validity period."""
    if isinstance(supplied, str):
        from .jose import verify_vc_jwt

        try:
            document = verify_vc_jwt(supplied, resolver=resolver, now=now).credential
        except VCError as exc:
            raise VCError(STATUS_VERIFICATION_ERROR, f"status list {url}: {exc.code}: {exc.message}") from None
        list_issuer = party_id(document.get("issuer"))
    elif isinstance(supplied, Mapping):
        document = dict(supplied)
        list_issuer = party_id(document.get("issuer"))
        if "proof" not in document:
            raise VCError(STATUS_VERIFICATION_ERROR, f"status list {url} is not signed")
        from .suites import verify_proofs

        kwargs: dict[str, Any] = {} if loader is None else {"loader": loader}
        try:
            proofs = verify_proofs(
                document, resolver=resolver, expected_purpose="assertionMethod", now=now, **kwargs
            )
        except VCError as exc:
            raise VCError(STATUS_VERIFICATION_ERROR, f"status list {url}: {exc.code}: {exc.message}") from None
        # Every proof verified; one of them must be the list issuer's own, or
        # anyone could sign a list that merely names the issuer.
        signers = [result.verification_method.controller for result in proofs]
        if list_issuer not in signers:
            raise VCError(
                STATUS_VERIFICATION_ERROR,
                f"status list {url} is signed by {', '.join(signers)}, not by its issuer {list_issuer}",
            )
    else:
        raise VCError(STATUS_RETRIEVAL_ERROR, f"status list {url} is neither a credential nor a vc+jwt")

    if list_issuer != issuer:
        raise VCError(
            STATUS_VERIFICATION_ERROR,
            f"status list {url} is issued by {list_issuer}, not by the credential's issuer {issuer}",
        )
    if "id" in document and document["id"] != url:
        raise VCError(STATUS_VERIFICATION_ERROR, f"the status list supplied for {url} has id {document['id']!r}")
    if LIST_CREDENTIAL_TYPE not in _types(document.get("type")):
        raise VCError(MALFORMED_VALUE_ERROR, f"status list {url} is not a {LIST_CREDENTIAL_TYPE}")
    _check_validity(document, url, now)
    subject = document.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping):
        raise VCError(MALFORMED_VALUE_ERROR, f"status list {url} needs a single credentialSubject object")
    if LIST_TYPE not in _types(subject.get("type")):
        raise VCError(MALFORMED_VALUE_ERROR, f"status list {url}: credentialSubject.type must be {LIST_TYPE}")
    purposes = subject.get("statusPurpose")
    listed = _types(purposes)
    if not listed or not all(isinstance(p, str) and p for p in listed):
        raise VCError(MALFORMED_VALUE_ERROR, f"status list {url}: statusPurpose must be one or more strings")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise VCError(MALFORMED_VALUE_ERROR, f"status list {url}: encodedList must be a string")
    return _VerifiedList(frozenset(listed), encoded, {})


def _check_validity(document: Mapping[str, Any], url: str, now: datetime) -> None:
    from .model import parse_datetime

    if "validFrom" in document and now < parse_datetime(document["validFrom"], field="validFrom"):
        raise VCError(STATUS_VERIFICATION_ERROR, f"status list {url} is not valid before {document['validFrom']}")
    if "validUntil" in document and now > parse_datetime(document["validUntil"], field="validUntil"):
        raise VCError(STATUS_VERIFICATION_ERROR, f"status list {url} expired at {document['validUntil']}")


def _entries(credential: Mapping[str, Any]) -> list[Any]:
    status = credential.get("credentialStatus")
    if status is None:
        return []
    return status if isinstance(status, list) else [status]


def check_status(
    credential: Mapping[str, Any],
    *,
    status_lists: Mapping[str, Any],
    resolver: DIDResolver,
    loader: DocumentLoader | None = None,
    now: datetime,
) -> list[StatusResult]:
    """Check every ``credentialStatus`` entry of ``credential`` (Validate Algorithm, §4.2).

    ``status_lists`` maps a ``statusListCredential`` URL to the list credential
    (a Data Integrity secured JSON object, or a ``vc+jwt`` string). Each list's
    proof is verified with ``assertionMethod`` through ``resolver`` (and
    ``loader`` for JSON-LD contexts), once per call. Returns one
    :class:`StatusResult` per entry, in order; problems with an entry are
    reported in its result, never raised. ``now`` must be timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw_entries = _entries(credential)
    issuer = party_id(credential.get("issuer"))
    # Lists verified earlier in the same verification (a presentation of many
    # credentials naming one list) are reused: the cache is keyed by issuer too,
    # since a list is only valid for credentials of its own issuer.
    shared = getattr(status_lists, "verified_lists", None)
    verified: dict[str, _VerifiedList | VCError] = (
        shared.setdefault(issuer, {}) if isinstance(shared, dict) else {}
    )
    results: list[StatusResult] = []
    for raw in raw_entries:
        if not isinstance(raw, Mapping):
            results.append(StatusResult("error", code=MALFORMED_VALUE_ERROR, message="credentialStatus entries must be objects"))
            continue
        if ENTRY_TYPE not in _types(raw.get("type")):
            # VC DM 2.0 §4.10: a status mechanism that is not understood is ignored,
            # which for a verifier means "no answer", not "fine".
            results.append(StatusResult("unknown", message=f"status type {raw.get('type')!r} is not supported"))
            continue
        purpose = raw.get("statusPurpose") if isinstance(raw.get("statusPurpose"), str) else None
        try:
            entry = _parse_entry(raw)
        except VCError as exc:
            results.append(StatusResult("error", purpose=purpose, code=exc.code, message=exc.message))
            continue
        results.append(
            _check_entry(entry, issuer, status_lists, verified, resolver=resolver, loader=loader, now=now)
        )
    return results


def _check_entry(
    entry: _Entry,
    issuer: str | None,
    status_lists: Mapping[str, Any],
    verified: dict[str, _VerifiedList | VCError],
    *,
    resolver: DIDResolver,
    loader: DocumentLoader | None,
    now: datetime,
) -> StatusResult:
    def failed(exc: VCError) -> StatusResult:
        return StatusResult(
            "error", entry.purpose, entry.index, exc.code, exc.message, status_list=entry.list_url
        )

    if entry.list_url not in status_lists:
        return StatusResult(
            "unknown", entry.purpose, entry.index, STATUS_RETRIEVAL_ERROR,
            f"status list {entry.list_url} was not supplied", status_list=entry.list_url,
        )
    if issuer is None:
        return failed(VCError(MALFORMED_VALUE_ERROR, "the credential has no issuer id"))
    cached = verified.get(entry.list_url)
    if cached is None:
        try:
            cached = _verify_list(
                entry.list_url, status_lists[entry.list_url],
                issuer=issuer, resolver=resolver, loader=loader, now=now,
            )
        except VCError as exc:
            cached = exc
        verified[entry.list_url] = cached
    if isinstance(cached, VCError):
        return failed(cached)
    if entry.purpose not in cached.purposes:
        return failed(VCError(
            STATUS_VERIFICATION_ERROR,
            f"status list {entry.list_url} is for {sorted(cached.purposes)}, not {entry.purpose!r}",
        ))
    try:
        # One decoded copy per list, whatever the statusSize of the entries.
        bits = cached.bits.get(1)
        if bits is None:
            bits = decode_status_list(cached.encoded, status_size=1)
            cached.bits[1] = bits
        if len(bits) * 8 // entry.size < MIN_ENTRIES:
            raise VCError(
                STATUS_LIST_LENGTH_ERROR,
                f"the status list has {len(bits) * 8 // entry.size} entries of {entry.size} bits; "
                f"at least {MIN_ENTRIES} are required",
            )
        value = get_status(bits, entry.index, size=entry.size)
    except VCError as exc:
        return failed(exc)

    if entry.messages is not None:
        status_message = entry.messages.get(value)
    else:
        status_message = "set" if value else "unset"
    if value == 0:
        outcome = "ok"
    else:
        outcome = _SET_OUTCOME.get(entry.purpose, "set")
    message = {
        "ok": f"{entry.purpose}: not set",
        "revoked": "the credential has been revoked",
        "suspended": "the credential is suspended",
        "set": f"{entry.purpose}: status {value:#x} ({status_message})",
    }[outcome]
    return StatusResult(
        outcome, entry.purpose, entry.index, None, message,
        status_list=entry.list_url, value=value, status_message=status_message,
    )
