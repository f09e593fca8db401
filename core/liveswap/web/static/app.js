// liveswap dashboard: polls /api/overview every second and /api/series every few seconds,
// draws the charts with the vendored uPlot, and posts actions with the X-Liveswap-Token header.
// Every text from the home (fault messages, log lines, versions) is inserted as text, never as HTML.
"use strict";

const OVERVIEW_MS = 1000;
const SERIES_MS = 4000;
const COLORS = ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#4b5563"];
const state = { overview: null, series: null, charts: {}, specColors: {} };

// ---- small DOM helpers --------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}
const $ = (id) => document.getElementById(id);
function setText(id, text, cls) { const n = $(id); n.textContent = text; if (cls !== undefined) n.className = cls; }
function fill(tbody, rows) { tbody.replaceChildren(...rows); }
const money = (x) => (x === null || x === undefined ? "–" : Number(x).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const signed = (x) => (x === null || x === undefined ? "–" : (x > 0 ? "+" : "") + money(x));
const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");
const pnlClass = (x) => (x > 0 ? "pos" : x < 0 ? "neg" : "");
function utc(ts) { return ts ? new Date(ts * 1000).toISOString().replace("T", " ").slice(0, 19) : "–"; }
function ago(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  seconds = Math.max(0, seconds);  // a clock a little ahead of this one
  if (seconds < 90) return seconds.toFixed(1) + " s ago";
  if (seconds < 5400) return (seconds / 60).toFixed(0) + " min ago";
  return (seconds / 3600).toFixed(1) + " h ago";
}
function colorOf(spec) {
  if (!(spec in state.specColors)) state.specColors[spec] = COLORS[Object.keys(state.specColors).length % COLORS.length];
  return state.specColors[spec];
}

// ---- token: from the address (#token=...), kept for this tab only -------------------------------
function initToken() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    sessionStorage.setItem("liveswap-token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  const input = $("token");
  input.value = sessionStorage.getItem("liveswap-token") || "";
  input.addEventListener("change", () => sessionStorage.setItem("liveswap-token", input.value.trim()));
}

async function act(name, body) {
  const out = $("action-result");
  out.textContent = name + "…";
  out.className = "muted";
  try {
    const res = await fetch("/api/actions/" + name, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Liveswap-Token": $("token").value.trim() },
      body: JSON.stringify({ ...body, wait: 10 }),
    });
    const data = await res.json();
    out.textContent = data.ok ? data.what + ": " + data.message : "refused (" + res.status + "): " + data.reason;
    out.className = data.ok && data.applied !== false ? "ok" : "bad";
  } catch (err) {
    out.textContent = "failed: " + err;
    out.className = "bad";
  }
  refresh();
}

