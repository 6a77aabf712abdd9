// Moving the view (zoom, pan, the failure, the faults), mouse and keyboard
// input, the page's start, and window.simlabReport, the handle tests and
// people at the console use.
//
// One of the report's scripts, which write.go joins in a fixed order inside
// one function: every top-level name here is shared with the others.

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
