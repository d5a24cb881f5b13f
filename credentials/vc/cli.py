"""The ``vc`` command: keys, issuing, presenting, verifying and resolving DIDs.

Every outcome is JSON on stdout (errors too: ``{"error": {"code", "message"}}``),
never a traceback. Exit status: 0 verified / done, 1 not verified, 2 unusable input.
``--jsonl`` on ``issue`` and ``verify`` reads one input per line and writes one
output per line, all in one process.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn, TextIO

from .errors import MALFORMED_VALUE_ERROR, PARSING_ERROR, VCError
from .jsonutil import dumps, loads

EXIT_OK, EXIT_NOT_VERIFIED, EXIT_UNUSABLE = 0, 1, 2

SUITES = (
    "eddsa-rdfc-2022",
    "eddsa-jcs-2022",
    "ecdsa-rdfc-2019",
    "ecdsa-jcs-2019",
    "vc-jwt",
    "ed25519-signature-2018",
)
KEY_TYPES = {"ed25519": "Ed25519", "p256": "P-256", "p384": "P-384"}


class UsageError(VCError):
    """Bad command-line usage; reported as JSON like every other error."""

    def __init__(self, message: str) -> None:
        super().__init__("USAGE_ERROR", message)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would print usage text to stderr
        raise UsageError(message)


# --- inputs -----------------------------------------------------------------


def _read_text(path: str, stdin: TextIO) -> str:
    if path == "-":
        return stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VCError(PARSING_ERROR, f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise VCError(PARSING_ERROR, f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise VCError(PARSING_ERROR, f"cannot read {path}: {exc.strerror}") from None


def _read_json_file(path: str) -> Any:
    return loads(_read_text(path, sys.stdin))


def _inputs(path: str, jsonl: bool, stdin: TextIO) -> Iterator[str]:
    if not jsonl:
        yield _read_text(path, stdin)
        return
    stream: Iterable[str] = stdin if path == "-" else _read_text(path, stdin).splitlines()
    for line in stream:
        if line.strip():
            yield line


def _load_key(path: str) -> tuple[Any, str | None]:
    """A private key file: ``vc keygen`` output, a W3C vector key pair, or a private JWK."""
    from identity.keys import PrivateKey

    data = _read_json_file(path)
    if not isinstance(data, dict):
        raise VCError(MALFORMED_VALUE_ERROR, f"{path}: a key file must be a JSON object")
    secret = data.get("secretKeyMultibase") or data.get("privateKeyMultibase")
    if isinstance(secret, str):
        key = PrivateKey.from_multibase(secret)
        public = data.get("publicKeyMultibase")
        if public is not None and public != key.public_key.multibase():
            raise VCError(MALFORMED_VALUE_ERROR, f"{path}: publicKeyMultibase does not match the secret key")
    elif "d" in data:
        key = PrivateKey.from_jwk(data)
    elif isinstance(data.get("privateKeyJwk"), dict):
        key = PrivateKey.from_jwk(data["privateKeyJwk"])
    else:
        raise VCError(MALFORMED_VALUE_ERROR, f"{path}: no secretKeyMultibase, privateKeyMultibase or private JWK")
    vm = data.get("verificationMethod")
    return key, vm if isinstance(vm, str) else None


def _did_key_vm(public_key: Any) -> tuple[str, str]:
    from identity.did import did_key_from_public_key

    did = did_key_from_public_key(public_key)
    return did, f"{did}#{did.split(':', 2)[2]}"


def _resolver(did_docs: Sequence[str], *, offline: bool = True) -> Any:
    from identity.did import Resolver, WebDIDFetcher

    local: dict[str, Any] = {}
    for path in did_docs:
        doc = _read_json_file(path)
        if isinstance(doc, dict) and "didDocument" in doc:  # a resolution result
            doc = doc["didDocument"]
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            raise VCError(MALFORMED_VALUE_ERROR, f"{path}: a DID document needs an id")
        local[doc["id"]] = doc
    return Resolver(local=local, fetcher=None if offline else WebDIDFetcher())


def _loader(contexts: Sequence[str]) -> Any:
    from .documents import BUNDLED, BundledLoader

    if not contexts:
        return BUNDLED
    extra: dict[str, Any] = {}
    for item in contexts:
        url, sep, path = item.partition("=")
        if not sep:
            raise UsageError(f"--context expects URL=FILE, got {item!r}")
        extra[url] = _read_json_file(path)
    return BundledLoader(extra=extra)


def _status_lists(paths: Sequence[str], *, online: bool = False) -> Mapping[str, Any]:
    # --online: a list not given as a file is fetched (guarded HTTPS, cached for
    # the run), and one that cannot be fetched fails the status check.
    from .verify import _b64url_json, parse_input

    lists: dict[str, Any] = {}
    for path in paths:
        text = _read_text(path, sys.stdin).strip()

        kind, parsed = parse_input(text)
        doc = _b64url_json(parsed.split(".")[1]) if kind == "jwt" else parsed
        ident = doc.get("id") if isinstance(doc, dict) else None
        if not isinstance(ident, str):
            raise VCError(MALFORMED_VALUE_ERROR, f"{path}: a status list credential needs an id")
        lists[ident] = parsed
    if online:
        from .statusfetch import RemoteStatusLists, StatusListFetcher

        return RemoteStatusLists(StatusListFetcher(), local=lists)
    return lists


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    from .model import parse_datetime

    return parse_datetime(value, field="--now")


def _emit(out: TextIO, value: Any) -> None:
    out.write((value if isinstance(value, str) else dumps(value)) + "\n")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


# --- commands ---------------------------------------------------------------


def cmd_keygen(args: argparse.Namespace, out: TextIO) -> int:
    from identity.keys import KeyType, PrivateKey

    if args.from_file:
        # Normalise an existing key (a W3C vector key pair, a private JWK) into
        # the same shape, with its did:key and verification method.
        key, _ = _load_key(args.from_file)
    else:
        key = PrivateKey.generate(KeyType(KEY_TYPES[args.type]))
    did, vm = _did_key_vm(key.public_key)
    _emit(
        out,
        {
            "type": "Multikey",
            "keyType": key.type.value,
            "publicKeyMultibase": key.public_key.multibase(),
            "secretKeyMultibase": key.multibase(),
            "did": did,
            "verificationMethod": vm,
        },
    )
    return EXIT_OK


def _default_suite(key: Any) -> str:
    return "eddsa-rdfc-2022" if key.type.value == "Ed25519" else "ecdsa-rdfc-2019"


def _issuer(credential: dict[str, Any], did: str) -> dict[str, Any]:
    """Name the signer as issuer when the credential leaves it out."""
    if "issuer" not in credential:
        credential = {**credential, "issuer": did}
    return credential


def cmd_issue(args: argparse.Namespace, out: TextIO) -> int:
    from identity.keys import KeySigner

    key, file_vm = _load_key(args.key)
    did, default_vm = _did_key_vm(key.public_key)
    vm = args.verification_method or file_vm or default_vm
    suite = args.suite or _default_suite(key)
    loader = _loader(args.context)
    signer = KeySigner(key, vm)
    if args.created is not None:
        _now(args.created)  # validate early: a bad --created is a usage error, not a bad proof

    def issue_one(text: str) -> Any:
        credential = loads(text)
        if not isinstance(credential, dict):
            raise VCError(PARSING_ERROR, "a credential must be a JSON object")
        credential = _issuer(credential, did)
        from . import model

        model.check_credential(credential)
        if suite == "vc-jwt":
            from . import jose

            return jose.issue_vc_jwt(credential, signer=signer)
        if suite == "ed25519-signature-2018":
            from . import legacy

            return legacy.issue(credential, key=key, verification_method=vm, created=args.created)
        from . import suites

        return suites.add_proof(credential, signer=signer, cryptosuite=suite, created=args.created, loader=loader)

    return _run_many(args, out, issue_one, lambda _: EXIT_OK)


def _run_many(
    args: argparse.Namespace,
    out: TextIO,
    work: Callable[[str], Any],
    exit_for: Callable[[Any], int],
) -> int:
    worst = EXIT_OK
    for text in _inputs(args.input, args.jsonl, sys.stdin):
        try:
            value = work(text)
            code = exit_for(value)
            _emit(out, value.as_dict() if hasattr(value, "as_dict") else value)
        except VCError as exc:
            if not args.jsonl:
                raise
            _emit(out, _error(exc.code, exc.message))
            code = EXIT_UNUSABLE
        worst = max(worst, code)
    return worst


def _checks(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [c.strip() for c in value.split(",") if c.strip()]


def _anchor_check(args: argparse.Namespace, text: str) -> Any:
    """``--anchor-receipt``: the receipt checked against the node at ``--rpc`` (anchoring/receipt.py)."""
    from anchoring.receipt import client_for, verify_receipt

    from .digest import credential_digest
    from .verify import parse_input

    if not args.rpc:
        raise UsageError("--anchor-receipt needs --rpc URL (any node of the receipt's chain)")
    receipt = _read_json_file(args.anchor_receipt)
    _, parsed = parse_input(text)
    digest = credential_digest(parsed)
    return verify_receipt(receipt, digest, client_for(args.rpc), chain=args.anchor_chain,
                          confirmations=args.confirmations, contracts=args.anchor_contract or None)


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    from .verify import verify_credential

    if args.anchor_receipt is not None:
        if args.jsonl:
            raise UsageError("--anchor-receipt checks one credential; it does not combine with --jsonl")
        text = _read_text(args.input, sys.stdin)
        anchor = _anchor_check(args, text)
        if args.checks is not None and _checks(args.checks) == ["anchor"]:
            _emit(out, {"anchor": anchor.as_dict(), "verified": anchor.verified})
            return EXIT_OK if anchor.verified else EXIT_NOT_VERIFIED
        result = verify_credential(
            text, resolver=_resolver(args.did_doc, offline=not args.online), loader=_loader(args.context),
            checks=_checks(args.checks), status_lists=_status_lists(args.status_list, online=args.online),
            now=_now(args.now),
        )
        body = dict(result.as_dict(), anchor=anchor.as_dict())
        body["verified"] = bool(result.verified and anchor.verified)
        _emit(out, body)
        return EXIT_OK if body["verified"] else EXIT_NOT_VERIFIED

    resolver = _resolver(args.did_doc, offline=not args.online)
    loader = _loader(args.context)
    lists = _status_lists(args.status_list, online=args.online)
    now = _now(args.now)
    checks = _checks(args.checks)

    def verify_one(text: str) -> Any:
        return verify_credential(text, resolver=resolver, loader=loader, checks=checks, status_lists=lists, now=now)

    return _run_many(args, out, verify_one, lambda r: EXIT_OK if r.verified else EXIT_NOT_VERIFIED)


def cmd_present(args: argparse.Namespace, out: TextIO) -> int:
    from identity.keys import KeySigner

    from .model import VC_V2
    from .verify import parse_input

    key, file_vm = _load_key(args.key)
    did, default_vm = _did_key_vm(key.public_key)
    vm = args.verification_method or file_vm or default_vm
    credentials: list[Any] = []
    for path in args.credentials:
        kind, parsed = parse_input(_read_text(path, sys.stdin))
        if kind == "jwt":
            credentials.append({"@context": VC_V2, "type": "EnvelopedVerifiableCredential",
                                "id": "data:application/vc+jwt," + parsed})
        else:
            credentials.append(parsed)
    legacy_suite = args.suite == "ed25519-signature-2018"
    presentation: dict[str, Any] = {
        "@context": ["https://www.w3.org/2018/credentials/v1"] if legacy_suite else [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": did if vm.startswith(did) else vm.split("#", 1)[0],
        "verifiableCredential": credentials,
    }
    signer = KeySigner(key, vm)
    suite = args.suite or _default_suite(key)
    if suite == "vc-jwt":
        from . import jose

        _emit(out, jose.issue_vp_jwt(presentation, signer=signer, nonce=args.challenge, audience=args.domain))
    elif legacy_suite:
        from . import legacy

        _emit(out, legacy.present(presentation, key=key, verification_method=vm,
                                  challenge=args.challenge, domain=args.domain))
    else:
        from . import suites

        _emit(out, suites.add_proof(presentation, signer=signer, cryptosuite=suite, proof_purpose="authentication",
                                    challenge=args.challenge, domain=args.domain, loader=_loader(args.context)))
    return EXIT_OK


def cmd_verify_presentation(args: argparse.Namespace, out: TextIO) -> int:
    from .verify import verify_presentation

    result = verify_presentation(
        _read_text(args.input, sys.stdin),
        resolver=_resolver(args.did_doc, offline=not args.online),
        challenge=args.challenge,
        domain=args.domain,
        loader=_loader(args.context),
        checks=_checks(args.checks),
        status_lists=_status_lists(args.status_list, online=args.online),
        now=_now(args.now),
    )
    _emit(out, result.as_dict())
    return EXIT_OK if result.verified else EXIT_NOT_VERIFIED


def cmd_did_resolve(args: argparse.Namespace, out: TextIO) -> int:
    from identity.did import resolution_result

    status, result = resolution_result(args.did, _resolver(args.did_doc, offline=not args.online))
    _emit(out, result)
    return EXIT_OK if status == 200 else (EXIT_UNUSABLE if status == 400 else EXIT_NOT_VERIFIED)


# --- wiring -----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vc", description="Lianzheng verifiable-credential tool")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("keygen", help="generate a key (Multikey JSON with its did:key)")
    p.add_argument("--type", choices=sorted(KEY_TYPES), default="ed25519")
    p.add_argument("--from", dest="from_file", metavar="FILE",
                   help="read an existing key (W3C vector key pair or private JWK) instead of generating one")
    p.set_defaults(func=cmd_keygen)

    def common_verify(p: argparse.ArgumentParser) -> None:
        p.add_argument("--did-doc", action="append", default=[], metavar="FILE", help="a DID document to trust")
        p.add_argument("--status-list", action="append", default=[], metavar="FILE", help="a status list credential")
        p.add_argument("--checks", help="comma-separated: proof,issuer,status,validity (default all)")
        p.add_argument("--now", help="verify as of this XML Schema dateTime")
        p.add_argument("--online", action="store_true",
                       help="fetch foreign did:web documents and status lists over guarded HTTPS")

    def context_opt(p: argparse.ArgumentParser) -> None:
        p.add_argument("--context", action="append", default=[], metavar="URL=FILE",
                       help="an extra JSON-LD context served from a local file")

    p = sub.add_parser("issue", help="sign a credential")
    p.add_argument("--key", required=True, metavar="FILE")
    p.add_argument("--suite", choices=SUITES)
    p.add_argument("--verification-method", metavar="URL")
    p.add_argument("--created", metavar="ISO")
    p.add_argument("--jsonl", action="store_true", help="one credential per line in, one per line out")
    context_opt(p)
    p.add_argument("input", nargs="?", default="-", metavar="FILE")
    p.set_defaults(func=cmd_issue)

    p = sub.add_parser("verify", help="verify a credential (JSON or compact VC-JWT)")
    common_verify(p)
    context_opt(p)
    p.add_argument("--jsonl", action="store_true", help="one credential per line in, one result per line out")
    p.add_argument("--anchor-receipt", metavar="FILE",
                   help="also check this anchor receipt (GET /api/v1/credentials/{id}/anchor) on the chain; "
                        "--checks anchor checks only the receipt")
    p.add_argument("--rpc", metavar="URL", help="a JSON-RPC endpoint of the receipt's chain")
    p.add_argument("--anchor-chain", metavar="NAME", help="check the receipt's anchor on this chain (default: its first)")
    p.add_argument("--anchor-contract", action="append", default=[], metavar="ADDRESS",
                   help="trust only anchors by this contract (the platform's; repeatable)")
    p.add_argument("--confirmations", type=int, metavar="K",
                   help="require K confirmations instead of the receipt's finality rule")
    p.add_argument("input", nargs="?", default="-", metavar="FILE")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("present", help="wrap credentials in a signed presentation")
    p.add_argument("--key", required=True, metavar="FILE")
    p.add_argument("--challenge", required=True)
    p.add_argument("--domain")
    p.add_argument("--suite", choices=SUITES)
    p.add_argument("--verification-method", metavar="URL")
    context_opt(p)
    p.add_argument("credentials", nargs="+", metavar="VC")
    p.set_defaults(func=cmd_present)

    p = sub.add_parser("verify-presentation", help="verify a presentation and its credentials")
    p.add_argument("--challenge", required=True)
    p.add_argument("--domain")
    common_verify(p)
    context_opt(p)
    p.add_argument("input", nargs="?", default="-", metavar="FILE")
    p.set_defaults(func=cmd_verify_presentation)

    p = sub.add_parser("did", help="DID operations")
    did_sub = p.add_subparsers(dest="did_command", required=True, parser_class=_Parser)
    r = did_sub.add_parser("resolve", help="resolve a DID to its document")
    r.add_argument("did")
    r.add_argument("--did-doc", action="append", default=[], metavar="FILE")
    r.add_argument("--online", action="store_true", help="fetch foreign did:web documents over HTTPS")
    r.set_defaults(func=cmd_did_resolve)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of the ``vc`` console script; returns the exit status."""
    out = out or sys.stdout
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args, out))
    except VCError as exc:
        _emit(out, _error(exc.code, exc.message))
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the promise is JSON, never a traceback
        _emit(out, _error("INTERNAL_ERROR", f"{type(exc).__name__}: {exc}"))
        return EXIT_UNUSABLE


def console() -> None:
    """The ``vc`` console script: :func:`main`, then exit with its status."""
    code = main()
    if "didkit" in sys.modules:
        # didkit's Rust runtime keeps threads that crash CPython's finalization
        # ("PyGILState_Release ... finalizing"), turning a success into SIGABRT:
        # flush what we wrote and leave without finalizing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console()
