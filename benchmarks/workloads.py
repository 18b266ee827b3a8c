"""The benchmark workloads, each written in several ways that do identical work:

    numpy       by hand: forward, the textbook backward, the update. No graph. The baseline.
                (Adam: as Keras writes it, new arrays each step; "numpy in-place" is the
                same Adam written in place, as a skilled numpy user would.)
    tensor      microdense's low-level API: Tensors, md.losses, an md.optimizers update
    sequential  microdense's Keras-style API: Sequential(...).train_on_batch(x, y)
    jit         the same with the default compile (jit_compile="auto"): recorded once, proven,
                then replayed (microdense/replay.py); for the chain, md.replay.Program
    torch       PyTorch eager, when it is installed (`pip install -e .[bench]`)

Each `make_*` returns a Workload whose step functions take no arguments, run one training
step and return its loss as a float, so tests/test_benchmarks.py can check that all
versions compute the same losses before run.py times them.
"""
import math
from dataclasses import dataclass, field

import numpy as np

import microdense as md


@dataclass
class Workload:
    name: str
    description: str
    steps: dict = field(default_factory=dict)      # version name -> step function
    extra: dict = field(default_factory=dict)      # other timed functions (e.g. matmuls alone)


def glorot_weights(sizes, seed):
    """Float32 (kernel, bias) pairs with Keras's glorot_uniform kernels and zero biases."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append((rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32),
                        np.zeros(fan_out, np.float32)))
    return weights


# ---- multilayer perceptrons ---------------------------------------------------------------

@dataclass
class MLPSpec:
    sizes: list            # [2, 16, 16, 1]
    hidden: str            # "tanh" or "relu", for every hidden layer
    output: str            # "sigmoid", "softmax" or "linear"
    loss: str              # the Keras loss that goes with the output
    batch: int
    optimizer: str = "sgd"
    learning_rate: float = 0.01


def make_data(spec, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(spec.batch, spec.sizes[0])).astype(np.float32)
    units = spec.sizes[-1]
    if spec.output == "softmax":
        y = np.eye(units, dtype=np.float32)[rng.integers(0, units, spec.batch)]
    elif spec.output == "sigmoid":
        y = rng.integers(0, 2, (spec.batch, units)).astype(np.float32)
    else:
        y = rng.normal(size=(spec.batch, units)).astype(np.float32)
    return x, y


EPS = 1e-7     # Keras's epsilon, used by its cross-entropies


def numpy_mlp(spec, weights, x, y, in_place_adam=False):
    """One training step of the MLP written by hand in numpy; returns the step function."""
    params = [(W.copy(), b.copy()) for W, b in weights]
    scratch = {id(p): np.empty_like(p) for pair in params for p in pair}    # in-place Adam's
    adam_state = [[np.zeros_like(p) for p in pair for _ in (0, 1)] for pair in params]
    iteration = [0]
    n = spec.batch

    def step():
        # forward
        activations, h = [x], x
        for i, (W, b) in enumerate(params):
            z = h @ W + b
            if i < len(params) - 1:
                h = np.tanh(z) if spec.hidden == "tanh" else np.maximum(z, 0)
            activations.append(h if i < len(params) - 1 else z)
        z = activations[-1]
        if spec.output == "sigmoid":
            p = 1 / (1 + np.exp(-z))
            pc = np.clip(p, EPS, 1 - EPS)
            loss = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))
            dz = (p - y) / (n * z.shape[1])
        elif spec.output == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            loss = -np.mean(np.sum(y * np.log(np.clip(p, EPS, 1 - EPS)), axis=1))
            dz = (p - y) / n
        else:
            loss = np.mean((z - y) ** 2)
            dz = 2 * (z - y) / (n * z.shape[1])
        # backward
        grads = []
        for i in range(len(params) - 1, -1, -1):
            W, _ = params[i]
            grads.append((activations[i].T @ dz, dz.sum(axis=0)))
            if i > 0:
                dh = dz @ W.T
                a = activations[i]
                dz = dh * (1 - a * a) if spec.hidden == "tanh" else dh * (a > 0)
        grads.reverse()
        # update
        iteration[0] += 1
        for (W, b), (dW, db), state in zip(params, grads, adam_state):
            if spec.optimizer == "sgd":
                W -= spec.learning_rate * dW
                b -= spec.learning_rate * db
            elif not in_place_adam:     # Adam as Keras writes it, naively (new arrays each time)
                t = iteration[0]
                # math.sqrt, not np.sqrt: a float64 numpy scalar would upcast every array below
                alpha = spec.learning_rate * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
                for k, (param, grad) in enumerate(((W, dW), (b, db))):
                    m, v = state[2 * k], state[2 * k + 1]
                    m = 0.9 * m + 0.1 * grad
                    v = 0.999 * v + 0.001 * grad * grad
                    state[2 * k], state[2 * k + 1] = m, v
                    param -= alpha * m / (np.sqrt(v) + EPS)
            else:                       # the same Adam in place, through one scratch array
                t = iteration[0]
                alpha = spec.learning_rate * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
                for k, (param, grad) in enumerate(((W, dW), (b, db))):
                    m, v, tmp = state[2 * k], state[2 * k + 1], scratch[id(param)]
                    m *= 0.9
                    m += np.multiply(grad, 0.1, out=tmp)            # m = 0.9 m + 0.1 g
                    v *= 0.999
                    np.multiply(grad, grad, out=tmp)
                    tmp *= 0.001
                    v += tmp                                         # v = 0.999 v + 0.001 g^2
                    np.sqrt(v, out=tmp)
                    tmp += EPS
                    np.divide(m, tmp, out=tmp)
                    tmp *= alpha
                    param -= tmp                                     # w -= alpha m / (sqrt(v) + eps)
        return float(loss)
    return step


LOSS_NAMES = {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy",
              "linear": "mean_squared_error"}


def make_optimizer(spec):
    if spec.optimizer == "sgd":
        return md.optimizers.SGD(learning_rate=spec.learning_rate)
    return md.optimizers.Adam(learning_rate=spec.learning_rate)


def tensor_mlp(spec, weights, x, y):
    """The same step through microdense's Tensor API."""
    params = [(md.Tensor(W.copy(), requires_grad=True), md.Tensor(b.copy(), requires_grad=True))
              for W, b in weights]
    variables = [t for pair in params for t in pair]
    hidden = md.tanh if spec.hidden == "tanh" else md.relu
    output = {"sigmoid": md.sigmoid, "softmax": md.softmax, "linear": lambda z: z}[spec.output]
    loss_fn = md.losses.get(LOSS_NAMES[spec.output])
    optimizer = make_optimizer(spec)
    inputs = md.Tensor(x)

    def step():
        h = inputs
        for i, (W, b) in enumerate(params):
            h = h @ W + b
            h = hidden(h) if i < len(params) - 1 else output(h)
        loss = loss_fn(y, h).mean()        # per-sample losses -> the batch mean, as Keras
        for v in variables:
            v.grad = None
        loss.backward()
        optimizer.apply_gradients([(v.grad, v) for v in variables])
        return loss.item()
    return step


