"""Anchoring pages: the operator overview and batches (staff only), a credential's status (public)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from anchoring import selectors
from anchoring.models import AnchorBatch


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the login page; signed-in users who are not staff get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@staff_required
def operator_page(request: HttpRequest) -> HttpResponse:
    """Backlog, batches in flight, the last anchor and health of every chain."""
    overview = selectors.anchor_operator_overview()
    overview["batches"] = [selectors.anchor_batch_status(batch=b) for b in overview["batches"]]
    return render(request, "anchoring/operator.html", overview)


@staff_required
def batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    """One batch: root, size, per-chain state and transaction."""
    batch = AnchorBatch.objects.prefetch_related("anchors").filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return render(request, "anchoring/batch.html", {"batch": selectors.anchor_batch_status(batch=batch)})


def credential_status_page(request: HttpRequest, ref: str) -> HttpResponse:
    """A credential's anchoring status, public like its receipt (the id is the secret)."""
    status = selectors.anchor_status_for(ref=ref[:64])
    if status["state"] == selectors.UNKNOWN:
        raise Http404
    return render(request, "anchoring/credential.html", {"status": status})
