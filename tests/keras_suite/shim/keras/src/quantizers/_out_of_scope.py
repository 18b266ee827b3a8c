"""A stand-in for a Keras name whose feature microdense does not have: calling it raises."""


def out_of_scope(feature, name):
    if name.startswith("__"):          # module machinery (__path__, __file__, ...): not here
        raise AttributeError(name)

    def refuse(*args, **kwargs):
        raise NotImplementedError(f"keras {name}: {feature} is out of microdense's scope.")
    refuse.__name__ = name
    return refuse
