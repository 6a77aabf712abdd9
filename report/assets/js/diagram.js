// The space-time diagram: lanes, messages, bands and marks drawn on a
// canvas, only what the view shows, and hit-testing of what the last frame
// drew.
//
// One of the report's scripts, which write.go joins in a fixed order inside
// one function: every top-level name here is shared with the others.

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

// ---- hit-testing --------------------------------------------------------
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
