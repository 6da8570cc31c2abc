"""The checks of ps1-gan-foundations: the judge's inputs, references and messages."""

import numpy as np

from autograder.checks import check, require

IMAGES = "(book: Conventions, 'Images are float32 in [-1, 1]')"
PIPELINE = "(book: Lab 1, Data pipelines, 'Build the input pipeline')"
LOGITS = "(book: Conventions, 'Discriminators return logits')"
TRAPS = "(book: Conventions, 'The traps, in one table')"
SATURATING = "(book: Training dynamics, 'Saturating and non-saturating generator losses')"
OPTIMUM = "(book: The minimax objective, 'The optimal discriminator')"
GLOBAL = "(book: The minimax objective, 'The global optimum')"
DIVERGENCES = "(book: Divergences, 'Four ways to compare distributions')"


def _softplus(x):
    return np.logaddexp(0.0, np.asarray(x, np.float64))


def _returned(seen: dict, book: str, what: str = "", shape=None) -> np.ndarray:
    """The value of one call, after the checks every answer must pass: no error, a number."""
    require("error" not in seen, f"{what}raised {seen.get('error')} {book}")
    value = seen.get("value")
    require(value is not None, f"{what}returned a {seen['type']}, not a number or an array {book}")
    if shape is not None:
        require(
            np.shape(value) == shape,
            f"{what}returned shape {np.shape(value)}, expected {shape} {book}",
        )
    return np.asarray(value, np.float64)


def _scalar_tensor(seen: dict, book: str, what: str) -> float:
    value = _returned(seen, book, what)
    require(
        seen["type"] == "tensor", f"{what}returned a {seen['type']}, expected a tf.Tensor {book}"
    )
    require(
        value.shape == (),
        f"{what}returned shape {value.shape}, expected a scalar: take the mean {book}",
    )
    require(seen["dtype"] == "float32", f"{what}returned {seen['dtype']}, expected float32 {book}")
    return float(value)


@check("test_preprocess_images")
def _(rng):
    raw = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    edges = np.array([[[0] * 28] * 28, [[255] * 28] * 28], dtype=np.uint8)
    # Float pixels, other integer types, a cropped image, one image alone, three channels.
    bad = [
        raw.astype(np.float32),
        raw.astype(np.int64),
        raw[:, :14],
        raw[0],
        np.stack([raw] * 3, axis=-1),
    ]
    seen = yield {"good": [edges, raw, raw[..., None]], "bad": bad}
    for inputs, call in zip((edges, raw, raw[..., None]), seen["calls"], strict=True):
        what = f"preprocess_images on uint8 of shape {inputs.shape} "
        require("error" not in call, f"{what}raised {call.get('error')} {IMAGES}")
        require(
            call["type"] == "ndarray",
            f"{what}returned a {call['type']}, expected a NumPy array {IMAGES}",
        )
        require(
            call["value"].shape == (len(inputs), 28, 28, 1),
            f"{what}returned shape {call['value'].shape}, expected ({len(inputs)}, 28, 28, 1): add "
            f"the channel axis when it is missing, keep it when it is there {IMAGES}",
        )
        require(
            call["dtype"] == "float32", f"{what}returned {call['dtype']}, expected float32 {IMAGES}"
        )
        expected = ((inputs.astype(np.float64) - 127.5) / 127.5).reshape(-1, 28, 28, 1)
        require(
            np.allclose(call["value"], expected, atol=1e-6),
            "values differ from (x - 127.5) / 127.5: 0 must map to -1 and 255 to +1. Dividing "
            f"by 255 gives [0, 1], the range of the wrong activation {IMAGES}",
        )
    for inputs, error in zip(bad, seen["bad"], strict=True):
        require(
            error.startswith("ValueError"),
            f"an input of dtype {inputs.dtype} and shape {inputs.shape} must raise ValueError"
            f"{', not ' + error.split(':')[0] if error else ''}; check the dtype and both allowed "
            "shapes before converting (book: Lab 1, Data pipelines, 'Scale to [-1, 1]')",
        )


