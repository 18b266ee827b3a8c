"""gamma and beta: the learned scale and offset a normalization layer applies once it has
normalized (Keras's `scale=` and `center=`, with their initializers, regularizers and
constraints). BatchNormalization, LayerNormalization and GroupNormalization share them."""
from microdense import constraints, initializers, regularizers
from microdense.layers.layer_saving import serialize


class ScaleOffset:
    """A mixin for a Layer: keeps the settings of gamma and beta, makes them, saves them."""

    def _keep_scale_offset(self, center, scale, beta_initializer, gamma_initializer,
                           beta_regularizer, gamma_regularizer, beta_constraint,
                           gamma_constraint):
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _add_scale_offset(self, shape, scale, center):
        """gamma (if `scale`) and beta (if `center`), of `shape`."""
        if scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def _scale_offset_config(self):
        return {"center": self.center, "scale": self.scale,
                "beta_initializer": serialize(initializers, self.beta_initializer),
                "gamma_initializer": serialize(initializers, self.gamma_initializer),
                "beta_regularizer": serialize(regularizers, self.beta_regularizer),
                "gamma_regularizer": serialize(regularizers, self.gamma_regularizer),
                "beta_constraint": serialize(constraints, self.beta_constraint),
                "gamma_constraint": serialize(constraints, self.gamma_constraint)}


def scale_and_offset(x, mean, inv, gamma, beta):
    """(x - mean) * inv, scaled by gamma and offset by beta (None: left out), in Keras's
    arithmetic (keras.ops.batch_normalization), so float32 results agree with Keras's:
    inv = gamma * inv;  y = x * inv + (beta - mean * inv)."""
    if gamma is not None:
        inv = inv * gamma
    offset = -mean * inv
    if beta is not None:
        offset = offset + beta
    return x * inv + offset
