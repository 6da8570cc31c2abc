"""The checks of ps2-dcgan-mnist: the judge's inputs, references and messages.

The student's networks are judged by properties their docstrings state (shapes, output range,
dependence on the input, ``latent_dim`` honoured, layer kinds, parameter budgets, finite
gradients); the training step and the sampler on stand-in networks whose weights the judge
makes, so that it computes every reference itself (in float64 NumPy); the short training run
trains the student's step on the probe's fixed small networks and compares statistics of the
run with bands from ``autograder/calibration/ps2-dcgan-mnist.json``.
"""

import json
import re
from pathlib import Path

import numpy as np

from autograder.checks import check, require

GENERATOR = "(book: Lab 2, DCGAN on MNIST, 'Build the generator')"
DISCRIMINATOR = "(book: Lab 2, DCGAN on MNIST, 'Build the discriminator')"
IMAGES = "(book: Conventions, 'Images are float32 in [-1, 1]')"
LOGITS = "(book: Conventions, 'Discriminators return logits')"
LABELS = "(book: Conventions, 'Labels: 1 is real, 0 is fake')"
MEANS = "(book: Conventions, 'Batches and means')"
MODE = "(book: Conventions, 'Training and inference mode')"
NOISE = "(book: Conventions, 'Noise and latent dimension')"
STEP = "(book: Lab 2, DCGAN on MNIST, 'The training step')"
SAMPLES = "(book: Lab 2, DCGAN on MNIST, 'Inspect samples')"
MINIMAX = "(book: The minimax objective)"
SATURATING = "(book: Training dynamics, 'Saturating and non-saturating generator losses')"
ALTERNATING = "(book: Training dynamics, 'Simultaneous and alternating gradient steps')"
DYNAMICS = "(book: Training dynamics)"
TRAIN = "(book: Training dynamics; Lab 2, DCGAN on MNIST, 'Train')"

CALIBRATION = Path(__file__).resolve().parents[1] / "calibration" / "ps2-dcgan-mnist.json"


def _error_text(error) -> str:
    """A reported error without the values of the variables it prints, and no final period."""
    return re.sub(r", value=[^>]*>?", ">", str(error)).rstrip(". ")


def _step_raised(description: str, error: str) -> str:
    """What the old run_or_explain said when the step raised: the likely causes."""
    return (
        f"{description} raised {_error_text(error)}. Create no optimizer or other variable inside the step, "
        "and mind that each optimizer can only update the variables it was built for: use "
        "generator_optimizer for generator.trainable_variables and discriminator_optimizer for "
        "discriminator.trainable_variables, and draw noise of shape (batch, latent_dim) with "
        f"latent_dim the argument {STEP}"
    )


# ------------------------------------------------------------------ the networks


def _call(seen: dict, what: str, shape: tuple, book: str, hint: str = "") -> np.ndarray:
    """One reported model call: no error, the expected shape, float32; its values."""
    require("error" not in seen, f"{what} raised {seen.get('error')} {book}")
    require(
        tuple(seen["shape"]) == shape,
        f"{what} gave shape {tuple(seen['shape'])}, expected {shape}{hint} {book}",
    )
    require(seen["dtype"] == "float32", f"{what} gave {seen['dtype']}, expected float32 {book}")
    return np.asarray(seen["value"], np.float64)


def _built(seen: dict, name: str, book: str) -> None:
    require(not seen.get("error"), f"{name}() raised {seen.get('error')} {book}")
    require(
        "not_model" not in seen,
        f"expected a keras.Model, got {seen.get('not_model')}: return the model, not its output {book}",
    )


def _leaky(seen: dict) -> bool:
    """A LeakyReLU layer or activation, or (a subclassed model) a LeakyRelu op in its call."""
    layers = seen["layers"]
    named = any(layer["leaky_relu"] or "leaky" in layer["activation"].lower() for layer in layers)
    return named or "LeakyRelu" in seen.get("ops", [])


