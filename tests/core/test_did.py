"""identity.did: did:key, did:jwk, did:web, resolvers, verification methods, the guarded fetcher."""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from credentials.vc.errors import (
    DID_INTERNAL_ERROR,
    DID_INVALID,
    DID_METHOD_NOT_SUPPORTED,
    DID_NOT_FOUND,
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT,
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID,
    INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD,
    INVALID_VERIFICATION_METHOD,
    INVALID_VERIFICATION_METHOD_URL,
    VCError,
)
from identity.did import (
    Resolver,
    StaticResolver,
    VerificationMethod,
    WebDIDFetcher,
    build_did_web_document,
    did_jwk_document,
    did_jwk_from_public_key,
    did_key_document,
    did_key_from_public_key,
    did_web_from_host,
    did_web_to_url,
    is_public_address,
    resolve_verification_method,
)
from identity.did.multibase import base58btc_encode, base64url_encode
from identity.keys import KeyType, PrivateKey, PublicKey
from tests.conftest import signed_vectors

pytestmark = pytest.mark.core

KEYS = {key_type: PrivateKey.generate(key_type).public_key for key_type in KeyType}


def _code(call: Any) -> str:
    with pytest.raises(VCError) as info:
        call()
    return info.value.code


# --- did:key ---------------------------------------------------------------------


def test_did_key_of_vector_keys_matches_the_signed_vectors() -> None:
    for vector in signed_vectors():
        vm_url = vector["signed"]["proof"]["verificationMethod"]
        public = PublicKey.from_multibase(vector["key"]["publicKeyMultibase"])
        did = did_key_from_public_key(public)
        assert vm_url == f"{did}#{public.multibase()}"
        vm = resolve_verification_method(vm_url, Resolver(), purpose="assertionMethod")
        assert vm.public_key == public and vm.type == "Multikey" and vm.controller == did


def test_did_key_prefixes() -> None:
    assert did_key_from_public_key(KEYS[KeyType.ED25519]).startswith("did:key:z6Mk")
    assert did_key_from_public_key(KEYS[KeyType.P256]).startswith("did:key:zDn")
    assert did_key_from_public_key(KEYS[KeyType.P384]).startswith("did:key:z82")


@pytest.mark.parametrize("key_type", list(KeyType))
def test_did_key_document_shape(key_type: KeyType) -> None:
    public = KEYS[key_type]
    did = did_key_from_public_key(public)
    vm_id = f"{did}#{public.multibase()}"
    assert did_key_document(did) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": public.multibase()}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }
    # Each call is a fresh document: changing one does not change the next.
    did_key_document(did)["verificationMethod"].clear()
    assert did_key_document(did)["verificationMethod"]


@pytest.mark.parametrize(
    "did",
    [
        "did:key:",
        "did:key:z",
        "did:key:6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase prefix
        "did:key:z0OIl",  # not base58btc
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1: unsupported
        "did:key:z" + base58btc_encode(b"\xed\x01" + b"\x01" + b"\0" * 31),  # identity point
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#frag",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2/path",
        "DID:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    ],
)
def test_bad_did_key_is_invalid_did(did: str) -> None:
    assert _code(lambda: Resolver().resolve(did)) == DID_INVALID


# --- did:jwk ----------------------------------------------------------------------

SPEC_DID_JWK = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5"
    "IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)


def test_did_jwk_spec_example_round_trips() -> None:
    document = Resolver().resolve(SPEC_DID_JWK)
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]
    vm = document["verificationMethod"][0]
    assert vm["id"] == SPEC_DID_JWK + "#0" and vm["type"] == "JsonWebKey2020" and vm["controller"] == SPEC_DID_JWK
    assert vm["publicKeyJwk"]["x"] == "acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0"
    for relationship in ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation", "keyAgreement"):
        assert document[relationship] == [SPEC_DID_JWK + "#0"]
    public = PublicKey.from_jwk(vm["publicKeyJwk"])
    assert did_jwk_from_public_key(public) == SPEC_DID_JWK


