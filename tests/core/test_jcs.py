"""RFC 8785 (JCS) conformance, and proof that the fast path equals the general one."""

from __future__ import annotations

import enum
import json
import math
import random
import struct
from typing import Any

import pytest

from credentials.vc import jcs
from credentials.vc.errors import MALFORMED_VALUE_ERROR, VCError
from credentials.vc.jcs import canonicalize, serialize_number

# RFC 8785 Appendix B: IEEE-754 bit pattern -> ECMAScript rendering (test data).
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def _double(bits: str) -> float:
    return struct.unpack(">d", bytes.fromhex(bits))[0]


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_appendix_b_numbers(bits: str, expected: str) -> None:
    assert canonicalize(_double(bits)) == expected.encode()
    assert canonicalize([_double(bits)]) == f"[{expected}]".encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinity_are_errors(bits: str) -> None:
    with pytest.raises(VCError) as err:
        canonicalize({"n": _double(bits)})
    assert err.value.code == MALFORMED_VALUE_ERROR


def test_section_3_2_2_sample_gives_the_bytes_of_section_3_2_4() -> None:
    parsed = json.loads(
        '{"numbers": [1E30, 4.50, 6, 2e-3, 0.000000000000000000000000001],'
        r' "escaping": "\u20ac$\u000F\u000aA' "'" r'\u0042\u0022\u005c\\\"\/",'
        ' "other": [null, true, false]}'
    )
    expected_hex = (
        "7b 22 65 73 63 61 70 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30"
        " 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 2c 22"
        " 6e 75 6d 62 65 72 73 22 3a 5b 31 65 2b 33 30 2c 34 2e 35 2c"
        " 36 2c 30 2e 30 30 32 2c 31 65 2d 32 37 5d 2c 22 6f 74 68 65"
        " 72 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d"
        " 7d"
    )
    assert canonicalize(parsed) == bytes.fromhex(expected_hex.replace(" ", ""))


def test_section_3_2_3_utf16_property_order() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    out = json.loads(canonicalize(value))
    # Code-point order would put the emoji last; UTF-16 puts its surrogates first.
    assert list(out.values()) == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]
    assert canonicalize(value).startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control"')


def _reference_escape_table() -> dict[int, str]:
    # RFC 8785 §3.2.2.2 / ES JSON.stringify, written out independently of json.
    table = {code: f"\\u{code:04x}" for code in range(0x20)}
    table.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"})
    table.update({0x22: '\\"', 0x5C: "\\\\"})
    return table


def test_string_escaping_matches_the_rfc_for_every_code_point() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    expected = '"' + every.translate(_reference_escape_table()) + '"'
    assert canonicalize(every) == expected.encode("utf-8")
    # The general path (taken here because of the float) escapes the same way.
    assert canonicalize([every, 0.5]) == f"[{expected},0.5]".encode("utf-8")
    # Keys are escaped like values.
    assert canonicalize({every: 1}) == ("{" + expected + ":1}").encode("utf-8")


def test_literal_characters_json_might_be_expected_to_escape() -> None:
    assert canonicalize("\x7f/\u2028\u2029<>&'") == "\"\x7f/\u2028\u2029<>&'\"".encode()


@pytest.mark.parametrize("value", ["\ud800", "a\udfffb", {"\udc00": 1}, {"k": ["x", "\ud83d"]}, ["\ud83d", 1.5]])
def test_lone_surrogates_are_errors(value: Any) -> None:
    with pytest.raises(VCError) as err:
        canonicalize(value)
    assert err.value.code == MALFORMED_VALUE_ERROR


def test_integers() -> None:
    assert canonicalize(2**53) == b"9007199254740992"
    assert canonicalize(-(2**53)) == b"-9007199254740992"
    assert canonicalize(2**53 + 2) == b"9007199254740994"  # a double, rendered as ES does
    assert canonicalize(2**68) == b"295147905179352830000"
    assert canonicalize(10**21) == b"1e+21"
    assert canonicalize(-0.0) == b"0"
    assert canonicalize(1.0) == b"1"
    assert canonicalize(1e16) == b"10000000000000000"
    assert canonicalize(1e-7) == b"1e-7"
    assert canonicalize(123e-20) == b"1.23e-18"


@pytest.mark.parametrize(
    "value", [2**53 + 1, -(2**53) - 1, 10**400, 12345678901234567890, 123456789012345683969, 10**21 + 1]
)
def test_integers_a_javascript_parser_would_change_are_errors(value: int) -> None:
    # Neither a double exactly nor the shortest form of one: JavaScript reads another number.
    with pytest.raises(VCError) as err:
        canonicalize({"n": [value]})
    assert err.value.code == MALFORMED_VALUE_ERROR
    with pytest.raises(VCError) as err:
        jcs.integer_as_double(value)
    assert err.value.code == MALFORMED_VALUE_ERROR


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # JSON.stringify's text for 2**68 and 1.2345678901234568e20: the double's shortest digits.
        (295147905179352830000, b"295147905179352830000"),
        (123456789012345680000, b"123456789012345680000"),
        (-999999999999999900000, b"-999999999999999900000"),
        # The exact value of that double is accepted too, and written the same way.
        (123456789012345683968, b"123456789012345680000"),
        # Beyond 1e21 the shortest digits written out in full.
        (10**29, b"1e+29"),
    ],
)
def test_integers_that_are_the_shortest_form_of_a_double(value: int, expected: bytes) -> None:
    assert canonicalize([value]) == b"[" + expected + b"]"
    assert jcs.integer_as_double(value) == float(value)


@pytest.mark.parametrize("value", [{1: "a"}, {None: 1}, {"a": {(1, 2): 3}}, {"s": {1, 2}}, b"bytes", object()])
def test_non_json_values_are_errors(value: Any) -> None:
    with pytest.raises(VCError) as err:
        canonicalize(value)
    assert err.value.code == MALFORMED_VALUE_ERROR


