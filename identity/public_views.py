"""Public identity endpoints: organisations' DID documents and logos (no login).

A did:web resolver anywhere fetches ``/orgs/<slug>/did.json``; it is public by
nature, so it is served to any origin. Errors are problem details, as a
resolver is a program, not a person.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from identity.problems import NOT_FOUND, problem_response
from identity.jsonutil import dumps
from identity.models import Organisation
from identity.selectors import hosted_did_documents, organisation_did_prefix

DID_CONTENT_TYPE = "application/did+json"
# The slug rule of Organisation.slug (a SlugField): anything else cannot exist.
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,63}")


def _not_found(what: str) -> HttpResponse:
    response = problem_response(404, NOT_FOUND, f"no such {what}")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def organisation_did_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's DID document, built from its keys at request time."""
    if not _SLUG.fullmatch(slug):
        return _not_found("organisation")
    try:
        document = hosted_did_documents()[organisation_did_prefix() + slug]
    except KeyError:
        return _not_found("organisation")
    response = HttpResponse(dumps(document).encode("utf-8"), content_type=DID_CONTENT_TYPE)
    response["Access-Control-Allow-Origin"] = "*"
    # Short: a rotated or compromised key must reach verifiers soon.
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_safe
def organisation_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's logo image (PNG or JPEG, checked on upload)."""
    if not _SLUG.fullmatch(slug):
        return _not_found("logo")
    organisation = Organisation.objects.filter(slug=slug).only("logo", "logo_type").first()
    if organisation is None or not organisation.logo or not organisation.logo_type:
        return _not_found("logo")
    response = HttpResponse(bytes(organisation.logo), content_type=organisation.logo_type)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=3600"
    return response