@pytest.mark.parametrize("key_type", list(KeyType))
def test_did_jwk_round_trip(key_type: KeyType) -> None:
    public = KEYS[key_type]
    did = did_jwk_from_public_key(public)
    vm = resolve_verification_method(did + "#0", Resolver(), purpose="authentication")
    assert vm.public_key == public and vm.type == "JsonWebKey2020"


def _did_jwk(jwk: dict[str, Any]) -> str:
    return "did:jwk:" + base64url_encode(json.dumps(jwk).encode())


def test_did_jwk_use_controls_relationships() -> None:
    sig = _did_jwk({**KEYS[KeyType.P256].jwk(), "use": "sig"})
    enc = _did_jwk({**KEYS[KeyType.P256].jwk(), "use": "enc"})
    assert "keyAgreement" not in did_jwk_document(sig) and "assertionMethod" in did_jwk_document(sig)
    assert set(did_jwk_document(enc)) == {"@context", "id", "verificationMethod", "keyAgreement"}
    call = lambda: resolve_verification_method(enc + "#0", Resolver(), purpose="assertionMethod")  # noqa: E731
    assert _code(call) == INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD


@pytest.mark.parametrize(
    "did",
    [
        _did_jwk(PrivateKey.generate(KeyType.ED25519).jwk()),  # private key material
        _did_jwk({"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
        _did_jwk({"kty": "OKP", "crv": "X25519", "x": base64url_encode(b"\x09" * 32)}),
        "did:jwk:" + base64url_encode(b"[1,2]"),
        "did:jwk:" + base64url_encode(b'{"kty":"EC","kty":"EC"}'),
        "did:jwk:" + base64url_encode(b"not json"),
        "did:jwk:eyJ",  # impossible base64url length
    ],
)
def test_bad_did_jwk_is_invalid_did(did: str) -> None:
    assert _code(lambda: Resolver().resolve(did)) == DID_INVALID


# --- did:web URLs -------------------------------------------------------------------


@pytest.mark.parametrize(
    "did,url",
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:example.com%3a8443", "https://example.com:8443/.well-known/did.json"),
        ("did:web:university.edu.cn:issuers:registrar", "https://university.edu.cn/issuers/registrar/did.json"),
    ],
)
def test_did_web_to_url_spec_examples(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:exa_mple.com",
        "did:web:-example.com",
        "did:web:example..com",
        "did:web:example.com%3A0",
        "did:web:example.com%3A65536",
        "did:web:example.com%3Aabc",
        "did:web:example.com%2Fevil",
        "did:web:example.com:..",
        "did:web:example.com:%2E%2E",
        "did:web:example.com:a%2Fb",
        "did:web:example.com:a%5Cb",
        "did:web:example.com::a",
        "did:web:example.com#key-1",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    ],
)
def test_bad_did_web_is_invalid_did(did: str) -> None:
    assert _code(lambda: did_web_to_url(did)) == DID_INVALID


def test_did_web_from_host_is_the_inverse() -> None:
    did = did_web_from_host("example.com", ["issuers", "u1"], port=8443)
    assert did == "did:web:example.com%3A8443:issuers:u1"
    assert did_web_to_url(did) == "https://example.com:8443/issuers/u1/did.json"
    assert _code(lambda: did_web_from_host("exa mple.com")) == DID_INVALID


# --- hosted did:web documents and relationships ---------------------------------------

UNI = "did:web:uni.example:issuers:registrar"


@pytest.fixture(scope="module")
def uni_keys() -> dict[str, PrivateKey]:
    return {"key-1": PrivateKey.generate(KeyType.ED25519), "key-2": PrivateKey.generate(KeyType.P256)}


@pytest.fixture(scope="module")
def uni_resolver(uni_keys: dict[str, PrivateKey]) -> Resolver:
    document = build_did_web_document(
        UNI,
        [(fragment, key.public_key) for fragment, key in uni_keys.items()],
        relationships={"assertionMethod": ["key-1"], "authentication": ["key-1", "key-2"]},
        services=[{"id": UNI + "#status", "type": "LinkedDomains", "serviceEndpoint": "https://uni.example"}],
    )
    return Resolver(local={UNI: document})


