"""Test tiers. `./dev.sh test` runs everything (CI does); `./dev.sh test --quick` leaves out the
tiers below, for the inner loop. A test is put in a tier here, by where it lives and what it
needs, so the tests themselves stay plain:

    browser   drives Debian's Chromium (the explorer page)
    notebook  runs a Jupyter kernel (the tutorial notebook)
    dask      starts a Dask LocalCluster
    keras     Keras's own unit tests run through a shim (tests/keras_suite/); a few seconds
              in all, so --quick keeps them (-m "not keras" leaves them out)
    slow      a second or more each: examples run as scripts, sweeps in worker processes,
              benchmarks' workloads, imports in fresh interpreters, chains of 100,000 ops,
              the replay parity suite, renders of many drawings
"""
import pytest

BROWSER_FILES = {"test_explorer.py"}
NOTEBOOK_FILES = {"test_notebook.py"}
SLOW_FILES = {"test_examples.py", "test_benchmarks.py", "test_experiments.py",
              "test_replay.py", "test_keras_snippets.py", "test_imports.py"}
SLOW_TESTS = {"test_a_chain_of_100_000_ops_needs_no_recursion",
              "test_ten_thousand_node_chain_draws_without_recursion",
              "test_collapsing_thousands_of_layers",
              "test_fuzzed_configs_and_bytes_give_only_clear_errors",
              "test_training_loop_memory_stays_flat_without_gc",
              "test_plots_write_png_files", "test_any_user_text_renders_and_shows_as_written",
              "test_any_model_or_layer_name_renders_in_plot_model",
              "test_max_nodes_elides_the_farthest_and_says_how_many",
              "test_a_10000_layer_functional_chain_builds_saves_loads_and_draws",
              "test_an_800_mb_optimizer_entry_in_a_padded_file_is_refused_before_reading",
              "test_automatic_layer_names_never_repeat_across_threads",
              "test_a_config_of_too_many_layers_is_refused_before_building_any"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        filename = item.path.name
        if filename in BROWSER_FILES:
            item.add_marker(pytest.mark.browser)
        if filename in NOTEBOOK_FILES:
            item.add_marker(pytest.mark.notebook)
        if "dask" in item.name or "dask_client" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.dask)
        if filename in SLOW_FILES or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
        if "keras_suite" in item.path.parts:
            item.add_marker(pytest.mark.keras)


def skip_if_backend(given_backend, reason):
    """Keras's conftest helper, which Keras's vendored tests import (`from conftest import
    skip_if_backend`). The backend is never one of Keras's, so nothing is skipped."""
    return pytest.mark.skipif(given_backend == "microdense", reason=reason)