// ---- the overview (every second) ----------------------------------------------------------------
function renderOverview(o) {
  const h = o.host;
  setText("home", o.home);
  const badge = $("host-badge");
  if (h.alive) { badge.textContent = "running · pid " + h.pid; badge.className = "badge ok"; }
  else if (h.stale) { badge.textContent = "STALE heartbeat · pid " + h.pid; badge.className = "badge bad"; }
  else if (h.seen) { badge.textContent = "stopped"; badge.className = "badge warn"; }
  else { badge.textContent = "no host has run here"; badge.className = "badge"; }
  setText("heartbeat", h.heartbeat_at ? "heartbeat " + ago(h.heartbeat_age) + " · " + (h.candles_processed ?? 0) +
    " candles · " + (h.feed || "") + "/" + (h.broker || "") + " · candle clock " + utc(h.clock) : "");

  const a = o.active;
  setText("active", a ? a.name + "==" + a.version : "–");
  const w = o.worker || {};
  setText("active-sub", a ? "since " + utc(a.since) + (w.sandboxed ? " · sandboxed worker pid " + w.pid : " · in-process") +
    (o.probation ? " · probation" : "") : "");

  const g = o.generation;
  const behind = g.desired !== null && g.observed !== null && g.desired > g.observed;
  setText("generation", "desired " + (g.desired ?? "–") + " / observed " + (g.observed ?? "–"), "big " + (behind ? "warn" : ""));
  const gsub = [];
  if (g.control_error) gsub.push("control.json: " + g.control_error);
  if (g.last_refusal) gsub.push("generation " + g.last_refusal.generation + " refused: " + g.last_refusal.reason);
  if (behind) gsub.push(h.alive ? "the host applies it between batches" : "applied at the next start");
  setText("generation-sub", gsub.join(" · ") || (g.observed === null ? "no host has applied any yet" : "in step"));

  const m = o.money;
  const equity = m.equity_at_cost ?? m.balance;
  setText("money", money(equity), "big");
  setText("money-sub", "equity at cost = cash " + money(m.balance) + " + " + money(m.open_at_cost ?? 0) +
    " in open positions (contracts × price + fees, as filled) · realized PnL " + signed(m.realized_pnl) +
    " · fees " + money(m.fees_paid) + " · win rate " + pct(m.win_rate));
  renderGuards(o.guards || {});

  const s = o.sandbox;
  if (typeof s === "string") {
    setText("sandbox", s);
    setText("sandbox-sub", "");
  } else if (s && typeof s === "object") {
    setText("sandbox", String(s.level ?? s.in_force ?? "?"));
    const missing = s.missing ?? s.not_applied ?? s.could_not_apply ?? [];
    setText("sandbox-sub", Array.isArray(missing) && missing.length ? "not applied: " + missing.join(", ") : "all of it applied");
  } else {
    setText("sandbox", w.sandboxed ? "sandboxed" : "–");
    setText("sandbox-sub", w.sandboxed ? "network isolated: " + (w.network_isolated ? "yes" : "no") : "the host reports no sandbox level");
  }

  const alerts = [];
  if (h.stale) alerts.push("The host (pid " + h.pid + ") has not written a heartbeat for " + ago(h.heartbeat_age).replace(" ago", "") +
    ": it is stopped, hung or killed; nothing is being traded.");
  if (o.paused) alerts.push("All markets are paused: no new positions" + (o.paused_reason ? " (" + o.paused_reason + ")" : "") + ".");
  else if (o.paused_reason) alerts.push("Not opening positions: " + o.paused_reason + ".");
  if (g.control_error) alerts.push("control.json is refused: " + g.control_error);
  const blocked = (o.guards || {}).trading_blocked;
  if (blocked) alerts.push("Trading blocked: " + blocked);
  const banner = $("banner");
  banner.textContent = alerts.join(" ");
  banner.hidden = !alerts.length;

  renderCandidate(o.candidate);
  renderFleet(o.fleet);
  renderMarkets(o.markets, o.desired, o.fleet);
  renderFaults(o.faults);
  setText("log-file", o.log.file ? "state/logs/" + o.log.file : "(no log yet)");
  const pre = $("log");
  const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.textContent = o.log.lines.join("\n");
  if (atEnd) pre.scrollTop = pre.scrollHeight;
}

function renderGuards(gd) {
  const d = gd.daily_loss || {};
  const r = gd.reconcile || {};
  const tripped = Boolean(d.tripped);
  const halted = Boolean(r.halted);
  const head = gd.trading_blocked ? "trading blocked" : "trading allowed";
  setText("guards", head, "big " + (gd.trading_blocked ? "bad" : "ok"));
  const parts = [];
  if (d.limit !== undefined && d.limit !== null) {
    parts.push("daily loss " + money(d.used) + " of " + money(d.limit) + (tripped ? " · TRIPPED: " + (d.reason || "") : ""));
  }
  if (halted) parts.push("reconciliation HALTED: " + (r.reason || ""));
  else if (r.checked_at) parts.push("reconciliation: ledger == broker (" + (r.checks ?? 0) + " checks)");
  if (r.error) parts.push("reconciliation: " + r.error);
  parts.push("open positions " + (gd.open_positions ?? 0) + (gd.max_open_positions !== undefined && gd.max_open_positions !== null ? " of " + gd.max_open_positions : ""));
  if (gd.open_orders) parts.push(gd.open_orders + " orders with an unknown outcome");
  setText("guards-sub", parts.join(" · "));
  $("lift-daily-loss").hidden = !tripped;
}

