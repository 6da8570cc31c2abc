"""What the probe does for ps3-conditional-gan: build the student's networks and call the
student's step and sampler on the judge's inputs (with the notebook's stand-in networks, their
weights taken from the judge's inputs), and report what came back. No expected value, no
reference and no check lives here (see autograder/checks/ps3_conditional_gan.py).

The short training run trains the student's ``conditional_train_step`` on the small fixed
conditional networks below (not the student's, not the reference solution's), so that its
statistics depend on the step alone.
"""

from autograder.probes import attempt


def _tensor(value):
    """A model's or a step's output as the judge sees it."""
    import numpy as np
    import tensorflow as tf

    found = {"type": type(value).__name__, "is_tensor": bool(tf.is_tensor(value))}
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - reported as not an array
        return found
    found["shape"] = list(array.shape)
    found["dtype"] = array.dtype.name
    if array.dtype.kind in "fiub":
        found["value"] = (
            array.astype(np.float64) if array.dtype.kind == "f" else array.astype(np.int64)
        )
    return found


def _called(function, *args, **kwargs):
    value, error = attempt(function, *args, **kwargs)
    return {"error": error} if error else _tensor(value)


def _model_call(model, first, labels, training=False):
    import tensorflow as tf

    return _called(lambda: model([tf.constant(first), tf.constant(labels)], training=training))


def _gradients(model, first, labels):
    """The norm of the gradient of mean(output) for each trainable variable (-1: no gradient)."""
    import numpy as np
    import tensorflow as tf

    def norms():
        with tf.GradientTape() as tape:
            out = model([tf.constant(first), tf.constant(labels)], training=True)
            loss = tf.reduce_mean(tf.cast(out, tf.float32))
        grads = tape.gradient(loss, model.trainable_variables)
        return np.array(
            [-1.0 if g is None else float(tf.norm(tf.convert_to_tensor(g))) for g in grads],
            np.float64,
        )

    value, error = attempt(norms)
    return {"error": error} if error else {"norms": value}


def _scaled(build, kwargs, warm, inputs, factor):
    """A fresh model whose trainable weights are multiplied by ``factor``, on ``inputs``."""
    import tensorflow as tf

    def run():
        model = build(**kwargs)
        model([tf.constant(w) for w in warm], training=False)  # builds a subclassed model
        for variable in model.trainable_variables:
            variable.assign(variable * factor)
        return model([tf.constant(x) for x in inputs], training=False)

    return _called(run)


def _layers(model):
    import keras

    found, stack = [], list(getattr(model, "layers", []))
    while stack and len(found) < 500:
        layer = stack.pop(0)
        found.append(
            {
                "kind": type(layer).__name__,
                "strided_conv": isinstance(layer, keras.layers.Conv2D)
                and not isinstance(layer, keras.layers.Conv2DTranspose)
                and max(getattr(layer, "strides", (1,))) > 1,
                "dropout": isinstance(layer, keras.layers.Dropout),
            }
        )
        stack.extend(getattr(layer, "layers", []))
    return found


def _built(build, **kwargs):
    import keras

    model, error = attempt(build, **kwargs)
    if error:
        return None, {"error": error}
    return model, {"type": type(model).__name__, "is_model": isinstance(model, keras.Model)}


def test_build_conditional_generator(ns, inputs):
    build = ns["build_conditional_generator"]
    generator, found = _built(build)
    if generator is None or not found["is_model"]:
        return {"built": found}
    found = {"built": found}
    found["call"] = _model_call(generator, *inputs["call"])
    found["by_class"] = _model_call(generator, *inputs["by_class"])
    found["by_noise"] = _model_call(generator, *inputs["by_noise"])
    params, error = attempt(generator.count_params)
    found["params"] = {"error": error} if error else {"value": int(params)}
    found["gradients"] = _gradients(generator, *inputs["gradients"])
    other, built = _built(build, latent_dim=inputs["latent_dim"])
    found["latent"] = _model_call(other, *inputs["latent"]) if other is not None else built
    other, built = _built(build, num_classes=inputs["num_classes"])
    found["classes"] = _model_call(other, *inputs["classes"]) if other is not None else built
    found["scaled"] = _scaled(build, {}, inputs["call"], inputs["scaled"], inputs["factor"])
    return found


