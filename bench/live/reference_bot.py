#!/usr/bin/python3
"""A quoting loop written the way the Python Bybit bots mm replaces are written (issue 11's reference):
python3-websocket, `json`, `Decimal` prices, a dict book, an HMAC computed per request. It quotes one bid and
one ask 0.2 bp around the mid (as examples/live_sim.toml does) on the trade WebSocket, amending when the target
moves. It exists to be measured side by side with `mm run` against the same simulator
(bench/live/reaction_bench.py): the simulator's reaction_ns is book frame written -> next order request read.

    /usr/bin/python3 bench/live/reference_bot.py --url http://127.0.0.1:PORT --seconds 20
"""
import argparse
import hashlib
import hmac
import json
import select
import time
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import websocket

KEY, SECRET = "mmsim-test-key", "mmsim-test-secret"  # the simulator's test key


def sign(payload):
    return hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()


class Bot:
    def __init__(self, url, symbol, half_spread_bps, tick, qty):
        ws = url.replace("http://", "ws://")
        self.pub = websocket.create_connection(ws + "/v5/public/linear")
        self.trade = websocket.create_connection(ws + "/v5/trade")
        expires = int(time.time() * 1000) + 10000
        self.trade.send(json.dumps({"op": "auth", "args": [KEY, expires, sign(f"GET/realtime{expires}")]}))
        json.loads(self.trade.recv())
        self.pub.send(json.dumps({"op": "subscribe", "args": [f"orderbook.50.{symbol}"]}))
        self.symbol, self.tick, self.qty = symbol, Decimal(tick), qty
        self.half = Decimal(half_spread_bps) / Decimal(10000)
        self.bids, self.asks = {}, {}
        self.live = {}  # side -> (link id, price)
        self.seq = 0
        self.sent = 0
        self.tokens, self.refilled = 10.0, time.time()  # a client-side 10/s budget, as Bybit's linear limit

    def allowed(self):
        now = time.time()
        self.tokens = min(10.0, self.tokens + (now - self.refilled) * 10.0)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def request(self, op, args):
        self.seq += 1
        ts = str(int(time.time() * 1000))
        body = json.dumps(args)
        header = {"X-BAPI-TIMESTAMP": ts, "X-BAPI-RECV-WINDOW": "5000",
                  "X-BAPI-SIGN": sign(ts + KEY + "5000" + body)}  # the per-request HMAC of a REST-style bot
        self.trade.send(json.dumps({"reqId": str(self.seq), "header": header, "op": op, "args": args}))
        self.sent += 1

    def on_book(self, msg):
        data = msg["data"]
        if msg.get("type") == "snapshot":
            self.bids, self.asks = {}, {}
        for book, levels in ((self.bids, data.get("b", [])), (self.asks, data.get("a", []))):
            for p, s in levels:
                price, size = Decimal(p), Decimal(s)
                if size == 0:
                    book.pop(price, None)
                else:
                    book[price] = size
        if not self.bids or not self.asks:
            return
        mid = (max(self.bids) + min(self.asks)) / 2
        targets = {"Buy": (mid * (1 - self.half) / self.tick).to_integral_value(ROUND_FLOOR) * self.tick,
                   "Sell": (mid * (1 + self.half) / self.tick).to_integral_value(ROUND_CEILING) * self.tick}
        for side, price in targets.items():
            cur = self.live.get(side)
            if (cur is None or cur[1] != price) and not self.allowed():
                continue
            if cur is None:
                link = f"py-{side}-{self.seq + 1}"
                self.request("order.create", [{"category": "linear", "symbol": self.symbol, "side": side,
                                               "orderType": "Limit", "qty": self.qty, "price": str(price),
                                               "timeInForce": "PostOnly", "orderLinkId": link}])
                self.live[side] = (link, price)
            elif cur[1] != price:
                self.request("order.amend", [{"category": "linear", "symbol": self.symbol,
                                              "orderLinkId": cur[0], "price": str(price)}])
                self.live[side] = (cur[0], price)

    def run(self, seconds):
        end = time.time() + seconds
        socks = {self.pub.sock: self.pub, self.trade.sock: self.trade}
        while time.time() < end:
            ready, _, _ = select.select(list(socks), [], [], 0.1)
            for s in ready:
                msg = json.loads(socks[s].recv())
                if socks[s] is self.pub and msg.get("topic", "").startswith("orderbook."):
                    self.on_book(msg)
        for side, (link, _) in self.live.items():
            self.request("order.cancel", [{"category": "linear", "symbol": self.symbol, "orderLinkId": link}])
        time.sleep(0.2)
        self.pub.close()
        self.trade.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--symbol", default="BTCUSDT")
    ap.add_argument("--half-spread-bps", default="0.2")
    ap.add_argument("--tick", default="0.1")
    ap.add_argument("--qty", default="0.002")
    a = ap.parse_args()
    bot = Bot(a.url, a.symbol, a.half_spread_bps, a.tick, a.qty)
    bot.run(a.seconds)
    print(json.dumps({"requests": bot.sent}))


if __name__ == "__main__":
    main()
