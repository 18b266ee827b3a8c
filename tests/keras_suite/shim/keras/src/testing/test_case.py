"""Keras's TestCase (keras/src/testing/test_case.py, Keras 3.16.0), ported to microdense.

Kept as Keras has them: the assertions (assertAllClose, assertAlmostEqual, assertAllEqual,
assertNotAllClose, assertLen, assertDType, assertFileExists), get_temp_dir and
run_class_serialization_test (get_config / from_config and serialize / deserialize round
trips, compared as JSON that keeps tuples).

run_layer_test runs what microdense has: the serialization test, build and weight counts,
a symbolic call on Input(batch_shape=...), an eager call (shapes, dtypes, values, losses)
and one training step (Keras skips that step on its numpy backend; microdense trains, so it
runs). Not run: the mixed precision check (float16 policies are out of scope), sparse and
ragged inputs (microdense has neither: asking for them fails), torch_params, TPU tolerances.
"""
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from absl.testing import parameterized

import microdense
from microdense.tensor import Tensor

from keras.src import backend


class TestCase(parameterized.TestCase):
    maxDiff = None

    def setUp(self):
        # Keras clears its global state so that tests are independent: here, the name
        # counters (dense, dense_1, ...).
        microdense.backend.clear_session()

    def get_temp_dir(self):
        temp_dir = tempfile.mkdtemp()
        self.addCleanup(lambda: shutil.rmtree(temp_dir))
        return temp_dir

    def convert_to_numpy(self, x):
        if isinstance(x, np.ndarray):
            return x
        if isinstance(x, Tensor):
            return backend.convert_to_numpy(x)
        return np.array(x)

    def assertAllClose(self, actual, desired, atol=1e-6, rtol=1e-6, tpu_atol=None,
                       tpu_rtol=None, msg=None):
        actual = self.convert_to_numpy(actual)
        desired = self.convert_to_numpy(desired)
        np.testing.assert_allclose(actual, desired, atol=atol, rtol=rtol, err_msg=msg or "")

    def assertNotAllClose(self, x1, x2, atol=1e-6, rtol=1e-6, msg=None):
        try:
            self.assertAllClose(x1, x2, atol=atol, rtol=rtol)
        except AssertionError:
            return
        msg = msg or ""
        raise AssertionError(
            f"The two values are close at all elements. \n{msg}.\nValues: {x1}")

    def assertAlmostEqual(self, actual, desired, decimal=3, tpu_decimal=None, msg=None):
        actual = self.convert_to_numpy(actual)
        desired = self.convert_to_numpy(desired)
        np.testing.assert_almost_equal(actual, desired, decimal=decimal, err_msg=msg or "")

    def assertAllEqual(self, actual, desired, msg=None):
        actual = self.convert_to_numpy(actual)
        desired = self.convert_to_numpy(desired)
        np.testing.assert_array_equal(actual, desired, err_msg=msg or "")

    def assertLen(self, iterable, expected_len, msg=None):
        self.assertEqual(len(iterable), expected_len, msg=msg)

    def assertSparse(self, x, sparse=True):
        self.assertFalse(sparse, "microdense has no sparse tensors")

    def assertRagged(self, x, ragged=True):
        self.assertFalse(ragged, "microdense has no ragged tensors")

    def assertDType(self, x, dtype, msg=None):
        if hasattr(x, "dtype"):
            x_dtype = backend.standardize_dtype(x.dtype)
        else:
            x_dtype = backend.standardize_dtype(type(x))     # a Python number
        standardized_dtype = backend.standardize_dtype(dtype)
        default_msg = ("The dtype of x does not match the expected one. "
                       f"Received: x.dtype={x_dtype} and dtype={dtype}")
        self.assertEqual(x_dtype, standardized_dtype, msg=msg or default_msg)

    def assertFileExists(self, path):
        if not Path(path).is_file():
            raise AssertionError(f"File {path} does not exist")

    def run_class_serialization_test(self, instance, custom_objects=None):
        from keras.src.saving import custom_object_scope
        from keras.src.saving import deserialize_keras_object
        from keras.src.saving import serialize_keras_object

        # get_config round trip
        cls = instance.__class__
        config = instance.get_config()
        config_json = to_json_with_tuples(config)
        ref_dir = dir(instance)[:]
        with custom_object_scope(custom_objects):
            revived_instance = cls.from_config(config)
        revived_config = revived_instance.get_config()
        revived_config_json = to_json_with_tuples(revived_config)
        self.assertEqual(config_json, revived_config_json)
        self.assertEqual(set(ref_dir), set(dir(revived_instance)))

        # serialization round trip
        serialized = serialize_keras_object(instance)
        serialized_json = to_json_with_tuples(serialized)
        with custom_object_scope(custom_objects):
            revived_instance = deserialize_keras_object(
                from_json_with_tuples(serialized_json))
        revived_config = revived_instance.get_config()
        revived_config_json = to_json_with_tuples(revived_config)
        self.assertEqual(config_json, revived_config_json)
        new_dir = dir(revived_instance)[:]
        for lst in [ref_dir, new_dir]:
            if "__annotations__" in lst:
                lst.remove("__annotations__")
        self.assertEqual(set(ref_dir), set(new_dir))
        return revived_instance

    def run_layer_test(self, layer_cls, init_kwargs, input_shape=None, input_dtype=None,
                       input_sparse=False, input_ragged=False, input_data=None,
                       call_kwargs=None, expected_output_shape=None,
                       expected_output_dtype=None, expected_output_sparse=False,
                       expected_output_ragged=False, expected_output=None,
                       expected_num_trainable_weights=None,
                       expected_num_non_trainable_weights=None,
                       expected_num_non_trainable_variables=None,
                       expected_num_seed_generators=None, expected_num_losses=None,
                       supports_masking=None, expected_mask_shape=None, custom_objects=None,
                       run_training_check=True, run_mixed_precision_check=True,
                       assert_built_after_instantiation=False, tpu_atol=None,
                       tpu_rtol=None):
        """Keras's basic checks on a layer (see the module docstring for what runs)."""
        if input_shape is not None and input_data is not None:
            raise ValueError("input_shape and input_data cannot be passed at the same time.")
        if expected_output_shape is not None and expected_output is not None:
            raise ValueError("expected_output_shape and expected_output cannot be passed "
                             "at the same time.")
        if expected_output is not None and input_data is None:
            raise ValueError("In order to use expected_output, input_data must be provided.")
        if expected_mask_shape is not None and supports_masking is not True:
            raise ValueError("In order to use expected_mask_shape, supports_masking "
                             "must be True.")
        if input_sparse or input_ragged or expected_output_sparse or expected_output_ragged:
            raise ValueError("microdense has no sparse or ragged tensors.")

        init_kwargs = init_kwargs or {}
        call_kwargs = call_kwargs or {}
        if input_shape is not None and input_dtype is None:
            input_dtype = map_shape_dtype_structure(lambda shape, dt: "float32", input_shape,
                                                    _same_structure(input_shape, None))

        def call(layer, inputs):
            if isinstance(inputs, dict):
                return layer(**inputs, **call_kwargs)
            return layer(inputs, **call_kwargs)

        # Count the weights of a built layer when the test does not give the counts.
        if input_data is not None or input_shape is not None:
            if input_data is None:
                input_data = create_eager_tensors(input_shape, input_dtype)
            layer = layer_cls(**init_kwargs)
            call(layer, input_data)
            if expected_num_trainable_weights is None:
                expected_num_trainable_weights = len(layer.trainable_weights)
            if expected_num_non_trainable_weights is None:
                expected_num_non_trainable_weights = len(layer.non_trainable_weights)
            if expected_num_non_trainable_variables is None:
                expected_num_non_trainable_variables = len(layer.non_trainable_variables)
            if expected_num_seed_generators is None:
                expected_num_seed_generators = len(get_seed_generators(layer))

        # Serialization test.
        layer = layer_cls(**init_kwargs)
        self.run_class_serialization_test(layer, custom_objects)

        # Basic masking test.
        if supports_masking is not None:
            self.assertEqual(layer.supports_masking, supports_masking,
                             msg="Unexpected supports_masking value")

        def run_build_asserts(layer):
            self.assertTrue(layer.built)
            if expected_num_trainable_weights is not None:
                self.assertLen(layer.trainable_weights, expected_num_trainable_weights,
                               msg="Unexpected number of trainable_weights")
            if expected_num_non_trainable_weights is not None:
                self.assertLen(layer.non_trainable_weights, expected_num_non_trainable_weights,
                               msg="Unexpected number of non_trainable_weights")
            if expected_num_non_trainable_variables is not None:
                self.assertLen(layer.non_trainable_variables,
                               expected_num_non_trainable_variables,
                               msg="Unexpected number of non_trainable_variables")
            if expected_num_seed_generators is not None:
                self.assertLen(get_seed_generators(layer), expected_num_seed_generators,
                               msg="Unexpected number of seed_generators")

        def run_output_asserts(layer, output, eager=False):
            outputs = _flatten(output)
            if expected_output_shape is not None:
                expected_shapes = (_flatten_shapes(expected_output_shape)
                                   if len(outputs) > 1 else [expected_output_shape])
                received = [tuple(x.shape) for x in outputs]
                self.assertTrue(
                    all(_shape_matches(e, x) for e, x in zip(expected_shapes, received))
                    and len(expected_shapes) == len(received),
                    msg=f"Expected output shapes {expected_output_shape} but "
                        f"received {received}")
            if expected_output_dtype is not None:
                expected_dtypes = (_flatten(expected_output_dtype)
                                   if isinstance(expected_output_dtype, (list, tuple, dict))
                                   else [expected_output_dtype] * len(outputs))
                received = [backend.standardize_dtype(x.dtype) for x in outputs]
                self.assertEqual(list(expected_dtypes), received,
                                 msg=f"Expected output dtypes {expected_output_dtype} but "
                                     f"received {received}")
            if eager:
                if expected_output is not None:
                    # Keras also compares the containers' types; an eager microdense output
                    # is a Tensor where the test gives an ndarray, so values only.
                    for ref_v, v in zip(_flatten(expected_output), outputs):
                        self.assertAllClose(ref_v, v, msg="Unexpected output value")
                if expected_num_losses is not None:
                    self.assertLen(layer.losses, expected_num_losses)

        def run_training_step(layer, input_data, output_data):
            from keras.src.losses.loss import Loss
            from keras.src.models import Model

            class TestModel(Model):
                def __init__(self, layer):
                    super().__init__()
                    self.layer = layer

                def call(self, x, training=False):
                    return self.layer(x, training=training)

            model = TestModel(layer)
            data = (input_data, output_data)

            def data_generator():
                while True:
                    yield data

            class TestLoss(Loss):
                def __call__(self, y_true, y_pred, sample_weight=None):
                    return microdense.ops.sum(y_pred)

            model.compile(optimizer="sgd", loss=TestLoss())
            model.fit(data_generator(), steps_per_epoch=1, verbose=0)

        # Build test, then a symbolic call on Input(batch_shape=...).
        if input_data is not None or input_shape is not None:
            build_shape = input_shape
            if build_shape is None:
                build_shape = _map(lambda x: tuple(np.shape(x)), input_data)
            layer = layer_cls(**init_kwargs)
            if isinstance(build_shape, dict):
                layer.build(**build_shape)
            else:
                layer.build(build_shape)
            run_build_asserts(layer)

            if input_shape is None:
                symbolic_inputs = _map(
                    lambda x: create_keras_tensor(np.shape(x), _dtype_of(x)), input_data)
            else:
                symbolic_inputs = map_shape_dtype_structure(create_keras_tensor, input_shape,
                                                            input_dtype)
            layer = layer_cls(**init_kwargs)
            symbolic_outputs = call(layer, symbolic_inputs)
            run_build_asserts(layer)
            run_output_asserts(layer, symbolic_outputs, eager=False)

            if expected_mask_shape is not None:
                output_mask = layer.compute_mask(symbolic_inputs)
                self.assertEqual(expected_mask_shape, output_mask.shape)

            # Stateless layers are built when made, unless a subclass overrides build.
            if assert_built_after_instantiation:
                layer = layer_cls(**init_kwargs)
                self.assertTrue(layer.built, msg=(
                    f"{type(layer)} is stateless, so it should be built after "
                    "instantiation."))

                class ModifiedBuildLayer(layer_cls):
                    def build(self, *args, **kwargs):
                        pass

                layer = ModifiedBuildLayer(**init_kwargs)
                self.assertFalse(layer.built, msg=(
                    f"The `build` of {type(layer)} is overriden, so it should not be built "
                    "after instantiation."))

        # Eager call test and training step.
        if input_data is not None or input_shape is not None:
            layer = layer_cls(**init_kwargs)
            output_data = call(layer, input_data)
            run_output_asserts(layer, output_data, eager=True)
            if run_training_check:
                run_training_step(layer, input_data, output_data)


