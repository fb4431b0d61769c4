/**
 * The page's own script and styles (plain browser JS, inlined into the report): charts from the embedded
 * options, the replay viewer, and — on the live dashboard — polling for fresh data.
 */
export const CLIENT_CSS = `
:root { --fg:#222; --muted:#666; --line:#e3e3e3; --bg:#fff; --accent:#4e79a7; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: #f6f7f9; margin: 0; }
header { background: #1f2d3d; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .sub { color: #c9d3de; font-size: 12px; margin-top: 4px; }
main { max-width: 1280px; margin: 0 auto; padding: 12px 20px 40px; }
section { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; margin: 14px 0; padding: 12px 16px; overflow-x: auto; }
section h2 { font-size: 16px; margin: 2px 0 8px; }
.chart { width: 100%; }
.caption { color: var(--muted); font-size: 12px; margin: 2px 4px 6px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f1f3f6; font-weight: 600; }
td.l, th.l { text-align: left; white-space: normal; }
.note { color: var(--muted); font-size: 12px; }
.warn { color: #9a4a00; }
.empty { color: var(--muted); font-style: italic; }
dl.glossary { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; font-size: 13px; margin: 4px 0; }
dl.glossary dt { font-weight: 600; }
dl.glossary dd { margin: 0; color: #333; }
.replay { display: grid; grid-template-columns: auto 1fr; gap: 12px 18px; align-items: start; }
.replay .controls { grid-column: 1 / -1; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.replay input[type=range] { width: 420px; }
pre.screen { background: #000; color: #bbb; font: 13px/1.12 "DejaVu Sans Mono", Menlo, Consolas, monospace; padding: 8px; margin: 0; border-radius: 4px; white-space: pre; }
pre.screen .cur { outline: 1px solid #ff0; }
.c0{color:#5c5c5c}.c1{color:#d33}.c2{color:#2a2}.c3{color:#b60}.c4{color:#36f}.c5{color:#b3b}.c6{color:#2bb}.c7{color:#bbb}
.c8{color:#888}.c9{color:#f90}.c10{color:#5f5}.c11{color:#ff5}.c12{color:#68f}.c13{color:#f6f}.c14{color:#5ff}.c15{color:#fff}
.side { min-width: 260px; }
.bar { display: grid; grid-template-columns: 92px 1fr 52px; align-items: center; gap: 6px; margin: 3px 0; font-size: 12px; }
.bar .track { background: #eef0f3; height: 12px; border-radius: 2px; overflow: hidden; }
.bar .fill { height: 100%; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; max-height: 260px; overflow: auto; }
.chip { background: #eef2f7; border: 1px solid #d5dde8; border-radius: 10px; padding: 0 7px; font-size: 11px; }
.chip.scn { background: #fff3e0; border-color: #f0c48a; }
.kv { font-size: 13px; margin: 4px 0; }
.kv b { display: inline-block; min-width: 70px; }
#live { font-size: 12px; color: #c9d3de; }
`;

