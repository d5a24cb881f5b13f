"""Portal access rules for organisation staff (see STAFF_MFA_REQUIRED)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class StaffMFAMiddleware:
    """Placeholder: replaced by the accounts work (staff must enrol TOTP before using the portal)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
