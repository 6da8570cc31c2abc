"""What the probe does for ps1-gan-foundations: call the student's functions on the judge's
inputs and report what they return. No expected value lives here (see autograder/checks/)."""

from autograder.probes import attempt


def _as_reported(value):
    """A returned value as the judge sees it: its type's name beside the value itself."""
    import numpy as np
    import tensorflow as tf

    kind = type(value).__name__
    if tf.is_tensor(value):
        return {"type": "tensor", "value": value, "dtype": value.dtype.name}
    if isinstance(value, np.ndarray):
        return {"type": "ndarray", "value": value, "dtype": value.dtype.name}
    try:
        return {"type": kind, "value": np.asarray(value, dtype=np.float64)}
    except (TypeError, ValueError):
        return {"type": kind, "value": None}


def _calls(function, calls):
    """Each call of ``calls`` (a list of argument lists): what it returned or raised."""
    found = []
    for arguments in calls:
        value, error = attempt(function, *arguments)
        found.append({"error": error} if error else _as_reported(value))
    return found


def test_preprocess_images(ns, inputs):
    f = ns["preprocess_images"]
    return {
        "calls": _calls(f, [[x] for x in inputs["good"]]),
        "bad": [attempt(f, x)[1] or "" for x in inputs["bad"]],
    }


def test_make_dataset(ns, inputs):
    import tensorflow as tf

    f = ns["make_dataset"]
    images = inputs["images"]
    # A dataset that never ends (.repeat()) is read no further than four epochs' worth.
    most = 4 * (len(images) // 32) + 4

    def epoch(dataset, limit=most):
        return [b.numpy()[:, 0, 0, 0] for _, b in zip(range(limit), dataset, strict=False)]

    first = f(inputs["small"], 16, seed=0)
    found = {
        "is_dataset": isinstance(first, tf.data.Dataset),
        "type": type(first).__name__,
    }
    if not found["is_dataset"]:
        return found
    batch = next(iter(first), None)
    if batch is None:
        found["first_shape"] = None
        return found
    found["first_shape"] = list(batch.shape)
    found["first_dtype"] = batch.dtype.name
    found["epochs"] = {str(seed): epoch(f(images, 32, seed=seed)) for seed in inputs["seeds"]}
    found["again"] = epoch(f(images, 32, seed=inputs["seeds"][0]))
    found["first_batches"] = [epoch(f(images, 32, seed=s), 1)[0] for s in range(3)]
    node, kinds = f(images, 32, seed=3), []
    while node is not None and len(kinds) < 50:
        kinds.append(type(node).__name__)
        node = getattr(node, "_input_dataset", None)
    found["kinds"] = kinds
    found["unseeded_batches"] = sum(1 for _ in zip(range(most), f(images[:100], 10), strict=False))
    return found


def _loss_calls(function, calls):
    import tensorflow as tf

    return _calls(function, [[tf.constant(a) for a in args] for args in calls])


def test_discriminator_loss(ns, inputs):
    return {"calls": _loss_calls(ns["discriminator_loss"], inputs["calls"])}


def test_generator_loss(ns, inputs):
    return {"calls": _loss_calls(ns["generator_loss"], inputs["calls"])}


def test_minimax_generator_loss(ns, inputs):
    return {"calls": _loss_calls(ns["minimax_generator_loss"], inputs["calls"])}


def test_optimal_discriminator(ns, inputs):
    import numpy as np

    with np.errstate(all="ignore"):
        return {"calls": _calls(ns["optimal_discriminator"], inputs["calls"])}


def test_js_divergence(ns, inputs):
    import numpy as np

    with np.errstate(all="ignore"):
        return {"calls": _calls(ns["js_divergence"], inputs["calls"])}


def test_gan_value(ns, inputs):
    import numpy as np

    with np.errstate(all="ignore"):
        values = _calls(ns["gan_value"], inputs["calls"])
        star, error = attempt(ns["optimal_discriminator"], *inputs["pair"])
        theorem = {"error": error} if error else {}
        if not error:
            star = np.asarray(star, np.float64)
            theorem["star"] = star
            theorem["value_at_star"] = _calls(ns["gan_value"], [[star, *inputs["pair"]]])[0]
            theorem["js"] = _calls(ns["js_divergence"], [inputs["pair"]])[0]
    return {"calls": values, "theorem": theorem}
