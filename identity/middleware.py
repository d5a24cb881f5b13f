"""Portal access rules for organisation staff (see STAFF_MFA_REQUIRED)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from identity.models import Membership
from identity.problems import PERMISSION_DENIED, problem_response

# The guarded parts of the site. Everything else (the MFA pages themselves,
# logout, password change, static files, public pages) stays reachable, so an
# unenrolled member can always get to the enrolment page or leave.
# Platform operators (is_staff) are held to the same rule on the admin and the
# operator pages.
_GUARDED_PREFIXES = ("/portal/", "/api/", "/admin/", "/anchoring/")


def staff_needs_totp(user: object) -> bool:
    """Whether ``user`` is staff (an organisation member or a platform operator) without a TOTP authenticator."""
    from allauth.mfa.models import Authenticator

    if not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_staff", False) and not Membership.objects.filter(user_id=user.pk).exists():  # type: ignore[attr-defined]
        return False
    return not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()  # type: ignore[attr-defined]


class StaffMFAMiddleware:
    """Organisation staff must enrol TOTP before they use the portal or the API with their session.

    A portal page redirects to allauth's TOTP activation page with a message; an
    API call with a session cookie gets a 403 problem (a script polling the API
    cannot follow a redirect to an HTML form). API keys are not sessions: the
    request's user is anonymous here, so key-authenticated calls are not affected.
    The setting is read per request so that tests can switch it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.STAFF_MFA_REQUIRED
            and request.path.startswith(_GUARDED_PREFIXES)
            and staff_needs_totp(getattr(request, "user", None))
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        enrol = reverse("mfa_activate_totp")
        if request.path.startswith("/api/"):
            return problem_response(
                403, PERMISSION_DENIED, "organisation staff must set up two-factor authentication (TOTP) first", enrol=enrol
            )
        text = _(
            "Organisation staff must set up two-factor authentication before using the portal. "
            "Scan the code with an authenticator app and enter the code it shows."
        )
        storage = messages.get_messages(request)
        queued = any(message.message == text for message in storage)
        storage.used = False  # looking must not consume them
        if not queued:  # one notice however many portal pages bounced here
            messages.warning(request, text)
        return HttpResponseRedirect(enrol)
