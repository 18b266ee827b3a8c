// The backprop explorer, part 2 of 3 (after explorer.js): folding a layer into one node.
// It runs in the same scope as explorer.js, whose groups, edges, data and render() it uses.

  // ---- folding a layer into one node, and laying the graph out again -------------------
  // Graphviz laid the graph out in ranks along one axis (down for TB, across for LR). A
  // folded layer becomes one small node where its box began, and the graph is compacted
  // along that axis: each top-level piece (a layer's box, moved whole, or a node outside
  // any box), taken in drawing order, moves back by up to the room the folds before it
  // freed, but stops short of every piece before it that it lines up with across the axis
  // or has an edge to. So no two boxes meet, and every edge still runs forwards.
  // Edges follow their ends; an edge into a folded layer ends at its node.
  const alongY = data.rankdir === "TB" || data.rankdir === "BT";
  const COVER = alongY ? 64 : 190;         // a folded layer's size along the ranks
  const GAP = 12;                          // the least room kept between two pieces
  const start = (b) => alongY ? b.y : b.x, size = (b) => alongY ? b.height : b.width;
  const end = (b) => start(b) + size(b);
  const across = (a, b) => alongY ? a.x < b.x + b.width && b.x < a.x + a.width
                                  : a.y < b.y + b.height && b.y < a.y + a.height;
  const moved = (b, by) => alongY ? {x: b.x, y: b.y + by, width: b.width, height: b.height}
                                  : {x: b.x + by, y: b.y, width: b.width, height: b.height};
  const inside = (b, outer) => b !== outer && b.x >= outer.x - 0.5 && b.y >= outer.y - 0.5 &&
    b.x + b.width <= outer.x + outer.width + 0.5 && b.y + b.height <= outer.y + outer.height + 0.5;

  const boxes = {};                        // node or cluster id -> its box as Graphviz drew it
  for (const [id, g] of Object.entries(groups)) {
    const b = g.getBBox();
    boxes[id] = {x: b.x, y: b.y, width: b.width, height: b.height};
  }
  const isCluster = (id) => groups[id].classList.contains("cluster");
  const pieces = [];                       // the top-level pieces: {id, box, members}
  const pieceOf = {};                      // node or cluster id -> its piece
  for (const id of Object.keys(boxes)) {
    if (Object.keys(boxes).some((other) => isCluster(other) && inside(boxes[id], boxes[other]))) continue;
    const piece = {id, box: boxes[id], members: [id]};
    if (isCluster(id)) for (const other of Object.keys(boxes)) if (inside(boxes[other], boxes[id])) piece.members.push(other);
    for (const member of piece.members) pieceOf[member] = piece;
    pieces.push(piece);
  }
  pieces.sort((a, b) => start(a.box) - start(b.box));
  const edgeShapes = [];                   // every edge: its ends and its path as drawn
  for (const [title, list] of Object.entries(edges)) {
    const [tail, head] = title.split("->");
    for (const g of list) {
      const path = g.querySelector("path"), arrow = g.querySelector("polygon");
      edgeShapes.push({g, tail, head, path, arrow, d: path.getAttribute("d"),
                       points: arrow ? arrow.getAttribute("points") : null});
    }
  }
  const linked = new Set();                // "piece id piece id" for pieces an edge joins
  for (const e of edgeShapes) if (pieceOf[e.tail] && pieceOf[e.head])
    linked.add(pieceOf[e.tail].id + " " + pieceOf[e.head].id).add(pieceOf[e.head].id + " " + pieceOf[e.tail].id);
  const viewBox = svg.viewBox.baseVal, drawn = {width: viewBox.width, height: viewBox.height};
  let width = svg.width.baseVal.value, height = svg.height.baseVal.value;   // at zoom 1, in px
  const pxPer = {x: width / viewBox.width, y: height / viewBox.height};     // (Graphviz rounds the size)
  const drawnStart = Math.min(...pieces.map((p) => start(p.box)));
  const drawnFar = Math.max(...pieces.map((p) => end(p.box)));
  let current = {};                        // node (or folded layer) id -> its box now
  for (const id of Object.keys(boxes)) if (!isCluster(id)) current[id] = boxes[id];

  for (const layer of data.layers) {
    const cluster = groups[layer.cluster];
    if (!cluster) continue;
    const title = cluster.querySelector("text");
    if (title) title.addEventListener("click", (event) => { event.stopPropagation(); fold(layer); });
  }

  function fold(layer) {
    if (folded.has(layer.name)) folded.delete(layer.name); else folded.add(layer.name);
    relayout();
  }

  function relayout() {
    const hidden = new Set(), owner = {}, coverBox = {};   // owner: node id -> its folded layer
    const layers = data.layers.filter((l) => folded.has(l.name) && groups[l.cluster]);
    for (const layer of layers) {
      const box = boxes[layer.cluster];
      for (const id of layer.nodes) owner[id] = layer;
      for (const id of Object.keys(boxes)) if (id === layer.cluster || inside(boxes[id], box)) hidden.add(id);
      coverBox[layer.name] = alongY ? {x: box.x, y: box.y, width: box.width, height: Math.min(COVER, box.height)}
                                    : {x: box.x, y: box.y, width: Math.min(COVER, box.width), height: box.height};
    }
    const shift = {}, placed = [];         // id -> how far it moved; [piece, its box now]
    for (const piece of pieces) {
      const layer = layers.find((l) => l.cluster === piece.id);
      const box = layer ? coverBox[layer.name] : piece.box;   // (a layer folded inside a piece keeps its size)
      let freed = 0;
      for (const l of layers)              // the room freed by folds before this piece
        if (pieceOf[l.cluster].id === l.cluster && start(boxes[l.cluster]) < start(piece.box))
          freed += size(boxes[l.cluster]) - size(coverBox[l.name]);
      let to = Math.max(drawnStart, start(box) - freed);
      for (const [other, now] of placed)
        if (across(box, now) || linked.has(piece.id + " " + other.id)) to = Math.max(to, end(now) + GAP);
      const by = Math.min(0, to - start(box));
      for (const member of piece.members) shift[member] = by;
      placed.push([piece, moved(box, by)]);
    }
    for (const layer of layers) coverBox[layer.name] = moved(coverBox[layer.name], shift[layer.cluster]);
    for (const [id, g] of Object.entries(groups)) {
      g.classList.toggle("folded-away", hidden.has(id));
      const by = shift[id] || 0;
      g.setAttribute("transform", by ? (alongY ? "translate(0," + by + ")" : "translate(" + by + ",0)") : "");
    }
    for (const e of edgeShapes) routeEdge(e, shift, owner, coverBox);
    for (const layer of data.layers) {
      if (folded.has(layer.name) && groups[layer.cluster]) placeCover(coverOf(layer), coverBox[layer.name]);
      else if (covers[layer.name]) covers[layer.name].classList.add("folded-away");
    }
    current = {};
    for (const id of Object.keys(boxes)) if (!hidden.has(id) && !isCluster(id)) current[id] = moved(boxes[id], shift[id] || 0);
    for (const layer of layers) current["folded " + layer.name] = coverBox[layer.name];
    const far = Math.max(...placed.map(([, now]) => end(now)));
    resize(drawnFar - far);                // the canvas ends where the drawing now does
    render();
  }

  function routeEdge(e, shift, owner, coverBox) {
    const tailLayer = owner[e.tail], headLayer = owner[e.head];
    e.g.classList.toggle("folded-away", Boolean(tailLayer && tailLayer === headLayer));
    if (tailLayer || headLayer) {          // into or out of a folded layer: a straight line
      const tailBox = boxAt(e.tail, tailLayer, shift, coverBox), headBox = boxAt(e.head, headLayer, shift, coverBox);
      const from = middle(tailBox), to = middle(headBox);
      const [a, b] = [clip(from, to, tailBox), clip(to, from, headBox)];
      e.path.setAttribute("d", "M" + a.join(",") + "L" + b.join(","));
      if (e.arrow) e.arrow.setAttribute("points", arrowhead(a, b));
      return;
    }
    const t = shift[e.tail] || 0, h = shift[e.head] || 0;
    const along = (x, y, fraction) => {    // tail end moves with the tail, head end with the head
      const by = t + (h - t) * fraction;
      return alongY ? [x, y + by] : [x + by, y];
    };
    const count = (e.d.match(/(-?[\d.]+),(-?[\d.]+)/g) || []).length;
    let n = 0;
    e.path.setAttribute("d", e.d.replace(/(-?[\d.]+),(-?[\d.]+)/g, (_, x, y) =>
      along(Number(x), Number(y), count > 1 ? n++ / (count - 1) : 1).join(",")));
    if (e.arrow) e.arrow.setAttribute("points", e.points.replace(/(-?[\d.]+),(-?[\d.]+)/g,
      (_, x, y) => along(Number(x), Number(y), 1).join(",")));
  }

  function boxAt(id, layer, shift, coverBox) {   // a node's box, or its folded layer's
    return layer ? coverBox[layer.name] : moved(boxes[id], shift[id] || 0);
  }
  const middle = (b) => [b.x + b.width / 2, b.y + b.height / 2];
  function clip(point, toward, box) {      // where the line from a box's middle leaves the box
    const [dx, dy] = [toward[0] - point[0], toward[1] - point[1]];
    const fx = dx ? (box.width / 2) / Math.abs(dx) : Infinity, fy = dy ? (box.height / 2) / Math.abs(dy) : Infinity;
    const f = Math.min(1, fx, fy);
    return [point[0] + dx * f, point[1] + dy * f];
  }
  function arrowhead(from, to) {           // a small arrowhead at `to`, pointing from `from`
    const [dx, dy] = [to[0] - from[0], to[1] - from[1]], length = Math.hypot(dx, dy) || 1;
    const [ux, uy] = [dx / length, dy / length], back = 6, half = 2.5;
    const base = [to[0] - ux * back, to[1] - uy * back];
    return [[base[0] - uy * half, base[1] + ux * half], to, [base[0] + uy * half, base[1] - ux * half]]
      .map((p) => p.join(",")).join(" ");
  }

  function resize(shorter) {
    shorter = Math.max(0, shorter);
    viewBox.width = drawn.width - (alongY ? 0 : shorter);
    viewBox.height = drawn.height - (alongY ? shorter : 0);
    width = viewBox.width * pxPer.x;
    height = viewBox.height * pxPer.y;
    svg.setAttribute("width", width * zoom);
    svg.setAttribute("height", height * zoom);
  }

  const covers = {};
  function coverOf(layer) {                // the one node a folded layer becomes
    if (covers[layer.name]) return covers[layer.name];
    const cover = svgElement("g");
    cover.setAttribute("class", "fold-cover folded-away");
    cover.dataset.layer = layer.name;
    cover.append(svgElement("rect"));
    const lines = [layer.name, layer.description, layer.ops + " ops, " + layer.params.toLocaleString() + " parameters", "(click to unfold)"];
    for (const text of lines.filter(Boolean)) {
      const line = svgElement("text");
      line.setAttribute("text-anchor", "middle");
      line.textContent = text;
      cover.append(line);
    }
    cover.addEventListener("click", () => fold(layer));
    groups[layer.cluster].parentNode.appendChild(cover);
    covers[layer.name] = cover;
    return cover;
  }
  function placeCover(cover, box) {
    cover.classList.remove("folded-away");
    const rect = cover.querySelector("rect");
    for (const [key, v] of [["x", box.x], ["y", box.y], ["width", box.width], ["height", box.height], ["rx", 6]])
      rect.setAttribute(key, v);
    const lines = cover.querySelectorAll("text");
    lines.forEach((line, i) => {
      line.setAttribute("x", box.x + box.width / 2);
      line.setAttribute("y", box.y + box.height / 2 + (i - (lines.length - 1) / 2) * 13 + 4);
    });
  }