def test_cycles_are_errors() -> None:
    cyclic: dict[str, Any] = {"a": []}
    cyclic["a"].append(cyclic)
    with pytest.raises(VCError) as err:
        canonicalize(cyclic)
    assert err.value.code == MALFORMED_VALUE_ERROR


def test_subclasses_serialize_by_their_json_meaning() -> None:
    class Colour(str, enum.Enum):
        RED = "red"

    class Size(enum.IntEnum):
        BIG = 3

    assert canonicalize({"c": Colour.RED, "s": Size.BIG, Colour.RED: True}) == b'{"c":"red","red":true,"s":3}'


# --- seeded property tests ---------------------------------------------------


def _reference_number(x: float) -> str:
    """ECMAScript Number::toString via a different route: exponent-format search."""
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _reference_number(-x)
    for precision in range(1, 18):
        text = f"{x:.{precision - 1}e}"
        if float(text) == x:
            break
    mantissa, exp = text.split("e")
    digits = mantissa.replace(".", "").rstrip("0")
    k, n = len(digits), int(exp) + 1
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    return (digits[0] + ("." + digits[1:] if k > 1 else "")) + "e" + ("+" if e >= 0 else "-") + str(abs(e))


def _reference(value: Any) -> str:
    """A slow, literal reading of RFC 8785 to compare against."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        return '"' + value.translate(_reference_escape_table()) + '"'
    if isinstance(value, int):
        return _reference_number(float(value))
    if isinstance(value, float):
        return _reference_number(value)
    if isinstance(value, list):
        return "[" + ",".join(_reference(v) for v in value) + "]"

    def units(key: str) -> list[int]:
        out: list[int] = []
        for ch in key:
            c = ord(ch)
            if c > 0xFFFF:
                c -= 0x10000
                out += [0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)]
            else:
                out.append(c)
        return out

    items = sorted(value.items(), key=lambda kv: units(kv[0]))
    return "{" + ",".join(_reference(k) + ":" + _reference(v) for k, v in items) + "}"


_ALPHABETS = [
    "abcxyzABC019_-@:#/ ",
    "\x00\x01\x08\t\n\x0b\x0c\r\x1f\"\\\x7f",
    "\u00e9\u00f6\u0080\u20ac\u4e2d\u6587\ud7ff\ue000\uf8ff\ufb33\uffef\uffff",
    "\U0001f600\U00010000\U0010ffff\U0001d11e",
]


def _random_string(rng: random.Random, alphabets: list[str]) -> str:
    pool = "".join(alphabets)
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, 6)))


def _random_float(rng: random.Random) -> float:
    choice = rng.random()
    if choice < 0.3:
        return struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
    if choice < 0.6:
        return rng.uniform(-1e6, 1e6)
    if choice < 0.8:
        return float(rng.randint(-(10**25), 10**25))
    return rng.choice([0.1, 1e21, 1e-6, 1e-7, 5e-324, 123456789012345680000.0, -0.0, 0.5])


def _random_value(rng: random.Random, depth: int, *, simple: bool) -> Any:
    kinds = ["str", "int", "bool", "null"] + ([] if simple else ["float", "bigint"])
    if depth < 4:
        kinds += ["list", "dict", "dict"]
    kind = rng.choice(kinds)
    alphabets = _ALPHABETS[:3] if simple else _ALPHABETS
    if kind == "str":
        return _random_string(rng, _ALPHABETS)  # astral values are fine on both paths
    if kind == "int":
        return rng.choice([0, -1, 1, 2**53, -(2**53), rng.randint(-(2**53), 2**53), rng.randint(-1000, 1000)])
    if kind == "bigint":
        return float(rng.randint(2**53, 2**80)).__int__() * rng.choice([1, -1])
    if kind == "float":
        value = _random_float(rng)
        return 0.0 if math.isnan(value) or math.isinf(value) else value
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [_random_value(rng, depth + 1, simple=simple) for _ in range(rng.randint(0, 4))]
    return {
        _random_string(rng, alphabets): _random_value(rng, depth + 1, simple=simple) for _ in range(rng.randint(0, 6))
    }


@pytest.mark.parametrize("seed", range(8))
def test_random_documents_match_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        doc = _random_value(rng, 0, simple=False)
        assert canonicalize(doc) == _reference(doc).encode("utf-8"), doc


@pytest.mark.parametrize("seed", range(8))
def test_fast_path_equals_general_path(seed: int) -> None:
    rng = random.Random(1000 + seed)
    taken = 0
    for _ in range(300):
        doc = _random_value(rng, 0, simple=True)
        general = "".join(jcs._serialize(doc, [])).encode("utf-8")
        if jcs._is_simple(doc):
            taken += 1
            assert jcs._dumps(doc).encode("utf-8") == general, doc
        assert canonicalize(doc) == general == _reference(doc).encode("utf-8")
    assert taken == 300  # the generator built only fast-path documents


def test_fast_path_is_refused_where_it_would_differ() -> None:
    assert jcs._is_simple({"a": [1, "x", None, True, {"\u20ac": 2**53}]})
    assert not jcs._is_simple({"\U0001f600": 1})
    assert not jcs._is_simple({"a": [1.0]})
    assert not jcs._is_simple({"a": 2**53 + 2})
    assert jcs._is_simple({"a": "\U0001f600"})  # astral *values* are fine


def test_number_serialization_agrees_with_the_reference_on_random_doubles() -> None:
    rng = random.Random(7)
    for _ in range(20000):
        x = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
        if math.isnan(x) or math.isinf(x):
            continue
        assert serialize_number(x) == _reference_number(x), x.hex()
