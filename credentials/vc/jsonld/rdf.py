"""JSON-LD 1.1 → RDF in one walk (Expansion + Node Map + toRdf combined).

The walk follows the Expansion algorithm (JSON-LD 1.1 API §5.1.2) step by step
but, instead of building expanded JSON, emits quads as soon as a node's subject
is known. Quads are N-Quads term strings: ``<iri>``, ``_:label`` or a literal
already in canonical N-Quads form, so RDFC-1.0 and serialization never need to
re-escape anything. The result equals JSON-LD toRdf with ``rdfDirection``
``"i18n-datatype"`` (what the Data Integrity cryptosuites use: a string with a
base direction becomes ``"value"^^<https://www.w3.org/ns/i18n#{language}_{direction}>``)
and ``produceGeneralizedRdf`` false.

Safe mode (Data Integrity §4 "the transformation MUST fail if data would be
lost"): a property that does not expand to an absolute IRI, a relative ``@id``,
``@type`` or datatype, a blank-node predicate, and free-floating values raise
``VCError(MALFORMED_VALUE_ERROR)`` naming the JSON path; so do a null
``@value`` and integers beyond 2**53 that JavaScript would read as another
number (:func:`credentials.vc.jcs.integer_as_double`).

Safe mode here also keeps the JSON saying what the signed graph says (an RDFC
signature covers the graph only, while verifiers read JSON keys): a key, or a
``@type`` or ``@vocab`` value, that aliases a protected term is refused (see
``ActiveContext.alias_problem``); an ``@id`` (of a node, or a value coerced with
``@type: @id``) must be written as the IRI it expands to, as must an IRI-like
(``:``-holding) ``@vocab`` value; and an explicit ``@index``, which produces no
RDF, is refused.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

from ..errors import MALFORMED_VALUE_ERROR, VCError
from ..jcs import canonicalize as jcs_canonicalize
from ..jcs import integer_as_double
from .budget import current_work_budget
from .context import (
    ALIAS_MARK,
    CONTEXT_BUDGET,
    ActiveContext,
    TermDef,
    begin_document,
    end_document,
    expand_iri,
    is_absolute_iri,
    is_language_tag,
)

Quad = tuple[str, str, str, str]
"""(subject, predicate, object, graph) as N-Quads terms; graph ``""`` is the default graph."""

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = f"<{RDF}type>"
RDF_FIRST = f"<{RDF}first>"
RDF_REST = f"<{RDF}rest>"
RDF_NIL = f"<{RDF}nil>"
RDF_JSON = f"<{RDF}JSON>"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = f"<{XSD}boolean>"
XSD_INTEGER = f"<{XSD}integer>"
XSD_DOUBLE_IRI = XSD + "double"
XSD_DOUBLE = f"<{XSD_DOUBLE_IRI}>"
I18N = "https://www.w3.org/ns/i18n#"
_SAFE_INT = 2**53

_ESCAPES = {
    "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
}
for _code in list(range(0x20)) + [0x7F]:
    _ESCAPES.setdefault(chr(_code), f"\\u{_code:04X}")
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')
_VALUE_KEYS = frozenset({"@value", "@type", "@language", "@direction", "@index"})


def escape_literal(value: str) -> str:
    """Escape a lexical form for canonical N-Quads (RDF 1.2 canonical N-Triples)."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return value.translate(_ESCAPE_TABLE)


