"""compile()'s arguments as JSON and back: the optimizer, loss, metrics and settings a model
file keeps so that a loaded model trains on exactly where it stopped."""
from microdense import losses, metrics, optimizers
from microdense.saving.file_format import RAW_ERRORS, hostile


def _serialize_metric(metric, given):
    """A metric as compile received it: its string, or a config for an object."""
    if isinstance(given, str):
        return given
    if isinstance(given, metrics.Metric) or hasattr(given, "get_config"):
        return metrics.serialize(metric)
    return {"function": metrics.serialize_function(given)}


def compile_config(model):
    """The compile settings as JSON: optimizer (with its current config), loss and metrics."""
    if not getattr(model, "compiled", False):
        return None
    loss = model.loss
    given_metrics = model._compile_args["metrics"]
    # How the step runs travels with the model: load_model compiles it the same way.
    how = {"jit_compile": model.jit_compile, "run_eagerly": model.run_eagerly}
    if len(model.output_names) > 1:
        # Several outputs: loss, loss_weights and metrics as compile received them (a list
        # or dict per output), each loss by name or config; metrics by name.
        return {"optimizer": optimizers.serialize(model.optimizer),
                "loss": _serialize_losses(loss),
                "loss_weights": model._compile_args.get("loss_weights"),
                "metrics": _metric_names(given_metrics), **how}
    settings = {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": _serialize_loss(loss),
        "metrics": [_serialize_metric(metric, given) for metric, given
                    in zip(model.metrics, given_metrics)],
        **how,
    }
    given_weighted = model._compile_args.get("weighted_metrics") or []
    if given_weighted:
        settings["weighted_metrics"] = [
            _serialize_metric(metric, given) for metric, given
            in zip(model.metrics[len(given_metrics):], given_weighted)]
    return settings


def _serialize_loss(loss):
    return loss if isinstance(loss, str) or loss is None else losses.serialize(loss)


def _serialize_losses(loss):
    if isinstance(loss, dict):
        return {name: _serialize_loss(entry) for name, entry in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [_serialize_loss(entry) for entry in loss]
    return _serialize_loss(loss)


def _metric_names(metrics):
    """Metrics of a model with several outputs, which are saved by name only."""
    def names(entry):
        if entry is None or isinstance(entry, str):
            return entry
        if isinstance(entry, (list, tuple)):
            return [names(e) for e in entry]
        raise ValueError(f"Cannot save the metric {entry!r} of a model with several outputs: "
                         f"give its metrics by name (e.g. metrics={{'out': ['mae']}}), or "
                         f"save with include_optimizer=False.")
    if isinstance(metrics, dict):
        return {name: names(entry) for name, entry in metrics.items()}
    return names(metrics)


def _how_to_run(settings, filepath):
    """jit_compile and run_eagerly as saved (files from before they were saved: the defaults)."""
    jit_compile = settings.get("jit_compile", "auto")
    run_eagerly = settings.get("run_eagerly", False)
    if jit_compile not in (True, False, "auto") or not isinstance(run_eagerly, bool):
        raise hostile(filepath, '"compile_config"', f"has jit_compile={jit_compile!r} and "
                      f"run_eagerly={run_eagerly!r}; expected True, False or 'auto', and a bool")
    return {"jit_compile": jit_compile, "run_eagerly": run_eagerly}


def _compile_from_config(model, settings, custom_objects, filepath):
    loss = settings.get("loss")
    how = _how_to_run(settings, filepath)
    if len(model.output_names) > 1:
        try:
            if isinstance(loss, dict):
                loss = {name: _loss_from_config(entry, custom_objects)
                        for name, entry in loss.items()}
            elif isinstance(loss, list):
                loss = [_loss_from_config(entry, custom_objects) for entry in loss]
            model.compile(optimizer=optimizers.deserialize(settings["optimizer"],
                                                           custom_objects),
                          loss=loss, loss_weights=settings.get("loss_weights"),
                          metrics=settings.get("metrics"), **how)
        except RAW_ERRORS as error:
            raise hostile(filepath, '"compile_config"', f"does not describe an optimizer, "
                          f"losses and metrics ({type(error).__name__}: {error})") from None
        return
    try:
        if isinstance(loss, dict) or (isinstance(loss, str) and loss not in losses.ALL_OBJECTS):
            loss = losses.deserialize(loss, custom_objects)     # a Loss object or your function
        compiled = {"metrics": [], "weighted_metrics": []}
        for key, entries in compiled.items():
            for entry in settings.get(key) or ():
                if isinstance(entry, dict) and "function" in entry:
                    entry = metrics.deserialize_function(entry["function"], custom_objects)
                elif isinstance(entry, dict):
                    entry = metrics.deserialize(entry, custom_objects)
                entries.append(entry)
        optimizer = optimizers.deserialize(settings["optimizer"], custom_objects)
        model.compile(optimizer=optimizer, loss=loss, metrics=compiled["metrics"],
                      weighted_metrics=compiled["weighted_metrics"] or None, **how)
    except RAW_ERRORS as error:
        raise hostile(filepath, '"compile_config"', f"does not describe an optimizer, loss "
                      f"and metrics ({type(error).__name__}: {error})") from None


def compile_model_from_config(model, config, custom_objects=None):
    """Model.compile_from_config: compile `model` from compile_config(model)'s dict."""
    if config:
        _compile_from_config(model, config, custom_objects, "<compile config>")


def _loss_from_config(loss, custom_objects):
    if isinstance(loss, dict) or (isinstance(loss, str) and loss not in losses.ALL_OBJECTS):
        return losses.deserialize(loss, custom_objects)
    return loss
