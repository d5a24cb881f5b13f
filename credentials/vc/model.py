"""VC Data Model checks: 2.0 for issuing and verifying, 1.1 accepted for verifying.

These checks look at the JSON shape only; what the claims mean is the business of
the JSON-LD contexts (see :mod:`credentials.vc.jsonld`) and of the verifier.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import MALFORMED_VALUE_ERROR, PARSING_ERROR, RANGE_ERROR, VCError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"

# XML Schema 1.1 dateTimeStamp (VC 2.0 requires the time zone) and dateTime (VC 1.1
# allowed it to be absent; such values are read as UTC).
_DATETIME = re.compile(
    # ASCII digits only (\d would admit other scripts' digits), bounded lengths so
    # that no conversion below can be made expensive, and \Z rather than $ (which
    # would also match before a trailing newline).
    r"(?P<year>-?[0-9]{4,9})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?P<fraction>\.[0-9]{1,12})?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
# RFC 3986 scheme followed by something: "did:...", "urn:uuid:...", "https://...".
_ABSOLUTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+\Z")


def parse_datetime(value: Any, *, field: str, require_tz: bool = True) -> datetime:
    """Parse an XML Schema ``dateTimeStamp`` into an aware :class:`datetime`.

    Raises ``MALFORMED_VALUE_ERROR`` when ``value`` is not one (or has no time zone
    when ``require_tz``).
    """
    if not isinstance(value, str):
        raise VCError(MALFORMED_VALUE_ERROR, f"{field} must be an XML Schema dateTime string")
    match = _DATETIME.match(value)
    if match is None or (require_tz and match["tz"] is None):
        raise VCError(MALFORMED_VALUE_ERROR, f"{field} {value!r} is not an XML Schema dateTimeStamp")
    fraction = match["fraction"]
    if match["hour"] != "24" and len(match["year"]) == 4 and (fraction is None or len(fraction) <= 7):
        # The common shape: let the C parser do the conversion.
        try:
            parsed = datetime.fromisoformat(value if match["tz"] else value + "Z")
        except ValueError:
            raise VCError(MALFORMED_VALUE_ERROR, f"{field} {value!r} is not a valid date and time") from None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > timedelta(hours=14):
            raise VCError(MALFORMED_VALUE_ERROR, f"{field} {value!r} is not a valid date and time")
        if match["year"] == "0000":
            raise VCError(MALFORMED_VALUE_ERROR, f"{field} {value!r} has a year outside 0001-9999")
        return parsed
    year = int(match["year"])
    if year < 1 or year > 9999:
        raise VCError(MALFORMED_VALUE_ERROR, f"{field} {value!r} has a year outside 0001-9999")
    fraction = match["fraction"] or ""
    tz = match["tz"] or "Z"
    text = f"{match['year']}-{match['month']}-{match['day']}T{match['hour']}:{match['minute']}:{match['second']}"
    micro = (fraction[1:] + "000000")[:6] if fraction else "000000"
    try:
        hour = int(match["hour"])
        if hour == 24:
            # 24:00:00 is end of day in XML Schema; only allowed with zero minutes/seconds.
            if match["minute"] != "00" or match["second"] != "00" or fraction.strip(".0"):
                raise ValueError("24:xx")
            text = text.replace("T24:", "T23:")
            base = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S") + timedelta(hours=1)
        else:
            base = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
        base = base.replace(microsecond=int(micro))
        if tz == "Z":
            return base.replace(tzinfo=timezone.utc)
        sign = 1 if tz[0] == "+" else -1
        hours, minutes = int(tz[1:3]), int(tz[4:6])
        if hours > 14 or minutes > 59:
            raise ValueError("offset")
        return base.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    except ValueError:
        raise VCError(MALFORMED_VALUE_ERROR, f"{field} {value!r} is not a valid date and time") from None


def format_datetime(moment: datetime) -> str:
    """``moment`` as an XML Schema dateTimeStamp in UTC with second precision."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_url(value: Any) -> bool:
    """True for an absolute URL (any scheme: https, did, urn, ...)."""
    return isinstance(value, str) and _ABSOLUTE_URL.match(value) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def context_version(document: Mapping[str, Any]) -> int:
    """1 or 2, from the base context that must come first in ``@context``."""
    context = document.get("@context")
    if context is None:
        raise VCError(PARSING_ERROR, "@context is missing")
    first = context[0] if isinstance(context, list) and context else context
    if first == VC_V2:
        return 2
    if first == VC_V1:
        return 1
    raise VCError(
        PARSING_ERROR,
        f"the first @context entry must be {VC_V2!r} (or {VC_V1!r} for VC 1.1), not {first!r}",
    )


