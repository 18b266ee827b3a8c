// The backprop explorer, part 3 of 3 (after explorer.js and fold.js): the buttons, the
// slider, the keys and the zoom, then the first render.

  // ---- controls --------------------------------------------------------------------------
  function go(to) {
    position = Math.max(0, Math.min(steps.length - 1, to));
    render();
  }
  function play() {
    if (timer) { clearInterval(timer); timer = null; $("play").textContent = "Play"; return; }
    if (position === steps.length - 1) go(0);
    $("play").textContent = "Pause";
    timer = setInterval(() => { if (position === steps.length - 1) play(); else go(position + 1); }, 700);
  }
  $("first").addEventListener("click", () => go(0));
  $("prev").addEventListener("click", () => go(position - 1));
  $("next").addEventListener("click", () => go(position + 1));
  $("last").addEventListener("click", () => go(steps.length - 1));
  $("play").addEventListener("click", play);
  $("slider").max = steps.length - 1;
  $("slider").addEventListener("input", () => go(Number($("slider").value)));
  $("color-by-grad").addEventListener("change", render);
  document.addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT" && event.target.type === "range") return;   // the slider has its own keys
    const moves = {ArrowRight: position + 1, ArrowLeft: position - 1, Home: 0, End: steps.length - 1};
    if (event.key in moves) { event.preventDefault(); go(moves[event.key]); }
    else if (event.key === " ") { event.preventDefault(); play(); }
  });
  function setZoom(z) {                   // keeping the middle of the view where it was
    const box = $("graph"), before = zoom;
    zoom = Math.max(0.1, Math.min(4, z));
    const middleX = box.scrollLeft + box.clientWidth / 2, middleY = box.scrollTop + box.clientHeight / 2;
    svg.setAttribute("width", width * zoom);
    svg.setAttribute("height", height * zoom);
    box.scrollLeft = middleX * zoom / before - box.clientWidth / 2;
    box.scrollTop = middleY * zoom / before - box.clientHeight / 2;
  }
  $("zoom-in").addEventListener("click", () => setZoom(zoom * 1.25));
  $("zoom-out").addEventListener("click", () => setZoom(zoom / 1.25));
  // "fit": the whole graph in view, but never so small that its text cannot be read (10pt
  // labels stay at least 8px high); a graph too big for that fits its width, and scrolls.
  const READABLE = 0.6;
  $("zoom-fit").addEventListener("click", () => {
    const box = $("graph");
    const whole = Math.min(1, box.clientWidth / width, box.clientHeight / height);
    setZoom(whole >= READABLE ? whole : Math.max(READABLE, Math.min(1, box.clientWidth / width)));
  });
  // The scalar view: draw_graph(expand="dense")'s picture, kept in a <template> (outside the
  // page until shown, so the main drawing's ids stay the only ones); its numbers are the same.
  if (data.scalarView) {
    $("scalar").hidden = false;
    $("scalar").addEventListener("click", () => {
      const on = $("scalar-graph").hidden;
      if (on && !$("scalar-graph").firstElementChild)
        $("scalar-graph").append($("scalar-view").content.cloneNode(true));
      $("scalar-graph").hidden = !on;
      $("graph").hidden = on;
      $("scalar").textContent = on ? "matrix view" : "scalar view";
    });
  }
  if (data.elided) {
    $("note").hidden = false;
    $("note").textContent = data.elided + " nodes, the farthest from " + data.root + ", are not drawn (max_nodes=" +
      data.maxNodes + "); the steps still name them.";
  }
  render();