function liftDailyLoss() {
  const d = ((state.overview || {}).guards || {}).daily_loss || {};
  const ok = window.confirm("Lift the daily loss latch?\n\nThe host lost " + money(d.used) + " today against a limit of " +
    money(d.limit) + ". Lifting it resumes every market and lets the strategy lose up to another " + money(d.limit) +
    " today.");
  if (ok) act("lift_daily_loss", { confirm: "lift" });
}

function renderCandidate(c) {
  const box = $("candidate");
  if (!c) { box.replaceChildren("no candidate"); box.className = "muted"; return; }
  box.className = "";
  // issue 17's status: figures.{candidate,active} in full, else the short figures (candidate at top level, .active)
  const f = c.figures || {};
  const cand = f.candidate || c;
  const active = f.active || c.active || c.baseline || {};
  const row = (label, x, y) => [el("span", { class: "muted" }, label), el("span", {}, x), el("span", {}, y)];
  // an ended candidate (promoted, rejected, stopped) shows how it ended, never a "running" badge
  const ended = Boolean(c.ended_at) || ["promoted", "rejected", "stopped", "failed"].includes(c.phase);
  const rawVerdict = String(c.verdict ?? "running");
  const verdict = ended && rawVerdict === "running" ? String(c.phase ?? "ended") : rawVerdict;
  const vcls = verdict === "successful" || verdict === "promoted" ? "ok" : verdict === "failed" ? "bad" : ended ? "" : "warn";
  const rows = [row("", "candidate", "active" + (active.spec ? " " + active.spec : "")),
    row("bets", cand.bets ?? "–", active.bets ?? "–"),
    row("win rate", pct(cand.win_rate), pct(active.win_rate)),
    row("PnL", signed(cand.pnl), signed(active.pnl))];
  if ("fees" in cand || "fees" in active) rows.push(row("fees", money(cand.fees), money(active.fees)));
  if ("max_drawdown" in cand || "max_drawdown" in active) rows.push(row("max drawdown", money(cand.max_drawdown), money(active.max_drawdown)));
  if ("faults" in cand || "faults" in active) rows.push(row("faults", cand.faults ?? "–", active.faults ?? "–"));
  const metrics = (c.analysis && Array.isArray(c.analysis.metrics)) ? c.analysis.metrics : [];
  box.replaceChildren(...[
    el("div", {}, el("span", { class: "tag" }, c.mode ?? "?"), el("b", {}, c.spec ?? "?"),
      c.markets && c.markets.length ? el("span", { class: "muted" }, " on " + c.markets.join(", ")) : null,
      el("span", { class: "muted" }, " · " + (c.phase ?? "running") + " since " + utc(c.since) +
        (ended && c.ended_at ? " · ended " + utc(c.ended_at) : "") + (c.auto_promote ? " · auto-promote" : ""))),
    el("p", {}, el("span", { class: "tag " + vcls }, verdict), c.reason ?? ""),
    c.money ? el("p", { class: "muted" }, "money: mean difference " + (c.money.estimate === null || c.money.estimate === undefined ? "–" : Number(c.money.estimate).toFixed(4))
      + " per batch, bounds [" + Number(c.money.lower).toFixed(4) + ", " + Number(c.money.upper).toFixed(4) + "] after "
      + c.money.batches + " paired batches · alpha " + c.money.alpha + ", beta " + c.money.beta + ", min_edge " + c.money.min_edge
      + ", margin " + c.money.margin + ", horizon " + c.money.horizon) : null,
    c.guard_of ? el("p", { class: "muted" }, "guard after the promotion of " + c.guard_of + ": the replaced version "
      + (c.spec ?? "?") + " decides hypothetically beside it; rolled back to it if the promoted version falls behind beyond the margin") : null,
    c.ended_reason ? el("p", { class: "muted" }, "ended: " + c.ended_reason) : null,
    el("div", { class: "cand-grid" }, rows),
    metrics.length ? el("table", { class: "metrics" },
      el("thead", {}, el("tr", {}, ["metric", "phase", "value", "ok / failed / inconclusive"].map((h) => el("th", {}, h)))),
      el("tbody", {}, metrics.map((m) => el("tr", {}, el("td", {}, m.name), el("td", {}, ended && m.phase === "running" ? "ended" : (m.phase ?? "")),
        el("td", {}, m.value === null || m.value === undefined ? "–" : Number(m.value).toFixed(3)),
        el("td", {}, (m.successful ?? 0) + " / " + (m.failed ?? 0) + " / " + (m.inconclusive ?? 0)))))) : null,
  ].filter(Boolean));
}

