/**
 * A self-contained HTML view of a graph (no network: inline SVG built by inline JS). Layout is computed here:
 * three layers (conditions | operators | effects), ordered by a few barycentre sweeps to reduce crossings.
 * The page filters operators by expert and edges by relation with checkboxes, highlights a node's neighbours on
 * hover, and pans/zooms with drag and wheel.
 */
import type { Hypergraph } from "./types.js";

interface LaidOutNode {
  label: string;
  type: string;
  expert: string;
  doc: string;
  x: number;
  y: number;
}

const ROW = 16;
const COLUMN_X = [260, 640, 980];

/** Orders each layer by the mean position of its neighbours in the other layers, a few sweeps. */
function layout(graph: Hypergraph): LaidOutNode[] {
  const n = graph.numNodes;
  const neighbours: number[][] = Array.from({ length: n }, () => []);
  for (let e = 0; e < graph.edgeSrc.length; e++) {
    neighbours[graph.edgeSrc[e]].push(graph.edgeDst[e]);
    neighbours[graph.edgeDst[e]].push(graph.edgeSrc[e]);
  }
  const layers = [[...graph.conditionNodes], [...graph.operatorNodes], [...graph.effectNodes]];
  const pos = new Float64Array(n);
  const place = (layer: number[]): void => {
    const height = Math.max(...layers.map((l) => l.length)) * ROW;
    const step = layer.length > 1 ? height / layer.length : 0;
    layer.forEach((node, i) => (pos[node] = 40 + i * step + step / 2));
  };
  layers.forEach(place);
  const sweep = (layer: number[]): void => {
    const key = new Map<number, number>();
    for (const node of layer) {
      const nb = neighbours[node];
      key.set(node, nb.length ? nb.reduce((s, m) => s + pos[m], 0) / nb.length : pos[node]);
    }
    layer.sort((a, b) => (key.get(a) as number) - (key.get(b) as number));
    place(layer);
  };
  for (let it = 0; it < 4; it++) {
    sweep(layers[1]);
    sweep(layers[0]);
    sweep(layers[2]);
  }
  const out: LaidOutNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = graph.nodes[i];
    out.push({
      label: node.label,
      type: node.type,
      expert: node.expert ?? "",
      doc: node.doc ?? "",
      x: COLUMN_X[graph.nodeType[i]],
      y: Math.round(pos[i] * 10) / 10,
    });
  }
  return out;
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

/** JSON that is safe inside a <script> element. */
const scriptJson = (v: unknown): string =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

