"""Public credential pages and files (no login): verification, downloads, status lists, claim links.

Everything here is reached by an opaque identifier (a credential's 128-bit
public id, a status list id, a claim token); nothing personal is ever in a URL.
The verification page renders only a document that passed the verification
pipeline, never the stored copy on its own word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from anchoring.selectors import anchor_status_for
from credentials.models import Credential
from credentials.pdf import credential_pdf, diploma_facts, qr_png, qr_svg
from credentials.problems import NOT_FOUND, problem_response
from credentials.selectors import credential_get_public, status_list_get
from credentials.services import credential_anchor_verify, claim_link_open, credential_verify, status_list_document, verification_url
from credentials.vc.jsonutil import dumps
from credentials.vc.verify import FAILED, PASSED, VerificationResult

_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{16,32}")
# The media type of a VC 2.0 credential secured with an embedded proof (VC DM 2.0 §6.3).
VC_CONTENT_TYPE = "application/vc"

CHECK_LABELS = {
    "structure": _("Data model"),
    "proof": _("Digital signature"),
    "issuer": _("Issuer"),
    "status": _("Revocation and suspension"),
    "validity": _("Validity period"),
}
CHECK_PASSED = {
    "structure": _("The credential follows the W3C Verifiable Credentials data model."),
    "proof": _("The digital signature is intact: nothing has been changed since the credential was signed."),
    "issuer": _("The signing key belongs to the organisation named as the issuer."),
    "status": _("The issuer has neither revoked nor suspended the credential."),
    "validity": _("The credential is within its validity period."),
}
STATUS_LABELS = {
    PASSED: _("Passed"),
    FAILED: _("Failed"),
    "skipped": _("Not checked"),
}
CODE_EXPLANATIONS = {
    "REVOKED": _("The issuer has revoked this credential."),
    "SUSPENDED": _("The issuer has suspended this credential for now."),
    "PROOF_VERIFICATION_ERROR": _("The signature does not match the content: the credential may have been altered."),
    "CRYPTOGRAPHIC_SECURITY_ERROR": _("The signature does not match the content: the credential may have been altered."),
    "PROOF_TRANSFORMATION_ERROR": _("The signed content could not be processed."),
    "MALFORMED_VALUE_ERROR": _("A value in the credential is malformed."),
    "PARSING_ERROR": _("The credential could not be read."),
    "RANGE_ERROR": _("A value is out of range, for example a date outside the validity period."),
    "STATUS_RETRIEVAL_ERROR": _("The issuer's status list could not be retrieved."),
    "STATUS_VERIFICATION_ERROR": _("The issuer's status list could not be verified."),
    "STATUS_LIST_LENGTH_ERROR": _("The issuer's status list is too short."),
    "INVALID_VERIFICATION_METHOD": _("The signing key is not one the issuer may sign with."),
    "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD": _("The signing key is not one the issuer may sign with."),
}
ANCHOR_STATES = {
    "pending": _("Waiting to be anchored"),
    "sealed": _("In an anchoring batch, not yet sent"),
    "sent": _("Sent to the blockchain, not yet final"),
    "confirmed": _("Anchored on the blockchain (final)"),
    "unknown": _("Not anchored"),
}


@dataclass(frozen=True)
class CheckRow:
    """One line of the checks table, in words."""

    check: str
    label: str
    status: str
    status_label: str
    code: str
    explanation: str
    message: str


def _check_rows(result: VerificationResult) -> list[CheckRow]:
    rows = []
    for check in result.checks:
        if check.status == PASSED:
            explanation = CHECK_PASSED.get(check.check, "")
        elif check.code:
            explanation = CODE_EXPLANATIONS.get(check.code, _("See the technical detail."))
        elif check.status == "skipped":
            explanation = _("Not checked, because an earlier check failed.")
        else:
            explanation = ""
        rows.append(
            CheckRow(
                check=check.check,
                label=str(CHECK_LABELS.get(check.check, check.check)),
                status=check.status,
                status_label=str(STATUS_LABELS.get(check.status, check.status)),
                code=check.code or "",
                explanation=str(explanation),
                message=check.message,
            )
        )
    return rows


def _verdict(result: VerificationResult) -> str:
    """verified, revoked, suspended or invalid."""
    if result.verified:
        return "verified"
    for check in result.checks:
        if check.check == "status" and check.status == FAILED and check.code in ("REVOKED", "SUSPENDED"):
            return check.code.lower()
    return "invalid"


def _authentic_document(credential: Credential, result: VerificationResult) -> dict[str, Any] | None:
    """The document to show: the verified one, or, when only status or validity
    failed, the one whose signature and issuer verified (so that a verifier sees
    what was revoked)."""
    if result.verified:
        return result.document
    passed = {c.check for c in result.checks if c.status == PASSED}
    if not {"structure", "proof", "issuer"} <= passed:
        return None
    authentic = credential_verify(credential=credential.document, checks=["proof", "issuer"])
    return authentic.document if authentic.verified else None


def _private(response: HttpResponse) -> HttpResponse:
    """Diplomas are personal: not for search engines."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "public/not_found.html", status=404))


