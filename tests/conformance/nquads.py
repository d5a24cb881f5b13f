"""A small N-Quads reader for the conformance tests (test-only).

It turns an N-Quads document into the quad tuples that
``credentials.vc.jsonld.rdf`` produces: IRIs as ``<iri>`` with every UCHAR
decoded, blank nodes as ``_:label``, literals in canonical N-Quads form
(``escape_literal``), ``xsd:string`` left implicit, graph ``""`` for the
default graph. Anything it cannot read raises ``ValueError``: a test fixture
that silently parsed into something else would make the comparison meaningless.
"""

from __future__ import annotations

import re

from credentials.vc.jsonld.rdf import Quad, escape_literal

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([tbnrf\"'\\]))")
_WS = " \t"
_BNODE = re.compile(r"_:([A-Za-z0-9_\u00b7-\U000effff](?:[A-Za-z0-9_.\-\u00b7-\U000effff]*[A-Za-z0-9_\-\u00b7-\U000effff])?)")
_LANG = re.compile(r"@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)")


def _unescape(match: re.Match[str]) -> str:
    if match.group(3):
        return _ECHAR[match.group(3)]
    return chr(int(match.group(1) or match.group(2), 16))


def _decode_uchars(text: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


class _Line:
    """Cursor over one line; every ``read_*`` skips leading blanks first."""

    def __init__(self, text: str, number: int) -> None:
        self.text = text
        self.pos = 0
        self.number = number

    def error(self, what: str) -> ValueError:
        return ValueError(f"line {self.number}, column {self.pos + 1}: {what}: {self.text!r}")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WS:
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos : self.pos + 1]

    def read_iri(self) -> str:
        self.skip_ws()
        end = self.text.find(">", self.pos)
        if self.text[self.pos : self.pos + 1] != "<" or end < 0:
            raise self.error("expected an IRI")
        raw = self.text[self.pos + 1 : end]
        self.pos = end + 1
        iri = _decode_uchars(raw)
        if any(c in iri for c in '<>"{}|^`\\ ') or any(ord(c) <= 0x20 for c in iri):
            raise self.error(f"invalid character in IRI {iri!r}")
        if ":" not in iri:
            raise self.error(f"relative IRI {iri!r}")
        return f"<{iri}>"

    def read_bnode(self) -> str:
        self.skip_ws()
        match = _BNODE.match(self.text, self.pos)
        if match is None:
            raise self.error("expected a blank node label")
        self.pos = match.end()
        return f"_:{match.group(1)}"

    def read_literal(self) -> str:
        self.skip_ws()
        if self.text[self.pos : self.pos + 1] != '"':
            raise self.error("expected a literal")
        i = self.pos + 1
        out: list[str] = []
        while True:
            if i >= len(self.text):
                raise self.error("unterminated literal")
            c = self.text[i]
            if c == '"':
                i += 1
                break
            if c == "\\":
                nxt = self.text[i + 1 : i + 2]
                if nxt in _ECHAR:
                    out.append(_ECHAR[nxt])
                    i += 2
                    continue
                match = _UCHAR.match(self.text, i)
                if match is None:
                    raise self.error("bad escape in literal")
                out.append(chr(int(match.group(1) or match.group(2), 16)))
                i = match.end()
                continue
            if c in "\n\r":
                raise self.error("raw line break in literal")
            out.append(c)
            i += 1
        self.pos = i
        lexical = escape_literal("".join(out))
        if self.text.startswith("^^", self.pos):
            self.pos += 2
            datatype = self.read_iri()
            if datatype == f"<{XSD_STRING}>":
                return f'"{lexical}"'
            return f'"{lexical}"^^{datatype}'
        match = _LANG.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
            return f'"{lexical}"@{match.group(1)}'
        return f'"{lexical}"'

    def read_term(self, *, iri: bool = True, bnode: bool = True, literal: bool = False) -> str:
        first = self.peek()
        if first == "<" and iri:
            return self.read_iri()
        if first == "_" and bnode:
            return self.read_bnode()
        if first == '"' and literal:
            return self.read_literal()
        raise self.error("unexpected term")


def parse_nquads(text: str) -> list[Quad]:
    """The quads of an N-Quads document, in document order (duplicates kept)."""
    quads: list[Quad] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _Line(raw, number)
        if line.peek() in ("", "#"):
            continue
        subject = line.read_term()
        predicate = line.read_term(bnode=False)
        obj = line.read_term(literal=True)
        graph = ""
        if line.peek() != ".":
            graph = line.read_term()
        if line.peek() != ".":
            raise line.error("expected '.'")
        line.pos += 1
        if line.peek() not in ("", "#"):
            raise line.error("trailing characters")
        quads.append((subject, predicate, obj, graph))
    return quads


def literal_value(term: str) -> str:
    """The lexical form of an N-Quads literal term, escapes decoded."""
    match = re.fullmatch(r'"((?:[^"\\\n\r]|\\.)*)"(?:\^\^<[^>]*>|@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)?', term)
    if match is None:
        raise ValueError(f"not a literal: {term!r}")
    return _ESCAPE.sub(_unescape, match.group(1))


def serialize_nquads(quads: list[Quad]) -> str:
    """Sorted N-Quads lines, each ending in ``"\\n"``, duplicates removed."""
    lines = {f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in quads}
    return "".join(sorted(lines))
