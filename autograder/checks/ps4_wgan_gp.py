"""The checks of ps4-wgan-gp: the judge's inputs, references and messages.

Every reference is computed here in float64 from the judge's own inputs: the stand-in critics of
the probe are linear or quadratic functions whose weights the judge chose, so their gradient
penalty, and a linear critic's whole SGD trajectory, are known in closed form; the stand-in
generator of the training step returns the judge's image for every noise vector until it is
trained. The short training run is judged against bands calibrated by
``autograder/calibration/ps4_wgan_gp.py`` and read from ``autograder/calibration/ps4-wgan-gp.json``,
made with the course's one band rule (``autograder/calibration/__init__.py``).
"""

import json
import math
from pathlib import Path

import numpy as np

from autograder.checks import check, require

PARALLEL = "(book: Divergences, 'The parallel lines')"
DUAL = "(book: Wasserstein GAN, 'The Wasserstein-1 distance and its dual')"
PENALTY = "(book: Wasserstein GAN, 'The gradient penalty')"
CRITIC = "(book: Wasserstein GAN, 'A critic trained with the gradient penalty')"
CONVENTIONS = "(book: Conventions)"
MODES = "(book: Conventions, 'Training and inference mode')"
LOGITS = "(book: Conventions, 'Discriminators return logits'; Wasserstein GAN, 'The Wasserstein-1 distance and its dual')"

CALIBRATION = Path(__file__).resolve().parents[1] / "calibration" / "ps4-wgan-gp.json"


def _value(seen: dict, book: str, what: str):
    """The value of one call after the checks every answer must pass: no error, a number."""
    require("error" not in seen, f"{what} raised {seen.get('error')} {book}")
    require(
        seen.get("value") is not None, f"{what} returned a {seen.get('type')}, not a number {book}"
    )
    return np.asarray(seen["value"], np.float64)


def _scalar_tensor(seen: dict, book: str, what: str) -> float:
    value = _value(seen, book, what)
    require(
        seen["type"] == "tensor", f"{what} returned a {seen['type']}, expected a tf.Tensor {book}"
    )
    require(
        value.shape == (),
        f"{what} returned shape {value.shape}, expected a scalar (shape ()): take the means {book}",
    )
    require(seen["dtype"] == "float32", f"{what} returned {seen['dtype']}, expected float32 {book}")
    return float(value)


# ------------------------------------------------------------------ 1. wasserstein_1d


def _w1(x, y) -> float:
    return float(
        np.mean(np.abs(np.sort(np.asarray(x, np.float64)) - np.sort(np.asarray(y, np.float64))))
    )


@check("test_wasserstein_1d")
def _(rng):
    calls = [(np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.5, 2.5]), True)]
    # Same mean, different spread: the signed mean difference is ~0, W1 is not.
    normal = (rng.normal(0.0, 1.0, size=400), rng.normal(0.0, 3.0, size=400), False)
    calls.append(normal)
    trials = []
    for _ in range(5):
        n = int(rng.integers(5, 60))
        x, y = rng.exponential(2.0, size=n) - 1.0, rng.uniform(-3.0, 3.0, size=n)
        trials.append((x, y))
        calls += [(x, y, False), (y, x, False)]
    base = rng.permutation(np.arange(10.0))
    shifts = [2.5, -0.75]
    calls += [(base, rng.permutation(base + c), False) for c in shifts]
    calls.append((base, rng.permutation(base), False))
    calls.append((np.zeros(3), np.full(3, -0.2), True))
    seen = yield {"calls": calls}
    found = seen["calls"]
    for (x, _y, _), call in zip(calls, found, strict=True):
        require(
            "error" not in call,
            f"wasserstein_1d on two samples of {len(x)} points raised {call.get('error')} {PARALLEL}",
        )
        require(
            call["is_float"],
            f"expected a Python float, got {call['type']}: return float(...) (book: Divergences)",
        )
        require(
            call["value"] is not None and np.isfinite(call["value"]),
            f"wasserstein_1d returned {call['value']}, not a finite number {PARALLEL}",
        )
    first = found[0]["value"]
    require(
        first >= 0.0,
        f"a distance is never negative, got {first}: average absolute differences {PARALLEL}",
    )
    x, y, _ = normal
    got, expected = found[1]["value"], _w1(x, y)
    unsorted = float(np.mean(np.abs(x - y)))
    signed = float(np.mean(np.sort(x) - np.sort(y)))
    w2 = float(np.sqrt(np.mean((np.sort(x) - np.sort(y)) ** 2)))
    require(
        not np.isclose(got, unsorted, rtol=1e-6),
        f"got {got:.6f} = mean(|x - y|) of the samples in the order given, expected "
        f"{expected:.6f}: sort both samples first, the optimal 1-D coupling pairs the i-th "
        f"smallest with the i-th smallest {PARALLEL}",
    )
    require(
        not np.isclose(got, signed, atol=1e-9) and not np.isclose(got, abs(signed), rtol=1e-6),
        f"got {got:.6f} = the mean of the signed differences, expected {expected:.6f}: take the "
        "absolute value of each difference before averaging (mass moved left costs as much as "
        f"mass moved right) {PARALLEL}",
    )
    require(
        not np.isclose(got, w2, rtol=1e-6),
        f"got {got:.6f} = sqrt(mean((sort x - sort y)^2)), which is W2, expected W1 = "
        f"{expected:.6f}: average the absolute differences, no squares, no square root {PARALLEL}",
    )
    require(
        np.isclose(got, expected, rtol=1e-9, atol=1e-12),
        f"got {got:.6f}, expected {expected:.6f} (as scipy.stats.wasserstein_distance) on two "
        f"normal samples of 400 points: W1 = mean(|sort(x) - sort(y)|) {PARALLEL}",
    )
    for index, (x, y) in enumerate(trials):
        got, back = found[2 + 2 * index]["value"], found[3 + 2 * index]["value"]
        require(
            np.isclose(got, _w1(x, y), rtol=1e-9, atol=1e-12),
            f"on {len(x)} exponential against {len(x)} uniform points got {got:.6f}, expected "
            f"{_w1(x, y):.6f}: sort both samples, then average |differences| {PARALLEL}",
        )
        require(
            np.isclose(back, got, rtol=1e-12),
            "W1 is symmetric: wasserstein_1d(y, x) must equal wasserstein_1d(x, y); treat both "
            f"samples the same way {PARALLEL}",
        )
    at = 2 + 2 * len(trials)
    for c, call in zip(shifts, found[at : at + 2], strict=True):
        require(
            np.isclose(call["value"], abs(c), rtol=1e-9),
            f"shifting a sample by c = {c} must give W1 = |c| = {abs(c)} whatever the order of "
            f"the points, got {call['value']}: sort both samples before pairing them {PARALLEL}",
        )
    got = found[at + 2]["value"]
    require(
        np.isclose(got, 0.0, atol=1e-12),
        f"a sample and a shuffled copy of it are the same distribution, W1 must be 0, got {got}: "
        f"sort both samples before pairing them {PARALLEL}",
    )
    require(
        np.isclose(found[at + 3]["value"], 0.2, rtol=1e-9),
        f"point masses at 0 and at theta = -0.2 are |theta| = 0.2 apart in W1 {PARALLEL}",
    )


