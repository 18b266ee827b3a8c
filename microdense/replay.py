"""Record a training step once, then replay it: the same op records, without the Python around them.

Eager training pays Python for every op of every step: layers' `call`, the loss's checks, a
Tensor per op, the engine's walk. When the steps of a loop all run the same ops on arrays of
the same shapes, that work can be done once:

1. Record. One eager step runs with a Tape switched on (recording.taping): every op, with or
   without a gradient, is written down as (record, inputs, settings, output), in order.
2. Check. A step can be replayed only if every array it reads is fed anew each step:
   - the batch (x, y, sample weights) is declared as the step's inputs;
   - weights and other tensors made before the step are read as they are at each replay
     (an optimizer's in-place update, a layer frozen, `w.data = ...`: all seen);
   - everything made during the step is an op's output, so the replay computes it again
     (a dropout mask is a random-draw op: drawn anew, from the same generator as eager).
   Refused, with the file and line: an array wrapped into a tensor during the step (it came
   from code the tape did not see), a value read out into Python (`float(t)`, `if t > 0:`,
   `t.numpy()`: a replay would not know what Python did with it), and md.custom_op (its
   forward is not a record).
3. Prove. The first replayed steps also run eagerly; loss, every gradient, the predictions
   and any state the step writes must agree (to float rounding), or the model trains eagerly
   from then on, with a warning naming the first op that differs.
4. Replay. Each op's forward runs on the arrays of its inputs, in the recorded order, then
   each op's backward, in the engine's order, summed by the engine's rules (un-broadcast,
   cast). Same functions as eager, same order: the same numbers.

`Sequential.compile(jit_compile="auto")`, the default, replays whenever it can; True warns
when it cannot; False or run_eagerly=True never replays.
"""
import math
import os
import sys
import time
import warnings

import numpy as np

from microdense import engine, recording
from microdense.tensor import constant

PROOF_STEPS = 2                  # replayed steps checked against eager after each recording
SLOWER_BY = 1.1                  # "auto" trains eagerly where replaying took 10% longer
_HERE = (__file__, engine.__file__, recording.__file__)


class NotReplayable(Exception):
    """The recorded step cannot be replayed (the message says why, and where)."""


# ---- 1. record ------------------------------------------------------------------------------

class Tape:
    """What one step did, in order: ops (record, inputs, attrs, output) and in-place writes
    (tensor.assign), plus what a replay could not follow (wrapped arrays, values read out)."""

    def __init__(self):
        self.entries = []            # (record, inputs, attrs, output); record None: an assign
        self.wrapped_arrays = {}     # id(tensor) -> (tensor, "file:line") for arrays wrapped
                                     # here (the tensor is kept, so its id is not reused)
        self.escapes = []            # "how, at file:line" for values read out into Python

    def add(self, record, inputs, attrs, out):
        self.entries.append((record, inputs, attrs, out))

    def assign(self, target, value):
        self.entries.append((None, (value,), target, None))

    def wrapped(self, tensor):
        self.wrapped_arrays[id(tensor)] = (tensor, _user_site())

    def escaped(self, tensor, how):
        if not self.escapes:         # the first says enough
            self.escapes.append(f"{how} at {_user_site()}")


def _user_site():
    """'file:line' of the code that asked: the innermost frame outside the tensor, the ops
    and the recording machinery (a user's line, or a library line that a test catches)."""
    frame = sys._getframe(2)
    machinery = _HERE + (sys.modules["microdense.tensor"].__file__,)
    ops_folder = os.path.dirname(sys.modules["microdense.ops"].__file__)
    while frame is not None and (frame.f_code.co_filename in machinery or
                                 os.path.dirname(frame.f_code.co_filename) == ops_folder):
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


# ---- 2. check, and lay out the program -------------------------------------------------------

