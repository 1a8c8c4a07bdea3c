(function () {
const D = JSON.parse(document.getElementById("data").textContent);
const E = D.entries, DEF = D.defaults || {};
const HEAD = ["f1_macro","accuracy","f1_weighted","precision_macro","recall_macro","roc_auc",
  "roc_auc_ovr","rmse","mae","r2"];
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s == null ? "" : s).replace(/[&<>"]/g,
  (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
const fmt = (v) => v == null ? "" : (Number.isInteger(v) ? String(v) : Number(v).toPrecision(4));
const text = new Intl.Collator(undefined, {numeric: true, sensitivity: "base"});
const state = {nb: "", st: "", kd: "", q: "", key: "t", dir: -1, picked: []};
E.forEach((e, i) => {
  e.i = i;
  e.pt = Object.entries(e.p || {}).map(([k, v]) => k + "=" + JSON.stringify(v)).join(", ");
  e.hay = [e.id, e.nb, e.name, e.v, e.pt, e.s].join(" ").toLowerCase();
});
function fill(id, values) {
  const sel = $(id);
  [...new Set(values)].sort(text.compare).forEach((v) => sel.add(new Option(v, v)));
}
fill("nb", E.map((e) => e.nb).filter(Boolean));
fill("st", E.map((e) => e.s));
function metricColumns() {
  if (!state.nb) return [{key: "h", title: "headline", kind: "num", get: (e) => e.m[e.h],
    show: (e) => e.h ? cell(e, e.h, true) : ""}];
  const seen = new Set();
  E.forEach((e) => { if (e.nb === state.nb) Object.keys(e.m).forEach((n) => seen.add(n)); });
  const cols = [];
  HEAD.forEach((n) => {
    [n, "val_" + n].forEach((m) => { if (seen.has(m)) cols.push(
      {key: "m:" + m, title: m, kind: "num", get: (e) => e.m[m], show: (e) => cell(e, m)}); });
  });
  return cols;
}
function cell(e, m, named) {
  const v = e.m[m]; if (v == null) return "";
  const lo = e.m[m + "_ci_low"], hi = e.m[m + "_ci_high"];
  const ci = lo != null && hi != null ? ` <span class="ci">[${fmt(lo)}, ${fmt(hi)}]</span>` : "";
  return (named ? esc(m) + " " : "") + fmt(v) + ci;
}
function columns() {
  return [
    {key: "pick", title: "", kind: "none"},
    {key: "s", title: "status", kind: "text", get: (e) => e.s},
    ...metricColumns(),
    {key: "nb", title: "notebook", kind: "text", get: (e) => e.nb},
    {key: "name", title: "name", kind: "text", get: (e) => e.name},
    {key: "id", title: "id", kind: "id", get: (e) => e.id},
    {key: "t", title: "started (UTC)", kind: "date", get: (e) => e.t},
    {key: "d", title: "duration (s)", kind: "num", get: (e) => e.d},
    {key: "p", title: "changed parameters", kind: "text", get: (e) => e.pt},
    {key: "links", title: "links", kind: "none"},
  ];
}
const compare = {
  num: (x, y) => x - y,
  date: (x, y) => (x < y ? -1 : x > y ? 1 : 0),
  id: text.compare, text: text.compare,
};
function visible(cols) {
  const q = state.q.toLowerCase();
  const rows = E.filter((e) => (!state.nb || e.nb === state.nb) && (!state.st || e.s === state.st)
    && (!state.kd || e.k === state.kd) && (!q || e.hay.includes(q)));
  const col = cols.find((c) => c.key === state.key);
  if (col && col.get) {
    const order = compare[col.kind];
    const blank = (v) => v == null || v === "";
    rows.sort((a, b) => {
      const x = col.get(a), y = col.get(b);
      if (blank(x) || blank(y)) return blank(x) - blank(y);
      return state.dir * order(x, y);
    });
  }
  return rows;
}
function links(e) {
  const out = [];
  if (e.k !== "run") {
    out.push(`<a href="${esc(e.id)}/summary.html">summary</a>`);
    if (e.best) out.push(`best: <a href="${esc(e.best)}/report.html">${esc(e.best)}</a>`);
    return out.join(" &middot; ");
  }
  if (e.r) out.push(`<a href="${esc(e.id)}/report.html">report</a>`);
  if (e.c) out.push(`<a href="${esc(e.id)}/model_card.md">model card</a>`);
  if (e.sw) out.push(`<a href="${esc(e.sw)}/summary.html">sweep</a>`);
  return out.join(" &middot; ");
}
function row(e, cols) {
  const picked = state.picked.includes(e.i);
  const tds = cols.map((c) => {
    switch (c.key) {
      case "pick": return e.k === "run" ? `<td><input type="checkbox" data-i="${e.i}"${picked ? " checked" : ""}></td>` : "<td></td>";
      case "s": return `<td title="${esc(e.v)}">` + e.b.map((b) => `<span class="badge b-${esc(b[1])}">${esc(b[0])}</span>`).join("") + (e.k !== "run" ? ` <span class="kind">${esc(e.k)}</span>` : "") + "</td>";
      case "id": return `<td><a href="${esc(e.id)}/${e.k === "run" ? "report" : "summary"}.html">${esc(e.id)}</a></td>`;
      case "t": return `<td>${esc(String(e.t).slice(0, 19).replace("T", " "))}</td>`;
      case "d": return `<td class="num">${e.d == null ? "" : Number(e.d).toFixed(1)}</td>`;
      case "p": return `<td class="params" title="${esc(e.pt)}">${esc(e.pt)}</td>`;
      case "links": return `<td>${links(e)}</td>`;
      default: return c.show ? `<td class="num">${c.show(e)}</td>` : `<td>${esc(c.get(e))}</td>`;
    }
  });
  const css = [e.k !== "run" ? "sweep" : "", picked ? "picked" : ""].join(" ").trim();
  return `<tr data-i="${e.i}"${css ? ` class="${css}"` : ""}>${tds.join("")}</tr>`;
}
// Only the rows in (and near) the scroll box's view are in the page: spacer rows of the right
// height stand for the others, so 10,000 runs filter, sort and scroll as fast as 100.
const ROW_H = 27, OVERSCAN = 20;
const current = {cols: [], rows: []};
function render() {
  const cols = columns();
  current.cols = cols;
  current.rows = visible(cols);
  $("runs").tHead.innerHTML = "<tr>" + cols.map((c) => {
    const sorted = c.key === state.key ? (state.dir > 0 ? "asc" : "desc") : "";
    return `<th data-key="${c.key}" data-kind="${c.kind}" class="${sorted}">${esc(c.title)}</th>`;
  }).join("") + "</tr>";
  paint();
  const runs = E.filter((e) => e.k === "run").length;
  $("count").textContent = `${current.rows.length} shown of ${runs} runs and ${E.length - runs} sweeps`;
  $("cmp").textContent = `compare ${state.picked.length} of 2`;
  $("cmp").disabled = state.picked.length !== 2;
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
}
function paint() {
  const box = $("scroll"), rows = current.rows;
  const first = Math.max(0, Math.floor(box.scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(rows.length, first + Math.ceil(box.clientHeight / ROW_H) + 2 * OVERSCAN);
  const spacer = (n) => n > 0 ? `<tr class="spacer" style="height:${n * ROW_H}px"><td colspan="${current.cols.length}"></td></tr>` : "";
  $("runs").tBodies[0].innerHTML = spacer(first)
    + rows.slice(first, last).map((e) => row(e, current.cols)).join("") + spacer(rows.length - last);
}
let painting = false;
function onScroll() {
  if (painting) return;
  painting = true;
  requestAnimationFrame(() => { painting = false; paint(); });
}
function sideBySide(title, names, a, b, value) {
  const body = names.map((n) => {
    const x = value(a, n), y = value(b, n);
    const diff = JSON.stringify(x) !== JSON.stringify(y);
    return `<tr${diff ? ' class="diff"' : ""}><td>${esc(n)}</td><td>${esc(x == null ? "" : JSON.stringify(x))}</td><td>${esc(y == null ? "" : JSON.stringify(y))}</td></tr>`;
  }).join("");
  return `<h2>${title}</h2><table><thead><tr><th></th><th>${esc(a.id)}</th><th>${esc(b.id)}</th></tr></thead><tbody>${body}</tbody></table>`;
}
function showCompare() {
  const [a, b] = state.picked.map((i) => E[i]);
  const param = (e, n) => (n in (e.p || {})) ? e.p[n] : (DEF[e.nb] || {})[n];
  const pnames = [...new Set([a, b].flatMap((e) => [...Object.keys(DEF[e.nb] || {}), ...Object.keys(e.p || {})]))];
  const mnames = [...new Set([a, b].flatMap((e) => Object.keys(e.m)))].sort(text.compare);
  const figs = [...new Set([...a.f, ...b.f])].sort(text.compare);
  const pairs = figs.map((f) => `<h3>${esc(f)}</h3><div class="figpair">` + [a, b].map((e) =>
    e.f.includes(f) ? `<img alt="${esc(e.id)} ${esc(f)}" src="${esc(e.id)}/figures/${esc(f)}.png">`
      : `<p class="muted">${esc(e.id)} has no ${esc(f)}</p>`).join("") + "</div>").join("");
  const box = $("compare");
  box.innerHTML = `<h2>Compare ${esc(a.id)} and ${esc(b.id)} <button id="close">close</button></h2>`
    + sideBySide("Parameters", pnames, a, b, param)
    + sideBySide("Metrics", mnames, a, b, (e, n) => e.m[n])
    + `<h2>Figures</h2>${pairs || '<p class="muted">no figures</p>'}`;
  box.hidden = false;
  $("close").onclick = () => { box.hidden = true; };
  box.scrollIntoView();
}
$("runs").tHead.addEventListener("click", (ev) => {
  const th = ev.target.closest("th"); if (!th || th.dataset.kind === "none") return;
  state.dir = state.key === th.dataset.key ? -state.dir : 1;
  state.key = th.dataset.key; render();
});
$("runs").tBodies[0].addEventListener("change", (ev) => {
  const i = Number(ev.target.dataset.i);
  if (ev.target.checked) {
    state.picked.push(i);
    if (state.picked.length > 2) mark(state.picked.shift(), false);
  } else state.picked = state.picked.filter((j) => j !== i);
  mark(i, ev.target.checked);
  $("cmp").textContent = `compare ${state.picked.length} of 2`;
  $("cmp").disabled = state.picked.length !== 2;
});
function mark(i, on) {
  const tr = $("runs").tBodies[0].querySelector(`tr[data-i="${i}"]`);
  if (!tr) return;
  tr.classList.toggle("picked", on);
  const box = tr.querySelector("input[type=checkbox]");
  if (box) box.checked = on;
}
["nb", "st", "kd"].forEach((id) => $(id).addEventListener("change", () => { state[id] = $(id).value; render(); }));
$("q").addEventListener("input", () => { state.q = $("q").value; render(); });
$("cmp").addEventListener("click", showCompare);
$("scroll").addEventListener("scroll", onScroll);
render();
})();