@check("test_make_dataset")
def _(rng):
    n = 2050
    # Image i is filled with one value that encodes i, so a batch tells where it came from.
    values = np.linspace(-1.0, 1.0, n, dtype=np.float64)
    images = np.broadcast_to(values[:, None, None, None], (n, 28, 28, 1)).astype(np.float32)
    seen = yield {"images": images, "small": np.zeros((70, 28, 28, 1), np.float32), "seeds": [3, 4]}

    def indices(batches):
        return [
            np.rint((np.asarray(b, np.float64) + 1.0) * (n - 1) / 2).astype(int) for b in batches
        ]

    require(seen["is_dataset"], f"expected a tf.data.Dataset, got {seen['type']} {PIPELINE}")
    require(
        seen["first_shape"] is not None,
        "make_dataset on 70 images with batch_size 16 yields no batch: each element of the "
        f"dataset must be one image, tf.data.Dataset.from_tensor_slices(images), not from_tensors {PIPELINE}",
    )
    require(
        seen["first_shape"] == [16, 28, 28, 1],
        f"expected batches of shape (16, 28, 28, 1), got {tuple(seen['first_shape'])} {PIPELINE}",
    )
    require(
        seen["first_dtype"] == "float32",
        f"expected float32 batches, got {seen['first_dtype']} {PIPELINE}",
    )
    epoch = indices(seen["epochs"]["3"])
    require(
        len(epoch) <= n // 32 + 1,
        f"the dataset does not end after one epoch ({len(epoch)} batches read and more to come, "
        f"expected {n // 32}): do not .repeat() it, the training loop goes over it once per epoch {PIPELINE}",
    )
    require(
        len(epoch) == n // 32 and all(len(b) == 32 for b in epoch),
        f"expected {n // 32} batches of exactly 32 images from {n} images, got {len(epoch)} "
        f"batches of sizes {sorted({len(b) for b in epoch})}: drop the last partial batch with "
        "batch(batch_size, drop_remainder=True) (book: Lab 1, Data pipelines)",
    )
    flat = np.concatenate(epoch)
    require(len(set(flat.tolist())) == len(flat), f"an image appears twice in one epoch {PIPELINE}")
    require(
        not np.array_equal(flat, np.sort(flat)),
        f"the batches come in file order: shuffle the dataset before batching {PIPELINE}",
    )
    first_max = max(indices(seen["first_batches"])[s].max() for s in range(3))
    require(
        first_max > 1100,
        f"the first batch only holds images among the first {first_max + 1} of {n}: the "
        f"shuffle buffer is too small to mix the whole set; use a buffer of len(images) {PIPELINE}",
    )
    # Shuffling whole batches instead of images keeps every batch a run of neighbours.
    spans = [int(b.max() - b.min()) for b in epoch]
    require(
        np.median(spans) > 32 * 4,
        "every batch holds neighbouring images (median spread of indices within a batch "
        f"{np.median(spans):.0f}): shuffle the images before batching, not the batches after {PIPELINE}",
    )
    again = indices(seen["again"])
    require(
        len(again) == len(epoch)
        and all(np.array_equal(a, b) for a, b in zip(epoch, again, strict=True)),
        f"two pipelines built with the same seed give different batches: pass the seed to shuffle() {PIPELINE}",
    )
    other = indices(seen["epochs"]["4"])
    require(
        not all(np.array_equal(a, b) for a, b in zip(epoch, other, strict=False)),
        f"different seeds give the same order: the seed argument is ignored {PIPELINE}",
    )
    require(
        any("Prefetch" in k for k in seen["kinds"]),
        f"the pipeline {seen['kinds'][::-1]} is not prefetched: end it with .prefetch(tf.data.AUTOTUNE) {PIPELINE}",
    )
    require(seen["unseeded_batches"] == 10, f"seed=None must work too {PIPELINE}")


def _loss_check(name: str, book: str, calls: list, judge_values):
    def generator(rng):
        seen = yield {"calls": calls}
        values = [_scalar_tensor(c, book, f"{name} ") for c in seen["calls"]]
        judge_values(values)

    return generator


