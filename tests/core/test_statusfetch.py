"""Status lists fetched over guarded HTTPS: a real local TLS server, the whole pipeline, the cache."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from credentials.vc import suites
from credentials.vc.errors import (
    DID_INTERNAL_ERROR,
    STATUS_RETRIEVAL_ERROR,
    STATUS_VERIFICATION_ERROR,
    VCError,
)
from credentials.vc.jose import issue_vc_jwt
from credentials.vc.status import MIN_ENTRIES, build_status_list_credential, new_bitstring, set_status
from credentials.vc.statusfetch import RemoteStatusLists, StatusListFetcher
from credentials.vc.verify import VerificationResult, verify_credential
from identity.did import Resolver, did_key_from_public_key
from identity.did.web import GuardedFetchError, GuardedHTTPS
from identity.keys import KeySigner, KeyType, PrivateKey
from tests.core.test_did import _write_tls_files

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
RESOLVER = Resolver(local={})
REVOKED = 7


class _Handler(BaseHTTPRequestHandler):
    server_version = "test"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        server: _Server = self.server  # type: ignore[assignment]
        server.hits[self.path] += 1
        server.accepts.append(self.headers.get("Accept"))
        served = server.lists.get(self.path)
        if served is not None:
            body, content_type = served
            self._send(200, body, content_type)
        elif self.path == "/redirect":
            self._send(302, b"", Location="/lists/1")
        elif self.path == "/error":
            self._send(500, b"oops", "text/plain")
        elif self.path == "/big":
            self._send(200, b'{"pad": "' + b"x" * 1_100_000 + b'"}')
        elif self.path == "/html":
            self._send(200, b"<html>status</html>", "text/html")
        elif self.path == "/array":
            self._send(200, b"[1, 2]")
        elif self.path == "/dupkeys":
            self._send(200, b'{"id": "a", "id": "b"}')
        elif self.path == "/badjwt":
            self._send(200, b'{"not": "a jws"}', "application/vc+jwt")
        else:
            self._send(404, b"", "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.hits: Counter[str] = Counter()
        self.accepts: list[str | None] = []
        self.lists: dict[str, tuple[bytes, str]] = {}

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@pytest.fixture(scope="module")
def issuer() -> tuple[str, KeySigner]:
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    return did, KeySigner(key, f"{did}#{did.split(':', 2)[2]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, issuer: tuple[str, KeySigner]) -> Iterator[dict[str, Any]]:
    ca_path, cert_path, key_path = _write_tls_files(tmp_path_factory.mktemp("tls"))
    httpd = _Server(("127.0.0.1", 0), _Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    base = f"https://localhost:{httpd.server_address[1]}"
    did, signer = issuer
    bits = new_bitstring(MIN_ENTRIES)
    set_status(bits, REVOKED)
    for path in ("/lists/1", "/lists/cached", "/lists/ttl"):
        extra: dict[str, Any] = {"ttl": 1000} if path == "/lists/ttl" else {}
        unsigned = build_status_list_credential(list_id=base + path, issuer=did, purpose="revocation", bits=bits, **extra)
        signed = suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created="2026-06-01T00:00:00Z")
        httpd.lists[path] = (json.dumps(signed).encode(), "application/vc+ld+json")
    unsigned = build_status_list_credential(list_id=base + "/lists/jwt", issuer=did, purpose="revocation", bits=bits)
    httpd.lists["/lists/jwt"] = (issue_vc_jwt(unsigned, signer=signer).encode() + b"\n", "application/vc+jwt")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield {"base": base, "httpd": httpd, "client_context": lambda: ssl.create_default_context(cafile=str(ca_path))}
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetcher(server: dict[str, Any], **options: Any) -> StatusListFetcher:
    options.setdefault("allow_private", True)
    return StatusListFetcher(ssl_context=server["client_context"](), **options)


def remote(server: dict[str, Any]) -> RemoteStatusLists:
    return RemoteStatusLists(fetcher(server))


def signed_credential(issuer: tuple[str, KeySigner], list_url: str, index: int) -> dict[str, Any]:
    did, signer = issuer
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:8c1b7e0e-2b43-4a0e-9d55-1f3f1d1a9e01",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:graduate"},
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }
    return suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created="2026-06-01T00:00:00Z")


def verify(credential: dict[str, Any], lists: Any) -> VerificationResult:
    return verify_credential(credential, resolver=RESOLVER, status_lists=lists, now=NOW)


def status_check(result: VerificationResult) -> Any:
    return next(c for c in result.checks if c.check == "status")


def assert_retrieval_failure(result: VerificationResult) -> None:
    check = status_check(result)
    assert (check.status, check.code) == ("failed", STATUS_RETRIEVAL_ERROR), check
    assert result.verified is False
    # Only the status check is the problem: the credential itself is sound.
    assert [c.check for c in result.checks if c.status == "failed"] == ["status"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- the whole pipeline against the server -------------------------------------------


def test_unrevoked_credential_passes_with_a_fetched_list(server: dict[str, Any], issuer: Any) -> None:
    result = verify(signed_credential(issuer, server["base"] + "/lists/1", REVOKED + 1), remote(server))
    check = status_check(result)
    assert (check.status, check.code) == ("passed", None)
    assert result.verified is True


def test_revoked_credential_fails_with_a_fetched_list(server: dict[str, Any], issuer: Any) -> None:
    result = verify(signed_credential(issuer, server["base"] + "/lists/1", REVOKED), remote(server))
    check = status_check(result)
    assert check.status == "failed" and check.detail["outcome"] == "revoked"
    assert result.verified is False


@pytest.mark.parametrize("index,verified", [(REVOKED, False), (REVOKED + 1, True)])
def test_vc_jwt_list_served_as_vc_jwt(server: dict[str, Any], issuer: Any, index: int, verified: bool) -> None:
    url = server["base"] + "/lists/jwt"
    fetched = fetcher(server).fetch(url)
    assert isinstance(fetched, str) and fetched.count(".") == 2
    result = verify(signed_credential(issuer, url, index), remote(server))
    assert result.verified is verified
    assert status_check(result).detail["outcome"] == ("revoked" if index == REVOKED else "ok")


def test_accept_header_names_the_vc_media_types(server: dict[str, Any]) -> None:
    fetcher(server).fetch(server["base"] + "/lists/1")
    accept = server["httpd"].accepts[-1]
    assert accept is not None
    assert {"application/vc+ld+json", "application/vc+jwt", "application/vc", "application/json"} <= {
        part.strip() for part in accept.split(",")
    }


@pytest.mark.parametrize("path", ["/missing", "/error", "/redirect", "/big", "/html", "/array", "/dupkeys", "/badjwt"])
def test_unusable_answers_fail_the_status_check(server: dict[str, Any], issuer: Any, path: str) -> None:
    url = server["base"] + path
    with pytest.raises(VCError) as info:
        fetcher(server).fetch(url)
    assert info.value.code == STATUS_RETRIEVAL_ERROR and url in info.value.message
    assert_retrieval_failure(verify(signed_credential(issuer, url, 3), remote(server)))


def test_redirect_is_not_followed(server: dict[str, Any]) -> None:
    before = server["httpd"].hits["/lists/1"]
    with pytest.raises(VCError) as info:
        fetcher(server).fetch(server["base"] + "/redirect")
    assert info.value.code == STATUS_RETRIEVAL_ERROR and "redirect" in info.value.message
    assert server["httpd"].hits["/lists/1"] == before


def test_size_cap_is_what_refuses_a_big_body(server: dict[str, Any]) -> None:
    with pytest.raises(VCError) as info:
        fetcher(server).fetch(server["base"] + "/big")
    assert info.value.code == STATUS_RETRIEVAL_ERROR and "exceeds 1048576 bytes" in info.value.message
    assert fetcher(server, max_bytes=2_000_000).fetch(server["base"] + "/big")["pad"].startswith("xxx")


def test_server_down(issuer: Any, server: dict[str, Any]) -> None:
    url = f"https://localhost:{free_port()}/lists/1"
    with pytest.raises(VCError) as info:
        fetcher(server).fetch(url)
    assert info.value.code == STATUS_RETRIEVAL_ERROR and "could not connect" in info.value.message
    assert_retrieval_failure(verify(signed_credential(issuer, url, 3), remote(server)))


def test_loopback_refused_without_allow_private(server: dict[str, Any], issuer: Any) -> None:
    url = server["base"] + "/lists/1"
    before = server["httpd"].hits["/lists/1"]
    strict = StatusListFetcher(ssl_context=server["client_context"]())
    with pytest.raises(VCError) as info:
        strict.fetch(url)
    assert info.value.code == STATUS_RETRIEVAL_ERROR and "non-public address" in info.value.message
    assert_retrieval_failure(verify(signed_credential(issuer, url, 3), RemoteStatusLists(strict)))
    assert server["httpd"].hits["/lists/1"] == before


@pytest.mark.parametrize("url", ["http://localhost/lists/1", "urn:uuid:0b8e4b52-5d2e-4d5e-9a57-1c1b2a3d4e5f",
                                 "https://user@localhost/lists/1", "https://localhost/a b"])
def test_non_https_urls_are_refused_before_any_io(url: str) -> None:
    def no_dns(*args: Any) -> Any:
        raise AssertionError("looked up")

    with pytest.raises(VCError) as info:
        StatusListFetcher(allow_private=True, getaddrinfo=no_dns).fetch(url)
    assert info.value.code == STATUS_RETRIEVAL_ERROR


def test_untrusted_certificate_is_a_retrieval_error(server: dict[str, Any]) -> None:
    with pytest.raises(VCError) as info:
        StatusListFetcher(allow_private=True).fetch(server["base"] + "/lists/1")  # system trust store
    assert info.value.code == STATUS_RETRIEVAL_ERROR and "TLS" in info.value.message


def test_pipeline_caches_the_list(server: dict[str, Any], issuer: Any) -> None:
    url = server["base"] + "/lists/cached"
    lists = remote(server)
    assert len(lists) == 0
    for index, verified in ((1, True), (REVOKED, False), (2, True)):
        assert verify(signed_credential(issuer, url, index), lists).verified is verified
    assert server["httpd"].hits["/lists/cached"] == 1
    assert list(lists) == [url] and len(lists) == 1


def test_failures_are_cached_briefly(server: dict[str, Any], issuer: Any) -> None:
    clock = [1000.0]
    lists = RemoteStatusLists(fetcher(server), negative_ttl=30, clock=lambda: clock[0])
    url = server["base"] + "/error"
    before = server["httpd"].hits["/error"]
    for _ in range(3):
        assert_retrieval_failure(verify(signed_credential(issuer, url, 3), lists))
    assert server["httpd"].hits["/error"] == before + 1
    clock[0] += 31
    assert_retrieval_failure(verify(signed_credential(issuer, url, 3), lists))
    assert server["httpd"].hits["/error"] == before + 2
    assert len(lists) == 0  # a failure is not a list


def test_the_lists_own_ttl_shortens_the_stay(server: dict[str, Any], issuer: Any) -> None:
    clock = [0.0]
    lists = RemoteStatusLists(fetcher(server), ttl=300, clock=lambda: clock[0])
    url = server["base"] + "/lists/ttl"  # ttl: 1000 ms
    before = server["httpd"].hits["/lists/ttl"]
    assert verify(signed_credential(issuer, url, 1), lists).verified is True
    clock[0] += 0.5
    assert verify(signed_credential(issuer, url, 1), lists).verified is True
    assert server["httpd"].hits["/lists/ttl"] == before + 1
    clock[0] += 1.0
    assert verify(signed_credential(issuer, url, 1), lists).verified is True
    assert server["httpd"].hits["/lists/ttl"] == before + 2


def test_a_tampered_fetched_list_fails_verification_not_retrieval(server: dict[str, Any], issuer: Any) -> None:
    # What was fetched is checked like any list: the fetch is not a trust decision.
    url = server["base"] + "/lists/1"
    document = fetcher(server).fetch(url)
    assert isinstance(document, dict)
    document["credentialSubject"]["statusPurpose"] = "suspension"
    result = verify(signed_credential(issuer, url, 1), RemoteStatusLists(_Stub({url: document})))
    check = status_check(result)
    assert (check.status, check.code) == ("failed", STATUS_VERIFICATION_ERROR)


# --- the mapping on its own ----------------------------------------------------------


class _Stub:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def fetch(self, url: str) -> dict[str, Any] | str:
        self.calls.append(url)
        answer = self.answers.get(url)
        if isinstance(answer, VCError):
            raise answer
        if answer is None:
            raise VCError(STATUS_RETRIEVAL_ERROR, f"{url}: HTTP 404")
        return answer  # type: ignore[no-any-return]


def test_local_lists_come_first_and_are_never_fetched() -> None:
    stub = _Stub({})
    local = {"https://a.example/1": {"id": "https://a.example/1"}}
    lists = RemoteStatusLists(stub, local=local)
    assert lists["https://a.example/1"] is local["https://a.example/1"]
    assert lists.get("https://a.example/1") is local["https://a.example/1"]
    assert stub.calls == []
    local["https://a.example/2"] = "a.b.c"  # read live, not copied
    assert lists["https://a.example/2"] == "a.b.c" and stub.calls == []


def test_every_url_is_claimed_and_the_mapping_is_truthy() -> None:
    # check_status asks ``url in lists`` before reading it, and the pipeline
    # passes ``status_lists or {}``: either answer "no" and a list that could not
    # be fetched would read as "unknown", which lets a revoked credential verify.
    lists = RemoteStatusLists(_Stub({}))
    assert "https://nowhere.example/1" in lists
    assert 1 not in lists
    assert bool(lists) is True and len(lists) == 0
    with pytest.raises(VCError) as info:
        lists.get("https://nowhere.example/1")
    assert info.value.code == STATUS_RETRIEVAL_ERROR
    assert lists.get(1, "default") == "default"  # type: ignore[arg-type]


def test_an_empty_remote_mapping_still_fails_the_pipeline(issuer: Any) -> None:
    url = "https://nowhere.example/status/1"
    assert_retrieval_failure(verify(signed_credential(issuer, url, 3), RemoteStatusLists(_Stub({}))))


def test_other_fetcher_errors_become_retrieval_errors() -> None:
    lists = RemoteStatusLists(_Stub({"https://a.example/1": VCError(DID_INTERNAL_ERROR, "boom")}))
    with pytest.raises(VCError) as info:
        lists["https://a.example/1"]
    assert (info.value.code, info.value.message) == (STATUS_RETRIEVAL_ERROR, "boom")


def test_cache_hands_out_copies_and_evicts_the_oldest() -> None:
    answers = {f"https://a.example/{i}": {"id": f"https://a.example/{i}", "n": [i]} for i in range(3)}
    stub = _Stub(answers)
    lists = RemoteStatusLists(stub, max_entries=2)
    first = lists["https://a.example/0"]
    first["n"].append("tampered")
    assert lists["https://a.example/0"]["n"] == [0]
    lists["https://a.example/1"]
    lists["https://a.example/2"]
    assert stub.calls == ["https://a.example/0", "https://a.example/1", "https://a.example/2"]
    lists["https://a.example/0"]  # evicted: fetched again
    assert stub.calls[-1] == "https://a.example/0" and len(stub.calls) == 4
    lists.clear()
    assert len(lists) == 0


def test_expiry_refetches() -> None:
    clock = [0.0]
    stub = _Stub({"https://a.example/1": {"id": "https://a.example/1"}})
    lists = RemoteStatusLists(stub, ttl=10, clock=lambda: clock[0])
    lists["https://a.example/1"]
    clock[0] = 9.9
    lists["https://a.example/1"]
    assert len(stub.calls) == 1
    clock[0] = 10.0
    lists["https://a.example/1"]
    assert len(stub.calls) == 2


# --- the guarded GET itself ----------------------------------------------------------


def test_guarded_get_returns_status_media_type_and_body(server: dict[str, Any]) -> None:
    http = GuardedHTTPS(allow_private=True, ssl_context=server["client_context"]())
    status, media_type, body = http.get(server["base"] + "/lists/jwt", accept="application/vc+jwt")
    assert (status, media_type) == (200, "application/vc+jwt") and body.count(b".") == 2
    assert http.get(server["base"] + "/redirect", accept="*/*") == (302, "application/json", b"")
    with pytest.raises(GuardedFetchError) as info:
        GuardedHTTPS(ssl_context=server["client_context"]()).get(server["base"] + "/lists/1", accept="*/*")
    assert info.value.kind == "address"


def test_query_string_is_sent(server: dict[str, Any]) -> None:
    before = server["httpd"].hits["/lists/1?v=2"]
    with pytest.raises(VCError):
        fetcher(server).fetch(server["base"] + "/lists/1?v=2")  # the handler serves exact paths only
    assert server["httpd"].hits["/lists/1?v=2"] == before + 1


# --- vc verify --online --------------------------------------------------------------


def test_cli_online_fetches_lists_not_given_as_files(tmp_path: Any, issuer: Any) -> None:
    import io

    from credentials.vc.cli import main

    def run(*argv: Any) -> tuple[int, dict[str, Any]]:
        out = io.StringIO()
        code = main([str(a) for a in argv], out=out)
        return code, json.loads(out.getvalue())

    did, signer = issuer
    # A loopback list URL: --online refuses the address, no packet leaves the machine.
    url = "https://127.0.0.1:1/status/1"
    (tmp_path / "vc.json").write_text(json.dumps(signed_credential(issuer, url, 3)))
    code, offline = run("verify", "--now", "2026-07-01T00:00:00Z", tmp_path / "vc.json")
    check = next(c for c in offline["checks"] if c["check"] == "status")
    assert (code, check["status"], check["outcome"]) == (0, "skipped", "unknown")

    code, online = run("verify", "--online", "--now", "2026-07-01T00:00:00Z", tmp_path / "vc.json")
    check = next(c for c in online["checks"] if c["check"] == "status")
    assert (code, online["verified"], check["status"], check["code"]) == (1, False, "failed", STATUS_RETRIEVAL_ERROR)
    assert "non-public address" in check["message"]

    # A list given as a file is used as it is, even online.
    unsigned = build_status_list_credential(list_id=url, issuer=did, purpose="revocation", bits=new_bitstring())
    signed = suites.add_proof(unsigned, signer=signer, cryptosuite="eddsa-rdfc-2022", created="2026-06-01T00:00:00Z")
    (tmp_path / "list.json").write_text(json.dumps(signed))
    code, local = run("verify", "--online", "--status-list", tmp_path / "list.json",
                      "--now", "2026-07-01T00:00:00Z", tmp_path / "vc.json")
    check = next(c for c in local["checks"] if c["check"] == "status")
    assert (code, check["status"], check["outcome"]) == (0, "passed", "ok")

    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "holder": did, "verifiableCredential": [signed_credential(issuer, url, 3)]}
    presented = suites.add_proof(presentation, signer=signer, cryptosuite="eddsa-rdfc-2022",
                                 proof_purpose="authentication", challenge="c-1")
    (tmp_path / "vp.json").write_text(json.dumps(presented))
    code, result = run("verify-presentation", "--online", "--challenge", "c-1",
                       "--now", "2026-07-01T00:00:00Z", tmp_path / "vp.json")
    inner = result["credentials"][0]
    check = next(c for c in inner["checks"] if c["check"] == "status")
    assert (code, result["verified"], check["code"]) == (1, False, STATUS_RETRIEVAL_ERROR)