def _params(seen, name: str, limit: int, book: str) -> None:
    count = seen["params"]
    require(
        not isinstance(count, dict),
        f"{name}.count_params() raised {count.get('error') if isinstance(count, dict) else ''} {book}",
    )
    require(
        count <= limit,
        f"the {name} has {count:,} parameters, the limit is {limit:,}: the grader trains it on a "
        f"CPU; narrow the Dense layer or the filters {book}",
    )


def _gradients(seen: dict, name: str, book: str) -> None:
    grads = seen["gradients"]
    require(
        "error" not in grads,
        f"the gradient of the {name}'s mean output with respect to its trainable_variables "
        f"could not be computed ({grads.get('error')}) {book}",
    )
    require(grads["count"] > 0, f"the {name} has no trainable variables {book}")
    require(
        grads["missing"] < grads["count"],
        f"the {name}'s output does not depend on any of its trainable variables (every gradient is None) {book}",
    )
    require(
        grads["finite"],
        f"the gradient of the {name}'s mean output with respect to its trainable variables is "
        f"not finite (nan or inf) {book}",
    )


@check("test_build_generator")
def _(rng):
    z = rng.standard_normal((4, 100)).astype(np.float32)
    inputs = {
        "z": z,
        "z_other": rng.standard_normal((4, 100)).astype(np.float32),
        "small_latent_dim": 64,
        "z_small": rng.standard_normal((3, 64)).astype(np.float32),
        "z_large": (3.0 * rng.standard_normal((16, 100))).astype(np.float32),
        "factor": 4.0,
    }
    seen = yield inputs
    _built(seen, "build_generator", GENERATOR)
    images = _call(
        seen["output"],
        "the generator on noise of shape (4, 100)",
        (4, 28, 28, 1),
        GENERATOR,
        ": two stride-2 transposed convolutions take 7x7 to 28x28",
    )
    require(
        np.isfinite(images).all() and images.min() >= -1.0 - 1e-6 and images.max() <= 1.0 + 1e-6,
        f"the generator's images span [{images.min():.3g}, {images.max():.3g}], outside [-1, 1]: "
        f"the last layer must end in tanh {IMAGES}",
    )
    small = seen["small"]
    require(
        "error" not in small,
        "build_generator(latent_dim=64) cannot take noise of shape (3, 64) "
        f"({small.get('error')}): the input must have latent_dim features; is latent_dim "
        f"ignored (a hard-coded 100 or LATENT_DIM)? {GENERATOR}",
    )
    require(
        tuple(small["shape"]) == (3, 28, 28, 1),
        f"with latent_dim=64 expected images of shape (3, 28, 28, 1), got {tuple(small['shape'])} {GENERATOR}",
    )
    layers = seen["layers"]
    require(
        any(layer["transposed"] for layer in layers),
        f"no Conv2DTranspose layer found: the DCGAN generator upsamples with transposed convolutions {GENERATOR}",
    )
    require(
        any(layer["batch_norm"] for layer in layers),
        f"no BatchNormalization layer found: the DCGAN generator normalises every hidden layer {GENERATOR}",
    )
    require(
        _leaky(seen),
        f"no LeakyReLU found in the generator: the contract asks for LeakyReLU hidden activations {GENERATOR}",
    )
    _params(seen, "generator", 3_000_000, GENERATOR)
    _gradients(seen, "generator", GENERATOR)
    # Output range: with every weight scaled up the pre-activations are large. A tanh output
    # then saturates at -1 and +1; a linear output leaves [-1, 1]; a sigmoid never goes below 0.
    scaled = _call(
        seen["scaled"], "the generator with scaled-up weights", (16, 28, 28, 1), GENERATOR
    )
    require(
        np.isfinite(scaled).all(),
        f"the generator returns nan or inf for large weights: end in tanh {GENERATOR}",
    )
    require(
        scaled.min() >= -1.0 - 1e-6 and scaled.max() <= 1.0 + 1e-6,
        f"with scaled-up weights the outputs span [{scaled.min():.3g}, {scaled.max():.3g}], "
        f"outside [-1, 1]: the last layer must end in tanh {IMAGES}",
    )
    require(
        scaled.min() < -0.5 and scaled.max() > 0.5,
        f"with scaled-up weights the outputs span only [{scaled.min():.3g}, {scaled.max():.3g}]: "
        "a tanh output reaches both -1 and +1. A sigmoid gives [0, 1], the wrong range for "
        f"images in [-1, 1]; end in tanh {IMAGES}",
    )
    other = _call(
        seen["other_output"], "the generator on noise of shape (4, 100)", (4, 28, 28, 1), GENERATOR
    )
    require(
        np.abs(images - other).max() > 1e-5,
        f"two different noise batches give the same images: the output must depend on z {GENERATOR}",
    )