@check("test_discriminator_loss")
def _(rng):
    real = rng.normal(1.0, 2.0, size=(16, 1)).astype(np.float32)
    fake = rng.normal(-1.0, 2.0, size=(16, 1)).astype(np.float32)
    r3 = np.array([[2.0], [0.5], [-1.0]], np.float32)
    f1 = np.array([[0.3]], np.float32)
    big, small = np.full((3, 1), 200.0, np.float32), np.full((3, 1), -200.0, np.float32)
    seen = yield {"calls": [[real, fake], [big, small], [small, big], [r3, f1]]}
    got, confident, wrong, uneven = (
        _scalar_tensor(c, LOGITS, "discriminator_loss ") for c in seen["calls"]
    )

    def reference(r, f):
        return _softplus(-r).mean() + _softplus(f).mean()

    require(
        not np.isclose(got, reference(fake, real), rtol=1e-4),
        "the loss equals the one with real and fake labels swapped: real images must be "
        "labelled 1 and fakes 0 (book: Conventions, 'Labels: 1 is real, 0 is fake')",
    )
    require(
        not np.isclose(got, reference(real, fake) / 2, rtol=1e-5),
        "the loss is half the expected value: the discriminator's loss is the sum of the two "
        f"mean BCE terms, real and fake; do not average them {LOGITS}",
    )
    require(
        np.isclose(got, reference(real, fake), rtol=1e-5),
        f"got {got:.6f}, expected {reference(real, fake):.6f} on random logits. Are the inputs "
        f"treated as logits (from_logits=True)? Is a sigmoid applied twice? {LOGITS}",
    )
    require(
        np.isfinite(confident) and confident < 1e-6,
        f"with logits of +200 on real and -200 on fake the loss must be ~0, got {confident}: "
        f"compute the loss from logits in one stable step, not log(sigmoid(x)) {LOGITS}",
    )
    require(
        np.isfinite(wrong) and np.isclose(wrong, 400.0, rtol=1e-4),
        f"with logits of -200 on real and +200 on fake the loss must be 400 (a finite number), "
        f"got {wrong}: probabilities clipped to [1e-7, 1 - 1e-7] or log(sigmoid(x)) lose this {LOGITS}",
    )
    require(
        np.isclose(uneven, reference(r3, f1), rtol=1e-5),
        "with 3 real and 1 fake logit the loss must be mean(real term) + mean(fake term), not "
        f"one mean over all 4 terms {LOGITS}",
    )


@check("test_generator_loss")
def _(rng):
    fake = rng.normal(-2.0, 3.0, size=(32, 1)).astype(np.float32)
    seen = yield {"calls": [[fake], [np.full((2, 1), -200.0, np.float32)]]}
    got, rejected = (_scalar_tensor(c, TRAPS, "generator_loss ") for c in seen["calls"])
    require(
        not np.isclose(got, -_softplus(fake).mean(), rtol=1e-4),
        "this is the saturating loss mean(log(1 - D(G(z)))); the generator should minimise "
        f"-mean(log D(G(z))), the BCE of the fakes against label 1 {TRAPS}",
    )
    require(
        not np.isclose(got, _softplus(fake).mean(), rtol=1e-4),
        "the fakes are compared with label 0: the generator wants the discriminator to call "
        f"its samples real, label 1 {TRAPS}",
    )
    expected = _softplus(-fake).mean()
    require(
        np.isclose(got, expected, rtol=1e-5),
        f"got {got:.6f}, expected {expected:.6f}: use the BCE of the logits against ones, with "
        f"from_logits=True {TRAPS}",
    )
    require(
        np.isfinite(rejected) and np.isclose(rejected, 200.0, rtol=1e-4),
        f"when the discriminator rejects the fakes with logit -200 the loss must be 200, got "
        f"{rejected}: compute it from logits, not as log(sigmoid(x)) {TRAPS}",
    )


