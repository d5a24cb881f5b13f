"""Registrar portal pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from identity.access import memberships_of


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """The organisations the user belongs to."""
    return render(request, "portal/home.html", {"memberships": memberships_of(request.user)})
