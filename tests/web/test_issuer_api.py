"""Issuer API: API keys and scopes, issuing (idempotency), listing, status changes, batches, VC-API issue.

Personas: university A with keys of each scope, university B with its own key,
a member of A with a portal session, and a stranger with an account.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from credentials import batches, services
from credentials.models import Batch, Credential
from credentials.selectors import template_default_for_org, template_get_for_org
from identity.api.authentication import ApiKeyRateThrottle
from identity.selectors import organisation_did
from identity.services import Actor, api_key_create, api_key_revoke, membership_set

PROBLEM = "application/problem+json"
ALL_SCOPES = ["credentials:issue", "credentials:read", "credentials:revoke"]


def recipient(number: str = "2021001234", **extra: str) -> dict[str, str]:
    return {
        "student_number": number,
        "name": "张三 <b>Zhang</b>",
        "major": "Computer Science",
        "gpa": "3.80",
        "date_of_award": "2025-06-30",
        **extra,
    }


def client_for(token: str | None) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def post(client: APIClient, path: str, body: Any, **extra: Any) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:800]
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert body["status"] == status and body["code"] == code
    assert {"type", "title", "detail"} <= set(body)
    return body


class Uni:
    """An organisation with API keys of each kind."""

    def __init__(self, slug: str) -> None:
        self.org = services.organisation_onboard(slug=slug, name_en=f"University {slug}", name_zh=f"{slug}大学")
        self.tokens: dict[str, str] = {}
        for name, scopes in {
            "all": ALL_SCOPES,
            "read": ["credentials:read"],
            "issue": ["credentials:issue"],
            "revoke": ["credentials:revoke"],
        }.items():
            _, self.tokens[name] = api_key_create(organisation=self.org, name=name, scopes=scopes)

    def client(self, scope: str = "all") -> APIClient:
        return client_for(self.tokens[scope])

    def issue(self, number: str = "2021001234", **extra: str) -> Credential:
        template = template_default_for_org(organisation=self.org)
        assert template is not None
        return services.credential_issue(template=template, recipient=recipient(number, **extra), actor=Actor.system()).credential


@pytest.fixture
def uni_a(db: Any) -> Uni:
    return Uni("uni-a")


@pytest.fixture
def uni_b(db: Any) -> Uni:
    return Uni("uni-b")


@pytest.fixture(autouse=True)
def _clear_throttle_cache() -> None:
    from django.core.cache import cache

    cache.clear()


# --------------------------------------------------------------------------- issue one


def test_issue_returns_a_signed_credential_that_verifies(uni_a: Uni) -> None:
    response = post(uni_a.client("issue"), "/api/v1/credentials", {"template": "bachelor", "recipient": recipient()})
    assert response.status_code == 201, response.content[:800]
    body = response.json()
    assert body["existed"] is False and body["idempotentReplay"] is False
    assert body["verificationUrl"] == f"http://testserver/v/{body['id']}"
    assert response["Location"] == f"/api/v1/credentials/{body['id']}"
    assert body["status"] == "active" and body["template"] == "bachelor" and body["batch"] is None
    document = body["credential"]
    assert document["issuer"]["id"] == organisation_did(uni_a.org)
    assert document["credentialSubject"]["name"] == "张三 <b>Zhang</b>"
    assert "AchievementCredential" in document["type"] and document["proof"]
    result = services.credential_verify(credential=document)
    assert result.verified, result.as_dict()
    stored = Credential.objects.get(public_id=body["id"])
    assert stored.organisation == uni_a.org and stored.document == document


def test_issue_uses_the_default_template_when_none_is_named(uni_a: Uni) -> None:
    response = post(uni_a.client(), "/api/v1/credentials", {"recipient": recipient()})
    assert response.status_code == 201
    assert response.json()["template"] == template_default_for_org(organisation=uni_a.org).slug


def test_idempotency_key_replays_the_first_credential(uni_a: Uni) -> None:
    client = uni_a.client("issue")
    first = post(client, "/api/v1/credentials", {"recipient": recipient()}, HTTP_IDEMPOTENCY_KEY="req-7f3a")
    assert first.status_code == 201
    again = post(client, "/api/v1/credentials", {"recipient": recipient()}, HTTP_IDEMPOTENCY_KEY="req-7f3a")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["existed"] is True and again.json()["idempotentReplay"] is True
    # A retry with the same key never issues again, whatever the body says.
    other = post(client, "/api/v1/credentials", {"recipient": recipient("2021009999")}, HTTP_IDEMPOTENCY_KEY="req-7f3a")
    assert other.status_code == 200 and other.json()["id"] == first.json()["id"]
    assert Credential.objects.filter(organisation=uni_a.org).count() == 1


def test_same_student_without_a_key_returns_the_existing_credential(uni_a: Uni) -> None:
    client = uni_a.client("issue")
    first = post(client, "/api/v1/credentials", {"recipient": recipient()})
    second = post(client, "/api/v1/credentials", {"recipient": recipient(name="Another Name")})
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["existed"] is True and second.json()["idempotentReplay"] is False
    assert Credential.objects.count() == 1


def test_idempotency_keys_are_per_organisation(uni_a: Uni, uni_b: Uni) -> None:
    a = post(uni_a.client(), "/api/v1/credentials", {"recipient": recipient()}, HTTP_IDEMPOTENCY_KEY="k1")
    b = post(uni_b.client(), "/api/v1/credentials", {"recipient": recipient()}, HTTP_IDEMPOTENCY_KEY="k1")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize("key", ["", " padded", "x" * 256, "tab\there", "非ascii"])
def test_bad_idempotency_key_is_400(uni_a: Uni, key: str) -> None:
    response = post(uni_a.client(), "/api/v1/credentials", {"recipient": recipient()}, HTTP_IDEMPOTENCY_KEY=key)
    body = assert_problem(response, 400, "MALFORMED_VALUE_ERROR")
    assert body["errors"] == [{"field": "Idempotency-Key", "message": "must be 1-255 printable ASCII characters"}]
    assert not Credential.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_issue_once() -> None:
    uni = Uni("uni-race")
    barrier = threading.Barrier(4)
    answers: list[Any] = []

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            # Different bodies: only the key ties them together.
            answers.append(
                post(uni.client("issue"), "/api/v1/credentials", {"recipient": recipient(f"20210000{n}")}, HTTP_IDEMPOTENCY_KEY="race-1")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 4
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.content[:300] for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Credential.objects.filter(organisation=uni.org).count() == 1


def test_invalid_recipient_fields_are_listed(uni_a: Uni) -> None:
    bad = {"student_number": "2021 0001", "name": "", "date_of_award": "2025-13-01", "shoe_size": "42"}
    body = assert_problem(post(uni_a.client(), "/api/v1/credentials", {"recipient": bad}), 400, "MALFORMED_VALUE_ERROR")
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields["recipient.student_number"] == "invalid"
    assert fields["recipient.name"] == "invalid"  # present but empty
    assert fields["recipient.major"] == "required"
    assert fields["recipient.date_of_award"] == "not a valid date (YYYY-MM-DD)"
    assert fields["recipient.shoe_size"] == "unknown field"
    assert not Credential.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "recipient"),
        ({"recipient": "张三"}, "recipient"),
        ({"recipient": [1]}, "recipient"),
        ({"recipient": recipient(), "template": "no such!"}, "template"),
        ({"recipient": recipient(), "template": "nonexistent"}, "template"),
    ],
)
def test_malformed_issue_requests_are_400_with_field_errors(uni_a: Uni, body: dict[str, Any], field: str) -> None:
    problem = assert_problem(post(uni_a.client(), "/api/v1/credentials", body), 400, "MALFORMED_VALUE_ERROR")
    assert [e["field"] for e in problem["errors"]] == [field]


def test_other_organisations_template_is_unknown(uni_a: Uni, uni_b: Uni) -> None:
    from credentials.models import CredentialTemplate

    CredentialTemplate.objects.filter(organisation=uni_b.org, slug="master").update(slug="b-only")
    problem = assert_problem(post(uni_a.client(), "/api/v1/credentials", {"template": "b-only", "recipient": recipient()}), 400, "MALFORMED_VALUE_ERROR")
    assert problem["errors"] == [{"field": "template", "message": "no such active template"}]


def test_unparseable_bodies_are_parsing_errors(uni_a: Uni) -> None:
    client = uni_a.client()
    assert_problem(client.post("/api/v1/credentials", data=b"", content_type="application/json"), 400, "PARSING_ERROR")
    assert_problem(client.post("/api/v1/credentials", data=b'{"recipient": {}, "recipient": {}}', content_type="application/json"), 400, "PARSING_ERROR")
    assert_problem(client.post("/api/v1/credentials", data=b"<xml/>", content_type="application/xml"), 415, "UNSUPPORTED_MEDIA_TYPE")


# --------------------------------------------------------------------------- authentication and scopes


def test_auth_failures_are_401_and_alike(uni_a: Uni) -> None:
    org_prefix = uni_a.tokens["all"].split("_")[1]
    api_key_revoke(organisation=uni_a.org, prefix=uni_a.tokens["revoke"].split("_")[1])
    details = set()
    for header in [
        None,
        "Bearer",
        "Bearer a b",
        "Bearer garbage",
        f"Bearer lz_{org_prefix}_wrongsecret",
        "Bearer lz_000000000000_" + "x" * 43,
        f"Bearer {uni_a.tokens['revoke']}",
        "Bearer " + "lz_" + "a" * 300,
        f"Bearer {uni_a.tokens['all']}\u00e9",
    ]:
        client = APIClient()
        if header is not None:
            client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/credentials")
        body = assert_problem(response, 401, "NOT_AUTHENTICATED")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        if header is not None and header.split()[1:]:
            details.add(body["detail"])
    # One answer for every bad token: a probe learns nothing about which part was wrong.
    assert details == {"invalid or revoked API key"}


def test_other_schemes_are_not_keys(uni_a: Uni) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert_problem(client.get("/api/v1/credentials"), 401, "NOT_AUTHENTICATED")


@pytest.mark.parametrize(
    ("scope", "method", "path", "allowed"),
    [
        ("read", "post", "/api/v1/credentials", False),
        ("revoke", "post", "/api/v1/credentials", False),
        ("issue", "post", "/api/v1/credentials", True),
        ("issue", "get", "/api/v1/credentials", False),
        ("revoke", "get", "/api/v1/credentials", False),
        ("read", "get", "/api/v1/credentials", True),
        ("read", "get", "/api/v1/credentials/{id}", True),
        ("issue", "get", "/api/v1/credentials/{id}", False),
        ("read", "post", "/api/v1/credentials/{id}/revoke", False),
        ("issue", "post", "/api/v1/credentials/{id}/suspend", False),
        ("revoke", "post", "/api/v1/credentials/{id}/suspend", True),
        ("read", "post", "/api/v1/batches", False),
        ("issue", "get", "/api/v1/batches/{batch}", False),
        ("read", "post", "/credentials/issue", False),
        ("revoke", "post", "/credentials/issue", False),
    ],
)
def test_scopes(uni_a: Uni, scope: str, method: str, path: str, allowed: bool) -> None:
    credential = uni_a.issue("2021000001")
    batch = batches.batch_create_from_rows(organisation=uni_a.org, template=credential.template, rows=[recipient("2021000002")], actor=Actor.system())
    url = path.format(id=credential.public_id, batch=batch.public_id)
    client = uni_a.client(scope)
    if method == "get":
        response = client.get(url)
    elif url.endswith("/credentials") or url.endswith("/batches"):
        response = post(client, url, {"recipient": recipient("2021000003"), "rows": [recipient("2021000004")]})
    elif url == "/credentials/issue":
        response = post(client, url, {"credential": {}, "options": {"recipient": recipient("2021000005")}})
    else:
        response = post(client, url, {})
    if allowed:
        assert response.status_code in (200, 201), response.content[:500]
    else:
        body = assert_problem(response, 403, "PERMISSION_DENIED")
        assert "scope" in body["detail"]


def test_unmapped_methods_are_405(uni_a: Uni) -> None:
    assert_problem(uni_a.client().put("/api/v1/credentials", data="{}", content_type="application/json"), 405, "METHOD_NOT_ALLOWED")
    assert_problem(uni_a.client().delete("/api/v1/credentials/abc"), 405, "METHOD_NOT_ALLOWED")


def test_per_key_throttle(uni_a: Uni, uni_b: Uni, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ApiKeyRateThrottle.THROTTLE_RATES, "api_key", "2/minute")
    client = uni_a.client("read")
    assert client.get("/api/v1/credentials").status_code == 200
    assert client.get("/api/v1/credentials").status_code == 200
    response = client.get("/api/v1/credentials")
    assert_problem(response, 429, "TOO_MANY_REQUESTS")
    assert 0 < int(response["Retry-After"]) <= 60
    # Counted per key: another key of the same organisation, and another organisation, carry on.
    assert uni_a.client("all").get("/api/v1/credentials").status_code == 200
    assert uni_b.client().get("/api/v1/credentials").status_code == 200


def test_secrets_never_in_responses_or_logs(uni_a: Uni, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = uni_a.tokens["all"]
    secret = token.split("_", 2)[2]
    client = uni_a.client()
    bodies = [
        post(client, "/api/v1/credentials", {"recipient": recipient()}).content,
        client.get("/api/v1/credentials").content,
        post(client, "/api/v1/credentials", {"recipient": {"name": secret}}).content,
        client_for(token[:-1] + "A").get("/api/v1/credentials").content,
        client_for(token + " extra").get("/api/v1/credentials").content,
        client.get("/api/v1/credentials/nope").content,
    ]
    for body in bodies:
        # Not even the third answer, whose request carried the secret as a field value.
        assert secret.encode() not in body
    assert secret not in caplog.text
    assert token not in caplog.text


# --------------------------------------------------------------------------- tenancy


def test_cross_tenant_reads_and_writes_are_404_like_missing(uni_a: Uni, uni_b: Uni) -> None:
    credential = uni_a.issue()
    batch = batches.batch_create_from_rows(organisation=uni_a.org, template=credential.template, rows=[recipient("2")], actor=Actor.system())
    b = uni_b.client()
    missing = b.get("/api/v1/credentials/" + "x" * 22)
    foreign = b.get(f"/api/v1/credentials/{credential.public_id}")
    assert_problem(missing, 404, "NOT_FOUND")
    assert foreign.status_code == 404 and foreign.content == missing.content
    for action in ("revoke", "suspend", "reinstate"):
        assert post(b, f"/api/v1/credentials/{credential.public_id}/{action}", {}).content == post(b, f"/api/v1/credentials/{'y' * 22}/{action}", {}).content
    assert_problem(b.get(f"/api/v1/batches/{batch.public_id}"), 404, "NOT_FOUND")
    credential.refresh_from_db()
    assert credential.status == "active"
    assert b.get("/api/v1/credentials").json()["results"] == []
    assert [c["id"] for c in uni_a.client().get("/api/v1/credentials").json()["results"]] == [credential.public_id]
    # Filtering by A's batch from B finds nothing either.
    assert b.get("/api/v1/credentials", {"batch": batch.public_id}).json()["results"] == []


def test_same_student_in_two_organisations_is_two_credentials(uni_a: Uni, uni_b: Uni) -> None:
    a = post(uni_a.client(), "/api/v1/credentials", {"recipient": recipient()})
    b = post(uni_b.client(), "/api/v1/credentials", {"recipient": recipient()})
    assert a.status_code == b.status_code == 201
    assert b.json()["credential"]["issuer"]["id"] == organisation_did(uni_b.org)


@pytest.fixture
def member(uni_a: Uni) -> Any:
    user = get_user_model().objects.create_user(username="viewer", email="viewer@a.example", password="pw-12345678")
    membership_set(organisation=uni_a.org, user=user, role="viewer")
    return user


def test_session_members_may_read_only(uni_a: Uni, uni_b: Uni, member: Any) -> None:
    mine = uni_a.issue()
    uni_b.issue("2021000777")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    listed = client.get("/api/v1/credentials")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["results"]] == [mine.public_id]
    assert client.get(f"/api/v1/credentials/{mine.public_id}").status_code == 200
    assert client.get("/api/v1/credentials", {"organisation": "uni-a"}).status_code == 200
    assert_problem(client.get("/api/v1/credentials", {"organisation": "uni-b"}), 404, "NOT_FOUND")
    # Writes need an API key.
    assert_problem(post(client, "/api/v1/credentials", {"recipient": recipient("1")}), 403, "PERMISSION_DENIED")


def test_session_without_membership_sees_nothing(uni_a: Uni) -> None:
    uni_a.issue()
    stranger = get_user_model().objects.create_user(username="s", email="s@example.org", password="pw-12345678")
    client = APIClient()
    client.force_login(stranger)
    assert_problem(client.get("/api/v1/credentials"), 404, "NOT_FOUND")
    assert_problem(client.get("/api/v1/credentials", {"organisation": "uni-a"}), 404, "NOT_FOUND")


# --------------------------------------------------------------------------- listing


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [c["id"] for c in response.json()["results"]]


def test_pagination_walks_every_credential_once(uni_a: Uni) -> None:
    template = template_default_for_org(organisation=uni_a.org)
    # One bulk issue: all five share issued_at, so the cursor's tie-break is exercised.
    issued = services.credentials_issue(template=template, recipients=[recipient(f"s{n}") for n in range(5)], actor=Actor.system(), notify=False)
    client = uni_a.client("read")
    seen: list[str] = []
    response = client.get("/api/v1/credentials", {"page_size": 2})
    pages = 0
    while True:
        pages += 1
        seen += _ids(response)
        body = response.json()
        if body["next"] is None:
            assert body["nextUrl"] is None
            break
        assert body["nextUrl"].startswith("http://testserver/api/v1/credentials?")
        response = client.get(body["nextUrl"])
    assert pages == 3
    assert sorted(seen) == sorted(i.credential.public_id for i in issued)
    assert len(set(seen)) == 5


@pytest.mark.parametrize(
    "params",
    [{"page_size": 0}, {"page_size": 101}, {"page_size": "x"}, {"cursor": "!!"}, {"cursor": "bm90IGpzb24"}, {"status": "deleted"}, {"issued_after": "yesterday"}],
)
def test_bad_list_parameters_are_400(uni_a: Uni, params: dict[str, Any]) -> None:
    body = assert_problem(uni_a.client().get("/api/v1/credentials", params), 400, "MALFORMED_VALUE_ERROR")
    assert body["errors"][0]["field"] == next(iter(params))


def test_filters(uni_a: Uni) -> None:
    bachelor = template_default_for_org(organisation=uni_a.org)
    master = template_get_for_org(organisation=uni_a.org, slug="master")
    earlier = timezone.now() - timedelta(days=3)
    old = services.credentials_issue(template=bachelor, recipients=[recipient("old1")], actor=Actor.system(), now=earlier, notify=False)[0].credential
    new = services.credentials_issue(template=bachelor, recipients=[recipient("new1")], actor=Actor.system(), notify=False)[0].credential
    other = services.credentials_issue(template=master, recipients=[recipient("new1")], actor=Actor.system(), notify=False)[0].credential
    batch = batches.batch_create_from_rows(organisation=uni_a.org, template=bachelor, rows=[recipient("b1")], actor=Actor.system())
    in_batch = services.credentials_issue(template=bachelor, recipients=[recipient("b1")], actor=Actor.system(), batch=batch, notify=False)[0].credential
    services.credential_status_change(credential=old, action="revoke", actor=Actor.system())
    c = uni_a.client("read")
    cutoff = (timezone.now() - timedelta(days=1)).isoformat()
    assert _ids(c.get("/api/v1/credentials", {"status": "revoked"})) == [old.public_id]
    assert set(_ids(c.get("/api/v1/credentials", {"student_number": "new1"}))) == {new.public_id, other.public_id}
    assert _ids(c.get("/api/v1/credentials", {"template": "master"})) == [other.public_id]
    assert _ids(c.get("/api/v1/credentials", {"batch": batch.public_id})) == [in_batch.public_id]
    assert _ids(c.get("/api/v1/credentials", {"issued_before": cutoff})) == [old.public_id]
    assert set(_ids(c.get("/api/v1/credentials", {"issued_after": cutoff}))) == {new.public_id, other.public_id, in_batch.public_id}
    assert _ids(c.get("/api/v1/credentials", {"issued_after": cutoff, "template": "master", "status": "active"})) == [other.public_id]
    detail = c.get(f"/api/v1/credentials/{in_batch.public_id}").json()
    assert detail["batch"] == batch.public_id and detail["studentNumber"] == "b1"


# --------------------------------------------------------------------------- status changes


def test_revoke_suspend_reinstate(uni_a: Uni) -> None:
    credential = uni_a.issue()
    c = uni_a.client("revoke")
    url = f"/api/v1/credentials/{credential.public_id}"
    suspended = post(c, url + "/suspend", {"reason": "under review"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert not services.credential_verify(credential=suspended.json()["credential"]).verified
    reinstated = c.post(url + "/reinstate")  # no body at all
    assert reinstated.status_code == 200 and reinstated.json()["status"] == "active"
    assert services.credential_verify(credential=reinstated.json()["credential"]).verified
    revoked = post(c, url + "/revoke", {})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert post(c, url + "/revoke", {}).json()["status"] == "revoked"  # repeating changes nothing
    problem = assert_problem(post(c, url + "/suspend", {}), 409, "INVALID_STATUS_CHANGE")
    assert problem["type"] == "urn:lianzheng:problem:invalid-status-change"
    assert_problem(post(c, url + "/reinstate", {"reason": ["x"]}), 400, "MALFORMED_VALUE_ERROR")
    result = services.credential_verify(credential=revoked.json()["credential"])
    assert not result.verified
    assert uni_a.client("read").get(url).json()["status"] == "revoked"
    from identity.models import AuditEvent

    actions = list(AuditEvent.objects.filter(organisation=uni_a.org, object_id=credential.public_id).values_list("action", "actor_label"))
    assert ("credential.suspend", f"api key {uni_a.tokens['revoke'].split('_')[1]} (revoke)") in actions


# --------------------------------------------------------------------------- batches


def test_json_batch_is_queued_and_issued(uni_a: Uni, django_capture_on_commit_callbacks: Any) -> None:
    rows = [recipient(f"2024{n:04d}") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(uni_a.client("issue"), "/api/v1/batches", {"template": "bachelor", "rows": rows})
    assert response.status_code == 202, response.content[:800]
    body = response.json()
    assert response["Location"] == f"/api/v1/batches/{body['id']}"
    assert body["state"] == "queued" and body["totalRows"] == 3 and body["validRows"] == 3 and body["rowErrors"] == []
    assert callbacks, "the worker task is sent on commit"
    # What the worker task does:
    batches.batch_run(batch_id=Batch.objects.get(public_id=body["id"]).pk, notify=False)
    progress = uni_a.client("read").get(response["Location"]).json()
    assert progress["state"] == "done" and progress["percent"] == 100.0 and progress["issuedRows"] == 3
    listed = uni_a.client("read").get("/api/v1/credentials", {"batch": body["id"]}).json()["results"]
    assert len(listed) == 3
    assert all(services.credential_verify(credential=c["credential"]).verified for c in listed[:1])
    # The same rows again: nothing is issued twice.
    with django_capture_on_commit_callbacks(execute=False):
        again = post(uni_a.client("issue"), "/api/v1/batches", {"rows": rows})
    batches.batch_run(batch_id=Batch.objects.get(public_id=again.json()["id"]).pk, notify=False)
    second = uni_a.client("read").get(again["Location"]).json()
    assert second["skippedRows"] == 3 and second["issuedRows"] == 0
    assert Credential.objects.filter(organisation=uni_a.org).count() == 3


def test_batch_with_errors_issues_nothing_unless_only_valid(uni_a: Uni) -> None:
    rows = [recipient("ok1"), {**recipient("bad1"), "date_of_award": "30/06/2025"}, recipient("ok1")]
    response = post(uni_a.client(), "/api/v1/batches", {"rows": rows})
    assert response.status_code == 422
    body = response.json()
    assert body["state"] == "invalid" and body["validRows"] == 1 and body["rowErrorCount"] == 2
    assert body["rowErrors"][0] == {"row": 2, "errors": [{"field": "date_of_award", "message": "not a valid date (YYYY-MM-DD)"}]}
    assert body["rowErrors"][1]["row"] == 3 and body["rowErrors"][1]["errors"][0]["field"] == "student_number"
    assert uni_a.client().get(response["Location"]).json()["state"] == "invalid"
    assert not Credential.objects.exists()
    started = post(uni_a.client(), "/api/v1/batches", {"rows": rows, "onlyValid": True})
    assert started.status_code == 202 and started.json()["state"] == "queued" and started.json()["onlyValid"] is True


@pytest.mark.parametrize(
    "body",
    [{"rows": []}, {"rows": "a,b"}, {"rows": [1]}, {"template": "nope", "rows": [recipient()]}, {"rows": [recipient()], "onlyValid": "maybe"}],
)
def test_malformed_batch_requests_are_400(uni_a: Uni, body: dict[str, Any]) -> None:
    assert_problem(post(uni_a.client(), "/api/v1/batches", body), 400, "MALFORMED_VALUE_ERROR")
    assert not Batch.objects.exists()


CSV = "student_number,name,major,date_of_award\r\n2024A1,王小明,Physics,2025-06-30\r\n2024A2,李雷,Physics,2025-06-30\r\n"


def test_csv_upload_multipart_and_raw(uni_a: Uni) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("class.csv", CSV.encode("utf-8"), content_type="text/csv")
    response = uni_a.client().post("/api/v1/batches", {"file": upload, "template": "master"}, format="multipart")
    assert response.status_code == 202, response.content[:800]
    assert response.json()["template"] == "master" and response.json()["totalRows"] == 2
    assert Batch.objects.get(public_id=response.json()["id"]).source_name == "class.csv"
    raw = uni_a.client().post("/api/v1/batches?template=doctor", data=("\ufeff" + CSV).encode("utf-8"), content_type="text/csv")
    assert raw.status_code == 202, raw.content[:800]
    assert raw.json()["template"] == "doctor" and raw.json()["validRows"] == 2


def test_csv_file_errors(uni_a: Uni) -> None:
    gbk = uni_a.client().post("/api/v1/batches", data=CSV.encode("gbk"), content_type="text/csv")
    assert gbk.status_code == 422
    assert gbk.json()["errors"][0]["code"] == "ENCODING" and gbk.json()["totalRows"] == 0
    header = uni_a.client().post("/api/v1/batches", data=b"who,what\r\n1,2\r\n", content_type="text/csv")
    assert header.status_code == 422 and {e["code"] for e in header.json()["errors"]} >= {"MISSING_COLUMNS"}
    assert_problem(uni_a.client().post("/api/v1/batches", data=b"", content_type="text/csv"), 400, "PARSING_ERROR")
    no_file = uni_a.client().post("/api/v1/batches", {"template": "master"}, format="multipart")
    assert assert_problem(no_file, 400, "MALFORMED_VALUE_ERROR")["errors"][0]["field"] == "file"
    assert not Credential.objects.exists()


# --------------------------------------------------------------------------- VC-API issue


def vc_body(**subject: Any) -> dict[str, Any]:
    return {
        "credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "type": ["VerifiableCredential", "AchievementCredential"],
            "awardedDate": "2025-06-30T00:00:00Z",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "name": "张三",
                "identifier": [
                    {"type": "IdentityObject", "identityType": "studentId", "identityHash": "2021001234", "hashed": False},
                    {"type": "IdentityObject", "identityType": "ext:dateOfBirth", "identityHash": "2003-01-02", "hashed": False},
                ],
                "achievement": {"specialization": "Computer Science"},
                **subject,
            },
        },
        "options": {},
    }


def test_vcapi_issue_maps_the_subject(uni_a: Uni) -> None:
    response = post(uni_a.client("issue"), "/credentials/issue", vc_body(gpa=3.5))
    assert response.status_code == 201, response.content[:800]
    vc = response.json()["verifiableCredential"]
    assert services.credential_verify(credential=vc).verified
    stored = Credential.objects.get(organisation=uni_a.org)
    assert stored.document == vc
    assert stored.subject == {
        "student_number": "2021001234",
        "name": "张三",
        "major": "Computer Science",
        "gpa": "3.5",
        "date_of_award": "2025-06-30",
        "date_of_birth": "2003-01-02",
    }
    assert stored.template == template_default_for_org(organisation=uni_a.org)
    # The same student again: the existing credential, 200.
    again = post(uni_a.client("issue"), "/credentials/issue", vc_body())
    assert again.status_code == 200 and again.json()["verifiableCredential"] == vc


def test_vcapi_issue_options(uni_a: Uni) -> None:
    body = {"credential": {"issuer": organisation_did(uni_a.org)}, "options": {"template": "master", "recipient": recipient()}}
    response = post(uni_a.client(), "/credentials/issue", body, HTTP_IDEMPOTENCY_KEY="vc-1")
    assert response.status_code == 201
    assert Credential.objects.get().template.slug == "master"
    again = post(uni_a.client(), "/credentials/issue", {"credential": {}, "options": {"recipient": recipient("zzz")}}, HTTP_IDEMPOTENCY_KEY="vc-1")
    assert again.status_code == 200 and Credential.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credential": {"issuer": "did:web:evil.example"}}, "credential.issuer"),
        ({"credential": {"issuer": {"id": "did:web:testserver:orgs:uni-b"}}}, "credential.issuer"),
        ({"credential": "not a credential"}, "credential"),
        ({"options": {}}, "credential"),
        ({"credential": {}, "options": {"template": "nope"}}, "options.template"),
        ({"credential": {"credentialSubject": {"name": "X"}}}, "student_number"),
    ],
)
def test_vcapi_issue_errors(uni_a: Uni, body: dict[str, Any], field: str) -> None:
    problem = assert_problem(post(uni_a.client(), "/credentials/issue", body), 400, "MALFORMED_VALUE_ERROR")
    assert field in [e["field"] for e in problem["errors"]]
    assert not Credential.objects.exists()


def test_vcapi_issue_needs_a_key(uni_a: Uni) -> None:
    assert_problem(post(APIClient(), "/credentials/issue", vc_body()), 401, "NOT_AUTHENTICATED")


def test_head_is_a_read(uni_a: Uni) -> None:
    assert uni_a.client("read").head("/api/v1/credentials").status_code == 200
    assert uni_a.client("issue").head("/api/v1/credentials").status_code == 403


def test_raw_csv_with_only_valid(uni_a: Uni) -> None:
    data = (CSV + "2024A3,韩梅梅,Physics,next year\r\n").encode("utf-8")
    refused = uni_a.client().post("/api/v1/batches", data=data, content_type="text/csv")
    assert refused.status_code == 422 and refused.json()["rowErrors"][0]["row"] == 3
    started = uni_a.client().post("/api/v1/batches?onlyValid=true", data=data, content_type="text/csv")
    assert started.status_code == 202 and started.json()["validRows"] == 2 and started.json()["onlyValid"] is True
    assert_problem(uni_a.client().post("/api/v1/batches?onlyValid=perhaps", data=data, content_type="text/csv"), 400, "MALFORMED_VALUE_ERROR")


def test_vcapi_issue_takes_the_holder_from_credential_subject_id(uni_a: Uni) -> None:
    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    body = {
        "credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {
                "id": holder,
                "name": "赵六",
                "studentNumber": "H2026001",
                "major": "化学",
                "dateOfAward": "2026-07-01",
            },
        }
    }
    response = uni_a.client("issue").post("/credentials/issue", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["verifiableCredential"]["credentialSubject"]["id"] == holder
