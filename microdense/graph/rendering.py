"""The object draw_graph and plot_model return: a graphviz.Digraph that explains a missing `dot`.

Building the DOT text needs only Python; turning it into SVG/PNG/PDF needs the Graphviz
program `dot`. When it is missing, graphviz raises a terse ExecutableNotFound; we raise a
subclass of it that says what to install and that `.source` still works.
"""
import contextlib

import graphviz

from microdense.graph.labels import escape

INSTALL_HINT = """Graphviz's `dot` program was not found on PATH, so the graph cannot be rendered. \
The Python package `graphviz` only writes DOT text; rendering needs the Graphviz program too:
    Debian/Ubuntu:  sudo apt-get install graphviz
    macOS:          brew install graphviz
    conda:          conda install -c conda-forge graphviz
    Windows:        winget install graphviz   (then add its bin folder to PATH)
Without it, the DOT text is still available: print(drawing.source), or drawing.save("graph.dot") \
and paste it into any Graphviz viewer."""


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering needs Graphviz's `dot` program, and it is not installed (or not on PATH)."""

    def __init__(self, detail=""):
        message = INSTALL_HINT + (f"\n(graphviz said: {detail})" if detail else "")
        RuntimeError.__init__(self, message)    # skip the parent's fixed message format


@contextlib.contextmanager
def explain_missing_graphviz():
    """Re-raise graphviz's ExecutableNotFound as GraphvizNotFoundError, with install help."""
    try:
        yield
    except GraphvizNotFoundError:
        raise
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(str(error)) from error


class Drawing(graphviz.Digraph):
    """A graphviz.Digraph: `.source` is the DOT text; `.render()`, `.pipe()`, `.view()` and
    Jupyter's inline display need Graphviz's `dot` and raise GraphvizNotFoundError without it.
    """

    def pipe(self, *args, **kwargs):
        with explain_missing_graphviz():
            return super().pipe(*args, **kwargs)

    def render(self, *args, **kwargs):      # .view() goes through here too
        with explain_missing_graphviz():
            return super().render(*args, **kwargs)

    def unflatten(self, *args, **kwargs):
        with explain_missing_graphviz():
            return super().unflatten(*args, **kwargs)


def write(drawing, to_file):
    """Render `drawing` into `to_file`, in the format its extension names (svg, png, pdf, dot).

    A .dot/.gv file is the DOT text itself and needs no Graphviz. Nothing else is written
    (graphviz's own render() would leave a source file beside the picture).
    """
    to_file = str(to_file)
    extension = to_file.rsplit(".", 1)[-1].lower() if "." in to_file else ""
    if not extension:
        raise ValueError(f"to_file={to_file!r} has no extension; end it in .svg, .png, .pdf "
                         f"or .dot so the format is known.")
    if extension in ("dot", "gv"):
        with open(to_file, "w", encoding="utf-8") as file:
            file.write(drawing.source)
        return
    if extension not in graphviz.FORMATS:
        raise ValueError(f"to_file={to_file!r}: Graphviz cannot write .{extension} files; "
                         f"use .svg, .png, .pdf or .dot.")
    image = drawing.pipe(format=extension)
    with open(to_file, "wb") as file:
        file.write(image)


# ---- assembling a drawing -----------------------------------------------------------------

class Canvas:
    """Nodes (grouped by cluster) and edges, collected first and written as DOT at the end,
    so a cluster's nodes can be discovered in any order."""

    def __init__(self):
        self.clusters = {}          # cluster id -> attributes of the cluster (its label ...)
        self.children = {None: []}  # cluster id (None: top level) -> the clusters inside it
        self.nodes = {None: []}     # cluster id (None: top level) -> [(node id, attributes)]
        self.edges = []             # [(tail id, head id, attributes)]

    def add_cluster(self, cluster_id, parent=None, **attributes):
        """A box, drawn inside the cluster `parent` (None: at the top level)."""
        self.clusters[cluster_id] = attributes
        self.nodes[cluster_id] = []
        self.children[cluster_id] = []
        self.children[parent].append(cluster_id)

    def add_node(self, node_id, cluster=None, **attributes):
        self.nodes[cluster].append((node_id, attributes))

    def add_edge(self, tail, head, **attributes):
        self.edges.append((tail, head, attributes))

    def to_drawing(self, name, graph_attr, node_attr, edge_attr):
        """The collected graph as a Drawing (a graphviz.Digraph).

        Statements go straight into `body` (graphviz's public list of DOT lines) rather than
        through .node()/.edge(), whose per-attribute quoting dominated the time of drawing
        10,000-node graphs. Node ids are ours (t12, op12, layer0): plain DOT identifiers.
        """
        drawing = Drawing(name=escape(name), graph_attr=graph_attr, node_attr=node_attr,
                          edge_attr=edge_attr)
        body = drawing.body
        self._write_cluster(body, None, "\t")
        body.extend(f"\t{tail} -> {head}" + (f" [{attribute_list(attributes)}]\n"
                                              if attributes else "\n")
                    for tail, head, attributes in self.edges)
        return drawing


    def _write_cluster(self, body, cluster_id, indent):
        """The nodes of one cluster, then its clusters, each a nested subgraph."""
        body.extend(f"{indent}{node_id} [{attribute_list(attributes)}]\n"
                    for node_id, attributes in self.nodes[cluster_id])
        for child in self.children[cluster_id]:
            body.append(f"{indent}subgraph {child} {{\n")
            body.append(f"{indent}\tgraph [{attribute_list(self.clusters[child])}]\n")
            self._write_cluster(body, child, indent + "\t")
            body.append(f"{indent}}}\n")


def attribute_list(attributes):
    """DOT attributes: a label is an HTML-like label, written as is (`<...>`); any other value
    (a tooltip, a colour) is user or plain text, escaped here and quoted.

    The caller builds labels from user text made safe with labels.escape, the same function
    that escapes every other value here and the graph's name in to_drawing.
    """
    return " ".join(f"{key}={value}" if key == "label" else f'{key}="{escape(value)}"'
                    for key, value in attributes.items())
