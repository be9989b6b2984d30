"""The rate limits' counter on Redis, as in production: one pipeline that creates the window's
key with its expiry and counts, the same counts as the portable ``add``/``incr``."""

import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from sportloket import ratelimit
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.redis

REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "test-ratelimit",
    }
}


@override_settings(CACHES=REDIS_CACHE)
def test_the_counter_counts_each_hit_and_expires_with_its_window():
    backend = caches["default"]
    key = "rl:test:198.51.100.7:1"
    backend.delete(key)
    try:
        assert [ratelimit._count(key, timeout=65) for _ in range(3)] == [1, 2, 3]
        assert backend.get(key) == 3  # the same value Django's own incr would have left
        raw = backend._cache.get_client(write=False)
        ttl = raw.ttl(backend.make_and_validate_key(key))
        assert 0 < ttl <= 65
        backend.incr(key)  # and Django's incr goes on counting from it
        assert ratelimit._count(key, timeout=65) == 5
    finally:
        backend.delete(key)


@override_settings(CACHES=REDIS_CACHE)
def test_the_limit_refuses_the_hit_after_the_last_allowed_one():
    bucket = f"test-{uuid.uuid4().hex}"  # a window no other test counts in
    allowed = [ratelimit.hit(bucket, "203.0.113.9", limit=2, window_seconds=3600) for _ in range(4)]
    assert allowed == [True, True, False, False]
    assert not ratelimit.CACHE_BREAKER.is_open()
