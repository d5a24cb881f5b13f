"""Strict JSON: the parser every input goes through."""

from __future__ import annotations

import pytest

from credentials.vc import errors
from credentials.vc.errors import VCError
from credentials.vc.jsonutil import loads


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "{\"a\": 1, \"a\": 2}",
        "[NaN]",
        "[Infinity]",
        "[-Infinity]",
        "[" * 200_000 + "]" * 200_000,
        "{\"a\":" * 65 + "1" + "}" * 65,
        b"\xff\xfe",
        "{\"a\": 1",
        "[1e400]",
        "{\"n\": -1E+999}",
        "[" + "9" * 5000 + "]",
        "{\"name\": \"\\ud800\"}",
        "{\"\\udfff\": 1}",
        "[\"\\uDBFFx\"]",
        "\"\ud800\"",
    ],
)
def test_rejected(text):
    with pytest.raises(VCError) as info:
        loads(text)
    assert info.value.code == errors.PARSING_ERROR


def test_messages_stay_plain():
    with pytest.raises(VCError) as info:
        loads("[" + "9" * 5000 + "]")
    assert "sys." not in info.value.message


def test_accepted_at_the_limit():
    assert loads("[" * 64 + "]" * 64) is not None
    assert loads("\ufeff{\"名\": \"李明\"}") == {"名": "李明"}
    assert loads("[\"\\ud83d\\ude00\", 1.7976931348623157e308]") == ["😀", 1.7976931348623157e308]
