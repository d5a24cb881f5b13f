"""CachedResolver: one fetch per DID per TTL, failures remembered briefly."""

from __future__ import annotations

import pytest

from credentials.vc.errors import DID_INTERNAL_ERROR, DID_INVALID, DID_NOT_FOUND, VCError
from identity.did import CachedResolver


class Counting:
    """A resolver that answers from a script and counts how often it is asked."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = 0

    def resolve(self, did):
        self.calls += 1
        answer = self.answers[did]
        if isinstance(answer, VCError):
            raise VCError(answer.code, answer.message)
        return answer


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_documents_are_cached_until_the_ttl():
    clock = Clock()
    inner = Counting({"did:web:a.example": {"id": "did:web:a.example"}})
    cache = CachedResolver(inner, ttl=60, clock=clock)
    for _ in range(5):
        assert cache.resolve("did:web:a.example")["id"] == "did:web:a.example"
    assert inner.calls == 1
    clock.now += 61
    cache.resolve("did:web:a.example")
    assert inner.calls == 2


@pytest.mark.parametrize("code", [DID_NOT_FOUND, DID_INTERNAL_ERROR])
def test_failures_are_remembered_briefly(code):
    clock = Clock()
    inner = Counting({"did:web:down.example": VCError(code, "host down")})
    cache = CachedResolver(inner, negative_ttl=10, clock=clock)
    for _ in range(3):
        with pytest.raises(VCError) as info:
            cache.resolve("did:web:down.example")
        assert info.value.code == code
    assert inner.calls == 1
    clock.now += 11
    with pytest.raises(VCError):
        cache.resolve("did:web:down.example")
    assert inner.calls == 2


def test_bad_input_is_not_cached():
    inner = Counting({"did:web:127.0.0.1": VCError(DID_INVALID, "non-public")})
    cache = CachedResolver(inner)
    for _ in range(2):
        with pytest.raises(VCError):
            cache.resolve("did:web:127.0.0.1")
    assert inner.calls == 2


def test_size_is_bounded_oldest_first():
    inner = Counting({f"did:web:{i}.example": {"id": i} for i in range(5)})
    cache = CachedResolver(inner, max_entries=3)
    for i in range(5):
        cache.resolve(f"did:web:{i}.example")
    cache.resolve("did:web:4.example")
    assert inner.calls == 5
    cache.resolve("did:web:0.example")
    assert inner.calls == 6
