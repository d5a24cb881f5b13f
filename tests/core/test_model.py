"""VC Data Model 2.0 (and 1.1) shape checks."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from credentials.vc import errors, model
from credentials.vc.errors import VCError

BASE = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}


def changed(**fields):
    doc = copy.deepcopy(BASE)
    for key, value in fields.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def test_valid_v2_credential():
    assert model.check_credential(BASE) == 2


def test_v11_credential_is_accepted():
    doc = changed(**{"@context": ["https://www.w3.org/2018/credentials/v1"], "validFrom": None,
                     "issuanceDate": "2020-01-01T00:00:00Z"})
    assert model.check_credential(doc) == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"@context": None}, errors.PARSING_ERROR),
        ({"@context": ["https://www.w3.org/ns/credentials/examples/v2", "https://www.w3.org/ns/credentials/v2"]},
         errors.PARSING_ERROR),
        ({"@context": [42]}, errors.PARSING_ERROR),
        ({"type": None}, errors.PARSING_ERROR),
        ({"type": ["AlumniCredential"]}, errors.MALFORMED_VALUE_ERROR),
        ({"type": [1]}, errors.MALFORMED_VALUE_ERROR),
        ({"issuer": None}, errors.MALFORMED_VALUE_ERROR),
        ({"issuer": "not a url"}, errors.MALFORMED_VALUE_ERROR),
        ({"issuer": {"name": "no id"}}, errors.MALFORMED_VALUE_ERROR),
        ({"credentialSubject": None}, errors.PARSING_ERROR),
        ({"credentialSubject": []}, errors.MALFORMED_VALUE_ERROR),
        ({"credentialSubject": {}}, errors.MALFORMED_VALUE_ERROR),
        ({"credentialSubject": "did:example:1"}, errors.MALFORMED_VALUE_ERROR),
        ({"id": "relative/id"}, errors.MALFORMED_VALUE_ERROR),
        ({"validFrom": "2023-01-01"}, errors.MALFORMED_VALUE_ERROR),
        ({"validFrom": "2023-01-01T00:00:00"}, errors.MALFORMED_VALUE_ERROR),  # VC 2.0 needs a time zone
        ({"validFrom": "2023-02-30T00:00:00Z"}, errors.MALFORMED_VALUE_ERROR),
        ({"validFrom": 1672531200}, errors.MALFORMED_VALUE_ERROR),
        ({"validUntil": "2022-01-01T00:00:00Z"}, errors.RANGE_ERROR),
        ({"issuanceDate": "2020-01-01T00:00:00Z"}, errors.MALFORMED_VALUE_ERROR),
        ({"credentialStatus": {"id": "https://example.com/status#1"}}, errors.MALFORMED_VALUE_ERROR),
        ({"credentialStatus": ["x"]}, errors.MALFORMED_VALUE_ERROR),
        ({"credentialSchema": {"type": "JsonSchema"}}, errors.MALFORMED_VALUE_ERROR),
    ],
)
def test_malformed_credentials(fields, code):
    with pytest.raises(VCError) as info:
        model.check_credential(changed(**fields))
    assert info.value.code == code


def test_not_an_object():
    with pytest.raises(VCError) as info:
        model.check_credential(["VerifiableCredential"])
    assert info.value.code == errors.PARSING_ERROR


def test_v11_requires_issuance_date():
    doc = changed(**{"@context": ["https://www.w3.org/2018/credentials/v1"], "validFrom": None})
    with pytest.raises(VCError) as info:
        model.check_credential(doc)
    assert info.value.code == errors.PARSING_ERROR


def test_datetime_forms():
    parse = model.parse_datetime
    assert parse("2023-01-01T08:00:00+08:00", field="x") == datetime(2023, 1, 1, tzinfo=timezone.utc)
    assert parse("2023-01-01T00:00:00.5Z", field="x").microsecond == 500000
    assert parse("2023-12-31T24:00:00Z", field="x") == datetime(2024, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(VCError):
        parse("2023-01-01T00:00:00+15:00", field="x")


def test_validity_window():
    doc = changed(validUntil="2024-01-01T00:00:00Z")
    model.check_validity(doc, now=datetime(2023, 6, 1, tzinfo=timezone.utc))
    with pytest.raises(VCError) as info:
        model.check_validity(doc, now=datetime(2024, 1, 1, 0, 0, 1, tzinfo=timezone.utc))
    assert info.value.code == errors.RANGE_ERROR
    assert "expired" in info.value.message
    with pytest.raises(VCError) as info:
        model.check_validity(doc, now=datetime(2022, 12, 31, tzinfo=timezone.utc))
    assert info.value.code == errors.RANGE_ERROR
    assert "not valid before" in info.value.message


def test_presentation_shape():
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation",
          "holder": "did:example:holder", "verifiableCredential": [BASE]}
    assert model.check_presentation(vp) == 2
    with pytest.raises(VCError) as info:
        model.check_presentation({**vp, "type": "VerifiableCredential"})
    assert info.value.code == errors.MALFORMED_VALUE_ERROR
    with pytest.raises(VCError) as info:
        model.check_presentation({**vp, "holder": "nope"})
    assert info.value.code == errors.MALFORMED_VALUE_ERROR