# ---- devices: microdense runs on the CPU ---------------------------------------------------

def uses_gpu():
    return False


def uses_tpu():
    return False


jax_uses_gpu = jax_uses_tpu = tensorflow_uses_gpu = tensorflow_uses_tpu = uses_gpu
torch_uses_gpu = uses_gpu


# ---- helpers -------------------------------------------------------------------------------

def _flatten(x):
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in _flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in _flatten(e)]
    return [x]


def _map(fn, x):
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, e) for e in x)
    return fn(x)


def _same_structure(shape, value):
    if is_shape_tuple(shape):
        return value
    if isinstance(shape, dict):
        return {k: _same_structure(v, value) for k, v in shape.items()}
    return type(shape)(_same_structure(s, value) for s in shape)


def _flatten_shapes(shape):
    if is_shape_tuple(shape):
        return [tuple(shape)]
    if isinstance(shape, dict):
        return [s for k in sorted(shape) for s in _flatten_shapes(shape[k])]
    return [s for e in shape for s in _flatten_shapes(e)]


def _shape_matches(expected, received):
    return len(expected) == len(received) and all(
        e is None or e == r for e, r in zip(expected, received))


def _dtype_of(x):
    return backend.standardize_dtype(getattr(x, "dtype", None) or np.asarray(x).dtype)


