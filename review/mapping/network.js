/* ReviewMap evidence network. Every string from the project goes into the page with textContent
   or as a DOM element built here: nothing from the data is ever parsed as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var container = document.getElementById("map-network");
  var panel = document.getElementById("map-details");
  var MAX_QUOTES = 300;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function tooltip(lines) {
    var box = el("div", "map-tooltip");
    lines.forEach(function (line, i) { box.appendChild(el("div", i === 0 ? "map-tooltip-head" : "", line)); });
    return box;
  }
  var PLURALS = { study: "studies", quote: "quotes" };
  function plural(n, word) { return n + " " + (n === 1 ? word : PLURALS[word]); }

  var typeInfo = data.types;
  var nodes = data.nodes.map(function (n) {
    var node = {
      id: n.id, label: n.label, shape: n.shape, size: n.size,
      color: { background: n.bg, border: n.border,
               highlight: { background: n.bg, border: "#000000" },
               hover: { background: n.bg, border: "#000000" } },
      font: { size: n.font, color: n.fontColor, face: "Atkinson Hyperlegible, Verdana, DejaVu Sans, sans-serif",
              strokeWidth: n.kind === "level" ? 0 : 4, strokeColor: "#ffffff" },
      borderWidth: n.kind === "theme" ? 2 : 1,
      title: tooltip([n.label, n.kindLabel + " · " + plural(n.s.length, "study")]),
      margin: n.kind === "level" ? 12 : undefined,
      mass: n.kind === "level" ? 4 : 1
    };
    if (n.x !== undefined) { node.x = n.x; node.y = n.y; node.physics = false; }
    return node;
  });
  var edges = data.edges.map(function (e, i) {
    var style = typeInfo[e.type];
    return {
      id: i, from: e.from, to: e.to, width: e.width,
      color: { color: style.color, highlight: style.color, hover: style.color, opacity: e.opacity },
      dashes: style.dashes.length ? style.dashes : false,
      smooth: e.smooth,
      title: tooltip([style.marker + " " + e.type, e.fromLabel + " — " + e.toLabel, plural(e.s.length, "study")])
    };
  });
  var baseFonts = {};
  nodes.forEach(function (n) { baseFonts[n.id] = n.font.size; });
  var nodeSet = new vis.DataSet(nodes);
  var edgeSet = new vis.DataSet(edges);
  var network = new vis.Network(container, { nodes: nodeSet, edges: edgeSet }, data.options);
  window.reviewMapNetwork = network;
  if (data.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      network.fit();
      document.body.setAttribute("data-map-ready", "1");
    });
  } else {
    network.once("afterDrawing", function () { document.body.setAttribute("data-map-ready", "1"); });
  }

  var nodeById = {};
  data.nodes.forEach(function (n) { nodeById[n.id] = n; });

  function studyLine(id) {
    var s = data.studies[id];
    var item = el("li", "map-study");
    item.appendChild(el("span", "map-study-label", s[0]));
    item.appendChild(document.createTextNode(" — " + s[1] + (s[2] ? " (" + s[2] + ")" : "")));
    return item;
  }
  function showDetails(heading, subheading, studyIds, edgeIndexes) {
    panel.textContent = "";
    panel.appendChild(el("h2", "", heading));
    panel.appendChild(el("p", "map-sub", subheading));
    panel.appendChild(el("h3", "", plural(studyIds.length, "study")));
    var list = el("ul", "map-studies");
    studyIds.forEach(function (id) { list.appendChild(studyLine(id)); });
    panel.appendChild(list);
    var seen = {}, quotes = [];
    edgeIndexes.forEach(function (i) {
      var e = data.edges[i];
      e.q.forEach(function (q) {
        var key = e.type + "|" + q;
        if (!seen[key]) { seen[key] = true; quotes.push([e.type, q]); }
      });
    });
    panel.appendChild(el("h3", "", plural(quotes.length, "quote")));
    var qlist = el("ul", "map-quotes");
    quotes.slice(0, MAX_QUOTES).forEach(function (pair) {
      var style = typeInfo[pair[0]], quote = data.quotes[pair[1]];
      var item = el("li", "map-quote");
      var head = el("div", "map-quote-head");
      var marker = el("span", "map-marker", style.marker + " " + pair[0]);
      marker.style.color = style.color;
      head.appendChild(marker);
      head.appendChild(document.createTextNode(" · " + quote[0] + (quote[2] ? ", p. " + quote[2] : "")));
      item.appendChild(head);
      item.appendChild(el("blockquote", "", quote[1]));
      qlist.appendChild(item);
    });
    if (quotes.length > MAX_QUOTES) qlist.appendChild(el("li", "map-more", "… and " + (quotes.length - MAX_QUOTES) + " more"));
    panel.appendChild(qlist);
    panel.scrollTop = 0;
  }
  network.on("click", function (params) {
    if (params.nodes.length) {
      var n = nodeById[params.nodes[0]];
      var connected = network.getConnectedEdges(n.id);
      showDetails(n.label, n.kindLabel, n.s, connected);
    } else if (params.edges.length) {
      var e = data.edges[params.edges[0]];
      showDetails(typeInfo[e.type].marker + " " + e.type, e.fromLabel + " — " + e.toLabel, e.s, [params.edges[0]]);
    }
  });

  function setConference(on) {
    document.body.classList.toggle("conference", on);
    var factor = on ? 1.6 : 1;
    nodeSet.update(nodes.map(function (n) { return { id: n.id, font: { size: Math.round(baseFonts[n.id] * factor) } }; }));
    setTimeout(function () { network.redraw(); network.fit(); }, 50);
  }
  var button = document.getElementById("map-conference");
  if (button) {
    button.addEventListener("click", function () {
      var on = !document.body.classList.contains("conference");
      setConference(on);
      if (on && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
      if (!on && document.fullscreenElement) document.exitFullscreen().catch(function () {});
    });
  }
  var minWeight = document.getElementById("map-min-weight");
  var minWeightValue = document.getElementById("map-min-weight-value");
  if (minWeight) {
    var maxW = 1;
    data.edges.forEach(function (e) { if (e.s.length > maxW) maxW = e.s.length; });
    minWeight.max = String(maxW);
    minWeight.addEventListener("input", function () {
      var threshold = Number(minWeight.value);
      minWeightValue.textContent = String(threshold);
      edgeSet.update(data.edges.map(function (e, i) { return { id: i, hidden: !e.study && e.s.length < threshold }; }));
    });
  }
  var fitButton = document.getElementById("map-fit");
  if (fitButton) fitButton.addEventListener("click", function () { network.fit(); });
  if (data.conference || window.location.hash === "#conference") setConference(true);
  // On a narrow canvas the legend starts folded, so that it covers no node; a click opens it.
  var legend = document.getElementById("map-legend");
  if (legend && container.clientWidth < 640) legend.removeAttribute("open");
})();
