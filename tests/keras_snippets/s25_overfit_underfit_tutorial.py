# Source: https://www.tensorflow.org/tutorials/keras/overfit_and_underfit (the InverseTimeDecay
# schedule, the tiny/small models with elu, l2 and Dropout, BinaryCrossentropy(from_logits=True)
# as a metric, EarlyStopping on it). Data: seeded arrays instead of the Higgs dataset; fewer
# epochs.
# Translated: `from tensorflow import keras` / `tf.keras` -> `import microdense as keras`.
import numpy as np
import microdense as keras
from microdense import layers, regularizers

FEATURES = 28
N_TRAIN = 1000
BATCH_SIZE = 500
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE
rng = np.random.default_rng(0)
train_x = rng.normal(size=(N_TRAIN, FEATURES)).astype("float32")
train_y = (train_x[:, :1] + rng.normal(size=(N_TRAIN, 1)) > 0).astype("float32")
validate_x, validate_y = train_x[:200], train_y[:200]

lr_schedule = keras.optimizers.schedules.InverseTimeDecay(
  0.001,
  decay_steps=STEPS_PER_EPOCH*1000,
  decay_rate=1,
  staircase=False)


def get_optimizer():
  return keras.optimizers.Adam(lr_schedule)


def compile_and_fit(model, name, optimizer=None, max_epochs=10):
  if optimizer is None:
    optimizer = get_optimizer()
  model.compile(optimizer=optimizer,
                loss=keras.losses.BinaryCrossentropy(from_logits=True),
                metrics=[
                  keras.metrics.BinaryCrossentropy(
                      from_logits=True, name='binary_crossentropy'),
                  'accuracy'])
  history = model.fit(
    train_x, train_y,
    steps_per_epoch=STEPS_PER_EPOCH,
    epochs=max_epochs,
    validation_data=(validate_x, validate_y),
    callbacks=[keras.callbacks.EarlyStopping(monitor='val_binary_crossentropy', patience=200)],
    verbose=0)
  return history


tiny_model = keras.Sequential([
    layers.Dense(16, activation='elu', input_shape=(FEATURES,)),
    layers.Dense(1)
])
compile_and_fit(tiny_model, 'sizes/Tiny')

l2_model = keras.Sequential([
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001),
                 input_shape=(FEATURES,)),
    layers.Dropout(0.5),
    layers.Dense(512, activation='elu',
                 kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(1)
])
compile_and_fit(l2_model, "regularizers/l2", max_epochs=3)
