"""The ``vc`` command, in process (fast) and once as the installed console script."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from credentials.vc import errors
from credentials.vc.cli import main
from tests.conftest import VECTORS

NOW = "2026-07-01T00:00:00Z"


def run(*argv, stdin=None, monkeypatch=None):
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main([str(a) for a in argv], out=out)
    return code, out.getvalue()


def run_json(*argv, **kw):
    code, text = run(*argv, **kw)
    return code, json.loads(text)


@pytest.mark.parametrize(("kind", "prefix"), [("ed25519", "did:key:z6Mk"), ("p256", "did:key:zDn"),
                                              ("p384", "did:key:z82")])
def test_keygen(kind, prefix):
    code, key = run_json("keygen", "--type", kind)
    assert code == 0
    assert key["did"].startswith(prefix)
    assert key["verificationMethod"] == f"{key['did']}#{key['publicKeyMultibase']}"
    assert key["secretKeyMultibase"].startswith("z")


@pytest.mark.parametrize("entry", [e for e in json.loads((VECTORS / "manifest.json").read_text())["signed"]],
                         ids=lambda e: e["name"])
def test_vectors_verify_with_proof_check(entry):
    code, result = run_json("verify", "--checks", "proof", "--now", NOW, VECTORS / entry["file"])
    assert code == 0, result
    assert result["verified"] is True
    code, result = run_json("verify", "--now", NOW, VECTORS / entry["file"])
    assert code == 1
    assert [c["check"] for c in result["checks"] if c["status"] == "failed"] == ["issuer"]


@pytest.mark.parametrize(("suite", "signed", "key"), [
    ("eddsa-rdfc-2022", "vc-di-eddsa/eddsa-rdfc-2022_signedDataInt.json", "vc-di-eddsa/keyPair.json"),
    ("eddsa-jcs-2022", "vc-di-eddsa/eddsa-jcs-2022_signedJCS.json", "vc-di-eddsa/keyPair.json"),
])
def test_issue_reproduces_the_deterministic_vectors(suite, signed, key):
    expected = json.loads((VECTORS / signed).read_text())
    proof = expected["proof"]
    code, issued = run_json(
        "issue", "--key", VECTORS / key, "--suite", suite, "--verification-method", proof["verificationMethod"],
        "--created", proof["created"], VECTORS / "vc-di-eddsa/unsigned.json",
    )
    assert code == 0, issued
    assert issued["proof"]["proofValue"] == proof["proofValue"]
    assert issued == expected


def test_issue_and_verify_every_suite(tmp_path):
    for kind, suites in (("ed25519", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt"]),
                         ("p256", ["ecdsa-rdfc-2019", "ecdsa-jcs-2019", "vc-jwt"]),
                         ("p384", ["ecdsa-rdfc-2019", "ecdsa-jcs-2019", "vc-jwt"])):
        _, key = run_json("keygen", "--type", kind)
        key_file = tmp_path / f"{kind}.json"
        key_file.write_text(json.dumps(key))
        unsigned = json.loads((VECTORS / "vc-di-eddsa/unsigned.json").read_text())
        unsigned["issuer"] = key["did"]
        src = tmp_path / "unsigned.json"
        src.write_text(json.dumps(unsigned))
        for suite in suites:
            code, text = run("issue", "--key", key_file, "--suite", suite, src)
            assert code == 0, text
            signed = tmp_path / f"{kind}-{suite}.out"
            signed.write_text(text)
            if suite == "vc-jwt":
                assert text.count(".") == 2 and not text.startswith("{")
            code, result = run_json("verify", "--now", NOW, signed)
            assert code == 0, (kind, suite, result)


def test_jsonl_batch(tmp_path):
    _, key = run_json("keygen")
    key_file = tmp_path / "k.json"
    key_file.write_text(json.dumps(key))
    unsigned = json.loads((VECTORS / "vc-di-eddsa/unsigned.json").read_text())
    unsigned["issuer"] = key["did"]
    lines = []
    for i in range(5):
        unsigned["credentialSubject"]["alumniOf"] = f"School {i}"
        lines.append(json.dumps(unsigned))
    lines.append("this line is not json")
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    code, text = run("issue", "--jsonl", "--key", key_file, src)
    out = text.splitlines()
    assert len(out) == 6 and code == 2
    assert json.loads(out[-1])["error"]["code"] == errors.PARSING_ERROR
    signed = tmp_path / "signed.jsonl"
    signed.write_text("\n".join(out[:5]) + "\n")
    code, text = run("verify", "--jsonl", "--now", NOW, signed)
    results = [json.loads(line) for line in text.splitlines()]
    assert code == 0 and len(results) == 5 and all(r["verified"] for r in results)


def test_errors_are_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, result = run_json("verify", bad)
    assert code == 2 and result["error"]["code"] == errors.PARSING_ERROR
    code, result = run_json("verify", tmp_path / "missing.json")
    assert code == 2 and result["error"]["code"] == errors.PARSING_ERROR
    code, result = run_json("frobnicate")
    assert code == 2 and result["error"]["code"] == "USAGE_ERROR"
    code, result = run_json("verify", "--checks", "proof,vibes", VECTORS / "vc-di-eddsa/eddsa-rdfc-2022_signedDataInt.json")
    assert code == 2 and result["error"]["code"] == errors.MALFORMED_VALUE_ERROR


def test_present_and_verify_presentation(tmp_path):
    _, issuer = run_json("keygen")
    _, holder = run_json("keygen", "--type", "p256")
    (tmp_path / "issuer.json").write_text(json.dumps(issuer))
    (tmp_path / "holder.json").write_text(json.dumps(holder))
    unsigned = json.loads((VECTORS / "vc-di-eddsa/unsigned.json").read_text())
    unsigned["issuer"] = issuer["did"]
    (tmp_path / "u.json").write_text(json.dumps(unsigned))
    _, text = run("issue", "--key", tmp_path / "issuer.json", tmp_path / "u.json")
    (tmp_path / "vc.json").write_text(text)
    _, text = run("issue", "--key", tmp_path / "issuer.json", "--suite", "vc-jwt", tmp_path / "u.json")
    (tmp_path / "vc.jwt").write_text(text)
    code, text = run("present", "--key", tmp_path / "holder.json", "--challenge", "n-0S6", "--domain", "hr.example",
                     tmp_path / "vc.json", tmp_path / "vc.jwt")
    assert code == 0, text
    (tmp_path / "vp.json").write_text(text)
    code, result = run_json("verify-presentation", "--challenge", "n-0S6", "--domain", "hr.example", "--now", NOW,
                            tmp_path / "vp.json")
    assert code == 0, result
    assert len(result["credentials"]) == 2
    code, result = run_json("verify-presentation", "--challenge", "replayed", "--domain", "hr.example",
                            "--now", NOW, tmp_path / "vp.json")
    assert code == 1
    assert result["checks"][1]["code"] == errors.INVALID_CHALLENGE_ERROR


def test_did_resolve(tmp_path):
    key = json.loads((VECTORS / "vc-di-eddsa/keyPair.json").read_text())
    did = "did:key:" + key["publicKeyMultibase"]
    code, result = run_json("did", "resolve", did)
    assert code == 0
    assert result["didDocument"]["id"] == did
    assert result["didResolutionMetadata"]["contentType"] == "application/did+ld+json"
    code, result = run_json("did", "resolve", "did:example:123")
    assert code == 1 and result["didResolutionMetadata"]["error"] == errors.DID_METHOD_NOT_SUPPORTED
    code, result = run_json("did", "resolve", "not-a-did")
    assert code == 2 and result["didResolutionMetadata"]["error"] == errors.DID_INVALID
    doc = {"@context": ["https://www.w3.org/ns/did/v1"], "id": "did:web:uni.example", "verificationMethod": []}
    (tmp_path / "did.json").write_text(json.dumps(doc))
    code, result = run_json("did", "resolve", "did:web:uni.example", "--did-doc", tmp_path / "did.json")
    assert code == 0 and result["didDocument"] == doc


def test_console_script_never_prints_a_traceback(tmp_path):
    exe = Path(sys.executable).parent / "vc"
    if not exe.exists():
        exe = shutil.which("vc")
    assert exe, "the vc console script is not installed"
    bad = tmp_path / "deep.json"
    bad.write_text("[" * 200_000 + "]" * 200_000)
    proc = subprocess.run([str(exe), "verify", str(bad)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["code"] == errors.PARSING_ERROR
    assert "Traceback" not in proc.stderr
    proc = subprocess.run([str(exe), "verify", "--checks", "proof", "--now", NOW,
                           str(VECTORS / "vc-di-ecdsa/ecdsa-jcs-2019-p384_signedJCSECDSAP384.json")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_verify_with_status_lists(tmp_path):
    from credentials.vc import status, suites
    from identity.keys import KeySigner, PrivateKey

    _, key = run_json("keygen")
    (tmp_path / "k.json").write_text(json.dumps(key))
    signer = KeySigner(PrivateKey.from_multibase(key["secretKeyMultibase"]), key["verificationMethod"])
    list_url = "https://registrar.example.edu/status/1"
    bits = status.new_bitstring(131_072)
    status.set_status(bits, 7)
    status_list = suites.add_proof(
        status.build_status_list_credential(list_id=list_url, issuer=key["did"], purpose="revocation", bits=bits),
        signer=signer, cryptosuite="eddsa-rdfc-2022")
    (tmp_path / "list.json").write_text(json.dumps(status_list))
    for index, expected_code, outcome in (("6", 0, "ok"), ("7", 1, "revoked")):
        unsigned = json.loads((VECTORS / "vc-di-eddsa/unsigned.json").read_text())
        unsigned["issuer"] = key["did"]
        unsigned["credentialStatus"] = {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry",
                                        "statusPurpose": "revocation", "statusListIndex": index,
                                        "statusListCredential": list_url}
        (tmp_path / "u.json").write_text(json.dumps(unsigned))
        _, text = run("issue", "--key", tmp_path / "k.json", tmp_path / "u.json")
        (tmp_path / "vc.json").write_text(text)
        code, result = run_json("verify", "--now", NOW, "--status-list", tmp_path / "list.json", tmp_path / "vc.json")
        check = next(c for c in result["checks"] if c["check"] == "status")
        assert (code, check["outcome"]) == (expected_code, outcome), result
        # Without the list the status is unknown, never ok.
        code, result = run_json("verify", "--now", NOW, tmp_path / "vc.json")
        check = next(c for c in result["checks"] if c["check"] == "status")
        assert check["status"] == "skipped" and check["outcome"] == "unknown"


def test_extra_context_from_a_file(tmp_path):
    _, key = run_json("keygen")
    (tmp_path / "k.json").write_text(json.dumps(key))
    url = "https://contexts.example.edu/graduate/v1"
    (tmp_path / "ctx.json").write_text(json.dumps({"@context": {"@protected": True,
                                                              "honours": "https://contexts.example.edu/graduate#honours"}}))
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2", url], "type": ["VerifiableCredential"],
                  "issuer": key["did"], "credentialSubject": {"id": "did:example:1", "honours": "一等荣誉 First Class"}}
    (tmp_path / "u.json").write_text(json.dumps(credential, ensure_ascii=False))
    code, result = run_json("issue", "--key", tmp_path / "k.json", tmp_path / "u.json")
    assert code == 2 and result["error"]["code"] == errors.PARSING_ERROR  # never fetched
    ctx = f"{url}={tmp_path / 'ctx.json'}"
    code, text = run("issue", "--key", tmp_path / "k.json", "--context", ctx, tmp_path / "u.json")
    assert code == 0, text
    (tmp_path / "vc.json").write_text(text)
    code, result = run_json("verify", "--now", NOW, "--context", ctx, tmp_path / "vc.json")
    assert code == 0, result
    code, result = run_json("verify", "--now", NOW, tmp_path / "vc.json")
    assert code == 1 and result["checks"][1]["code"] == errors.PARSING_ERROR


def test_legacy_round_trip_through_the_console_script(tmp_path):
    """didkit's runtime must not turn a success into a crash at exit."""
    exe = str(Path(sys.executable).parent / "vc")

    def vc(*argv):
        proc = subprocess.run([exe, *map(str, argv)], capture_output=True, text=True, timeout=120)
        assert "Fatal Python error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        return proc.returncode, proc.stdout

    _, key = vc("keygen")
    (tmp_path / "issuer.json").write_text(key)
    _, holder = vc("keygen")
    (tmp_path / "holder.json").write_text(holder)
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.w3.org/2018/credentials/examples/v1"],
        "type": ["VerifiableCredential", "UniversityDegreeCredential"], "issuer": json.loads(key)["did"],
        "issuanceDate": "2020-03-10T04:24:12Z",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
                              "degree": {"type": "BachelorDegree", "name": "Bachelor of Science and Arts"}},
    }
    (tmp_path / "v11.json").write_text(json.dumps(credential))
    code, signed = vc("issue", "--key", tmp_path / "issuer.json", "--suite", "ed25519-signature-2018", tmp_path / "v11.json")
    assert code == 0 and json.loads(signed)["proof"]["type"] == "Ed25519Signature2018"
    (tmp_path / "signed.json").write_text(signed)
    code, result = vc("verify", "--now", NOW, tmp_path / "signed.json")
    assert code == 0, result
    code, vp = vc("present", "--key", tmp_path / "holder.json", "--challenge", "abc", "--suite",
                  "ed25519-signature-2018", tmp_path / "signed.json")
    assert code == 0, vp
    (tmp_path / "vp.json").write_text(vp)
    code, result = vc("verify-presentation", "--challenge", "abc", "--now", NOW, tmp_path / "vp.json")
    assert code == 0, result
    code, result = vc("verify-presentation", "--challenge", "replayed", "--now", NOW, tmp_path / "vp.json")
    assert code == 1 and json.loads(result)["checks"][1]["code"] == errors.INVALID_CHALLENGE_ERROR


@pytest.mark.parametrize(("path", "prefix"), [("vc-di-eddsa/keyPair.json", "did:key:z6Mk"),
                                              ("vc-di-ecdsa/p256KeyPair.json", "did:key:zDn"),
                                              ("vc-di-ecdsa/p384KeyPair.json", "did:key:z82")])
def test_keygen_reads_the_w3c_vector_key_files(path, prefix):
    vector = json.loads((VECTORS / path).read_text())
    code, key = run_json("keygen", "--from", VECTORS / path)
    assert code == 0
    assert key["publicKeyMultibase"] == vector["publicKeyMultibase"]
    assert key["did"] == "did:key:" + vector["publicKeyMultibase"] and key["did"].startswith(prefix)
    assert key["verificationMethod"] == f"{key['did']}#{vector['publicKeyMultibase']}"
