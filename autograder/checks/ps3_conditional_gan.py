"""The checks of ps3-conditional-gan: the judge's inputs, references and messages.

The student's two networks are judged by properties their docstrings state, whatever their
architecture: shapes, dtype, output range, dependence on the noise, the image and the label,
``latent_dim`` and ``num_classes`` honoured, size, finite gradients. The training step and the
sampler run on the notebook's stand-in networks, whose initial weights come from here; the step's
losses and one SGD update are recomputed here in float64. The short training run trains the
probe's fixed small networks with the student's step; its pass bands are read from
``autograder/calibration/ps3-conditional-gan.json`` (see ``autograder/calibration/ps3_conditional_gan.py``),
made with the course's one band rule (``autograder/calibration/__init__.py``).
"""

import json
from pathlib import Path

import numpy as np

from autograder.checks import check, require

GENERATOR = "(book: Lab 4, Conditional DCGAN, 'Build the generator')"
DISCRIMINATOR = "(book: Lab 4, Conditional DCGAN, 'Build the discriminator')"
FEEDING = "(book: Conditional GANs, 'Feeding a label to a network')"
IMAGES = "(book: Conventions, 'Images are float32 in [-1, 1]')"
LOGITS = "(book: Conventions, 'Discriminators return logits')"
STEP = "(book: Lab 4, Conditional DCGAN, 'The training step')"
LABELS = "(book: Conventions, 'Labels: 1 is real, 0 is fake')"
MINIMAX = "(book: The minimax objective)"
SATURATING = "(book: Training dynamics, 'Saturating and non-saturating generator losses')"
ALTERNATING = "(book: Training dynamics, 'Simultaneous and alternating gradient steps')"
MODE = "(book: Conventions, 'Training and inference mode')"
MEANS = "(book: Conventions, 'Batches and means')"
CONDITIONAL = "(book: Conditional GANs)"
SAMPLES = "(book: Lab 4, Conditional DCGAN, 'Inspect samples by class')"
NOISE = "(book: Conventions, 'Noise and latent dimension')"
DYNAMICS = "(book: Training dynamics)"
RUN_BOOK = "(book: Training dynamics; Lab 4, Conditional DCGAN, 'Train')"

CALIBRATION = Path(__file__).resolve().parents[1] / "calibration" / "ps3-conditional-gan.json"
#: The short training run (the probe's fixed networks, the student's step); the calibration
#: records it and the check refuses bands calibrated on another procedure.
RUN = {
    "steps": 40,
    "batch_size": 32,
    "n_images": 512,
    "dataset": "fashion_mnist",
    "learning_rate": 2e-4,
}
RUN_SEED = 0
#: Statistics of the run, each with what a value outside its band may mean.
HINTS = {
    "d_loss_first": "an untrained discriminator gives d_loss near 2 log 2 = 1.386 in the first "
    "steps; a value far from it may mean that d_loss is not the mean over the real batch plus "
    "the mean over the fakes",
    "d_loss_last": "d_loss should fall from 1.386 as the discriminator learns to separate real "
    "from fake pairs, without collapsing to 0; its update or the labels (real 1, fake 0) may be "
    "wrong",
    "g_loss_last": "the generator's loss should stay near log 2 = 0.69 while both players are "
    "close; the generator loss or the generator's update may be wrong",
    "p_real_minus_p_fake": "after 40 steps the discriminator should rate held-out real pairs "
    "higher than fakes; the labels (real 1, fake 0) or the discriminator's update may be wrong",
    "fake_mean": "the fakes' mean pixel moved elsewhere than in the calibration runs; the "
    "generator's update may be wrong",
    "fake_std": "the fakes' spread moved elsewhere than in the calibration runs; the generator's "
    "update may be wrong (a collapse to one constant image shows as a spread near 0)",
}


def _f32(array):
    return np.asarray(array, np.float32)


def _real_images(rng, n):
    """n images uniform in [-1, 1] whose first pixel is -1 (how the spies recognise reals)."""
    images = rng.uniform(-1.0, 1.0, size=(n, 28, 28, 1))
    images[:, 0, 0, 0] = -1.0
    return _f32(images)


def _output(seen, what, book, shape=None):
    """The array a call returned, after the checks every call must pass: no error, an array of
    float32 of the expected shape."""
    require("error" not in seen, f"{what} raised {seen.get('error')} {book}")
    require("value" in seen, f"{what} returned a {seen.get('type')}, not an array {book}")
    if shape is not None:
        got = tuple(seen["shape"])
        require(got == shape, f"{what}: expected shape {shape}, got {got} {book}")
    require(seen["dtype"] == "float32", f"{what}: expected float32, got {seen['dtype']} {book}")
    return np.asarray(seen["value"], np.float64)


