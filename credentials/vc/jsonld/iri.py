"""RFC 3986 §5.2 reference resolution, as JSON-LD 1.1 requires for relative IRIs.

``urllib.parse.urljoin`` is not RFC 3986: it only resolves for a fixed list of
hierarchical schemes (so ``tag:``, ``did:`` and ``urn:`` bases are ignored),
collapses empty path segments and keeps dot segments after a network-path
reference. This module implements the RFC's algorithm literally: strict
parsing (Appendix B), merge (§5.2.3), remove_dot_segments (§5.2.4) and
recomposition (§5.3), with no scheme-based or syntax-based normalization.
"""

from __future__ import annotations

import re

__all__ = ["remove_dot_segments", "resolve_iri"]

# RFC 3986 Appendix B; every IRI string matches (the groups are all optional).
# Used with fullmatch (never "$", which also matches before a final newline).
_PARTS = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.DOTALL)

_Parts = tuple[str | None, str | None, str, str | None, str | None]

_resolved: dict[tuple[str, str], str] = {}
_MAX_MEMO = 4096
_MAX_MEMO_CHARS = 512


def _split(iri: str) -> _Parts:
    match = _PARTS.fullmatch(iri)
    assert match is not None  # the pattern matches every string
    scheme, authority, path, query, fragment = match.groups()
    return scheme, authority, path, query, fragment


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: interpret and remove ``.`` and ``..`` segments of ``path``.

    Empty segments are kept (``/a//b/../c`` becomes ``/a//c``).
    """
    if "." not in path:
        return path
    output: list[str] = []
    rest = path
    while rest:
        if rest.startswith("../"):
            rest = rest[3:]
        elif rest.startswith("./"):
            rest = rest[2:]
        elif rest.startswith("/./"):
            rest = rest[2:]
        elif rest == "/.":
            rest = "/"
        elif rest.startswith("/../"):
            rest = rest[3:]
            if output:
                output.pop()
        elif rest == "/..":
            rest = "/"
            if output:
                output.pop()
        elif rest in (".", ".."):
            rest = ""
        else:
            # Move the first segment (with its leading "/", if any) to the output.
            end = rest.find("/", 1)
            if end < 0:
                end = len(rest)
            output.append(rest[:end])
            rest = rest[end:]
    return "".join(output)


def _merge(base_authority: str | None, base_path: str, path: str) -> str:
    if base_authority is not None and base_path == "":
        return "/" + path
    cut = base_path.rfind("/")
    return base_path[: cut + 1] + path if cut >= 0 else path


def _resolve(base: str, reference: str) -> str:
    r_scheme, r_authority, r_path, r_query, r_fragment = _split(reference)
    scheme: str | None
    authority: str | None
    query: str | None
    if r_scheme is not None:
        scheme, authority, path, query = r_scheme, r_authority, remove_dot_segments(r_path), r_query
    else:
        b_scheme, b_authority, b_path, b_query, _ = _split(base)
        scheme = b_scheme
        if r_authority is not None:
            authority, path, query = r_authority, remove_dot_segments(r_path), r_query
        else:
            authority = b_authority
            if r_path == "":
                path = b_path
                query = r_query if r_query is not None else b_query
            else:
                if r_path[:1] == "/":
                    path = remove_dot_segments(r_path)
                else:
                    path = remove_dot_segments(_merge(b_authority, b_path, r_path))
                query = r_query
    out = f"{scheme}:" if scheme is not None else ""
    if authority is not None:
        out += "//" + authority
    out += path
    if query is not None:
        out += "?" + query
    if r_fragment is not None:
        out += "#" + r_fragment
    return out


def resolve_iri(base: str, reference: str) -> str:
    """Resolve ``reference`` against the absolute IRI ``base`` (RFC 3986 §5.2.2, strict).

    Works for any scheme: ``resolve_iri("did:example:123", "#key-1")`` is
    ``did:example:123#key-1`` and ``resolve_iri("tag:example", "a")`` is
    ``tag:a``. Results are memoised (bounded).
    """
    key = (base, reference)
    found = _resolved.get(key)
    if found is None:
        found = _resolve(base, reference)
        # Bounded in count and size: references come from documents.
        if len(base) + len(reference) <= _MAX_MEMO_CHARS:
            if len(_resolved) >= _MAX_MEMO:
                _resolved.clear()
            _resolved[key] = found
    return found
