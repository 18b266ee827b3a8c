"""Example 1: the chain rule on scalars, drawn (the micrograd classic, on microdense's Tensor).

    python examples/01_chain_rule.py        # writes viz/01_chain_rule.svg

    L = (a*b + c) * f.  Backward applies the chain rule node by node, from L to the leaves:
    dL/dd = f,  dL/df = d,  dL/de = dL/dd * 1,  dL/da = dL/de * b,  dL/db = dL/de * a.

PyTorch, for comparison:  a = torch.tensor(2.0, requires_grad=True); ...; L.backward(); a.grad
"""
import os
import sys

import microdense as md

VIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "viz")


def main():
    a = md.Tensor(2.0, requires_grad=True, name="a")
    b = md.Tensor(-3.0, requires_grad=True, name="b")
    c = md.Tensor(10.0, requires_grad=True, name="c")
    f = md.Tensor(-2.0, requires_grad=True, name="f")
    e = a * b
    e.name = "e"
    d = e + c
    d.name = "d"
    L = d * f
    L.name = "L"
    L.backward()

    for t in (a, b, c, f, e, d, L):
        print(f"{t.name} = {t.item():6.1f}   dL/d{t.name} = {t.grad.item():6.1f}")
    # The same numbers by hand, from the chain rule in the docstring:
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)

    path = md.draw_graph(L).render(os.path.join(VIZ, "01_chain_rule"), format="svg", cleanup=True)
    print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    sys.exit(main())