def _smallest_gap(rows) -> float:
    rows = np.asarray(rows, np.float64).reshape(len(rows), -1)
    return min(
        np.abs(rows[i] - rows[j]).max() for i in range(len(rows)) for j in range(i + 1, len(rows))
    )


def _built(seen, name, book):
    built = seen["built"]
    require("error" not in built, f"{name}() raised {built.get('error')} {book}")
    require(
        built["is_model"],
        f"expected a keras.Model, got {built['type']}: return the model, not its output {book}",
    )


def _gradients(seen, network, book):
    gradients = seen["gradients"]
    require(
        "error" not in gradients,
        f"taking the gradient of mean(output) of the {network} (called with training=True) with "
        f"respect to its trainable variables raised {gradients.get('error')} {book}",
    )
    norms = np.asarray(gradients["norms"], np.float64)
    require(norms.size > 0, f"the {network} has no trainable variables {book}")
    require(
        np.all(np.isfinite(norms)),
        f"the gradient of mean(output) of the {network} with respect to its trainable variables "
        f"is not finite (norms {np.round(norms, 3).tolist()}) {book}",
    )


@check("test_build_conditional_generator")
def _(rng):
    z = np.repeat(_f32(rng.standard_normal((1, 100))), 10, axis=0)
    inputs = {
        "call": [_f32(rng.standard_normal((2, 100))), np.array([3, 7], np.int32)],
        "by_class": [z, np.arange(10, dtype=np.int32)],
        "by_noise": [_f32(rng.standard_normal((4, 100))), np.full(4, 5, np.int32)],
        "gradients": [_f32(rng.standard_normal((8, 100))), np.arange(8, dtype=np.int32)],
        "latent_dim": 64,
        "latent": [_f32(rng.standard_normal((3, 64))), np.array([0, 1, 2], np.int32)],
        "num_classes": 12,
        "classes": [z[:2], np.array([10, 11], np.int32)],
        "scaled": [_f32(3.0 * rng.standard_normal((16, 100))), np.arange(16, dtype=np.int32) % 10],
        "factor": 4.0,
    }
    seen = yield inputs
    _built(seen, "build_conditional_generator", GENERATOR)
    images = _output(
        seen["call"], "the generator on [noise (2, 100), labels (2,)]", GENERATOR, (2, 28, 28, 1)
    )
    require(
        images.min() >= -1.0 - 1e-6 and images.max() <= 1.0 + 1e-6,
        f"the generator's images span [{images.min():.3g}, {images.max():.3g}], outside [-1, 1]: "
        f"end in tanh {IMAGES}",
    )
    latent = seen["latent"]
    require(
        "error" not in latent,
        "build_conditional_generator(latent_dim=64) cannot take noise of shape (3, 64) "
        f"({latent.get('error')}): the noise input must have latent_dim features; is latent_dim "
        f"ignored (a hard-coded 100 or LATENT_DIM)? {GENERATOR}",
    )
    _output(
        latent,
        "build_conditional_generator(latent_dim=64) on noise (3, 64)",
        GENERATOR,
        (3, 28, 28, 1),
    )
    by_class = _output(seen["by_class"], "the generator on 10 labels", GENERATOR, (10, 28, 28, 1))
    gap = _smallest_gap(by_class)
    require(
        gap > 1e-6,
        f"with the same noise, two different labels give the same image (smallest difference "
        f"{gap:.2g}): the generator ignores the label. Embed it and concatenate the embedding "
        f"with the noise {FEEDING}",
    )
    by_noise = _output(
        seen["by_noise"], "the generator on 4 noise vectors", GENERATOR, (4, 28, 28, 1)
    )
    gap = _smallest_gap(by_noise)
    require(
        gap > 1e-6,
        f"with the same label, two different noise vectors give the same image (smallest "
        f"difference {gap:.2g}): the generator ignores z; the noise must reach the image {GENERATOR}",
    )
    classes = seen["classes"]
    require(
        "error" not in classes,
        "build_conditional_generator(num_classes=12) cannot draw classes 10 and 11 "
        f"({classes.get('error')}): size the embedding (or one-hot depth) with num_classes, not "
        f"a hard-coded 10 {GENERATOR}",
    )
    last = _output(
        classes, "build_conditional_generator(num_classes=12)", GENERATOR, (2, 28, 28, 1)
    )
    require(
        np.abs(last[0] - last[1]).max() > 1e-6,
        "build_conditional_generator(num_classes=12) gives the same image for labels 10 and 11: "
        "labels beyond 9 are dropped (a one-hot depth or embedding size of 10 instead of "
        f"num_classes; {GENERATOR[1:]}",
    )
    params = seen["params"]
    require(
        "error" not in params, f"generator.count_params() raised {params.get('error')} {GENERATOR}"
    )
    require(
        params["value"] <= 3_000_000,
        f"the generator has {params['value']:,} parameters, the limit is 3,000,000: the grader "
        f"trains it on a CPU; narrow the Dense layer or the filters {GENERATOR}",
    )
    scaled = seen["scaled"]
    require(
        "error" not in scaled,
        f"a generator with its trainable weights multiplied by 4 raised {scaled.get('error')} {GENERATOR}",
    )
    out = _output(scaled, "the generator with scaled-up weights", GENERATOR, (16, 28, 28, 1))
    require(
        np.isfinite(out).all(),
        f"the generator returns nan or inf for large weights: end in tanh {GENERATOR}",
    )
    require(
        out.min() >= -1.0 - 1e-6 and out.max() <= 1.0 + 1e-6,
        f"with scaled-up weights the outputs span [{out.min():.3g}, {out.max():.3g}], outside "
        f"[-1, 1]: the last layer must end in tanh {IMAGES}",
    )
    require(
        out.min() < -0.5 and out.max() > 0.5,
        f"with scaled-up weights the outputs span only [{out.min():.3g}, {out.max():.3g}]: a tanh "
        "output reaches both -1 and +1; a sigmoid gives [0, 1] (book: Conventions)",
    )
    _gradients(seen, "generator", GENERATOR)


