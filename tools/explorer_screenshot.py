"""The explorer's page for the README's quick-start graph, and its screenshot mid-backward.

    python tools/explorer_screenshot.py     # writes viz/explorer_quickstart.html and viz/explorer.png

The screenshot is taken by the same headless Chromium the tests use (Debian's chromium and
chromium-driver, see tools/chromium.py). The script also prints each page's size and how long
the browser took to open it, for the README's quick-start graph and for one training step of
the tutorial MLP on the bundled digits.
"""
import os
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import microdense as md  # noqa: E402
from microdense import backend as K  # noqa: E402
from microdense.layers import Dense, Dropout  # noqa: E402
from microdense.models import Sequential  # noqa: E402
from tools import chromium  # noqa: E402

VIZ = os.path.join(REPO, "viz")


def quickstart_loss():
    """The README's quick start, as written there."""
    rng = np.random.default_rng(0)
    x = md.Tensor(rng.normal(size=(32, 3)), name="x")
    W = md.Tensor(rng.normal(size=(3, 4)), requires_grad=True, name="W")
    b = md.Tensor(np.zeros(4), requires_grad=True, name="b")
    h = x @ W + b
    h.name = "h"
    y = h * md.sigmoid(h)
    return (y ** 2).mean(), h


def digits_loss(batch=32):
    """One training step of the README's tutorial MLP on the digits: loss with its l2 penalty."""
    md.utils.set_random_seed(0)
    x, y = md.datasets.load_digits(one_hot=True)
    model = Sequential([Dense(64, activation="relu", input_shape=(64,)),
                        Dense(128, activation=lambda v: v * K.sigmoid(v),
                              kernel_regularizer="l2"),
                        Dropout(0.2), Dense(32, activation="tanh"),
                        Dense(10, activation="softmax")])
    loss = md.losses.CategoricalCrossentropy()(y[:batch], model(x[:batch], training=True))
    for layer in model.layers:
        for penalty in layer.losses:
            loss = loss + penalty
    return loss


def open_timed(driver, path):
    started = time.perf_counter()
    driver.get("file://" + os.path.abspath(path))
    return time.perf_counter() - started


def main():
    loss, h = quickstart_loss()
    started = time.perf_counter()
    explorer = md.explore(loss)
    built = time.perf_counter() - started
    page_path = explorer.save(os.path.join(VIZ, "explorer_quickstart.html"))
    digits_path = os.path.join(tempfile.mkdtemp(), "digits_step.html")
    started = time.perf_counter()
    digits = md.explore(digits_loss())
    digits_built = time.perf_counter() - started
    digits.save(digits_path)

    with tempfile.TemporaryDirectory() as profile:
        driver = chromium.start(profile, width=1400, height=900)
        try:
            digits_open = open_timed(driver, digits_path)
            seconds = open_timed(driver, page_path)
            # Mid-backward: the step of h = add(matmul, b), whose gradient splits into the
            # matmul's share and the bias's, summed over the batch; h's grid in the inspector.
            step = next(i for i, s in enumerate(explorer.trace.steps) if s.node is h)
            forward = len([t for t in md.engine.toposort(loss) if t.parents])
            for _ in range(forward + 1 + step):
                driver.find_element("id", "next").click()
            driver.execute_script(
                "[...document.querySelectorAll('g.node')].find(g => g.querySelector('title')"
                ".textContent === arguments[0]).dispatchEvent(new MouseEvent('click'))",
                md.graph.draw.node_ids(loss)[0][id(h)])
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            if errors:
                raise SystemExit(f"the page logged errors: {errors}")
            screenshot = os.path.join(VIZ, "explorer.png")
            driver.save_screenshot(screenshot)
        finally:
            driver.quit()
    print(f"wrote {os.path.relpath(page_path, REPO)} ({os.path.getsize(page_path) / 1e3:.0f} kB,"
          f" built in {built:.2f} s, opened in {seconds:.2f} s)")
    print(f"wrote {os.path.relpath(screenshot, REPO)}")
    print(f"digits MLP training step: {os.path.getsize(digits_path) / 1e3:.0f} kB, built in "
          f"{digits_built:.2f} s, opened in {digits_open:.2f} s")


if __name__ == "__main__":
    main()
