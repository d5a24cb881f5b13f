"""Strict JSON parsing: no duplicate keys, no NaN/Infinity, bounded nesting."""

from __future__ import annotations

import json
from typing import Any

from .errors import PARSING_ERROR, VCError

MAX_DEPTH = 64


def _reject_constant(name: str) -> Any:
    raise VCError(PARSING_ERROR, f"JSON value {name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise VCError(PARSING_ERROR, f"duplicate JSON key {key!r}")
        out[key] = value
    return out


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise PARSING_ERROR when ``value`` nests deeper than ``max_depth``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise VCError(PARSING_ERROR, f"JSON nests deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON strictly.

    Raises :class:`VCError` with ``PARSING_ERROR`` for invalid UTF-8 or JSON,
    duplicate object keys, ``NaN``/``Infinity`` and nesting beyond ``max_depth``.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise VCError(PARSING_ERROR, f"input is not UTF-8: {exc.reason}") from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        # The C scanner guards its recursion, so a 200,000-deep array ends in
        # RecursionError rather than a crash; the depth limit is applied after.
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except VCError:
        raise
    except RecursionError:
        raise VCError(PARSING_ERROR, f"JSON nests deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise VCError(PARSING_ERROR, f"invalid JSON: {exc}") from None
    check_depth(value, max_depth)
    return value


def dumps(value: Any) -> str:
    """Compact JSON output that keeps non-ASCII text readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