@check("test_minimax_generator_loss")
def _(rng):
    fake = rng.normal(0.0, 3.0, size=(64, 1)).astype(np.float32)
    big = np.full((2, 1), 200.0, np.float32)
    seen = yield {"calls": [[fake], [big], [-big]]}
    got, accepted, rejected = (
        _scalar_tensor(c, SATURATING, "minimax_generator_loss ") for c in seen["calls"]
    )
    expected = -_softplus(fake).mean()
    require(
        not np.isclose(got, -expected, rtol=1e-4),
        "the sign is flipped: log(1 - sigmoid(x)) is never positive, so the mean is <= 0 "
        "(book: The minimax objective)",
    )
    require(
        not np.isclose(got, _softplus(-fake).mean(), rtol=1e-4),
        "this is the non-saturating loss -log(sigmoid(x)); the saturating objective is "
        f"mean(log(1 - sigmoid(x))) {SATURATING}",
    )
    require(
        np.isclose(got, expected, rtol=1e-5),
        f"got {got:.6f}, expected mean(log(1 - sigmoid(x))) = {expected:.6f} {SATURATING}",
    )
    require(
        np.isfinite(accepted) and np.isclose(accepted, -200.0, rtol=1e-4),
        f"for a logit of 200 the value is log(1 - sigmoid(200)) = -200, got {accepted}: "
        f"1 - sigmoid(200) rounds to 0 in float32; compute it stably as -softplus(x) {SATURATING}",
    )
    require(
        np.isfinite(rejected) and abs(rejected) < 1e-6,
        f"for a logit of -200 the value is ~0, got {rejected} {SATURATING}",
    )


@check("test_optimal_discriminator")
def _(rng):
    pd, pm = rng.random((3, 5)), rng.random((3, 5))
    edge = [np.array([0.0, 0.3, 0.0]), np.array([0.0, 0.0, 0.7])]
    seen = yield {"calls": [[np.array([0.2, 0.5]), np.array([0.2, 0.25])], [pd, pm], edge]}
    small, got, zeros = seen["calls"]
    _returned(small, OPTIMUM, "optimal_discriminator ", shape=(2,))
    require(small["type"] == "ndarray", f"expected a NumPy array, got {small['type']} {OPTIMUM}")
    got = _returned(got, OPTIMUM, "optimal_discriminator ", shape=(3, 5))
    require(
        not np.allclose(got, pm / (pd + pm)),
        "this is p_model / (p_data + p_model): D* is the probability of 'real', "
        "p_data / (p_data + p_model) (book: The minimax objective)",
    )
    require(
        np.allclose(got, pd / (pd + pm), atol=1e-12),
        f"values differ from p_data / (p_data + p_model) {OPTIMUM}",
    )
    zeros = _returned(zeros, OPTIMUM, "optimal_discriminator ", shape=(3,))
    require(
        np.all(np.isfinite(zeros)),
        f"got {zeros}: 0 / 0 must not give nan; return 0.5 there {OPTIMUM}",
    )
    require(
        np.allclose(zeros, [0.5, 1.0, 0.0]),
        f"expected [0.5, 1, 0] where (p_data, p_model) = (0, 0), (0.3, 0), (0, 0.7), got {zeros} {OPTIMUM}",
    )


def _js(p, q) -> float:
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    m = (p + q) / 2
    return float(
        sum(0.5 * a * np.log(a / b) for x in (p, q) for a, b in zip(x, m, strict=True) if a > 0)
    )