@check("test_build_conditional_discriminator")
def _(rng):
    x = _f32(rng.uniform(-1.0, 1.0, (10, 28, 28, 1)))
    same = np.repeat(x[:1], 10, axis=0)
    inputs = {
        "call": [np.zeros((2, 28, 28, 1), np.float32), np.array([3, 7], np.int32)],
        "by_label": [same, np.arange(10, dtype=np.int32)],
        "by_image": [x, np.full(10, 4, np.int32)],
        "gradients": [x[:8], np.arange(8, dtype=np.int32)],
        "num_classes": 12,
        "classes": [same[:2], np.array([10, 11], np.int32)],
        "scaled": [x, np.arange(10, dtype=np.int32)],
        "factor": 4.0,
    }
    seen = yield inputs
    _built(seen, "build_conditional_discriminator", DISCRIMINATOR)
    call = seen["call"]
    require(
        "error" not in call,
        f"the discriminator on [images (2, 28, 28, 1), labels (2,)] raised {call.get('error')} {DISCRIMINATOR}",
    )
    require(
        tuple(call.get("shape", ())) == (2, 1),
        f"expected logits of shape (2, 1) for 2 images, got {tuple(call.get('shape', ()))}: end "
        f"with Flatten and Dense(1) {DISCRIMINATOR}",
    )
    _output(call, "the discriminator", DISCRIMINATOR, (2, 1))
    by_label = _output(seen["by_label"], "the discriminator on 10 labels", DISCRIMINATOR, (10, 1))[
        :, 0
    ]
    require(
        np.ptp(by_label) > 1e-7,
        "the same image gets the same logit with every label: the discriminator ignores the "
        "label, so it cannot reject a real image paired with the wrong class. Embed the label "
        f"and concatenate it with the image {FEEDING}",
    )
    by_image = _output(seen["by_image"], "the discriminator on 10 images", DISCRIMINATOR, (10, 1))[
        :, 0
    ]
    require(
        np.ptp(by_image) > 1e-7,
        f"different images with the same label get the same logit: the discriminator ignores the "
        f"image {DISCRIMINATOR}",
    )
    classes = seen["classes"]
    require(
        "error" not in classes,
        "build_conditional_discriminator(num_classes=12) cannot take labels 10 and 11 "
        f"({classes.get('error')}): size the label embedding with num_classes, not a hard-coded "
        f"10 {DISCRIMINATOR}",
    )
    last = _output(
        classes, "build_conditional_discriminator(num_classes=12)", DISCRIMINATOR, (2, 1)
    )
    require(
        np.abs(last[0] - last[1]).max() > 1e-7,
        "build_conditional_discriminator(num_classes=12) gives the same logit for labels 10 and "
        f"11: labels beyond 9 are dropped (size the embedding with num_classes; {DISCRIMINATOR[1:]}",
    )
    layers = seen["layers"]
    require(
        any(layer["strided_conv"] for layer in layers),
        f"no strided Conv2D layer found: a DCGAN discriminator downsamples with strided "
        f"convolutions {DISCRIMINATOR}",
    )
    require(
        any(layer["dropout"] for layer in layers),
        f"no Dropout layer found: the contract asks for dropout in the discriminator {DISCRIMINATOR}",
    )
    params = seen["params"]
    require(
        "error" not in params,
        f"discriminator.count_params() raised {params.get('error')} {DISCRIMINATOR}",
    )
    require(
        params["value"] <= 2_000_000,
        f"the discriminator has {params['value']:,} parameters, the limit is 2,000,000: the "
        f"grader trains it on a CPU {DISCRIMINATOR}",
    )
    scaled = seen["scaled"]
    require(
        "error" not in scaled,
        f"a discriminator with its trainable weights multiplied by 4 raised {scaled.get('error')} {DISCRIMINATOR}",
    )
    out = _output(scaled, "the discriminator with scaled-up weights", DISCRIMINATOR, (10, 1))
    require(
        np.isfinite(out).all(),
        f"the discriminator returns nan or inf for large weights {DISCRIMINATOR}",
    )
    require(
        np.abs(out).max() > 1.0,
        f"with scaled-up weights every output lies in [{out.min():.3g}, {out.max():.3g}]: the "
        "discriminator must return logits (one Dense unit, no activation), but its output looks "
        f"squashed by a sigmoid (or tanh). The losses apply the sigmoid themselves {LOGITS}",
    )
    _gradients(seen, "discriminator", DISCRIMINATOR)