# ------------------------------------------------------------------ 2. the Wasserstein losses


@check("test_critic_loss")
def _(rng):
    real = rng.normal(2.0, 3.0, size=(24, 1))
    fake = rng.normal(-1.0, 5.0, size=(9, 1))
    f32 = [real.astype(np.float32), fake.astype(np.float32)]
    calls = [
        [np.zeros((4, 1), np.float32), np.ones((4, 1), np.float32)],
        f32,
        f32[::-1],
        [np.full((3, 1), 1000.0, np.float32), np.full((3, 1), -1000.0, np.float32)],
        [real, fake],
    ]
    seen = yield {"calls": calls}
    visible, got, swapped, big, f64 = seen["calls"]
    _scalar_tensor(visible, DUAL, "critic_loss")
    got = _scalar_tensor(got, DUAL, "critic_loss")
    expected = float(f32[1].astype(np.float64).mean() - f32[0].astype(np.float64).mean())
    require(
        not np.isclose(got, -expected, rtol=1e-4),
        f"got {got:.5f} = mean(real) - mean(fake), expected {expected:.5f}: the sign is flipped. "
        "The critic maximises mean(real) - mean(fake), so the loss it minimises is mean(fake) - "
        f"mean(real) {DUAL}",
    )
    require(
        np.isclose(got, expected, rtol=1e-5, atol=1e-5),
        f"got {got:.5f}, expected mean(fake) - mean(real) = {expected:.5f} on 24 real and 9 fake "
        f"scores: two means over two batches of different sizes, no sigmoid, no log {DUAL}",
    )
    swapped = _scalar_tensor(swapped, DUAL, "critic_loss")
    require(
        np.isclose(swapped, -expected, rtol=1e-5, atol=1e-5),
        "swapping the real and fake scores must flip the sign of the critic loss: the first "
        f"argument holds the scores on real images, the second the scores on fakes {DUAL}",
    )
    big = _scalar_tensor(big, CONVENTIONS, "critic_loss")
    require(
        np.isclose(big, -2000.0, rtol=1e-6),
        f"scores are unbounded: real scores of +1000 and fake scores of -1000 give a loss of "
        f"-2000, got {big}. Do not squash the scores with a sigmoid or clip them {CONVENTIONS}",
    )
    require(
        "error" not in f64, f"critic_loss on float64 scores raised {f64.get('error')} {CONVENTIONS}"
    )
    require(
        f64.get("dtype") == "float32",
        f"float64 inputs must still give a float32 loss, got {f64.get('dtype')}: cast the scores "
        f"with tf.cast(..., tf.float32) {CONVENTIONS}",
    )
    _scalar_tensor(f64, CONVENTIONS, "critic_loss on float64 scores")


@check("test_generator_wasserstein_loss")
def _(rng):
    fake = rng.normal(1.5, 4.0, size=(17, 1)).astype(np.float32)
    seen = yield {
        "calls": [[np.ones((4, 1), np.float32)], [fake], [np.full((2, 1), -500.0, np.float32)]]
    }
    visible, got, huge = seen["calls"]
    _scalar_tensor(visible, DUAL, "generator_wasserstein_loss")
    got = _scalar_tensor(got, DUAL, "generator_wasserstein_loss")
    mean = float(fake.astype(np.float64).mean())
    require(
        not np.isclose(got, mean, rtol=1e-4),
        f"got {got:.5f} = +mean(fake scores): the sign is flipped. The generator wants high "
        f"scores on its samples, so it minimises -mean(fake scores) {DUAL}",
    )
    require(
        np.isclose(got, -mean, rtol=1e-5, atol=1e-5),
        f"got {got:.5f}, expected -mean(fake scores) = {-mean:.5f}: no sigmoid, no log, no "
        f"cross-entropy in a Wasserstein loss {DUAL}",
    )
    huge = _scalar_tensor(huge, CONVENTIONS, "generator_wasserstein_loss")
    require(
        np.isclose(huge, 500.0, rtol=1e-6),
        f"fake scores of -500 must give a generator loss of 500, got {huge}: the scores are "
        f"unbounded, do not squash or clip them {CONVENTIONS}",
    )


# ------------------------------------------------------------------ 3. the critic