@check("test_js_divergence")
def _(rng):
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    disjoint = [np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.3, 0.7])]
    same = [np.array([0.2, 0.0, 0.8]), np.array([0.2, 0.0, 0.8])]
    seen = yield {
        "calls": [[np.array([0.5, 0.5]), np.array([0.9, 0.1])], [p, q], disjoint, same, [q, p]]
    }
    values = [_returned(c, DIVERGENCES, "js_divergence ", shape=()) for c in seen["calls"]]
    _, got, apart, zero, backwards = (float(v) for v in values)
    require(
        not np.isclose(got, _js(p, q) / np.log(2), rtol=1e-6),
        f"the value is in bits: use the natural logarithm (nats) as the book does {DIVERGENCES}",
    )
    require(
        not np.isclose(got, np.sqrt(_js(p, q)), rtol=1e-6),
        "this is the square root of JSD, the Jensen-Shannon distance that "
        f"scipy.spatial.distance.jensenshannon returns: square it {DIVERGENCES}",
    )
    require(
        np.isclose(got, _js(p, q), rtol=1e-7),
        f"got {got:.8f}, expected {_js(p, q):.8f}: JSD is the mean of KL(p || m) and KL(q || m) "
        "with the mixture m = (p + q) / 2, not KL(p || q) (book: Divergences)",
    )
    require(
        np.isfinite(apart) and np.isclose(apart, np.log(2), rtol=1e-9),
        f"for disjoint supports JSD = log 2 = {np.log(2):.6f}, got {apart}: use 0 log 0 = 0, "
        f"skip the terms where the probability is zero {DIVERGENCES}",
    )
    require(
        np.isfinite(zero) and abs(zero) < 1e-12,
        f"JSD(p || p) must be 0, got {zero}: with a zero entry, 0 log 0 = 0 (no nan) {DIVERGENCES}",
    )
    require(
        np.isclose(got, backwards, rtol=1e-12), f"JSD must be symmetric in p and q {DIVERGENCES}"
    )


@check("test_gan_value")
def _(rng):
    pd, pm = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
    d = rng.uniform(0.05, 0.95, 7)
    star = pd / (pd + pm)
    better = np.clip(star + 0.05 * rng.standard_normal(7), 0.01, 0.99)
    edge = [np.array([1.0, 0.0, 0.5]), np.array([0.6, 0.0, 0.4]), np.array([0.0, 0.5, 0.5])]
    half = np.array([0.5, 0.5])
    calls = [[half, half, half], [d, pd, pm], edge, [star, pd, pm], [better, pd, pm]]
    seen = yield {"calls": calls, "pair": [pd, pm]}
    values = [float(_returned(c, GLOBAL, "gan_value ", shape=())) for c in seen["calls"]]
    _, got, at_edge, at_star, perturbed = values
    expected = float(np.sum(pd * np.log(d)) + np.sum(pm * np.log(1 - d)))
    require(
        not np.isclose(got, -expected, rtol=1e-6),
        f"the sign is flipped: V is a sum of log-probabilities, never positive {GLOBAL}",
    )
    swapped = float(np.sum(pd * np.log(1 - d)) + np.sum(pm * np.log(d)))
    require(
        not np.isclose(got, swapped, rtol=1e-6),
        f"log d and log(1 - d) are swapped: d is the probability of 'real', so it goes with p_data {GLOBAL}",
    )
    require(
        np.isclose(got, expected, rtol=1e-9),
        f"got {got:.8f}, expected {expected:.8f}: weight each log by its probability and sum "
        "(not mean) over the points (book: The minimax objective)",
    )
    edge_expected = 0.4 * np.log(0.5) + 0.5 * np.log(0.5)
    require(
        np.isfinite(at_edge) and np.isclose(at_edge, edge_expected, rtol=1e-9),
        f"got {at_edge:.10f}, expected {edge_expected:.10f}: where p_model = 0 the term p_model "
        "log(1 - d) is 0 even when d = 1, and likewise for p_data where d = 0 (0 log 0 = 0); "
        f"skip those terms exactly, without clipping d or adding an epsilon {GLOBAL}",
    )
    require(
        perturbed <= at_star + 1e-12,
        f"a perturbed discriminator scores higher than D*: D* must maximise V {GLOBAL}",
    )
    # The theorem: at D*, V = -log 4 + 2 JSD, for the student's own D* and JSD.
    theorem = seen["theorem"]
    require("error" not in theorem, f"optimal_discriminator raised {theorem.get('error')} {GLOBAL}")
    v_star = float(_returned(theorem["value_at_star"], GLOBAL, "gan_value ", shape=()))
    js = float(_returned(theorem["js"], GLOBAL, "js_divergence ", shape=()))
    require(
        np.isclose(v_star, -np.log(4) + 2 * js, rtol=1e-9),
        f"V(D*, G) = {v_star:.8f} but -log 4 + 2 JSD = {-np.log(4) + 2 * js:.8f}: one of "
        f"optimal_discriminator, js_divergence, gan_value is inconsistent {GLOBAL}",
    )