def test_build_conditional_discriminator(ns, inputs):
    build = ns["build_conditional_discriminator"]
    discriminator, found = _built(build)
    if discriminator is None or not found["is_model"]:
        return {"built": found}
    found = {"built": found}
    found["call"] = _model_call(discriminator, *inputs["call"])
    found["by_label"] = _model_call(discriminator, *inputs["by_label"])
    found["by_image"] = _model_call(discriminator, *inputs["by_image"])
    params, error = attempt(discriminator.count_params)
    found["params"] = {"error": error} if error else {"value": int(params)}
    found["layers"] = _layers(discriminator)
    found["gradients"] = _gradients(discriminator, *inputs["gradients"])
    other, built = _built(build, num_classes=inputs["num_classes"])
    found["classes"] = _model_call(other, *inputs["classes"]) if other is not None else built
    found["scaled"] = _scaled(build, {}, inputs["call"], inputs["scaled"], inputs["factor"])
    return found


# ------------------------------------------------------------------ the training step


def _optimizer(model, learning_rate, kind):
    import keras

    if kind == "adam":
        optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    else:
        optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
    optimizer.build(model.trainable_variables)
    return optimizer


def _losses(value):
    """What a step returned: its kind, its keys and each loss as reported by :func:`_tensor`."""
    if not isinstance(value, dict):
        return {"type": type(value).__name__}
    found = {"type": "dict", "keys": sorted(str(k) for k in value)}
    for key in ("d_loss", "g_loss"):
        if key in value:
            found[key] = _tensor(value[key])
    return found


def _step(ns, generator, discriminator, optimizers, images, labels, **kwargs):
    import tensorflow as tf

    value, error = attempt(
        ns["conditional_train_step"],
        generator,
        discriminator,
        *optimizers,
        tf.constant(images),
        tf.constant(labels),
        **kwargs,
    )
    return {"error": error} if error else _losses(value)


def _spies(ns, weights, latent_dim):
    """The notebook's spy networks, with the judge's initial weights."""
    generator = ns["SpyGenerator"](latent_dim=latent_dim)
    discriminator = ns["SpyDiscriminator"]()
    generator.table.assign(weights["table"])
    discriminator.kernel.assign(weights["kernel"])
    discriminator.class_bias.assign(weights["class_bias"])
    return generator, discriminator


def _spy_state(generator, discriminator):
    import numpy as np

    def read(v):
        return np.asarray(v.numpy(), np.float64)

    return {
        "table": read(generator.table),
        "kernel": read(discriminator.kernel),
        "class_bias": read(discriminator.class_bias),
        "trainable": [bool(generator.trainable), bool(discriminator.trainable)],
        "counts": [len(generator.trainable_variables), len(discriminator.trainable_variables)],
        "g_training_calls": read(generator.training_calls),
        "g_other_calls": read(generator.other_calls),
        "d_training_calls": read(discriminator.training_calls),
        "d_other_calls": read(discriminator.other_calls),
        "label_counts": read(generator.label_counts),
        "out_of_range": read(generator.out_of_range),
        "real_label_counts": read(discriminator.real_label_counts),
        "fake_rows": read(discriminator.fake_rows),
        "fake_mismatches": read(discriminator.fake_mismatches),
    }


def test_conditional_train_step_values(ns, inputs):
    import numpy as np

    generator = ns["ConstantConditionalGenerator"]()
    discriminator = ns["LinearConditionalDiscriminator"]()
    generator.image.assign(inputs["image"])
    discriminator.kernel.assign(inputs["kernel"])
    discriminator.bias.assign(inputs["bias"])
    optimizers = (
        _optimizer(generator, inputs["lr_g"], "sgd"),
        _optimizer(discriminator, inputs["lr_d"], "sgd"),
    )
    found = {
        "step": _step(ns, generator, discriminator, optimizers, inputs["real"], inputs["labels"])
    }
    found["trainable"] = [bool(generator.trainable), bool(discriminator.trainable)]
    found["image"] = np.asarray(generator.image.numpy(), np.float64)
    found["kernel"] = np.asarray(discriminator.kernel.numpy(), np.float64)
    found["bias"] = np.asarray(discriminator.bias.numpy(), np.float64)
    return found


def test_conditional_train_step_routing(ns, inputs):
    found = {"steps": []}
    generator, discriminator = _spies(ns, inputs["weights"], inputs["latent_dim"])
    optimizers = (_optimizer(generator, 1e-2, "adam"), _optimizer(discriminator, 1e-2, "adam"))
    for images, labels in inputs["batches"]:
        step = _step(
            ns,
            generator,
            discriminator,
            optimizers,
            images,
            labels,
            latent_dim=inputs["latent_dim"],
        )
        found["steps"].append({"step": step, "state": _spy_state(generator, discriminator)})
        if "error" in step:
            break
    found["frozen"] = []
    for lr_g, lr_d in inputs["learning_rates"]:
        generator, discriminator = _spies(ns, inputs["weights"], inputs["latent_dim"])
        optimizers = (_optimizer(generator, lr_g, "adam"), _optimizer(discriminator, lr_d, "adam"))
        images, labels = inputs["frozen_batch"]
        step = _step(
            ns,
            generator,
            discriminator,
            optimizers,
            images,
            labels,
            latent_dim=inputs["latent_dim"],
        )
        found["frozen"].append({"step": step, "state": _spy_state(generator, discriminator)})
    return found