@check("test_build_critic")
def _(rng):
    images = rng.uniform(-1.0, 1.0, size=(16, 28, 28, 1)).astype(np.float32)
    seen = yield {"images": images}
    require("error" not in seen, f"{seen.get('error')} {CRITIC}")
    require(seen["is_model"], f"expected a keras.Model, got {seen['type']} {CRITIC}")
    if "input_shape" in seen:  # a subclassed model has none; its calls below show what it takes
        shape = tuple(None if n == -1 else n for n in seen["input_shape"])
        require(
            shape == (None, 28, 28, 1),
            f"expected input shape (None, 28, 28, 1), got {shape}: start with "
            f"keras.Input(shape=(28, 28, 1)) {CRITIC}",
        )
    for n in ("2", "1", "5", "16"):
        call = seen["scores"][n]
        require(
            "error" not in call,
            f"calling the critic on a batch of {n} images raised {call.get('error')} {CRITIC}",
        )
        shape = np.shape(call["value"])
        require(
            shape == (int(n), 1),
            f"a batch of {n} images must give scores of shape ({n}, 1), got {shape}: end with "
            f"Flatten and Dense(1) {CRITIC}",
        )
    layers = seen["layers"]
    batch_norms = [
        layer["name"] for layer in layers if any("batchnorm" in k.lower() for k in layer["classes"])
    ]
    require(
        not batch_norms,
        f"the critic contains batch normalisation ({', '.join(batch_norms)}): the gradient "
        "penalty needs each score to depend on its own image only. Remove it or use "
        f"LayerNormalization {PENALTY}",
    )
    scores = seen["scores"]["16"]
    require(
        np.all(np.isfinite(scores["value"])),
        f"expected finite scores, got dtype {scores['dtype']} with values "
        f"{np.ravel(scores['value'])[:4]} {CONVENTIONS}",
    )
    require("scaled_layer" in seen, f"the critic has no weights {CRITIC}")
    last = layers[seen["scaled_layer"]]
    require(
        last["activation"] in ("", "linear"),
        f"the critic's output layer {last['name']} applies a {last['activation']} activation: a "
        "critic returns an unbounded score, not a probability (no sigmoid). End with Dense(1) "
        f"and no activation {LOGITS}",
    )
    # Unbounded: scaling the output layer's weights must scale the scores beyond any fixed range.
    scaled = seen["scaled"]
    require(
        "error" not in scaled,
        f"the critic with its output layer scaled raised {scaled.get('error')} {CRITIC}",
    )
    scaled = np.ravel(scaled["value"])
    require(
        np.ptp(scaled) > 2.0,
        f"with the weights of its output layer ({last['name']}) multiplied by 1000 the 16 "
        f"scores span only [{scaled.min():.3f}, {scaled.max():.3f}]: the output is squashed (a "
        f"sigmoid or tanh at the end?). A critic's scores are unbounded {CONVENTIONS}",
    )
    require(
        "gradient_error" not in seen,
        f"differentiating the critic raised {seen.get('gradient_error')} {PENALTY}",
    )
    gradient = seen["input_gradient"]
    require(
        gradient is not None and np.all(np.isfinite(gradient)) and np.any(gradient != 0),
        "the critic's scores must be differentiable with respect to the input images (the "
        "gradient penalty needs that gradient): no tf.stop_gradient, rounding or NumPy inside "
        f"{PENALTY}",
    )
    sizes = seen["weight_gradients"]
    require(
        all(seen["weight_gradients_finite"]) and any(s is not None and s > 0 for s in sizes),
        "the critic's scores must have finite, non-zero gradients with respect to its weights "
        f"(the training step follows them), got gradient sizes {sizes} {CRITIC}",
    )


# ------------------------------------------------------------------ 4. the gradient penalty


def _reference_gp(gradients) -> float:
    norms = np.sqrt(np.sum(np.square(gradients), axis=(1, 2, 3)) + 1e-12)
    return float(np.mean((norms - 1.0) ** 2))


def _conv_critic_weights(rng) -> list:
    """Conv2D(4, 3) + Flatten + Dense(1) weights for the probe's small critic."""
    return [
        rng.normal(0.0, 0.3, size=(3, 3, 1, 4)).astype(np.float32),
        rng.normal(0.0, 0.1, size=4).astype(np.float32),
        rng.normal(0.0, 0.03, size=(26 * 26 * 4, 1)).astype(np.float32),
        np.zeros(1, np.float32),
    ]


def _conv_critic_gradient(weights) -> np.ndarray:
    """The input gradient of the small critic, the same at every x: it is linear in x."""
    kernel, _, dense, _ = (np.asarray(w, np.float64) for w in weights)
    dense = dense.reshape(26, 26, 4)
    gradient = np.zeros((28, 28))
    for di in range(3):
        for dj in range(3):
            gradient[di : di + 26, dj : dj + 26] += dense @ kernel[di, dj, 0, :]
    return gradient[..., None]


def _visible_penalty(rng, eps):
    n = len(eps)
    real = rng.uniform(-1.0, 1.0, size=(n, 28, 28, 1)).astype(np.float32)
    return [
        real,
        np.zeros((n, 28, 28, 1), np.float32),
        np.reshape(eps, (n, 1, 1, 1)).astype(np.float32),
    ]


def _visible_value(seen: dict, weights, what: str) -> None:
    """The small critic's penalty: it is linear, so (||w_eff|| - 1)^2 whatever the epsilon."""
    got = _scalar_tensor(seen, PENALTY, what)
    expected = _reference_gp(_conv_critic_gradient(weights)[None])
    require(
        np.isclose(got, expected, rtol=1e-3, atol=1e-5),
        f"{what} on a small linear Conv2D + Dense critic gave {got:.6f}, expected {expected:.6f} "
        "(its input gradient is the same everywhere): the norm of the whole gradient of each "
        f"image, minus 1, squared, averaged over the batch {PENALTY}",
    )


