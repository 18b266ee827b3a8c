"""gradcheck's failure message: which input entry, its value, both derivatives of the function
itself (per output element), what the random projection is, and a hint at a kink."""
import re

import numpy as np
import pytest

import microdense as md
from microdense.ops.custom import custom_op


def wrong_square(x):
    """x ** 2 with a backward that forgets the factor 2 (d/dx is 2x; this says x)."""
    def backward(g):
        return (g * x.data,)
    return custom_op(x.data ** 2, (x,), backward, "wrong_square")


def relu_with_zero_slope_at_zero(x):
    """relu with the usual convention relu'(0) = 0, written out so the test fixes it."""
    def backward(g):
        return (g * (x.data > 0),)
    return custom_op(np.maximum(x.data, 0.0), (x,), backward, "relu")


def failure(fn, *inputs, **options):
    with pytest.raises(AssertionError) as raised:
        md.gradcheck(fn, *inputs, **options)
    return str(raised.value)


def table_row(message, output):
    """(backward, central difference, flagged) of the row for `output`, e.g. 'out[1]'."""
    match = re.search(rf"^  {re.escape(output)}\s+(\S+)\s+(\S+)(  <- disagree)?$", message,
                      re.MULTILINE)
    assert match, f"no row for {output} in:\n{message}"
    return float(match.group(1)), float(match.group(2)), bool(match.group(3))


def test_the_message_names_the_entry_its_value_and_both_derivatives_per_output_element():
    w = md.Tensor(np.array([1.5, -2.25]), name="w")
    message = failure(lambda w: wrong_square(w) * 3.0, w)
    first = message.splitlines()[0]
    # The headline: index, value, and the function's own derivatives (3 * 2 * 1.5 = 9 by
    # central differences; 3 * 1.5 = 4.5 from the faulty backward), not sum(R * f)'s.
    assert first.startswith("gradient of w at index (0,): backward gave 4.5, finite "
                            "differences give 9 for d out[0] / d w[0], at w[0] = 1.5")
    assert table_row(message, "out[0]") == (4.5, 9.0, True)
    assert table_row(message, "out[1]") == (0.0, 0.0, False)     # out[1] needs no w[0]
    assert "1 of 2 disagree" in message
    # ... and it says what gradcheck itself compared, and that it mixes the outputs.
    assert re.search(r"d sum\(out \* R\) / d w\[0\], where R is a fixed random array in "
                     r"\[0\.5, 1\.5\].*mixes all output elements", message)
    assert "kink" not in message                   # a smooth function: no hint


def test_the_failing_entry_may_be_anywhere_and_inputs_unnamed():
    ok = np.array([[1.0, 2.0], [3.0, 4.0]])

    def fn(a, b):                                  # right for a, wrong for b
        return a * 2.0 + wrong_square(b)
    message = failure(fn, ok, np.array([[0.5, -3.0], [2.0, 1.0]]))
    assert message.startswith("gradient of input 1 (x1) at index (0, 0): backward gave 0.5, "
                              "finite differences give 1 for d out[0, 0] / d x1[0, 0], "
                              "at x1[0, 0] = 0.5")
    assert table_row(message, "out[0, 0]")[:2] == (0.5, 1.0)
    assert table_row(message, "out[1, 1]") == (0.0, 0.0, False)


def test_a_scalar_output_needs_no_table_and_no_projection():
    message = failure(lambda x: wrong_square(x).sum(), np.array([2.0, 3.0]))
    assert message.startswith("gradient of input 0 (x) at index (0,): backward gave 2, "
                              "finite differences give 4 for d out / d x[0], at x[0] = 2")
    assert "sum(out * R)" not in message and "<- disagree" not in message


def test_large_outputs_list_only_the_elements_that_disagree():
    x = np.linspace(1.0, 2.0, 40)
    message = failure(wrong_square, x)
    assert "1 of 40 disagree" in message
    assert table_row(message, "out[0]") == (1.0, 2.0, True)
    assert "out[1] " not in message                # agreeing rows are left out


def test_outputs_too_large_to_check_one_by_one_say_how_to_narrow_down():
    message = failure(wrong_square, np.linspace(1.0, 2.0, 300))
    assert "d sum(out * R) / d x[0] (R explained below)" in message.splitlines()[0]
    assert "300 elements, too many to check one by one" in message
    assert "gradcheck(lambda *x: fn(*x)[:2]" in message


def test_a_kink_gets_a_hint_with_both_one_sided_slopes():
    x = md.Tensor(np.array([0.5, 0.0, -1.0]), name="x")
    message = failure(lambda x: relu_with_zero_slope_at_zero(x) * 3.0, x)
    assert message.startswith("gradient of x at index (1,): backward gave 0, finite "
                              "differences give 1.5 for d out[1] / d x[1], at x[1] = 0")
    assert re.search(r"Hint: at x\[1\] = 0 the function has a kink: its one-sided "
                     r"differences disagree \(for out\[1\]: 3 from the right, 0 from the "
                     r"left\)", message)


def test_gradcheck_still_passes_and_refuses_a_function_that_returns_no_tensor():
    assert md.gradcheck(lambda x: (x * x).sum(), np.array([0.3, -0.7]))
    assert md.gradcheck(lambda x: md.tanh(x) * 2.0, np.linspace(-1.0, 1.0, 5))
    with pytest.raises(TypeError, match="must return a Tensor.*returned float"):
        md.gradcheck(lambda x: 3.0, np.ones(2))