def _check_contexts(document: Mapping[str, Any]) -> int:
    version = context_version(document)
    context = document["@context"]
    if isinstance(context, list):
        for entry in context:
            if not isinstance(entry, (str, dict)):
                raise VCError(PARSING_ERROR, "@context entries must be URLs or objects")
    elif not isinstance(context, str):
        raise VCError(PARSING_ERROR, "@context must be a URL or a list")
    return version


def _check_types(document: Mapping[str, Any], required: str) -> list[str]:
    types = document.get("type")
    if types is None:
        raise VCError(PARSING_ERROR, "type is missing")
    listed = _as_list(types)
    if not listed or not all(isinstance(t, str) and t for t in listed):
        raise VCError(MALFORMED_VALUE_ERROR, "type must be a string or a list of strings")
    if required not in listed:
        raise VCError(MALFORMED_VALUE_ERROR, f"type must include {required!r}")
    return listed


def party_id(value: Any) -> str | None:
    """The id of an ``issuer``/``holder`` value: the string itself or an object's ``id``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        ident = value.get("id")
        if isinstance(ident, str):
            return ident
    return None


def issuer_id(credential: Mapping[str, Any]) -> str:
    """The issuer's identifier: the ``issuer`` URL or ``issuer.id``."""
    issuer = party_id(credential.get("issuer"))
    if not is_url(issuer):
        raise VCError(MALFORMED_VALUE_ERROR, "issuer must be a URL or an object whose id is a URL")
    return issuer  # type: ignore[return-value]


def _check_optional_id(node: Mapping[str, Any], field: str) -> None:
    if "id" in node and not is_url(node["id"]):
        raise VCError(MALFORMED_VALUE_ERROR, f"{field}.id must be an absolute URL")


def _check_typed_objects(value: Any, field: str, *, require_id: bool = False) -> None:
    for entry in _as_list(value):
        if not isinstance(entry, Mapping):
            raise VCError(MALFORMED_VALUE_ERROR, f"{field} entries must be objects")
        kind = entry.get("type")
        if kind is None or not all(isinstance(t, str) and t for t in _as_list(kind)):
            raise VCError(MALFORMED_VALUE_ERROR, f"{field} entries need a type")
        if require_id and not is_url(entry.get("id")):
            raise VCError(MALFORMED_VALUE_ERROR, f"{field}.id must be an absolute URL")
        _check_optional_id(entry, field)


