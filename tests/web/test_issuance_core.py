"""Organisations, keys and issuance services: the foundation the portal, batches and API share."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from credentials import diplomas
from credentials.models import Credential, StatusList
from credentials.selectors import HostedStatusLists, template_default_for_org
from credentials.services import (
    IssueError,
    claim_link_create,
    claim_link_open,
    credential_issue,
    credential_status_change,
    credential_verify,
    credentials_issue,
    organisation_onboard,
    status_indexes_allocate,
    status_list_document,
)
from identity.keys import KeyEnvelopeError, open_private_key
from identity.models import AuditEvent, OrgKey
from identity.selectors import did_resolver, organisation_did, organisation_did_document
from identity.services import Actor, org_key_create, org_key_mark_compromised
from identity.signing import key_store

pytestmark = pytest.mark.django_db

RECIPIENT = {
    "student_number": "2022010001",
    "name": "王小明",
    "major": "计算机科学与技术",
    "gpa": "3.72",
    "honours": "优秀毕业生",
    "date_of_award": "2026-07-01",
    "date_of_birth": "2004-03-05",
}


@pytest.fixture
def org():
    return organisation_onboard(slug="tsinghua", name_en="Tsinghua University", name_zh="清华大学", homepage="https://www.tsinghua.edu.cn/")


def _issue(org, **overrides):
    template = template_default_for_org(organisation=org)
    return credential_issue(template=template, recipient={**RECIPIENT, **overrides}, actor=Actor.system())


def test_onboarding_creates_did_key_and_templates(org):
    assert organisation_did(org) == "did:web:testserver:orgs:tsinghua"
    document = organisation_did_document(org)
    assert document["id"] == "did:web:testserver:orgs:tsinghua"
    assert document["assertionMethod"] == ["did:web:testserver:orgs:tsinghua#key-1"]
    assert {t.kind for t in org.templates.all()} == {"bachelor", "master", "doctor", "degree_certificate"}
    assert template_default_for_org(organisation=org).kind == "bachelor"
    # The resolver answers for hosted DIDs from the database.
    assert did_resolver().resolve("did:web:testserver:orgs:tsinghua") == document


def test_private_keys_are_sealed_and_bound_to_their_row(org, settings):
    key = OrgKey.objects.get(organisation=org)
    assert key.sealed_private.startswith("lzkey:v1:A256GCM:master-v1:")
    assert "sealed_private" not in repr(key) and key.sealed_private not in str(key)
    # Copied onto another row (other associated data) it does not open.
    other = organisation_onboard(slug="other", name_en="Other", name_zh="其他")
    other_key = OrgKey.objects.get(organisation=other)
    kek = bytes.fromhex(settings.LIANZHENG_MASTER_KEY)
    with pytest.raises(KeyEnvelopeError):
        open_private_key(key.sealed_private, kek, aad=f"lianzheng:orgkey:{other.pk}:{other_key.fragment}".encode())
    with pytest.raises(KeyEnvelopeError):
        open_private_key(key.sealed_private, bytes(32), aad=f"lianzheng:orgkey:{org.pk}:key-1".encode())


def test_issue_verifies_end_to_end(org):
    issued = _issue(org)
    assert not issued.existed
    credential = issued.credential
    assert len(credential.public_id) >= 22
    document = credential.document
    assert document["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert document["issuer"]["id"] == "did:web:testserver:orgs:tsinghua"
    assert document["credentialSubject"]["name"] == "王小明"
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    result = credential_verify(credential=document)
    assert result.verified, result.as_dict()
    assert [c["status"] for c in result.as_dict()["checks"]] == ["passed"] * 5
    # Tampering breaks it.
    forged = {**document, "credentialSubject": {**document["credentialSubject"], "name": "李四"}}
    assert not credential_verify(credential=forged).verified


def test_issue_is_idempotent_per_student_and_template(org):
    first = _issue(org)
    again = _issue(org, name="another name")
    assert again.existed and again.credential.pk == first.credential.pk
    assert Credential.objects.count() == 1


def test_idempotency_key_returns_the_first_credential(org):
    template = template_default_for_org(organisation=org)
    a = credential_issue(template=template, recipient=RECIPIENT, actor=Actor.system(), idempotency_key="k1")
    b = credential_issue(template=template, recipient={**RECIPIENT, "student_number": "X2"}, actor=Actor.system(), idempotency_key="k1")
    assert b.existed and b.credential.pk == a.credential.pk


def test_invalid_recipient_is_refused_with_field_errors(org):
    with pytest.raises(IssueError) as info:
        _issue(org, date_of_award="2026-02-30", gpa="9.9", name="")
    fields = {e["field"] for e in info.value.errors}
    assert fields == {"date_of_award", "gpa", "name"}
    assert Credential.objects.count() == 0


def test_recipient_validation_rules():
    today = timezone.now().date()
    _fields, errors = diplomas.recipient_validate({**RECIPIENT, "extra": "x", "date_of_birth": "2999-01-01"}, today=today)
    assert {(e.field, e.message) for e in errors} == {("extra", diplomas.ERROR_UNKNOWN), ("date_of_birth", diplomas.ERROR_FUTURE)}
    _fields, errors = diplomas.recipient_validate({**RECIPIENT, "name": "a\u202eb"}, today=today)
    assert [e.field for e in errors] == ["name"]
    fields, errors = diplomas.recipient_validate({**RECIPIENT, "honours": "  ", "name": " 王小明 "}, today=today)
    assert not errors and fields["name"] == "王小明" and "honours" not in fields


def test_revoke_suspend_reinstate(org):
    credential = _issue(org).credential
    credential_status_change(credential=credential, action="suspend", actor=Actor.system())
    result = credential_verify(credential=credential.document)
    assert not result.verified
    assert "SUSPENDED" in {c["code"] for c in result.as_dict()["checks"]}
    credential_status_change(credential=credential, action="reinstate", actor=Actor.system())
    assert credential_verify(credential=credential.document).verified
    credential_status_change(credential=credential, action="revoke", actor=Actor.system())
    assert not credential_verify(credential=credential.document).verified
    with pytest.raises(IssueError):
        credential_status_change(credential=credential, action="reinstate", actor=Actor.system())
    actions = list(AuditEvent.objects.filter(organisation=org).values_list("action", flat=True))
    assert {"credential.issue", "credential.suspend", "credential.reinstate", "credential.revoke"} <= set(actions)


def test_status_list_is_signed_cached_and_resigned_on_change(org):
    credential = _issue(org).credential
    status_list = credential.revocation_list
    first = status_list_document(status_list=status_list)
    assert status_list_document(status_list=StatusList.objects.get(pk=status_list.pk)) == first
    credential_status_change(credential=credential, action="revoke", actor=Actor.system())
    second = status_list_document(status_list=StatusList.objects.get(pk=status_list.pk))
    assert second["credentialSubject"]["encodedList"] != first["credentialSubject"]["encodedList"]
    hosted = HostedStatusLists()
    url = credential.document["credentialStatus"][0]["statusListCredential"]
    assert url in hosted and hosted[url] == second
    assert "http://testserver/orgs/tsinghua/status/nope" not in hosted


def test_status_list_is_valid_from_its_creation(org):
    """Not from its (lazy) signing time, which could be a moment after a
    verification that asks for it began."""
    credential = _issue(org).credential
    status_list = credential.suspension_list
    document = status_list_document(status_list=status_list)
    assert document["validFrom"] == status_list.created_at.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    from datetime import timedelta

    from credentials.vc import verify as vc_verify

    before_signing = timezone.now() - timedelta(seconds=2)
    result = vc_verify.verify_credential(
        credential.document, resolver=did_resolver(), status_lists=HostedStatusLists(), now=max(before_signing, credential.issued_at)
    )
    assert result.verified, result.as_dict()


def test_status_indexes_are_unique_and_not_sequential(org):
    with transaction.atomic():
        allocated = status_indexes_allocate(organisation=org, purpose="revocation", count=1000)
    indexes = [i for _l, i in allocated]
    assert len(set(indexes)) == 1000
    assert indexes[:5] != sorted(indexes[:5]) or indexes[1] - indexes[0] != 1


def test_status_list_rolls_over_when_full(org):
    template = template_default_for_org(organisation=org)
    StatusList.objects.filter(organisation=org).delete()
    small = StatusList.objects.create(organisation=org, purpose="revocation", public_id="small", size=131072, next_index=131071, bits=bytes(16384))
    with transaction.atomic():
        allocated = status_indexes_allocate(organisation=org, purpose="revocation", count=3)
    assert allocated[0][0].pk == small.pk
    assert {sl.pk for sl, _i in allocated[1:]} != {small.pk}
    assert template.pk


def test_rotation_keeps_old_credentials_verifying(org):
    old = _issue(org).credential
    org_key_create(organisation=org, key_type="P-256", actor=Actor.system())
    new = _issue(org, student_number="2022010002").credential
    assert old.document["proof"]["verificationMethod"].endswith("#key-1")
    assert new.document["proof"]["verificationMethod"].endswith("#key-2")
    assert credential_verify(credential=old.document).verified
    assert credential_verify(credential=new.document).verified
    document = organisation_did_document(org)
    assert len(document["verificationMethod"]) == 2
    assert document["authentication"] == ["did:web:testserver:orgs:tsinghua#key-2"]


def test_compromised_key_stops_verifying_and_is_replaced(org):
    credential = _issue(org).credential
    org_key_mark_compromised(organisation=org, fragment="key-1", actor=Actor.system())
    key = OrgKey.objects.get(organisation=org, fragment="key-1")
    assert key.status == "compromised" and key.compromised_at is not None
    assert not credential_verify(credential=credential.document).verified
    assert OrgKey.objects.get(organisation=org, status="active").fragment == "key-2"
    fresh = _issue(org, student_number="2022010003").credential
    assert credential_verify(credential=fresh.document).verified


def test_claim_links_expire_and_are_replaced(org):
    credential = _issue(org, email="holder@example.com").credential
    link, token = claim_link_create(credential=credential)
    assert len(token) >= 43 and link.token_hash != token
    assert claim_link_open(token=token) == credential
    _link2, token2 = claim_link_create(credential=credential)
    assert claim_link_open(token=token) is None
    assert claim_link_open(token=token2) == credential
    assert claim_link_open(token=token2, now=timezone.now() + timedelta(days=31)) is None
    assert claim_link_open(token="x" * 43) is None


def test_bulk_issue_writes_everything_in_one_transaction(org):
    template = template_default_for_org(organisation=org)
    today = timezone.now().date()
    rows = [diplomas.recipient_validate({**RECIPIENT, "student_number": f"S{n:04d}"}, today=today)[0] for n in range(50)]
    issued = credentials_issue(template=template, recipients=rows, actor=Actor.system())
    assert len(issued) == 50 and not any(i.existed for i in issued)
    again = credentials_issue(template=template, recipients=rows[:10] + [{**rows[0], "student_number": "NEW1"}], actor=Actor.system())
    assert [i.existed for i in again] == [True] * 10 + [False]
    assert Credential.objects.filter(organisation=org).count() == 51


def test_key_store_never_exposes_private_material(org):
    key = OrgKey.objects.get(organisation=org)
    signer = key_store().signer(key=key, verification_method="did:x#k")
    assert "lzkey" not in repr(signer) and key.public_multibase


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_audit_log_is_append_only_in_the_database(org):
    from django.db import DatabaseError

    event = AuditEvent.objects.filter(organisation=org).first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")


@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_of_the_same_student_issues_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions")
    org = organisation_onboard(slug="race", name_en="Race University", name_zh="竞态大学")
    template = template_default_for_org(organisation=org)
    results, errors = [], []

    def run():
        try:
            results.append(credential_issue(template=template, recipient=RECIPIENT, actor=Actor.system()))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Credential.objects.filter(template=template).count() == 1
    assert len({r.credential.pk for r in results}) == 1


def test_claim_email_is_plain_text_in_both_languages(org):
    from django.core import mail

    from credentials.services import claim_link_send

    credential = _issue(org, email="holder@example.com").credential
    claim_link_send(credential=credential)
    message = mail.outbox[-1]
    assert message.to == ["holder@example.com"]
    assert "Bachelor's Degree" in message.body and "&#x27;" not in message.body and "&amp;" not in message.body
    assert "http://testserver/claim/" in message.body
    assert "清华大学" in message.body and "王小明" in message.body


@pytest.mark.django_db(transaction=True)
def test_marking_a_key_compromised_waits_for_a_chunk_being_signed():
    """A chunk holds its issuing key's row until commit, so a compromise (or a
    rotation) is ordered before or after it, never in the middle."""
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions")
    import time

    org = organisation_onboard(slug="lockorg", name_en="Lock University", name_zh="锁大学")
    template = template_default_for_org(organisation=org)
    fields = diplomas.recipient_validate(RECIPIENT, today=timezone.now().date())[0]
    signed, done = threading.Event(), {}

    def issue_slowly():
        try:
            with transaction.atomic():
                credentials_issue(template=template, recipients=[fields], actor=Actor.system())
                signed.set()
                time.sleep(1.0)
        finally:
            connection.close()

    worker = threading.Thread(target=issue_slowly)
    worker.start()
    assert signed.wait(30)
    started = time.monotonic()
    org_key_mark_compromised(organisation=org, fragment="key-1", actor=Actor.system())
    done["waited"] = time.monotonic() - started
    worker.join()
    assert done["waited"] >= 0.5
    credential = Credential.objects.get(template=template)
    assert credential.document["proof"]["verificationMethod"].endswith("#key-1")
    assert OrgKey.objects.get(organisation=org, fragment="key-1").status == "compromised"


def test_holder_did_binds_the_credential_subject(org):
    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    credential = _issue(org, holder_did=holder).credential
    assert credential.document["credentialSubject"]["id"] == holder
    assert credential_verify(credential=credential.document).verified
    # Without one the subject has no id (the holder binds a DID when claiming).
    other = _issue(org, student_number="2022010099").credential
    assert "id" not in other.document["credentialSubject"]
    for bad in ("not-a-did", "did:key:", "did:Key:abc", "did:key:abc def", "did:key:" + "a" * 600):
        with pytest.raises(IssueError) as info:
            _issue(org, student_number="X1", holder_did=bad)
        assert [e["field"] for e in info.value.errors] == ["holder_did"]