@check("test_build_discriminator")
def _(rng):
    inputs = {
        "zeros": np.zeros((2, 28, 28, 1), np.float32),
        "images": rng.uniform(-1.0, 1.0, (32, 28, 28, 1)).astype(np.float32),
        "factor": 4.0,
    }
    seen = yield inputs
    _built(seen, "build_discriminator", DISCRIMINATOR)
    zeros = seen["zeros"]
    require(
        "error" not in zeros,
        f"the discriminator on images of shape (2, 28, 28, 1) raised {zeros.get('error')} {DISCRIMINATOR}",
    )
    require(
        tuple(zeros["shape"]) == (2, 1),
        f"expected logits of shape (2, 1) for 2 images, got {tuple(zeros['shape'])}: end with "
        f"Flatten and Dense(1) {DISCRIMINATOR}",
    )
    require(
        zeros["dtype"] == "float32",
        f"expected float32 logits, got {zeros['dtype']} {DISCRIMINATOR}",
    )
    logits = _call(seen["output"], "the discriminator on 32 images", (32, 1), DISCRIMINATOR)
    _call(
        seen["five"], "the discriminator on 5 images (one logit per image)", (5, 1), DISCRIMINATOR
    )
    layers = seen["layers"]
    require(
        any(layer["conv2d"] and max(layer["strides"] or [1]) > 1 for layer in layers),
        f"no strided Conv2D layer found: a DCGAN discriminator downsamples with strided convolutions {DISCRIMINATOR}",
    )
    require(
        _leaky(seen),
        f"no LeakyReLU found in the discriminator: the contract asks for LeakyReLU activations {DISCRIMINATOR}",
    )
    require(
        any(layer["dropout"] for layer in layers),
        f"no Dropout layer found: the contract asks for dropout in the discriminator {DISCRIMINATOR}",
    )
    _params(seen, "discriminator", 2_000_000, DISCRIMINATOR)
    _gradients(seen, "discriminator", DISCRIMINATOR)
    # Logits are unbounded: with scaled-up weights they must leave [-1, 1]. A sigmoid output
    # stays in (0, 1) whatever the weights (and a tanh in (-1, 1)).
    scaled = _call(
        seen["scaled"], "the discriminator with scaled-up weights", (32, 1), DISCRIMINATOR
    )
    require(
        np.isfinite(scaled).all(),
        f"the discriminator returns nan or inf for large weights {DISCRIMINATOR}",
    )
    activations = [
        layer["activation"] for layer in seen.get("scaled_layers", []) if layer["activation"]
    ]
    require(
        np.abs(scaled).max() > 1.0,
        f"with scaled-up weights every output lies in [{scaled.min():.3g}, {scaled.max():.3g}]: "
        "the discriminator must return logits (one Dense unit, no activation), but its output "
        "looks squashed by a sigmoid (or tanh); last activation found: "
        f"{activations[-1] if activations else 'none'}. The losses apply the sigmoid themselves {LOGITS}",
    )
    require(
        np.ptp(logits) > 1e-6,
        f"the discriminator gives the same logit for different images {DISCRIMINATOR}",
    )


# ------------------------------------------------------------------ the training step


def _sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def _softplus(u):
    return np.logaddexp(0.0, u)


def _reference_step(real, kernel, bias, image, lr_d, lr_g) -> dict:
    """float64: the losses and weights after one SGD step of D, then of G (D before or after)."""
    x = np.asarray(real, np.float64).reshape(len(real), -1)
    w, b = kernel[:, 0].astype(np.float64), float(bias[0])
    t = np.tanh(image.reshape(-1).astype(np.float64))
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


