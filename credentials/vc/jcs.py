"""RFC 8785 JSON Canonicalization Scheme (JCS).

``canonicalize(value)`` turns a JSON value built from ``dict``, ``list``/``tuple``,
``str``, ``int``, ``float``, ``bool`` and ``None`` into its canonical UTF-8 bytes:
no whitespace, object members sorted by the UTF-16 code units of their names,
strings escaped exactly as ECMAScript's ``JSON.stringify`` does, numbers written
as ECMAScript's ``Number.prototype.toString`` writes the IEEE-754 double.

Two paths produce the same bytes:

* the fast path hands the whole value to the C JSON encoder. It is taken when a
  walk over the value finds only ``str`` keys without characters beyond the BMP,
  and only integers of magnitude at most 2**53 (no floats, no huge integers).
  For such values ``json.dumps(sort_keys=True, ensure_ascii=False,
  separators=(",", ":"))`` *is* JCS: Python's string escaping for
  ``ensure_ascii=False`` is the ECMAScript one (``\\b \\t \\n \\f \\r \\" \\\\``,
  other C0 controls as lowercase ``\\u00xx``, everything else literal, DEL
  included), code-point order equals UTF-16 order when no key holds a surrogate
  pair, and ``str(int)`` equals ``Number.prototype.toString`` for every integer a
  double holds exactly up to 2**53. ``tests/core/test_jcs.py`` checks each of
  these claims exhaustively or with seeded random documents.
* the general path serializes in Python, with UTF-16 key order and the
  ECMAScript number algorithm.

Anything JCS cannot represent raises :class:`VCError` with
``MALFORMED_VALUE_ERROR``: NaN and infinities, integers beyond 2**53 that a
JavaScript parser would read as another number (see :func:`integer_as_double`),
lone surrogates, non-string keys, other Python types, cycles.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import MALFORMED_VALUE_ERROR, VCError

__all__ = ["canonicalize", "integer_as_double", "serialize_number"]

# Beyond 2**53 not every integer is a double; below it ``str(n)`` is exactly the
# ECMAScript rendering (see the module docstring).
_SAFE_INT = 2**53

_dumps = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"), check_circular=False
).encode
_dump_str = json.JSONEncoder(ensure_ascii=False).encode


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 encoding of the JSON ``value``.

    Raises :class:`VCError` (``MALFORMED_VALUE_ERROR``) for values JCS cannot
    represent: NaN or infinite floats, integers that are not exactly an IEEE-754
    double, strings with lone surrogates, non-string object keys, cyclic or
    non-JSON values.
    """
    try:
        simple = _is_simple(value)
        text = _dumps(value) if simple else "".join(_serialize(value, []))
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise VCError(MALFORMED_VALUE_ERROR, "JCS: a string holds a lone surrogate") from None
    except RecursionError:
        raise VCError(MALFORMED_VALUE_ERROR, "JCS: the value nests too deeply or is cyclic") from None