def test_conditional_train_step_labels(ns, inputs):
    import keras

    found = {}
    generator, discriminator = _spies(ns, inputs["weights"], 100)
    optimizers = (_optimizer(generator, 1e-3, "adam"), _optimizer(discriminator, 1e-3, "adam"))
    images, labels = inputs["one_class"]
    found["one_class"] = _step(ns, generator, discriminator, optimizers, images, labels)
    found["one_class_state"] = _spy_state(generator, discriminator)

    class PairSpy(ns["SpyDiscriminator"]):
        """Also counts, for the real rows, (class written in the image, label given)."""

        def __init__(self, code_pixel, **kwargs):
            super().__init__(**kwargs)
            self.code_pixel = code_pixel
            self.pairs = self.add_weight(
                shape=(self.num_classes, self.num_classes),
                initializer="zeros",
                trainable=False,
                name="pairs",
            )

        def call(self, inputs, training=None):
            images, labels = inputs
            flat = keras.ops.reshape(keras.ops.cast(images, "float32"), (-1, 784))
            given = keras.ops.clip(
                keras.ops.cast(keras.ops.reshape(labels, (-1,)), "int32"), 0, self.num_classes - 1
            )
            is_real = keras.ops.cast(flat[:, 0] < -0.9, "float32")
            written = keras.ops.cast(
                keras.ops.round((flat[:, self.code_pixel] + 0.4) / 0.08), "int32"
            )
            written = keras.ops.clip(written, 0, self.num_classes - 1)
            both = (
                keras.ops.one_hot(written, self.num_classes)[:, :, None]
                * keras.ops.one_hot(given, self.num_classes)[:, None, :]
            )
            self.pairs.assign_add(keras.ops.sum(both * is_real[:, None, None], axis=0))
            return super().call(inputs, training=training)

    generator = ns["SpyGenerator"](latent_dim=100)
    generator.table.assign(inputs["weights"]["table"])
    discriminator = PairSpy(inputs["code_pixel"])
    discriminator.kernel.assign(inputs["weights"]["kernel"])
    discriminator.class_bias.assign(inputs["weights"]["class_bias"])
    optimizers = (_optimizer(generator, 1e-3, "adam"), _optimizer(discriminator, 1e-3, "adam"))
    images, labels = inputs["mixed"]
    found["mixed"] = _step(ns, generator, discriminator, optimizers, images, labels)
    found["mixed_state"] = _spy_state(generator, discriminator)
    found["pairs"] = discriminator.pairs.numpy()
    return found


# ------------------------------------------------------------------ the sampler


def test_generate_by_class(ns, inputs):
    import tensorflow as tf

    sample = ns["generate_by_class"]
    spy = ns["SpyGenerator"]()
    found = {"first": _called(sample, spy, inputs["first"], seed=1)}
    spy = ns["SpyGenerator"](latent_dim=16)
    labels = inputs["labels"]
    found["a"] = _called(sample, spy, labels, seed=3, latent_dim=16)
    found["training_calls"] = float(spy.training_calls.numpy())
    found["b"] = _called(sample, spy, inputs["labels_uint8"], seed=3, latent_dim=16)
    found["t"] = _called(
        sample, spy, tf.constant(inputs["labels_uint8"], tf.int32), seed=3, latent_dim=16
    )
    found["c"] = _called(sample, spy, labels, seed=4, latent_dim=16)
    found["d"] = _called(sample, spy, labels, latent_dim=16)
    found["e"] = _called(sample, spy, labels, latent_dim=16)
    found["training_calls_after"] = float(spy.training_calls.numpy())
    noise = ns["SpyGenerator"](latent_dim=784)
    found["moments_call"] = _called(sample, noise, inputs["moments_labels"], seed=5, latent_dim=784)
    found["moments"] = noise.noise_moments.numpy()
    return found


# ------------------------------------------------------------------ the short training run