def test_build_did_web_document(uni_keys: dict[str, PrivateKey]) -> None:
    public = uni_keys["key-1"].public_key
    document = build_did_web_document(UNI, [("key-1", public)])
    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": UNI,
        "verificationMethod": [
            {"id": UNI + "#key-1", "type": "Multikey", "controller": UNI, "publicKeyMultibase": public.multibase()}
        ],
        "assertionMethod": [UNI + "#key-1"],
        "authentication": [UNI + "#key-1"],
    }
    with pytest.raises(ValueError):
        build_did_web_document(UNI, [("key-1", public), ("key-1", public)])
    with pytest.raises(ValueError):
        build_did_web_document(UNI, [("key-1", public)], relationships={"assertionMethod": ["key-9"]})
    assert _code(lambda: build_did_web_document("did:key:zabc", [("key-1", public)])) == DID_INVALID


def test_relationship_enforced(uni_resolver: Resolver, uni_keys: dict[str, PrivateKey]) -> None:
    vm = resolve_verification_method(UNI + "#key-1", uni_resolver, purpose="assertionMethod")
    assert isinstance(vm, VerificationMethod)
    assert vm.public_key == uni_keys["key-1"].public_key and vm.controller == UNI and vm.document["id"] == UNI
    assert resolve_verification_method(UNI + "#key-2", uni_resolver, purpose="authentication").public_key.type is KeyType.P256
    call = lambda: resolve_verification_method(UNI + "#key-2", uni_resolver, purpose="assertionMethod")  # noqa: E731
    assert _code(call) == INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD
    call = lambda: resolve_verification_method(UNI + "#key-1", uni_resolver, purpose="capabilityInvocation")  # noqa: E731
    assert _code(call) == INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD
    call = lambda: resolve_verification_method(UNI + "#key-1", uni_resolver, purpose="verificationMethod")  # noqa: E731
    assert _code(call) == INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD
    call = lambda: resolve_verification_method(UNI + "#key-3", uni_resolver, purpose="assertionMethod")  # noqa: E731
    assert _code(call) == INVALID_VERIFICATION_METHOD


# --- resolver errors ----------------------------------------------------------------


def test_resolver_errors() -> None:
    resolver = Resolver()
    assert _code(lambda: resolver.resolve("did:example:123")) == DID_METHOD_NOT_SUPPORTED
    assert _code(lambda: resolver.resolve("did:web:uni.example")) == DID_NOT_FOUND  # no fetcher configured
    for bad in ("", "did:", "did:web", "did:Web:x", "https://uni.example", "did:web:uni.example ", 5, None):
        assert _code(lambda: resolver.resolve(bad)) == DID_INVALID  # type: ignore[arg-type]
    assert _code(lambda: resolver.resolve("did:key:z" + "1" * 5000)) == DID_INVALID
    assert _code(lambda: resolver.resolve("did:web:exa_mple.com")) == DID_INVALID
    assert _code(lambda: StaticResolver({}).resolve("did:web:uni.example")) == DID_NOT_FOUND


def test_local_documents_never_override_computed_methods() -> None:
    public = KEYS[KeyType.ED25519]
    did = did_key_from_public_key(public)
    impostor = KEYS[KeyType.P256]
    fake = {"id": did, "verificationMethod": [{"id": did + "#x", "type": "Multikey", "controller": did,
                                               "publicKeyMultibase": impostor.multibase()}],
            "assertionMethod": [did + "#x"]}
    resolver = Resolver(local={did: fake, "did:example:1": {"id": "did:example:1"}})
    assert resolver.resolve(did) == did_key_document(did)
    assert resolver.resolve("did:example:1") == {"id": "did:example:1"}  # other methods may be local


def test_local_registry_is_consulted_before_the_fetcher() -> None:
    class Exploding:
        def resolve(self, did: str) -> dict[str, Any]:
            raise AssertionError("fetcher must not be called")

    document = build_did_web_document(UNI, [("key-1", KEYS[KeyType.ED25519])])
    assert Resolver(local={UNI: document}, fetcher=Exploding()).resolve(UNI) is document