def _is_simple(value: Any) -> bool:
    """True when the C encoder's output is already canonical for ``value``.

    Also raises for the errors both paths share (non-string keys, foreign types)
    so that the C encoder never coerces them silently.
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-_SAFE_INT <= value <= _SAFE_INT)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                _check_key(key)
                return False
            # A key with a surrogate pair may sort differently under UTF-16.
            if not key.isascii() and max(key) > "\uffff":
                return False
            if not _is_simple(item):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            if not _is_simple(item):
                return False
        return True
    if kind is float:
        return False
    # Subclasses (IntEnum, StrEnum, OrderedDict...) take the general path, which
    # treats them by their JSON meaning; anything else is rejected there.
    return False


def _check_key(key: Any) -> None:
    if not isinstance(key, str):
        raise VCError(MALFORMED_VALUE_ERROR, f"JCS: object key {key!r} is not a string")


def _utf16_order(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as the sequence of code units does;
    # a lone surrogate cannot be encoded and surfaces as UnicodeEncodeError.
    return key.encode("utf-16-be")


def _serialize(value: Any, out: list[str]) -> list[str]:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_dump_str(str.__str__(value)))
    elif isinstance(value, (int, float)):
        out.append(serialize_number(value))
    elif isinstance(value, dict):
        for key in value:
            _check_key(key)
        out.append("{")
        first = True
        for key in sorted(value, key=_utf16_order):
            if not first:
                out.append(",")
            first = False
            out.append(_dump_str(str.__str__(key)))
            out.append(":")
            _serialize(value[key], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _serialize(item, out)
        out.append("]")
    else:
        raise VCError(MALFORMED_VALUE_ERROR, f"JCS: {type(value).__name__} is not a JSON value")
    return out


def integer_as_double(number: int) -> float:
    """The IEEE-754 double that JavaScript (and RFC 8785 §3.2.2.3) reads for the JSON integer ``number``.

    Every JSON number is a double there, so an integer beyond 2**53 in
    magnitude is accepted only when that reading keeps what the document says:
    when the double holds it exactly (``9007199254740994``), or when its digits
    are the double's shortest ECMAScript form, which is how ``JSON.stringify``
    writes that double (``123456789012345680000`` for 1.2345678901234568e20; at
    and beyond 1e21 written out in full, ``10**21``). Any other integer
    (``9007199254740993``, ``12345678901234567890``) would silently become
    another number in every JavaScript verifier: ``VCError(MALFORMED_VALUE_ERROR)``.
    """
    try:
        as_double = float(number)
    except OverflowError:
        raise VCError(MALFORMED_VALUE_ERROR, f"integer {_shown(number)} is beyond the range of an IEEE-754 double") from None
    if int(as_double) == number:
        return as_double
    # repr() gives the shortest round-trip digits, the ones ECMAScript writes;
    # beyond 2**53 they end at or before the units digit.
    mantissa, _, exp_text = repr(abs(as_double)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    frac_part = frac_part.rstrip("0")
    shift = (int(exp_text) if exp_text else 0) - len(frac_part)
    if shift >= 0 and int(int_part + frac_part) * 10**shift == abs(number):
        return as_double
    raise VCError(
        MALFORMED_VALUE_ERROR,
        f"integer {_shown(number)} is not exactly an IEEE-754 double, nor the shortest form of one: "
        "a JavaScript verifier would read another number",
    )


def _shown(number: int) -> str:
    text = str(number)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text.lstrip('-'))} digits)"


def serialize_number(number: int | float) -> str:
    """Render ``number`` as ECMAScript ``Number.prototype.toString`` renders its double.

    An integer beyond 2**53 in magnitude must pass :func:`integer_as_double`;
    NaN and infinities are rejected. Raises :class:`VCError`
    (``MALFORMED_VALUE_ERROR``).
    """
    if isinstance(number, bool):
        raise VCError(MALFORMED_VALUE_ERROR, "JCS: a boolean is not a number")
    if isinstance(number, int):
        number = int(number)
        if -_SAFE_INT <= number <= _SAFE_INT:
            return str(number)
        return _format_double(integer_as_double(number))
    number = float(number)
    if math.isnan(number) or math.isinf(number):
        raise VCError(MALFORMED_VALUE_ERROR, "JCS: NaN and Infinity are not JSON numbers")
    return _format_double(number)


def _format_double(x: float) -> str:
    if x == 0.0:
        return "0"  # also -0.0, as ECMAScript does
    if x < 0:
        return "-" + _format_double(-x)
    # repr() gives the shortest digit string that round-trips, choosing the one
    # nearest the exact value when several are equally short: the digits
    # ECMAScript asks for (ES2015 7.1.12.1, step 5 with Note 2).
    mantissa, _, exp_text = repr(x).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    # Position of the decimal point relative to the start of ``digits``.
    point = len(int_part) + (int(exp_text) if exp_text else 0)
    point -= len(int_part + frac_part) - len(digits)
    digits = digits.rstrip("0")
    k = len(digits)
    n = point
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    exponent = n - 1
    sign = "+" if exponent >= 0 else "-"
    head = digits[0] if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(exponent)}"
