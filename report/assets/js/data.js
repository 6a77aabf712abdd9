// The report's data and what the rest of the page shares: the JSON inlined
// in the page, small DOM helpers, the view's state, and the indexes built
// over a world's columns (prepare) that let the diagram find what is in
// view by bisection.
//
// One of the report's scripts, which write.go joins in a fixed order inside
// one function: every top-level name here is shared with the others.

const D = JSON.parse(document.getElementById("data").textContent);
const S = D.strings || [];
const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of kids) e.append(c);
  return e;
};
const SVG = "http://www.w3.org/2000/svg";
const svg = (tag, attrs) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
};

// Virtual times are nanoseconds.
function fmtTime(ns) {
  if (ns < 0) return "never";
  const trim = (x) => x.replace(/\.?0+$/, "");
  if (ns >= 1e9) return trim((ns / 1e9).toFixed(9)) + " s";
  if (ns >= 1e6) return trim((ns / 1e6).toFixed(6)) + " ms";
  if (ns >= 1e3) return trim((ns / 1e3).toFixed(3)) + " µs";
  return ns + " ns";
}
function fmtSpan(ns) {
  if (ns >= 1e9) return (ns / 1e9).toPrecision(3) + " s";
  if (ns >= 1e6) return (ns / 1e6).toPrecision(3) + " ms";
  if (ns >= 1e3) return (ns / 1e3).toPrecision(3) + " µs";
  return Math.round(ns) + " ns";
}

const FATES = ["delivered", "duplicate", "lost", "cut by a partition", "dropped", "in flight at the end"];
const FAULT_KINDS = new Set(["crash", "restart", "pause", "resume", "clock", "net", "fault"]);
// Kinds drawn as points, with whether they show by default.
const KINDS = [
  ["failure", true], ["crash", true], ["restart", true], ["start", true], ["pause", true], ["resume", true],
  ["clock", true], ["net", true], ["fault", true], ["timeout", true], ["invoke", true], ["log", true],
  ["mark", false], ["disk", false], ["sync", false], ["timer", false],
];

// ---- state --------------------------------------------------------------
const st = {
  world: 0,
  t0: 0, t1: 1,
  hiddenNodes: new Set(), hiddenTypes: new Set(),
  hiddenKinds: new Set(KINDS.filter((k) => !k[1]).map((k) => k[0])),
  selected: null, // {what: "msg"|"point"|"op", i}
  hover: null,
};
let W = null; // the world in view, with indexes (see prepare)
const drawn = { lanes: 0, arrows: 0, points: 0, ops: 0, bands: 0, ms: 0, window: [0, 0] };
let hits = null; // what the last frame drew, for hit-testing

function prepare(k) {
  const w = D.worlds[k];
  const m = w.msgs;
  for (const key of ["id", "from", "to", "send", "end", "fate", "type", "detail", "why", "event"]) m[key] = m[key] || [];
  const p = w.points;
  for (const key of ["node", "time", "kind", "detail", "event"]) p[key] = p[key] || [];
  w.bands = w.bands || [];
  w.ops = w.ops || [];
  w.hists = w.hists || [];
  // Long-lived messages (clogged, held, in flight at the end) are kept
  // apart so the rest can be found in view by bisection on send time.
  const n = m.send.length;
  const durs = new Float64Array(n);
  for (let i = 0; i < n; i++) durs[i] = m.end[i] - m.send[i];
  const sorted = Array.from(durs).sort((a, b) => a - b);
  w.shortMax = n ? sorted[Math.floor(n * 0.99)] : 0;
  w.long = [];
  for (let i = 0; i < n; i++) if (durs[i] > w.shortMax) w.long.push(i);
  w.types = new Map();
  for (let i = 0; i < n; i++) {
    const t = m.type[i];
    w.types.set(t, (w.types.get(t) || 0) + 1);
  }
  // The faults: the schedule's actions (the world's "fault" records),
  // and faults injected some other way; not the effects of an action
  // (the net, crash and restart records at the same moment).
  const actionAt = new Set();
  for (let i = 0; i < p.time.length; i++) if (p.kind[i] === "fault" && p.node[i] < 0) actionAt.add(p.time[i]);
  w.faults = [];
  for (let i = 0; i < p.time.length; i++) {
    if (!FAULT_KINDS.has(p.kind[i])) continue;
    if (p.kind[i] === "fault" && p.node[i] < 0) w.faults.push(i);
    else if (!actionAt.has(p.time[i])) w.faults.push(i);
  }
  w.opsByNode = new Map();
  w.ops.forEach((o, i) => {
    if (!w.opsByNode.has(o.node)) w.opsByNode.set(o.node, []);
    w.opsByNode.get(o.node).push(i);
  });
  w.illegal = new Set();
  for (const h of w.hists) for (const part of h.partitions || []) if (part.firstIllegal >= 0) w.illegal.add(h.first + part.firstIllegal);
  return w;
}

function lowerBound(arr, x) {
  let lo = 0, hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// visibleMessages lists the messages whose span [send, end] meets
// [t0, t1] and that the filters let through.
function visibleMessages(t0, t1) {
  const m = W.msgs, out = [];
  const ok = (i) => m.end[i] >= t0 && m.send[i] <= t1 && !st.hiddenTypes.has(m.type[i]) &&
    !st.hiddenNodes.has(m.from[i]) && !st.hiddenNodes.has(m.to[i]);
  const from = lowerBound(m.send, t0 - W.shortMax);
  for (let i = from; i < m.send.length && m.send[i] <= t1; i++) if (m.end[i] - m.send[i] <= W.shortMax && ok(i)) out.push(i);
  for (const i of W.long) if (ok(i)) out.push(i);
  return out;
}

function visiblePoints(t0, t1) {
  const p = W.points, out = [];
  for (let i = lowerBound(p.time, t0); i < p.time.length && p.time[i] <= t1; i++) {
    if (st.hiddenKinds.has(p.kind[i])) continue;
    if (p.node[i] >= 0 && st.hiddenNodes.has(p.node[i])) continue;
    out.push(i);
  }
  return out;
}
