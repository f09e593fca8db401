"""The venue factory: feeds and brokers by name from typed Settings; errors at the seams."""

from __future__ import annotations

import pytest
from liveswap.exceptions import BrokerError, FeedError, VenueConfigError
from liveswap.settings import Settings
from liveswap.venues.factory import make_broker, make_feed


def test_factory_names(tmp_path) -> None:
    s = Settings(home=tmp_path, markets=["BTC-5m"], feed="polymarket")
    assert make_feed("polymarket", s).name == "polymarket"
    assert make_feed("coinbase", s).bars.name == "coinbase"
    assert make_broker("paper", s).name == "polymarket-paper"
    assert make_broker("kalshi-paper", s).name == "kalshi-paper"
    with pytest.raises(BrokerError, match="needs venues.polymarket.private_key_file or .private_key"):
        make_broker("polymarket", s)
    with pytest.raises(BrokerError, match="needs venues.kalshi.key_id and venues.kalshi.private_key_file") as info:
        make_broker("kalshi", s)
    assert isinstance(info.value.__cause__, VenueConfigError)  # the seam's error, chained to the venue's
    with pytest.raises(FeedError, match="unknown venue feed 'nasdaq'"):
        make_feed("nasdaq", s)
