"""A work budget shared by every JSON-LD conversion and canonicalization in one scope.

Per-call budgets bound one canonicalization; a presentation holds many
credentials, each with several proofs, so the verifier opens one scope for a
whole verification::

    with work_budget(200_000):
        verify_presentation(...)

Inside it, :func:`credentials.vc.jsonld.canonicalize` (Hash N-Degree Quads
work) and :func:`credentials.vc.jsonld.to_rdf` (context processing work) draw
from the scope as well as from their own per-call limits, and fail with
``PROOF_TRANSFORMATION_ERROR`` once it is spent. Scopes nest: an inner scope
also draws from every enclosing one. The scope lives in a ``ContextVar``, so
threads and asyncio tasks each see their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["WorkBudget", "current_work_budget", "work_budget"]


class WorkBudget:
    """Units left in one :func:`work_budget` scope (and its enclosing scopes)."""

    __slots__ = ("units", "remaining", "parent")

    def __init__(self, units: int, parent: WorkBudget | None) -> None:
        self.units = units
        self.remaining = units
        self.parent = parent

    def available(self) -> int:
        """Units that may still be spent: the least left in this scope or any enclosing one."""
        left = self.remaining
        scope = self.parent
        while scope is not None:
            if scope.remaining < left:
                left = scope.remaining
            scope = scope.parent
        return max(left, 0)

    def charge(self, units: int) -> None:
        """Record ``units`` spent in this scope and every enclosing one."""
        scope: WorkBudget | None = self
        while scope is not None:
            scope.remaining -= units
            scope = scope.parent

    @property
    def spent(self) -> int:
        """Units charged to this scope so far."""
        return self.units - self.remaining


_SHARED: ContextVar[WorkBudget | None] = ContextVar("jsonld_work_budget", default=None)


def current_work_budget() -> WorkBudget | None:
    """The innermost open :func:`work_budget` scope, or None."""
    return _SHARED.get()


@contextmanager
def work_budget(units: int) -> Iterator[WorkBudget]:
    """Open a scope in which all JSON-LD work draws on ``units`` shared units.

    Yields the :class:`WorkBudget` (``.remaining``, ``.spent``). Raises
    ``ValueError`` for a negative or non-integer ``units``.
    """
    if not isinstance(units, int) or isinstance(units, bool) or units < 0:
        raise ValueError("a work budget is a non-negative integer")
    budget = WorkBudget(units, _SHARED.get())
    token = _SHARED.set(budget)
    try:
        yield budget
    finally:
        _SHARED.reset(token)
