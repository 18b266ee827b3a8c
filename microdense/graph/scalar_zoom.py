"""draw_graph(expand="dense"): a tiny Dense layer drawn as its scalar graph.

    z[b, j] = sum_i x[b, i] * W[i, j] + bias[j]

The matrix view draws one matmul and one add; the scalar view draws every product
x[b, i] * W[i, j] as its own node, each sum of them, and each bias element added to every
row of the batch. Read backwards, it shows what the matrix rules say: W[i, j] is used once
per sample, so its gradient gathers x[b, i] * dL/dz[b, j] over the batch
(dL/dW = x^T @ dL/dz), and bias[j] sums dL/dz[b, j] over the batch.

It is a recomputation with microdense's own ops on scalars (indexing, mul, add, stack), so
every number in it, values and gradients, comes from the engine and equals the matrix
view's. Only layers up to MAX_PRODUCTS products are expanded: a bigger one is refused.
"""
from microdense.graph.expand import recompute
from microdense import ops

MAX_PRODUCTS = 32           # about 4 inputs x 4 units with a batch of 2


def expand_dense(root):
    """A new graph computing what `root`'s does, with each Dense layer's x @ kernel + bias
    written out element by element."""
    zoom = _ScalarDense()
    expanded = recompute(root, zoom.rewrite, "expand='dense'")
    if not zoom.layers:
        raise ValueError("draw_graph(expand='dense') found no Dense layer in this graph "
                         "(an x @ kernel recorded by a Dense layer's call).")
    return expanded


def is_dense_matmul(node):
    """The x @ kernel of a Dense layer's call: a matmul in a layer scope whose second input
    is that layer's kernel."""
    scope = node.scope.layer if node.scope is not None else None
    kernel = node.parents[1] if node.op == "matmul" and len(node.parents) == 2 else None
    return (scope is not None and kernel is not None and not kernel.parents
            and kernel.name == f"{scope.name}/kernel" and node.parents[0].ndim == 2)


class _ScalarDense:
    """The rewrite: a Dense layer's matmul becomes products and sums of scalars; the bias add
    that follows it, one scalar add per element."""

    def __init__(self):
        self.sums = {}          # id(original matmul) -> its sums z[b][j], as scalar tensors
        self.layers = []

    def rewrite(self, node, parents):
        if is_dense_matmul(node):
            return self._matmul(node, *parents)
        if node.op == "add" and id(node.parents[0]) in self.sums and self._is_bias(node):
            return self._bias_add(self.sums[id(node.parents[0])], parents[1])
        return None

    def _matmul(self, node, x, kernel):
        batch, inputs = x.shape
        units = kernel.shape[1]
        layer = node.scope.layer.name
        if batch * inputs * units > MAX_PRODUCTS:
            raise ValueError(
                f"draw_graph(expand='dense') draws every product x[b,i] * W[i,j] of a Dense "
                f"layer as its own node; layer '{layer}' has a batch of {batch}, {inputs} "
                f"inputs and {units} units: {batch * inputs * units:,} products, more than "
                f"the {MAX_PRODUCTS} a drawing can show. Zoom into a tiny layer (up to about "
                f"4 inputs x 4 units with a batch of 2), or draw the matrix view without "
                f"expand=.")
        x_name = node.parents[0].name or "x"
        xs = [[_element(x, (b, i), f"{x_name}[{b},{i}]") for i in range(inputs)]
              for b in range(batch)]
        ws = [[_element(kernel, (i, j), f"{kernel.name}[{i},{j}]") for j in range(units)]
              for i in range(inputs)]
        sums = []
        for b in range(batch):
            row = []
            for j in range(units):
                total = xs[b][0] * ws[0][j]                  # x[b,0] W[0,j] + x[b,1] W[1,j] ...
                for i in range(1, inputs):
                    total = total + xs[b][i] * ws[i][j]
                total.name = f"(x@W)[{b},{j}]"
                row.append(total)
            sums.append(row)
        self.sums[id(node)] = sums
        self.layers.append(layer)
        return _matrix(sums)

    @staticmethod
    def _is_bias(node):
        bias = node.parents[1]
        return not bias.parents and bias.ndim == 1 and (bias.name or "").endswith("/bias")

    @staticmethod
    def _bias_add(sums, bias):
        biases = [_element(bias, (j,), f"{bias.name}[{j}]") for j in range(bias.shape[0])]
        return _matrix([[total + biases[j] for j, total in enumerate(row)] for row in sums])


def _element(tensor, index, name):
    """tensor[index] as a scalar tensor with a name of its own."""
    element = tensor[index]
    element.name = name
    return element


def _matrix(rows):
    """Scalar tensors, a list of rows of them, stacked back into one (rows, columns) tensor."""
    return ops.stack([ops.stack(row) for row in rows])
