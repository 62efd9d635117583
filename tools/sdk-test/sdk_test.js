// npm's bybit-api SDK (an independent Bybit V5 client) against `mm sim`, with nothing changed but its base URLs.
// Usage: node sdk_test.js http://127.0.0.1:PORT   (the simulator serving BTCUSDT linear, built-in test key)
// Exit 0 when every step passed; 1 with the failing step on stderr. Every wait is bounded.
'use strict';
const { DefaultLogger, RestClientV5, WebsocketClient, WebsocketAPIClient } = require('bybit-api');

const base = process.argv[2];
if (!base) {
  console.error('usage: node sdk_test.js http://127.0.0.1:PORT');
  process.exit(2);
}
const wsBase = base.replace(/^http/, 'ws');
const key = 'mmsim-test-key';
const secret = 'mmsim-test-secret';
const symbol = 'BTCUSDT';
const category = 'linear';
// The SDK's own logger without its chatter (errors still print).
const quiet = { ...DefaultLogger, trace: () => {}, info: () => {} };

function check(cond, what, detail) {
  if (!cond) throw new Error(`${what}: ${detail === undefined ? 'failed' : JSON.stringify(detail)}`);
  console.log(`ok   ${what}`);
}

function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

// Resolves with the first 'update' event satisfying pred.
function nextUpdate(client, pred) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (pred(m)) {
        client.off('update', on);
        resolve(m);
      }
    };
    client.on('update', on);
  });
}

async function main() {
  const rest = new RestClientV5({ key, secret, baseUrl: base, recv_window: 5000 });

  const time = await rest.getServerTime();
  check(time.retCode === 0 && Math.abs(Number(time.result.timeSecond) * 1000 - Date.now()) < 60000,
        'REST server time', time);
  const ins = await rest.getInstrumentsInfo({ category, symbol });
  check(ins.retCode === 0 && ins.result.list.length === 1 && ins.result.list[0].symbol === symbol,
        'REST instruments-info', ins);
  const tick = Number(ins.result.list[0].priceFilter.tickSize);
  const book = await rest.getOrderbook({ category, symbol, limit: 5 });
  check(book.retCode === 0 && book.result.b.length > 0 && book.result.a.length > 0, 'REST order book', book);

  // Public order book over the WebSocket.
  const pub = new WebsocketClient({ wsUrl: `${wsBase}/v5/public/linear` }, quiet);
  const firstBook = within(10000, 'public order book', nextUpdate(pub, (m) => m.topic === `orderbook.50.${symbol}`));
  pub.subscribeV5(`orderbook.50.${symbol}`, category);
  const snap = await firstBook;
  check(snap.type === 'snapshot' && snap.data.b.length > 0 && Number.isInteger(snap.data.u), 'WS public order book', snap);
  const bestBid = Number(snap.data.b[0][0]);

  // Private stream: order and execution.
  const priv = new WebsocketClient({ key, secret, wsUrl: `${wsBase}/v5/private` }, quiet);
  const subscribed = within(10000, 'private subscribe', new Promise((resolve) => {
    priv.on('response', (r) => { if (r.op === 'subscribe' && r.success) resolve(r); });
  }));
  priv.subscribeV5(['order', 'execution'], category);
  await subscribed;
  console.log('ok   WS private auth + subscribe order, execution');

  // Place, amend, query, cancel over REST; the order stream confirms.
  const price = (Math.round((bestBid * 0.99) / tick) * tick).toFixed(2);
  const linkId = `sdk-${Date.now()}`;
  const orderEvent = within(10000, 'order stream', nextUpdate(priv, (m) => m.topic === 'order' &&
      m.data.some((o) => o.orderLinkId === linkId)));
  const placed = await rest.submitOrder({ category, symbol, side: 'Buy', orderType: 'Limit', qty: '0.001', price,
                                          timeInForce: 'PostOnly', orderLinkId: linkId });
  check(placed.retCode === 0 && placed.result.orderId, 'REST place order', placed);
  const ev = await orderEvent;
  check(ev.data.find((o) => o.orderLinkId === linkId).orderStatus === 'New', 'WS private order event', ev);
  const newPrice = (Number(price) - tick).toFixed(2);
  const amended = await rest.amendOrder({ category, symbol, orderId: placed.result.orderId, price: newPrice });
  check(amended.retCode === 0, 'REST amend order', amended);
  const open = await rest.getActiveOrders({ category, symbol });
  const mine = open.result.list.find((o) => o.orderId === placed.result.orderId);
  check(open.retCode === 0 && mine && mine.price === newPrice, 'REST open orders', open);
  const cancelled = await rest.cancelOrder({ category, symbol, orderId: placed.result.orderId });
  check(cancelled.retCode === 0, 'REST cancel order', cancelled);
  const positions = await rest.getPositionInfo({ category, symbol });
  check(positions.retCode === 0 && Array.isArray(positions.result.list), 'REST positions', positions);
  const wallet = await rest.getWalletBalance({ accountType: 'UNIFIED' });
  check(wallet.retCode === 0 && wallet.result.list[0].coin.some((c) => c.coin === 'USDT'), 'REST wallet', wallet);

  // A marketable order fills against the served book: the execution arrives on the private stream.
  const execEvent = within(10000, 'execution stream', nextUpdate(priv, (m) => m.topic === 'execution'));
  const taker = await rest.submitOrder({ category, symbol, side: 'Buy', orderType: 'Market', qty: '0.001' });
  check(taker.retCode === 0, 'REST market order', taker);
  const exec = await execEvent;
  check(exec.data.length > 0 && exec.data[0].execId && exec.data[0].execFee !== undefined, 'WS private execution', exec);

  // Place and cancel over the trade WebSocket.
  const api = new WebsocketAPIClient({ key, secret, wsUrl: `${wsBase}/v5/trade` }, quiet);
  const wsPlaced = await within(10000, 'trade WS create', api.submitNewOrder({ category, symbol, side: 'Buy',
      orderType: 'Limit', qty: '0.001', price, timeInForce: 'PostOnly', orderLinkId: `${linkId}-ws` }));
  check(wsPlaced.retCode === 0 && wsPlaced.data.orderId && wsPlaced.header, 'WS trade order.create', wsPlaced);
  const wsCancelled = await within(10000, 'trade WS cancel',
                                   api.cancelOrder({ category, symbol, orderId: wsPlaced.data.orderId }));
  check(wsCancelled.retCode === 0, 'WS trade order.cancel', wsCancelled);

  pub.closeAll(true);
  priv.closeAll(true);
  api.getWSClient().closeAll(true);
  console.log('sdk test: all steps passed');
}

within(60000, 'sdk test', main()).then(() => process.exit(0), (e) => {
  console.error(`FAIL ${e.message}`);
  process.exit(1);
});