def _run_networks(seed: int):
    """The fixed small conditional pair the run trains (seeded initializers).

    Generator: a learned 8-number label embedding beside z, a dense layer to 7x7x32, two
    resize-then-convolve blocks, tanh. Discriminator: two strided convolutions, a 64-unit
    feature vector h and a projection head, logit = w . h + b + embed(label) . h (Miyato and
    Koyama, 2018). Neither is the notebook's reference design.
    """
    import keras

    def init(k):
        return keras.initializers.GlorotUniform(seed=seed * 16 + k)

    def embed(k):
        return keras.initializers.RandomNormal(stddev=0.1, seed=seed * 16 + k)

    noise = keras.Input(shape=(100,))
    label = keras.Input(shape=(), dtype="int32")
    x = keras.layers.Concatenate()(
        [noise, keras.layers.Embedding(10, 8, embeddings_initializer=embed(1))(label)]
    )
    x = keras.layers.Dense(7 * 7 * 32, kernel_initializer=init(2))(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(keras.layers.Reshape((7, 7, 32))(x))
    x = keras.layers.UpSampling2D()(x)
    x = keras.layers.Conv2D(16, 3, padding="same", kernel_initializer=init(3))(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.UpSampling2D()(x)
    image = keras.layers.Conv2D(
        1, 3, padding="same", activation="tanh", kernel_initializer=init(4)
    )(x)
    generator = keras.Model([noise, label], image)

    image = keras.Input(shape=(28, 28, 1))
    label = keras.Input(shape=(), dtype="int32")
    x = keras.layers.Conv2D(16, 4, strides=2, padding="same", kernel_initializer=init(5))(image)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Conv2D(32, 4, strides=2, padding="same", kernel_initializer=init(6))(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    h = keras.layers.Dense(64, kernel_initializer=init(7))(keras.layers.Flatten()(x))
    h = keras.layers.LeakyReLU(negative_slope=0.2)(h)
    projection = keras.layers.Dot(axes=1)(
        [h, keras.layers.Embedding(10, 64, embeddings_initializer=embed(8))(label)]
    )
    logit = keras.layers.Add()([keras.layers.Dense(1, kernel_initializer=init(9))(h), projection])
    discriminator = keras.Model([image, label], logit)
    return generator, discriminator


def test_short_training_run(ns, inputs):
    """Train the fixed pair with the student's step (compiled with tf.function); report the
    losses of every step and the discriminator's probabilities on held-out pairs."""
    import keras
    import numpy as np
    import tensorflow as tf

    from gancourse.data import load_dataset

    seed, steps, batch_size, n_images = (
        int(inputs[k]) for k in ("seed", "steps", "batch_size", "n_images")
    )
    (x, y), (x_held_out, y_held_out) = load_dataset(str(inputs["dataset"]))
    images = ((x[:n_images].astype(np.float32) - 127.5) / 127.5)[..., None]
    labels = y[:n_images].astype(np.int32)
    held_out = tf.constant(((x_held_out[:256].astype(np.float32) - 127.5) / 127.5)[..., None])
    held_out_labels = tf.constant(y_held_out[:256].astype(np.int32))
    keras.utils.set_random_seed(seed)
    generator, discriminator = _run_networks(seed)
    rate = float(inputs["learning_rate"])
    generator_optimizer = keras.optimizers.Adam(learning_rate=rate, beta_1=0.5)
    discriminator_optimizer = keras.optimizers.Adam(learning_rate=rate, beta_1=0.5)
    generator_optimizer.build(generator.trainable_variables)
    discriminator_optimizer.build(discriminator.trainable_variables)
    step = tf.function(ns["conditional_train_step"], autograph=False)
    order = np.random.default_rng(seed).permutation(steps * batch_size) % n_images
    d_losses, g_losses = [], []
    for i in range(steps):
        index = order[i * batch_size : (i + 1) * batch_size]
        value, error = attempt(
            step,
            generator,
            discriminator,
            generator_optimizer,
            discriminator_optimizer,
            tf.constant(images[index]),
            tf.constant(labels[index]),
        )
        if error:
            return {"error": error, "step": i}
        losses = _losses(value)
        if "d_loss" not in losses or "g_loss" not in losses:
            return {"returned": losses, "step": i}
        d_losses.append(float(np.asarray(losses["d_loss"].get("value", np.nan)).reshape(-1)[0]))
        g_losses.append(float(np.asarray(losses["g_loss"].get("value", np.nan)).reshape(-1)[0]))
    noise = tf.random.stateless_normal((256, 100), seed=[seed, 1])
    fakes = generator([noise, held_out_labels], training=False)
    return {
        "d_losses": np.array(d_losses),
        "g_losses": np.array(g_losses),
        "p_real": tf.sigmoid(discriminator([held_out, held_out_labels], training=False)).numpy(),
        "p_fake": tf.sigmoid(discriminator([fakes, held_out_labels], training=False)).numpy(),
        "fakes": fakes.numpy()[:64],
    }
