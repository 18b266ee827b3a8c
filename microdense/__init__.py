"""microdense: reverse-mode automatic differentiation on numpy, with a Keras-compatible model
API and graphviz drawings of every op, value and gradient.

    import microdense as md
    W = md.Tensor(np.random.randn(3, 4), requires_grad=True, name="W")
    loss = md.tanh(x @ W).sum()
    loss.backward()          # W.grad now holds d(loss)/dW

Read the source in this order: recording.py, tensor.py, ops/ (op.py, the record every op is;
then arithmetic, elementwise, reductions, shape), engine.py, trace.py, trace_text.py,
gradcheck.py, then the model API; replay.py is the compiled step, the same records replayed.
"""
from microdense.config import epsilon, floatx, set_epsilon, set_floatx
from microdense.recording import detect_anomaly, is_grad_enabled, no_grad, scope
from microdense.tensor import Tensor, as_tensor
from microdense.variables import Variable
from microdense.gradcheck import gradcheck
from microdense.ops.custom import custom_op
from microdense.trace import Trace, trace_backward
from microdense.ops import (abs, add, astype, binary_crossentropy, categorical_crossentropy,
                            clip, concatenate, div, exp, expand_dims, getitem, log, log_softmax, logsumexp, matmul, max, maximum, mean, min,
                            minimum, mul, neg, power, relu, reshape, sigmoid, softmax, sqrt,
                            squeeze, stack, sub, sum, tanh, transpose, where)
# Every other activation too, as md.<name> (md.relu, md.sigmoid, ... above are the ops).
from microdense.activations import (elu, exponential, gelu, hard_sigmoid, hard_silu, hard_swish,
                                    leaky_relu, linear, mish, relu6, selu, silu, softplus,
                                    softsign, swish)
from microdense.activations import (celu, glu, hard_shrink, hard_tanh, log_sigmoid, soft_shrink,
                                    sparse_plus, sparse_sigmoid, sparsemax, squareplus,
                                    tanh_shrink, threshold)

__version__ = "0.1.0"

# The model API and tools, reachable as md.layers, md.losses, ... after `import microdense as md`.
# Keras 3's top level too, so `import microdense as keras` runs Keras code: keras.Sequential,
# keras.Input, keras.ops, keras.random, keras.optimizers.schedules, keras.constraints, ...
from microdense import (activations, backend, callbacks, constraints, datasets, diagnostics,
                        initializers, layers, losses, metrics, models, optimizers, random,
                        regularizers, saving, utils)
from microdense import graph
from microdense import experiments      # sweeps; joblib itself is imported only when used
from microdense.graph import draw_graph, plot_model
from microdense.graph.explorer import explore
from microdense.layers import Input
from microdense.models import Model, Sequential    # Model(inputs, outputs): functional
