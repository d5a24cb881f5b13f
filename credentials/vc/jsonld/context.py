"""Compiled JSON-LD 1.1 active contexts (Context Processing, Create Term Definition).

An :class:`ActiveContext` is immutable once built. Every context derived from it
(by a remote URL, an embedded object, a type- or property-scoped context) is
memoised on the parent, keyed by the local context's value, so processing the
same kind of credential twice costs dictionary look-ups only. Key expansions
(``vocab=True``) are memoised per context too.

Caches are bounded (see :func:`root_for`): a context derived from a
document-supplied (inline) context, or from a term such a context defined, is
*tainted* and is memoised only for the document being processed, never across
documents; everything else is memoised process-wide under a global size budget
(:data:`MAX_MEMO_UNITS`), and processing one document may create at most
:data:`CONTEXT_BUDGET` term definitions (cloned or new) before failing with
``PROOF_TRANSFORMATION_ERROR``.

Safe mode also refuses aliases of protected terms (:meth:`ActiveContext.expand_key`):
the RDFC signature covers the graph, not the JSON keys, so a key that means what
a protected term means must be that term.

Features outside what credentials need (``@import``, ``@reverse``, ``@nest``,
``@index`` on a term, ``@id``/``@type`` maps) fail closed with
``MALFORMED_VALUE_ERROR`` rather than being ignored. So does a context referenced
by a relative URL: JSON-LD resolves it against the referring document's URL
(not ``@base``), and the documents we process have none.
"""

from __future__ import annotations

import json
import re
import threading
from contextvars import ContextVar
from typing import Any

from ..errors import MALFORMED_VALUE_ERROR, PARSING_ERROR, PROOF_TRANSFORMATION_ERROR, VCError
from .iri import resolve_iri

KEYWORDS = frozenset(
    {
        "@base", "@container", "@context", "@direction", "@graph", "@id", "@import",
        "@included", "@index", "@json", "@language", "@list", "@nest", "@none",
        "@prefix", "@propagate", "@protected", "@reverse", "@set", "@type", "@value",
        "@version", "@vocab",
    }
)
# Always used with fullmatch: "$" would also match before a trailing newline.
_KEYWORD_FORM = re.compile(r"@[a-zA-Z]+")
# RFC 3987-ish: a scheme, then no space, control or ``<>"{}|\^`` characters,
# and at most one "#" (a second one, e.g. from ``@vocab`` "v#" + key "#frag",
# is not an IRI; JSON-LD drops such a term and safe mode rejects it).
_ABSOLUTE_IRI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`#]*(?:#[^\x00-\x20<>\"{}|\\^`#]*)?"
)
_GEN_DELIMS = frozenset(":/?#[]@")
_CONTAINERS = frozenset({"@graph", "@id", "@index", "@language", "@list", "@set", "@type"})
_TERM_KEYS = frozenset(
    {
        "@id", "@reverse", "@container", "@context", "@direction", "@index", "@language",
        "@nest", "@prefix", "@protected", "@type",
    }
)
_MAX_REMOTE_DEPTH = 16
_MAX_DERIVED = 256
_MAX_KEYS = 4096
# Strings longer than this are never memoised: a memo entry must stay small
# whatever the document holds.
_MAX_MEMO_STRING = 256

MAX_MEMO_UNITS = 400_000
"""Process-wide bound on memoised context state: a cached derived context costs
its number of terms plus 16, a memoised key or type expansion costs 1. Past it
every cache is dropped (the next documents rebuild what they need)."""

CONTEXT_BUDGET = 100_000
"""Term definitions one document may make the processor clone or create
(cache hits cost nothing). A cold OB 3.0 diploma needs about 720."""

ALIAS_MARK = "@\x00"
"""Prefix of what :meth:`ActiveContext.expand_key` returns for a refused key
(followed by the reason); it starts with "@" so the walker's keyword branch sees
it, and no keyword or IRI can start with it."""

