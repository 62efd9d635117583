// The live page: one HTML document with its CSS and script inline, so that `mm run` serves it from the binary
// with no file to install and the browser needs nothing but this server (no CDN, no font, no library).
// It opens the WebSocket /ws and redraws on every pushed state (runtime/ops/live_page.cpp renders it); the
// control buttons POST /api/control with the token typed in (kept in the page only, never stored).
//
// For tests and scripts the body carries data-updates (states received) and data-first-* / data-last-*
// (sequence number, best bid and ask, time of the first and the latest state).
#include "runtime/ops/live_page.h"

namespace mm {

namespace {

constexpr std::string_view kHtml = R"MMPAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mm live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0;background:#0f1115;color:#d8dde6}
header{display:flex;gap:14px;align-items:center;padding:8px 14px;background:#171a21;border-bottom:1px solid #2a2f3a}
header h1{font-size:15px;margin:0}
.badge{padding:2px 8px;border-radius:4px;font-weight:600}
.active{background:#1f5f3a}.reduce_only{background:#7a5a12}.halted{background:#8a1f1f}
.off{background:#444}.on{background:#1f4f7a}
main{display:grid;grid-template-columns:320px 1fr 300px;gap:12px;padding:12px}
section{background:#171a21;border:1px solid #2a2f3a;border-radius:6px;padding:10px}
h2{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:#8b93a3;margin:0 0 6px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
td,th{padding:1px 6px;text-align:right}th{color:#8b93a3;font-weight:500}
tr.ask td.px{color:#e0605e}tr.bid td.px{color:#4fbf7f}
tr.ours{background:#2b3350}td.mark{color:#ffd36b;text-align:left;white-space:nowrap}
tr.spread td{color:#8b93a3;text-align:center;border-top:1px solid #2a2f3a;border-bottom:1px solid #2a2f3a}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0}dt{color:#8b93a3}dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
canvas{width:100%;height:220px;background:#0f1115;border-radius:4px}
.neg{color:#e0605e}.pos{color:#4fbf7f}
button{background:#2a2f3a;color:#d8dde6;border:1px solid #3a4150;border-radius:4px;padding:4px 10px;margin:2px;cursor:pointer}
button.danger{border-color:#8a1f1f}
input{background:#0f1115;color:#d8dde6;border:1px solid #3a4150;border-radius:4px;padding:4px;width:95%}
#control-result{min-height:1.4em;margin-top:6px;white-space:pre-wrap}
</style></head>
<body data-updates="0">
<header><h1 id="symbol">mm</h1>
<span>state <span id="state" class="badge off">-</span></span>
<span>quoting <span id="quoting" class="badge off">-</span></span>
<span id="paused" class="badge off" hidden>PAUSED</span>
<span id="killed" class="badge halted" hidden>KILL SWITCH</span>
<span style="margin-left:auto">feed <span id="conn" class="badge off">connecting</span></span>
<span id="clock"></span></header>
<main>
<section><h2>Book around the touch (our quotes marked)</h2>
<table id="book"><thead><tr><th>price</th><th>size</th><th></th></tr></thead><tbody></tbody></table></section>
<section><h2>Position and PnL</h2>
<dl><dt>position</dt><dd id="position">-</dd><dt>realized</dt><dd id="realized">-</dd>
<dt>unrealized</dt><dd id="unrealized">-</dd><dt>fees</dt><dd id="fees">-</dd><dt>net</dt><dd id="net">-</dd></dl>
<canvas id="chart" width="800" height="220"></canvas>
<div style="color:#8b93a3">net PnL (line) and position (bars) over time</div>
<h2 style="margin-top:10px">Recent fills (<span id="fills-total">0</span> in all)</h2>
<table id="fills"><thead><tr><th>time</th><th>side</th><th>price</th><th>qty</th><th>maker</th><th>fee</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Latency (bucket upper bounds)</h2>
<table id="latency"><thead><tr><th></th><th>p50 us</th><th>p90 us</th><th>p99 us</th><th>count</th></tr></thead><tbody></tbody></table>
<h2 style="margin-top:10px">Control</h2>
<div id="control-off" hidden>control is disabled: start mm with MM_CONTROL_TOKEN set (environment or .env)</div>
<input id="token" type="password" placeholder="control token" autocomplete="off">
<div><button data-action="pause">Pause quoting</button><button data-action="resume">Resume</button>
<button data-action="cancel_all">Cancel all</button><button data-action="kill" class="danger">Kill switch</button></div>
<div id="control-result"></div>
</section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const history = [];
const kHistory = 600;
let updates = 0;

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function renderBook(s) {
  const body = $("book").tBodies[0];
  body.textContent = "";
  const row = (lv, side) => {
    const tr = document.createElement("tr");
    tr.className = side + (lv.ours ? " ours" : "");
    cell(tr, lv.px, "px");
    cell(tr, lv.qty);
    cell(tr, lv.ours ? "\u25c0 ours " + lv.ours : "", "mark");
    body.appendChild(tr);
  };
  for (let i = s.asks.length - 1; i >= 0; --i) row(s.asks[i], "ask");
  const tr = document.createElement("tr");
  tr.className = "spread";
  const td = document.createElement("td");
  td.colSpan = 3;
  const bid = s.bids.length ? Number(s.bids[0].px) : NaN, ask = s.asks.length ? Number(s.asks[0].px) : NaN;
  td.textContent = isNaN(bid) || isNaN(ask) ? "no two-sided book" : "spread " + (ask - bid).toPrecision(6);
  tr.appendChild(td);
  body.appendChild(tr);
  for (const lv of s.bids) row(lv, "bid");
  // Our orders away from the levels shown (deeper in the book) are listed under it.
  const shown = new Set(s.bids.map((l) => "Buy" + l.px).concat(s.asks.map((l) => "Sell" + l.px)));
  for (const o of s.orders) {
    if (shown.has(o.side + o.px)) continue;
    const r = document.createElement("tr");
    r.className = (o.side === "Buy" ? "bid" : "ask") + " ours";
    cell(r, o.px, "px");
    cell(r, "");
    cell(r, "\u25c0 ours " + o.qty + " (deeper)", "mark");
    body.appendChild(r);
  }
}

function money(id, v) {
  const el = $(id);
  el.textContent = v.toFixed(4);
  el.className = v < 0 ? "neg" : v > 0 ? "pos" : "";
}

function renderChart() {
  const c = $("chart"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  if (history.length < 2) return;
  const pad = 8, w = c.width - 2 * pad, h = c.height - 2 * pad;
  const xs = (i) => pad + (w * i) / (history.length - 1);
  let pmax = 0;
  for (const p of history) pmax = Math.max(pmax, Math.abs(p.pos));
  g.fillStyle = "#2b3350";
  for (let i = 0; i < history.length; ++i) {
    const bh = pmax > 0 ? (history[i].pos / pmax) * (h / 2) : 0;
    g.fillRect(xs(i) - 1, pad + h / 2 - Math.max(bh, 0), 2, Math.abs(bh));
  }
  let lo = Infinity, hi = -Infinity;
  for (const p of history) { lo = Math.min(lo, p.net); hi = Math.max(hi, p.net); }
  if (hi - lo < 1e-9) { hi += 1; lo -= 1; }
  g.strokeStyle = "#ffd36b";
  g.lineWidth = 2;
  g.beginPath();
  history.forEach((p, i) => {
    const y = pad + h - ((p.net - lo) / (hi - lo)) * h;
    if (i === 0) g.moveTo(xs(i), y); else g.lineTo(xs(i), y);
  });
  g.stroke();
  g.fillStyle = "#8b93a3";
  g.fillText(hi.toFixed(4), pad + 2, pad + 10);
  g.fillText(lo.toFixed(4), pad + 2, pad + h - 2);
}

function renderFills(s) {
  $("fills-total").textContent = s.fills_total;
  const body = $("fills").tBodies[0];
  body.textContent = "";
  for (const f of s.fills) {
    const tr = document.createElement("tr");
    tr.className = f.side === "Buy" ? "bid" : "ask";
    cell(tr, new Date(f.ts_ns / 1e6).toISOString().substring(11, 23));
    cell(tr, f.side);
    cell(tr, f.px, "px");
    cell(tr, f.qty);
    cell(tr, f.maker ? "yes" : "no");
    cell(tr, f.fee.toFixed(6));
    body.appendChild(tr);
  }
}

function renderLatency(s) {
  const body = $("latency").tBodies[0];
  body.textContent = "";
  for (const [name, l] of [["tick-to-quote", s.latency.tick_to_quote], ["order ack", s.latency.order_ack]]) {
    const tr = document.createElement("tr");
    tr.id = "latency-" + name.replace(/ /g, "-");
    cell(tr, name);
    for (const k of ["p50_us", "p90_us", "p99_us"]) cell(tr, l[k] === null ? "> max" : String(l[k]));
    cell(tr, l.count);
    body.appendChild(tr);
  }
}

function badge(id, text, cls) {
  const el = $(id);
  el.textContent = text;
  el.className = "badge " + cls;
}

function render(s) {
  $("symbol").textContent = "mm " + s.symbol;
  badge("state", s.state, s.state);
  badge("quoting", s.quoting ? "both sides" : "not quoting", s.quoting ? "on" : "off");
  $("paused").hidden = !s.paused;
  $("killed").hidden = !s.killed;
  $("control-off").hidden = s.control;
  $("clock").textContent = new Date(s.ts_ns / 1e6).toISOString().substring(11, 23) + " UTC";
  renderBook(s);
  $("position").textContent = s.position;
  money("realized", s.realized);
  money("unrealized", s.unrealized);
  money("fees", -s.fees);
  money("net", s.net);
  history.push({ pos: Number(s.position), net: s.net });
  if (history.length > kHistory) history.shift();
  renderChart();
  renderFills(s);
  renderLatency(s);
  // What a test (or a script) reads back: the first and the latest state seen.
  const b = document.body.dataset;
  const bid = s.bids.length ? s.bids[0].px : "", ask = s.asks.length ? s.asks[0].px : "";
  if (updates === 0) { b.firstSeq = s.seq; b.firstBid = bid; b.firstAsk = ask; b.firstTs = s.ts_ns; }
  b.lastSeq = s.seq; b.lastBid = bid; b.lastAsk = ask; b.lastTs = s.ts_ns;
  b.updates = ++updates;
}

function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.onopen = () => badge("conn", "live", "on");
  ws.onmessage = (ev) => { try { render(JSON.parse(ev.data)); } catch (e) { $("control-result").textContent = String(e); } };
  ws.onclose = () => { badge("conn", "disconnected", "halted"); setTimeout(connect, 1000); };
}

async function control(action) {
  if (action === "kill" && !confirm("Engage the kill switch? Trading halts until mm restarts.")) return;
  const token = $("token").value;
  const headers = { "Content-Type": "application/x-www-form-urlencoded" };
  if (token) headers["Authorization"] = "Bearer " + token;
  try {
    const r = await fetch("/api/control", { method: "POST", headers, body: "action=" + action });
    $("control-result").textContent = r.status + " " + (await r.text());
  } catch (e) {
    $("control-result").textContent = "failed: " + e;
  }
}

for (const b of document.querySelectorAll("button[data-action]")) b.onclick = () => control(b.dataset.action);
connect();
</script></body></html>
)MMPAGE";

}  // namespace

std::string_view live_page_html() noexcept {
  return kHtml;
}

}  // namespace mm