def _losses(losses: dict, require_finite: bool = True) -> tuple[float, float]:
    """The checks every returned value must pass: a dict of two finite scalar tensors."""
    require(
        losses["type"] == "dict",
        f"expected a dict, got {losses['type']}: return {{'d_loss': ..., 'g_loss': ...}} {STEP}",
    )
    require(
        losses["keys"] == ["d_loss", "g_loss"],
        f"expected the keys 'd_loss' and 'g_loss', got {losses['keys']} {STEP}",
    )
    values = []
    for key in ("d_loss", "g_loss"):
        item = losses["values"][key]
        require(
            item["tensor"],
            f"{key}: expected a tf.Tensor, got {item['kind']} (no .numpy() or float() inside "
            f"the step) {STEP}",
        )
        require(
            tuple(item["shape"]) == (),
            f"{key}: expected a scalar, got shape {tuple(item['shape'])}: the losses are means over the batch {MEANS}",
        )
        value = item["value"]
        require(value is not None and np.size(value) == 1, f"{key}: not a number {STEP}")
        value = float(np.asarray(value))
        if require_finite:
            require(
                np.isfinite(value),
                f"{key} is not finite: {value}; compute the losses from logits {LOGITS}",
            )
        values.append(value)
    return values[0], values[1]


@check("test_train_step_values")
def _(rng):
    inputs = {
        "latent_dim": 100,
        "image": rng.normal(0.0, 0.5, (28, 28, 1)).astype(np.float32),
        "kernel": rng.normal(0.0, 0.05, (784, 1)).astype(np.float32),
        "bias": rng.normal(0.0, 0.1, (1,)).astype(np.float32),
        "real": rng.uniform(-1.0, 1.0, (8, 28, 28, 1)).astype(np.float32),
        "lr_g": 0.5,
        "lr_d": 0.1,
    }
    seen = yield inputs
    require("raised" not in seen, _step_raised("train_step", seen.get("raised")))
    d, g = _losses(seen["losses"])
    ref = _reference_step(
        inputs["real"], inputs["kernel"], inputs["bias"], inputs["image"], 0.1, 0.5
    )
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
        "fake_logits) of this step, computed before the update with the discriminator's logits "
        f"on the real batch and on the generator's fakes {MINIMAX}",
    )
    saturating = [v["g_saturating"] for v in ref["variants"]]
    require(
        not np.isclose(g, saturating, rtol=1e-4).any(),
        f"g_loss = {g:.6f} is the saturating loss mean(log(1 - D(G(z)))); the generator "
        "minimises the non-saturating generator_loss(fake_logits), -mean(log D(G(z))) "
        f"{SATURATING}",
    )
    require(
        not np.isclose(g, -d, rtol=1e-4),
        f"g_loss = {g:.6f} is minus the discriminator loss: that is the saturating minimax loss; "
        f"use the non-saturating generator_loss(fake_logits) {SATURATING}",
    )
    expected = [v["g_loss"] for v in ref["variants"]]
    require(
        np.isclose(g, expected, rtol=1e-4, atol=1e-6).any(),
        f"g_loss = {g:.6f}, expected generator_loss(fake_logits) = {expected[0]:.6f} (or "
        f"{expected[1]:.6f} with the discriminator after its update), computed before the "
        f"generator's update {SATURATING}",
    )
    generator_trainable, discriminator_trainable = seen["trainable"]
    require(
        generator_trainable and discriminator_trainable,
        "after the step a network is no longer trainable (generator.trainable = "
        f"{generator_trainable}, discriminator.trainable = {discriminator_trainable}): do not "
        "set model.trainable = False in the step, as Keras 2 code did for a combined model "
        f"{STEP}",
    )
    kernel, bias = np.asarray(seen["kernel"], np.float64), np.asarray(seen["bias"], np.float64)
    require(
        not np.array_equal(kernel, inputs["kernel"]) and not np.array_equal(bias, inputs["bias"]),
        "the discriminator's weights did not change: apply the gradients of d_loss with "
        f"discriminator_optimizer {STEP}",
    )
    require(
        kernel.shape == (784, 1)
        and np.allclose(kernel[:, 0], ref["w"], rtol=1e-3, atol=1e-6)
        and np.isclose(bias[0], ref["b"], rtol=1e-3, atol=1e-6),
        "the discriminator's weights after the step are not one SGD step on d_loss: its update "
        "must use the gradient of d_loss with respect to discriminator.trainable_variables, "
        "applied once with discriminator_optimizer; the generator loss must not update the "
        f"discriminator {ALTERNATING}",
    )
    image = np.asarray(seen["image"], np.float64).reshape(-1)
    require(
        not np.array_equal(image, inputs["image"].reshape(-1)),
        "the generator's weights did not change: apply the gradients of g_loss with respect to "
        f"generator.trainable_variables with generator_optimizer {STEP}",
    )
    matches = [np.allclose(image, v["image"], rtol=1e-3, atol=1e-6) for v in ref["variants"]]
    delta = image - inputs["image"].reshape(-1)
    expected_delta = ref["variants"][0]["image"] - inputs["image"].reshape(-1)
    correlation = np.corrcoef(delta, expected_delta)[0, 1]
    require(
        any(matches),
        "the generator's weights after the step are not one SGD step on the non-saturating "
        f"generator loss (correlation of your update with the expected one: {correlation:+.2f}; "
        "-1 means it moved the wrong way, as when the generator descends the discriminator's "
        "loss or a saturating loss). Take the gradient of generator_loss(fake_logits) with "
        f"respect to generator.trainable_variables {SATURATING}",
    )


