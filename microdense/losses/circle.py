"""Circle loss (Sun et al., 2020), as in Keras 3 (keras/src/losses/losses.py): metric learning
on L2-normalised embeddings. Each sample's embedding should lie close to those with its label
(positives) and far from the others (negatives); each pair's penalty grows with how far it is
from where it should be, so the pairs that are most wrong dominate the gradient."""
import numpy as np

from microdense import ops
from microdense.losses.loss import LossFunctionWrapper, _as_prediction, _as_target
from microdense.tensor import literal

# Where Keras writes -inf to leave a pair out of a logsumexp: exp(_LEFT_OUT - m) is exactly 0
# all the same, and a row left out entirely gets a finite (zero) gradient instead of NaN.
_LEFT_OUT = -1e30


def _labels(labels, like):
    """Labels as a column, in y_pred's dtype (compared by ops: a compiled step compares anew)."""
    labels = _as_target(labels, like)
    return ops.reshape(labels, (-1, 1))


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """softplus(logsumexp_p(-gamma a_p (margin - d_p)) + logsumexp_n(gamma a_n (1 - margin - d_n)))
    per sample, over its positive pairs p and negative pairs n, with the cosine distance
    d = max(1 - y_pred @ ref_embeddings^T, 0) and the weights a_p = max(margin + d_p, 0),
    a_n = max(1 + margin - d_n, 0). The references default to the batch itself (without each
    sample's pair with itself, remove_diagonal=True)."""
    y_pred = _as_prediction(y_pred)
    ref_embeddings = y_pred if ref_embeddings is None else _as_target(ref_embeddings, y_pred)
    query = _labels(y_true, y_pred)                                       # (n, 1)
    keys = query if ref_labels is None else _labels(ref_labels, y_pred)   # (m, 1)
    positive = ops.equal(query, ops.transpose(keys))                       # (n, m), data
    negative = ops.logical_not(positive)
    if remove_diagonal:
        off_diagonal = literal(~np.eye(query.shape[0], keys.shape[0], dtype=bool))
        positive = ops.logical_and(positive, off_diagonal)
    distance = ops.maximum(1.0 - y_pred @ ops.transpose(ref_embeddings), 0.0)     # (n, m)
    positive_weights = ops.maximum((margin + distance) * ops.astype(positive, y_pred.dtype), 0.0)
    negative_weights = ops.maximum((1.0 + margin - distance) * ops.astype(negative, y_pred.dtype),
                                   0.0)
    positive_terms = -gamma * positive_weights * (margin - distance)
    negative_terms = gamma * negative_weights * ((1.0 - margin) - distance)
    positive_loss = ops.logsumexp(ops.where(positive, positive_terms, _LEFT_OUT), axis=1)
    negative_loss = ops.logsumexp(ops.where(negative, negative_terms, _LEFT_OUT), axis=1)
    return ops.softplus(positive_loss + negative_loss)


class Circle(LossFunctionWrapper):
    """circle, averaged over the samples whose loss is above 0: as Keras masks them, a sample
    without a positive (or negative) pair in the batch does not count in the mean."""

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal

    def call(self, y_true, y_pred):
        return circle(y_true, y_pred, gamma=self.gamma, margin=self.margin,
                      remove_diagonal=self.remove_diagonal)

    def counted_entries(self, y_true, values):
        """Keras's mask: only samples whose loss is above 0 count (one without a positive or a
        negative pair in the batch has loss 0 and is left out of the mean)."""
        return values > 0.0
