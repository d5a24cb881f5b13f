"""Strict JSON parsing: no duplicate keys, no NaN/Infinity, bounded nesting,
no numbers beyond a double, no lone surrogates."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import PARSING_ERROR, VCError

__all__ = ["MAX_CONTAINERS", "MAX_DEPTH", "check_depth", "dumps", "loads"]

MAX_DEPTH = 64
# Objects and arrays in one document: a 20 MiB batch body of "{}," pairs would
# otherwise become ten million dicts (gigabytes) before any view could count rows.
MAX_CONTAINERS = 250_000


def _reject_constant(name: str) -> Any:
    raise VCError(PARSING_ERROR, f"JSON value {name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        # 1e400 parses to infinity: the same as the refused Infinity, only spelled
        # differently (and every JSON serializer downstream would choke on it).
        raise VCError(PARSING_ERROR, f"JSON number {text[:40]} is beyond the range of a double")
    return value


# A \uD800-\uDFFF escape: the only way valid UTF-8 JSON can produce a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _has_lone_surrogate(node: Any) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise VCError(PARSING_ERROR, f"duplicate JSON key {key!r}")
        out[key] = value
    return out


def _within(node: Any, remaining: int) -> bool:
    if remaining == 0:
        return False
    for child in node.values() if type(node) is dict else node:
        kind = type(child)
        if (kind is dict or kind is list) and not _within(child, remaining - 1):
            return False
    return True


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise PARSING_ERROR when ``value`` nests deeper than ``max_depth``."""
    if isinstance(value, (dict, list)) and not _within(value, max_depth):
        raise VCError(PARSING_ERROR, f"JSON nests deeper than {max_depth} levels")


# Brackets, and strings (skipped whole, so brackets inside them do not count).
_STRUCTURE = re.compile(r'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def _nests_deeper(text: str, max_depth: int) -> bool:
    """Whether ``text`` opens more than ``max_depth`` arrays/objects at once
    (a linear scan; malformed text is left for the parser to report)."""
    depth = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif token in "]}":
            depth -= 1
    return False


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON strictly.

    Raises :class:`VCError` with ``PARSING_ERROR`` for invalid UTF-8 or JSON,
    duplicate object keys, ``NaN``/``Infinity`` (also as an overflowing literal
    like ``1e400``), integers too long to convert, lone surrogates (text that no
    UTF-8 serializer can write back) and nesting beyond ``max_depth``.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise VCError(PARSING_ERROR, f"input is not UTF-8: {exc.reason}") from None
    else:
        text = data
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise VCError(PARSING_ERROR, "input contains a lone surrogate") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Refuse deep nesting before the C scanner sees it. The scanner's recursion
    # guard follows sys.getrecursionlimit(), which libraries raise process-wide
    # (py_ecc, under web3, sets 100,000 on import): a 200,000-deep array would
    # then overflow the C stack and kill the process instead of raising.
    containers = text.count("[") + text.count("{")
    if containers > max_depth and _nests_deeper(text, max_depth):
        raise VCError(PARSING_ERROR, f"JSON nests deeper than {max_depth} levels")
    # Brackets inside strings count too: an upper bound, checked at C speed.
    if containers > MAX_CONTAINERS:
        raise VCError(PARSING_ERROR, f"JSON holds more than {MAX_CONTAINERS} objects and arrays")
    try:
        value = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, parse_float=_finite_float
        )
    except VCError:
        raise
    except RecursionError:
        raise VCError(PARSING_ERROR, f"JSON nests deeper than {max_depth} levels") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise VCError(PARSING_ERROR, "a JSON number has too many digits") from None
        raise VCError(PARSING_ERROR, f"invalid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise VCError(PARSING_ERROR, "JSON text contains a lone surrogate escape")
    # A text with no more brackets than the limit cannot nest deeper than it:
    # the usual case, and it saves walking the parsed tree.
    if text.count("[") + text.count("{") > max_depth:
        check_depth(value, max_depth)
    return value


def dumps(value: Any) -> str:
    """Compact JSON output that keeps non-ASCII text readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
