"""Learning-rate schedules, as in keras.optimizers.schedules: the learning rate as a function of
the optimizer's step (0 for the first update, then 1, 2, ...).

    schedule = md.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.96)
    optimizer = md.optimizers.SGD(learning_rate=schedule)   # keras.optimizers.SGD(...)
    optimizer.learning_rate                                  # schedule(optimizer.iterations)

Each formula is Keras 3's (keras/src/optimizers/schedules/learning_rate_schedule.py), in
float64 Python arithmetic (Keras computes in float32: the values agree to float32 rounding,
tests/test_keras_coverage_parity.py). A schedule is saved with the model as its config and the
optimizer's `iterations` with its state, so training resumes on the same learning rate.
Write your own by subclassing LearningRateSchedule: `__call__(step)` and `get_config()`.
"""
import inspect
import math

from microdense import registry


class LearningRateSchedule:
    """Base class: schedule(step) -> learning rate (a float)."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  f"override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  f"override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            arguments = ""
        return f"{type(self).__name__}({arguments})"


def _positive_steps(value, name):
    if not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate * decay_rate ^ (step / decay_steps); with staircase=True the
    exponent is floor(step / decay_steps), so the rate drops every decay_steps steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _positive_steps(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps) (floor(step / decay_steps)
    with staircase=True)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _positive_steps(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step <= boundaries[0], values[1] while step <= boundaries[1], ...,
    values[-1] after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ^ power + end, with step capped at
    decay_steps; with cycle=True, decay_steps grows to the first multiple of itself >= step."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _positive_steps(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = float(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return ((self.initial_learning_rate - self.end_learning_rate) * (1.0 - p) ** self.power
                + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup from initial_learning_rate to warmup_target over warmup_steps,
    then a cosine from the start rate r0 (warmup_target, or initial_learning_rate without
    warmup) down to r0 * alpha over decay_steps:
        r0 * ((1 - alpha) * 0.5 * (1 + cos(pi * t / decay_steps)) + alpha), t capped."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _positive_steps(decay_steps, "decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, start):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = float(step)
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return ((self.warmup_target - self.initial_learning_rate) * fraction
                    + self.initial_learning_rate)
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR (Loshchilov & Hutter): a cosine from 1 to alpha over first_decay_steps, then a warm
    restart; period i lasts t_mul^i times longer and starts at m_mul^i times the rate:
        initial_learning_rate * ((1 - alpha) * 0.5 * m_mul^i * (1 + cos(pi * f)) + alpha),
    with i the period the step falls in and f the fraction of that period completed."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _positive_steps(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = float(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:       # periods 1, t, t^2, ... end at the partial sums (1 - t^i) / (1 - t)
            restart = math.floor(math.log(1.0 - fraction * (1.0 - self.t_mul))
                                 / math.log(self.t_mul))
            done = (1.0 - self.t_mul ** restart) / (1.0 - self.t_mul)
            fraction = (fraction - done) / self.t_mul ** restart
        cosine = 0.5 * self.m_mul ** restart * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


# ---- finding schedules by name -------------------------------------------------------------

ALL_OBJECTS = {cls.__name__: cls for cls in (
    LearningRateSchedule, ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
    PolynomialDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """{"class_name": "ExponentialDecay", "config": {...}}."""
    return registry.serialize_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """The schedule `serialize` described (yours through custom_objects or registration)."""
    return registry.deserialize_object(config, ALL_OBJECTS, "learning rate schedule",
                                    custom_objects)


# ---- what the optimizer uses ---------------------------------------------------------------

def current_learning_rate(learning_rate, step):
    """The learning rate at `step` for an optimizer's learning_rate argument: a float as it is,
    a schedule called with the step, a function called with no arguments (as Keras does) or,
    if it takes one, with the step."""
    if isinstance(learning_rate, LearningRateSchedule):
        value = learning_rate(step)
    elif callable(learning_rate):
        value = learning_rate(step) if _takes_an_argument(learning_rate) else learning_rate()
    else:
        return learning_rate
    return float(getattr(value, "data", value))       # a schedule may return a Tensor


def _takes_an_argument(function):
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):                    # builtins without a signature
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
               for p in parameters)


def serialize_learning_rate(learning_rate):
    """An optimizer config's learning_rate: the float, a schedule's config, a function's name."""
    if isinstance(learning_rate, LearningRateSchedule):
        return serialize(learning_rate)
    if callable(learning_rate):
        return registry.get_registered_name(learning_rate)
    return learning_rate


def deserialize_learning_rate(config, custom_objects=None):
    """Undo serialize_learning_rate: a schedule from its config, a function from its name."""
    if isinstance(config, dict):
        return deserialize(config, custom_objects)
    return registry.deserialize_object(config, {}, "learning rate function", custom_objects)