# ------------------------------------------------------------------ the training step


def _step_raised(error: str, what: str = "conditional_train_step") -> str:
    return (
        f"{what} raised {error}. Create no optimizer or other variable inside the step, and mind "
        "that each optimizer can only update the variables it was built for: use "
        "generator_optimizer for generator.trainable_variables and discriminator_optimizer for "
        "discriminator.trainable_variables; call the networks with [noise, labels] and [images, "
        "labels], the noise of shape (batch, latent_dim) with latent_dim the argument "
        f"{STEP}"
    )


def _returned_losses(step: dict, what: str = "conditional_train_step") -> tuple[float, float]:
    """The two losses of one step, after the checks of the visible test."""
    require("error" not in step, _step_raised(step.get("error", ""), what))
    require(
        step["type"] == "dict",
        f"expected a dict, got {step['type']}: return {{'d_loss': ..., 'g_loss': ...}} {STEP}",
    )
    require(
        set(step["keys"]) == {"d_loss", "g_loss"},
        f"expected the keys 'd_loss' and 'g_loss', got {step['keys']} {STEP}",
    )
    values = []
    for key in ("d_loss", "g_loss"):
        loss = step[key]
        require(
            loss["is_tensor"],
            f"{key}: expected a tf.Tensor, got {loss['type']} (no .numpy() or float() inside the "
            f"step; {STEP[1:]}",
        )
        require(
            tuple(loss.get("shape", (None,))) == () and "value" in loss,
            f"{key}: expected a scalar, got shape {tuple(loss.get('shape', ()))}: the losses are "
            f"means over the batch {MEANS}",
        )
        value = float(loss["value"])
        require(
            np.isfinite(value),
            f"{key} is not finite: {value}; compute the losses from logits {LOGITS}",
        )
        values.append(value)
    return values[0], values[1]


def _sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def _softplus(u):
    return np.logaddexp(0.0, u)


def _reference_step(real, kernel, bias, image, lr_d, lr_g):
    """float64: the losses and weights after one SGD step of D, then of G (D before or after)."""
    x = np.asarray(real, np.float64).reshape(len(real), -1)
    w, b, t = (
        kernel[:, 0].astype(np.float64),
        float(bias[0]),
        np.tanh(image.reshape(-1).astype(np.float64)),
    )
    r, f = x @ w + b, t @ w + b
    out = {"d_loss": _softplus(-r).mean() + _softplus(f), "d_real_only": _softplus(-r).mean()}
    out["d_swapped"] = _softplus(r).mean() + _softplus(-f)
    out["w"] = w - lr_d * (-(_sigmoid(-r)[:, None] * x).mean(axis=0) + _sigmoid(f) * t)
    out["b"] = b - lr_d * (-_sigmoid(-r).mean() + _sigmoid(f))
    out["variants"] = []
    for w_used, b_used in ((w, b), (out["w"], out["b"])):
        f_used = t @ w_used + b_used
        out["variants"].append(
            {
                "g_loss": _softplus(-f_used),
                "g_saturating": -_softplus(f_used),
                "image": image.reshape(-1) + lr_g * _sigmoid(-f_used) * w_used * (1.0 - t**2),
            }
        )
    return out