class Program:
    """A recorded step as a flat list of op records over numbered arrays.

    Array k is fed (an input of the step), read (a tensor made before the step, read as it is
    at each run) or computed (the output of a recorded op)."""

    def __init__(self, tape, inputs, loss, y_pred):
        if tape.escapes:
            raise NotReplayable(f"the step reads a value into Python ({tape.escapes[0]}); a "
                                f"replay would not know what Python did with it.")
        self.position = {}           # id(tensor) -> k
        self.tensors = []            # k -> the tensor of the recorded step (for messages)
        self.fed = []                # (k, which input)
        self.read = []               # (k, tensor made before the step)
        self.steps = []              # (record, input ks, attrs, output k, output is 0-d);
                                     # record None: an assign, whose attrs is its target
        self.random = []             # generators of the random draws (the proof restores them)
        for i, tensor in enumerate(inputs):
            self.fed.append((self._number(tensor), i))
        for record, op_inputs, attrs, out in tape.entries:
            ks = tuple(self._find(t, tape) for t in op_inputs)
            if record is None:                       # an in-place write: attrs is the target
                self.steps.append((None, ks, attrs, None, False))
                continue
            if record.forward is None:
                raise NotReplayable(f"op '{record.name}' was computed outside its record "
                                    f"(md.custom_op); a replay cannot compute it again.")
            if "generator" in attrs:
                self.random.append(attrs["generator"])
            self.steps.append((record, ks, attrs, self._number(out), out.data.ndim == 0))
        self.loss = self._find(loss, tape)
        self.several_outputs = isinstance(y_pred, list)
        self.outputs = [self._find(t, tape) for t in _as_list(y_pred)]
        self.backward = self._backward_plan(loss)
        self.assigned = [target for record, _, target, _, _ in self.steps if record is None]
        self._numbered = ((), [])

    def _number(self, tensor):
        k = self.position[id(tensor)] = len(self.tensors)
        self.tensors.append(tensor)
        return k

    def _find(self, tensor, tape):
        """The number of a tensor an op reads; one made before the step is numbered here."""
        k = self.position.get(id(tensor))
        if k is not None:
            return k
        if id(tensor) in tape.wrapped_arrays:
            site = tape.wrapped_arrays[id(tensor)][1]
            raise NotReplayable(f"an array of shape {tensor.shape} was wrapped into a tensor "
                                f"during the step (at {site}): its values come from code a "
                                f"replay does not see. Compute it with ops, or before fit.")
        if tensor.parents:
            raise NotReplayable(f"the step reads tensor {tensor.name or tensor.op!r}, computed "
                                f"by ops before the step began; a replay cannot recompute it.")
        k = self._number(tensor)
        self.read.append((k, tensor))
        return k

    def _backward_plan(self, loss):
        """(backward, output k, needs, edges) for each recorded node, in the very order the
        engine visits them, so gradients are summed in the same order: the same numbers.
        edges: (input index, input k, its shape, its dtype) for the inputs that need a
        gradient (a program is replayed only on arrays of the shapes it was recorded with)."""
        plan = []
        for node in reversed(engine.toposort(loss)):
            if node.parents:
                needs = tuple([parent.requires_grad for parent in node.parents])
                edges = tuple((i, self.position[id(parent)], parent.data.shape,
                               parent.data.dtype)
                              for i, parent in enumerate(node.parents) if needs[i])
                plan.append((node.record.backward, self.position[id(node)], needs, edges,
                             node.record.name))
        return plan

    # -- running it --
    def run(self, feeds, weights):
        """One step: every op's forward, then the backward. Returns the arrays of the step
        (values[k]) and each weight's gradient; writes nothing but the recorded assigns."""
        values = [None] * len(self.tensors)
        saved = [None] * len(self.tensors)
        for k, i in self.fed:
            values[k] = feeds[i]
        for k, tensor in self.read:
            values[k] = tensor.data
        for record, ks, attrs, out, zero_d in self.steps:
            if record is None:                       # tensor.assign: the write, replayed
                np.copyto(attrs.data, values[ks[0]], casting="same_kind")
                continue
            result, saved[out] = record.forward(*[values[k] for k in ks], **attrs)
            # numpy gives a scalar, not an array, for a 0-d result (as Op.__call__ mends it)
            values[out] = np.asarray(result) if zero_d else result
        grads = self._gradients(values, saved)
        return values, [None if k is None else grads[k] for k in self.numbers(weights)]

    def numbers(self, tensors):
        """Each tensor's number in this program (None for one the step did not read); kept
        for the list of weights the step was recorded with, which every replay passes."""
        key = tuple(map(id, tensors))
        if key != self._numbered[0]:
            self._numbered = (key, [self.position.get(k) for k in key])
        return self._numbered[1]

    def _gradients(self, values, saved):
        """The engine's walk over numbered arrays (engine.backward, without Tensor objects).
        The weights' gradients go to the optimizer, which only reads them, and are dropped
        after the step: unlike a user's `.grad` (engine rule 4), they may share arrays."""
        grads = [None] * len(values)
        grads[self.loss] = np.ones_like(values[self.loss])
        unbroadcast = engine.unbroadcast
        for backward, out, needs, edges, name in self.backward:
            upstream = grads[out]
            if upstream is None:
                continue
            parent_grads = backward(saved[out], upstream, needs)
            grads[out] = saved[out] = None           # passed on: the memory can go now, as
            for i, k, shape, dtype in edges:         # the eager step's retain_grads=False
                grad = parent_grads[i]
                if grad is None:
                    continue
                if grad.shape != shape:              # the engine's rules 1 and 2
                    grad = unbroadcast(grad, shape, name)
                if grad.dtype != dtype:
                    grad = grad.astype(dtype)
                held = grads[k]
                grads[k] = grad if held is None else held + grad
        return grads


