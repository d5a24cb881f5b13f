"""Strict JSON request parsing for the API."""

from __future__ import annotations

from typing import Any, Mapping

from rest_framework.parsers import BaseParser

from credentials.problems import VCProblem
from credentials.vc import jsonutil
from credentials.vc.errors import PARSING_ERROR, VCError


class StrictJSONParser(BaseParser):
    """``application/json`` through :func:`credentials.vc.jsonutil.loads`.

    Duplicate keys, NaN/Infinity, invalid UTF-8 and nesting beyond 64 levels are
    PARSING_ERROR (400). DRF's own parser would accept the first three silently and
    turn a very deep array into a 500.
    """

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        data = stream.read() if stream is not None else b""
        try:
            return jsonutil.loads(data)
        except VCError as exc:
            raise VCProblem(PARSING_ERROR, exc.message) from None


class StrictJSONLDParser(StrictJSONParser):
    """The same for ``application/ld+json`` bodies (JSON-LD is JSON)."""

    media_type = "application/ld+json"