def check_credential(credential: Any) -> int:
    """Check a credential's shape; return its data-model version (1 or 2).

    Raises :class:`VCError` naming the first problem found.
    """
    if not isinstance(credential, Mapping):
        raise VCError(PARSING_ERROR, "a credential must be a JSON object")
    version = _check_contexts(credential)
    _check_types(credential, "VerifiableCredential")
    _check_optional_id(credential, "credential")
    issuer_id(credential)
    subjects = credential.get("credentialSubject")
    if subjects is None:
        raise VCError(PARSING_ERROR, "credentialSubject is missing")
    subject_list = _as_list(subjects)
    if not subject_list:
        raise VCError(MALFORMED_VALUE_ERROR, "credentialSubject must not be empty")
    for subject in subject_list:
        if not isinstance(subject, Mapping) or not subject:
            raise VCError(MALFORMED_VALUE_ERROR, "credentialSubject must be a non-empty object")
        _check_optional_id(subject, "credentialSubject")
    if version == 2:
        for field in ("issuanceDate", "expirationDate"):
            if field in credential:
                # VC 2.0 renamed these; the v2 context leaves them undefined, so they
                # would silently drop out of the signed graph.
                raise VCError(MALFORMED_VALUE_ERROR, f"{field} is VC 1.1; use validFrom/validUntil in VC 2.0")
        start_field, end_field = "validFrom", "validUntil"
    else:
        if "issuanceDate" not in credential:
            raise VCError(PARSING_ERROR, "issuanceDate is required in VC 1.1")
        start_field, end_field = "issuanceDate", "expirationDate"
    start = end = None
    if start_field in credential:
        start = parse_datetime(credential[start_field], field=start_field, require_tz=version == 2)
    if end_field in credential:
        end = parse_datetime(credential[end_field], field=end_field, require_tz=version == 2)
    if start is not None and end is not None and end < start:
        raise VCError(RANGE_ERROR, f"{end_field} is before {start_field}")
    if "credentialStatus" in credential:
        _check_typed_objects(credential["credentialStatus"], "credentialStatus")
    if "credentialSchema" in credential:
        _check_typed_objects(credential["credentialSchema"], "credentialSchema", require_id=True)
    if "evidence" in credential:
        _check_typed_objects(credential["evidence"], "evidence")
    if "refreshService" in credential:
        _check_typed_objects(credential["refreshService"], "refreshService")
    if "termsOfUse" in credential:
        _check_typed_objects(credential["termsOfUse"], "termsOfUse")
    return version


def check_presentation(presentation: Any) -> int:
    """Check a presentation's shape; return its data-model version (1 or 2)."""
    if not isinstance(presentation, Mapping):
        raise VCError(PARSING_ERROR, "a presentation must be a JSON object")
    version = _check_contexts(presentation)
    _check_types(presentation, "VerifiablePresentation")
    _check_optional_id(presentation, "presentation")
    holder = presentation.get("holder")
    if holder is not None:
        holder_value = holder.get("id") if isinstance(holder, Mapping) else holder
        if not is_url(holder_value):
            raise VCError(MALFORMED_VALUE_ERROR, "holder must be a URL or an object whose id is a URL")
    credentials = presentation.get("verifiableCredential")
    if credentials is not None:
        for entry in _as_list(credentials):
            if not isinstance(entry, (Mapping, str)):
                raise VCError(MALFORMED_VALUE_ERROR, "verifiableCredential entries must be objects or compact JWTs")
    return version


def holder_id(presentation: Mapping[str, Any]) -> str | None:
    """The presentation's holder identifier, if it names one."""
    return party_id(presentation.get("holder"))


def validity_window(credential: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The credential's (start, end) validity instants, either of which may be open."""
    version = context_version(credential)
    start_field, end_field = ("validFrom", "validUntil") if version == 2 else ("issuanceDate", "expirationDate")
    start = credential.get(start_field)
    end = credential.get(end_field)
    return (
        parse_datetime(start, field=start_field, require_tz=version == 2) if start is not None else None,
        parse_datetime(end, field=end_field, require_tz=version == 2) if end is not None else None,
    )


def check_validity(credential: Mapping[str, Any], *, now: datetime) -> None:
    """Raise ``RANGE_ERROR`` unless ``now`` falls inside the validity period."""
    start, end = validity_window(credential)
    if start is not None and now < start:
        raise VCError(RANGE_ERROR, f"the credential is not valid before {format_datetime(start)}")
    if end is not None and now > end:
        raise VCError(RANGE_ERROR, f"the credential expired at {format_datetime(end)}")