def test_resolver_failures_propagate_with_their_code() -> None:
    class Broken:
        def resolve(self, did: str) -> dict[str, Any]:
            raise RuntimeError("bug")

    call = lambda: resolve_verification_method(UNI + "#key-1", Broken(), purpose="assertionMethod")  # noqa: E731
    assert _code(call) == DID_INTERNAL_ERROR
    call = lambda: resolve_verification_method(UNI + "#key-1", StaticResolver({}), purpose="assertionMethod")  # noqa: E731
    assert _code(call) == DID_NOT_FOUND
    call = lambda: resolve_verification_method("did:example:1#k", Resolver(), purpose="assertionMethod")  # noqa: E731
    assert _code(call) == DID_METHOD_NOT_SUPPORTED


@pytest.mark.parametrize(
    "url",
    [
        UNI,
        UNI + "#",
        "https://uni.example/issuers/registrar#key-1",
        "did:web:uni.example/path#key-1",
        "did:web:uni.example?service=x#key-1",
        "#key-1",
        "did:web:uni.example#key 1",
        None,
    ],
)
def test_bad_verification_method_urls(url: Any) -> None:
    resolver = Resolver(local={"did:web:uni.example": {"id": "did:web:uni.example"}})
    assert _code(lambda: resolve_verification_method(url, resolver, purpose="assertionMethod")) == INVALID_VERIFICATION_METHOD_URL


# --- verification-method checks on hand-written documents ----------------------------

DID = "did:web:issuer.example"


def _vm(key: PublicKey, *, vm_id: str = DID + "#k", **changes: Any) -> dict[str, Any]:
    vm: dict[str, Any] = {"id": vm_id, "type": "Multikey", "controller": DID, "publicKeyMultibase": key.multibase()}
    vm.update(changes)
    return {k: v for k, v in vm.items() if v is not None}


def _resolve(document: dict[str, Any], url: str = DID + "#k", purpose: str = "assertionMethod") -> VerificationMethod:
    return resolve_verification_method(url, StaticResolver({DID: document}), purpose=purpose)


ED = KEYS[KeyType.ED25519]


def test_document_id_must_equal_the_did() -> None:
    document = {"id": "did:web:other.example", "verificationMethod": [_vm(ED)], "assertionMethod": [DID + "#k"]}
    assert _code(lambda: _resolve(document)) == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID
    assert _code(lambda: _resolve({"verificationMethod": [_vm(ED)]})) == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID


def test_controller_must_equal_the_did() -> None:
    for controller in ("did:web:attacker.example", None, DID + "#k"):
        document = {"id": DID, "verificationMethod": [_vm(ED, controller=controller)], "assertionMethod": [DID + "#k"]}
        assert _code(lambda: _resolve(document)) == INVALID_VERIFICATION_METHOD


def test_relative_ids_and_references() -> None:
    document = {"id": DID, "verificationMethod": [_vm(ED, vm_id="#k")], "assertionMethod": ["#k"]}
    vm = _resolve(document)
    assert vm.id == DID + "#k" and vm.public_key == ED
    document = {"id": DID, "verificationMethod": [_vm(ED)], "assertionMethod": ["#k"]}
    assert _resolve(document).public_key == ED
    document = {"id": DID, "verificationMethod": [_vm(ED, vm_id="#k")], "assertionMethod": [DID + "#k"]}
    assert _resolve(document).public_key == ED


def test_embedded_verification_methods() -> None:
    document = {"id": DID, "assertionMethod": [_vm(ED)]}
    assert _resolve(document).public_key == ED
    document = {"id": DID, "authentication": [_vm(ED)]}
    assert _code(lambda: _resolve(document)) == INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD
    assert _resolve(document, purpose="authentication").public_key == ED
    # An embedded method that conflicts with the listed one is refused, whatever the order.
    document = {"id": DID, "verificationMethod": [_vm(ED)], "assertionMethod": [_vm(KEYS[KeyType.P256])]}
    assert _code(lambda: _resolve(document)) == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT


def test_verification_method_types() -> None:
    p256 = KEYS[KeyType.P256]

    def doc(vm: dict[str, Any]) -> dict[str, Any]:
        return {"id": DID, "verificationMethod": [vm], "assertionMethod": [DID + "#k"]}

    ok = {
        "JsonWebKey": _vm(p256, type="JsonWebKey", publicKeyMultibase=None, publicKeyJwk=p256.jwk()),
        "JsonWebKey2020": _vm(p256, type="JsonWebKey2020", publicKeyMultibase=None, publicKeyJwk=p256.jwk()),
        "Ed25519VerificationKey2020": _vm(ED, type="Ed25519VerificationKey2020"),
        "Ed25519VerificationKey2018": _vm(
            ED, type="Ed25519VerificationKey2018", publicKeyMultibase=None, publicKeyBase58=base58btc_encode(ED.raw)
        ),
        "Multikey": _vm(p256),
    }
    for vm_type, vm in ok.items():
        result = _resolve(doc(vm))
        assert result.type == vm_type and result.raw == vm

    private_jwk = PrivateKey.generate(KeyType.P256).jwk()
    bad = [
        _vm(ED, type="EcdsaSecp256k1VerificationKey2019"),
        _vm(ED, type=None),
        _vm(ED, publicKeyMultibase="zBAD0"),
        _vm(ED, publicKeyMultibase=None),
        _vm(ED, publicKeyMultibase="z" + base58btc_encode(b"\xed\x01" + b"\x01" + b"\0" * 31)),  # small order
        _vm(p256, type="Ed25519VerificationKey2020"),  # type and key disagree
        _vm(p256, type="JsonWebKey", publicKeyMultibase=None, publicKeyJwk=private_jwk),
        _vm(p256, type="JsonWebKey2020", publicKeyMultibase=None, publicKeyJwk="not a jwk"),
        _vm(p256, type="JsonWebKey2020", publicKeyMultibase=None, publicKeyJwk={**p256.jwk(), "crv": "P-384"}),
        _vm(ED, type="Ed25519VerificationKey2018", publicKeyMultibase=None, publicKeyBase58="0OIl"),
        _vm(ED, type="Ed25519VerificationKey2018", publicKeyMultibase=None, publicKeyBase58=base58btc_encode(b"\1" * 31)),
    ]
    for vm in bad:
        assert _code(lambda: _resolve(doc(vm))) == INVALID_VERIFICATION_METHOD, vm


def test_malformed_documents() -> None:
    assert _code(lambda: _resolve({"id": DID, "verificationMethod": 5})) == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT
    assert _code(lambda: _resolve({"id": DID, "assertionMethod": 5})) == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT
    assert _code(lambda: _resolve([])) == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT  # type: ignore[arg-type]


# --- address policy -----------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1",
        "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
        "64:ff9b::a00:1", "2002:0a00:0001::1", "2002:7f00:0001::1",
        "not an address",
    ],
)
def test_non_public_addresses_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_allowed(address: str) -> None:
    assert is_public_address(address)


def _fake_getaddrinfo(*addresses: str) -> Any:
    calls: list[str] = []

    def getaddrinfo(host: str, port: int, *args: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        out = []
        for address in addresses:
            ip = ipaddress.ip_address(address)
            if ip.version == 4:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
            else:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
        return out

    getaddrinfo.calls = calls  # type: ignore[attr-defined]
    return getaddrinfo


@pytest.mark.parametrize("answer", [("10.0.0.7",), ("169.254.169.254",), ("::1",), ("::ffff:127.0.0.1",), ("192.168.0.2", "10.0.0.1")])
def test_fetcher_refuses_private_answers_before_connecting(answer: tuple[str, ...]) -> None:
    fetcher = WebDIDFetcher(getaddrinfo=_fake_getaddrinfo(*answer), timeout=0.5)
    started = time.monotonic()
    assert _code(lambda: fetcher.resolve("did:web:issuer.example")) == DID_INVALID
    assert time.monotonic() - started < 0.4  # refused, not timed out trying


def test_fetcher_unknown_host_is_not_found() -> None:
    def getaddrinfo(*args: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "unknown")

    assert _code(lambda: WebDIDFetcher(getaddrinfo=getaddrinfo).resolve("did:web:nx.example")) == DID_NOT_FOUND


def test_fetcher_needs_verifying_tls() -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError):
        WebDIDFetcher(ssl_context=context)


