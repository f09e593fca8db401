-- A journal written by liveswap schema 2 (exact money; main at 7ce7948): tests.support.engine_helpers.make_engine
-- on BTC-5m + ETH-15m from T0 + 900, 8 five-minute batches with the paper broker, then sqlite3 iterdump. Do not edit.
BEGIN TRANSACTION;
CREATE TABLE candles (
    market TEXT NOT NULL, start INTEGER NOT NULL, end_ts INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (market, start)
);
INSERT INTO "candles" VALUES('BTC-5m',1764000900,1764001200,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764000900, "end": 1764001200, "open": 56107.1, "high": 56143.88, "low": 56081.93, "close": 56143.88, "volume": 167.5986, "up_price": 0.55}');
INSERT INTO "candles" VALUES('BTC-5m',1764001200,1764001500,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764001200, "end": 1764001500, "open": 56143.88, "high": 56166.07, "low": 56122.99, "close": 56122.99, "volume": 430.4031, "up_price": 0.5}');
INSERT INTO "candles" VALUES('BTC-5m',1764001500,1764001800,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764001500, "end": 1764001800, "open": 56122.99, "high": 56176.84, "low": 56122.99, "close": 56149.56, "volume": 299.4299, "up_price": 0.5}');
INSERT INTO "candles" VALUES('ETH-15m',1764000900,1764001800,'{"market": "ETH-15m", "timeframe": "15m", "start": 1764000900, "end": 1764001800, "open": 3451.288, "high": 3453.474, "low": 3445.729, "close": 3445.729, "volume": 470.8448, "up_price": 0.46}');
INSERT INTO "candles" VALUES('BTC-5m',1764001800,1764002100,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764001800, "end": 1764002100, "open": 56149.56, "high": 56181.62, "low": 56136.26, "close": 56181.62, "volume": 444.0602, "up_price": 0.54}');
INSERT INTO "candles" VALUES('BTC-5m',1764002100,1764002400,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764002100, "end": 1764002400, "open": 56181.62, "high": 56281.4, "low": 56181.62, "close": 56281.4, "volume": 419.584, "up_price": 0.56}');
INSERT INTO "candles" VALUES('BTC-5m',1764002400,1764002700,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764002400, "end": 1764002700, "open": 56281.4, "high": 56376.83, "low": 56256.95, "close": 56358.97, "volume": 352.1364, "up_price": 0.59}');
INSERT INTO "candles" VALUES('ETH-15m',1764001800,1764002700,'{"market": "ETH-15m", "timeframe": "15m", "start": 1764001800, "end": 1764002700, "open": 3445.729, "high": 3447.073, "low": 3433.959, "close": 3433.959, "volume": 829.0842, "up_price": 0.42}');
INSERT INTO "candles" VALUES('BTC-5m',1764002700,1764003000,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764002700, "end": 1764003000, "open": 56358.97, "high": 56423.9, "low": 56352.47, "close": 56423.9, "volume": 230.3844, "up_price": 0.56}');
INSERT INTO "candles" VALUES('BTC-5m',1764003000,1764003300,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764003000, "end": 1764003300, "open": 56423.9, "high": 56423.9, "low": 56364.99, "close": 56390.69, "volume": 305.0112, "up_price": 0.52}');
CREATE TABLE controls (
    generation INTEGER NOT NULL, ts REAL NOT NULL, ok INTEGER NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE decisions (
    market TEXT NOT NULL, candle_start INTEGER NOT NULL, batch_end INTEGER NOT NULL,
    strategy TEXT NOT NULL, version TEXT NOT NULL, intents TEXT NOT NULL, rejected TEXT NOT NULL,
    fault TEXT, decided_at REAL NOT NULL,
    PRIMARY KEY (market, candle_start)
);
INSERT INTO "decisions" VALUES('BTC-5m',1764000900,1764001200,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932288149189946e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764001200,1764001500,'probe','1.0.0','[{"market": "BTC-5m", "side": "down", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932289551663396e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764001500,1764001800,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932325485777847e+09);
INSERT INTO "decisions" VALUES('ETH-15m',1764000900,1764001800,'probe','1.0.0','[{"market": "ETH-15m", "side": "down", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932325485777847e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764001800,1764002100,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932327092218392e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764002100,1764002400,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932328262615201e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764002400,1764002700,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932331124186511e+09);
INSERT INTO "decisions" VALUES('ETH-15m',1764001800,1764002700,'probe','1.0.0','[{"market": "ETH-15m", "side": "down", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932331124186511e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764002700,1764003000,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932334288549423e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764003000,1764003300,'probe','1.0.0','[{"market": "BTC-5m", "side": "down", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562932336532545094e+09);
CREATE TABLE fills (
    client_order_id TEXT PRIMARY KEY REFERENCES orders(client_order_id),
    ts INTEGER NOT NULL, market TEXT NOT NULL, side TEXT NOT NULL, stake_micros INTEGER NOT NULL,
    price_micros INTEGER NOT NULL, contracts_micros INTEGER NOT NULL, cost_micros INTEGER NOT NULL,
    fee_micros INTEGER NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, version TEXT NOT NULL,
    delivered_batch INTEGER
);
INSERT INTO "fills" VALUES('ls-8ba84fd6f2ae5f2e6f17092b',1764001200,'BTC-5m','up',1000000,560000,1000000,560000,20000,1764001200,1764001500,'1.0.0',1764001500);
INSERT INTO "fills" VALUES('ls-56d213a7b51f59d9e265e5a8',1764001500,'BTC-5m','down',1000000,510000,1000000,510000,20000,1764001500,1764001800,'1.0.0',1764001800);
INSERT INTO "fills" VALUES('ls-d5ee7095f2ec5e5875b23c6f',1764001800,'BTC-5m','up',1000000,510000,1000000,510000,20000,1764001800,1764002100,'1.0.0',1764002100);
INSERT INTO "fills" VALUES('ls-1f95d1fb360151bc200fef4f',1764001800,'ETH-15m','down',1000000,550000,1000000,550000,20000,1764001800,1764002700,'1.0.0',1764002100);
INSERT INTO "fills" VALUES('ls-b867d4a5ebc53f7685b47d70',1764002100,'BTC-5m','up',1000000,550000,1000000,550000,20000,1764002100,1764002400,'1.0.0',1764002400);
INSERT INTO "fills" VALUES('ls-fd0b695385f92059a7e86c5f',1764002400,'BTC-5m','up',1000000,570000,1000000,570000,20000,1764002400,1764002700,'1.0.0',1764002700);
INSERT INTO "fills" VALUES('ls-4d2c98313f6dd4f43ee30875',1764002700,'BTC-5m','up',1000000,600000,1000000,600000,20000,1764002700,1764003000,'1.0.0',1764003000);
INSERT INTO "fills" VALUES('ls-2350fa5c0c68c417fd657c3a',1764002700,'ETH-15m','down',1000000,590000,1000000,590000,20000,1764002700,1764003600,'1.0.0',1764003000);
INSERT INTO "fills" VALUES('ls-b72ae6ac22cc18ab21fdb954',1764003000,'BTC-5m','up',1000000,570000,1000000,570000,20000,1764003000,1764003300,'1.0.0',1764003300);
INSERT INTO "fills" VALUES('ls-e238d7e73d8ccbf5bdb2cbcd',1764003300,'BTC-5m','down',1000000,490000,2000000,980000,40000,1764003300,1764003600,'1.0.0',NULL);
CREATE TABLE ledger (
    id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, amount_micros INTEGER NOT NULL, note TEXT
);
INSERT INTO "ledger" VALUES(1,1764000900,'deposit',1000000000,'starting balance');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('schema_version','2');
INSERT INTO "meta" VALUES('created_by','1.0.0');
INSERT INTO "meta" VALUES('created_at','1795629322.7846103');
CREATE TABLE missed_candles (
    market TEXT NOT NULL, candle_start INTEGER NOT NULL, reason TEXT NOT NULL, recorded_at REAL NOT NULL,
    PRIMARY KEY (market, candle_start)
);
CREATE TABLE orders (
    client_order_id TEXT PRIMARY KEY, batch_end INTEGER NOT NULL, market TEXT NOT NULL,
    candle_market TEXT NOT NULL, candle_start INTEGER NOT NULL, intent_index INTEGER NOT NULL,
    side TEXT NOT NULL, stake_micros INTEGER NOT NULL, max_price_micros INTEGER, price_micros INTEGER NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
    strategy TEXT NOT NULL, version TEXT NOT NULL, tag TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', venue_order_id TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
INSERT INTO "orders" VALUES('ls-8ba84fd6f2ae5f2e6f17092b',1764001200,'BTC-5m','BTC-5m',1764000900,0,'up',1000000,NULL,550000,1764001200,1764001500,'probe','1.0.0','','filled','','paper-ls-8ba84fd6f2ae5f2e6f17092b',1.79562932288149189946e+09,1.79562932288277912144e+09);
INSERT INTO "orders" VALUES('ls-56d213a7b51f59d9e265e5a8',1764001500,'BTC-5m','BTC-5m',1764001200,0,'down',1000000,NULL,500000,1764001500,1764001800,'probe','1.0.0','','filled','','paper-ls-56d213a7b51f59d9e265e5a8',1.79562932289551663396e+09,1.7956293229109983444e+09);
INSERT INTO "orders" VALUES('ls-d5ee7095f2ec5e5875b23c6f',1764001800,'BTC-5m','BTC-5m',1764001500,0,'up',1000000,NULL,500000,1764001800,1764002100,'probe','1.0.0','','filled','','paper-ls-d5ee7095f2ec5e5875b23c6f',1.79562932325485777847e+09,1.79562932325884056089e+09);
INSERT INTO "orders" VALUES('ls-1f95d1fb360151bc200fef4f',1764001800,'ETH-15m','ETH-15m',1764000900,0,'down',1000000,NULL,540000,1764001800,1764002700,'probe','1.0.0','','filled','','paper-ls-1f95d1fb360151bc200fef4f',1.79562932325485777847e+09,1.79562932325889301299e+09);
INSERT INTO "orders" VALUES('ls-b867d4a5ebc53f7685b47d70',1764002100,'BTC-5m','BTC-5m',1764001800,0,'up',1000000,NULL,540000,1764002100,1764002400,'probe','1.0.0','','filled','','paper-ls-b867d4a5ebc53f7685b47d70',1.79562932327092218392e+09,1.79562932327447509765e+09);
INSERT INTO "orders" VALUES('ls-fd0b695385f92059a7e86c5f',1764002400,'BTC-5m','BTC-5m',1764002100,0,'up',1000000,NULL,560000,1764002400,1764002700,'probe','1.0.0','','filled','','paper-ls-fd0b695385f92059a7e86c5f',1.79562932328262615201e+09,1.79562932328814315796e+09);
INSERT INTO "orders" VALUES('ls-4d2c98313f6dd4f43ee30875',1764002700,'BTC-5m','BTC-5m',1764002400,0,'up',1000000,NULL,590000,1764002700,1764003000,'probe','1.0.0','','filled','','paper-ls-4d2c98313f6dd4f43ee30875',1.79562932331124186511e+09,1.79562932333082890513e+09);
INSERT INTO "orders" VALUES('ls-2350fa5c0c68c417fd657c3a',1764002700,'ETH-15m','ETH-15m',1764001800,0,'down',1000000,NULL,580000,1764002700,1764003600,'probe','1.0.0','','filled','','paper-ls-2350fa5c0c68c417fd657c3a',1.79562932331124186511e+09,1.79562932333089280128e+09);
INSERT INTO "orders" VALUES('ls-b72ae6ac22cc18ab21fdb954',1764003000,'BTC-5m','BTC-5m',1764002700,0,'up',1000000,NULL,560000,1764003000,1764003300,'probe','1.0.0','','filled','','paper-ls-b72ae6ac22cc18ab21fdb954',1.79562932334288549423e+09,1.79562932334653329851e+09);
INSERT INTO "orders" VALUES('ls-e238d7e73d8ccbf5bdb2cbcd',1764003300,'BTC-5m','BTC-5m',1764003000,0,'down',1000000,NULL,480000,1764003300,1764003600,'probe','1.0.0','','filled','','paper-ls-e238d7e73d8ccbf5bdb2cbcd',1.79562932336532545094e+09,1.79562932337041735644e+09);
CREATE TABLE risk_events (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, kind TEXT NOT NULL, day INTEGER, generation INTEGER,
    detail TEXT NOT NULL
);
CREATE TABLE settlements (
    client_order_id TEXT PRIMARY KEY REFERENCES fills(client_order_id),
    ts INTEGER NOT NULL, market TEXT NOT NULL, side TEXT NOT NULL, won INTEGER NOT NULL,
    payout_micros INTEGER NOT NULL, pnl_micros INTEGER NOT NULL, version TEXT NOT NULL, delivered_batch INTEGER
);
INSERT INTO "settlements" VALUES('ls-8ba84fd6f2ae5f2e6f17092b',1764001500,'BTC-5m','up',0,0,-580000,'1.0.0',1764001500);
INSERT INTO "settlements" VALUES('ls-56d213a7b51f59d9e265e5a8',1764001800,'BTC-5m','down',0,0,-530000,'1.0.0',1764001800);
INSERT INTO "settlements" VALUES('ls-d5ee7095f2ec5e5875b23c6f',1764002100,'BTC-5m','up',1,1000000,470000,'1.0.0',1764002100);
INSERT INTO "settlements" VALUES('ls-b867d4a5ebc53f7685b47d70',1764002400,'BTC-5m','up',1,1000000,430000,'1.0.0',1764002400);
INSERT INTO "settlements" VALUES('ls-1f95d1fb360151bc200fef4f',1764002700,'ETH-15m','down',1,1000000,430000,'1.0.0',1764002700);
INSERT INTO "settlements" VALUES('ls-fd0b695385f92059a7e86c5f',1764002700,'BTC-5m','up',1,1000000,410000,'1.0.0',1764002700);
INSERT INTO "settlements" VALUES('ls-4d2c98313f6dd4f43ee30875',1764003000,'BTC-5m','up',1,1000000,380000,'1.0.0',1764003000);
INSERT INTO "settlements" VALUES('ls-b72ae6ac22cc18ab21fdb954',1764003300,'BTC-5m','up',0,0,-590000,'1.0.0',1764003300);
CREATE TABLE swaps (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, kind TEXT NOT NULL, from_version TEXT,
    to_version TEXT NOT NULL, ok INTEGER NOT NULL, reason TEXT NOT NULL, pause_ms REAL,
    batch_end INTEGER, sha256 TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_batch ON decisions (batch_end);
CREATE INDEX orders_status ON orders (status);
COMMIT;