def canonical_double(value: float) -> str:
    """The canonical xsd:double lexical form (``1.1E0``, ``-2.5E-7``), as JSON-LD 1.1 writes it.

    JSON-LD 1.1 API §8.6 defines it by ECMAScript's ``toExponential(15)``: the
    mantissa is the exact value rounded to 16 significant digits, an exact tie
    going to the larger magnitude; zero (either sign) is ``0.0E0``.
    """
    if math.isnan(value) or math.isinf(value):
        raise VCError(MALFORMED_VALUE_ERROR, "NaN and infinite numbers cannot be converted to RDF")
    if value == 0:
        return "0.0E0"
    # Python's formatting rounds the exact binary value correctly but breaks
    # ties to even. A tie needs the exact value to end in a 5 at the 17th
    # significant digit, so the 17-digit form shows every candidate.
    seventeen = f"{value:.16e}"
    mantissa, _, exponent = seventeen.partition("e")
    if mantissa[-1] == "5" and Decimal(value) == Decimal(seventeen):
        digits = str(int(mantissa.lstrip("-").replace(".", "")[:16]) + 1)
        exp = int(exponent)
        if len(digits) > 16:  # 9.999...95 rounds up to 10
            digits = digits[:16]
            exp += 1
        whole = ("-" if value < 0 else "") + digits[0]
        fraction = digits[1:].rstrip("0") or "0"
        return f"{whole}.{fraction}E{exp}"
    mantissa, _, exponent = f"{value:.15e}".partition("e")
    whole, _, fraction = mantissa.partition(".")
    fraction = fraction.rstrip("0") or "0"
    return f"{whole}.{fraction}E{int(exponent)}"


def _jcs(value: Any) -> str:
    """RFC 8785 canonical JSON for rdf:JSON literals."""
    return jcs_canonicalize(value).decode("utf-8")