def create_keras_tensor(shape, dtype):
    """A symbolic input of the full `shape` (batch axis included), as Keras's KerasTensor."""
    return microdense.layers.Input(batch_shape=tuple(shape), dtype=dtype)


def create_eager_tensors(input_shape, dtype):
    if set(_flatten(dtype)).difference(
            ["float16", "float32", "float64", "int8", "uint8", "int16", "uint16", "int32",
             "uint32", "int64", "uint64"]):
        raise ValueError(f"dtype must be a standard float or int dtype. Received: dtype={dtype}")

    def create_fn(shape, dt):
        return (np.random.uniform(size=shape).astype("float32") * 3).astype(dt)

    if isinstance(input_shape, dict):
        return {k.removesuffix("_shape"): create_fn(v, dtype[k]) for k, v in input_shape.items()}
    return map_shape_dtype_structure(create_fn, input_shape, dtype)


def is_shape_tuple(x):
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_dtype_structure(fn, shape, dtype):
    """Variant of tree.map_structure that operates on shape tuples."""
    if is_shape_tuple(shape):
        return fn(tuple(shape), dtype)
    if isinstance(shape, list):
        return [map_shape_dtype_structure(fn, s, d) for s, d in zip(shape, dtype)]
    if isinstance(shape, tuple):
        return tuple(map_shape_dtype_structure(fn, s, d) for s, d in zip(shape, dtype))
    if isinstance(shape, dict):
        return {k: map_shape_dtype_structure(fn, v, dtype[k]) for k, v in shape.items()}
    raise ValueError(f"Cannot map function to unknown objects {shape} and {dtype}")


def get_seed_generators(layer):
    """microdense layers draw from numpy generators, not Keras SeedGenerators: a layer
    lists its own in `_seed_generators` if it keeps any."""
    return list(getattr(layer, "_seed_generators", []))


def to_json_with_tuples(value):
    def _tuple_encode(obj):
        if isinstance(obj, tuple):
            return {"__class__": "tuple", "__value__": list(obj)}
        if isinstance(obj, list):
            return [_tuple_encode(e) for e in obj]
        if isinstance(obj, dict):
            return {key: _tuple_encode(value) for key, value in obj.items()}
        return obj

    class _PreserveTupleJsonEncoder(json.JSONEncoder):
        def encode(self, obj):
            obj = _tuple_encode(obj)
            return super().encode(obj)

    return _PreserveTupleJsonEncoder(sort_keys=True, indent=4).encode(value)


def from_json_with_tuples(value):
    def _tuple_decode(obj):
        if not isinstance(obj, dict):
            return obj
        if "__class__" not in obj or "__value__" not in obj:
            return obj
        return tuple(obj["__value__"])

    return json.loads(value, object_hook=_tuple_decode)