def _credential(public_id: str) -> Credential | None:
    if not _PUBLIC_ID.fullmatch(public_id):
        return None
    return credential_get_public(public_id=public_id)


@require_safe
def credential_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """The public verification page: the verified credential and every check, in words."""
    credential = _credential(public_id)
    if credential is None:
        return _not_found(request)
    if request.GET.get("format") == "json":
        return credential_json(request, public_id)
    result = credential_verify(credential=credential.document)
    document = _authentic_document(credential, result)
    anchor = anchor_status_for(ref=credential.public_id)
    # Ask the chains themselves only for a credential that verified and whose
    # anchor the database says is final: the page's answer must not rest on our
    # own records alone, and a node that is down costs at most a few seconds.
    onchain = credential_anchor_verify(credential=credential) if document is not None and anchor.get("state") == "confirmed" else []
    context = {
        "onchain": onchain,
        "public_id": credential.public_id,
        "organisation": credential.organisation,
        "verdict": _verdict(result),
        "facts": diploma_facts(document) if document is not None else None,
        "checks": _check_rows(result),
        "anchor": anchor,
        "anchor_label": ANCHOR_STATES.get(anchor.get("state", "unknown"), anchor.get("state")),
        "url": verification_url(credential.public_id),
    }
    response = render(request, "public/verify.html", context)
    # The answer changes when the issuer revokes: never serve a stale "verified".
    response["Cache-Control"] = "no-cache"
    return _private(response)


@require_safe
def credential_json(request: HttpRequest, public_id: str) -> HttpResponse:
    """The signed credential as a JSON file to download."""
    credential = _credential(public_id)
    if credential is None:
        return _not_found(request)
    response = HttpResponse(dumps(credential.document).encode("utf-8"), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.public_id}.json"'
    return _private(response)


@require_safe
def credential_pdf_download(request: HttpRequest, public_id: str) -> HttpResponse:
    """The printable A4 diploma (it shows only what the public page shows)."""
    credential = _credential(public_id)
    if credential is None:
        return _not_found(request)
    # Like the page, the PDF prints only a document whose signature and issuer
    # verify: a changed row must not become a diploma with a genuine QR code.
    if not credential_verify(credential=credential.document, checks=["proof", "issuer"]).verified:
        return _not_found(request)
    response = HttpResponse(credential_pdf(credential), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="diploma-{credential.public_id}.pdf"'
    return _private(response)


@require_safe
def credential_qr(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    """The QR code of the credential's verification URL (SVG or PNG)."""
    credential = _credential(public_id)
    if credential is None:
        return _not_found(request)
    url = verification_url(credential.public_id)
    if fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr_png(url), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return _private(response)


def credential_not_found(request: HttpRequest) -> HttpResponse:
    """Any other path under /v/: the same friendly page as an unknown id."""
    return _not_found(request)


@require_safe
def status_list(request: HttpRequest, slug: str, list_id: str) -> HttpResponse:
    """A signed Bitstring Status List credential, public and cacheable for five minutes."""
    found = status_list_get(slug=slug, public_id=list_id) if _PUBLIC_ID.fullmatch(list_id) else None
    if found is None:
        response = problem_response(404, NOT_FOUND, "no such status list")
    else:
        response = HttpResponse(dumps(status_list_document(status_list=found)).encode("utf-8"), content_type=VC_CONTENT_TYPE)
        # Matches the list's own ttl (300 000 ms): a revocation shows within five minutes.
        response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _token_page(response: HttpResponse) -> HttpResponse:
    # The token is a capability: it must not leak through Referer headers or caches.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return _private(response)


@require_safe
def claim_page(request: HttpRequest, token: str) -> HttpResponse:
    """A holder's claim link: their credential with its downloads, or why the link no longer works."""
    credential = claim_link_open(token=token)
    if credential is None:
        return _token_page(render(request, "public/claim_gone.html", status=404))
    context = {
        "credential": credential,
        "organisation": credential.organisation,
        "facts": diploma_facts(credential.document),
        "public_id": credential.public_id,
    }
    return _token_page(render(request, "public/claim.html", context))


def claim_not_found(request: HttpRequest) -> HttpResponse:
    """Any other path under /claim/."""
    return _token_page(render(request, "public/claim_gone.html", status=404))
