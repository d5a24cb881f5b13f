"""Error type shared by the pure core (keys, DIDs, credentials).

It lives in ``identity``, the lowest layer, so that keys and DIDs can raise it
without importing ``credentials``; :mod:`credentials.vc.errors` re-exports it.

Every failure the core reports carries a stable ``code`` taken from the W3C
specifications (VC Data Model 2.0 §7.1 "Processing errors", Data Integrity 1.0
§2.6, Controlled Identifiers §3.4, Bitstring Status List §3.6) so that the CLI,
the HTTP API (RFC 9457 problem details) and the verification result speak the
same language.
"""

from __future__ import annotations

__all__ = [
    "PARSING_ERROR",
    "CRYPTOGRAPHIC_SECURITY_ERROR",
    "MALFORMED_VALUE_ERROR",
    "RANGE_ERROR",
    "PROOF_GENERATION_ERROR",
    "PROOF_VERIFICATION_ERROR",
    "PROOF_TRANSFORMATION_ERROR",
    "INVALID_DOMAIN_ERROR",
    "INVALID_CHALLENGE_ERROR",
    "INVALID_VERIFICATION_METHOD_URL",
    "INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID",
    "INVALID_CONTROLLED_IDENTIFIER_DOCUMENT",
    "INVALID_VERIFICATION_METHOD",
    "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD",
    "STATUS_RETRIEVAL_ERROR",
    "STATUS_VERIFICATION_ERROR",
    "STATUS_LIST_LENGTH_ERROR",
    "DID_INVALID",
    "DID_NOT_FOUND",
    "DID_METHOD_NOT_SUPPORTED",
    "DID_INTERNAL_ERROR",
    "TITLES",
    "VCError",
    "type_uri",
]

# VC Data Model 2.0 processing errors.
PARSING_ERROR = "PARSING_ERROR"
CRYPTOGRAPHIC_SECURITY_ERROR = "CRYPTOGRAPHIC_SECURITY_ERROR"
MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"
RANGE_ERROR = "RANGE_ERROR"

# Data Integrity 1.0.
PROOF_GENERATION_ERROR = "PROOF_GENERATION_ERROR"
PROOF_VERIFICATION_ERROR = "PROOF_VERIFICATION_ERROR"
PROOF_TRANSFORMATION_ERROR = "PROOF_TRANSFORMATION_ERROR"
INVALID_DOMAIN_ERROR = "INVALID_DOMAIN_ERROR"
INVALID_CHALLENGE_ERROR = "INVALID_CHALLENGE_ERROR"

# Controlled Identifiers 1.0 (verification-method retrieval).
INVALID_VERIFICATION_METHOD_URL = "INVALID_VERIFICATION_METHOD_URL"
INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID = "INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID"
INVALID_CONTROLLED_IDENTIFIER_DOCUMENT = "INVALID_CONTROLLED_IDENTIFIER_DOCUMENT"
INVALID_VERIFICATION_METHOD = "INVALID_VERIFICATION_METHOD"
INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD = "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD"

# Bitstring Status List 1.0.
STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"

# DID Resolution (resolution metadata ``error`` values).
DID_INVALID = "invalidDid"
DID_NOT_FOUND = "notFound"
DID_METHOD_NOT_SUPPORTED = "methodNotSupported"
DID_INTERNAL_ERROR = "internalError"

# Titles used for problem details; unknown codes fall back to the code itself.
TITLES: dict[str, str] = {
    PARSING_ERROR: "The input could not be parsed",
    CRYPTOGRAPHIC_SECURITY_ERROR: "A cryptographic check failed",
    MALFORMED_VALUE_ERROR: "A value is malformed",
    RANGE_ERROR: "A value is out of range",
    PROOF_GENERATION_ERROR: "The proof could not be generated",
    PROOF_VERIFICATION_ERROR: "The proof did not verify",
    PROOF_TRANSFORMATION_ERROR: "The document could not be transformed for proving",
    INVALID_DOMAIN_ERROR: "The proof domain does not match",
    INVALID_CHALLENGE_ERROR: "The proof challenge does not match",
    INVALID_VERIFICATION_METHOD_URL: "The verification method URL is invalid",
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID: "The controller document id does not match",
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT: "The controller document is invalid",
    INVALID_VERIFICATION_METHOD: "The verification method is invalid",
    INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD: "The verification method is not authorized for this purpose",
    STATUS_RETRIEVAL_ERROR: "The status list could not be retrieved",
    STATUS_VERIFICATION_ERROR: "The status list could not be verified",
    STATUS_LIST_LENGTH_ERROR: "The status list is too short",
    DID_INVALID: "The DID is invalid",
    DID_NOT_FOUND: "The DID was not found",
    DID_METHOD_NOT_SUPPORTED: "The DID method is not supported",
    DID_INTERNAL_ERROR: "DID resolution failed",
}


def type_uri(code: str) -> str:
    """The problem-details ``type`` URI for ``code``."""
    if code.startswith("STATUS_"):
        return f"https://www.w3.org/TR/vc-bitstring-status-list/#{code}"
    if code in {
        PROOF_GENERATION_ERROR,
        PROOF_VERIFICATION_ERROR,
        PROOF_TRANSFORMATION_ERROR,
        INVALID_DOMAIN_ERROR,
        INVALID_CHALLENGE_ERROR,
    }:
        return f"https://w3id.org/security#{code}"
    if code.startswith("INVALID_"):
        return f"https://www.w3.org/TR/cid-1.0/#{code}"
    if code[:1].islower():
        return f"https://www.w3.org/ns/did#{code}"
    return f"https://www.w3.org/TR/vc-data-model#{code}"


class VCError(Exception):
    """A failure with a stable machine-readable ``code`` and a human message.

    Primitives raise it; the verification pipeline turns it into a failed check.
    """

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def __repr__(self) -> str:
        return f"VCError({self.code!r}, {self.message!r})"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
