// sonde's report: draws every chart of DATA as an SVG, with hover values
// and a legend that toggles series. No external script, font or style.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 760, H = 320, M = { l: 64, r: 16, t: 12, b: 44 };
  var COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function ticks(lo, hi, n) {
    if (hi <= lo) hi = lo + 1;
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    if (err >= 5) step *= 5; else if (err >= 2) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }
  function fmt(v) { return Math.abs(v) >= 1000 ? v.toFixed(0) : +v.toPrecision(4) + ""; }
  function draw(chart, box) {
    var xs = [], ys = [];
    (chart.series || []).forEach(function (s) {
      (s.points || []).forEach(function (p) {
        xs.push(p[0]); ys.push(p[1]);
        if (p.length > 2) xs.push(p[2]);
      });
    });
    if (!xs.length) return false;
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min(0, Math.min.apply(null, ys)), y1 = Math.max.apply(null, ys);
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) y1 = y0 + 1;
    var sx = function (v) { return M.l + (v - x0) / (x1 - x0) * (W - M.l - M.r); };
    var sy = function (v) { return H - M.b - (v - y0) / (y1 - y0) * (H - M.t - M.b); };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img" }, box);
    ticks(x0, x1, 6).forEach(function (t) {
      el("line", { x1: sx(t), x2: sx(t), y1: M.t, y2: H - M.b, class: "grid" }, svg);
      el("text", { x: sx(t), y: H - M.b + 16, "text-anchor": "middle" }, svg).textContent = fmt(t);
    });
    ticks(y0, y1, 5).forEach(function (t) {
      el("line", { x1: M.l, x2: W - M.r, y1: sy(t), y2: sy(t), class: "grid" }, svg);
      el("text", { x: M.l - 6, y: sy(t) + 4, "text-anchor": "end" }, svg).textContent = fmt(t);
    });
    el("text", { x: (W + M.l) / 2, y: H - 6, "text-anchor": "middle", class: "label" }, svg).textContent = chart.x;
    el("text", { x: 14, y: (H - M.b) / 2, transform: "rotate(-90 14 " + (H - M.b) / 2 + ")", "text-anchor": "middle", class: "label" }, svg).textContent = chart.y;
    var groups = [];
    (chart.series || []).forEach(function (s, i) {
      var c = COLORS[i % COLORS.length];
      var g = el("g", { "data-series": s.name }, svg);
      if (chart.kind === "line") {
        el("polyline", { points: s.points.map(function (p) { return sx(p[0]) + "," + sy(p[1]); }).join(" "), fill: "none", stroke: c, "stroke-width": 1.6 }, g);
      } else if (chart.kind === "segments") {
        (s.points || []).forEach(function (p) {
          el("line", { x1: sx(p[0]), x2: sx(p[2]), y1: sy(p[1]), y2: sy(p[1]), stroke: c, "stroke-width": s.width || 3 }, g);
        });
      } else {
        (s.points || []).forEach(function (p) { el("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 1.8, fill: c }, g); });
      }
      groups.push({ g: g, s: s, on: true });
    });
    var legend = document.createElement("div");
    legend.className = "legend";
    groups.forEach(function (gr, i) {
      var item = document.createElement("button");
      item.type = "button";
      item.innerHTML = "<span style=\"background:" + COLORS[i % COLORS.length] + "\"></span>";
      item.appendChild(document.createTextNode(gr.s.name));
      item.title = "show or hide";
      item.onclick = function () {
        gr.on = !gr.on;
        gr.g.style.display = gr.on ? "" : "none";
        item.className = gr.on ? "" : "off";
      };
      legend.appendChild(item);
    });
    box.appendChild(legend);
    var tip = el("text", { class: "tip", x: W - M.r, y: M.t + 12, "text-anchor": "end" }, svg);
    var dot = el("circle", { r: 4, class: "dot", cx: -10, cy: -10 }, svg);
    svg.addEventListener("mousemove", function (ev) {
      var r = svg.getBoundingClientRect();
      var mx = (ev.clientX - r.left) * W / r.width, my = (ev.clientY - r.top) * H / r.height;
      var best = null, bd = Infinity;
      groups.forEach(function (gr) {
        if (!gr.on) return;
        (gr.s.points || []).forEach(function (p) {
          var d = Math.pow(sx(p[0]) - mx, 2) + Math.pow(sy(p[1]) - my, 2);
          if (d < bd) { bd = d; best = { p: p, name: gr.s.name }; }
        });
      });
      if (best) {
        dot.setAttribute("cx", sx(best.p[0])); dot.setAttribute("cy", sy(best.p[1]));
        tip.textContent = best.name + ": " + chart.x + " " + fmt(best.p[0]) + ", " + chart.y + " " + fmt(best.p[1]);
      }
    });
    return true;
  }
  var drawn = 0;
  (DATA.charts || []).forEach(function (c) {
    var box = document.getElementById("chart-" + c.id);
    if (box && draw(c, box)) drawn++;
  });
  document.body.setAttribute("data-rendered", String(drawn));
})();
