// The linearizability view of each checked history, linked both ways with
// the diagram.
//
// One of the report's scripts, which write.go joins in a fixed order inside
// one function: every top-level name here is shared with the others.

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
