// The page around the diagram: the side panel that describes what is
// hovered or selected, the verdict, the filters, the list of faults, the
// legend, and switching between a run's worlds.
//
// One of the report's scripts, which write.go joins in a fixed order inside
// one function: every top-level name here is shared with the others.

// ---- the side panel -------------------------------------------------------
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