function renderFleet(f) {
  // status.json's fleet (null when the host runs alone): its id, the markets it holds a lease on, connected
  $("fleet-panel").hidden = !f;
  if (!f) return;
  setText("fleet-name", f.name);
  const owned = Object.entries(f.markets_owned || {});
  $("fleet-summary").replaceChildren(
    el("b", {}, "host " + f.host_id), " ",
    el("span", { id: "fleet-connected", class: "tag " + (f.connected ? "ok" : "bad") },
      f.connected ? "connected to NATS" : "NATS unreachable: opening nothing on unproven markets"),
    el("span", { class: "muted" }, " · " + owned.length + " market(s) owned · lease " + (f.lease_seconds ?? "?") +
      " s, fenced " + (f.fence_margin_seconds ?? "?") + " s before expiry" +
      (f.desired_generation !== null && f.desired_generation !== undefined ? " · fleet generation " + f.desired_generation : "")),
    f.error ? el("p", { class: "bad" }, f.error) : null);
  fill($("fleet-leases").tBodies[0], owned.length ? owned.map(([m, rev]) => el("tr", {}, el("td", {}, m), el("td", {}, String(rev))))
    : [el("tr", {}, el("td", { class: "muted" }, "none"), el("td", {}, "–"))]);
}

function renderMarkets(markets, desired, fleet) {
  const owned = fleet ? (fleet.markets_owned || {}) : null;
  const rows = markets.map((m) => {
    const tags = [];
    if (owned && !(m.market in owned)) tags.push(el("span", { class: "tag" }, "another host's"));
    if (m.paused) tags.push(el("span", { class: "tag warn" }, m.paused_itself ? "paused" : "paused (all)"));
    if (m.stale) tags.push(el("span", { class: "tag bad" }, "stale"));
    if (m.blocked && !m.paused) tags.push(el("span", { class: "tag bad", title: m.blocked }, "blocked"));
    if (!tags.length) tags.push(el("span", { class: "tag ok" }, "trading"));
    const pos = m.open_positions.map((p) => p.side + " $" + money((p.cost ?? 0) + (p.fee ?? 0)) + " at cost@" + p.price + " (" + p.version + ")").join(", ");
    const f = m.figures || {};
    const button = m.paused_itself
      ? el("button", { class: "small", onclick: () => act("resume", { markets: [m.market] }) }, "resume")
      : el("button", { class: "small", onclick: () => act("pause", { markets: [m.market] }) }, "pause");
    return el("tr", {}, el("td", {}, m.market), el("td", {}, tags), el("td", {}, pos || "–"),
      el("td", {}, f.bets ?? 0), el("td", { class: pnlClass(f.pnl) }, signed(f.pnl)), el("td", {}, button));
  });
  fill($("markets").tBodies[0], rows);
}

function renderFaults(f) {
  setText("faults-summary", (f.count ?? 0) + " strategy faults since the host started" +
    (f.last ? " · last: " + (typeof f.last === "string" ? f.last : JSON.stringify(f.last)) : ""));
  const items = f.recent.map((r) => el("li", {}, el("b", {}, r.spec), " " + r.market + " " + utc(r.candle_start) + ": ", r.fault));
  $("faults").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "none recorded")]));
}

// ---- the series (every few seconds) -------------------------------------------------------------
function swapLabel(s) {
  const pause = s.pause_ms !== null && s.pause_ms !== undefined ? " " + Number(s.pause_ms).toFixed(1) + " ms" : "";
  return (s.kind === "rollback" ? "↩ " : "→ ") + s.to_version + pause;
}

