"""Fixtures for venue tests: a real local HTTP server and a recording ``sleep``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.venue_server import Sleeps, VenueServer


@pytest.fixture
def server() -> Iterator[VenueServer]:
    srv = VenueServer()
    yield srv
    srv.close()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
