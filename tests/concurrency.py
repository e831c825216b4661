"""Two transactions at once, for the tests that show who waits for whom (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from threading import Event, Thread

from django.db import connection, transaction


@contextmanager
def held_open(action: Callable[[], object]) -> Iterator[None]:
    """Run `action` in a transaction of another thread and keep that transaction open, its
    locks held, until the block ends; it commits then."""
    done, finish = Event(), Event()
    failed: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                action()
                done.set()
                finish.wait(timeout=10)
        except BaseException as error:  # re-raised in the test's thread
            failed.append(error)
            done.set()
        finally:
            connection.close()

    thread = Thread(target=run)
    thread.start()
    try:
        assert done.wait(timeout=10)
        if failed:
            raise failed[0]
        yield
    finally:
        finish.set()
        thread.join()


@contextmanager
def refusing_to_wait() -> Iterator[None]:
    """Within the block, a statement of this connection that would wait for a lock fails after
    two seconds instead — what runs once the block's transactions commit included."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