def sequential_mlp(spec, weights, x, y, jit_compile="auto"):
    """The same step through Sequential.train_on_batch (jit_compile=False: eager; the default
    "auto": recorded once, proven, then replayed, microdense/replay.py)."""
    from microdense.layers import Dense
    from microdense.models import Sequential
    model = Sequential()
    for i, units in enumerate(spec.sizes[1:]):
        activation = spec.hidden if i < len(spec.sizes) - 2 else spec.output
        kwargs = {"input_shape": (spec.sizes[0],)} if i == 0 else {}
        model.add(Dense(units, activation=activation, **kwargs))
    model.compile(optimizer=make_optimizer(spec), loss=LOSS_NAMES[spec.output],
                  jit_compile=jit_compile)
    model.set_weights([a for pair in weights for a in pair])

    def step():
        return float(model.train_on_batch(x, y))
    return step


def torch_mlp(spec, weights, x, y):
    """The same step in PyTorch eager (only when torch is installed)."""
    import torch
    torch.set_num_threads(2)
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
              for W, b in weights]
    variables = [t for pair in params for t in pair]
    optimizer = (torch.optim.SGD(variables, lr=spec.learning_rate) if spec.optimizer == "sgd"
                 else torch.optim.Adam(variables, lr=spec.learning_rate, eps=EPS))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    hidden = torch.tanh if spec.hidden == "tanh" else torch.relu

    def step():
        h = xt
        for i, (W, b) in enumerate(params):
            h = h @ W + b
            if i < len(params) - 1:
                h = hidden(h)
        if spec.output == "sigmoid":
            loss = torch.nn.functional.binary_cross_entropy_with_logits(h, yt)
        elif spec.output == "softmax":
            loss = -(yt * torch.log_softmax(h, dim=1)).sum(dim=1).mean()
        else:
            loss = ((h - yt) ** 2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def mlp_workload(name, description, spec, seed=0, include_torch=True):
    weights = glorot_weights(spec.sizes, seed)
    x, y = make_data(spec)
    workload = Workload(name, description)
    workload.steps["numpy"] = numpy_mlp(spec, weights, x, y)
    if spec.optimizer == "adam":
        workload.steps["numpy in-place"] = numpy_mlp(spec, weights, x, y, in_place_adam=True)
    workload.steps["tensor"] = tensor_mlp(spec, weights, x, y)
    workload.steps["sequential"] = sequential_mlp(spec, weights, x, y, jit_compile=False)
    workload.steps["jit"] = sequential_mlp(spec, weights, x, y)      # the default: replayed
    if include_torch and torch_available():
        workload.steps["torch"] = torch_mlp(spec, weights, x, y)
    workload.extra["matmuls alone"] = matmuls_alone(spec, seed)
    return workload


# ---- a long chain of small elementwise ops ------------------------------------------------

CHAIN_SCALE, CHAIN_SHIFT = 1.5, 0.1


def chain_workload(length=5000, size=16, include_torch=True):
    """`length` elementwise ops cycling tanh, *1.5, +0.1 on a (size,) tensor, then backward."""
    x0 = np.random.default_rng(0).normal(size=size).astype(np.float32)
    workload = Workload(f"chain {length:,}", f"{length} elementwise ops on ({size},), backward")

    def numpy_step():
        h, saved = x0, []
        for i in range(length):
            kind = i % 3
            if kind == 0:
                h = np.tanh(h)
                saved.append(h)
            elif kind == 1:
                h = h * CHAIN_SCALE
            else:
                h = h + CHAIN_SHIFT
        g = np.ones_like(h)
        for i in range(length - 1, -1, -1):
            kind = i % 3
            if kind == 0:
                t = saved.pop()
                g = g * (1 - t * t)
            elif kind == 1:
                g = g * CHAIN_SCALE
        return float(h.sum())

    x = md.Tensor(x0.copy(), requires_grad=True)

    def tensor_step():
        h = x
        for i in range(length):
            kind = i % 3
            if kind == 0:
                h = md.tanh(h)
            elif kind == 1:
                h = h * CHAIN_SCALE
            else:
                h = h + CHAIN_SHIFT
        loss = h.sum()
        x.grad = None
        loss.backward()
        return loss.item()

    workload.steps["numpy"] = numpy_step
    workload.steps["tensor"] = tensor_step
    workload.steps["jit"] = chain_replay(length, x)
    if include_torch and torch_available():
        import torch
        xt = torch.tensor(x0, requires_grad=True)

        def torch_step():
            h = xt
            for i in range(length):
                kind = i % 3
                h = torch.tanh(h) if kind == 0 else (h * CHAIN_SCALE if kind == 1
                                                     else h + CHAIN_SHIFT)
            loss = h.sum()
            xt.grad = None
            loss.backward()
            return loss.item()
        workload.steps["torch"] = torch_step
    return workload


def chain_replay(length, x):
    """The chain recorded once on a tape (an eager step), then replayed from its op records
    (md.replay.Program, what a compiled training step runs)."""
    from microdense import recording
    from microdense.replay import Program, Tape
    tape = Tape()
    with recording.taping(tape):
        h = x
        for i in range(length):
            kind = i % 3
            h = md.tanh(h) if kind == 0 else (h * CHAIN_SCALE if kind == 1 else h + CHAIN_SHIFT)
        loss = h.sum()
    program = Program(tape, [], loss, [])

    def step():                        # reads x.data as it is: no update, as tensor_step
        values, (grad,) = program.run([], [x])
        x.grad = grad
        return float(values[program.loss])
    return step


def torch_available():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


# ---- the suite ----------------------------------------------------------------------------

TINY = MLPSpec([2, 16, 16, 1], "tanh", "sigmoid", "binary_crossentropy", batch=32)
MNIST_SGD = MLPSpec([784, 256, 256, 10], "relu", "softmax", "categorical_crossentropy", batch=128)
MNIST_ADAM = MLPSpec([784, 256, 256, 10], "relu", "softmax", "categorical_crossentropy",
                     batch=128, optimizer="adam", learning_rate=0.001)
WIDE = MLPSpec([4096, 4096, 4096, 10], "relu", "softmax", "categorical_crossentropy", batch=256)
DEEP = MLPSpec([16] + [16] * 200 + [1], "tanh", "linear", "mean_squared_error", batch=32)


def matmuls_alone(spec, seed=0):
    """The matmuls of one training step alone (forward, dW and dX, as the step's shapes):
    BLAS's share of the step, the floor no framework on numpy goes below."""
    weights = glorot_weights(spec.sizes, seed)
    x, _ = make_data(spec)
    hidden = [np.ones((spec.batch, units), np.float32) for units in spec.sizes[1:]]
    def matmuls():
        h = x
        for W, _ in weights:
            h = h @ W
        for i in range(len(weights) - 1, -1, -1):
            g = hidden[i]
            (x if i == 0 else hidden[i - 1]).T @ g
            if i > 0:
                g @ weights[i][0].T
    return matmuls


def all_workloads(include_wide=True, include_torch=True):
    def mlp(name, description, spec):
        return mlp_workload(name, description, spec, include_torch=include_torch)
    workloads = [
        mlp("tiny", "MLP 2-16-16-1 tanh/sigmoid, BCE, batch 32, SGD", TINY),
        mlp("mnist-mlp SGD", "MLP 784-256-256-10 relu/softmax, CCE, batch 128", MNIST_SGD),
        mlp("mnist-mlp Adam", "the same with Adam", MNIST_ADAM),
        chain_workload(include_torch=include_torch),
        mlp("deep 200", "MLP 16-[16]x200-1 tanh, MSE, batch 32, SGD", DEEP),
    ]
    if include_wide:
        workloads.insert(3, mlp("wide", "MLP 4096-4096-4096-10 relu/softmax, batch 256, SGD",
                                WIDE))
    return workloads
