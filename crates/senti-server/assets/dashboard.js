// senti dashboard: plain JavaScript and inline SVG, no dependencies, served from the binary.
"use strict";
var senti = (function () {
  var SVG = "http://www.w3.org/2000/svg";
  function el(id) { return document.getElementById(id); }
  function fmt(x, d) { return (Math.round(x * Math.pow(10, d)) / Math.pow(10, d)).toFixed(d); }
  function signed(x, d) { return (x >= 0 ? "+" : "\u2212") + fmt(Math.abs(x), d); }
  function pct(x) { return fmt(100 * x, 0) + "%"; }
  function text(tag, t, cls) { var e = document.createElement(tag); e.textContent = t; if (cls) e.className = cls; return e; }
  function svg(tag, attrs, t) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (t !== undefined) e.textContent = t;
    return e;
  }
  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  // Busiest first: comments per second over the last 10 s, then total, then name.
  function byActivity(a, b) {
    return (b.rate_10s - a.rate_10s) || (b.total - a.total) || (a.room < b.room ? -1 : a.room > b.room ? 1 : 0);
  }

  function index() {
    function load() {
      fetch("/v1/rooms").then(function (r) { return r.json(); }).then(function (b) {
        var tb = document.querySelector("#rooms tbody");
        tb.textContent = "";
        b.rooms.slice().sort(byActivity).forEach(function (r) {
          var tr = document.createElement("tr");
          tr.setAttribute("data-room", r.room);
          var a = text("a", r.room); a.href = "/rooms/" + encodeURIComponent(r.room);
          var td = document.createElement("td"); td.appendChild(a); tr.appendChild(td);
          tr.appendChild(text("td", fmt(r.rate_10s, 1), "num"));
          tr.appendChild(text("td", String(r.total), "num"));
          tr.appendChild(text("td", signed(r.ewma_compound, 3), "num " + (r.ewma_compound >= 0 ? "positive" : "negative")));
          tr.appendChild(text("td", r.spike ? "spike" : "", "negative"));
          tb.appendChild(tr);
        });
        el("empty").style.display = b.rooms.length ? "none" : "";
        el("updated").textContent = "updated " + clock(Date.now());
      }).catch(function () {});
    }
    load();
    setInterval(load, 2000);
  }

  // Plot areas of the two charts (viewBox units); both share the x scale.
  var SHARES = { left: 56, right: 788, top: 10, bottom: 216, labelY: 232 };
  var RATE = { left: 56, right: 788, top: 8, bottom: 92, labelY: 108 };
  var SPAN_MS = 120000;   // the charts show the last two minutes
  var MIN_SPAN_MS = 10000;

  // Tick step (ms) giving at most 7 time ticks over the span.
  function timeStep(span) {
    var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
    for (var i = 0; i < steps.length; i++) if (span / (steps[i] * 1000) <= 7) return steps[i] * 1000;
    return 600000;
  }

  function niceMax(v) {
    if (v <= 1) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = [1, 2, 2.5, 5, 10].find(function (k) { return k * p >= v; });
    return m * p;
  }

  function xAxis(g, box, x, t0, t1) {
    g.textContent = "";
    g.appendChild(svg("line", { x1: box.left, x2: box.right, y1: box.bottom, y2: box.bottom, "class": "domain" }));
    var step = timeStep(t1 - t0);
    for (var t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      var tick = svg("g", { "class": "tick x-tick", "data-at": t });
      tick.appendChild(svg("line", { x1: fmt(x(t), 1), x2: fmt(x(t), 1), y1: box.top, y2: box.bottom + 4, "class": "grid" }));
      tick.appendChild(svg("text", { x: fmt(x(t), 1), y: box.labelY, "text-anchor": "middle" }, clock(t)));
      g.appendChild(tick);
    }
  }

  function yAxis(g, box, values, label) {
    g.textContent = "";
    g.appendChild(svg("line", { x1: box.left, x2: box.left, y1: box.top, y2: box.bottom, "class": "domain" }));
    values.forEach(function (v) {
      var y = fmt(box.bottom - v.at * (box.bottom - box.top), 1);
      var tick = svg("g", { "class": "tick y-tick" });
      tick.appendChild(svg("line", { x1: box.left - 4, x2: box.right, y1: y, y2: y, "class": "grid" }));
      tick.appendChild(svg("text", { x: box.left - 7, y: y, "text-anchor": "end", "dominant-baseline": "middle" }, label(v.value)));
      g.appendChild(tick);
    });
  }

  function spikeTitle(s) {
    return "negative spike at " + clock(s.at_ms) + ": " + pct(s.negative_share) + " negative over 10 s (usual " +
      pct(s.baseline_mean) + ", threshold " + pct(s.threshold) + "), " + s.count_10s + " comments";
  }

  function spikeMarks(g, box, x, spikes, t0, t1, withHead) {
    g.textContent = "";
    spikes.filter(function (s) { return s.at_ms >= t0 && s.at_ms <= t1; }).forEach(function (s) {
      var cx = x(s.at_ms);
      var m = svg("g", { "class": "spike-marker", "data-at": s.at_ms, "data-share": fmt(s.negative_share, 3) });
      m.appendChild(svg("title", {}, spikeTitle(s)));
      m.appendChild(svg("line", { x1: fmt(cx, 1), x2: fmt(cx, 1), y1: box.top, y2: box.bottom, "class": "spike-line" }));
      if (withHead) {
        m.appendChild(svg("path", { d: "M" + fmt(cx - 7, 1) + "," + box.top + " h14 l-7,10 Z", "class": "spike-head" }));
        var left = cx + 60 > box.right; // near the right edge: the label goes left of the marker
        m.appendChild(svg("text", { x: fmt(left ? cx - 9 : cx + 9, 1), y: box.top + 9, "text-anchor": left ? "end" : "start",
          "class": "spike-text" }, "\u2212 " + pct(s.negative_share) + " negative"));
      }
      g.appendChild(m);
    });
  }

  // A stacked band's path: for each run of seconds with comments, its top edge left to right,
  // then its bottom edge back (a lone second is widened to a one-second strip).
  function bandPath(runs, x, y, lo, hi, halfSecond) {
    var d = [], n = 0;
    runs.forEach(function (run) {
      var pts = run.length > 1 ? run : [
        { at: run[0].at - halfSecond, s: run[0].s }, { at: run[0].at + halfSecond, s: run[0].s }];
      var top = pts.map(function (p) { return fmt(x(p.at), 1) + "," + fmt(y(hi(p.s)), 1); });
      var bottom = pts.slice().reverse().map(function (p) { return fmt(x(p.at), 1) + "," + fmt(y(lo(p.s)), 1); });
      d.push("M" + top.join(" L") + " L" + bottom.join(" L") + " Z");
      n += pts.length;
    });
    return { d: d.join(" "), points: n };
  }

  function room() {
    var name = decodeURIComponent(location.pathname.replace(/^\/rooms\//, ""));
    el("room-name").textContent = name;
    document.title = "senti · " + name;
    var secs = [];   // clock seconds, oldest first: {at (its middle), n, pos, neu, neg}
    var now = 0;     // at_ms of the newest stats event
    var spikes = []; // spike events
    var MAX_COMMENTS = 50;

    // Each stats event holds the last 10 clock seconds; a second seen before is replaced (its
    // comments may have been counted after the previous event).
    function merge(seconds) {
      seconds.forEach(function (c) {
        var p = { at: c.at_ms + 500, n: c.count, pos: c.positive, neu: c.neutral, neg: c.negative };
        var i = secs.length;
        while (i > 0 && secs[i - 1].at > p.at) i--;
        if (i > 0 && secs[i - 1].at === p.at) secs[i - 1] = p; else secs.splice(i, 0, p);
      });
      while (secs.length && secs[0].at < now - SPAN_MS - 1000) secs.shift();
    }

    function draw() {
      var n = secs.length;
      if (!n) return;
      var t1 = Math.max(now, secs[n - 1].at);
      spikes.forEach(function (s) { t1 = Math.max(t1, s.at_ms); });
      var t0 = Math.max(secs[0].at, t1 - SPAN_MS);
      if (t1 - t0 < MIN_SPAN_MS) t0 = t1 - MIN_SPAN_MS;
      function x(t) { return SHARES.left + ((t - t0) / (t1 - t0)) * (SHARES.right - SHARES.left); }
      var shown = secs.filter(function (p) { return p.at >= t0; });

      // Shares: runs of consecutive seconds that had comments (empty seconds are gaps).
      var runs = [], run = [], prev = null;
      shown.forEach(function (p) {
        if (!p.n || (prev && p.at - prev.at > 1000)) { if (run.length) runs.push(run); run = []; }
        if (p.n) run.push({ at: p.at, s: { pos: p.pos / p.n, neu: p.neu / p.n, neg: p.neg / p.n } });
        prev = p;
      });
      if (run.length) runs.push(run);
      function y(v) { return SHARES.bottom - v * (SHARES.bottom - SHARES.top); }
      var bands = [
        ["area-neg", function () { return 0; }, function (s) { return s.neg; }],
        ["area-neu", function (s) { return s.neg; }, function (s) { return s.neg + s.neu; }],
        ["area-pos", function (s) { return s.neg + s.neu; }, function () { return 1; }]
      ];
      bands.forEach(function (b) {
        var p = bandPath(runs, x, y, b[1], b[2], 500);
        el(b[0]).setAttribute("d", p.d);
        el(b[0]).setAttribute("data-points", String(p.points));
      });
      el("chart").setAttribute("data-points", String(shown.filter(function (p) { return p.n; }).length));
      yAxis(el("y-axis"), SHARES, [0, 0.25, 0.5, 0.75, 1].map(function (v) { return { at: v, value: v }; }), pct);
      xAxis(el("x-axis"), SHARES, x, t0, t1);
      spikeMarks(el("spike-marks"), SHARES, x, spikes, t0, t1, true);

      // Comments per second: one bar per second.
      var top = niceMax(Math.max.apply(null, shown.map(function (p) { return p.n; }).concat([1])));
      var bars = el("rate-bars");
      bars.textContent = "";
      var w = Math.max(1, 0.8 * (SHARES.right - SHARES.left) * 1000 / (t1 - t0));
      shown.forEach(function (p) {
        if (!p.n) return;
        var h = (p.n / top) * (RATE.bottom - RATE.top);
        var r = svg("rect", { x: fmt(x(p.at) - w / 2, 1), y: fmt(RATE.bottom - h, 1), width: fmt(w, 1), height: fmt(h, 1),
          "class": "rate-bar", "data-n": p.n });
        r.appendChild(svg("title", {}, clock(p.at) + ": " + p.n + " comments"));
        bars.appendChild(r);
      });
      el("rate-chart").setAttribute("data-bars", String(bars.children.length));
      yAxis(el("rate-y-axis"), RATE, [0, 0.5, 1].map(function (v) { return { at: v, value: v * top }; }),
        function (v) { return fmt(v, v < 10 && v % 1 ? 1 : 0); });
      xAxis(el("rate-x-axis"), RATE, x, t0, t1);
      spikeMarks(el("rate-spike-marks"), RATE, x, spikes, t0, t1, false);
    }

    function onStats(s) {
      if (s.at_ms < now) return; // replayed twice
      now = s.at_ms;
      merge(s.seconds);
      var w = s.windows[1]; // 10 s
      var total = w.count || 1;
      el("share-pos").style.width = (100 * w.positive / total) + "%";
      el("share-neu").style.width = (100 * w.neutral / total) + "%";
      el("share-neg").style.width = (100 * w.negative / total) + "%";
      el("rate").textContent = fmt(w.rate, 1);
      el("pos-n").textContent = String(w.positive);
      el("neu-n").textContent = String(w.neutral);
      el("neg-n").textContent = String(w.negative);
      el("ewma").textContent = signed(s.ewma_compound, 3);
      el("total").textContent = String(s.total);
      var terms = el("terms");
      terms.textContent = "";
      s.top_terms.forEach(function (t) {
        var dir = t.valence >= 0 ? "positive" : "negative";
        var li = text("li", "", "term " + dir);
        li.setAttribute("data-direction", dir);
        li.title = (t.valence >= 0 ? "raises" : "lowers") + " the score: summed contribution " + signed(t.valence, 2) +
          " over the last 10 s";
        li.appendChild(text("span", t.valence >= 0 ? "+" : "\u2212", "sign"));
        li.appendChild(text("span", t.term, "term-text"));
        li.appendChild(text("span", signed(t.valence, 2), "val"));
        terms.appendChild(li);
      });
      draw();
    }

    function onComment(c) {
      var list = el("comments");
      var li = text("li", c.text, "comment " + c.label);
      li.setAttribute("data-id", c.id);
      li.title = clock(c.at_ms || Date.now()) + " · " + c.label + " " + signed(c.compound, 3);
      list.insertBefore(li, list.firstChild);
      while (list.children.length > MAX_COMMENTS) list.removeChild(list.lastChild);
    }

    function onSpike(s) {
      if (spikes.some(function (o) { return o.at_ms === s.at_ms; })) return;
      spikes.push(s);
      var list = el("spikes");
      var none = list.querySelector(".none");
      if (none) list.removeChild(none);
      list.insertBefore(text("li", spikeTitle(s), "spike"), list.firstChild);
      draw();
    }

    var es = new EventSource("/v1/rooms/" + encodeURIComponent(name) + "/events?comments=sampled");
    es.addEventListener("stats", function (e) { onStats(JSON.parse(e.data)); });
    es.addEventListener("comment", function (e) { onComment(JSON.parse(e.data)); });
    es.addEventListener("spike", function (e) { onSpike(JSON.parse(e.data)); });
    es.addEventListener("lagged", function () { el("status").textContent = "live (skipped some events)"; });
    es.onopen = function () { el("status").textContent = "live"; el("status").className = "status live"; };
    es.onerror = function () { el("status").textContent = "reconnecting…"; el("status").className = "status down"; };
  }

  return { index: index, room: room, byActivity: byActivity };
})();