#: The batch-norm stand-ins (autograder/probes/ps2_dcgan_mnist.py, _bn_model): layer -> shapes.
def _bn_weights(rng, latent_dim: int | None, width: int) -> dict:
    """Initial weights of a batch-norm stand-in; a generator when latent_dim is given."""
    fan_in = latent_dim or 28 * 28
    out_shape = (width, 28 * 28) if latent_dim else (width, 1)
    f32 = np.float32
    return {
        "dense": [rng.normal(0.0, 1.0 / np.sqrt(fan_in), (fan_in, width)).astype(f32)],
        "bn": [
            rng.uniform(0.8, 1.2, width).astype(f32),  # gamma
            rng.normal(0.0, 0.1, width).astype(f32),  # beta
            rng.normal(0.0, 0.1, width).astype(f32),  # moving mean
            rng.uniform(0.8, 1.2, width).astype(f32),  # moving variance
        ],
        "out": [
            rng.normal(0.0, 1.0 / np.sqrt(width), out_shape).astype(f32),
            rng.normal(0.0, 0.1, out_shape[1]).astype(f32),
        ],
    }


def _trainable(weights: dict) -> list:
    """The trainable variables of a stand-in, in model order: kernel, gamma, beta, kernel, bias."""
    return [weights["dense"][0], weights["bn"][0], weights["bn"][1], *weights["out"]]


def _bn_statistics(weights: dict) -> list:
    return [weights["bn"][2], weights["bn"][3]]


def _changed(before: list, after: list) -> list[bool]:
    return [
        np.shape(b) != np.shape(a) or not np.array_equal(np.asarray(b), np.asarray(a))
        for b, a in zip(before, after, strict=True)
    ]


def _bn_inputs(rng, batches: int) -> dict:
    return {
        "latent_dim": 8,
        "generator": _bn_weights(rng, 8, 32),
        "discriminator": _bn_weights(rng, None, 16),
        "real": [
            rng.uniform(-1.0, 1.0, (16, 28, 28, 1)).astype(np.float32) for _ in range(batches)
        ],
        "learning_rate": 1e-2,
    }


