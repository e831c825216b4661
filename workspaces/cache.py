"""A Redis cache that degrades instead of failing when Redis is unreachable (SPEC §9).

Nothing the application keeps in the cache is a source of truth: rate-limit counters, the
recalculation coalescing keys and live import progress can all be lost. So every cache call
that fails with a Redis or socket error is logged as a warning and answered as if the cache
were empty — a page never answers 500 and a respondent's submission is never lost because
Redis is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _fail_open(fallback: Callable[..., T]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Answer `fallback(*args, **kwargs)` and log a warning when the wrapped call fails."""

    def decorate(method: Callable[..., T]) -> Callable[..., T]:
        @wraps(method)
        def wrapped(self: FailOpenRedisCache, *args: Any, **kwargs: Any) -> T:
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as error:
                logger.warning(
                    "The cache is unreachable (%s in %s); carrying on without it.",
                    type(error).__name__,
                    method.__name__,
                )
                return fallback(*args, **kwargs)

        return wrapped

    return decorate


def _default(key: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _empty_mapping(*args: Any, **kwargs: Any) -> dict:
    return {}


def _no_failed_keys(*args: Any, **kwargs: Any) -> list:
    return []


def _delta(key: str, delta: int = 1, *args: Any, **kwargs: Any) -> int:
    return delta


def _added(*args: Any, **kwargs: Any) -> bool:
    # `add` is used as "first in this window": with no cache every caller is first, which
    # makes a coalesced task publish (and fail, logged, if the broker is the same Redis)
    # rather than silently skipping work.
    return True


class OneClientPerPool(RedisCacheClient):
    """Django's Redis cache client, with one `redis.Redis` per connection pool.

    Django's builds a new `redis.Redis` for every call, which costs more Python than the round
    trip itself (about 0.2 ms, a tenth of a survey submission: docs/performance.md). A client is
    only a handle on its pool, and safe to share between threads; the pools stay Django's.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, answering as an empty cache (with a warning) when Redis fails."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = OneClientPerPool

    get = _fail_open(_default)(RedisCache.get)
    add = _fail_open(_added)(RedisCache.add)
    set = _fail_open(_nothing)(RedisCache.set)
    touch = _fail_open(_false)(RedisCache.touch)
    delete = _fail_open(_false)(RedisCache.delete)
    get_many = _fail_open(_empty_mapping)(RedisCache.get_many)
    has_key = _fail_open(_false)(RedisCache.has_key)
    incr = _fail_open(_delta)(RedisCache.incr)
    set_many = _fail_open(_no_failed_keys)(RedisCache.set_many)
    delete_many = _fail_open(_nothing)(RedisCache.delete_many)
    clear = _fail_open(_false)(RedisCache.clear)
