"""Site-wide pages: the home page and the error handlers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error

from credentials.problems import is_api_path, problem_400, problem_403, problem_404, problem_500

EXAMPLE_DID = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def home(request: HttpRequest) -> HttpResponse:
    """What the platform is, and how to call its public APIs."""
    base = request.build_absolute_uri("/").rstrip("/")
    return render(request, "home.html", {"base_url": base, "example_did": EXAMPLE_DID})


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Problem details on API paths, the HTML page elsewhere."""
    if is_api_path(request.path):
        return problem_400(request)
    return bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Problem details on API paths, the HTML page elsewhere."""
    if is_api_path(request.path):
        return problem_403(request)
    return permission_denied(request, exception)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Problem details on API paths, the HTML page elsewhere."""
    if is_api_path(request.path):
        return problem_404(request)
    return page_not_found(request, exception)


@requires_csrf_token
def handler500(request: HttpRequest) -> HttpResponse:
    """Problem details on API paths, the HTML page elsewhere; never a traceback."""
    if is_api_path(request.path):
        return problem_500(request)
    return server_error(request)