# ---- 3 and 4: the compiled training step ----------------------------------------------------

class Recorded:
    """A kind of batch's program, and what the proof steps have found out about it."""

    def __init__(self, program):
        self.program = program
        self.proofs_left = PROOF_STEPS       # steps still to run both ways and compare
        self.replay_seconds = math.inf       # the fastest replay seen in a proof step
        self.eager_seconds = math.inf        # the fastest eager step seen beside it
        self.replays = True                  # False: "auto" found eager training faster


class CompiledStep:
    """A model's training step under compile(jit_compile=...): recorded once per kind of batch
    (shapes, dtypes, trainable weights), proven against eager, then replayed.

    warn: say so when a step cannot be replayed (jit_compile=True); "auto" trains eagerly
    silently. `refused` keeps the reason either way.

    The proof steps time both ways of running the step. With "auto", a kind of batch whose
    replay was not faster than eager training (a wide layer, where numpy's work dwarfs
    Python's) trains eagerly: the same numbers either way, so only the time decides."""

    MAX_PROGRAMS = 4             # kinds of batch kept recorded (a program holds a step's arrays)

    def __init__(self, warn):
        self.warn = warn
        self.programs = {}           # signature -> Recorded
        self.refused = None          # why this model trains eagerly
        self.replayed_steps = 0

    def __getstate__(self):
        """A pickled model (a sweep sends models to worker processes) records its step
        anew: programs hold a step's arrays and op records, which are code, not data."""
        return {**self.__dict__, "programs": {}}

    def recheck(self):
        """Prove the next step again (fit calls it at each epoch: a callback may have changed
        something a recording cannot see, such as a layer's setting), and time it again."""
        for recorded in self.programs.values():
            recorded.proofs_left = max(recorded.proofs_left, 1)
            recorded.replay_seconds = recorded.eager_seconds = math.inf

    def __call__(self, model, x, y, sample_weight, weights):
        """Run one training step; False (having done nothing) if it must run eagerly."""
        if self.refused is not None or not weights:
            return False
        signature = _signature(x, y, sample_weight, weights)
        recorded = self.programs.get(signature)
        if recorded is None:
            program = self._record(model, x, y, sample_weight, weights)
            if program is not None:
                if len(self.programs) >= self.MAX_PROGRAMS:       # the oldest kind goes
                    del self.programs[next(iter(self.programs))]
                self.programs[signature] = Recorded(program)
            return True
        feeds = _flatten(x, y, sample_weight)
        if recorded.proofs_left:
            recorded.proofs_left -= 1
            self._prove(model, recorded, feeds, x, y, sample_weight, weights)
            if not recorded.proofs_left and not self.warn:   # "auto": unless clearly slower
                recorded.replays = recorded.replay_seconds < SLOWER_BY * recorded.eager_seconds
            return True
        if not recorded.replays:
            return False
        program = recorded.program
        values, grads = program.run(feeds, weights)
        # Straight to the optimizer: no .grad is set, so none is left behind (as eager's step)
        model.optimizer.apply_gradients(list(zip(grads, weights)))
        self.replayed_steps += 1
        outputs = [values[k] for k in program.outputs]
        model._track(float(values[program.loss]), _count(x), y,
                     outputs if program.several_outputs else outputs[0], sample_weight)
        return True

    def _record(self, model, x, y, sample_weight, weights):
        """One eager step with the tape on; returns its Program, or None (refused: eager)."""
        inputs = [constant(a) for a in _flatten(x, y, sample_weight)]
        tape = Tape()
        with recording.taping(tape):
            loss, y_pred = model._step_loss(*_unflatten(inputs, x, y, sample_weight))
        program = None
        try:
            program = Program(tape, inputs, loss, y_pred)
        except NotReplayable as reason:
            self._refuse(str(reason))
        model._gradients(loss, weights)
        model._finish_step(loss, y_pred, x, y, sample_weight, weights)
        return program

    def _prove(self, model, recorded, feeds, x, y, sample_weight, weights):
        """Replay, undo what the replay wrote, then run the step eagerly (it is the step that
        counts) and compare the two; refuse the replay on any difference. Both are timed."""
        program = recorded.program
        states = [g.bit_generator.state for g in program.random]
        kept = [target.data.copy() for target in program.assigned]
        started = time.perf_counter()
        values, grads = program.run(feeds, weights)
        recorded.replay_seconds = min(recorded.replay_seconds, time.perf_counter() - started)
        assigned = [target.data.copy() for target in program.assigned]
        for generator, state in zip(program.random, states):
            generator.bit_generator.state = state
        for target, before in zip(program.assigned, kept):
            np.copyto(target.data, before)
        inputs = [constant(a) for a in feeds]
        tape = Tape()
        started = time.perf_counter()
        with recording.taping(tape):
            loss, y_pred = model._step_loss(*_unflatten(inputs, x, y, sample_weight))
        model._gradients(loss, weights)
        recorded.eager_seconds = min(recorded.eager_seconds, time.perf_counter() - started)
        difference = _first_difference(program, values, tape, inputs)
        pairs = [(g, w.grad) for g, w in zip(grads, weights)]
        pairs += [(a, t.data) for a, t in zip(assigned, program.assigned)]
        if difference is None and not all(_close(a, b) for a, b in pairs):
            difference = "the gradients differ."
        if difference is not None:
            self.programs.clear()
            self._refuse(f"the replayed step differs from eager: {difference}")
        model._finish_step(loss, y_pred, x, y, sample_weight, weights)

    def _refuse(self, reason):
        self.refused = reason
        if self.warn:
            warnings.warn(f"compile(jit_compile=True): this training step cannot be replayed: "
                          f"{reason} The model trains eagerly (the same numbers, slower).",
                          stacklevel=6)


