"""JSON-LD document loaders over bundled, hash-pinned contexts.

Nothing here touches the network: a context is served only if it is bundled in
``credentials/vc/contexts/`` (listed in ``index.json`` with its SHA-256) or was
given explicitly to :class:`BundledLoader` (tests, ``vc --context URL=FILE``).
A URL that is neither is a :class:`VCError`, so a document cannot make the
verifier reach out to an attacker-chosen host or silently change meaning.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from .errors import PARSING_ERROR, VCError

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
INDEX_FILE = CONTEXTS_DIR / "index.json"


class DocumentLoader(Protocol):
    """Returns the JSON document (a context) served for ``url``.

    Implementations raise :class:`VCError` for a URL they do not serve and must
    return the same object for the same URL: callers cache work derived from it
    and never mutate it.
    """

    def __call__(self, url: str) -> dict[str, Any]: ...


def _read_index() -> dict[str, dict[str, str]]:
    data = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise VCError(PARSING_ERROR, "bundled context index is not a JSON object")
    return data


class BundledLoader:
    """Serves the bundled contexts, each checked against its pinned SHA-256.

    ``extra`` adds URL → document mappings (already parsed) that take precedence
    over the bundled ones; use :meth:`with_documents` to derive a loader.
    Files are read and verified lazily, once, on first use.
    """

    def __init__(self, extra: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._extra: dict[str, dict[str, Any]] = dict(extra or {})
        self._cache: dict[str, dict[str, Any]] = {}
        self._index: dict[str, dict[str, str]] | None = None
        self._lock = threading.Lock()

    def __call__(self, url: str) -> dict[str, Any]:
        """Return the context document for ``url`` or raise ``VCError``."""
        doc = self._extra.get(url)
        if doc is not None:
            return doc
        doc = self._cache.get(url)
        if doc is not None:
            return doc
        with self._lock:
            doc = self._cache.get(url)
            if doc is None:
                doc = self._load(url)
                self._cache[url] = doc
        return doc

    def urls(self) -> list[str]:
        """Every URL this loader serves."""
        if self._index is None:
            self._index = _read_index()
        return sorted(set(self._index) | set(self._extra))

    def with_documents(self, extra: Mapping[str, dict[str, Any]]) -> BundledLoader:
        """A new loader serving ``extra`` in addition to this one's documents."""
        merged = dict(self._extra)
        merged.update(extra)
        return BundledLoader(merged)

    def _load(self, url: str) -> dict[str, Any]:
        if self._index is None:
            self._index = _read_index()
        entry = self._index.get(url)
        if entry is None:
            raise VCError(
                PARSING_ERROR,
                f"JSON-LD context {url!r} is not bundled; remote contexts are never fetched",
            )
        raw = (CONTEXTS_DIR / entry["file"]).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry["sha256"]:
            raise VCError(
                PARSING_ERROR,
                f"bundled context {url!r} does not match its pinned SHA-256 ({digest})",
            )
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict):
            raise VCError(PARSING_ERROR, f"bundled context {url!r} is not a JSON object")
        return doc


def load_context_file(path: str | Path) -> dict[str, Any]:
    """Parse a local context file strictly (for ``--context URL=FILE``)."""
    from .jsonutil import loads

    doc = loads(Path(path).read_bytes())
    if not isinstance(doc, dict):
        raise VCError(PARSING_ERROR, f"context file {str(path)!r} is not a JSON object")
    return doc


BUNDLED: BundledLoader = BundledLoader()
