"""The cache, on Redis, that carries on as Django's dummy cache while Redis does not answer.

The cache holds nothing that cannot be lost: allauth's login and password-reset rate limits, and the
public journal's limit on requests for access. With Django's RedisCache a stopped Redis made every
login a server error (the rate limit asks the cache first). Here a call that cannot reach Redis is
logged and answered as the dummy cache answers (nothing found, nothing kept, ``add`` succeeds, a
counter is missing): logins work during the outage, without their rate limit, and the limits count
again when Redis is back.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError)
_DUMMY = DummyCache("outage", {})


def _as_dummy_when_redis_is_down(name: str):
    redis_method = getattr(RedisCache, name)
    dummy_method = getattr(DummyCache, name)

    @functools.wraps(redis_method)
    def method(self, *args, **kwargs):
        try:
            return redis_method(self, *args, **kwargs)
        except OUTAGE as error:
            log.warning("cache: Redis does not answer (%s); %s carries on without the cache", error, name)
            return dummy_method(_DUMMY, *args, **kwargs)

    return method


class OutageTolerantRedisCache(RedisCache):
    """RedisCache whose reads and writes fall back to the dummy cache's answers during an outage:
    ``incr``/``decr`` raise ValueError as for a missing key (what callers of a counter already handle);
    ``clear`` still raises."""

    get = _as_dummy_when_redis_is_down("get")
    get_many = _as_dummy_when_redis_is_down("get_many")
    has_key = _as_dummy_when_redis_is_down("has_key")
    set = _as_dummy_when_redis_is_down("set")
    set_many = _as_dummy_when_redis_is_down("set_many")
    add = _as_dummy_when_redis_is_down("add")
    touch = _as_dummy_when_redis_is_down("touch")
    delete = _as_dummy_when_redis_is_down("delete")
    delete_many = _as_dummy_when_redis_is_down("delete_many")
    incr = _as_dummy_when_redis_is_down("incr")
    decr = _as_dummy_when_redis_is_down("decr")