@check("test_conditional_train_step_values")
def _(rng):
    inputs = {
        "image": _f32(rng.normal(0.0, 0.5, (28, 28, 1))),
        "kernel": _f32(rng.normal(0.0, 0.05, (784, 1))),
        "bias": np.zeros(1, np.float32),
        "lr_g": 0.5,
        "lr_d": 0.1,
        "real": _real_images(rng, 8),
        "labels": np.array([9, 8, 7, 6, 5, 4, 3, 2], np.int32),
    }
    seen = yield inputs
    d, g = _returned_losses(seen["step"])
    image = inputs["image"].astype(np.float64)
    kernel, bias = inputs["kernel"].astype(np.float64), inputs["bias"].astype(np.float64)
    ref = _reference_step(inputs["real"], kernel, bias, image, inputs["lr_d"], inputs["lr_g"])
    require(
        not np.isclose(d, ref["d_swapped"], rtol=1e-4),
        f"d_loss = {d:.6f} is the loss with the labels swapped (real 0, fake 1); expected "
        f"{ref['d_loss']:.6f}: pass the real logits first, discriminator_loss(real_logits, "
        f"fake_logits) {LABELS}",
    )
    require(
        not np.isclose(d, ref["d_real_only"], rtol=1e-4),
        f"d_loss = {d:.6f} is only the real images' half; expected {ref['d_loss']:.6f}, the real "
        f"term plus the fake term {MINIMAX}",
    )
    require(
        np.isclose(d, ref["d_loss"], rtol=1e-4, atol=1e-6),
        f"d_loss = {d:.6f}, expected {ref['d_loss']:.6f}: return discriminator_loss(real_logits, "
        "fake_logits) of this step, computed before the update with the discriminator's logits on "
        f"the real batch and on the generator's fakes {MINIMAX}",
    )
    saturating = [v["g_saturating"] for v in ref["variants"]]
    require(
        not np.isclose(g, saturating, rtol=1e-4).any() and not np.isclose(g, -d, rtol=1e-4),
        f"g_loss = {g:.6f} is a saturating loss (mean(log(1 - D(G(z)))) or minus the "
        "discriminator loss); the generator minimises the non-saturating "
        f"generator_loss(fake_logits), -mean(log D(G(z))) {SATURATING}",
    )
    expected_g = [v["g_loss"] for v in ref["variants"]]
    require(
        np.isclose(g, expected_g, rtol=1e-4, atol=1e-6).any(),
        f"g_loss = {g:.6f}, expected generator_loss(fake_logits) = {expected_g[0]:.6f} (or "
        f"{expected_g[1]:.6f} with the discriminator after its update), computed before the "
        f"generator's update {SATURATING}",
    )
    trainable = seen["trainable"]
    require(
        all(trainable),
        "after the step a network is no longer trainable (generator.trainable = "
        f"{trainable[0]}, discriminator.trainable = {trainable[1]}): do not set "
        f"model.trainable = False in the step, as Keras 2 code did for a combined model {STEP}",
    )
    kernel_new, bias_new = np.asarray(seen["kernel"]), np.asarray(seen["bias"])
    require(
        not np.array_equal(kernel_new, kernel) and not np.array_equal(bias_new, bias),
        f"the discriminator's weights did not change: apply the gradients of d_loss with "
        f"discriminator_optimizer {STEP}",
    )
    require(
        np.allclose(kernel_new[:, 0], ref["w"], rtol=1e-3, atol=1e-6)
        and np.isclose(bias_new[0], ref["b"], rtol=1e-3, atol=1e-6),
        "the discriminator's weights after the step are not one SGD step on d_loss: its update "
        "must use the gradient of d_loss with respect to discriminator.trainable_variables, "
        "applied once with discriminator_optimizer; the generator loss must not update the "
        f"discriminator {ALTERNATING}",
    )
    image_new = np.asarray(seen["image"])
    require(
        not np.array_equal(image_new, image),
        "the generator's weights did not change: apply the gradients of g_loss with respect to "
        f"generator.trainable_variables with generator_optimizer {STEP}",
    )
    matches = [
        np.allclose(image_new.reshape(-1), v["image"], rtol=1e-3, atol=1e-6)
        for v in ref["variants"]
    ]
    delta = (image_new - image).reshape(-1)
    expected_delta = ref["variants"][0]["image"] - image.reshape(-1)
    require(
        any(matches),
        "the generator's weights after the step are not one SGD step on the non-saturating "
        "generator loss (correlation of your update with the expected one: "
        f"{np.corrcoef(delta, expected_delta)[0, 1]:+.2f}; -1 means it moved the wrong way). Take "
        "the gradient of generator_loss(fake_logits) with respect to generator.trainable_variables "
        f"{SATURATING}",
    )


def _spy_weights(rng):
    return {
        "table": np.zeros((10, 784), np.float32),
        "kernel": _f32(rng.normal(0.0, 0.05, 784)),
        "class_bias": np.zeros(10, np.float32),
    }


def _batch(rng, n):
    return [_real_images(rng, n), (np.arange(n) % 10).astype(np.int32)]


