// simlab's run report: the verdict, a space-time diagram drawn on a canvas
// (only what is in view), the faults, and the linearizability view of each
// checked history, linked with the diagram. Everything it shows comes from
// the JSON data inlined in the page; it makes no network requests.
"use strict";
(function () {
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

  // ---- geometry -----------------------------------------------------------
  const canvas = $("diagram");
  const ctx = canvas.getContext("2d");
  const GUTTER = 96, RIGHT = 16, TOP = 30, LANE = 34;
  let cssW = 800, cssH = 300;
  let laneIndex = []; // node → row, -1 when hidden

  function layoutLanes() {
    laneIndex = [];
    let row = 0;
    for (let i = 0; i < W.nodes.length; i++) laneIndex.push(st.hiddenNodes.has(i) ? -1 : row++);
    return row;
  }
  const xOf = (t) => GUTTER + (t - st.t0) / (st.t1 - st.t0) * (cssW - GUTTER - RIGHT);
  const tOf = (x) => st.t0 + (x - GUTTER) / (cssW - GUTTER - RIGHT) * (st.t1 - st.t0);
  const yOf = (node) => TOP + laneIndex[node] * LANE + LANE / 2;

  function resize() {
    const rows = layoutLanes();
    cssW = canvas.parentElement.clientWidth || 800;
    cssH = TOP + Math.max(rows, 1) * LANE + 12;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    canvas.style.height = cssH + "px";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  // ---- drawing ------------------------------------------------------------
  const GROUP_TINTS = ["rgba(47,111,221,.10)", "rgba(247,144,9,.13)", "rgba(18,183,106,.12)", "rgba(158,119,237,.13)", "rgba(240,68,56,.10)"];
  const COLORS = {
    delivered: "#2f6fdd", duplicate: "#9e77ed", dead: "#c0262d", flight: "#98a2b3",
    selected: "#f79009", op: "#1a7f37", opUnknown: "#98a2b3", failure: "#c0262d",
  };
  let frameRequested = false;
  function requestDraw() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => { frameRequested = false; draw(); });
  }

  function draw() {
    const start = performance.now();
    resize();
    const rows = laneIndex.filter((r) => r >= 0).length;
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.font = "11px system-ui, sans-serif";
    hits = { msgs: [], points: [], ops: [] };
    const left = GUTTER, right = cssW - RIGHT;
    const clip = () => { ctx.save(); ctx.beginPath(); ctx.rect(left, 0, right - left, cssH); ctx.clip(); };

    // Axis.
    drawAxis(left, right);
    // Lanes.
    ctx.textBaseline = "middle";
    for (let n = 0; n < W.nodes.length; n++) {
      if (laneIndex[n] < 0) continue;
      const y = yOf(n);
      ctx.strokeStyle = "#eaecf0";
      ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(right, y); ctx.stroke();
      ctx.fillStyle = "#1d2330";
      ctx.textAlign = "right";
      ctx.fillText(W.nodes[n], left - 8, y);
    }
    clip();
    // Bands.
    let bands = 0;
    for (const b of W.bands) {
      if (b.end < st.t0 || b.start > st.t1) continue;
      const x0 = Math.max(xOf(b.start), left - 1), x1 = Math.min(Math.max(xOf(b.end), x0 + 2), right + 1);
      if (b.kind === "net") {
        bands++;
        if (b.groups) {
          for (let n = 0; n < W.nodes.length; n++) {
            if (laneIndex[n] < 0) continue;
            const g = b.groups[n];
            ctx.fillStyle = g < 0 ? "rgba(152,162,179,.10)" : GROUP_TINTS[g % GROUP_TINTS.length];
            ctx.fillRect(x0, yOf(n) - LANE / 2 + 1, x1 - x0, LANE - 2);
          }
        } else {
          ctx.fillStyle = "rgba(158,119,237,.08)";
          ctx.fillRect(x0, TOP, x1 - x0, rows * LANE);
        }
        const lx = Math.max(x0, left) + 3;
        if (ctx.measureText(b.detail).width < x1 - lx - 4) {
          ctx.fillStyle = "#6941c6";
          ctx.textAlign = "left";
          ctx.fillText(b.detail, lx, TOP - 7);
        }
        continue;
      }
      if (laneIndex[b.node] < 0) continue;
      bands++;
      const y = yOf(b.node);
      if (b.kind === "down") {
        ctx.fillStyle = "rgba(102,112,133,.22)";
        ctx.fillRect(x0, y - LANE / 2 + 3, x1 - x0, LANE - 6);
        ctx.strokeStyle = "rgba(102,112,133,.5)";
        ctx.beginPath();
        for (let x = x0 - (x0 % 8); x < x1; x += 8) { ctx.moveTo(Math.max(x, x0), y + LANE / 2 - 3); ctx.lineTo(Math.min(x + 8, x1), y - LANE / 2 + 3); }
        ctx.stroke();
      } else {
        ctx.fillStyle = "rgba(253,176,34,.25)";
        ctx.fillRect(x0, y - LANE / 2 + 3, x1 - x0, LANE - 6);
      }
    }
    // Operations, as spans on their client's lane.
    let ops = 0;
    for (let i = 0; i < W.ops.length; i++) {
      const o = W.ops[i];
      if (o.node < 0 || laneIndex[o.node] < 0) continue;
      const end = o.ret < 0 ? W.end : o.ret;
      if (end < st.t0 || o.call > st.t1) continue;
      ops++;
      const x0 = xOf(o.call), x1 = Math.max(xOf(end), x0 + 3), y = yOf(o.node) + 7;
      const sel = st.selected && st.selected.what === "op" && st.selected.i === i;
      ctx.fillStyle = W.illegal.has(i) ? "rgba(192,38,45,.85)" : o.ret < 0 ? "rgba(152,162,179,.6)" : "rgba(26,127,55,.55)";
      ctx.fillRect(x0, y, x1 - x0, 6);
      if (sel) { ctx.strokeStyle = COLORS.selected; ctx.lineWidth = 3; ctx.strokeRect(x0 - 1, y - 1, x1 - x0 + 2, 8); }
      if (x1 - x0 > 60) {
        ctx.fillStyle = "#0b4a22";
        ctx.textAlign = "left";
        ctx.save(); ctx.beginPath(); ctx.rect(x0, y - 10, x1 - x0, 12); ctx.clip();
        ctx.fillText(o.desc, Math.max(x0, left) + 2, y - 4);
        ctx.restore();
      }
      hits.ops.push([x0, y - 2, x1, y + 8, i]);
    }
    // Messages.
    const vis = visibleMessages(st.t0, st.t1);
    const m = W.msgs;
    const byStyle = new Map();
    const dead = [];
    for (const i of vis) {
      const f = m.fate[i];
      const x1 = xOf(m.send[i]), y1 = yOf(m.from[i]);
      let x2 = xOf(m.end[i]), y2 = yOf(m.to[i]);
      if (f === 2 || f === 3) { // died as it was sent: a stub towards the receiver
        x2 = x1 + 18; y2 = y1 + (y2 - y1) * 0.35;
      }
      const style = f === 1 ? "duplicate" : f >= 2 && f <= 4 ? "dead" : f === 5 ? "flight" : "delivered";
      if (!byStyle.has(style)) byStyle.set(style, []);
      byStyle.get(style).push(x1, y1, x2, y2);
      if (f >= 2 && f <= 4) dead.push(x2, y2);
      hits.msgs.push([x1, y1, x2, y2, i]);
    }
    const dense = vis.length > 4000;
    for (const [style, segs] of byStyle) {
      ctx.strokeStyle = COLORS[style];
      ctx.globalAlpha = dense ? 0.35 : 0.85;
      ctx.lineWidth = 1;
      ctx.setLineDash(style === "duplicate" ? [5, 3] : style === "flight" ? [2, 3] : []);
      ctx.beginPath();
      for (let k = 0; k < segs.length; k += 4) { ctx.moveTo(segs[k], segs[k + 1]); ctx.lineTo(segs[k + 2], segs[k + 3]); }
      ctx.stroke();
      if (!dense && style !== "dead") {
        ctx.fillStyle = COLORS[style];
        ctx.beginPath();
        for (let k = 0; k < segs.length; k += 4) arrowHead(segs[k], segs[k + 1], segs[k + 2], segs[k + 3]);
        ctx.fill();
      }
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = COLORS.dead;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let k = 0; k < dead.length; k += 2) cross(dead[k], dead[k + 1], 3.5);
    ctx.stroke();
    // Points.
    const pts = visiblePoints(st.t0, st.t1);
    const p = W.points;
    for (const i of pts) {
      const x = xOf(p.time[i]);
      const kind = p.kind[i];
      if (p.node[i] < 0) { // the whole world: a line over every lane
        ctx.strokeStyle = kind === "net" ? "rgba(105,65,198,.6)" : kind === "fault" ? "rgba(247,144,9,.8)" : "rgba(102,112,133,.35)";
        ctx.setLineDash([4, 3]);
        ctx.beginPath(); ctx.moveTo(x, TOP); ctx.lineTo(x, TOP + rows * LANE); ctx.stroke();
        ctx.setLineDash([]);
        hits.points.push([x, TOP + 4, i]);
        continue;
      }
      if (laneIndex[p.node[i]] < 0) continue;
      const y = yOf(p.node[i]);
      glyph(kind, x, y);
      hits.points.push([x, y, i]);
    }
    // The failures.
    for (const f of D.failures || []) {
      if (f.world !== st.world || f.time < st.t0 || f.time > st.t1) continue;
      const x = xOf(f.time);
      ctx.strokeStyle = COLORS.failure;
      ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(x, TOP - 4); ctx.lineTo(x, TOP + rows * LANE); ctx.stroke();
      ctx.fillStyle = COLORS.failure;
      ctx.textAlign = "left";
      ctx.fillText("✖ " + f.kind, x + 4, TOP + 6);
    }
    // The selection, drawn over everything.
    if (st.selected && st.selected.what === "msg") {
      const i = st.selected.i;
      if (m.end[i] >= st.t0 && m.send[i] <= st.t1 && laneIndex[m.from[i]] >= 0 && laneIndex[m.to[i]] >= 0) {
        const seg = hits.msgs.find((h) => h[4] === i) || [xOf(m.send[i]), yOf(m.from[i]), xOf(m.end[i]), yOf(m.to[i])];
        ctx.strokeStyle = COLORS.selected; ctx.lineWidth = 3;
        ctx.beginPath(); ctx.moveTo(seg[0], seg[1]); ctx.lineTo(seg[2], seg[3]); ctx.stroke();
      }
    }
    if (st.selected && st.selected.what === "point") {
      const i = st.selected.i;
      if (p.time[i] >= st.t0 && p.time[i] <= st.t1) {
        const y = p.node[i] >= 0 && laneIndex[p.node[i]] >= 0 ? yOf(p.node[i]) : TOP + 4;
        ctx.strokeStyle = COLORS.selected; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.arc(xOf(p.time[i]), y, 8, 0, 2 * Math.PI); ctx.stroke();
      }
    }
    ctx.restore();
    drawn.lanes = rows;
    drawn.arrows = vis.length;
    drawn.points = pts.length;
    drawn.ops = ops;
    drawn.bands = bands;
    drawn.window = [st.t0, st.t1];
    drawn.ms = performance.now() - start;
    drawn.frames = (drawn.frames || 0) + 1;
    $("window").textContent = `${fmtTime(st.t0)} – ${fmtTime(st.t1)} (${fmtSpan(st.t1 - st.t0)}): ${vis.length} messages`;
  }

  function arrowHead(x1, y1, x2, y2) {
    const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy);
    if (len < 14) return;
    const ux = dx / len, uy = dy / len;
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - 7 * ux + 3 * uy, y2 - 7 * uy - 3 * ux);
    ctx.lineTo(x2 - 7 * ux - 3 * uy, y2 - 7 * uy + 3 * ux);
    ctx.closePath();
  }
  function cross(x, y, r) { ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r); }

  function glyph(kind, x, y) {
    ctx.lineWidth = 1.5;
    switch (kind) {
      case "crash":
        ctx.strokeStyle = COLORS.failure; ctx.lineWidth = 2.5; ctx.beginPath(); cross(x, y, 6); ctx.stroke(); break;
      case "restart": case "start":
        ctx.fillStyle = kind === "start" ? "#98a2b3" : COLORS.op;
        ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x + 7, y); ctx.lineTo(x, y + 6); ctx.closePath(); ctx.fill(); break;
      case "pause": case "resume":
        ctx.fillStyle = "#dc6803"; ctx.fillRect(x - 4, y - 6, 3, 12); if (kind === "pause") ctx.fillRect(x + 1, y - 6, 3, 12); break;
      case "timeout":
        ctx.strokeStyle = "rgba(71,84,103,.55)"; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(x, y - 4); ctx.lineTo(x, y + 1); ctx.stroke(); break;
      case "timer":
        ctx.strokeStyle = "#98a2b3"; ctx.lineWidth = 1; ctx.beginPath(); ctx.arc(x, y, 3, 0, 2 * Math.PI); ctx.stroke(); break;
      case "failure":
        ctx.fillStyle = COLORS.failure; ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI); ctx.fill();
        ctx.fillStyle = "#fff"; ctx.textAlign = "center"; ctx.fillText("!", x, y); break;
      case "clock":
        ctx.strokeStyle = "#6941c6"; ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI); ctx.moveTo(x, y); ctx.lineTo(x, y - 4); ctx.stroke(); break;
      case "disk": case "sync":
        ctx.fillStyle = kind === "sync" ? "#344054" : "#98a2b3"; ctx.fillRect(x - 2, y - 12, 4, 4); break;
      case "mark":
        ctx.fillStyle = "#12b76a"; ctx.beginPath(); ctx.moveTo(x, y - 13); ctx.lineTo(x + 3, y - 10); ctx.lineTo(x, y - 7); ctx.lineTo(x - 3, y - 10); ctx.fill(); break;
      case "fault":
        ctx.fillStyle = "#f79009"; ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.fill(); break;
      default: // log, invoke
        ctx.fillStyle = "#667085"; ctx.beginPath(); ctx.arc(x, y - 10, 2, 0, 2 * Math.PI); ctx.fill();
    }
  }

  function drawAxis(left, right) {
    const span = st.t1 - st.t0;
    const target = span / Math.max((right - left) / 110, 1);
    // The smallest of 1, 2 and 5 times a power of ten that keeps labels
    // 110 px apart.
    const base = Math.pow(10, Math.floor(Math.log10(target)));
    const step = [1, 2, 5, 10].map((k) => k * base).find((v) => v >= target);
    ctx.fillStyle = "#667085";
    ctx.strokeStyle = "#f2f4f7";
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    const unit = step >= 1e9 ? [1e9, " s"] : step >= 1e6 ? [1e6, " ms"] : step >= 1e3 ? [1e3, " µs"] : [1, " ns"];
    const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit[0]) - 1e-9));
    for (let t = Math.ceil(st.t0 / step) * step; t <= st.t1; t += step) {
      const x = xOf(t);
      ctx.beginPath(); ctx.moveTo(x, TOP - 4); ctx.lineTo(x, cssH); ctx.stroke();
      ctx.fillText((t / unit[0]).toFixed(decimals) + unit[1], x, 12);
    }
  }

  // ---- hit-testing and details -------------------------------------------
  function segDist(px, py, x1, y1, x2, y2) {
    const dx = x2 - x1, dy = y2 - y1, l2 = dx * dx + dy * dy;
    let t = l2 ? ((px - x1) * dx + (py - y1) * dy) / l2 : 0;
    t = Math.max(0, Math.min(1, t));
    return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
  }
  function hitAt(x, y) {
    if (!hits) return null;
    let best = null, bestD = 7;
    for (const h of hits.points) {
      const d = Math.hypot(x - h[0], y - h[1]);
      if (d < bestD) { bestD = d; best = { what: "point", i: h[2] }; }
    }
    if (best) return best;
    for (const h of hits.ops) if (x >= h[0] - 2 && x <= h[2] + 2 && y >= h[1] && y <= h[3]) return { what: "op", i: h[4] };
    bestD = 5;
    for (const h of hits.msgs) {
      const d = segDist(x, y, h[0], h[1], h[2], h[3]);
      if (d < bestD) { bestD = d; best = { what: "msg", i: h[4] }; }
    }
    return best;
  }

  // fields splits a Go %+v rendering, "T{A:1 B:[x y] C:{D:2}}", into its
  // top-level fields; anything else is one field.
  function fields(s) {
    const open = s.indexOf("{");
    if (open < 0 || !s.endsWith("}")) return [["", s]];
    const body = s.slice(open + 1, -1);
    const out = [];
    let depth = 0, startAt = 0;
    const push = (part) => {
      const c = part.indexOf(":");
      if (c > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(part.slice(0, c))) out.push([part.slice(0, c), part.slice(c + 1)]);
      else if (out.length) out[out.length - 1][1] += " " + part;
      else out.push(["", part]);
    };
    for (let i = 0; i < body.length; i++) {
      const ch = body[i];
      if (ch === "{" || ch === "[" || ch === "(") depth++;
      else if (ch === "}" || ch === "]" || ch === ")") depth--;
      else if (ch === " " && depth === 0) { if (i > startAt) push(body.slice(startAt, i)); startAt = i + 1; }
    }
    if (startAt < body.length) push(body.slice(startAt));
    return [["type", s.slice(0, open)], ...out];
  }

  function describe(sel) {
    if (!sel) return null;
    const m = W.msgs, p = W.points;
    if (sel.what === "msg") {
      const i = sel.i;
      const rows = [
        ["from", W.nodes[m.from[i]]], ["to", W.nodes[m.to[i]]], ["message", "#" + m.id[i]],
        ["sent", fmtTime(m.send[i])], [m.fate[i] <= 1 ? "delivered" : m.fate[i] === 5 ? "run ended" : "died", fmtTime(m.end[i])],
        ["fate", FATES[m.fate[i]] + (m.why[i] >= 0 ? " (" + S[m.why[i]] + ")" : "")],
        ["latency", m.fate[i] <= 1 ? fmtSpan(m.end[i] - m.send[i]) : "—"], ["event", "#" + m.event[i]],
      ];
      return { title: S[m.type[i]], rows, fields: fields(S[m.detail[i]]), short: `${W.nodes[m.from[i]]} → ${W.nodes[m.to[i]]}: ${S[m.detail[i]]}` };
    }
    if (sel.what === "point") {
      const i = sel.i;
      const rows = [["kind", p.kind[i]], ["node", p.node[i] >= 0 ? W.nodes[p.node[i]] : "(the world)"], ["at", fmtTime(p.time[i])], ["event", "#" + p.event[i]]];
      const detail = S[p.detail[i]];
      return { title: p.kind[i], rows, fields: detail ? [["detail", detail]] : [], short: `${p.kind[i]} ${p.node[i] >= 0 ? W.nodes[p.node[i]] : ""} ${fmtTime(p.time[i])}: ${detail}` };
    }
    const o = W.ops[sel.i];
    const h = W.hists.find((h) => sel.i >= h.first && sel.i < h.first + h.ops);
    const rows = [
      ["client", o.node >= 0 ? W.nodes[o.node] : "?"], ["called", fmtTime(o.call)], ["returned", o.ret < 0 ? "never (outcome unknown)" : fmtTime(o.ret)],
      ["answered by", o.server || "—"], ["history", h ? h.what : ""],
    ];
    if (W.illegal.has(sel.i)) rows.push(["verdict", "no linearization found admits it"]);
    return { title: "operation " + o.desc, rows, fields: [], short: `${o.node >= 0 ? W.nodes[o.node] : "?"}: ${o.desc}${o.server ? " (answered by " + o.server + ")" : ""}` };
  }

  function showDetails(sel) {
    const box = $("details");
    box.textContent = "";
    const d = describe(sel);
    if (!d) {
      box.append(el("p", { class: "hint" }, "Hover over a message, an event or an operation; click to keep it here. Scroll to zoom, drag to pan."));
      return;
    }
    box.append(el("h3", {}, d.title));
    const dl = el("dl", { id: "detail-fields" });
    for (const [k, v] of d.rows) dl.append(el("dt", {}, k), el("dd", {}, v));
    for (const [k, v] of d.fields) dl.append(el("dt", { class: "field" }, k), el("dd", { class: "field" }, v));
    box.append(dl);
    if (sel.what === "op") {
      box.append(el("p", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); revealInLin(sel.i); } }, "show in the linearizability view")));
    }
  }

  function select(sel, opts) {
    st.selected = sel;
    showDetails(sel);
    highlightLin(sel && sel.what === "op" ? sel.i : -1, opts && opts.scroll);
    requestDraw();
  }

  // ---- views ----------------------------------------------------------------
  function setView(t0, t1) {
    const end = Math.max(W.end, 1);
    let span = Math.max(t1 - t0, 1000); // 1 µs at the finest
    span = Math.min(span, end * 1.1 + 1e6);
    t0 = Math.max(Math.min(t0, end - span * 0.05), -span * 0.05);
    st.t0 = t0;
    st.t1 = t0 + span;
    requestDraw();
  }
  function centreOn(t, span) {
    span = span || (st.t1 - st.t0);
    setView(t - span / 2, t + span / 2);
  }
  function zoom(factor, atT) {
    const t = atT === undefined ? (st.t0 + st.t1) / 2 : atT;
    setView(t - (t - st.t0) * factor, t + (st.t1 - t) * factor);
  }
  function fit() { setView(0, Math.max(W.end, 1)); }

  // failureFocus is what a failure is about: for a history that is not
  // linearizable, the earliest operation no order admits; otherwise the
  // moment the failure was found.
  function failureFocus() {
    const f = (D.failures || []).find((f) => f.world === st.world);
    if (!f) return null;
    if (/linearizable/.test(f.msg) && W.illegal.size) {
      let best = -1;
      for (const i of W.illegal) if (best < 0 || W.ops[i].call < W.ops[best].call) best = i;
      const o = W.ops[best];
      return { op: best, t: o.call, end: o.ret < 0 ? W.end : o.ret };
    }
    return { t: f.time, end: f.time };
  }

  // failureView frames the failure with what led up to it: the last 150
  // messages sent before it, and a quarter as much after.
  function failureView() {
    const focus = failureFocus();
    if (!focus) return null;
    const m = W.msgs;
    const k = lowerBound(m.send, focus.t + 1) - 1;
    const from = k >= 0 ? Math.min(m.send[Math.max(0, k - 150)], focus.t) : 0;
    const span = Math.max(focus.end - from, 1e6) * 1.25;
    setView(focus.end - span * 0.8, focus.end + span * 0.2);
    return focus;
  }
  function jumpToFailure() {
    const f = (D.failures || [])[0];
    if (!f) return;
    if (f.world !== st.world) switchWorld(f.world);
    const focus = failureView();
    if (focus && focus.op !== undefined) { select({ what: "op", i: focus.op }); return; }
    const p = W.points;
    for (let i = lowerBound(p.time, f.time); i < p.time.length && p.time[i] === f.time; i++) {
      if (p.kind[i] === "failure") { select({ what: "point", i }); return; }
    }
  }
  function jumpFault(dir) {
    const c = (st.t0 + st.t1) / 2, p = W.points, fs = W.faults;
    let target = -1;
    if (dir > 0) { for (const i of fs) if (p.time[i] > c + 1) { target = i; break; } }
    else { for (let k = fs.length - 1; k >= 0; k--) if (p.time[fs[k]] < c - 1) { target = fs[k]; break; } }
    if (target < 0) return;
    centreOn(p.time[target]);
    select({ what: "point", i: target });
    markFault(target);
  }

  // ---- the page around the diagram -----------------------------------------
  function renderVerdict() {
    const h = $("verdict");
    h.textContent = "";
    h.append(el("h1", {}, `${D.scenario} · seed ${D.seed}`));
    if (D.summary) h.append(el("div", { class: "row" }, D.summary));
    const fails = D.failures || [];
    if (fails.length) {
      const f = fails[0];
      const where = `at t=${fmtTime(f.time)}` + (f.node ? ` on ${f.node}` : "") + ` (event #${f.event}${D.worlds.length > 1 ? ", world " + f.world : ""})`;
      h.append(el("div", { class: "verdict fail", id: "verdict-line" }, `FAIL: ${f.kind} failure ${where}` + (fails.length > 1 ? ` — and ${fails.length - 1} more` : "")));
      for (const g of fails) h.append(el("div", { class: "msg" }, `${g.kind}: ${g.msg}`));
    } else if ((D.unknown || []).length) {
      h.append(el("div", { class: "verdict unknown", id: "verdict-line" }, "UNKNOWN: " + D.unknown.join("; ")));
    } else {
      h.append(el("div", { class: "verdict pass", id: "verdict-line" }, "PASS"));
    }
    const copy = el("button", { onclick: () => navigator.clipboard && navigator.clipboard.writeText(D.replay) }, "copy");
    h.append(el("div", { class: "row" }, el("b", {}, "replay"), el("code", { id: "replay" }, D.replay), " ", copy));
    h.append(el("div", { class: "row" }, el("b", {}, "faults"), el("code", {}, D.faults || "none")));
    if (D.options) h.append(el("div", { class: "row" }, el("b", {}, "options"), el("code", {}, D.options)));
    for (const n of D.notes || []) h.append(el("div", { class: "row" }, n));
  }

  function renderFilters() {
    const nodes = $("filter-nodes"), types = $("filter-types"), kinds = $("filter-kinds");
    nodes.textContent = types.textContent = kinds.textContent = "";
    const box = (label, checked, onchange, attrs) => {
      const input = el("input", Object.assign({ type: "checkbox" }, attrs || {}));
      input.checked = checked;
      input.addEventListener("change", () => { onchange(input.checked); requestDraw(); });
      return el("label", {}, input, " " + label);
    };
    W.nodes.forEach((n, i) => nodes.append(box(n, !st.hiddenNodes.has(i), (on) => on ? st.hiddenNodes.delete(i) : st.hiddenNodes.add(i), { "data-node": n })));
    [...W.types.entries()].sort((a, b) => b[1] - a[1]).forEach(([t, count]) =>
      types.append(box(`${S[t]} (${count})`, !st.hiddenTypes.has(t), (on) => on ? st.hiddenTypes.delete(t) : st.hiddenTypes.add(t), { "data-type": S[t] })));
    for (const [k] of KINDS) kinds.append(box(k, !st.hiddenKinds.has(k), (on) => on ? st.hiddenKinds.delete(k) : st.hiddenKinds.add(k), { "data-kind": k }));
  }

  function renderFaults() {
    const ol = $("fault-list");
    ol.textContent = "";
    const p = W.points;
    for (const i of W.faults) {
      const who = p.node[i] >= 0 ? W.nodes[p.node[i]] + " " : "";
      ol.append(el("li", { "data-point": i, onclick: () => { centreOn(p.time[i]); select({ what: "point", i }); markFault(i); } },
        `${fmtTime(p.time[i])} ${p.kind[i]} ${who}${faultText(i)}`));
    }
    if (!W.faults.length) ol.append(el("li", {}, "none: the run injected no faults"));
  }
  // faultText is a fault's detail without the time a schedule action's
  // label starts with (the list shows the time already).
  function faultText(i) {
    const d = S[W.points.detail[i]] || "";
    return W.points.kind[i] === "fault" ? d.replace(/^[0-9.]+[a-zµ]*s /, "") : d;
  }
  function markFault(i) {
    for (const li of $("fault-list").children) li.classList.toggle("current", li.dataset.point === String(i));
  }

  // The linearizability view: per partition, the operations by client on a
  // time line, numbered in the longest order found; the first operation no
  // order admits in red. Clicking one selects it in the diagram too.
  function renderLin() {
    const sec = $("lin");
    sec.textContent = "";
    if (!W.hists.length) return;
    sec.append(el("h2", {}, "Linearizability"));
    W.hists.forEach((h, hi) => {
      const bad = h.outcome !== "linearizable";
      const div = el("div", { class: "hist" });
      div.append(el("h3", {}, `${h.what}: `, el("span", { class: bad ? "outcome-bad" : "outcome-ok" }, h.outcome), ` (${h.ops} operations, ${(h.partitions || []).length} partitions)`));
      const parts = (h.partitions || []).map((p, pi) => [p, pi]).sort((a, b) => (b[0].firstIllegal >= 0) - (a[0].firstIllegal >= 0));
      const shown = parts.slice(0, 40);
      for (const [part, pi] of shown) div.append(renderPartition(h, part, pi));
      if (parts.length > shown.length) {
        const rest = parts.slice(shown.length), failing = rest.filter(([p]) => p.firstIllegal >= 0).length;
        div.append(el("p", { class: "hint" }, `${rest.length} more partitions not shown` + (failing ? ` (${failing} of them not linearizable)` : ", all linearizable")));
      }
      sec.append(div);
    });
  }

  function renderPartition(h, part, pi) {
    const illegal = part.firstIllegal >= 0;
    const det = el("details", { class: "part", "data-partition": pi });
    if (illegal) det.open = true;
    const label = part.key !== "" ? `key "${part.key}"` : `partition ${pi}`;
    det.append(el("summary", {}, `${label}: ${part.ops.length} operations, ${part.order.length} linearized` + (illegal ? " — the first that cannot be is in red" : "")));
    det.addEventListener("toggle", () => { if (det.open && !det.dataset.drawn) drawPartition(det, h, part); });
    if (illegal) drawPartition(det, h, part);
    return det;
  }

  function drawPartition(det, h, part) {
    det.dataset.drawn = "1";
    const ops = part.ops.map((i) => h.first + i);
    const pos = new Map(part.order.map((i, k) => [h.first + i, k]));
    const clients = [...new Set(ops.map((i) => W.ops[i].node))].sort((a, b) => a - b);
    let t0 = Infinity, t1 = -Infinity;
    for (const i of ops) { const o = W.ops[i]; t0 = Math.min(t0, o.call); t1 = Math.max(t1, o.ret < 0 ? o.call : o.ret); }
    if (t1 <= t0) t1 = t0 + 1;
    const pad = (t1 - t0) * 0.03;
    t0 -= pad; t1 += pad * 4;
    const width = Math.max(700, Math.min(1600, (det.closest("section") || document.body).clientWidth - 40));
    const left = 70, rowH = 26;
    const s = svg("svg", { width, height: clients.length * rowH + 24 });
    const x = (t) => left + (t - t0) / (t1 - t0) * (width - left - 10);
    clients.forEach((c, r) => {
      const text = svg("text", { x: 4, y: r * rowH + 17 });
      text.textContent = c >= 0 ? W.nodes[c] : "?";
      s.append(text);
    });
    for (const i of ops) {
      const o = W.ops[i], r = clients.indexOf(o.node);
      const x0 = x(o.call), x1 = Math.max(x(o.ret < 0 ? t1 : o.ret), x0 + 4);
      const cls = ["op"];
      if (W.illegal.has(i)) cls.push("illegal"); else if (!pos.has(i)) cls.push("unordered");
      if (o.ret < 0) cls.push("pending");
      const g = svg("g", { class: cls.join(" "), "data-op": i });
      g.append(svg("rect", { x: x0, y: r * rowH + 4, width: x1 - x0, height: rowH - 8, rx: 3 }));
      const t = svg("text", { x: x0 + 3, y: r * rowH + 17 });
      t.textContent = (pos.has(i) ? pos.get(i) + 1 + ". " : "") + o.desc;
      const clipId = `c${i}`;
      const cp = svg("clipPath", { id: clipId });
      cp.append(svg("rect", { x: x0, y: r * rowH, width: x1 - x0, height: rowH }));
      g.append(cp);
      t.setAttribute("clip-path", `url(#${clipId})`);
      g.append(t);
      const tip = svg("title", {});
      tip.textContent = `${o.desc} [${fmtTime(o.call)}, ${o.ret < 0 ? "never answered" : fmtTime(o.ret)}]` + (o.server ? ` answered by ${o.server}` : "");
      g.append(tip);
      g.addEventListener("click", () => { showOp(i); });
      s.append(g);
    }
    const axis = svg("text", { x: left, y: clients.length * rowH + 18, fill: "#667085" });
    axis.textContent = `${fmtTime(t0 + pad)} … ${fmtTime(t1 - pad * 4)}`;
    s.append(axis);
    det.append(s);
    // The order found, with the model's state after each step.
    const table = el("table", {});
    table.append(el("tr", {}, el("th", {}, "#"), el("th", {}, "client"), el("th", {}, "operation"), el("th", {}, "answered by"), el("th", {}, "called"), el("th", {}, "state after")));
    part.order.forEach((oi, k) => {
      const i = h.first + oi, o = W.ops[i];
      table.append(el("tr", { "data-op": i, onclick: () => showOp(i) }, el("td", {}, String(k + 1)), el("td", {}, o.node >= 0 ? W.nodes[o.node] : "?"),
        el("td", {}, o.desc), el("td", {}, o.server || "—"), el("td", {}, fmtTime(o.call)), el("td", {}, part.states[k] || "")));
    });
    if (part.firstIllegal >= 0) {
      const i = h.first + part.firstIllegal, o = W.ops[i];
      table.append(el("tr", { class: "illegal", "data-op": i, onclick: () => showOp(i) }, el("td", {}, "✖"), el("td", {}, o.node >= 0 ? W.nodes[o.node] : "?"),
        el("td", {}, o.desc), el("td", {}, o.server || "—"), el("td", {}, fmtTime(o.call)), el("td", {}, "no state admits it")));
    }
    det.append(table);
    if (st.selected && st.selected.what === "op") highlightLin(st.selected.i, false);
  }

  // showOp selects an operation and brings it into the diagram's view.
  function showOp(i) {
    const o = W.ops[i];
    const end = o.ret < 0 ? W.end : o.ret;
    const span = Math.max(st.t1 - st.t0, (end - o.call) * 1.6);
    if (o.call < st.t0 || end > st.t1 || span > st.t1 - st.t0) centreOn((o.call + end) / 2, span);
    select({ what: "op", i });
    $("diagram-wrap").scrollIntoView({ block: "nearest" });
  }
  function highlightLin(i, scroll) {
    for (const e of document.querySelectorAll("#lin .selected")) e.classList.remove("selected");
    if (i < 0) return;
    for (const e of document.querySelectorAll(`#lin [data-op="${i}"]`)) e.classList.add("selected");
    if (scroll) revealInLin(i);
  }
  function revealInLin(i) {
    const h = W.hists.find((h) => i >= h.first && i < h.first + h.ops);
    if (!h) return;
    for (const det of document.querySelectorAll("#lin details.part")) {
      const pi = Number(det.dataset.partition);
      const part = h.partitions[pi];
      if (part && part.ops.includes(i - h.first) && det.closest(".hist") === document.querySelectorAll("#lin .hist")[W.hists.indexOf(h)]) {
        det.open = true;
        if (!det.dataset.drawn) drawPartition(det, h, part);
        highlightLin(i, false);
        const target = det.querySelector(`[data-op="${i}"]`) || det;
        target.scrollIntoView({ block: "center" });
      }
    }
  }

  function renderLegend() {
    const items = [
      ["#2f6fdd", "message delivered"], ["#9e77ed", "duplicate copy"], ["#c0262d", "lost, cut or dropped (✕ where it died)"],
      ["#98a2b3", "in flight when the run ended"], ["rgba(102,112,133,.35)", "node down"], ["rgba(253,176,34,.4)", "node paused"],
      ["rgba(47,111,221,.25)", "sides of a partition"], ["rgba(26,127,55,.6)", "client operation"], ["rgba(192,38,45,.85)", "operation no linearization admits"],
    ];
    const body = $("legend-body");
    body.textContent = "";
    for (const [c, label] of items) body.append(el("span", {}, el("i", { style: `background:${c}` }), label));
    body.append(el("span", {}, "▶ restart · ✖ crash · | timeout · ● fault · ! failure"));
  }

  function switchWorld(k) {
    st.world = k;
    W = prepare(k);
    st.hiddenNodes.clear();
    st.hiddenTypes.clear();
    st.selected = null;
    $("world").value = String(k);
    renderFilters();
    renderFaults();
    renderLin();
    showDetails(null);
    if (!failureView()) fit();
  }

  // ---- input ------------------------------------------------------------------
  let drag = null;
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    if (e.shiftKey) { const dt = (st.t1 - st.t0) * e.deltaY / 600; setView(st.t0 + dt, st.t1 + dt); return; }
    zoom(Math.exp(e.deltaY / 400), tOf(e.clientX - rect.left));
  }, { passive: false });
  canvas.addEventListener("mousedown", (e) => {
    const rect = canvas.getBoundingClientRect();
    drag = { x: e.clientX, y: e.clientY, t0: st.t0, t1: st.t1, moved: false, rect };
  });
  window.addEventListener("mousemove", (e) => {
    const rect = canvas.getBoundingClientRect();
    if (drag) {
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (drag.moved) {
        canvas.classList.add("dragging");
        const dt = -dx / (cssW - GUTTER - RIGHT) * (drag.t1 - drag.t0);
        setView(drag.t0 + dt, drag.t1 + dt);
      }
      return;
    }
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    const tip = $("tooltip");
    if (x < 0 || y < 0 || x > rect.width || y > rect.height) { tip.hidden = true; return; }
    const h = hitAt(x, y);
    st.hover = h;
    if (!h) { tip.hidden = true; if (!st.selected) showDetails(null); return; }
    const d = describe(h);
    tip.textContent = d.short;
    tip.hidden = false;
    tip.style.left = Math.min(x + 14, rect.width - 300) + "px";
    tip.style.top = (y + 14) + "px";
    if (!st.selected) showDetails(h);
  });
  window.addEventListener("mouseup", (e) => {
    if (!drag) return;
    const wasDrag = drag.moved;
    const rect = drag.rect;
    drag = null;
    canvas.classList.remove("dragging");
    if (wasDrag) return;
    const h = hitAt(e.clientX - rect.left, e.clientY - rect.top);
    select(h, { scroll: false });
  });
  canvas.addEventListener("dblclick", (e) => {
    const rect = canvas.getBoundingClientRect();
    zoom(0.5, tOf(e.clientX - rect.left));
  });
  window.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const span = st.t1 - st.t0;
    switch (e.key) {
      case "+": case "=": zoom(0.5); break;
      case "-": zoom(2); break;
      case "0": fit(); break;
      case "ArrowLeft": setView(st.t0 - span / 4, st.t1 - span / 4); break;
      case "ArrowRight": setView(st.t0 + span / 4, st.t1 + span / 4); break;
      case "f": jumpToFailure(); break;
      case "n": jumpFault(1); break;
      case "p": jumpFault(-1); break;
      case "Escape": select(null); break;
      default: return;
    }
    e.preventDefault();
  });
  $("jump-failure").addEventListener("click", jumpToFailure);
  $("jump-failure").disabled = !(D.failures || []).length;
  $("prev-fault").addEventListener("click", () => jumpFault(-1));
  $("next-fault").addEventListener("click", () => jumpFault(1));
  $("zoom-in").addEventListener("click", () => zoom(0.5));
  $("zoom-out").addEventListener("click", () => zoom(2));
  $("fit").addEventListener("click", fit);
  $("toggle-filters").addEventListener("click", () => { $("filters").hidden = !$("filters").hidden; });
  const sel = $("world");
  D.worlds.forEach((w, k) => sel.append(el("option", { value: String(k) }, `world ${k} (${w.nodes.length} nodes)`)));
  sel.hidden = D.worlds.length < 2;
  sel.addEventListener("change", () => switchWorld(Number(sel.value)));
  window.addEventListener("resize", requestDraw);

  renderVerdict();
  renderLegend();
  const first = (D.failures || [])[0];
  switchWorld(first ? first.world : 0);
  if (first) jumpToFailure();
  draw();

  // A handle for tests and for people at the console: what was drawn, and
  // ways to move the view and find things on screen.
  window.simlabReport = {
    data: D,
    drawn,
    view: () => ({ t0: st.t0, t1: st.t1, world: st.world }),
    focus: () => failureFocus(),
    setView: (t0, t1) => { setView(t0, t1); draw(); return { t0: st.t0, t1: st.t1 }; },
    draw: () => { draw(); return drawn.ms; },
    selected: () => st.selected,
    // onScreen lists the drawn messages with their midpoints in viewport
    // coordinates, for clicking, and what a click there would pick.
    onScreen: () => {
      const rect = canvas.getBoundingClientRect();
      return hits.msgs.map((h) => {
        const x = (h[0] + h[2]) / 2, y = (h[1] + h[3]) / 2;
        return { i: h[4], id: W.msgs.id[h[4]], x: rect.left + x, y: rect.top + y, picks: hitAt(x, y) };
      });
    },
    message: (i) => ({ id: W.msgs.id[i], from: W.nodes[W.msgs.from[i]], to: W.nodes[W.msgs.to[i]], send: W.msgs.send[i], end: W.msgs.end[i], fate: FATES[W.msgs.fate[i]], detail: S[W.msgs.detail[i]] }),
    opOnScreen: (i) => {
      const rect = canvas.getBoundingClientRect();
      const h = hits.ops.find((h) => h[4] === i);
      return h ? { x: rect.left + (h[0] + h[2]) / 2, y: rect.top + (h[1] + h[3]) / 2 } : null;
    },
  };
})();