@check("test_train_step_routing")
def _(rng):
    inputs = _bn_inputs(rng, 2)
    seen = yield inputs
    description = "train_step(..., latent_dim=8) with a generator that takes 8 noise features"
    # The steps that ran are judged first: a step that leaves a network frozen makes the next
    # one raise, and the frozen network is the cause to report.
    if seen["both"]["steps"]:
        losses = seen["both"]["steps"][0]["losses"]
        require(
            losses.get("keys") == ["d_loss", "g_loss"],
            f"expected keys d_loss, g_loss; got {losses.get('keys', losses['type'])} {STEP}",
        )
    g_before, d_before = _trainable(inputs["generator"]), _trainable(inputs["discriminator"])
    for number, step in enumerate(seen["both"]["steps"], start=1):
        generator_trainable, discriminator_trainable = step["trainable"]
        require(
            generator_trainable and discriminator_trainable and step["counts"] == [5, 5],
            f"after train_step a network is no longer trainable (generator.trainable = "
            f"{generator_trainable}, discriminator.trainable = {discriminator_trainable}, "
            f"trainable variables {step['counts']}, expected [5, 5]): do not set "
            "model.trainable = False in the step, as Keras 2 code did for a combined model; the "
            f"gradient lists already decide which network moves {STEP}",
        )
        g_after, d_after = _trainable(step["generator"]), _trainable(step["discriminator"])
        g_changed, d_changed = _changed(g_before, g_after), _changed(d_before, d_after)
        require(
            all(g_changed),
            f"in step {number}, {g_changed.count(False)} of the generator's {len(g_changed)} "
            "weights did not change: apply the gradients of g_loss to all of "
            f"generator.trainable_variables with generator_optimizer {STEP}",
        )
        require(
            all(d_changed),
            f"in step {number}, {d_changed.count(False)} of the discriminator's "
            f"{len(d_changed)} weights did not change: apply the gradients of d_loss to all of "
            f"discriminator.trainable_variables with discriminator_optimizer, in every step {STEP}",
        )
        g_before, d_before = g_after, d_after
    for run in ("both", "generator_frozen", "discriminator_frozen"):
        require("raised" not in seen[run], _step_raised(description, seen[run].get("raised")))
    require(len(seen["both"]["steps"]) == 2, f"the probe did not report two steps {STEP}")
    g_before, d_before = _trainable(inputs["generator"]), _trainable(inputs["discriminator"])
    (frozen,) = seen["generator_frozen"]["steps"]
    require(
        not any(_changed(g_before, _trainable(frozen["generator"]))),
        "the generator changed although generator_optimizer had learning rate 0: the generator "
        "must be updated by generator_optimizer only (not by discriminator_optimizer, and not "
        f"by an optimizer created inside the step) {STEP}",
    )
    require(
        all(_changed(d_before, _trainable(frozen["discriminator"]))),
        "with generator_optimizer at learning rate 0 the discriminator did not change: its "
        f"gradients must be applied with discriminator_optimizer, not generator_optimizer {STEP}",
    )
    (frozen,) = seen["discriminator_frozen"]["steps"]
    require(
        not any(_changed(d_before, _trainable(frozen["discriminator"]))),
        "the discriminator changed although discriminator_optimizer had learning rate 0: the "
        "generator's update must only touch generator.trainable_variables (a combined "
        "generator + discriminator update, or an optimizer created inside the step, moves the "
        f"discriminator) {ALTERNATING}",
    )
    require(
        all(_changed(g_before, _trainable(frozen["generator"]))),
        "with discriminator_optimizer at learning rate 0 the generator did not change: its "
        f"gradients must be applied with generator_optimizer {STEP}",
    )


@check("test_train_step_training_mode")
def _(rng):
    inputs = _bn_inputs(rng, 1)
    seen = yield inputs
    require("raised" not in seen, _step_raised("train_step", seen.get("raised")))
    (step,) = seen["steps"]
    _losses(step["losses"])
    require(
        any(_changed(_bn_statistics(inputs["generator"]), _bn_statistics(step["generator"]))),
        "the generator's batch-normalisation statistics did not move during train_step: call "
        "the generator with training=True inside the step (leaving the flag out means "
        f"training=False) {MODE}",
    )
    require(
        any(
            _changed(_bn_statistics(inputs["discriminator"]), _bn_statistics(step["discriminator"]))
        ),
        "the discriminator's batch-normalisation statistics did not move during train_step: "
        f"call the discriminator with training=True on the real and the fake batch {MODE}",
    )