function markerPlugin(getSwaps) {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        const [x0, x1] = [u.scales.x.min, u.scales.x.max];
        ctx.save();
        ctx.font = (11 * devicePixelRatio) + "px system-ui, sans-serif";
        let row = 0;
        for (const s of getSwaps()) {
          if (!s.ok || s.batch_end === null || s.batch_end < x0 || s.batch_end > x1) continue;
          const labelY = u.bbox.top + (12 + 14 * (row++ % 4)) * devicePixelRatio;
          const x = Math.round(u.valToPos(s.batch_end, "x", true));
          ctx.strokeStyle = s.kind === "rollback" ? "#b54708" : "#7c3aed";
          ctx.setLineDash([5, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
          ctx.fillStyle = ctx.strokeStyle;
          const label = swapLabel(s);
          const width = ctx.measureText(label).width;
          const right = x + 4 * devicePixelRatio + width <= u.bbox.left + u.bbox.width;
          ctx.fillText(label, right ? x + 4 * devicePixelRatio : x - 4 * devicePixelRatio - width, labelY);
        }
        ctx.restore();
      },
    },
  };
}

function chartWidth(id) { return Math.max(300, $(id).clientWidth - 4); }

function drawChart(id, opts, data) {
  const box = $(id);
  const points = data[0].length;
  box.dataset.points = String(points);
  if (state.charts[id]) { state.charts[id].destroy(); delete state.charts[id]; }
  box.replaceChildren();
  if (!points) { box.append(el("p", { class: "muted" }, "no settled bets yet")); return; }
  state.charts[id] = new uPlot({ width: chartWidth(id), height: 260, ...opts }, data, box);
}

function renderSeries(s) {
  const swaps = s.swaps.filter((w) => w.ok && w.kind !== "start" && w.kind !== "restart");
  const markers = () => swaps;
  drawChart("chart-equity", {
    plugins: [markerPlugin(markers)],
    series: [{}, { label: "equity", stroke: "#2563eb", width: 2, value: (u, v) => money(v) },
      { label: "realized PnL", scale: "pnl", stroke: "transparent", width: 0, value: (u, v) => signed(v), points: { show: false } }],
    axes: [{}, { label: "equity, USD", size: 70 },
      { side: 1, scale: "y", label: "realized PnL", grid: { show: false }, size: 70, values: (u, vals) => vals.map((v) => signed(v - s.deposits)) }],
  }, [s.ts, s.equity, s.realized_pnl]);

  const specs = Object.keys(s.by_spec);
  if (specs.length) {
    const tables = specs.map((k) => [s.by_spec[k].map((p) => p[0]), s.by_spec[k].map((p) => p[1])]);
    const joined = uPlot.join(tables);
    drawChart("chart-pnl", {
      plugins: [markerPlugin(markers)],
      series: [{}, ...specs.map((k) => ({ label: k, stroke: colorOf(k), width: 2, spanGaps: true, value: (u, v) => signed(v) }))],
      axes: [{}, { label: "USD", size: 70 }],
    }, joined);
  } else {
    drawChart("chart-pnl", {}, [[]]);
  }

  const activeSpec = state.overview && state.overview.active ? state.overview.active.name + "==" + state.overview.active.version : "";
  fill($("versions").tBodies[0], s.versions.map((v) => el("tr", { class: v.spec === activeSpec ? "active" : "" },
    el("td", {}, el("span", { class: "chip", style: "background:" + colorOf(v.spec) }), v.spec,
      v.spec === activeSpec ? el("span", { class: "tag ok" }, "active") : null),
    el("td", {}, v.bets), el("td", {}, pct(v.win_rate)), el("td", { class: pnlClass(v.pnl) }, signed(v.pnl)),
    el("td", { class: v.max_drawdown > 0 ? "neg" : "" }, money(v.max_drawdown)), el("td", {}, money(v.fees)))));

  fill($("timeline").tBodies[0], s.swaps.slice().reverse().slice(0, 30).map((w) => el("tr", { class: w.ok ? "" : "refused" },
    el("td", { title: utc(w.ts) + " UTC" }, utc(w.ts).slice(5)), el("td", {}, w.kind), el("td", {}, (w.from_version || "–") + " → " + w.to_version),
    el("td", {}, w.ok ? el("span", { class: "tag ok" }, "done") : el("span", { class: "tag bad", title: w.reason }, "refused"),
      w.ok ? "" : " " + w.reason),
    el("td", {}, w.pause_ms !== null && w.pause_ms !== undefined ? Number(w.pause_ms).toFixed(2) + "\u00a0ms" : "–"))));

  const known = new Set(s.versions.map((v) => v.spec));
  for (const w of s.swaps) if (w.ok && w.to_version.includes("==")) known.add(w.to_version);
  $("known-specs").replaceChildren(...[...known].sort().map((k) => el("option", { value: k })));
}

