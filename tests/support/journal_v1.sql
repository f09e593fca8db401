-- A journal written by liveswap 1.0 (schema 1, main at ba81d66): tests.engine_helpers.make_engine on
-- BTC-5m + ETH-15m, 8 five-minute batches with the paper broker, then sqlite3 iterdump. Do not edit.
BEGIN TRANSACTION;
CREATE TABLE candles (
    market TEXT NOT NULL, start INTEGER NOT NULL, end_ts INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (market, start)
);
INSERT INTO "candles" VALUES('BTC-5m',1764000000,1764000300,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764000000, "end": 1764000300, "open": 55911.99, "high": 55991.15, "low": 55911.99, "close": 55984.82, "volume": 210.8001, "up_price": 0.56}');
INSERT INTO "candles" VALUES('BTC-5m',1764000300,1764000600,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764000300, "end": 1764000600, "open": 55984.82, "high": 56058.34, "low": 55954.36, "close": 56058.34, "volume": 263.4428, "up_price": 0.58}');
INSERT INTO "candles" VALUES('BTC-5m',1764000600,1764000900,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764000600, "end": 1764000900, "open": 56058.34, "high": 56107.1, "low": 56058.34, "close": 56107.1, "volume": 362.8189, "up_price": 0.57}');
INSERT INTO "candles" VALUES('ETH-15m',1764000000,1764000900,'{"market": "ETH-15m", "timeframe": "15m", "start": 1764000000, "end": 1764000900, "open": 3461.347, "high": 3461.347, "low": 3451.288, "close": 3451.288, "volume": 931.0251, "up_price": 0.42}');
INSERT INTO "candles" VALUES('BTC-5m',1764000900,1764001200,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764000900, "end": 1764001200, "open": 56107.1, "high": 56143.88, "low": 56081.93, "close": 56143.88, "volume": 167.5986, "up_price": 0.55}');
INSERT INTO "candles" VALUES('BTC-5m',1764001200,1764001500,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764001200, "end": 1764001500, "open": 56143.88, "high": 56166.07, "low": 56122.99, "close": 56122.99, "volume": 430.4031, "up_price": 0.5}');
INSERT INTO "candles" VALUES('BTC-5m',1764001500,1764001800,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764001500, "end": 1764001800, "open": 56122.99, "high": 56176.84, "low": 56122.99, "close": 56149.56, "volume": 299.4299, "up_price": 0.5}');
INSERT INTO "candles" VALUES('ETH-15m',1764000900,1764001800,'{"market": "ETH-15m", "timeframe": "15m", "start": 1764000900, "end": 1764001800, "open": 3451.288, "high": 3453.474, "low": 3445.729, "close": 3445.729, "volume": 470.8448, "up_price": 0.46}');
INSERT INTO "candles" VALUES('BTC-5m',1764001800,1764002100,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764001800, "end": 1764002100, "open": 56149.56, "high": 56181.62, "low": 56136.26, "close": 56181.62, "volume": 444.0602, "up_price": 0.54}');
INSERT INTO "candles" VALUES('BTC-5m',1764002100,1764002400,'{"market": "BTC-5m", "timeframe": "5m", "start": 1764002100, "end": 1764002400, "open": 56181.62, "high": 56281.4, "low": 56181.62, "close": 56281.4, "volume": 419.584, "up_price": 0.56}');
CREATE TABLE controls (
    generation INTEGER NOT NULL, ts REAL NOT NULL, ok INTEGER NOT NULL, reason TEXT NOT NULL
);
INSERT INTO "controls" VALUES(1,1.79562340040253472324e+09,1,'');
CREATE TABLE decisions (
    market TEXT NOT NULL, candle_start INTEGER NOT NULL, batch_end INTEGER NOT NULL,
    strategy TEXT NOT NULL, version TEXT NOT NULL, intents TEXT NOT NULL, rejected TEXT NOT NULL,
    fault TEXT, decided_at REAL NOT NULL,
    PRIMARY KEY (market, candle_start)
);
INSERT INTO "decisions" VALUES('BTC-5m',1764000000,1764000300,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340012074255941e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764000300,1764000600,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340013959670067e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764000600,1764000900,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340031881642341e+09);
INSERT INTO "decisions" VALUES('ETH-15m',1764000000,1764000900,'probe','1.0.0','[{"market": "ETH-15m", "side": "down", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340031881642341e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764000900,1764001200,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340033266663549e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764001200,1764001500,'probe','1.0.0','[{"market": "BTC-5m", "side": "down", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1795623400.34759);
INSERT INTO "decisions" VALUES('BTC-5m',1764001500,1764001800,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340035839509968e+09);
INSERT INTO "decisions" VALUES('ETH-15m',1764000900,1764001800,'probe','1.0.0','[{"market": "ETH-15m", "side": "down", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340035839509968e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764001800,1764002100,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340037083959581e+09);
INSERT INTO "decisions" VALUES('BTC-5m',1764002100,1764002400,'probe','1.0.0','[{"market": "BTC-5m", "side": "up", "stake": 1.0, "max_price": null, "tag": ""}]','[]',NULL,1.79562340038252425192e+09);
CREATE TABLE fills (
    client_order_id TEXT PRIMARY KEY REFERENCES orders(client_order_id),
    ts INTEGER NOT NULL, market TEXT NOT NULL, side TEXT NOT NULL, stake REAL NOT NULL,
    price REAL NOT NULL, shares REAL NOT NULL, fee REAL NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, version TEXT NOT NULL,
    delivered_batch INTEGER
);
INSERT INTO "fills" VALUES('ls-6ecedd2f0b2026081f4a2b9e',1764000300,'BTC-5m','up',1.0,0.57,1.75438596491228082641e+00,0.04,1764000300,1764000600,'1.0.0',1764000600);
INSERT INTO "fills" VALUES('ls-f8a83f03beb4a35eb25b3007',1764000600,'BTC-5m','up',1.0,0.59,1.69491525423728828236e+00,0.03,1764000600,1764000900,'1.0.0',1764000900);
INSERT INTO "fills" VALUES('ls-0b71da39354c0a91369860f8',1764000900,'BTC-5m','up',1.0,0.58,1.72413793103448287347e+00,0.03,1764000900,1764001200,'1.0.0',1764001200);
INSERT INTO "fills" VALUES('ls-9c744bc52a6ab0d26bc50d5c',1764000900,'ETH-15m','down',1.0,0.59,1.69491525423728828236e+00,0.03,1764000900,1764001800,'1.0.0',1764001200);
INSERT INTO "fills" VALUES('ls-8ba84fd6f2ae5f2e6f17092b',1764001200,'BTC-5m','up',1.0,0.56,1.7857142857142855874e+00,0.04,1764001200,1764001500,'1.0.0',1764001500);
INSERT INTO "fills" VALUES('ls-56d213a7b51f59d9e265e5a8',1764001500,'BTC-5m','down',1.0,0.51,1.96078431372549011335e+00,0.04,1764001500,1764001800,'1.0.0',1764001800);
INSERT INTO "fills" VALUES('ls-d5ee7095f2ec5e5875b23c6f',1764001800,'BTC-5m','up',1.0,0.51,1.96078431372549011335e+00,0.04,1764001800,1764002100,'1.0.0',1764002100);
INSERT INTO "fills" VALUES('ls-1f95d1fb360151bc200fef4f',1764001800,'ETH-15m','down',1.0,0.55,1.81818181818181812126e+00,0.04,1764001800,1764002700,'1.0.0',1764002100);
INSERT INTO "fills" VALUES('ls-b867d4a5ebc53f7685b47d70',1764002100,'BTC-5m','up',1.0,0.55,1.81818181818181812126e+00,0.04,1764002100,1764002400,'1.0.0',1764002400);
INSERT INTO "fills" VALUES('ls-fd0b695385f92059a7e86c5f',1764002400,'BTC-5m','up',1.0,0.57,1.75438596491228082641e+00,0.04,1764002400,1764002700,'1.0.0',NULL);
CREATE TABLE ledger (
    id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, amount REAL NOT NULL, note TEXT
);
INSERT INTO "ledger" VALUES(1,1764000000,'deposit',1000.0,'starting balance');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('schema_version','1');
INSERT INTO "meta" VALUES('created_by','1.0.0');
INSERT INTO "meta" VALUES('created_at','1795623399.909827');
CREATE TABLE orders (
    client_order_id TEXT PRIMARY KEY, batch_end INTEGER NOT NULL, market TEXT NOT NULL,
    candle_market TEXT NOT NULL, candle_start INTEGER NOT NULL, intent_index INTEGER NOT NULL,
    side TEXT NOT NULL, stake REAL NOT NULL, max_price REAL, price REAL NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
    strategy TEXT NOT NULL, version TEXT NOT NULL, tag TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', venue_order_id TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
INSERT INTO "orders" VALUES('ls-6ecedd2f0b2026081f4a2b9e',1764000300,'BTC-5m','BTC-5m',1764000000,0,'up',1.0,NULL,0.56,1764000300,1764000600,'probe','1.0.0','','filled','','paper-ls-6ecedd2f0b2026081f4a2b9e',1.79562340012074255941e+09,1.79562340012159633636e+09);
INSERT INTO "orders" VALUES('ls-f8a83f03beb4a35eb25b3007',1764000600,'BTC-5m','BTC-5m',1764000300,0,'up',1.0,NULL,0.58,1764000600,1764000900,'probe','1.0.0','','filled','','paper-ls-f8a83f03beb4a35eb25b3007',1.79562340013959670067e+09,1.79562340014023017883e+09);
INSERT INTO "orders" VALUES('ls-0b71da39354c0a91369860f8',1764000900,'BTC-5m','BTC-5m',1764000600,0,'up',1.0,NULL,0.57,1764000900,1764001200,'probe','1.0.0','','filled','','paper-ls-0b71da39354c0a91369860f8',1.79562340031881642341e+09,1.7956234003195793629e+09);
INSERT INTO "orders" VALUES('ls-9c744bc52a6ab0d26bc50d5c',1764000900,'ETH-15m','ETH-15m',1764000000,0,'down',1.0,NULL,0.58,1764000900,1764001800,'probe','1.0.0','','filled','','paper-ls-9c744bc52a6ab0d26bc50d5c',1.79562340031881642341e+09,1.79562340031960821148e+09);
INSERT INTO "orders" VALUES('ls-8ba84fd6f2ae5f2e6f17092b',1764001200,'BTC-5m','BTC-5m',1764000900,0,'up',1.0,NULL,0.55,1764001200,1764001500,'probe','1.0.0','','filled','','paper-ls-8ba84fd6f2ae5f2e6f17092b',1.79562340033266663549e+09,1.79562340033454585072e+09);
INSERT INTO "orders" VALUES('ls-56d213a7b51f59d9e265e5a8',1764001500,'BTC-5m','BTC-5m',1764001200,0,'down',1.0,NULL,0.5,1764001500,1764001800,'probe','1.0.0','','filled','','paper-ls-56d213a7b51f59d9e265e5a8',1795623400.34759,1.79562340034826350217e+09);
INSERT INTO "orders" VALUES('ls-d5ee7095f2ec5e5875b23c6f',1764001800,'BTC-5m','BTC-5m',1764001500,0,'up',1.0,NULL,0.5,1764001800,1764002100,'probe','1.0.0','','filled','','paper-ls-d5ee7095f2ec5e5875b23c6f',1.79562340035839509968e+09,1.79562340035936737064e+09);
INSERT INTO "orders" VALUES('ls-1f95d1fb360151bc200fef4f',1764001800,'ETH-15m','ETH-15m',1764000900,0,'down',1.0,NULL,0.54,1764001800,1764002700,'probe','1.0.0','','filled','','paper-ls-1f95d1fb360151bc200fef4f',1.79562340035839509968e+09,1.79562340035939455029e+09);
INSERT INTO "orders" VALUES('ls-b867d4a5ebc53f7685b47d70',1764002100,'BTC-5m','BTC-5m',1764001800,0,'up',1.0,NULL,0.54,1764002100,1764002400,'probe','1.0.0','','filled','','paper-ls-b867d4a5ebc53f7685b47d70',1.79562340037083959581e+09,1.7956234003715388775e+09);
INSERT INTO "orders" VALUES('ls-fd0b695385f92059a7e86c5f',1764002400,'BTC-5m','BTC-5m',1764002100,0,'up',1.0,NULL,0.56,1764002400,1764002700,'probe','1.0.0','','filled','','paper-ls-fd0b695385f92059a7e86c5f',1.79562340038252425192e+09,1.79562340038299155233e+09);
CREATE TABLE settlements (
    client_order_id TEXT PRIMARY KEY REFERENCES fills(client_order_id),
    ts INTEGER NOT NULL, market TEXT NOT NULL, side TEXT NOT NULL, won INTEGER NOT NULL,
    payout REAL NOT NULL, pnl REAL NOT NULL, version TEXT NOT NULL, delivered_batch INTEGER
);
INSERT INTO "settlements" VALUES('ls-6ecedd2f0b2026081f4a2b9e',1764000600,'BTC-5m','up',1,1.754386,0.714386,'1.0.0',1764000600);
INSERT INTO "settlements" VALUES('ls-f8a83f03beb4a35eb25b3007',1764000900,'BTC-5m','up',1,1.694915,0.664915,'1.0.0',1764000900);
INSERT INTO "settlements" VALUES('ls-0b71da39354c0a91369860f8',1764001200,'BTC-5m','up',1,1.724138,0.694138,'1.0.0',1764001200);
INSERT INTO "settlements" VALUES('ls-8ba84fd6f2ae5f2e6f17092b',1764001500,'BTC-5m','up',0,0.0,-1.04,'1.0.0',1764001500);
INSERT INTO "settlements" VALUES('ls-9c744bc52a6ab0d26bc50d5c',1764001800,'ETH-15m','down',1,1.694915,0.664915,'1.0.0',1764001800);
INSERT INTO "settlements" VALUES('ls-56d213a7b51f59d9e265e5a8',1764001800,'BTC-5m','down',0,0.0,-1.04,'1.0.0',1764001800);
INSERT INTO "settlements" VALUES('ls-d5ee7095f2ec5e5875b23c6f',1764002100,'BTC-5m','up',1,1.960784,0.920784,'1.0.0',1764002100);
INSERT INTO "settlements" VALUES('ls-b867d4a5ebc53f7685b47d70',1764002400,'BTC-5m','up',1,1.818182,0.778182,'1.0.0',1764002400);
CREATE TABLE swaps (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, kind TEXT NOT NULL, from_version TEXT,
    to_version TEXT NOT NULL, ok INTEGER NOT NULL, reason TEXT NOT NULL, pause_ms REAL,
    batch_end INTEGER, sha256 TEXT NOT NULL DEFAULT ''
);
INSERT INTO "swaps" VALUES(1,1.79562340040630126006e+09,'start',NULL,'probe==1.0.0',1,'',NULL,1764002400,'');
CREATE INDEX decisions_batch ON decisions (batch_end);
CREATE INDEX orders_status ON orders (status);
COMMIT;