@check("test_gradient_penalty_values")
def _(rng):
    n = 6
    scales = np.array([0.1, 0.4, 0.9, 1.3, 2.0, 3.0])[:, None, None, None]
    real = (rng.normal(size=(n, 28, 28, 1)) * scales / 28.0).astype(np.float32)
    fake = (rng.normal(size=(n, 28, 28, 1)) * scales[::-1] / 28.0).astype(np.float32)
    eps = np.array([0.9, 0.15, 0.6, 0.35, 0.8, 0.05], np.float32).reshape(n, 1, 1, 1)
    a = rng.uniform(0.5, 1.5, size=(28, 28, 1)).astype(np.float32)
    w = np.full((28, 28, 1), 0.01, np.float32)
    kernel = rng.normal(size=784)
    kernel = (kernel * 2.5 / np.linalg.norm(kernel)).astype(np.float32)
    conv = _conv_critic_weights(rng)
    ends = [np.full((n, 1, 1, 1), v, np.float32) for v in (1.0, 0.0)]
    seen = yield {
        "conv": conv,
        "visible": _visible_penalty(rng, [0.0, 0.25, 0.5, 1.0]),
        "real": real, "fake": fake, "eps": eps, "a": a, "w": w,
        "ends": ends, "kernel": kernel, "bias": np.float32(0.7),
    }  # fmt: skip
    visible = _scalar_tensor(seen["visible"], PENALTY, "gradient_penalty")
    require(visible >= 0.0, f"a mean of squares is never negative, got {visible} {PENALTY}")
    r, f, e, a64 = (np.asarray(v, np.float64) for v in (real, fake, eps, a))
    x_hat = e * r + (1.0 - e) * f
    grads = a64 * x_hat  # the gradient of 0.5 * sum(a * x^2) at x_hat
    expected = _reference_gp(grads)
    got = _scalar_tensor(seen["quadratic"], PENALTY, "gradient_penalty")
    norms = np.sqrt(np.sum(grads**2, axis=(1, 2, 3)))
    candidates = {
        "square of the mean": (
            (np.mean(norms) - 1.0) ** 2,
            "you squared the mean norm, (mean ||g|| - 1)^2; the penalty is the mean of the "
            "squares, mean((||g_i|| - 1)^2), one term per image",
        ),
        "missing - 1": (
            np.mean(norms**2),
            "you averaged ||g||^2: the '- 1' is missing, the penalty pulls each gradient norm "
            "towards 1, not towards 0",
        ),
        "absolute value": (
            np.mean(np.abs(norms - 1.0)),
            "you averaged |(||g|| - 1)|: use the square, (||g|| - 1)^2, not the absolute value",
        ),
        "last axis": (
            np.mean((np.abs(grads) - 1.0) ** 2),
            "you took the norm over the last axis only (one norm per pixel, as for flattened "
            "inputs); the norm runs over all non-batch axes, axis=[1, 2, 3]",
        ),
        "batch axis": (
            (np.sqrt(np.sum(grads**2)) - 1.0) ** 2,
            "you took one norm over the whole batch, batch axis included; the norm is per "
            "image, over axes [1, 2, 3] only",
        ),
        "epsilon on the wrong image": (
            _reference_gp(a64 * ((1.0 - e) * r + e * f)),
            "you interpolated with epsilon on the fake images; the contract is x_hat = "
            "epsilon * real + (1 - epsilon) * fake",
        ),
    }
    for value, advice in candidates.values():
        require(
            not np.isclose(got, value, rtol=1e-4),
            f"got {got:.6f}, expected {expected:.6f} on a critic with known gradients and "
            f"gradient norms from 0.1 to 3 across the batch: {advice} {PENALTY}",
        )
    require(
        np.isclose(got, expected, rtol=1e-4, atol=1e-6),
        f"got {got:.6f}, expected {expected:.6f} on f(x) = 0.5 * sum(a * x^2), whose gradient "
        "at x_hat is a * x_hat, with a given epsilon of shape (N, 1, 1, 1): check x_hat = "
        "epsilon * real + (1 - epsilon) * fake, the norm over axes [1, 2, 3] and the mean of "
        f"(norm - 1)^2 {PENALTY}",
    )
    # epsilon = 1 puts x_hat on the real images, epsilon = 0 on the fakes.
    for value, images, where, call in zip(
        (1, 0), (r, f), ("real", "fake"), seen["ends"], strict=True
    ):
        got = _scalar_tensor(call, PENALTY, "gradient_penalty")
        expected = _reference_gp(a64 * images + 0.01)
        require(
            np.isclose(got, expected, rtol=1e-4, atol=1e-6),
            f"with epsilon = {value} for every image the penalty must be the one at the {where} "
            f"images, {expected:.6f}, got {got:.6f}: x_hat = epsilon * real + (1 - epsilon) * "
            f"fake, and a given epsilon is used as it is {PENALTY}",
        )
    # A linear critic sum(w * x) + b has the gradient w everywhere: the penalty is (||w|| - 1)^2.
    got = _scalar_tensor(seen["linear"], PENALTY, "gradient_penalty")
    expected = _reference_gp(np.asarray(kernel, np.float64).reshape(1, 28, 28, 1))
    require(
        np.isclose(got, expected, rtol=1e-4),
        f"for a linear critic with weights of norm 2.5 the gradient norm is 2.5 at every point, "
        f"so the penalty is (2.5 - 1)^2 = 2.25, got {got:.6f}: the norm of the whole gradient "
        f"of each image, minus 1, squared {PENALTY}",
    )

    _visible_value(seen["visible"], conv, "gradient_penalty")


def _ks_uniform_pvalue(sample) -> float:
    """The asymptotic Kolmogorov-Smirnov p-value of ``sample`` against U[0, 1]."""
    x = np.sort(np.clip(np.asarray(sample, np.float64), 0.0, 1.0))
    n = len(x)
    i = np.arange(1, n + 1)
    d = max(np.max(i / n - x), np.max(x - (i - 1) / n))
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d
    p = 2.0 * sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * lam * lam) for k in range(1, 101))
    return float(min(max(p, 0.0), 1.0))