# --- the guarded fetcher against a real local HTTPS server ------------------------------


def _write_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lianzheng test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_path, cert_path, key_path


class _Handler(BaseHTTPRequestHandler):
    server_version = "test"
    documents: dict[str, bytes] = {}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        port = self.server.server_address[1]
        base = f"did:web:localhost%3A{port}"
        self.server.hosts.append(self.headers.get("Host"))  # type: ignore[attr-defined]
        path = self.path
        if path == "/.well-known/did.json":
            self._send(200, json.dumps(self.server.document(base)).encode())  # type: ignore[attr-defined]
        elif path == "/redirect/did.json":
            self._send(302, b"", {"Location": "/.well-known/did.json"})
        elif path == "/missing/did.json":
            self._send(404, b"not here")
        elif path == "/error/did.json":
            self._send(500, b"oops")
        elif path == "/big/did.json":
            document = self.server.document(base + ":big")  # type: ignore[attr-defined]
            document["padding"] = "x" * 150_000
            self._send(200, json.dumps(document).encode())
        elif path == "/stream/did.json":
            # No Content-Length: the body runs until the connection closes.
            self.send_response(200)
            self.end_headers()
            try:
                self.wfile.write(b'{"id": "' + base.encode() + b':stream", "pad": "')
                for _ in range(50):
                    self.wfile.write(b"y" * 10_000)
                self.wfile.write(b'"}')
            except OSError:
                pass
        elif path == "/slow/did.json":
            time.sleep(1.0)
            self._send(200, json.dumps(self.server.document(base + ":slow")).encode())  # type: ignore[attr-defined]
        elif path == "/drip/did.json":
            # Each byte arrives well within a per-read timeout; only a total deadline stops it.
            try:
                self.wfile.write(b"HTTP/1.0 200 OK\r\n")
                for _ in range(40):
                    self.wfile.write(b"X-Pad: 1\r\n")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
        elif path == "/wrongid/did.json":
            self._send(200, json.dumps(self.server.document(base)).encode())  # type: ignore[attr-defined]
        elif path == "/notjson/did.json":
            self._send(200, b"<html>hello</html>")
        elif path == "/dupkeys/did.json":
            self._send(200, b'{"id": "' + base.encode() + b':dupkeys", "id": "x"}')
        else:
            self._send(404, b"")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, key: PublicKey, *args: Any) -> None:
        super().__init__(*args)
        self.key = key
        self.hosts: list[str | None] = []

    def document(self, did: str) -> dict[str, Any]:
        return build_did_web_document(did, [("key-1", self.key)])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    ca_path, cert_path, key_path = _write_tls_files(tmp_path_factory.mktemp("tls"))
    key = PrivateKey.generate(KeyType.ED25519)
    server = _Server(key.public_key, ("127.0.0.1", 0), _Handler)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield {
            "port": server.server_address[1],
            "client_context": lambda: ssl.create_default_context(cafile=str(ca_path)),
            "key": key,
            "server": server,
        }
    finally:
        server.shutdown()
        server.server_close()


def _fetcher(server: dict[str, Any], **options: Any) -> WebDIDFetcher:
    options.setdefault("allow_private", True)
    return WebDIDFetcher(ssl_context=server["client_context"](), **options)


def _did(server: dict[str, Any], *path: str) -> str:
    return ":".join([f"did:web:localhost%3A{server['port']}", *path])


def test_fetch_and_use_a_remote_did_web(https_server: dict[str, Any]) -> None:
    did = _did(https_server)
    fetcher = _fetcher(https_server)
    document = fetcher.resolve(did)
    assert document["id"] == did
    assert https_server["server"].hosts[-1] == f"localhost:{https_server['port']}"  # Host is the name, not the IP
    vm = resolve_verification_method(did + "#key-1", Resolver(fetcher=fetcher), purpose="assertionMethod")
    assert vm.public_key == https_server["key"].public_key
    signature = https_server["key"].sign(b"credential")
    vm.public_key.verify(signature, b"credential")