@check("test_conditional_train_step_routing")
def _(rng):
    weights = _spy_weights(rng)
    inputs = {
        "weights": weights,
        "latent_dim": 8,
        "batches": [_batch(rng, 16), _batch(rng, 64), _batch(rng, 64)],
        "learning_rates": [[0.0, 1e-2], [1e-2, 0.0]],
        "frozen_batch": _batch(rng, 64),
    }
    seen = yield inputs
    what = "conditional_train_step(..., latent_dim=8) with a generator that takes 8 noise features"
    before = {k: v.astype(np.float64) for k, v in weights.items()}
    counts = None
    for number, found in enumerate(seen["steps"], start=1):
        step, state = found["step"], found["state"]
        require("error" not in step, _step_raised(step.get("error", ""), what))
        require(
            step["type"] == "dict" and set(step["keys"]) == {"d_loss", "g_loss"},
            f"expected a dict with keys d_loss, g_loss; got {step.get('keys', step['type'])} {STEP}",
        )
        if number == 1:
            require(
                state["g_training_calls"] > 0 and state["g_other_calls"] == 0,
                f"the generator was called {int(state['g_other_calls'])} time(s) without "
                "training=True in the step: call it with training=True (leaving the flag out "
                f"means training=False; {MODE[1:]}",
            )
            require(
                state["d_training_calls"] > 0 and state["d_other_calls"] == 0,
                f"the discriminator was called {int(state['d_other_calls'])} time(s) without "
                "training=True in the step: call it with training=True on the real and the fake "
                f"pairs {MODE}",
            )
            counts = state["counts"]
        require(
            all(state["trainable"]) and state["counts"] == counts,
            "after the step a network is no longer trainable (generator.trainable = "
            f"{state['trainable'][0]}, discriminator.trainable = {state['trainable'][1]}): do not "
            f"set model.trainable = False in the step; the gradient lists decide which network moves {STEP}",
        )
        require(
            not np.array_equal(state["table"], before["table"]),
            f"in step {number} the generator's weights did not change: apply the gradients of "
            f"g_loss to generator.trainable_variables with generator_optimizer {STEP}",
        )
        require(
            not np.array_equal(state["kernel"], before["kernel"])
            and not np.array_equal(state["class_bias"], before["class_bias"]),
            f"in step {number} the discriminator's weights did not change: apply the gradients "
            f"of d_loss to discriminator.trainable_variables with discriminator_optimizer {STEP}",
        )
        before = {k: np.asarray(state[k], np.float64) for k in before}
    require(
        len(seen["steps"]) == len(inputs["batches"]),
        f"the step did not run {len(inputs['batches'])} times {STEP}",
    )
    initial = {k: v.astype(np.float64) for k, v in weights.items()}

    def moved(state):
        g = not np.array_equal(state["table"], initial["table"])
        d = [not np.array_equal(state[k], initial[k]) for k in ("kernel", "class_bias")]
        return g, d

    g_frozen, d_frozen = seen["frozen"]
    for found in (g_frozen, d_frozen):
        require("error" not in found["step"], _step_raised(found["step"].get("error", ""), what))
    g_moved, d_moved = moved(g_frozen["state"])
    require(
        not g_moved,
        "the generator changed although generator_optimizer had learning rate 0: the generator "
        "must be updated by generator_optimizer only (not by an optimizer created inside the "
        f"step; {STEP[1:]}",
    )
    require(
        all(d_moved),
        "with generator_optimizer at learning rate 0 the discriminator did not change: its "
        f"gradients must be applied with discriminator_optimizer {STEP}",
    )
    g_moved, d_moved = moved(d_frozen["state"])
    require(
        not any(d_moved),
        "the discriminator changed although discriminator_optimizer had learning rate 0: the "
        f"generator's update must only touch generator.trainable_variables {ALTERNATING}",
    )
    require(
        g_moved,
        "with discriminator_optimizer at learning rate 0 the generator did not change: its "
        f"gradients must be applied with generator_optimizer {STEP}",
    )