@check("test_gradient_penalty_epsilon")
def _(rng):
    conv = _conv_critic_weights(rng)
    visible = _visible_penalty(rng, [0.0, 0.0, 0.0])[:2]
    # One image of norm 1 against a black fake under f(x) = 0.5 * sum(x^2): the gradient at
    # x_hat is x_hat = epsilon * real, its norm epsilon, so epsilon = 1 - sqrt(penalty).
    one = [
        np.full((1, 28, 28, 1), 1.0 / 28.0, np.float32),
        np.zeros((1, 28, 28, 1), np.float32),
        100,
    ]
    directions = rng.normal(size=(64, 28, 28, 1))
    directions /= np.sqrt(np.sum(directions**2, axis=(1, 2, 3), keepdims=True))
    batch = [directions.astype(np.float32), np.zeros((64, 28, 28, 1), np.float32), 25]
    seen = yield {"conv": conv, "visible": visible, "one": one, "batch": batch}
    got = _scalar_tensor(seen["visible"], PENALTY, "gradient_penalty with epsilon=None")
    require(np.isfinite(got), f"the penalty must be finite, got {got} {PENALTY}")
    for name in ("one", "batch"):
        found = seen[name]
        require(
            "error" not in found,
            f"gradient_penalty with epsilon=None raised {found.get('error')} {PENALTY}",
        )
        if "bad" in found:
            _scalar_tensor(found["bad"], PENALTY, "gradient_penalty with epsilon=None")
    draws = np.asarray(seen["one"]["values"], np.float64)
    require(
        np.all(np.isfinite(draws)),
        "the penalty with epsilon=None returned nan or inf: use a safe norm, sqrt(sum(g^2) + "
        f"1e-12) {PENALTY}",
    )
    eps = 1.0 - np.sqrt(np.maximum(draws, 0.0))
    require(
        eps.std() > 0.1,
        f"the effective epsilon of one image varied only from {eps.min():.3f} to {eps.max():.3f} "
        "over 100 calls: this is what one epsilon per pixel gives (the norm averages 784 random "
        "weights). Draw one epsilon per image, shape (N, 1, 1, 1), not per-pixel weights of the "
        f"image's shape {PENALTY}",
    )
    require(
        eps.min() > -1e-3 and eps.max() < 1.0 + 1e-3 and draws.max() < 1.0 + 2e-3,
        f"over 100 calls the effective epsilon ranged from {eps.min():.3f} to "
        f"{1.0 + np.sqrt(draws.max()) if draws.max() > 1 else eps.max():.3f}, outside [0, 1]: "
        "x_hat left the segment between the real and the fake image. Draw epsilon uniform in "
        f"[0, 1] (tf.random.uniform), not from a Gaussian (tf.random.normal) {PENALTY}",
    )
    p = _ks_uniform_pvalue(eps)
    require(
        p > 1e-4,
        f"over 100 calls the effective epsilon (mean {eps.mean():.3f}, std {eps.std():.3f}) does "
        f"not look uniform on [0, 1] (Kolmogorov-Smirnov p = {p:.1e}; U[0, 1] has mean 0.5, std "
        f"0.289): draw epsilon with tf.random.uniform(..., 0.0, 1.0), not a Gaussian {PENALTY}",
    )
    # 64 images of norm 1: independent epsilons give a penalty near E[(1 - eps)^2] = 1/3 with
    # a small spread; one epsilon shared by the whole batch spreads it from 0 to 1.
    values = np.asarray(seen["batch"]["values"], np.float64)
    require(
        np.all(np.isfinite(values)), f"the penalty with epsilon=None returned nan or inf {PENALTY}"
    )
    require(
        values.std() < 0.12,
        f"over 25 calls on a batch of 64 the penalty varied with std {values.std():.3f} "
        "(expected about 0.04): one epsilon seems shared by the whole batch. Draw one epsilon "
        "per image, shape (N, 1, 1, 1) with N the batch size, so each image gets its own point "
        f"on its own line {PENALTY}",
    )
    require(
        abs(values.mean() - 1.0 / 3.0) < 0.04,
        f"the mean penalty over 25 calls was {values.mean():.3f}, expected E[(1 - eps)^2] = "
        "0.333 for eps uniform on [0, 1] (a Gaussian epsilon gives about 0.40, per-pixel "
        f"weights about 0.18): epsilon must be one uniform number per image {PENALTY}",
    )


@check("test_gradient_penalty_safe")
def _(rng):
    conv = _conv_critic_weights(rng)
    visible = _visible_penalty(rng, [0.3, 0.6])[:2]
    zero = [
        rng.uniform(-1, 1, size=(4, 28, 28, 1)).astype(np.float32),
        rng.uniform(-1, 1, size=(4, 28, 28, 1)).astype(np.float32),
        np.full((4, 1, 1, 1), 0.5, np.float32),
    ]
    scales = np.array([0.3, 0.8, 1.5, 2.5])[:, None, None, None]
    real = (rng.normal(size=(4, 28, 28, 1)) * scales / 28.0).astype(np.float32)
    fake = (rng.normal(size=(4, 28, 28, 1)) * scales / 28.0).astype(np.float32)
    eps = np.array([0.2, 0.5, 0.7, 1.0], np.float32).reshape(4, 1, 1, 1)
    c = np.float32(1.7)
    seen = yield {
        "conv": conv, "visible": visible, "zero_kernel": np.zeros(784, np.float32), "zero": zero,
        "a": np.ones((28, 28, 1), np.float32), "w": np.zeros((28, 28, 1), np.float32), "c": c,
        "scale": [real, fake, eps],
    }  # fmt: skip
    visible = seen["visible"]
    require("error" not in visible, f"gradient_penalty raised {visible.get('error')} {PENALTY}")
    require(
        any(g is not None for g in visible["gradients"]),
        "the penalty has no gradient with respect to the critic's weights: compute it with "
        f"TensorFlow operations (no .numpy(), no tf.stop_gradient) so the train step can minimise it {PENALTY}",
    )
    # At a zero input gradient: a linear critic with zero weights.
    zero = seen["zero"]
    require("error" not in zero, f"gradient_penalty raised {zero.get('error')} {PENALTY}")
    kernel_grad = zero["gradients"][0]
    require(
        kernel_grad is not None,
        "the penalty has no gradient with respect to the critic's kernel: the train step could "
        f"not minimise it. Keep every step in TensorFlow and record the critic call on a tape {PENALTY}",
    )
    kernel_grad = np.asarray(kernel_grad, np.float64)
    require(
        np.all(np.isfinite(kernel_grad)),
        f"where the critic's input gradient is zero the gradient of your penalty with respect "
        f"to the critic's weights is {kernel_grad.ravel()[:3]} (NaN): the derivative of sqrt at "
        "0 is infinite. Use a safe norm, sqrt(sum(g^2) + 1e-12), not tf.norm or a bare tf.sqrt "
        f"{PENALTY}",
    )
    value = _scalar_tensor(zero["penalty"], PENALTY, "gradient_penalty")
    require(
        np.isclose(value, 1.0, atol=5e-3),
        f"a critic with zero input gradient has penalty (0 - 1)^2 = 1, got {value:.6f} {PENALTY}",
    )
    require(
        np.allclose(kernel_grad, 0.0, atol=1e-4),
        "at zero weights the penalty (||w|| - 1)^2 is stationary in w, its gradient must be 0, "
        f"got up to {np.abs(kernel_grad).max():.3g}: use sqrt(sum(g^2) + 1e-12) {PENALTY}",
    )
    # The derivative with respect to a weight, against float64: f(x) = 0.5 * c * sum(x^2),
    # GP(c) = mean((c * ||x_hat_i|| - 1)^2), dGP/dc = mean(2 * (c * ||x_hat_i|| - 1) * ||x_hat_i||).
    found = seen["scale"]
    require("error" not in found, f"gradient_penalty raised {found.get('error')} {PENALTY}")
    r, f, e = (np.asarray(v, np.float64) for v in (real, fake, eps))
    norms = np.sqrt(np.sum((e * r + (1 - e) * f) ** 2, axis=(1, 2, 3)))
    expected = float(np.mean(2.0 * (float(c) * norms - 1.0) * norms))
    dgp = found["gradients"][0]
    got = None if dgp is None else float(np.asarray(dgp))
    require(
        got is not None and np.isclose(got, expected, rtol=1e-3, atol=1e-5),
        f"d(penalty)/d(weight) is {got}, expected {expected:.6f} for f(x) = 0.5 * c * sum(x^2): "
        "the penalty must be mean((||g_i|| - 1)^2), computed from the tape's gradient with TensorFlow operations so "
        f"that its own gradient reaches the critic's weights {PENALTY}",
    )


