// senti dashboard: plain JavaScript, no dependencies, served from the binary.
"use strict";
var senti = (function () {
  function el(id) { return document.getElementById(id); }
  function fmt(x, d) { return (Math.round(x * Math.pow(10, d)) / Math.pow(10, d)).toFixed(d); }
  function text(tag, t, cls) { var e = document.createElement(tag); e.textContent = t; if (cls) e.className = cls; return e; }

  function index() {
    function load() {
      fetch("/v1/rooms").then(function (r) { return r.json(); }).then(function (b) {
        var tb = document.querySelector("#rooms tbody");
        tb.textContent = "";
        b.rooms.forEach(function (r) {
          var tr = document.createElement("tr");
          var a = text("a", r.room); a.href = "/rooms/" + encodeURIComponent(r.room);
          var td = document.createElement("td"); td.appendChild(a); tr.appendChild(td);
          tr.appendChild(text("td", String(r.total)));
          tr.appendChild(text("td", fmt(r.rate_10s, 1)));
          tr.appendChild(text("td", fmt(r.ewma_compound, 3)));
          tr.appendChild(text("td", r.spike ? "yes" : ""));
          tb.appendChild(tr);
        });
        el("empty").style.display = b.rooms.length ? "none" : "";
      }).catch(function () {});
    }
    load();
    setInterval(load, 2000);
  }

  function room() {
    var name = decodeURIComponent(location.pathname.replace(/^\/rooms\//, ""));
    el("room-name").textContent = name;
    document.title = "senti · " + name;
    var points = [];      // [at_ms, value]
    var spikes = [];      // at_ms
    var MAX_POINTS = 120; // two minutes
    var MAX_COMMENTS = 50;

    function draw() {
      var svg = el("chart");
      var n = points.length;
      svg.setAttribute("data-points", String(n));
      if (!n) return;
      var t0 = points[0][0], t1 = Math.max(points[n - 1][0], t0 + 1);
      function x(t) { return ((t - t0) / (t1 - t0)) * 600; }
      function y(v) { return 100 - v * 95; }
      el("line").setAttribute("points", points.map(function (p) { return fmt(x(p[0]), 1) + "," + fmt(y(p[1]), 1); }).join(" "));
      var dots = el("dots");
      dots.textContent = "";
      points.forEach(function (p) {
        var c = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        c.setAttribute("cx", fmt(x(p[0]), 1)); c.setAttribute("cy", fmt(y(p[1]), 1)); c.setAttribute("r", "2.5");
        dots.appendChild(c);
      });
      var marks = el("spike-marks");
      marks.textContent = "";
      spikes.filter(function (t) { return t >= t0; }).forEach(function (t) {
        var l = document.createElementNS("http://www.w3.org/2000/svg", "line");
        l.setAttribute("x1", fmt(x(t), 1)); l.setAttribute("x2", fmt(x(t), 1));
        l.setAttribute("y1", "0"); l.setAttribute("y2", "200"); l.setAttribute("class", "spike");
        marks.appendChild(l);
      });
    }

    function onStats(s) {
      var w = s.windows[1]; // 10 s
      points.push([s.at_ms, s.ewma_compound]);
      if (points.length > MAX_POINTS) points.shift();
      var total = w.count || 1;
      el("share-pos").style.width = (100 * w.positive / total) + "%";
      el("share-neu").style.width = (100 * w.neutral / total) + "%";
      el("share-neg").style.width = (100 * w.negative / total) + "%";
      el("rate").textContent = fmt(w.rate, 1);
      el("pos-n").textContent = String(w.positive);
      el("neu-n").textContent = String(w.neutral);
      el("neg-n").textContent = String(w.negative);
      el("ewma").textContent = fmt(s.ewma_compound, 3);
      el("total").textContent = String(s.total);
      var terms = el("terms");
      terms.textContent = "";
      s.top_terms.forEach(function (t) {
        terms.appendChild(text("li", t.term + " (" + fmt(t.valence, 2) + ")", t.valence >= 0 ? "positive" : "negative"));
      });
      draw();
    }

    function onComment(c) {
      var list = el("comments");
      var li = text("li", c.text, "comment " + c.label);
      li.setAttribute("data-id", c.id);
      li.title = c.label + " " + fmt(c.compound, 3);
      list.insertBefore(li, list.firstChild);
      while (list.children.length > MAX_COMMENTS) list.removeChild(list.lastChild);
    }

    function onSpike(s) {
      spikes.push(s.at_ms);
      var list = el("spikes");
      var none = list.querySelector(".none");
      if (none) list.removeChild(none);
      var when = new Date(s.at_ms).toLocaleTimeString();
      list.insertBefore(text("li", when + ": negative share " + fmt(s.negative_share * 100, 0) + "% (usual " +
        fmt(s.baseline_mean * 100, 0) + "%)", "spike"), list.firstChild);
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

  return { index: index, room: room };
})();
