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


def test_deep_nesting_is_refused_even_when_a_library_raised_the_recursion_limit() -> None:
    """py_ecc (under web3) sets sys.setrecursionlimit(100000) on import; the C JSON
    scanner's guard follows that limit, so a deep array used to overflow the C stack
    and kill the process (seen in CI). The depth is checked before the scanner runs."""
    import subprocess
    import sys

    script = (
        "import sys; sys.setrecursionlimit(100000)\n"
        "from identity.jsonutil import loads\n"
        "from identity.errors import VCError\n"
        "for text in ['[' * 300000 + ']' * 300000, '{\"a\":' * 300000 + '1' + '}' * 300000]:\n"
        "    try:\n"
        "        loads(text)\n"
        "    except VCError as exc:\n"
        "        assert 'deeper than 64' in str(exc)\n"
        "    else:\n"
        "        raise SystemExit('accepted')\n"
        "print('refused')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "refused"


def test_brackets_inside_strings_do_not_count_towards_depth() -> None:
    from identity.jsonutil import loads

    text = '{"a": "' + "[" * 500 + '{{{\\"' + '", "b": [[1]]}'
    assert loads(text)["b"] == [[1]]


def test_a_flood_of_small_objects_is_refused_before_parsing() -> None:
    import time

    from identity.jsonutil import MAX_CONTAINERS, loads

    assert len(loads("[" + ",".join(["{}"] * 50_000) + "]")) == 50_000
    flood = "[" + ",".join(["{}"] * (MAX_CONTAINERS + 1)) + "]"
    started = time.perf_counter()
    with pytest.raises(VCError, match="more than"):
        loads(flood)
    assert time.perf_counter() - started < 0.5