# ------------------------------------------------------------------ 5a. the training step


def _linear_run(w0, direction, lr, gp_weight, steps):
    """A linear critic's SGD steps: the gradient of mean f(fake) - mean f(real) with respect
    to its kernel is ``direction`` = fake - mean(real), that of the penalty (||w|| - 1)^2 is
    2 (||w|| - 1) w / ||w|| (safe norm), and its bias gets no gradient. Returns the kernel
    after, and the total loss and penalty at the last update."""
    w = np.asarray(w0, np.float64).copy()
    loss = gp = float("nan")
    for _ in range(steps):
        norm = math.sqrt(float(w @ w) + 1e-12)
        gp = (norm - 1.0) ** 2
        loss = float(w @ direction) + gp_weight * gp
        w = w - lr * (direction + gp_weight * 2.0 * (norm - 1.0) * w / norm)
    return w, loss, gp


def _kernel(rng, norm):
    direction = rng.normal(size=784)
    return (norm * direction / np.linalg.norm(direction)).astype(np.float32)


def _log(found: dict, key: str) -> float:
    return float(found["logs"]["values"][key]["value"])


@check("test_wgan_gp_train_step")
def _(rng):
    latent_dim = 8
    real = rng.uniform(-1.0, 1.0, size=(16, 28, 28, 1)).astype(np.float32)
    bias = rng.uniform(-0.5, 0.5, size=784).astype(np.float32)  # every fake is this image
    mixer = rng.normal(0.0, 0.5, size=(latent_dim, 4)).astype(np.float32)
    runs = {
        "values": dict(
            norm=50.0, critic_lr=1e-4, generator_lr=1e-4, kwargs={"n_critic": 1, "gp_weight": 10.0}
        ),
        "count": dict(norm=50.0, critic_lr=1e-4, generator_lr=1e-4, kwargs={}),
        "weight_0": dict(
            norm=50.0, critic_lr=1e-3, generator_lr=0.0, kwargs={"n_critic": 3, "gp_weight": 0.0}
        ),
        "weight_10": dict(
            norm=50.0, critic_lr=1e-3, generator_lr=0.0, kwargs={"n_critic": 3, "gp_weight": 10.0}
        ),
        "direction": dict(
            norm=1.0, critic_lr=0.05, generator_lr=0.0, kwargs={"n_critic": 3, "gp_weight": 0.0}
        ),
        "generator": dict(
            norm=5.0, critic_lr=0.0, generator_lr=0.05, kwargs={"n_critic": 1, "gp_weight": 10.0}
        ),
    }
    for name, run in runs.items():
        run.update(name=name, kernel=_kernel(rng, run.pop("norm")))
    critic_bias = np.float32(0.3)
    seen = yield {
        "real": real, "bias": bias, "mixer": mixer, "latent_dim": latent_dim,
        "critic_bias": critic_bias, "runs": list(runs.values()),
    }  # fmt: skip
    direction = bias.astype(np.float64) - real.astype(np.float64).reshape(16, 784).mean(axis=0)

    def reference(name):
        run = runs[name]
        kwargs = {"n_critic": 5, "gp_weight": 10.0, **run["kwargs"]}
        return _linear_run(
            run["kernel"], direction, run["critic_lr"], kwargs["gp_weight"], kwargs["n_critic"]
        )

    values = seen["values"]
    if "error" in values:
        raise_message = (
            f"one step with a generator of latent_dim={latent_dim} and n_critic=1 raised "
            f"{values['error']}. If this is a shape error, draw the noise with shape (N, "
            f"latent_dim), taking latent_dim from the argument, not from a constant {CRITIC}"
        )
        require(False, raise_message)
    logs = values["logs"]
    require("keys" in logs, f"expected a dict, got {logs.get('type')} {CRITIC}")
    require(
        set(logs["keys"]) == {"critic_loss", "g_loss", "gp"},
        f"expected the keys critic_loss, g_loss and gp, got {logs['keys']} {CRITIC}",
    )
    for key, item in logs["values"].items():
        require(
            "error" not in item and item["ndim"] == 0 and np.isfinite(item["value"]),
            f"{key} must be a finite scalar, got {item.get('value', item.get('error'))} {CRITIC}",
        )
    # Counting updates: n_critic critic steps, one generator step.
    count = seen["count"]
    require(
        "error" not in count,
        f"one step with the default arguments raised {count.get('error')} {CRITIC}",
    )
    require(
        count["critic_steps"] == 5,
        f"with the default n_critic=5 the critic's optimiser took {count['critic_steps']} steps: "
        f"the critic must be updated exactly n_critic times per call, each time on fresh noise {CRITIC}",
    )
    require(
        count["generator_steps"] == 1,
        f"the generator's optimiser took {count['generator_steps']} steps in one call, expected "
        f"exactly 1 (after the n_critic critic updates) {CRITIC}",
    )
    require(
        (values["critic_steps"], values["generator_steps"]) == (1, 1),
        f"with n_critic=1 the optimisers took {values['critic_steps']} critic and "
        f"{values['generator_steps']} generator steps, expected 1 and 1: loop n_critic times over "
        f"the critic's update only {CRITIC}",
    )
    # The values of a one-critic-step call on a linear critic with ||w|| = 50: the penalty
    # before the update is exactly (50 - 1)^2 = 2401, whatever the noise and epsilon.
    w1, loss, gp = reference("values")
    got_gp = _log(values, "gp")
    require(
        not np.isclose(got_gp, 10.0 * gp, rtol=1e-3),
        f"'gp' is {got_gp:.1f} = gp_weight * penalty: return the penalty before weighting, "
        f"{gp:.1f} here {CRITIC}",
    )
    require(
        np.isclose(got_gp, gp, rtol=1e-3),
        f"for a linear critic with ||w|| = 50 the penalty is (50 - 1)^2 = {gp:.1f} at any x_hat, "
        f"got {got_gp:.3f}: return the gradient penalty of the critic's last update under 'gp' {CRITIC}",
    )
    g_loss = _log(values, "g_loss")
    expected_g = -float(w1 @ bias.astype(np.float64) + float(critic_bias))
    penalty_1 = (np.linalg.norm(w1) - 1.0) ** 2
    what = (
        f"'g_loss' is {g_loss:.3f}, expected -mean(f(G(z))) = {expected_g:.3f} for this critic "
        "(every fake of this generator is one known image)"
    )
    require(
        not np.isclose(g_loss, -expected_g, rtol=1e-3, atol=1e-2),
        f"{what}: the sign is flipped, the generator minimises -mean(critic scores on fakes) {DUAL}",
    )
    require(
        not np.isclose(g_loss - expected_g, 10.0 * penalty_1, rtol=1e-2),
        f"{what}; the difference is gp_weight * penalty: the gradient penalty has no place in the "
        f"generator loss, which is -mean(critic scores on fakes) only {PENALTY}",
    )
    require(
        np.isclose(g_loss, expected_g, rtol=1e-3, atol=1e-2),
        f"{what}: the generator loss is generator_wasserstein_loss of the critic's scores on "
        f"fresh fakes, computed after the critic's updates, no penalty, no sigmoid {CRITIC}",
    )
    # Directions: the critic raises its scores on real images relative to fakes.
    move = seen["direction"]
    require("error" not in move, f"a step with gp_weight=0 raised {move.get('error')} {CRITIC}")
    shift = np.asarray(move["kernel"], np.float64) - runs["direction"]["kernel"]
    require(
        float(shift @ -direction) > 0,
        "after three critic steps with gp_weight = 0 the critic scores the fakes higher relative "
        "to the real images than before: the critic's loss has the wrong sign. The critic "
        f"minimises mean(f(fake)) - mean(f(real)) {DUAL}",
    )
    critic_total = _log(values, "critic_loss")
    require(
        np.isclose(critic_total, loss, rtol=1e-4, atol=1e-2),
        f"'critic_loss' is {critic_total:.3f}, expected critic_loss + gp_weight * gp = "
        f"{loss - 10.0 * gp:.3f} + 10 * {gp:.1f} = {loss:.3f} at the critic's last update: "
        f"return the total loss the critic minimised {CRITIC}",
    )
    # gp_weight and the penalty in the critic's update: the whole SGD path of a linear critic.
    norms, expected = {}, {}
    for weight in (0, 10):
        found = seen[f"weight_{weight}"]
        require(
            "error" not in found,
            f"a step with gp_weight={weight} raised {found.get('error')} {CRITIC}",
        )
        norms[weight] = float(np.linalg.norm(np.asarray(found["kernel"], np.float64)))
        expected[weight] = reference(f"weight_{weight}")[0]
    require(
        abs(norms[10] - 50.0) > 1.0,
        f"with gp_weight = 10 three critic steps left the norm of the critic's weights at "
        f"{norms[10]:.2f} (from 50), expected {np.linalg.norm(expected[10]):.2f}: the gradient "
        "penalty is not part of the critic loss that the critic's optimiser minimises. Compute "
        f"it inside the critic's GradientTape and add gp_weight * gp to the loss {CRITIC}",
    )
    require(
        abs(norms[0] - np.linalg.norm(expected[0])) < 0.3,
        f"with gp_weight = 0 and 10 the norm of the critic's weights went from 50 to "
        f"{norms[0]:.2f} and {norms[10]:.2f}, expected {np.linalg.norm(expected[0]):.2f} and "
        f"{np.linalg.norm(expected[10]):.2f}: use the gp_weight argument, not a constant {CRITIC}",
    )
    for weight in (0, 10):
        got = np.asarray(seen[f"weight_{weight}"]["kernel"], np.float64)
        require(
            np.allclose(got, expected[weight], rtol=1e-3, atol=1e-4),
            f"with gp_weight = {weight} the critic's weights after three SGD steps differ from "
            f"the expected ones by up to {np.abs(got - expected[weight]).max():.3g} (norm "
            f"{np.linalg.norm(got):.3f}, expected {np.linalg.norm(expected[weight]):.3f}): the "
            "critic's loss must be critic_loss + gp_weight * gp, with the penalty of section 4, "
            f"and only the critic's optimiser may step on it {CRITIC}",
        )
        require(
            np.allclose(seen[f"weight_{weight}"]["critic_bias"], critic_bias, atol=1e-5),
            "the critic's bias moved, but mean(f(fake)) - mean(f(real)) and the penalty do not "
            f"depend on it: the critic's loss is critic_loss + gp_weight * gp {CRITIC}",
        )
    # The generator raises the critic's scores on its fakes: one SGD step on -mean(f(G(z)))
    # moves the image every z maps to by +lr * w.
    found = seen["generator"]
    require("error" not in found, f"a step with n_critic=1 raised {found.get('error')} {CRITIC}")
    require(
        found["trainable_changed"],
        "the generator's weights did not change: apply the generator's gradients to its "
        f"variables with the generator's optimiser {CRITIC}",
    )
    require(
        found["moving_changed"],
        "the generator's batch-normalisation statistics did not move: inside a training step "
        f"call the generator with training=True {MODES}",
    )
    kernel = runs["generator"]["kernel"].astype(np.float64)
    lr = runs["generator"]["generator_lr"]
    moved = np.asarray(found["image_bias"], np.float64) - bias
    score_change = float(moved @ kernel)
    require(
        score_change > 0,
        f"one generator step lowered the critic's score on the fakes by {-score_change:.3f}: the "
        f"generator minimises -mean(f(G(z))), the sign is flipped {DUAL}",
    )
    require(
        np.allclose(moved, lr * kernel, rtol=1e-3, atol=1e-5),
        f"one SGD step of rate {lr} on -mean(f(G(z))) must move every fake of this generator by "
        f"lr * w (the critic's weights), it moved by up to {np.abs(moved - lr * kernel).max():.3g} "
        "more or less: one generator step per call, on generator_wasserstein_loss of the "
        f"critic's scores on fresh fakes, with the generator's optimiser {CRITIC}",
    )