@check("test_conditional_train_step_labels")
def _(rng):
    code_pixel = 1
    mixed_labels = rng.permutation(np.arange(200) % 10).astype(np.int32)
    mixed = _real_images(rng, 200)
    mixed[:, 0, code_pixel, 0] = 0.08 * mixed_labels - 0.4  # each real image carries its class
    inputs = {
        "weights": _spy_weights(rng),
        "one_class": [_real_images(rng, 200), np.full(200, 3, np.int32)],
        "mixed": [mixed, mixed_labels],
        "code_pixel": code_pixel,
    }
    seen = yield inputs
    _returned_losses(seen["one_class"])
    state = seen["one_class_state"]
    counts = np.rint(state["label_counts"]).astype(int)
    drawn = int(counts.sum())
    require(
        state["out_of_range"] == 0,
        f"{int(state['out_of_range'])} fake labels were outside 0..9: draw them from 0 to "
        f"NUM_CLASSES - 1, tf.random.uniform's maxval is excluded {STEP}",
    )
    require(
        drawn >= 200 and counts.max() <= 0.5 * drawn,
        f"{counts.max() / max(drawn, 1):.0%} of the fakes were generated for class "
        f"{counts.argmax()}, and every real image of this batch has class 3 (fake label counts "
        f"per class: {counts.tolist()}): draw the fakes' labels uniformly from the NUM_CLASSES "
        f"classes, independently of real_labels {STEP}",
    )
    never = [c for c in range(10) if counts[c] == 0]
    require(
        not never,
        f"classes never drawn for the fakes in {drawn} draws: {never} (counts {counts.tolist()}): "
        "draw from all NUM_CLASSES classes; randint(0, 9) or maxval=NUM_CLASSES - 1 leaves out the "
        f"last class {STEP}",
    )
    real_counts = np.rint(state["real_label_counts"]).astype(int)
    require(
        real_counts[3] >= 200 and real_counts.sum() == real_counts[3],
        f"the discriminator saw the real images with labels {real_counts.tolist()} (counts per "
        "class; all 200 have class 3): pair the real images with real_labels, "
        f"discriminator([real_images, real_labels]) {STEP}",
    )
    fake_rows, mismatches = int(state["fake_rows"]), int(state["fake_mismatches"])
    require(
        fake_rows >= 200,
        f"the discriminator saw {fake_rows} fakes in one step, expected >= 200: call it on "
        f"[fake_images, fake_labels] {STEP}",
    )
    require(
        mismatches == 0,
        f"{mismatches} of the {fake_rows} fakes reached the discriminator with a label other than "
        "the class they were generated for: pass the same fake labels to the generator and to "
        f"the discriminator, discriminator([fake_images, fake_labels]) {CONDITIONAL}",
    )
    _returned_losses(seen["mixed"])
    pairs = np.rint(np.asarray(seen["pairs"], np.float64)).astype(int)
    seen_real = int(pairs.sum())
    wrong = seen_real - int(np.trace(pairs))
    require(
        seen_real >= 200,
        f"the discriminator saw {seen_real} of the 200 real images in one step: call it on "
        f"[real_images, real_labels] {STEP}",
    )
    require(
        wrong == 0,
        f"with a batch of 200 real images of mixed classes, {wrong} reached the discriminator "
        "with a label other than their own: the real images must meet their own labels, row by "
        "row, discriminator([real_images, real_labels]). Shuffled, rolled or re-drawn labels, or "
        f"the fake labels, with the real batch teach it wrong pairs {STEP}",
    )


# ------------------------------------------------------------------ the sampler


def _decode_class(images):
    first = np.asarray(images, np.float64).reshape(len(images), -1)[:, 0]
    return np.round((first + 0.4) / 0.08).astype(int)


