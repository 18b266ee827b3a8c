"""Example 2: the Keras tutorial's model, its code unchanged but for the imports, on real data.

    python examples/02_keras_tutorial.py           # writes viz/02_tutorial_model.svg
    python examples/02_keras_tutorial.py --fast    # fewer epochs (what the tests run)

The tutorial ("Dense layers and activation functions in Keras") builds Dense layers with relu,
a custom activation x * sigmoid(x), tanh and softmax, and compiles with adam, categorical
cross-entropy and accuracy; we train it with early stopping as a Keras user would. It runs on
the 8x8 handwritten digits bundled with microdense (1,797 images, 64 pixels, 10 classes):
every gradient comes from our engine, the custom activation's included, with no gradient
code written for it. The Keras import each line replaces is in the comment beside it.
"""
import argparse
import os
import sys

import microdense as md                           # import keras
from microdense.models import Sequential          # from keras.models import Sequential
from microdense.layers import Dense               # from keras.layers import Dense
from microdense.callbacks import EarlyStopping    # from keras.callbacks import EarlyStopping
from microdense import backend as K               # from keras import backend as K (*)
from microdense.utils import to_categorical       # from keras.utils import to_categorical
from microdense.datasets import load_digits, train_test_split     # (scikit-learn's names)
# (*) the tutorial's tf.keras 2 spelling; in Keras 3: from keras import ops as K.
# md.plot_model is keras.utils.plot_model; md.utils.set_random_seed is keras.utils's.

VIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "viz")


def custom_activation(x):
    return x * K.sigmoid(x)  # A combination of linear and sigmoid behavior


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="few epochs, for the tests")
    args = parser.parse_args(argv)
    epochs = 8 if args.fast else 200

    md.utils.set_random_seed(0)
    x, labels = load_digits()                          # x: (1797, 64) in [0, 1]; labels 0..9
    y = to_categorical(labels, 10)                     # one-hot, for categorical_crossentropy
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=True)
    input_dim = x_train.shape[1]

    # ---- the tutorial's code, verbatim -----------------------------------------------------
    # Initialize the model
    model = Sequential()
    # Add a Dense layer
    model.add(Dense(units=64, activation='relu', input_shape=(input_dim,)))
    model.add(Dense(units=128, activation=custom_activation))
    model.add(Dense(units=32, activation='tanh'))
    model.add(Dense(units=10, activation='softmax'))
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    # ---- (the tutorial's model ends here; training and evaluation as Keras users write it) -
    model.summary()
    assert model.count_params() == 16_938       # 64*64+64 + 64*128+128 + 128*32+32 + 32*10+10

    stop = EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.2,
                        callbacks=[stop], verbose=0)
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    predictions = model.predict(x_test[:10], verbose=0).argmax(axis=1)

    logs = history.history
    best = stop.best_epoch                            # 0-based, as in Keras
    print(f"epochs run: {len(logs['loss'])} of {epochs}"
          + (f" (early stopping after epoch {stop.stopped_epoch + 1})" if stop.stopped_epoch
             else ""))
    print(f"best epoch: {best + 1}  val_loss {logs['val_loss'][best]:.4f}  "
          f"val_accuracy {logs['val_accuracy'][best]:.4f}  (its weights restored)")
    print(f"train accuracy (last epoch): {logs['accuracy'][-1]:.4f}")
    print(f"test loss: {test_loss:.4f}")
    print(f"test accuracy: {test_accuracy:.4f}")
    assert test_accuracy > 0.85, "the model should read most digits it never saw (chance: 0.1)"
    print(f"predicted digits: {' '.join(str(d) for d in predictions)}")
    print(f"true digits:      {' '.join(str(d) for d in y_test[:10].argmax(axis=1))}")

    path = os.path.join(VIZ, "02_tutorial_model.svg")
    md.plot_model(model, to_file=path, show_shapes=True)
    print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    sys.exit(main())