# ------------------------------------------------------------------ the sampler


def _sample(seen: dict, call: str, n: int) -> np.ndarray:
    require("error" not in seen, f"{call} raised {seen.get('error')} {SAMPLES}")
    require(
        seen["type"] == "ndarray",
        f"{call}: expected a NumPy array, got {seen['type']}: convert with np.asarray(...) {SAMPLES}",
    )
    require(
        tuple(seen["shape"]) == (n, 28, 28, 1),
        f"{call}: expected shape ({n}, 28, 28, 1), got {tuple(seen['shape'])} {SAMPLES}",
    )
    require(seen["dtype"] == "float32", f"{call}: expected float32, got {seen['dtype']} {SAMPLES}")
    return np.asarray(seen["value"], np.float64)


@check("test_generate_images")
def _(rng):
    inputs = {
        "default_generator": _bn_weights(rng, 100, 32),
        "generator": _bn_weights(rng, 16, 32),
        "latent_dim": 16,
        "window_n": 64,
    }
    seen = yield inputs
    _sample(seen["default"], "generate_images(generator, 3, seed=0)", 3)
    call = "generate_images(generator, 6, seed=3, latent_dim=16)"
    require(
        "error" not in seen["a"],
        f"{call} raised {seen['a'].get('error')} for a generator that takes 16 noise features: "
        f"draw noise of shape (n, latent_dim) with latent_dim the argument {SAMPLES}",
    )
    require(
        not any(_changed(_bn_statistics(inputs["generator"]), _bn_statistics(seen["weights"]))),
        "generate_images changed the generator's batch-normalisation statistics: call the "
        f"generator with training=False when sampling {MODE}",
    )
    a = _sample(seen["a"], call, 6)
    require(
        a.min() >= -1.0 and a.max() <= 1.0,
        f"the images must be the generator's output, in [-1, 1]; got [{a.min():.3g}, {a.max():.3g}] {SAMPLES}",
    )
    b = _sample(seen["b"], call, 6)
    require(
        np.array_equal(a, b),
        "two calls with the same seed gave different images: the same seed must give the same "
        "noise. tf.random.normal(..., seed=seed) is not reproducible in eager mode; use "
        "tf.random.stateless_normal(shape, seed=[seed, 0]) or np.random.default_rng(seed) "
        f"{SAMPLES}",
    )
    c = _sample(seen["c"], "generate_images(generator, 6, seed=4, latent_dim=16)", 6)
    require(
        not np.allclose(a, c),
        f"seeds 3 and 4 gave the same images: the noise must depend on the seed {SAMPLES}",
    )
    d = _sample(seen["d"], "generate_images(generator, 6, latent_dim=16)", 6)
    e = _sample(seen["e"], "generate_images(generator, 6, latent_dim=16)", 6)
    require(
        not np.allclose(d, e),
        "two calls with seed=None gave the same images: without a seed, draw fresh noise on "
        f"every call (do not replace None by a fixed seed) {SAMPLES}",
    )
    # The window generator shows its noise: image = tanh(z / 3), so z = 3 * artanh(image).
    window = _sample(
        seen["window"], "generate_images(window, 64, seed=5, latent_dim=784)", inputs["window_n"]
    )
    noise = 3.0 * np.arctanh(np.clip(window, -0.999999, 0.999999))
    require(
        abs(noise.mean()) < 0.05 and 0.9 < noise.std() < 1.1,
        f"the noise has mean {noise.mean():.3f} and standard deviation {noise.std():.3f}: draw z "
        f"from the standard normal distribution N(0, I), not a uniform one {NOISE}",
    )


# ------------------------------------------------------------------ the short training run