# ------------------------------------------------------------------ 5b. the short training run

#: The graded run's seed; not among the calibration seeds.
TEST_SEED = 2024
RUN = {
    "steps": 2,
    "batch_size": 32,
    "held_out": 128,
    "offset": 1000,
    "latent_dim": 16,
    "rate": 2e-4,
}


def _glorot(rng, shape):
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def training_run_inputs(seed: int) -> dict:
    """The inputs of the short run for ``seed``: the fixed networks' initial weights (the
    probe's ``run_generator`` and ``run_critic``, layer by layer), the held-out noise and the
    interpolation weights at which the trained critic's gradient is measured."""
    rng = np.random.default_rng(seed)
    d = RUN["latent_dim"]

    def batch_norm(n):
        return [
            np.ones(n, np.float32),
            np.zeros(n, np.float32),
            np.zeros(n, np.float32),
            np.ones(n, np.float32),
        ]

    generator = [
        _glorot(rng, (d, 7 * 7 * 16)), *batch_norm(7 * 7 * 16),
        _glorot(rng, (4, 4, 8, 16)), *batch_norm(8),
        _glorot(rng, (4, 4, 1, 8)), np.zeros(1, np.float32),
    ]  # fmt: skip
    critic = [
        _glorot(rng, (4, 4, 1, 8)), np.zeros(8, np.float32),
        _glorot(rng, (4, 4, 8, 16)), np.zeros(16, np.float32),
        _glorot(rng, (7 * 7 * 16, 1)), np.zeros(1, np.float32),
    ]  # fmt: skip
    held_out = RUN["held_out"]
    return {
        **RUN,
        "seed": seed,
        "generator_weights": generator,
        "critic_weights": critic,
        "z_test": rng.normal(size=(held_out, d)).astype(np.float32),
        "eps_test": rng.uniform(size=(held_out, 1, 1, 1)).astype(np.float32),
    }


