"""CTC, connectionist temporal classification (Graves et al., 2006), as Keras 3 computes it
(keras.losses.ctc over keras.ops.ctc_loss, whose backends follow optax.ctc_loss): the
probability of a label sequence summed over every alignment of it to the T output frames,
with class 0 as the blank that may fill any frame. Its loss is -log of that probability.

The sum over alignments is the forward algorithm, one step per frame, in log space:

    phi[n]   log-probability of having emitted the first n labels, now on a blank
    emit[n]  log-probability of having emitted label n + 1 in this frame

and each step is a handful of ops (log-softmax, sums, logaddexp as a logsumexp of two), so
the gradient comes back through the loop from the engine, as for any composition.
"log 0" is the finite -1e5 (optax's choice): 0 * (-1e5) stays 0 where 0 * -inf is NaN.
"""
import numpy as np

from microdense import ops
from microdense.losses.loss import LossFunctionWrapper, _as_prediction
from microdense.tensor import Tensor, constant, literal

LOG_EPSILON = -1e5


def _logaddexp(a, b):
    """log(exp(a) + exp(b)), elementwise, without overflow."""
    return ops.logsumexp(ops.stack([a, b]), axis=0)


def _add_to_later_phis(phi, score):
    """phi with log(exp(phi[:, n]) + exp(score[:, n - 1])) for n >= 1: phi[:, 0] has no label
    before it to come from."""
    return ops.concatenate([phi[:, :1], _logaddexp(phi[:, 1:], score)], axis=-1)


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """-log p(target | output) per sequence: target (batch, max_labels) integer labels,
    output (batch, T, classes) logits, target_length and output_length (batch,) the lengths
    of each (labels and frames beyond them are padding); class `mask_index` is the blank."""
    output = _as_prediction(output)
    labels = target if isinstance(target, Tensor) else constant(np.asarray(target))
    batch, frames, classes = output.shape
    max_labels = labels.shape[1]
    dtype = output.dtype
    # One-hot labels and the other masks by comparisons (ops), so a compiled step recomputes
    # them from each batch's labels.
    one_hot = ops.astype(ops.expand_dims(labels, -1) == literal(np.arange(classes)), dtype)
    repeat = ops.astype(labels[:, :-1] == labels[:, 1:], dtype)    # label n == label n + 1
    repeat = ops.concatenate([repeat, literal(np.zeros((batch, 1), dtype))], axis=-1)
    lengths = target_length if isinstance(target_length, Tensor) else \
        constant(np.asarray(target_length))
    last = ops.astype(ops.expand_dims(lengths, -1) == literal(np.arange(max_labels + 1)),
                      dtype)                                        # (batch, max_labels + 1)
    frame_lengths = np.asarray(output_length.data if isinstance(output_length, Tensor)
                               else output_length).reshape(batch, 1)

    log_p = ops.log_softmax(output, axis=-1)                       # (batch, T, classes)
    log_p_emit = ops.matmul(log_p, ops.transpose(one_hot, (0, 2, 1)))   # (batch, T, labels)
    log_p_blank = log_p[:, :, mask_index:mask_index + 1]           # (batch, T, 1)

    phi_init = np.full((batch, max_labels + 1), LOG_EPSILON, dtype)
    phi_init[:, 0] = 0.0
    phi = literal(phi_init)
    emit = literal(np.full((batch, max_labels), LOG_EPSILON, dtype))
    for t in range(frames):
        emit_t, blank_t = log_p_emit[:, t, :], log_p_blank[:, t, :]
        # emit -> blank, except before a repeated label (which needs a blank between)
        phi_in = _add_to_later_phis(phi, emit + LOG_EPSILON * repeat)
        next_emit = _logaddexp(phi_in[:, :-1] + emit_t, emit + emit_t)   # blank -> label, stay
        next_phi = _add_to_later_phis(phi_in + blank_t,                  # blank -> blank
                                      emit + blank_t + LOG_EPSILON * (1.0 - repeat))
        padding = literal((t >= frame_lengths).astype(dtype))         # frames past the end
        emit = padding * emit + (1.0 - padding) * next_emit
        phi = padding * phi + (1.0 - padding) * next_phi
    phi = _add_to_later_phis(phi, emit)                             # the last emit -> blank
    return -ops.sum(phi * last, axis=1)


def ctc(y_true, y_pred):
    """CTC loss per sequence, as keras.losses.ctc: y_true (batch, max_labels) integer labels,
    0 for padding (and the blank); y_pred (batch, T, classes) logits, every frame used."""
    y_pred = _as_prediction(y_pred)
    labels = y_true if isinstance(y_true, Tensor) else constant(np.asarray(y_true))
    if labels.ndim != 2:
        raise ValueError(f"Targets `y_true` are expected to be a tensor of shape `(batch_size, "
                         f"max_length)` in integer format. Received: y_true.shape="
                         f"{labels.shape}")
    if y_pred.ndim != 3:
        raise ValueError(f"Logits `y_pred` are expected to be a tensor of shape `(batch_size, "
                         f"max_length, num_classes)`. Received: y_pred.shape={y_pred.shape}")
    labels = ops.astype(labels, np.int64)
    label_length = ops.sum(ops.astype(labels != 0, np.int64), axis=-1)
    frames = np.full((y_pred.shape[0],), y_pred.shape[1])
    return ctc_loss(labels, y_pred, label_length, frames, mask_index=0)


class CTC(LossFunctionWrapper):
    """ctc averaged over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction, name, dtype)
