"""What one recorded op costs compared with the bare numpy expression.

    python benchmarks/op_overhead.py [--quick]

For a (32, 16) float32 tensor: one elementwise op with graph recording (tanh, mul, add, mul by
a Python float), tanh under no_grad, and tanh forward + backward, each beside numpy doing the
same arithmetic by hand (np.tanh, and 1 - t*t times g for the backward); interleaved rounds,
the median and the best round. The same table closes `benchmarks/run.py`'s output.
"""
import argparse

from run import op_table

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    op_table(parser.parse_args())