class _Located(Exception):
    """A safe-mode failure travelling up the walk, collecting its JSON path."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.path: list[str | int] = []

    def with_path(self, key: str | int) -> _Located:
        """Record the innermost path segment and return self (for ``raise``)."""
        self.path.append(key)
        return self


def _fail(message: str) -> _Located:
    return _Located(MALFORMED_VALUE_ERROR, message)


def _name_keyword(exc: _Located, entries: list[tuple[str, str | None, Any]]) -> None:
    """Name the key as written (``type``) where a path segment says the keyword (``@type``)."""
    if not exc.path:
        return
    last = exc.path[-1]
    if isinstance(last, str) and last[:1] == "@":
        for key, expanded, _ in entries:
            if expanded == last:
                exc.path[-1] = key
                return


def _rewritten(what: str, written: str, expanded: str | None) -> str:
    return (
        f"{what} {written!r} is not the IRI it stands for ({expanded!r}): a signed document must "
        "write IRIs in full (no compact IRIs or relative references)"
    )


def _json_path(path: list[str | int]) -> str:
    out = "$"
    for part in reversed(path):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += "." + part
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


class _Walker:
    __slots__ = ("quads", "counter", "labels", "emit")

    def __init__(self) -> None:
        self.quads: list[Quad] = []
        self.emit = self.quads.append
        self.counter = 0
        self.labels: dict[str, str] = {}

    def bnode(self) -> str:
        """A fresh blank node label."""
        self.counter += 1
        return f"_:b{self.counter}"

    def node_ref(self, iri: str | None, what: str) -> str:
        """The N-Quads term for an expanded node identifier; relative IRIs are errors."""
        if iri is None:
            raise _fail(f"{what} is not a valid IRI")
        if iri[:2] == "_:":
            label = self.labels.get(iri)
            if label is None:
                self.counter += 1
                label = self.labels[iri] = f"_:b{self.counter}"
            return label
        if not is_absolute_iri(iri):
            raise _fail(f"{what} {iri!r} is not an absolute IRI")
        return f"<{iri}>"

    # -- expansion of one value under an active property ------------------------

    def expand(
        self, ctx: ActiveContext, prop: str | None, tdef: TermDef | None, element: Any, graph: str
    ) -> list[str]:
        """Objects (N-Quads terms) produced by ``element`` as the value of ``prop``."""
        if element is None:
            return []
        if isinstance(element, dict):
            return self.object(ctx, prop, tdef, element, graph)
        if isinstance(element, list):
            out: list[str] = []
            in_list = tdef is not None and "@list" in tdef.container
            for index, item in enumerate(element):
                try:
                    if isinstance(item, list) and in_list:
                        out.append(self.list_chain(ctx, prop, tdef, item, graph))
                    else:
                        out.extend(self.expand(ctx, prop, tdef, item, graph))
                except _Located as exc:
                    exc.path.append(index)
                    raise
            return out
        if prop is None or prop == "@graph":
            raise _fail("free-floating scalar value would be dropped")
        if tdef is not None and tdef.has_context:
            ctx = ctx.derive(tdef.context, override_protected=True, key=tdef.ctx_key, trusted=not tdef.inline)
            tdef = ctx.terms.get(prop)
        return [self.scalar(ctx, tdef, element)]

    def scalar(self, ctx: ActiveContext, tdef: TermDef | None, value: Any) -> str:
        """Value Expansion (§5.3.2) then Object to RDF for a bare scalar."""
        ttype = tdef.type if tdef is not None else None
        if isinstance(value, str):
            if ttype == "@id":
                iri = expand_iri(ctx, value, document_relative=True)
                if iri != value and value[:2] != "_:":
                    raise _fail(_rewritten("@id value", value, iri))
                return self.node_ref(iri, "@id value")
            if ttype == "@vocab":
                iri = expand_iri(ctx, value, vocab=True, document_relative=True)
                if iri != value and value[:2] != "_:":
                    if ":" in value:
                        raise _fail(_rewritten("@vocab value", value, iri))
                    problem = ctx.alias_problem(value, iri)
                    if problem is not None:
                        raise _fail(problem)
                return self.node_ref(iri, "@vocab value")
        if ttype is not None and ttype not in ("@id", "@vocab", "@none"):
            return self.literal(value, ttype, None)
        if not isinstance(value, str):
            return self.literal(value, None, None)
        if tdef is not None and tdef.has_language:
            language = tdef.language
        else:
            language = ctx.language
        if tdef is not None and tdef.has_direction:
            direction = tdef.direction
        else:
            direction = ctx.direction
        return self.literal(value, None, language, direction)

    def literal(
        self, value: Any, datatype: str | None, language: str | None, direction: str | None = None
    ) -> str:
        """Object to RDF Conversion (§8.4.2) for a value; ``direction`` applies to strings only."""
        if datatype == "@json":
            try:
                return f'"{escape_literal(_jcs(value))}"^^{RDF_JSON}'
            except VCError as exc:
                raise _fail(exc.message) from None
        if datatype is not None and not is_absolute_iri(datatype):
            raise _fail(f"datatype {datatype!r} is not an absolute IRI")
        if isinstance(value, str):
            text = escape_literal(value)
            default = None
            if direction is not None and datatype is None:
                # rdfDirection "i18n-datatype" (JSON-LD 1.1 API, Object to RDF Conversion).
                return f'"{text}"^^<{I18N}{language or ""}_{direction}>'
        elif value is True or value is False:
            text = "true" if value else "false"
            default = XSD_BOOLEAN
        elif isinstance(value, (int, float)):
            if isinstance(value, float):
                if math.isnan(value) or math.isinf(value):
                    raise _fail("NaN and infinite numbers cannot be converted to RDF")
            elif not -_SAFE_INT <= value <= _SAFE_INT:
                # JavaScript processors read the double; take the same one, or refuse.
                try:
                    value = integer_as_double(value)
                except VCError as exc:
                    raise _fail(exc.message) from None
            if (
                datatype == XSD_DOUBLE_IRI
                or (isinstance(value, float) and not value.is_integer())
                or abs(value) >= 1e21
            ):
                text = canonical_double(float(value))
                default = XSD_DOUBLE
            else:
                text = str(int(value))
                default = XSD_INTEGER
        else:
            raise _fail(f"value of type {type(value).__name__} is not JSON")
        if datatype is not None:
            # Canonical N-Quads leaves xsd:string implicit.
            return f'"{text}"' if datatype == XSD_STRING else f'"{text}"^^<{datatype}>'
        if default is not None:
            return f'"{text}"^^{default}'
        if language is not None:
            return f'"{text}"@{language}'
        return f'"{text}"'

    def list_chain(
        self, ctx: ActiveContext, prop: str | None, tdef: TermDef | None, items: Any, graph: str
    ) -> str:
        """Expand ``items`` as a list and emit its rdf:first/rest chain; return the head."""
        if not isinstance(items, list):
            items = [items]
        objects: list[str] = []
        for index, item in enumerate(items):
            try:
                if isinstance(item, list):
                    objects.append(self.list_chain(ctx, prop, tdef, item, graph))
                elif isinstance(item, dict) and self.is_set_object(ctx, item):
                    # A @set inside a list expands to an array, which a list
                    # item turns into a nested list (as jsonld.js and pyld do).
                    inner = next(v for k, v in item.items() if ctx.expand_key(k) == "@set")
                    objects.append(self.list_chain(ctx, prop, tdef, inner, graph))
                else:
                    objects.extend(self.expand(ctx, prop, tdef, item, graph))
            except _Located as exc:
                exc.path.append(index)
                raise
        if not objects:
            return RDF_NIL
        emit = self.emit
        head = node = self.bnode()
        last = len(objects) - 1
        for index, obj in enumerate(objects):
            emit((node, RDF_FIRST, obj, graph))
            nxt = RDF_NIL if index == last else self.bnode()
            emit((node, RDF_REST, nxt, graph))
            node = nxt
        return head

    @staticmethod
    def is_set_object(ctx: ActiveContext, item: dict[str, Any]) -> bool:
        """True if ``item`` has an entry expanding to ``@set``."""
        return any(ctx.expand_key(key) == "@set" for key in item if key != "@context")

    # -- maps --------------------------------------------------------------------

    def object(
        self, ctx: ActiveContext, prop: str | None, tdef: TermDef | None, element: dict[str, Any], graph: str
    ) -> list[str]:
        """Expand a JSON object: node, value, list, set or graph object."""
        # Step 7: a type-scoped context does not reach into a new node object.
        if ctx.previous is not None:
            revert = True
            for key in element:
                expanded = ctx.expand_key(key)
                if expanded == "@value":
                    revert = False
                    break
                if expanded == "@id" and len(element) == 1:
                    revert = False
            if revert:
                ctx = ctx.previous
        if tdef is not None and tdef.has_context:
            ctx = ctx.derive(tdef.context, override_protected=True, key=tdef.ctx_key, trusted=not tdef.inline)
        if "@context" in element:
            ctx = ctx.derive(element["@context"])
        type_ctx = ctx
        entries: list[tuple[str, str | None, Any]] = []
        type_entries: list[tuple[str, Any]] = []
        for key, value in element.items():
            if key == "@context":
                continue
            expanded = type_ctx.expand_key(key)
            if expanded == "@type":
                type_entries.append((key, value))
            entries.append((key, expanded, value))
        if type_entries:
            type_entries.sort()
            for key, value in type_entries:
                names = value if isinstance(value, list) else [value]
                for name in sorted(n for n in names if isinstance(n, str)):
                    term = type_ctx.terms.get(name)
                    if term is not None and term.has_context:
                        ctx = ctx.derive(term.context, propagate=False, key=term.ctx_key, trusted=not term.inline)
            if ctx is not type_ctx:
                entries = [
                    (k, e if e == "@type" else ctx.expand_key(k), v) for k, e, v in entries
                ]
        keywords: dict[str, Any] = {}
        properties: list[tuple[str, str, Any]] = []
        for key, expanded, value in entries:
            if expanded is None:
                raise _fail(f"property {key!r} is not defined by the context and would be dropped").with_path(key)
            if expanded[:1] == "@":
                if expanded[:2] == ALIAS_MARK:
                    raise _fail(expanded[2:]).with_path(key)
                if expanded in keywords:
                    if expanded != "@type":
                        raise _fail(f"colliding keywords: {expanded}").with_path(key)
                    prior = keywords[expanded]
                    prior = prior if isinstance(prior, list) else [prior]
                    value = prior + (value if isinstance(value, list) else [value])
                keywords[expanded] = value
                continue
            if expanded[:2] == "_:":
                raise _fail(f"property {key!r} maps to a blank node and would be dropped").with_path(key)
            if not is_absolute_iri(expanded):
                raise _fail(
                    f"property {key!r} does not expand to an absolute IRI ({expanded!r}) and would be dropped"
                ).with_path(key)
            properties.append((key, expanded, value))
        if "@index" in keywords:
            # @index produces no RDF: the signature would not cover it.
            where = next(k for k, e, _ in entries if e == "@index")
            raise _fail(
                "@index is not signed (it produces no RDF) and is refused in safe mode"
            ).with_path(where)
        if "@value" in keywords:
            try:
                return self.value_object(ctx, type_ctx, prop, keywords, properties)
            except _Located as exc:
                _name_keyword(exc, entries)
                raise
        if "@list" in keywords:
            if properties or set(keywords) - {"@list", "@index"}:
                raise _fail("a list object may only contain @list and @index")
            if prop is None or prop == "@graph":
                raise _fail("free-floating list would be dropped")
            try:
                return [self.list_chain(ctx, prop, tdef_for(ctx, prop), keywords["@list"], graph)]
            except _Located as exc:
                exc.path.append("@list")
                raise
        if "@set" in keywords:
            if properties or set(keywords) - {"@set", "@index"}:
                raise _fail("a set object may only contain @set and @index")
            try:
                return self.expand(ctx, prop, tdef_for(ctx, prop), keywords["@set"], graph)
            except _Located as exc:
                exc.path.append("@set")
                raise
        try:
            return self.node(ctx, type_ctx, prop, keywords, properties, graph)
        except _Located as exc:
            _name_keyword(exc, entries)
            raise

    def value_object(
        self,
        ctx: ActiveContext,
        type_ctx: ActiveContext,
        prop: str | None,
        keywords: dict[str, Any],
        properties: list[tuple[str, str, Any]],
    ) -> list[str]:
        """The literal of a value object (``@value`` with ``@type``/``@language``)."""
        if properties or set(keywords) - _VALUE_KEYS:
            raise _fail("a value object has entries other than @value, @type, @language, @direction, @index")
        if prop is None or prop == "@graph":
            raise _fail("free-floating value object would be dropped")
        value = keywords["@value"]
        datatype = None
        if "@type" in keywords:
            if "@language" in keywords or "@direction" in keywords:
                raise _fail("a value object cannot have both @type and @language/@direction")
            raw = keywords["@type"]
            if not isinstance(raw, str):
                raise _fail("invalid typed value: @type must be a string")
            datatype = type_ctx.expand_type(raw)
            if datatype is not None and datatype[:2] == ALIAS_MARK:
                raise _fail(datatype[2:]).with_path("@type")
            if datatype is None or (datatype != "@json" and not is_absolute_iri(datatype)):
                raise _fail(f"value @type {raw!r} is not an absolute IRI")
        if value is None and datatype != "@json":
            # JSON-LD expands it to nothing; Digital Bazaar's safe mode refuses it
            # ("null @value value"), and so do we: a signer meant something.
            raise _fail("a value object with a null @value would be dropped").with_path("@value")
        language = None
        if "@language" in keywords:
            language = keywords["@language"]
            if not isinstance(language, str):
                raise _fail("@language must be a string")
            if not isinstance(value, str):
                raise _fail("a language-tagged value must be a string")
            language = language.lower()
            if not is_language_tag(language):
                raise _fail(f"invalid language tag {language!r}")
        direction = None
        if "@direction" in keywords:
            direction = keywords["@direction"]
            if direction not in ("ltr", "rtl"):
                raise _fail('invalid base direction: @direction must be "ltr" or "rtl"').with_path("@direction")
            if not isinstance(value, str):
                # toRdf would write the number or boolean and drop the direction.
                raise _fail("a value with a base direction must be a string")
        if datatype != "@json" and isinstance(value, (dict, list)):
            raise _fail("invalid value object value")
        return [self.literal(value, datatype, language, direction)]

    def node(
        self,
        ctx: ActiveContext,
        type_ctx: ActiveContext,
        prop: str | None,
        keywords: dict[str, Any],
        properties: list[tuple[str, str, Any]],
        graph: str,
    ) -> list[str]:
        """Emit a node object's quads and return its subject term."""
        for keyword in keywords:
            if keyword not in ("@id", "@type", "@graph", "@index"):
                raise _fail(f"{keyword} is not supported here").with_path(keyword)
        if "@id" in keywords:
            raw_id = keywords["@id"]
            if not isinstance(raw_id, str):
                raise _fail("@id must be a string").with_path("@id")
            try:
                expanded_id = ctx.expand_id(raw_id)
                if expanded_id != raw_id and raw_id[:2] != "_:":
                    raise _fail(_rewritten("@id", raw_id, expanded_id))
                subject = self.node_ref(expanded_id, "@id")
            except _Located as exc:
                exc.path.append("@id")
                raise
        else:
            subject = ""
        emit = self.emit
        if "@graph" in keywords:
            contents = keywords["@graph"]
            if prop is None and not properties and "@id" not in keywords and "@type" not in keywords:
                # A top-level object holding only @graph is the default graph itself.
                inner_graph = graph
                subject = ""
            else:
                if not subject:
                    subject = self.bnode()
                inner_graph = subject
            items = contents if isinstance(contents, list) else [contents]
            for index, item in enumerate(items):
                try:
                    if isinstance(item, dict):
                        self.object(ctx, "@graph", None, item, inner_graph)
                    elif item is not None:
                        raise _fail("free-floating value in @graph would be dropped")
                except _Located as exc:
                    exc.path.append(index)
                    exc.path.append("@graph")
                    raise
            if not subject:
                return []
        if not subject:
            subject = self.bnode()
        if "@type" in keywords:
            types = keywords["@type"]
            for name in types if isinstance(types, list) else [types]:
                if not isinstance(name, str):
                    raise _fail("invalid type value: @type must be a string or an array of strings").with_path("@type")
                iri = type_ctx.expand_type(name)
                if iri is not None and iri[:2] == ALIAS_MARK:
                    raise _fail(iri[2:]).with_path("@type")
                if iri is None or (iri[:2] != "_:" and not is_absolute_iri(iri)):
                    raise _fail(f"type {name!r} does not expand to an absolute IRI").with_path("@type")
                emit((subject, RDF_TYPE, self.node_ref(iri, "@type"), graph))
        terms = ctx.terms
        for key, iri, value in properties:
            tdef = terms.get(key)
            if value is None and (tdef is None or tdef.type != "@json"):
                # null means "no value" in JSON-LD, except for an @json term,
                # where it is the JSON literal null (a signature must tell
                # "e": null from a missing "e").
                continue
            predicate = f"<{iri}>"
            try:
                for obj in self.property_values(ctx, key, tdef, value, graph):
                    emit((subject, predicate, obj, graph))
            except _Located as exc:
                exc.path.append(key)
                raise
        return [subject]

    def property_values(
        self, ctx: ActiveContext, key: str, tdef: TermDef | None, value: Any, graph: str
    ) -> list[str]:
        """Objects of one property entry, honouring the term's container and type."""
        if tdef is None:
            return self.expand(ctx, key, None, value, graph)
        if tdef.type == "@json":
            return [self.literal(value, "@json", None)]
        container = tdef.container
        if not container or container == {"@set"}:
            return self.expand(ctx, key, tdef, value, graph)
        if "@language" in container and isinstance(value, dict):
            return self.language_map(ctx, tdef, value)
        if "@index" in container and isinstance(value, dict):
            out: list[str] = []
            for index_key, item in value.items():
                try:
                    if "@graph" in container:
                        out.extend(self.graph_items(ctx, key, tdef, item, outer=graph))
                    else:
                        out.extend(self.expand(ctx, key, tdef, item, graph))
                except _Located as exc:
                    exc.path.append(index_key)
                    raise
            return out
        if "@graph" in container:
            return self.graph_items(ctx, key, tdef, value)
        if "@list" in container:
            if isinstance(value, dict):
                probe = ctx.derive(tdef.context, override_protected=True, key=tdef.ctx_key, trusted=not tdef.inline) if tdef.has_context else ctx
                if any(probe.expand_key(k) == "@list" for k in value):
                    return self.expand(ctx, key, tdef, value, graph)
            return [self.list_chain(ctx, key, tdef, value, graph)]
        return self.expand(ctx, key, tdef, value, graph)

    def graph_items(
        self, ctx: ActiveContext, key: str, tdef: TermDef, value: Any, *, outer: str | None = None
    ) -> list[str]:
        """Each value of a @graph container becomes its own blank-node named graph.

        With ``outer`` (the graph the property is in; given for ``[@graph,
        @index]`` maps), a value that already is a graph object is used as is,
        not wrapped again (JSON-LD 1.1 Expansion, index map processing).
        """
        out: list[str] = []
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if item is None:
                continue
            try:
                if outer is not None and isinstance(item, dict) and self.is_graph_object(ctx, tdef, item):
                    out.extend(self.object(ctx, key, tdef, item, outer))
                    continue
                name = self.bnode()
                if isinstance(item, dict):
                    self.object(ctx, key, tdef, item, name)
                else:
                    # A string here is a node reference (type @id): a graph holding
                    # a bare reference is empty.
                    self.expand(ctx, key, tdef, item, name)
            except _Located as exc:
                if len(items) > 1 or isinstance(value, list):
                    exc.path.append(index)
                raise
            out.append(name)
        return out

    @staticmethod
    def is_graph_object(ctx: ActiveContext, tdef: TermDef, item: dict[str, Any]) -> bool:
        """True if ``item``, as a value of ``tdef``, expands to a graph object.

        Its keys are expanded under the context :meth:`object` would use for it.
        """
        if ctx.previous is not None:
            ctx = ctx.previous
        if tdef.has_context:
            ctx = ctx.derive(tdef.context, override_protected=True, key=tdef.ctx_key, trusted=not tdef.inline)
        if "@context" in item:
            ctx = ctx.derive(item["@context"])
        keys = {ctx.expand_key(k) for k in item if k != "@context"}
        return "@graph" in keys and keys <= {"@graph", "@id", "@index"}

    def language_map(self, ctx: ActiveContext, tdef: TermDef, value: dict[str, Any]) -> list[str]:
        """Literals of a ``@container: @language`` map (with the term's or default base direction)."""
        out: list[str] = []
        direction = tdef.direction if tdef.has_direction else ctx.direction
        for lang, strings in value.items():
            expanded_lang = ctx.expand_key(lang)
            tag = None if expanded_lang == "@none" else lang.lower()
            if tag is not None and not is_language_tag(tag):
                raise _fail(f"invalid language tag {lang!r}").with_path(lang)
            for item in strings if isinstance(strings, list) else [strings]:
                if item is None:
                    continue
                if not isinstance(item, str):
                    raise _fail("language map values must be strings").with_path(lang)
                out.append(self.literal(item, None, tag, direction))
        return out


