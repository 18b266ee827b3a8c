// The backprop explorer: steps through one forward and backward pass of a microdense graph.
//
// Everything it shows comes from two places in this file's page:
//   - the SVG Graphviz drew for md.draw_graph (each node's <title> is its DOT id: t3, op3);
//   - the JSON in <script id="explorer-data">, written by microdense/graph/explorer.py from
//     md.trace_backward: the tensors, the layers and the steps, with every number.
// The state of the page is one number, `position` (which step we are on); render() redraws
// everything from it, so Next, Previous, the slider and the keys all work the same way.
// User text (tensor names) only ever goes into the page as textContent, never as HTML.
//
// explorer.py joins this file, fold.js (folding a layer, laying the graph out again) and
// controls.js (the buttons and keys, then the first render), in that order, into the page's
// one script: explorer.html wraps them in one function, so they share one scope.
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const tensors = data.tensors, steps = data.steps;
  const svg = document.querySelector("#graph svg");
  const svgElement = (tag) => document.createElementNS(svg.namespaceURI, tag);
  const $ = (id) => document.getElementById(id);
  let position = 0;
  let timer = null;                       // the Play button's interval
  let selected = null;                    // the tensor shown in the inspector
  let zoom = 1;
  const folded = new Set();               // names of folded layers

  // ---- finding the drawing's pieces by their DOT ids ------------------------------------
  const groups = {};                      // node or cluster id -> its <g>
  const edges = {};                       // "tail->head" -> [<g>, ...] in DOT order
  for (const g of svg.querySelectorAll("g.node, g.cluster, g.edge")) {
    const title = g.querySelector("title").textContent;
    if (g.classList.contains("edge")) (edges[title] = edges[title] || []).push(g);
    else groups[title] = g;
  }
  const edgeNumber = (g) => parseInt(g.id.replace(/\D/g, ""), 10);   // Graphviz numbers edges in DOT order
  for (const list of Object.values(edges)) list.sort((a, b) => edgeNumber(a) - edgeNumber(b));
  const edgeOf = (e) => e && (edges[e[0] + "->" + e[1]] || [])[e[2]];

  // A tensor's node has rows captioned in italics, "data" then "grad": mark the text (and
  // the cells of a wide tensor's glyph) after each caption so that CSS can hide values that
  // are not known yet at this step.
  for (const t of tensors) {
    if (!t.node) continue;
    let row = null;
    for (const part of groups[t.node].querySelectorAll("text, polygon")) {
      if (part.getAttribute("font-style") === "italic") row = part.textContent;
      if (row === "data" || row === "grad") part.classList.add(row + "-row");
    }
    groups[t.node].addEventListener("click", () => inspect(tensors.indexOf(t)));
  }

  // ---- numbers ---------------------------------------------------------------------------
  function fmt(v) {                        // 4 significant digits, like Python's "{:.4g}"
    if (v === null || v === undefined) return "none";   // a statistic of no finite values
    v = Number(v);
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (v === 0) return "0";
    return String(parseFloat(v.toPrecision(4)));
  }
  const shapeText = (shape) => "(" + shape.join(", ") + (shape.length === 1 ? ",)" : ")");
  function nested(values, shape) {         // [1, 2, 3, 4] with shape (2, 2) -> "[[1, 2], [3, 4]]"
    if (shape.length === 0) return fmt(values[0]);
    const size = values.length / shape[0], parts = [];
    for (let i = 0; i < shape[0]; i++) parts.push(nested(values.slice(i * size, (i + 1) * size), shape.slice(1)));
    return "[" + parts.join(", ") + "]";
  }
  function valueText(v) {                  // what explorer.py's _value wrote: values or a summary
    if (!v) return "none";
    if (v.values) return nested(v.values, v.shape);
    return shapeText(v.shape) + " array: mean " + fmt(v.mean) + ", norm " + fmt(v.norm);
  }
  function shortValue(v) {                 // for an edge's label: a few values, or mean |grad|,
    if (v.values && v.values.length <= 4) return nested(v.values, v.shape);   // as drawings say
    return shapeText(v.shape) + " mean |grad| " + fmt(v.meanAbs !== undefined ? v.meanAbs : meanAbs(v.values));
  }
  const meanAbs = (values) => values.reduce((s, x) => s + Math.abs(Number(x)), 0) / values.length;

  // ---- small DOM helpers -----------------------------------------------------------------
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) node.append(child);   // strings become text, never HTML
    return node;
  }
  const value = (v) => el("span", "value", valueText(v));
  function tensorLink(k) {                // a name in the panel: hover shows where it is
    const link = el("span", "tensor-link", tensors[k].label);
    const node = tensors[k].node && groups[tensors[k].node];
    link.addEventListener("click", () => inspect(k));
    if (node) {
      link.addEventListener("mouseenter", () => node.classList.add("hovered"));
      link.addEventListener("mouseleave", () => node.classList.remove("hovered"));
    }
    return link;
  }
  const d = (k) => "dL/d" + tensors[k].label;

  // ---- the graph at the current step -----------------------------------------------------
  const gradKnown = (t) => t.gradAt !== null && t.gradAt <= position;

  function render() {
    const step = steps[position];
    for (const t of tensors) {
      if (!t.node) continue;
      const g = groups[t.node];
      g.classList.toggle("pending", t.shownAt > position);
      g.classList.toggle("has-grad", gradKnown(t));
      g.classList.toggle("receiving", t.firstGradAt !== null && t.firstGradAt <= position && !gradKnown(t));
      if (t.opNode) groups[t.opNode].classList.toggle("pending", t.shownAt > position);
      shade(g, t);
    }
    for (const layer of data.layers) if (covers[layer.name]) shadeCover(covers[layer.name], layer);
    for (const g of svg.querySelectorAll(".current, .forward-current, .lit-back, .lit-forward"))
      g.classList.remove("current", "forward-current", "lit-back", "lit-forward");
    for (const label of svg.querySelectorAll(".edge-label")) label.remove();
    const t = step.tensor !== undefined ? tensors[step.tensor] : null;
    if (step.kind === "forward") {
      for (const id of [t.node, t.opBox]) if (id) groups[id].classList.add("forward-current");
      for (const e of step.edges) { const g = edgeOf(e); if (g) g.classList.add("lit-forward"); }
    } else if (step.kind === "backward") {
      for (const id of [t.node, t.opBox]) if (id) groups[id].classList.add("current");
      const out = edgeOf(step.outEdge);
      if (out) out.classList.add("lit-back");
      const taken = [];                    // the labels written so far at this step
      for (const c of step.contributions) {
        const g = edgeOf(c.edge);
        if (!g) continue;
        g.classList.add("lit-back");
        labelEdge(g, shortValue(c.added), taken);
      }
    }
    // Keep the op in view: its output is on one side, its inputs and their edges on the other.
    const focus = t && ((t.opBox && groups[t.opBox]) || (t.node && groups[t.node]));
    if (focus && !focus.classList.contains("folded-away")) scrollToShow(focus);
    writeStep(step);
    if (selected !== null) inspect(selected);
    $("slider").value = position;
    $("counter").textContent = "step " + position + " / " + (steps.length - 1);
    $("prev").disabled = $("first").disabled = position === 0;
    $("next").disabled = $("last").disabled = position === steps.length - 1;
  }

  function scrollToShow(g) {               // scroll the graph (only the graph: in a notebook's
    const box = $("graph");               // frame, scrollIntoView would scroll the notebook too)
    const r = g.getBoundingClientRect(), c = box.getBoundingClientRect();
    if (r.left < c.left || r.right > c.right) box.scrollLeft += (r.left + r.right - c.left - c.right) / 2;
    if (r.top < c.top || r.bottom > c.bottom) box.scrollTop += (r.top + r.bottom - c.top - c.bottom) / 2;
  }

  // The contribution, written beside its edge where it covers no box and no other label:
  // the first free place of a few along the edge, from its middle outwards.
  function labelEdge(g, text, taken) {
    if (g.classList.contains("folded-away")) return;
    const path = g.querySelector("path");
    const length = path.getTotalLength(), end = path.getPointAtLength(length);
    const label = svgElement("text");
    label.setAttribute("class", "edge-label");
    label.textContent = text;
    g.parentNode.appendChild(label);      // after every node, so it is drawn on top
    for (const fraction of [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9]) {
      const at = path.getPointAtLength(length * fraction);
      const leftward = at.x < end.x - 1;    // written away from the op, so labels of two
      label.setAttribute("x", at.x + (leftward ? -4 : 4));   // inputs side by side do not overlap
      label.setAttribute("y", at.y - 3);
      label.setAttribute("text-anchor", leftward ? "end" : "start");
      const box = label.getBBox();
      if (!Object.values(current).some((b) => overlaps(box, b)) && !taken.some((b) => overlaps(box, b))) break;
    }
    taken.push(label.getBBox());
  }
  const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width &&
                             a.y < b.y + b.height && b.y < a.y + a.height;

  function shade(g, t) {                   // colour by |grad|: the same scale as draw_graph's
    const shape = g.querySelector("path, polygon, ellipse");
    const on = $("color-by-grad").checked;
    const known = gradKnown(t) && t.gradColor;
    shape.style.fill = on ? (known ? t.gradColor : data.colors.noValue) : "";
    for (const text of g.querySelectorAll("text"))
      text.style.fill = on ? (known ? t.gradFont : "black") : "";
  }

  function shadeCover(cover, layer) {      // a folded layer: by its weights' mean |grad|
    const on = $("color-by-grad").checked && layer.gradColor && layer.gradAt <= position;
    cover.querySelector("rect").style.fill = on ? layer.gradColor : "";
    for (const text of cover.querySelectorAll("text")) text.style.fill = on ? layer.gradFont : "";
  }

  // ---- the side panel: what this step did, with its numbers ------------------------------
  function writeStep(step) {
    const body = $("step-body");
    body.replaceChildren();
    const line = (...parts) => body.appendChild(el("div", "line", ...parts));
    if (data.earlier.length && (step.kind === "start" || step.kind === "done"))
      line(el("span", "earlier", "Summed over backward passes: " + data.earlier.join(", ") +
        " already held a gradient when this pass began (leaves add up until zero_grad()), " +
        "so their grads here include the earlier passes."));
    if (step.kind === "start") {
      $("step-title").textContent = "The start: " + data.forwardSteps + " forward steps, then " +
        data.backwardSteps + " backward steps";
      line("Only the leaves are known: the data and the weights. Press Next (or the right arrow) to run the ops one at a time, in the order they ran.");
      line("How to read the graph: faded = not computed yet; blue outline = the op running forward; " +
           "red outline = the node passing its gradient back, red edges = where it goes, each labelled " +
           "with its share; dashed border = a gradient still being summed (more shares to come).");
    } else if (step.kind === "forward") {
      const t = tensors[step.tensor];
      $("step-title").textContent = "forward step " + step.number + " of " + step.of + ": " + t.label;
      line(el("span", "formula", t.label + " = " + t.op + "(" + t.parents.map((k) => tensors[k].label).join(", ") + ")"));
      if (t.scope) line("(in " + t.scope + ")");
      line(t.label + " " + shapeText(t.shape) + " = ", value(t.value));
    } else if (step.kind === "backward") {
      writeBackward(step, line);
    } else {
      $("step-title").textContent = "Done: every gradient, equal to the engine's .grad";
      const table = el("table", "grads");
      for (let k = 0; k < tensors.length; k++) {
        const t = tensors[k];
        if (t.gradValue) table.append(el("tr", "", el("td", "", tensorLink(k)), el("td", "", value(t.gradValue))));
      }
      body.append(table);
    }
  }

  function writeBackward(step, line) {
    const k = step.tensor, t = tensors[k];
    const inputs = t.parents.map((j) => tensors[j].label).join(", ");
    $("step-title").textContent = "backward step " + step.number + " of " + data.backwardSteps + ": " + t.label;
    line(el("span", "formula", t.label + " = " + t.op + "(" + inputs + ")"));
    if (t.scope) line("(in " + t.scope + ")");
    const upstream = el("div", "line upstream", d(k) + " = ", value(step.upstream));
    if (step.seed) upstream.append(" (the seed: dL/dL = 1)");
    else if (step.fanIn.length) upstream.append(" = " + step.fanIn.map(valueText).join(" + ") +
      " (" + step.fanIn.length + " contributions, summed)");
    else upstream.append(" (complete: everything that uses " + t.label + " has passed its share back)");
    $("step-body").append(upstream);
    line(el("span", "formula", "rule: " + (t.rule || "(none given)")));
    for (const c of step.contributions) {
      const p = tensors[c.parent];
      const box = el("div", "contribution");
      box.dataset.parent = p.label;
      const row = (...parts) => box.appendChild(el("div", "line", ...parts));
      // The op record's own form (x^T @ dL/dz for a matmul), as print(trace) writes it.
      row(tensorLink(c.parent), " (input " + c.input + ") receives " +
          (c.form || d(k) + " \u00b7 d" + t.label + "/d" + p.label));
      if (c.local) row("= upstream \u00d7 local derivative = ", value(step.upstream), " \u00d7 ", el("span", "value local", valueText(c.local)));
      row("= ", el("span", "value from-op", valueText(c.fromOp)));
      if (c.summedAxes.length) {
        const axes = c.summedAxes.join(", ");
        row("un-broadcast: " + p.label + " " + shapeText(p.shape) + " receives the " + shapeText(c.fromOp.shape) +
            " gradient summed over axis" + (c.summedAxes.length > 1 ? "es " : " ") + axes + " = ",
            el("span", "value added", valueText(c.added)));
      }
      if (c.of > 1) row("contribution " + c.count + " of " + c.of + " to " + d(c.parent) + "; running sum = ",
                        el("span", "value total", valueText(c.total)));
      $("step-body").append(box);
    }
  }

  // ---- the inspector: one tensor's values and gradient as colour grids -------------------
  function inspect(k) {
    selected = k;
    const t = tensors[k];
    for (const g of svg.querySelectorAll(".selected")) g.classList.remove("selected");
    if (t.node) groups[t.node].classList.add("selected");
    const box = $("inspector");
    box.replaceChildren(el("h2", "", t.label + (t.name && t.name !== t.label ? " (" + t.name + ")" : "")),
      el("div", "line", shapeText(t.shape) + " \u00b7 " + t.dtype + " \u00b7 " + t.kind +
         (t.op ? " \u00b7 made by " + t.op : "") + (t.layer ? " \u00b7 layer " + t.layer : "")));
    if (!t.data) { box.append(el("p", "hint", "not drawn (beyond max_nodes, or inside an op drawn as one box)")); return; }
    if (t.shownAt > position) box.append(el("p", "hint", "data: not computed yet (forward step " + t.shownAt + ")"));
    else box.append(grid("data", t.data, t.dataStats, k));
    if (!t.grad) box.append(el("p", "hint", "grad: none (it needs no gradient)"));
    else if (!gradKnown(t)) box.append(el("p", "hint", "grad: not complete yet (step " + t.gradAt + ")"));
    else box.append(grid("grad", t.grad, t.gradStats, k));
  }

  // A tensor's values as a matrix of colour cells (blue below zero, red above), every value
  // of it: GRID_SIDE x GRID_SIDE cells a page, with buttons to page through rows and
  // columns. Hovering a cell writes its index and value under the grid (and in its title).
  const pages = {};                       // "k data" -> [row page, column page], kept while stepping
  function grid(what, view, stats, k) {
    const part = el("div", "grid-part " + what);
    part.append(el("h2", "", what));
    const statRow = ["mean", "std", "min", "max", "norm"].map((key) => el("td", "", key + " " + fmt(stats[key])));
    part.append(el("table", "stats", el("tr", "", ...statRow)));
    if (stats.nonFinite) part.append(el("div", "grid-note", stats.nonFinite + " NaN or inf values (left out of the statistics)"));
    const values = view.values, cols = view.cols, side = data.gridSide;
    if (!values.length) {                  // a shape with a 0 in it: no cells
      part.append(el("div", "grid-note", "no values: an axis of this shape has length 0"));
      return part;
    }
    const rows = Math.ceil(values.length / cols);
    if (view.shape.length === 1 && values.length > cols) part.append(el("div", "grid-note", cols + " values to a row"));
    if (view.shape.length > 2) {
      const leading = "ijklmnop".slice(0, view.shape.length - 1).split("").join(", ");
      part.append(el("div", "grid-note", "a row is x[" + leading + ", :]"));
    }
    const page = pages[k + " " + what] || (pages[k + " " + what] = [0, 0]);
    const last = [Math.max(0, Math.ceil(rows / side) - 1), Math.max(0, Math.ceil(cols / side) - 1)];
    const r0 = page[0] * side, c0 = page[1] * side;
    const r1 = Math.min(rows, r0 + side), c1 = Math.min(cols, c0 + side);
    for (const [axis, name, from, to, count] of [[0, "rows", r0, r1, rows], [1, "columns", c0, c1, cols]]) {
      if (last[axis] === 0) continue;
      const turn = (by) => { page[axis] = Math.max(0, Math.min(last[axis], page[axis] + by)); inspect(k); };
      const back = el("button", "page-back", "\u25C0"), forth = el("button", "page-forth", "\u25B6");
      back.disabled = page[axis] === 0;
      forth.disabled = page[axis] === last[axis];
      back.addEventListener("click", () => turn(-1));
      forth.addEventListener("click", () => turn(1));
      part.append(el("div", "pager " + name, back, " " + name + " " + from + "-" + (to - 1) + " of " + count + " ", forth));
    }
    let largest = 0;                       // over the whole tensor, so pages compare
    for (const v of values) if (Number.isFinite(Number(v))) largest = Math.max(largest, Math.abs(Number(v)));
    const withNumbers = r1 - r0 <= 16 && c1 - c0 <= 8;
    const table = el("table", "grid" + (withNumbers ? " numbers" : ""));
    for (let i = r0; i < r1; i++) {
      const tr = el("tr", "");
      for (let j = c0; j < c1; j++) {
        const flat = i * cols + j;
        if (flat >= values.length) { tr.append(el("td", "missing")); continue; }
        const v = values[flat];
        const cell = el("td", "", withNumbers ? fmt(v) : "");
        cell.dataset.value = String(v);
        cell.dataset.index = indexText(flat, view.shape);
        cell.title = cell.dataset.index + " = " + String(Number(v));
        cell.style.background = colour(Number(v), largest);
        tr.append(cell);
      }
      table.append(tr);
    }
    const readout = el("div", "readout", "hover a cell for its value");
    table.addEventListener("mouseover", (event) => {
      const cell = event.target.closest("td");
      if (cell && cell.dataset.index) readout.textContent = what + cell.dataset.index + " = " + String(Number(cell.dataset.value));
    });
    part.append(el("div", "grid-box", table), readout);
    return part;
  }

  function indexText(flat, shape) {        // the flat index 7 of shape (2, 4) -> "[1, 3]"
    const index = [];
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index.unshift(flat % shape[axis]);
      flat = Math.floor(flat / shape[axis]);
    }
    return "[" + index.join(", ") + "]";
  }

  function colour(v, largest) {            // diverging: blue below zero, white at zero, red above
    if (!Number.isFinite(v)) return "#ff9a9a";
    const s = largest > 0 ? Math.min(Math.abs(v) / largest, 1) : 0;
    const fade = Math.round(255 * (1 - 0.75 * s));
    return v < 0 ? "rgb(" + fade + "," + fade + ",255)" : "rgb(255," + fade + "," + fade + ")";
  }