# A JSON-LD syntax error inside a context (or a feature we refuse) and an
# undefined-term style data loss share one code: the document is malformed.
_CTX_ERROR = MALFORMED_VALUE_ERROR


_LANGUAGE_TAG = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")


def is_language_tag(tag: str) -> bool:
    """BCP 47 well-formedness as JSON-LD processors check it (jsonld.js's pattern).

    Safe mode refuses other tags: they would also break the N-Quads syntax of a
    language-tagged literal or of an i18n datatype IRI.
    """
    return _LANGUAGE_TAG.fullmatch(tag) is not None


def ctx_error(message: str) -> VCError:
    """A JSON-LD context/syntax error as a VCError."""
    return VCError(_CTX_ERROR, f"invalid JSON-LD: {message}")


_checked: dict[str, bool] = {}


class _DocState:
    """Per-document context processing state: work left and tainted derivations."""

    __slots__ = ("units", "memo")

    def __init__(self, units: int) -> None:
        self.units = units
        self.memo: dict[Any, ActiveContext] = {}


_DOC: ContextVar[_DocState | None] = ContextVar("jsonld_document", default=None)


def begin_document(units: int = CONTEXT_BUDGET) -> tuple[_DocState, Any]:
    """Start per-document context state; pass the token to :func:`end_document`."""
    state = _DocState(units)
    return state, _DOC.set(state)


def end_document(token: Any) -> None:
    """End the per-document state started by :func:`begin_document`."""
    _DOC.reset(token)


def _charge(units: int) -> None:
    state = _DOC.get()
    if state is None:
        return
    state.units -= units
    if state.units < 0:
        raise VCError(
            PROOF_TRANSFORMATION_ERROR,
            "JSON-LD context processing budget exhausted: the document's contexts define or copy "
            "too many terms",
        )


class _MemoBudget:
    """Global accounting of memoised context state (see MAX_MEMO_UNITS)."""

    __slots__ = ("units", "epoch", "lock", "roots")

    def __init__(self) -> None:
        self.units = 0
        self.epoch = 0
        self.lock = threading.Lock()
        self.roots: dict[int, tuple[Any, ActiveContext]] = {}

    def add(self, units: int) -> bool:
        """Account ``units`` of new memo state; False (and everything dropped) past the bound."""
        self.units += units
        if self.units <= MAX_MEMO_UNITS:
            return True
        with self.lock:
            # Dropping the roots drops every derived context and key memo
            # hanging off them; walks in flight keep what they hold.
            self.roots = {}
            self.units = 0
            self.epoch += 1
        return False


_MEMO = _MemoBudget()


def root_for(loader: Any) -> ActiveContext:
    """The empty root context for ``loader``; derived contexts are memoised under it.

    One root per loader, so two loaders serving different documents for one URL
    never share results.
    """
    entry = _MEMO.roots.get(id(loader))
    if entry is not None and entry[0] is loader:
        return entry[1]
    with _MEMO.lock:
        roots = _MEMO.roots
        if len(roots) > 64:
            roots = _MEMO.roots = {}
        root = ActiveContext(loader)
        roots[id(loader)] = (loader, root)
        return root


def memo_units() -> int:
    """Memo units in use now (for tests and monitoring)."""
    return _MEMO.units


def is_absolute_iri(value: str) -> bool:
    """True if ``value`` is an absolute IRI safe to write in N-Quads (memoised).

    A scheme, then no whitespace, control character, ``<>"{}|^``, backslash or
    backtick, and at most one ``#``.
    """
    found = _checked.get(value)
    if found is None:
        found = _ABSOLUTE_IRI.fullmatch(value) is not None
        # Bounded in count and size: identifiers from documents pass through here.
        if len(value) <= _MAX_MEMO_STRING:
            if len(_checked) >= 8192:
                _checked.clear()
            _checked[value] = found
    return found


def has_keyword_form(value: str) -> bool:
    """True for strings shaped like a keyword (``@`` + letters)."""
    return _KEYWORD_FORM.fullmatch(value) is not None