@check("test_generate_by_class")
def _(rng):
    labels = [4, 4, 9, 0, 7, 2, 2]
    inputs = {
        "first": [0, 3, 9],
        "labels": labels,
        "labels_uint8": np.array(labels, np.uint8),
        "moments_labels": list(range(10)) * 7,
    }
    seen = yield inputs
    first = seen["first"]
    require(
        "error" not in first,
        f"generate_by_class(SpyGenerator(), [0, 3, 9], seed=1) raised {first.get('error')} {SAMPLES}",
    )
    require(
        first["type"] == "ndarray",
        f"expected a NumPy array, got {first['type']}: convert with np.asarray(...) {SAMPLES}",
    )
    require(
        tuple(first["shape"]) == (3, 28, 28, 1),
        f"expected shape (3, 28, 28, 1), got {tuple(first['shape'])} {SAMPLES}",
    )
    require(first["dtype"] == "float32", f"expected float32, got {first['dtype']} {SAMPLES}")
    a = seen["a"]
    require(
        "error" not in a,
        f"generate_by_class(generator, labels, seed=3, latent_dim=16) raised {a.get('error')} "
        "for a generator that takes 16 noise features: draw noise of shape (len(labels), "
        f"latent_dim) with latent_dim the argument {SAMPLES}",
    )
    require(
        seen["training_calls"] == 0 and seen["training_calls_after"] == 0,
        f"generate_by_class called the generator with training=True: sample with training=False {MODE}",
    )
    got = _output(a, "generate_by_class", SAMPLES)
    require(
        got.shape == (7, 28, 28, 1),
        f"asked for 7 labels, got shape {got.shape}: one image per label {SAMPLES}",
    )
    classes = _decode_class(got).tolist()
    require(
        classes == labels,
        f"asked for classes {labels}, got images of classes {classes}: image i must be generated "
        "for labels[i] (pass the labels argument, in order, to the generator; "
        f"{SAMPLES[1:]}",
    )
    for key, kind in (("b", "a uint8 NumPy array"), ("t", "an int32 tensor")):
        again = seen[key]
        require(
            "error" not in again,
            f"generate_by_class with the labels as {kind} raised {again.get('error')}: the labels "
            f"may be a list, a NumPy array or a tensor {SAMPLES}",
        )
        require(
            np.array_equal(_output(again, "generate_by_class", SAMPLES), got),
            f"two calls with the same seed and labels gave different images (the second with the "
            f"labels as {kind}): the same seed must give the same noise; "
            "tf.random.normal(..., seed=seed) is not reproducible in eager mode, use "
            "tf.random.stateless_normal(shape, seed=[seed, 0]) or np.random.default_rng(seed) "
            f"{SAMPLES}",
        )
    other = _output(seen["c"], "generate_by_class(..., seed=4)", SAMPLES)
    require(
        not np.allclose(got, other),
        f"seeds 3 and 4 gave the same images: the noise must depend on the seed {SAMPLES}",
    )
    d = _output(seen["d"], "generate_by_class(..., seed=None)", SAMPLES)
    e = _output(seen["e"], "generate_by_class(..., seed=None)", SAMPLES)
    require(
        not np.allclose(d, e),
        "two calls with seed=None gave the same images: without a seed, draw fresh noise on every "
        f"call {SAMPLES}",
    )
    require(
        "error" not in seen["moments_call"],
        f"generate_by_class(generator, 70 labels, seed=5, latent_dim=784) raised {seen['moments_call'].get('error')} {SAMPLES}",
    )
    count, total, squares = np.asarray(seen["moments"], np.float64)
    require(
        count == 70 * 784,
        f"the generator received {count:.0f} noise values for 70 labels of latent_dim=784 {NOISE}",
    )
    mean = total / count
    std = np.sqrt(max(squares / count - mean**2, 0.0))
    require(
        abs(mean) < 0.05 and 0.9 < std < 1.1,
        f"the noise has mean {mean:.3f} and standard deviation {std:.3f}: draw z from the "
        f"standard normal distribution N(0, I) {NOISE}",
    )


# ------------------------------------------------------------------ the short training run


def run_statistics(seen: dict) -> dict:
    """The statistics of one short run, from the losses and probabilities the probe reported."""
    d, g = np.asarray(seen["d_losses"], np.float64), np.asarray(seen["g_losses"], np.float64)
    fakes = np.asarray(seen["fakes"], np.float64)
    p_real, p_fake = np.asarray(seen["p_real"], np.float64), np.asarray(seen["p_fake"], np.float64)
    return {
        "d_loss_first": float(d[:5].mean()),
        "d_loss_last": float(d[-10:].mean()),
        "g_loss_last": float(g[-10:].mean()),
        "p_real_minus_p_fake": float(p_real.mean() - p_fake.mean()),
        "fake_mean": float(fakes.mean()),
        "fake_std": float(fakes.std()),
        "all_finite": bool(np.isfinite(np.concatenate([d, g])).all()),
    }


def bands() -> dict:
    calibration = json.loads(CALIBRATION.read_text())
    if calibration["procedure"] != RUN:
        raise RuntimeError(
            f"{CALIBRATION.name} was calibrated on another run: {calibration['procedure']}"
        )
    return {name: tuple(band) for name, band in calibration["bands"].items()}


@check("test_short_training_run")
def _(rng):
    limits = bands()
    seen = yield {"seed": RUN_SEED, **RUN}
    what = (
        "the short training run (the grader's small networks, your step compiled with tf.function)"
    )
    if "error" in seen:
        require(False, _step_raised(seen["error"], f"{what}, step {seen.get('step', 0) + 1},"))
    if "returned" in seen:
        require(
            False,
            f"{what}: the step returned {seen['returned'].get('keys', seen['returned']['type'])}, "
            f"expected a dict with d_loss and g_loss {STEP}",
        )
    stats = run_statistics(seen)
    require(
        stats["all_finite"],
        f"a loss became nan or inf during {what}; compute the losses from logits and check the "
        f"learning rates of your step {DYNAMICS}",
    )
    for name, (low, high) in limits.items():
        value = stats[name]
        require(
            low <= value <= high,
            f"{what}: {name} = {value:.3f}, outside [{low:.3f}, {high:.3f}], the band of correct "
            f"steps over many seeds (see the notebook's section 6): {HINTS[name]} {RUN_BOOK}",
        )