def training_statistics(seen: dict, inputs: dict) -> dict:
    """The run's statistics from what the probe observed and the judge's own initial weights."""
    before, after = seen["before"], seen["after"]

    def gap(observed):
        return float(np.mean(observed["real_scores"]) - np.mean(observed["fake_scores"]))

    last = seen["logs"][-1]["values"]
    initial = np.concatenate([np.ravel(w) for w in inputs["generator_weights"]]).astype(np.float64)
    final = np.concatenate([np.ravel(w) for w in seen["generator_weights"]]).astype(np.float64)
    return {
        "gap_before": gap(before),
        "gap_after": gap(after),
        "gap_gain": gap(after) - gap(before),
        "gp_after": float(np.mean((np.asarray(after["gradient_norms"], np.float64) - 1.0) ** 2)),
        "critic_loss_last": float(last["critic_loss"]["value"]),
        "gp_last": float(last["gp"]["value"]),
        "g_loss_last": float(last["g_loss"]["value"]),
        "generator_change": float(np.linalg.norm(final - initial) / np.linalg.norm(initial)),
    }


#: What each banded statistic measures, and what may move it out of its band (possibilities).
ADVICE = {
    "gap_after": "the critic's mean score on 128 held-out real images minus its mean score on "
    "128 fresh fakes, after the run. Possible causes: a sign error in the critic's loss, more or "
    "fewer critic updates than n_critic, a critic optimiser that does not update the critic",
    "gap_gain": "how much that margin changed during the run. Possible causes: the sign of "
    "critic_loss, a critic optimiser that does not update the critic's variables, the penalty "
    "missing from the critic's loss",
    "gp_after": "the mean of (||grad f(x_hat)|| - 1)^2 of the trained critic at fixed points "
    "between held-out real images and fakes. Possible causes: the penalty missing from the "
    "critic's loss, gp_weight ignored",
    "g_loss_last": "the 'g_loss' your step returned at its last call. Possible causes: a "
    "generator loss other than -mean(critic scores on fakes) (a penalty or a sigmoid in it), a "
    "critic trained in the wrong direction",
    "generator_change": "the relative change of the generator's weights (batch-normalisation "
    "statistics included) over the run. Possible causes: more or fewer than one generator step "
    "per call, a generator loss with the wrong sign or scale, the generator called in inference "
    "mode",
}


@check("test_short_training_run")
def _(rng):
    inputs = training_run_inputs(TEST_SEED)
    seen = yield inputs
    require(
        "error" not in seen,
        f"the short MNIST run of wgan_gp_train_step (two calls, fixed small networks, Adam) "
        f"raised {seen.get('error')} {CRITIC}",
    )
    for index, logs in enumerate(seen["logs"]):
        require(
            "keys" in logs and {"critic_loss", "g_loss", "gp"} <= set(logs["keys"]),
            f"call {index + 1} of the short run returned {logs.get('keys', logs.get('type'))}, "
            f"expected a dict with critic_loss, g_loss and gp {CRITIC}",
        )
    stats = training_statistics(seen, inputs)
    require(
        all(np.isfinite(v) for v in stats.values()),
        f"the short run produced non-finite numbers: {stats}. A NaN usually comes from an "
        f"unsafe square root in the gradient penalty {PENALTY}",
    )
    calibration = json.loads(CALIBRATION.read_text())
    for key, (low, high) in calibration["bands"].items():
        require(
            low <= stats[key] <= high,
            f"short MNIST run (seed {TEST_SEED}): {key} = {stats[key]:.4f}, outside "
            f"[{low:.4f}, {high:.4f}] (the range of the reference and {calibration['designs'] - 1} "
            f"other correct training steps over {calibration['seeds']} seeds each, widened). "
            f"{key} is {ADVICE[key]} {CRITIC}",
        )