def context_key(local: Any) -> Any:
    """A hashable key identifying a local context value by content."""
    if local is None or isinstance(local, str):
        return local
    if isinstance(local, list) and all(isinstance(item, str) for item in local):
        return tuple(local)
    return json.dumps(local, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class TermDef:
    """One compiled term definition."""

    __slots__ = (
        "iri", "prefix", "protected", "type", "language", "has_language", "direction",
        "has_direction", "container", "context", "has_context", "ctx_key", "inline", "shadow",
    )

    def __init__(self) -> None:
        self.iri: str | None = None
        self.prefix = False
        self.protected = False
        self.type: str | None = None
        self.language: str | None = None
        self.has_language = False
        self.direction: str | None = None
        self.has_direction = False
        self.container: frozenset[str] = frozenset()
        self.context: Any = None
        self.has_context = False
        self.ctx_key: Any = None
        # Defined by a document-supplied context: its scoped context is
        # untrusted input and never memoised across documents.
        self.inline = False
        # Why using this term would be an alias (set on terms a document's
        # own context defines to mean what another name already means).
        self.shadow: str | None = None

    def same_as(self, other: TermDef) -> bool:
        """Equal in everything but ``protected`` (the redefinition rule)."""
        return (
            self.iri == other.iri
            and self.prefix == other.prefix
            and self.type == other.type
            and self.has_language == other.has_language
            and self.language == other.language
            and self.has_direction == other.has_direction
            and self.direction == other.direction
            and self.container == other.container
            and self.has_context == other.has_context
            and self.ctx_key == other.ctx_key
        )


class ActiveContext:
    """An immutable, compiled JSON-LD active context."""

    __slots__ = (
        "terms", "vocab", "base", "language", "direction", "previous", "loader",
        "_derived", "_keys", "_types", "_protected", "has_protected", "type_term", "tainted",
        "trusted_vocab",
    )

    def __init__(self, loader: Any) -> None:
        self.terms: dict[str, TermDef] = {}
        self.vocab: str | None = None
        self.base: str | None = None
        self.language: str | None = None
        self.direction: str | None = None
        self.previous: ActiveContext | None = None
        self.loader = loader
        self.has_protected = False
        # The definition of the keyword @type itself (JSON-LD 1.1 allows only
        # @container: @set and @protected); kept out of ``terms`` so no
        # term look-up can ever find it.
        self.type_term: TermDef | None = None
        # Built from a document-supplied context: lives for one document only.
        self.tainted = False
        # The @vocab in force before the first document-supplied context.
        self.trusted_vocab: str | None = None
        self._derived: dict[Any, ActiveContext] = {}
        self._keys: dict[str, str | None] = {}
        self._types: dict[str, str | None] = {}
        self._protected: dict[str, frozenset[str]] | None = None

    def _clone(self) -> ActiveContext:
        out = ActiveContext(self.loader)
        out.terms = dict(self.terms)
        out.vocab = self.vocab
        out.base = self.base
        out.language = self.language
        out.direction = self.direction
        out.previous = self.previous
        out.has_protected = self.has_protected
        out.type_term = self.type_term
        out.tainted = self.tainted
        out.trusted_vocab = self.trusted_vocab
        return out

    def _remember(self, memo: dict[str, str | None], key: str, value: str | None) -> None:
        if len(key) > _MAX_MEMO_STRING or len(memo) >= _MAX_KEYS:
            return
        if self.tainted or _MEMO.add(1):
            memo[key] = value

    # -- protected terms -----------------------------------------------------------

    def protected_index(self) -> dict[str, frozenset[str]]:
        """IRI or keyword → names of the protected terms mapping to it (built once)."""
        index = self._protected
        if index is None:
            names: dict[str, set[str]] = {}
            for name, tdef in self.terms.items():
                if tdef.protected and tdef.iri is not None:
                    names.setdefault(tdef.iri, set()).add(name)
            if self.type_term is not None and self.type_term.protected:
                names.setdefault("@type", set()).add("@type")
            index = self._protected = {iri: frozenset(found) for iri, found in names.items()}
        return index

    def alias_problem(self, name: str, expanded: str | None) -> str | None:
        """Why ``name`` may not stand for ``expanded``, or None.

        A key (or term used as a value) that expands to what a protected term
        means must be that protected term: the signature covers the graph, not
        the JSON, so an alias would let the JSON say something the issuer never
        wrote (``cs`` for ``credentialStatus``, ``subjectRef`` for ``id``).
        Keywords written as themselves (``@id``, ``@type``) are fine.
        """
        if expanded is None or name[:1] == "@":
            return None
        holders = self.protected_index().get(expanded)
        if holders is None or name in holders:
            tdef = self.terms.get(name)
            if tdef is not None and tdef.shadow is not None and tdef.iri == expanded:
                return tdef.shadow
            return None
        which = " or ".join(repr(h) for h in sorted(holders))
        return (
            f"{name!r} is an alias of the protected term {which} ({expanded}); a signed "
            "document must use the protected term itself"
        )

    # -- expansion -----------------------------------------------------------------

    def expand_key(self, key: str) -> str | None:
        """IRI-expand ``key`` with ``vocab=True`` (memoised).

        An alias of a protected term (see :meth:`alias_problem`) comes back as
        :data:`ALIAS_MARK` followed by the reason; the walker refuses it.
        """
        try:
            return self._keys[key]
        except KeyError:
            pass
        value = expand_iri(self, key, vocab=True)
        problem = self.alias_problem(key, value)
        if problem is not None:
            value = ALIAS_MARK + problem
        self._remember(self._keys, key, value)
        return value

    def expand_type(self, name: str) -> str | None:
        """IRI-expand a ``@type`` value (vocabulary-relative, memoised).

        Aliases of protected terms come back marked as in :meth:`expand_key`.
        """
        try:
            return self._types[name]
        except KeyError:
            pass
        value = expand_iri(self, name, vocab=True, document_relative=True)
        problem = self.alias_problem(name, value)
        if problem is not None:
            value = ALIAS_MARK + problem
        self._remember(self._types, name, value)
        return value

    def expand_id(self, value: str) -> str | None:
        """IRI-expand a node identifier (document-relative, not vocabulary-relative)."""
        return expand_iri(self, value, document_relative=True)

    # -- derivation ----------------------------------------------------------------

    def derive(
        self,
        local: Any,
        *,
        override_protected: bool = False,
        propagate: bool = True,
        key: Any = ...,
        trusted: bool | None = None,
    ) -> ActiveContext:
        """The context resulting from processing ``local`` on top of this one (memoised).

        ``trusted`` says whether ``local`` came from the loader (a bundled
        context or a scoped context one defined) rather than from a document;
        by default, only context references (URL strings, null) are. Untrusted
        results are tainted and memoised for the current document only.
        """
        if key is ...:
            key = context_key(local)
        cache_key = (key, override_protected, propagate)
        found = self._derived.get(cache_key)
        if found is not None:
            return found
        if trusted is None:
            trusted = _is_reference(local)
        if self.tainted:
            # A tainted context belongs to one document: its own memo dies with it.
            result = process_context(
                self, local, override_protected=override_protected, propagate=propagate,
                remote=(), trusted=trusted,
            )
            if len(self._derived) < _MAX_DERIVED:
                self._derived[cache_key] = result
            return result
        if not trusted:
            state = _DOC.get()
            doc_key = (self, cache_key)
            if state is not None:
                found = state.memo.get(doc_key)
                if found is not None:
                    return found
            result = process_context(
                self, local, override_protected=override_protected, propagate=propagate,
                remote=(), trusted=False,
            )
            result.tainted = True
            if state is not None:
                state.memo[doc_key] = result
            return result
        result = process_context(
            self, local, override_protected=override_protected, propagate=propagate, remote=(),
            trusted=True,
        )
        if result.tainted:
            return result
        if len(self._derived) >= _MAX_DERIVED:
            self._derived.clear()
        if _MEMO.add(len(result.terms) + 16):
            self._derived[cache_key] = result
        return result


def _is_reference(local: Any) -> bool:
    """True for a context given only by reference (URLs and nulls): the loader serves its content."""
    if local is None or isinstance(local, str):
        return True
    return isinstance(local, list) and all(item is None or isinstance(item, str) for item in local)


def expand_iri(
    active: ActiveContext,
    value: str,
    *,
    document_relative: bool = False,
    vocab: bool = False,
    local: dict[str, Any] | None = None,
    defined: dict[str, bool] | None = None,
) -> str | None:
    """JSON-LD 1.1 IRI Expansion (§5.2.2)."""
    if value in KEYWORDS:
        return value
    if value[:1] == "@" and _KEYWORD_FORM.fullmatch(value):
        return None
    if local is not None and defined is not None and value in local and defined.get(value) is not True:
        create_term(active, local, value, defined)
    term = active.terms.get(value)
    if term is not None:
        if term.iri is not None and term.iri in KEYWORDS:
            return term.iri
        if vocab:
            return term.iri
    colon = value.find(":", 1)
    if colon > 0:
        prefix = value[:colon]
        suffix = value[colon + 1 :]
        if prefix == "_" or suffix.startswith("//"):
            return value
        if local is not None and defined is not None and prefix in local and defined.get(prefix) is not True:
            create_term(active, local, prefix, defined)
        pdef = active.terms.get(prefix)
        if pdef is not None and pdef.iri is not None and pdef.prefix:
            return pdef.iri + suffix
        if is_absolute_iri(value):
            return value
    if vocab and active.vocab is not None:
        return active.vocab + value
    if document_relative and active.base is not None:
        return resolve_iri(active.base, value)
    return value


def process_context(
    active: ActiveContext,
    local: Any,
    *,
    override_protected: bool,
    propagate: bool,
    remote: tuple[str, ...],
    trusted: bool = True,
) -> ActiveContext:
    """JSON-LD 1.1 Context Processing (§4.1.2) without memoisation.

    ``trusted`` is False for a document-supplied local context: the terms it
    defines are marked ``inline`` and the result is tainted.
    """
    _charge(len(active.terms) + 1)
    if not trusted:
        # A property-scoped context may override protected terms (JSON-LD 1.1),
        # but not one the document supplies: it would let a forged document
        # clear or redefine them where the signature cannot see the JSON.
        override_protected = False
    result = active._clone()
    if not trusted:
        if not active.tainted:
            result.trusted_vocab = active.vocab
        result.tainted = True
    if isinstance(local, dict) and "@propagate" in local:
        propagate = local["@propagate"]
        if not isinstance(propagate, bool):
            raise ctx_error("@propagate must be true or false")
    if not propagate and result.previous is None:
        result.previous = active
    items = local if isinstance(local, list) else [local]
    for item in items:
        if item is None:
            if not override_protected and result.has_protected:
                raise ctx_error(
                    "invalid context nullification: the active context has protected terms"
                    + ("" if trusted else " (a document's own context may never clear them)")
                )
            previous = result.previous
            tainted, trusted_vocab = result.tainted, result.trusted_vocab
            result = ActiveContext(active.loader)
            result.tainted, result.trusted_vocab = tainted, trusted_vocab
            if not propagate:
                result.previous = previous
            continue
        if isinstance(item, str):
            url = item
            if not is_absolute_iri(url):
                # JSON-LD resolves a context reference against the URL of the
                # document holding it, never against @base. Documents we verify
                # have no URL, and scoped contexts forget where they were
                # defined, so relative references fail closed everywhere
                # (MALFORMED_VALUE_ERROR, like other relative IRIs that would
                # need a document URL) rather than being resolved half the time.
                where = f"in remote context {remote[-1]!r}" if remote else "in the document"
                raise ctx_error(
                    f"relative context reference {url!r} {where}: contexts must be referenced "
                    "by absolute URL (a relative one resolves against the referring "
                    "document's URL, never @base)"
                )
            if url in remote or len(remote) >= _MAX_REMOTE_DEPTH:
                raise ctx_error(f"recursive context inclusion of {url!r}")
            document = active.loader(url)
            if not isinstance(document, dict) or "@context" not in document:
                raise VCError(PARSING_ERROR, f"context document {url!r} has no @context")
            result = process_context(
                result,
                document["@context"],
                override_protected=False,
                propagate=True,
                remote=remote + (url,),
                trusted=True,
            )
            continue
        if not isinstance(item, dict):
            raise ctx_error("a local context must be an object, a string or null")
        _apply_definition(
            result, item, override_protected=override_protected, remote=remote, trusted=trusted
        )
    return result


def _apply_definition(
    result: ActiveContext,
    ctx: dict[str, Any],
    *,
    override_protected: bool,
    remote: tuple[str, ...],
    trusted: bool = True,
) -> None:
    before = None if trusted else (dict(result.terms), {result.vocab, result.trusted_vocab} - {None})
    if "@version" in ctx and ctx["@version"] != 1.1:
        raise ctx_error(f"invalid @version value {ctx['@version']!r}")
    if "@import" in ctx:
        raise ctx_error("@import is not supported")
    if "@base" in ctx and not remote:
        base = ctx["@base"]
        if base is None:
            result.base = None
        elif isinstance(base, str) and is_absolute_iri(base):
            result.base = base
        elif isinstance(base, str) and result.base is not None:
            result.base = resolve_iri(result.base, base)
        else:
            raise ctx_error(f"invalid base IRI {base!r}")
    if "@vocab" in ctx:
        vocab = ctx["@vocab"]
        if vocab is None:
            result.vocab = None
        elif isinstance(vocab, str):
            expanded = expand_iri(result, vocab, vocab=True, document_relative=True)
            if expanded is None or not (is_absolute_iri(expanded) or expanded.startswith("_:")):
                raise ctx_error(f"invalid vocab mapping {vocab!r} (not an absolute IRI)")
            result.vocab = expanded
        else:
            raise ctx_error("invalid vocab mapping")
    if "@language" in ctx:
        lang = ctx["@language"]
        if lang is None:
            result.language = None
        elif isinstance(lang, str) and is_language_tag(lang):
            result.language = lang.lower()
        else:
            raise ctx_error(f"invalid default language {lang!r}")
    if "@direction" in ctx:
        direction = ctx["@direction"]
        if direction not in (None, "ltr", "rtl"):
            raise ctx_error("invalid base direction")
        result.direction = direction
    protected = ctx.get("@protected", False)
    if not isinstance(protected, bool):
        raise ctx_error("invalid @protected value")
    _charge(len(ctx))
    if not trusted:
        # create_term marks scoped contexts defined in a tainted context inline.
        result.tainted = True
    defined: dict[str, bool] = {}
    for term in ctx:
        if term in ("@base", "@direction", "@import", "@language", "@propagate", "@protected", "@version", "@vocab"):
            continue
        create_term(result, ctx, term, defined, protected=protected, override_protected=override_protected)
    if before is not None:
        _mark_shadows(result, ctx, *before)


def _mark_shadows(
    result: ActiveContext, ctx: dict[str, Any], before: dict[str, TermDef], vocabs: set[str | None]
) -> None:
    """Mark terms a document's context defines to mean what another name meant already.

    ``alumniOf`` defined as the IRI the examples ``@vocab`` gives
    ``droppedOutOf`` swaps two claims without changing the graph; so does a
    second name for an existing term's IRI. Such terms are refused when used
    (see :meth:`ActiveContext.alias_problem`); merely defining them is not.
    """
    owners: dict[str, list[str]] = {}
    for name, prior in before.items():
        if prior.iri is not None:
            owners.setdefault(prior.iri, []).append(name)
    for term in ctx:
        tdef = result.terms.get(term)
        if tdef is None or tdef is before.get(term) or tdef.iri is None:
            continue
        iri = tdef.iri
        others = [name for name in owners.get(iri, ()) if name != term]
        if others:
            tdef.shadow = (
                f"{term!r} is defined by the document to mean {iri}, which {others[0]!r} already "
                "means; a signed document must use that term"
            )
            continue
        for vocab in vocabs:
            if vocab and iri.startswith(vocab):
                rest = iri[len(vocab) :]
                if rest and rest != term and ":" not in rest and "/" not in rest and "#" not in rest:
                    tdef.shadow = (
                        f"{term!r} is defined by the document to mean {iri}, which the key "
                        f"{rest!r} means through @vocab; a signed document must use that key"
                    )
                    break


def create_term(
    active: ActiveContext,
    local: dict[str, Any],
    term: str,
    defined: dict[str, bool],
    *,
    protected: bool | None = None,
    override_protected: bool = False,
) -> None:
    """JSON-LD 1.1 Create Term Definition (§4.2.2), mutating ``active``."""
    state = defined.get(term)
    if state is True:
        return
    if state is False:
        raise ctx_error(f"cyclic IRI mapping for term {term!r}")
    if term == "":
        raise ctx_error("invalid term definition: empty term")
    if protected is None:
        protected = local.get("@protected", False) is True
    defined[term] = False
    value = local[term]
    if term == "@type":
        if not (
            isinstance(value, dict)
            and value
            and set(value) <= {"@container", "@protected"}
            and value.get("@container", "@set") == "@set"
            and isinstance(value.get("@protected", False), bool)
        ):
            raise ctx_error("keyword redefinition of @type")
        tdef = TermDef()
        tdef.iri = "@type"
        tdef.container = frozenset(["@set"]) if "@container" in value else frozenset()
        tdef.protected = value.get("@protected", protected)
        previous = active.type_term
        if previous is not None and previous.protected and not override_protected:
            if not tdef.same_as(previous):
                raise ctx_error("protected term redefinition of '@type'")
            tdef = previous
        active.type_term = tdef
        if tdef.protected:
            active.has_protected = True
        defined[term] = True
        return
    if term in KEYWORDS:
        raise ctx_error(f"keyword redefinition of {term!r}")
    if _KEYWORD_FORM.fullmatch(term):
        defined[term] = True
        return
    previous = active.terms.pop(term, None)
    simple = False
    if value is None:
        value = {"@id": None}
    elif isinstance(value, str):
        value = {"@id": value}
        simple = True
    elif not isinstance(value, dict):
        raise ctx_error(f"invalid term definition for {term!r}")
    for key in value:
        if key not in _TERM_KEYS:
            raise ctx_error(f"invalid term definition for {term!r}: unknown key {key!r}")
    tdef = TermDef()
    if "@protected" in value:
        if not isinstance(value["@protected"], bool):
            raise ctx_error(f"invalid @protected value for {term!r}")
        tdef.protected = value["@protected"]
    else:
        tdef.protected = protected
    if "@type" in value:
        tval = value["@type"]
        if not isinstance(tval, str):
            raise ctx_error(f"invalid type mapping for {term!r}")
        tiri = expand_iri(active, tval, vocab=True, local=local, defined=defined)
        if tiri not in ("@id", "@json", "@none", "@vocab") and (
            tiri is None or not is_absolute_iri(tiri) or tiri.startswith("_:")
        ):
            raise ctx_error(f"invalid type mapping {tval!r} for {term!r}")
        tdef.type = tiri
    if "@reverse" in value:
        raise ctx_error(f"@reverse term {term!r} is not supported")
    if "@nest" in value:
        raise ctx_error(f"@nest in term {term!r} is not supported")
    if "@index" in value:
        raise ctx_error(f"@index in term {term!r} is not supported")
    if "@id" in value and value["@id"] != term:
        id_value = value["@id"]
        if id_value is None:
            tdef.iri = None
        else:
            if not isinstance(id_value, str):
                raise ctx_error(f"invalid IRI mapping for {term!r}")
            if id_value not in KEYWORDS and _KEYWORD_FORM.fullmatch(id_value):
                defined[term] = True
                if previous is not None:
                    active.terms[term] = previous
                return
            iri = expand_iri(active, id_value, vocab=True, local=local, defined=defined)
            if iri is None or not (iri in KEYWORDS or is_absolute_iri(iri) or iri.startswith("_:")):
                raise ctx_error(f"invalid IRI mapping {id_value!r} for {term!r}")
            if iri == "@context":
                raise ctx_error("invalid keyword alias: @context")
            tdef.iri = iri
            if term.find(":", 1) not in (-1, len(term) - 1) or "/" in term:
                defined[term] = True
                if expand_iri(active, term, vocab=True, local=local, defined=defined) != iri:
                    raise ctx_error(f"invalid IRI mapping: term {term!r} conflicts with its IRI")
            if ":" not in term and "/" not in term and simple and (
                iri[-1:] in _GEN_DELIMS or iri.startswith("_:")
            ):
                tdef.prefix = True
    elif term.find(":", 1) > 0:
        prefix, _, suffix = term.partition(":")
        if prefix in local:
            create_term(active, local, prefix, defined)
        pdef = active.terms.get(prefix)
        if pdef is not None and pdef.iri is not None:
            tdef.iri = pdef.iri + suffix
        else:
            tdef.iri = term
    elif "/" in term:
        iri = expand_iri(active, term, vocab=True)
        if iri is None or not is_absolute_iri(iri):
            raise ctx_error(f"invalid IRI mapping for {term!r}")
        tdef.iri = iri
    elif active.vocab is not None:
        tdef.iri = active.vocab + term
    else:
        raise ctx_error(f"invalid IRI mapping: term {term!r} has no IRI and there is no @vocab")
    if "@container" in value:
        cval = value["@container"]
        items = cval if isinstance(cval, list) else [cval]
        if not items or any(not isinstance(c, str) or c not in _CONTAINERS for c in items):
            raise ctx_error(f"invalid container mapping for {term!r}")
        container = frozenset(items)
        if container & {"@id", "@type"}:
            raise ctx_error(f"@id/@type maps (term {term!r}) are not supported")
        if "@list" in container and len(container) > 1:
            raise ctx_error(f"invalid container mapping for {term!r}")
        tdef.container = container
    if "@context" in value:
        tdef.context = value["@context"]
        tdef.has_context = True
        tdef.ctx_key = context_key(tdef.context)
    if "@language" in value and "@type" not in value:
        lang = value["@language"]
        if lang is not None and not (isinstance(lang, str) and is_language_tag(lang)):
            raise ctx_error(f"invalid language mapping for {term!r}")
        tdef.language = lang.lower() if isinstance(lang, str) else None
        tdef.has_language = True
    if "@direction" in value and "@type" not in value:
        direction = value["@direction"]
        if direction not in (None, "ltr", "rtl"):
            raise ctx_error(f"invalid base direction for {term!r}")
        tdef.direction = direction
        tdef.has_direction = True
    if "@prefix" in value:
        if ":" in term or "/" in term or not isinstance(value["@prefix"], bool):
            raise ctx_error(f"invalid @prefix for {term!r}")
        tdef.prefix = value["@prefix"]
    if previous is not None and previous.protected and not override_protected:
        if not tdef.same_as(previous):
            raise VCError(
                MALFORMED_VALUE_ERROR,
                f"invalid JSON-LD: protected term redefinition of {term!r}",
            )
        tdef = previous
    elif active.tainted and tdef.has_context:
        # Conservative: any scoped context first seen in a tainted context is
        # treated as document-supplied.
        tdef.inline = True
    active.terms[term] = tdef
    if tdef.protected:
        active.has_protected = True
    defined[term] = True