export const CLIENT_JS = String.raw`
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("tedg-data").textContent);
  var EXPERT_COLORS = { Survival: "#e15759", Combat: "#f28e2b", Exploration: "#4e79a7", General: "#59a14f" };
  var PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"];
  var charts = {};

  function renderCharts(list) {
    list.forEach(function (c) {
      var el = document.getElementById("chart-" + c.id);
      if (!el) return;
      var inst = charts[c.id] || echarts.init(el, null, { renderer: "svg" });
      charts[c.id] = inst;
      inst.setOption(c.option, true);
    });
  }
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  // ---------- replay viewer ----------
  function esc(ch) { return ch === "&" ? "&amp;" : ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : ch; }

  function Screens(rep) {
    this.rep = rep;
    this.cache = {};
  }
  Screens.prototype.apply = function (state, f) {
    if (f[0] === "K") {
      var n = this.rep.rows * this.rep.cols;
      state.chars = f.slice(1, 1 + n).split("");
      state.colors = f.slice(1 + n).split("");
      return;
    }
    var p = 1;
    while (p < f.length) {
      var pos = parseInt(f.slice(p, p + 3), 36);
      var len = parseInt(f.slice(p + 3, p + 5), 36);
      p += 5;
      for (var k = 0; k < len; k++) {
        state.chars[pos + k] = f[p + k];
        state.colors[pos + k] = f[p + len + k];
      }
      p += 2 * len;
    }
  };
  Screens.prototype.at = function (k) {
    var key = Math.floor(k / this.rep.key) * this.rep.key;
    var state = { chars: [], colors: [] };
    for (var i = key; i <= k; i++) this.apply(state, this.rep.frames[i]);
    return state;
  };
  Screens.prototype.html = function (k) {
    var s = this.at(k);
    var rows = this.rep.rows, cols = this.rep.cols;
    var cur = this.rep.cursor[k] || [-1, -1];
    var out = "";
    for (var r = 0; r < rows; r++) {
      var run = "", col = null;
      for (var c = 0; c < cols; c++) {
        var i = r * cols + c;
        var cc = parseInt(s.colors[i] || "7", 36);
        var ch = esc(s.chars[i] || " ");
        if (r === cur[0] && c === cur[1]) ch = '<span class="cur">' + ch + "</span>";
        if (cc !== col) {
          if (col !== null) out += "</span>";
          out += '<span class="c' + cc + '">';
          col = cc;
        }
        out += ch;
      }
      out += "</span>\n";
    }
    return out;
  };

  function initReplay(root) {
    var reps = DATA.replays || [];
    if (!reps.length) return;
    var sel = root.querySelector("select.episode");
    var slider = root.querySelector("input.slider");
    var play = root.querySelector("button.play");
    var screen = root.querySelector("pre.screen");
    var label = root.querySelector(".stepLabel");
    var bars = root.querySelector(".bars");
    var info = root.querySelector(".info");
    var chips = root.querySelector(".chips");
    var note = root.querySelector(".replayNote");
    var rep, screens, timer = null;
    reps.forEach(function (r, i) {
      var o = document.createElement("option");
      o.value = String(i);
      o.textContent = "seed " + r.seed + " — score " + r.score + ", " + r.length + " steps, " + (r.endReason || "") + (r.deathCause ? " (" + r.deathCause + ")" : "");
      sel.appendChild(o);
    });
    function select(i) {
      rep = reps[i];
      screens = rep.frames.length ? new Screens(rep) : null;
      slider.min = "0";
      slider.max = String(Math.max(0, rep.steps.length));
      slider.value = "0";
      note.textContent = rep.error || ("checkpoint " + rep.checkpoint + ", " + (rep.greedy ? "greedy" : "sampled") + " actions; " + rep.file);
      show(0);
    }
    function show(k) {
      if (screens) screen.innerHTML = screens.html(Math.min(k, rep.frames.length - 1));
      else screen.textContent = "(no screen: " + (rep.error || "not re-played") + ")";
      var st = rep.steps[k];
      label.textContent = "frame " + k + " / " + rep.steps.length;
      bars.innerHTML = "";
      rep.expertNames.forEach(function (n, j) {
        var a = st ? st.alpha[j] : 0;
        var color = EXPERT_COLORS[n] || PALETTE[j % PALETTE.length];
        var d = document.createElement("div");
        d.className = "bar";
        d.innerHTML = "<span>" + n + '</span><div class="track"><div class="fill" style="width:' + (a * 100).toFixed(1) + "%;background:" + color + '"></div></div><span>' + (st ? a.toFixed(3) : "–") + "</span>";
        bars.appendChild(d);
      });
      if (st) {
        info.innerHTML = '<div class="kv"><b>action</b> ' + (rep.actionNames[st.a] || st.a) + '</div><div class="kv"><b>scenario</b> ' + rep.scenarios[st.scn] + '</div><div class="kv"><b>value</b> ' + st.v.toFixed(2) + ' &nbsp; <b>reward</b> ' + st.r.toFixed(2) + "</div>";
        chips.innerHTML = st.cond.map(function (c) { return '<span class="chip">' + esc(rep.conditionLabels[c] || "#" + c) + "</span>"; }).join("");
      } else {
        info.innerHTML = '<div class="kv"><b>end</b> ' + (rep.endReason || "") + (rep.deathCause ? " — " + esc(rep.deathCause) : "") + ", score " + rep.score + "</div>";
        chips.innerHTML = "";
      }
    }
    sel.addEventListener("change", function () { select(Number(sel.value)); });
    slider.addEventListener("input", function () { show(Number(slider.value)); });
    play.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ play"; return; }
      play.textContent = "❚❚ pause";
      timer = setInterval(function () {
        var k = Number(slider.value) + 1;
        if (k > Number(slider.max)) { clearInterval(timer); timer = null; play.textContent = "▶ play"; return; }
        slider.value = String(k);
        show(k);
      }, 120);
    });
    select(0);
  }

  renderCharts(DATA.charts || []);
  document.querySelectorAll(".replay").forEach(initReplay);
  window.tedgReport = { charts: charts, data: DATA };

  // ---------- live dashboard ----------
  if (DATA.live) {
    var liveEl = document.getElementById("live");
    var version = DATA.version;
    setInterval(function () {
      fetch("data.json?since=" + encodeURIComponent(version), { cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (d) {
          if (liveEl) liveEl.textContent = "live — checked " + new Date().toLocaleTimeString();
          if (d.version === version) return;
          var ids = (DATA.charts || []).map(function (c) { return c.id; }).join(",");
          var next = (d.charts || []).map(function (c) { return c.id; }).join(",");
          var rc = d.replayCount !== undefined ? d.replayCount : (d.replays || []).length;
          if (ids !== next || rc !== (DATA.replays || []).length) { location.reload(); return; }
          version = d.version;
          DATA.charts = d.charts;
          renderCharts(d.charts);
          var t = document.getElementById("tables");
          if (t && d.tablesHtml !== undefined) t.innerHTML = d.tablesHtml;
        })
        .catch(function () { if (liveEl) liveEl.textContent = "live — server not reachable"; });
    }, DATA.refreshMs || 3000);
  }
})();
`;