def tdef_for(ctx: ActiveContext, prop: str | None) -> TermDef | None:
    """The term definition of ``prop`` in ``ctx`` (None for keywords/None)."""
    if prop is None:
        return None
    return ctx.terms.get(prop)


def document_to_rdf(document: Any, root: ActiveContext) -> list[Quad]:
    """Convert a JSON-LD document to RDF quads under the root context ``root``.

    Context processing may clone or create at most ``CONTEXT_BUDGET`` term
    definitions (fewer if the enclosing ``work_budget`` scope has less left,
    which is charged what was used); past it, ``PROOF_TRANSFORMATION_ERROR``.
    """
    shared = current_work_budget()
    units = CONTEXT_BUDGET if shared is None else min(CONTEXT_BUDGET, shared.available())
    state, token = begin_document(units)
    try:
        return _walk_document(document, root)
    finally:
        end_document(token)
        if shared is not None:
            shared.charge(units - max(state.units, 0))


def _walk_document(document: Any, root: ActiveContext) -> list[Quad]:
    walker = _Walker()
    try:
        if isinstance(document, list):
            for index, item in enumerate(document):
                try:
                    if not isinstance(item, dict):
                        raise _fail("free-floating value at the top level would be dropped")
                    walker.object(root, None, None, item, "")
                except _Located as exc:
                    exc.path.append(index)
                    raise
        elif isinstance(document, dict):
            walker.object(root, None, None, document, "")
        else:
            raise _fail("a JSON-LD document must be an object or an array")
    except _Located as exc:
        raise VCError(exc.code, f"{exc.message} (at {_json_path(exc.path)})") from None
    except RecursionError:
        raise VCError(MALFORMED_VALUE_ERROR, "JSON-LD document nests too deeply") from None
    return list(dict.fromkeys(walker.quads))


__all__ = ["Quad", "canonical_double", "document_to_rdf", "escape_literal"]