def _first_difference(program, values, tape, inputs):
    """The first op whose output differs between the replay and an eager step, or None."""
    if len(tape.entries) != len(program.steps) or tape.escapes or tape.wrapped_arrays:
        return "the eager step ran other ops than the recorded one (Python control flow?)."
    for (record, _, _, out, _), (eager_record, _, _, eager_out) in zip(program.steps,
                                                                        tape.entries):
        if record is None:
            continue
        if eager_record is not record:
            return (f"the eager step ran op '{eager_record.name}' where '{record.name}' was "
                    f"recorded.")
        if not _close(values[out], eager_out.data):
            scope = eager_out.scope
            where = f" (in {' > '.join(s.name for s in scope.chain())})" if scope else ""
            return f"op '{record.name}'{where} gives other values."
    return None


def _close(a, b):
    """Equal to float rounding (a replay runs the same numpy calls, so usually bit for bit)."""
    if a is None or b is None:
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind not in "fc":
        return np.array_equal(a, b)
    return np.allclose(a, b, rtol=1e-5, atol=1e-7, equal_nan=True)


# ---- batches as flat lists of arrays --------------------------------------------------------

def _as_list(value):
    return value if isinstance(value, list) else [value]


def _flatten(x, y, sample_weight):
    """x, y and sample weights (each an array, a list of arrays or None) as one list."""
    return [a for part in (x, y, sample_weight) if part is not None for a in _as_list(part)]


def _unflatten(flat, x, y, sample_weight):
    """The inverse of _flatten, shaped like (x, y, sample_weight)."""
    parts, start = [], 0
    for part in (x, y, sample_weight):
        if part is None:
            parts.append(None)
            continue
        n = len(part) if isinstance(part, list) else 1
        chunk = flat[start:start + n]
        parts.append(chunk if isinstance(part, list) else chunk[0])
        start += n
    return parts


def _signature(x, y, sample_weight, weights):
    """What must match for a recorded program to be replayed: the batch's arrays (shapes,
    dtypes, which are lists) and the weights that train (and their shapes)."""
    arrays = tuple([(a.shape, a.dtype) for a in _flatten(x, y, sample_weight)])
    layout = (type(x), type(y), type(sample_weight))
    return arrays, layout, tuple([(id(w), w._requires_grad, w.data.shape) for w in weights])


def _count(x):
    return len(x[0]) if isinstance(x, list) else len(x)