#: The run's settings: the probe trains its fixed pair (training_pair in the probe module)
#: with the student's train_step, compiled with tf.function, on MNIST.
TRAINING_RUN = {
    "seed": 0,
    "steps": 40,
    "batch_size": 32,
    "n_images": 512,
    "n_held_out": 256,
    "learning_rate": 2e-4,
}
#: The banded statistics, and what each can say when it leaves its band (possible causes).
HINTS = {
    "d_loss_first": "an untrained discriminator gives d_loss near 2 log 2 = 1.386 in the first "
    "steps; one possible cause is a d_loss that is not the mean over the real batch plus the "
    "mean over the fakes",
    "d_loss_last": "the discriminator's loss should fall from 1.386 as it learns to separate "
    "real from fake, without collapsing to 0; possible causes include its gradients not applied "
    "with discriminator_optimizer, or labels other than real 1, fake 0",
    "g_loss_last": "the generator's loss should stay near log 2 = 0.69 while both players are "
    "close; possible causes include a generator loss other than the non-saturating one, or a "
    "missing or misdirected generator update",
    "p_real_minus_p_fake": "after 40 steps the discriminator should rate held-out real digits "
    "higher than fakes; possible causes include swapped labels or a missing discriminator update",
}


def run_statistics(seen: dict) -> dict:
    """The statistics of one training run, from what the probe reported (also for calibration)."""
    d_losses = np.asarray(seen["d_losses"], np.float64)
    g_losses = np.asarray(seen["g_losses"], np.float64)
    return {
        "d_loss_first": float(np.mean(d_losses[:5])),
        "d_loss_last": float(np.mean(d_losses[-10:])),
        "g_loss_last": float(np.mean(g_losses[-10:])),
        "p_real_minus_p_fake": float(seen["p_real"]) - float(seen["p_fake"]),
        "fake_mean": float(seen["fake_mean"]),
        "fake_std": float(seen["fake_std"]),
        "all_finite": bool(np.isfinite(d_losses).all() and np.isfinite(g_losses).all()),
    }


@check("test_short_training_run")
def _(rng):
    seen = yield dict(TRAINING_RUN)
    require(
        "raised" not in seen,
        f"the short training run (the grader's small networks, your step compiled with "
        f"tf.function) raised in step {seen.get('step', 0) + 1}: {_error_text(seen.get('raised'))}. "
        "Inside tf.function use TensorFlow random ops and no .numpy(); create no optimizer or "
        f"other variable inside the step {STEP}",
    )
    steps = TRAINING_RUN["steps"]
    require(
        len(seen["d_losses"]) == steps and len(seen["g_losses"]) == steps,
        f"the short training run reported {len(seen['d_losses'])} steps, not {steps} {DYNAMICS}",
    )
    stats = run_statistics(seen)
    require(
        stats["all_finite"],
        "a loss became nan or inf during the short training run; compute the losses from "
        f"logits and check the learning rates of your step {DYNAMICS}",
    )
    # Bands from autograder/calibration/ps2-dcgan-mnist.json, written by
    # python autograder/calibration/ps2_dcgan_mnist.py with the course's one band rule
    # (autograder/calibration/__init__.py, which says why): each spans every calibration run
    # (the reference step and the correct steps of the wrong-solution library, 20 seeds each)
    # and is widened on each side by half the spread of those runs, or a tenth of the
    # statistic's magnitude where that is more, so that a further correct run, one more draw
    # from the same spread, stays inside with high probability.
    calibration = json.loads(CALIBRATION.read_text())
    for name, (low, high) in calibration["bands"].items():
        value = stats[name]
        require(
            low <= value <= high,
            f"short training run: {name} = {value:.3f}, outside [{low:.3f}, {high:.3f}], the "
            f"band of {calibration['runs_total']} runs of correct training steps on the same "
            f"networks and data (different seeds); {HINTS[name]} {TRAIN}",
        )
    require(
        0.005 < stats["fake_std"] and -1.0 < stats["fake_mean"] < 1.0,
        f"after the short run the fakes have mean {stats['fake_mean']:.3f} and spread "
        f"{stats['fake_std']:.3f}: the generated images are (nearly) one constant; one possible "
        f"cause is a generator update that pushes every output to the same value {DYNAMICS}",
    )
