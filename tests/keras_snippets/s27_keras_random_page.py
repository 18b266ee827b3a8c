# Source: https://keras.io/api/random/ (keras.random.normal, keras.random.SeedGenerator docstring).
# Translated: `import keras` -> `import microdense as keras` (only).
import microdense as keras

x = keras.random.normal(shape=(2, 2), seed=1337)
seed_gen = keras.random.SeedGenerator(seed=42)
values = keras.random.normal(shape=(2, 3), seed=seed_gen)
new_values = keras.random.normal(shape=(2, 3), seed=seed_gen)
u = keras.random.uniform(shape=(3,), minval=-1.0, maxval=1.0, seed=seed_gen)
i = keras.random.randint(shape=(4,), minval=0, maxval=10, seed=1)
t = keras.random.truncated_normal(shape=(5,), stddev=0.1, seed=seed_gen)