export function graphViewHtml(graph: Hypergraph, opts: { title?: string } = {}): string {
  const nodes = layout(graph);
  const edges: [number, number, number][] = [];
  for (let e = 0; e < graph.edgeSrc.length; e++)
    edges.push([graph.edgeSrc[e], graph.edgeDst[e], graph.edgeRelation[e]]);
  const title = opts.title ?? `Hypergraph ${graph.meta.version}`;
  const height = Math.max(...nodes.map((nd) => nd.y), 100) + 60;
  const data = {
    nodes,
    edges,
    experts: graph.experts,
    relations: ["satisfies", "context_of", "leads_to"],
    height,
  };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 13px system-ui, sans-serif; margin: 0; display: flex; height: 100vh; }
  #side { width: 230px; padding: 12px; border-right: 1px solid #ccc; overflow: auto; flex: none; }
  #main { flex: 1; overflow: hidden; position: relative; }
  svg { width: 100%; height: 100%; cursor: grab; }
  .lbl { font-size: 11px; }
  .dim { opacity: 0.08; }
  .hid { display: none; }
  #info { margin-top: 12px; white-space: pre-wrap; color: #333; }
  .sw { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
</style>
</head>
<body>
<div id="side">
  <h3 style="margin-top:0">${escapeHtml(title)}</h3>
  <div>${escapeHtml(graph.meta.source)}</div>
  <h4>Experts</h4><div id="experts"></div>
  <h4>Relations</h4><div id="relations"></div>
  <div id="info">Hover a node to see its neighbours.</div>
</div>
<div id="main"><svg id="svg" xmlns="http://www.w3.org/2000/svg"><g id="view"></g></svg></div>
<script id="graph-data" type="application/json">${scriptJson(data)}</script>
<script>
(function () {
  var G = JSON.parse(document.getElementById("graph-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var EXPERT_COLOR = { Survival: "#2a9d8f", Combat: "#e63946", Exploration: "#457b9d", General: "#8d6e63" };
  var TYPE_COLOR = { condition: "#f4a261", effect: "#6a4c93" };
  var REL_COLOR = ["#2a9d8f", "#bbbbbb", "#6a4c93"];
  var view = document.getElementById("view");
  var svg = document.getElementById("svg");
  var showExpert = {}, showRel = [true, true, true];
  G.experts.forEach(function (e) { showExpert[e] = true; });
  var adj = G.nodes.map(function () { return []; });
  var edgeEls = [], nodeEls = [];
  function el(name, attrs, parent) {
    var x = document.createElementNS(NS, name);
    for (var k in attrs) x.setAttribute(k, attrs[k]);
    parent.appendChild(x);
    return x;
  }
  var eg = el("g", {}, view), ng = el("g", {}, view);
  G.edges.forEach(function (e, i) {
    var a = G.nodes[e[0]], b = G.nodes[e[1]];
    adj[e[0]].push(i); adj[e[1]].push(i);
    var mx = (a.x + b.x) / 2;
    edgeEls.push(el("path", { d: "M" + a.x + " " + a.y + " C" + mx + " " + a.y + " " + mx + " " + b.y + " " + b.x + " " + b.y,
      fill: "none", stroke: REL_COLOR[e[2]], "stroke-width": e[2] === 1 ? 0.6 : 1, opacity: 0.5 }, eg));
  });
  G.nodes.forEach(function (n, i) {
    var g = el("g", { transform: "translate(" + n.x + "," + n.y + ")" }, ng);
    var color = n.type === "operator" ? (EXPERT_COLOR[n.expert] || "#999") : TYPE_COLOR[n.type];
    el("circle", { r: n.type === "operator" ? 5 : 3.5, fill: color }, g);
    var t = el("text", { class: "lbl", x: n.type === "condition" ? -8 : 8, y: 4, "text-anchor": n.type === "condition" ? "end" : "start" }, g);
    t.textContent = n.label;
    el("title", {}, g).textContent = n.label + " (" + n.type + (n.expert ? ", " + n.expert : "") + ")" + (n.doc ? "\\n" + n.doc : "");
    g.addEventListener("mouseenter", function () { focus(i); });
    g.addEventListener("mouseleave", function () { focus(-1); });
    nodeEls.push(g);
  });
  function visible() {
    var edgeOn = G.edges.map(function (e) {
      if (!showRel[e[2]]) return false;
      for (var k = 0; k < 2; k++) { var n = G.nodes[e[k]]; if (n.type === "operator" && !showExpert[n.expert]) return false; }
      return true;
    });
    var nodeOn = G.nodes.map(function (n, i) {
      if (n.type === "operator") return !!showExpert[n.expert];
      return adj[i].length === 0 || adj[i].some(function (k) { return edgeOn[k]; });
    });
    return { edgeOn: edgeOn, nodeOn: nodeOn };
  }
  function render() {
    var v = visible();
    edgeEls.forEach(function (x, i) { x.classList.toggle("hid", !v.edgeOn[i]); });
    nodeEls.forEach(function (x, i) { x.classList.toggle("hid", !v.nodeOn[i]); });
  }
  function focus(i) {
    var info = document.getElementById("info");
    if (i < 0) { nodeEls.forEach(function (x) { x.classList.remove("dim"); }); edgeEls.forEach(function (x) { x.classList.remove("dim"); }); info.textContent = "Hover a node to see its neighbours."; return; }
    var keep = {}; keep[i] = true;
    var keepE = {};
    adj[i].forEach(function (k) { keepE[k] = true; keep[G.edges[k][0]] = true; keep[G.edges[k][1]] = true; });
    nodeEls.forEach(function (x, j) { x.classList.toggle("dim", !keep[j]); });
    edgeEls.forEach(function (x, k) { x.classList.toggle("dim", !keepE[k]); });
    var n = G.nodes[i];
    info.textContent = n.label + "\\n" + n.type + (n.expert ? " · " + n.expert : "") + "\\n" + (n.doc || "") + "\\n" + adj[i].length + " edges";
  }
  function checkbox(parent, text, color, on, change) {
    var l = document.createElement("label"); l.style.display = "block";
    var c = document.createElement("input"); c.type = "checkbox"; c.checked = on;
    c.addEventListener("change", function () { change(c.checked); render(); });
    var sw = document.createElement("span"); sw.className = "sw"; sw.style.background = color;
    l.appendChild(c); l.appendChild(sw); l.appendChild(document.createTextNode(text));
    parent.appendChild(l);
  }
  G.experts.forEach(function (e) {
    var count = G.nodes.filter(function (n) { return n.expert === e; }).length;
    checkbox(document.getElementById("experts"), e + " (" + count + ")", EXPERT_COLOR[e] || "#999", true, function (on) { showExpert[e] = on; });
  });
  G.relations.forEach(function (r, k) {
    checkbox(document.getElementById("relations"), r, REL_COLOR[k], true, function (on) { showRel[k] = on; });
  });
  // pan and zoom
  var tx = 0, ty = 0, s = 1, drag = null;
  function apply() { view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + s + ")"); }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var f = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
    var r = svg.getBoundingClientRect(), px = ev.clientX - r.left, py = ev.clientY - r.top;
    tx = px - (px - tx) * f; ty = py - (py - ty) * f; s *= f; apply();
  }, { passive: false });
  svg.addEventListener("mousedown", function (ev) { drag = [ev.clientX - tx, ev.clientY - ty]; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (ev) { if (drag) { tx = ev.clientX - drag[0]; ty = ev.clientY - drag[1]; apply(); } });
  s = Math.min(1, (svg.getBoundingClientRect().height || 800) / G.height); apply();
  render();
})();
</script>
</body>
</html>
`;
}