def test_address_is_resolved_once_and_pinned(https_server: dict[str, Any]) -> None:
    getaddrinfo = _fake_getaddrinfo("127.0.0.1")
    fetcher = _fetcher(https_server, getaddrinfo=getaddrinfo)
    assert fetcher.resolve(_did(https_server))["id"] == _did(https_server)
    assert getaddrinfo.calls == ["localhost"]


def test_unreachable_vetted_address_falls_through_to_the_next(https_server: dict[str, Any]) -> None:
    # ::1 (or the IPv4 loopback's neighbour) refuses; the next vetted address answers.
    getaddrinfo = _fake_getaddrinfo("127.0.0.2", "127.0.0.1")
    fetcher = _fetcher(https_server, getaddrinfo=getaddrinfo, timeout=2.0)
    assert fetcher.resolve(_did(https_server))["id"] == _did(https_server)


def test_loopback_refused_without_allow_private(https_server: dict[str, Any]) -> None:
    fetcher = _fetcher(https_server, allow_private=False)
    assert _code(lambda: fetcher.resolve(_did(https_server))) == DID_INVALID
    assert _code(lambda: fetcher.fetch(f"https://127.0.0.1:{https_server['port']}/.well-known/did.json", did=_did(https_server))) == DID_INVALID


def test_http_scheme_refused(https_server: dict[str, Any]) -> None:
    fetcher = _fetcher(https_server)
    for url in (f"http://localhost:{https_server['port']}/.well-known/did.json", "file:///etc/passwd", "ftp://x/did.json"):
        assert _code(lambda: fetcher.fetch(url, did=_did(https_server))) == DID_INTERNAL_ERROR


def test_untrusted_certificate_refused(https_server: dict[str, Any]) -> None:
    fetcher = WebDIDFetcher(allow_private=True)  # system trust store: the test CA is not in it
    with pytest.raises(VCError) as info:
        fetcher.resolve(_did(https_server))
    assert info.value.code == DID_INTERNAL_ERROR and "TLS" in info.value.message


def test_redirect_refused(https_server: dict[str, Any]) -> None:
    with pytest.raises(VCError) as info:
        _fetcher(https_server).resolve(_did(https_server, "redirect"))
    assert info.value.code == DID_INTERNAL_ERROR and "redirect" in info.value.message


def test_http_errors(https_server: dict[str, Any]) -> None:
    assert _code(lambda: _fetcher(https_server).resolve(_did(https_server, "missing"))) == DID_NOT_FOUND
    assert _code(lambda: _fetcher(https_server).resolve(_did(https_server, "error"))) == DID_INTERNAL_ERROR


@pytest.mark.parametrize("path", ["big", "stream"])
def test_oversized_body_refused(https_server: dict[str, Any], path: str) -> None:
    with pytest.raises(VCError) as info:
        _fetcher(https_server).resolve(_did(https_server, path))
    assert info.value.code == DID_INTERNAL_ERROR and "exceeds" in info.value.message
    # The same document is fine under a larger cap, so the cap is what refused it.
    if path == "big":
        assert _fetcher(https_server, max_bytes=300_000).resolve(_did(https_server, path))["id"] == _did(https_server, path)


@pytest.mark.parametrize("path", ["slow", "drip"])
def test_slow_server_times_out(https_server: dict[str, Any], path: str) -> None:
    started = time.monotonic()
    with pytest.raises(VCError) as info:
        _fetcher(https_server, timeout=0.4).resolve(_did(https_server, path))
    assert info.value.code == DID_INTERNAL_ERROR and "timed out" in info.value.message
    assert time.monotonic() - started < 1.0


def test_document_id_must_match(https_server: dict[str, Any]) -> None:
    assert _code(lambda: _fetcher(https_server).resolve(_did(https_server, "wrongid"))) == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID


@pytest.mark.parametrize("path", ["notjson", "dupkeys"])
def test_body_must_be_strict_json(https_server: dict[str, Any], path: str) -> None:
    assert _code(lambda: _fetcher(https_server).resolve(_did(https_server, path))) == INVALID_CONTROLLED_IDENTIFIER_DOCUMENT