// ---- the last backtests (state/backtests, with the series) --------------------------------------
function renderBacktests(b) {
  const latest = b.latest;
  $("backtest-file").textContent = latest ? latest.file : "";
  if (latest && latest.versions.some((v) => v.equity.length)) {
    const tables = latest.versions.map((v) => [v.equity.map((p) => p[0]), v.equity.map((p) => p[1])]);
    drawChart("chart-backtest", {
      series: [{}, ...latest.versions.map((v) => ({ label: v.spec, stroke: colorOf(v.spec), width: 2, spanGaps: true, value: (u, x) => signed(x) }))],
      axes: [{}, { label: "realized PnL, USD", size: 70 }],
    }, uPlot.join(tables));
  } else {
    drawChart("chart-backtest", {}, [[]]);
  }
  const rows = [];
  for (const run of b.runs) {
    run.versions.forEach((v, i) => rows.push(el("tr", {},
      el("td", {}, i ? "" : utc(run.created_at).slice(5)), el("td", {}, i ? "" : String(v.candles)),
      el("td", {}, el("span", { class: "chip", style: "background:" + colorOf(v.spec) }), v.spec,
        v.fault ? el("span", { class: "tag bad", title: v.fault }, "fault") : null),
      el("td", {}, v.bets), el("td", {}, pct(v.win_rate)), el("td", { class: pnlClass(v.pnl) }, signed(v.pnl)),
      el("td", {}, money(v.fees)), el("td", { class: v.max_drawdown > 0 ? "neg" : "" }, money(v.max_drawdown)),
      el("td", { title: run.comparison ? run.comparison.reason : "" }, i || !run.comparison ? "" : run.comparison.verdict))));
  }
  fill($("backtests").tBodies[0], rows);
}

// ---- polling ------------------------------------------------------------------------------------
async function getJSON(path) {
  const res = await fetch(path, { cache: "no-store" });
  if (!res.ok) throw new Error(path + ": HTTP " + res.status);
  return res.json();
}
let lastSeriesAt = 0;
let lastSwapAt;
async function refresh() {
  try {
    state.overview = await getJSON("/api/overview");
    renderOverview(state.overview);
    const swapAt = state.overview.last_swap && state.overview.last_swap.at;
    if (!state.series || swapAt !== lastSwapAt || Date.now() - lastSeriesAt >= SERIES_MS) {
      lastSeriesAt = Date.now();
      state.series = await getJSON("/api/series");
      lastSwapAt = swapAt;
      renderSeries(state.series);
      state.backtests = await getJSON("/api/backtests");
      renderBacktests(state.backtests);
    }
    document.body.dataset.loaded = "1";
  } catch (err) {
    const badge = $("host-badge");
    badge.textContent = "dashboard server unreachable";
    badge.className = "badge bad";
  }
}

function init() {
  initToken();
  $("form-activate").addEventListener("submit", (e) => { e.preventDefault(); act("activate", { spec: $("activate-spec").value.trim() }); });
  $("form-rollback").addEventListener("submit", (e) => { e.preventDefault(); act("rollback", { to: $("rollback-to").value.trim() || null }); });
  $("pause-all").addEventListener("click", () => act("pause", {}));
  $("resume-all").addEventListener("click", () => act("resume", {}));
  $("lift-daily-loss").addEventListener("click", liftDailyLoss);
  $("promote").addEventListener("click", () => act("promote", {}));
  $("reject").addEventListener("click", () => act("reject", {}));
  window.addEventListener("resize", () => { if (state.series) renderSeries(state.series); });
  refresh();
  setInterval(refresh, OVERVIEW_MS);
}
init();
