"""What the probe does for ps2-dcgan-mnist: build the student's networks, run the student's
training step and sampler on stand-in networks whose weights come from the judge, and report
what came back. No expected value, no reference step and no band lives here (see
autograder/checks/ps2_dcgan_mnist.py).

The stand-in networks and the small pair of the training run are defined here, not taken from
the notebook's helpers, so that nothing the student defines can replace them.
"""

import functools

from autograder.probes import attempt, describe


@functools.cache
def _keras():
    """Keras, and the one custom layer of the stand-ins (defined once per process)."""
    import keras

    class ConstantImage(keras.layers.Layer):
        """tanh of one trainable 28x28x1 image, whatever z is (z only sets the batch size)."""

        def build(self, input_shape):
            self.image = self.add_weight(shape=(28, 28, 1), initializer="zeros", name="image")

        def call(self, noise):
            zeros = 0.0 * keras.ops.sum(noise, axis=-1)
            return keras.ops.tanh(self.image)[None] + zeros[:, None, None, None]

    keras.ConstantImage = ConstantImage
    return keras


# ------------------------------------------------------------------ reporting helpers


def _numpy(value):
    import numpy as np

    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def _strides(layer) -> list:
    import numpy as np

    try:
        return [int(s) for s in np.atleast_1d(getattr(layer, "strides", None) or [])]
    except (TypeError, ValueError):
        return []


def _layer_facts(model) -> list:
    """Every layer of a model (nested ones too): its class and what the judge asks about."""
    keras = _keras()
    found = []

    def walk(layer, depth):
        for child in getattr(layer, "layers", []) or []:
            if depth > 20 or len(found) > 500:
                return
            activation = getattr(child, "activation", None)
            found.append(
                {
                    "class": type(child).__name__,
                    "transposed": isinstance(child, keras.layers.Conv2DTranspose),
                    "conv2d": isinstance(child, keras.layers.Conv2D)
                    and not isinstance(child, keras.layers.Conv2DTranspose),
                    "strides": _strides(child),
                    "batch_norm": isinstance(child, keras.layers.BatchNormalization),
                    "leaky_relu": isinstance(child, keras.layers.LeakyReLU),
                    "dropout": isinstance(child, keras.layers.Dropout),
                    "activation": ""
                    if activation is None
                    else str(getattr(activation, "__name__", activation)),
                }
            )
            walk(child, depth + 1)

    walk(model, 0)
    return found


def _graph_ops(model, x) -> list:
    """The kinds of TensorFlow operation one call of the model runs (a subclassed model's
    ``tf.nn.leaky_relu`` shows here, not among its layers)."""
    import tensorflow as tf

    traced, error = attempt(
        lambda: tf.function(lambda t: model(t, training=False)).get_concrete_function(x)
    )
    if error:
        return []
    return sorted({op.type for op in traced.graph.get_operations()})


def _output(model, x, training=False) -> dict:
    """One call of a model: its output's shape, dtype and values, or the error."""
    import tensorflow as tf

    value, error = attempt(model, x, training=training)
    if error:
        return {"error": error}
    if not tf.is_tensor(value):
        return {"error": f"the model returned a {type(value).__name__}, not a tensor"}
    return {"shape": list(value.shape), "dtype": value.dtype.name, "value": value}


def _gradients(model, x) -> dict:
    """Gradients of the mean output w.r.t. the model's trainable variables (training=True)."""
    import numpy as np
    import tensorflow as tf

    def compute():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.cast(model(x, training=True), tf.float32))
        return tape.gradient(loss, model.trainable_variables)

    grads, error = attempt(compute)
    if error:
        return {"error": error}
    return {
        "count": len(grads),
        "missing": sum(g is None for g in grads),
        "finite": bool(all(np.isfinite(_numpy(g)).all() for g in grads if g is not None)),
    }


def _build(ns, name, *args, **kwargs) -> tuple:
    keras = _keras()
    model, error = attempt(ns[name], *args, **kwargs)
    if error:
        return None, {"error": error}
    if not isinstance(model, keras.Model):
        return None, {"error": "", "not_model": type(model).__name__}
    return model, {}


def _count_params(model):
    count, error = attempt(model.count_params)
    return {"error": error} if error else int(count)


def _scaled_output(model, x, factor) -> dict:
    """The output after every trainable weight was multiplied by ``factor``."""
    for variable in model.trainable_variables:
        variable.assign(variable * factor)
    return _output(model, x)


# ------------------------------------------------------------------ the networks' checks


def test_build_generator(ns, inputs):
    import tensorflow as tf

    z = tf.constant(inputs["z"])
    generator, found = _build(ns, "build_generator")
    if generator is None:
        return found
    found["output"] = _output(generator, z)
    found["other_output"] = _output(generator, tf.constant(inputs["z_other"]))
    found["layers"] = _layer_facts(generator)
    found["ops"] = _graph_ops(generator, z)
    found["params"] = _count_params(generator)
    found["gradients"] = _gradients(generator, z)
    small, built = _build(ns, "build_generator", latent_dim=inputs["small_latent_dim"])
    found["small"] = _output(small, tf.constant(inputs["z_small"])) if small is not None else built
    big, built = _build(ns, "build_generator")
    if big is None:
        found["scaled"] = built
    else:
        _output(big, z)  # builds a subclassed model's weights
        found["scaled"] = _scaled_output(big, tf.constant(inputs["z_large"]), inputs["factor"])
    return found


def test_build_discriminator(ns, inputs):
    import tensorflow as tf

    discriminator, found = _build(ns, "build_discriminator")
    if discriminator is None:
        return found
    images = tf.constant(inputs["images"])
    found["zeros"] = _output(discriminator, tf.constant(inputs["zeros"]))
    found["output"] = _output(discriminator, images)
    found["five"] = _output(discriminator, images[:5])
    found["layers"] = _layer_facts(discriminator)
    found["ops"] = _graph_ops(discriminator, images)
    found["params"] = _count_params(discriminator)
    found["gradients"] = _gradients(discriminator, images)
    big, built = _build(ns, "build_discriminator")
    if big is None:
        found["scaled"] = built
    else:
        _output(big, images)
        found["scaled"] = _scaled_output(big, images, inputs["factor"])
        found["scaled_layers"] = _layer_facts(big)
    return found


# ------------------------------------------------------------------ stand-in networks


def _constant_generator(latent_dim, image):
    keras = _keras()
    model = keras.Sequential([keras.Input(shape=(latent_dim,)), keras.ConstantImage()])
    model.layers[-1].set_weights([image])
    return model


def _linear_discriminator(kernel, bias):
    keras = _keras()
    model = keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model.layers[-1].set_weights([kernel, bias])
    return model


def _bn_model(weights: dict, generator: bool):
    """A small network with batch normalisation; ``weights`` holds every layer's arrays.

    Generator: Dense(width, no bias), BatchNorm, LeakyReLU, Dense(784, tanh), Reshape.
    Discriminator: Flatten, Dense(width, no bias), BatchNorm, LeakyReLU, Dense(1). (No bias
    before batch norm: its gradient would be zero, and whether Adam moves it would depend on
    round-off.)
    """
    keras = _keras()
    if generator:
        head = [keras.Input(shape=(weights["dense"][0].shape[0],))]
        tail = [keras.layers.Dense(28 * 28, activation="tanh"), keras.layers.Reshape((28, 28, 1))]
    else:
        head = [keras.Input(shape=(28, 28, 1)), keras.layers.Flatten()]
        tail = [keras.layers.Dense(1)]
    width = weights["dense"][0].shape[1]
    dense = keras.layers.Dense(width, use_bias=False)
    norm = keras.layers.BatchNormalization()
    model = keras.Sequential(
        [*head, dense, norm, keras.layers.LeakyReLU(negative_slope=0.2), *tail]
    )
    dense.set_weights(weights["dense"])
    norm.set_weights(weights["bn"])
    model.layers[-2 if generator else -1].set_weights(weights["out"])
    return model


def _bn_weights(model, generator: bool) -> dict:
    """Every weight of a network made by :func:`_bn_model`, by layer."""
    dense, norm = [layer for layer in model.layers if layer.weights][:2]
    out = model.layers[-2 if generator else -1]
    return {
        "dense": dense.get_weights(),
        "bn": norm.get_weights(),
        "out": out.get_weights(),
    }


def _optimizer(model, kind, learning_rate):
    keras = _keras()
    make = keras.optimizers.Adam if kind == "adam" else keras.optimizers.SGD
    optimizer = make(learning_rate=learning_rate)
    optimizer.build(model.trainable_variables)
    return optimizer


def _losses(value) -> dict:
    """How train_step's return value looks: a dict of scalar tensors, or what it is instead."""
    import tensorflow as tf

    if not isinstance(value, dict):
        return {"type": type(value).__name__}
    found = {"type": "dict", "keys": sorted(str(k) for k in value), "values": {}}
    for key in ("d_loss", "g_loss"):
        if key in value:
            item = value[key]
            found["values"][key] = {
                "tensor": bool(tf.is_tensor(item)),
                "kind": type(item).__name__,
                "shape": list(getattr(item, "shape", ()) or ()),
                "value": attempt(lambda item=item: _numpy(item).astype("float64"))[0],
            }
    return found


def _state(generator, discriminator) -> dict:
    return {
        "trainable": [bool(generator.trainable), bool(discriminator.trainable)],
        "counts": [len(generator.trainable_variables), len(discriminator.trainable_variables)],
    }


# ------------------------------------------------------------------ the training step's checks


def test_train_step_values(ns, inputs):
    import tensorflow as tf

    generator = _constant_generator(inputs["latent_dim"], inputs["image"])
    discriminator = _linear_discriminator(inputs["kernel"], inputs["bias"])
    value, error = attempt(
        ns["train_step"],
        generator,
        discriminator,
        _optimizer(generator, "sgd", inputs["lr_g"]),
        _optimizer(discriminator, "sgd", inputs["lr_d"]),
        tf.constant(inputs["real"]),
    )
    if error:
        return {"raised": error}
    return {
        "losses": _losses(value),
        **_state(generator, discriminator),
        "image": generator.layers[-1].get_weights()[0],
        "kernel": discriminator.layers[-1].get_weights()[0],
        "bias": discriminator.layers[-1].get_weights()[1],
    }


def _bn_step(ns, inputs, steps, lr_g, lr_d):
    """Steps of train_step on the batch-norm stand-ins; every weight after each step."""
    import tensorflow as tf

    generator = _bn_model(inputs["generator"], generator=True)
    discriminator = _bn_model(inputs["discriminator"], generator=False)
    optimizers = _optimizer(generator, "adam", lr_g), _optimizer(discriminator, "adam", lr_d)
    found = {"steps": []}
    for real in inputs["real"][:steps]:
        value, error = attempt(
            ns["train_step"],
            generator,
            discriminator,
            *optimizers,
            tf.constant(real),
            latent_dim=inputs["latent_dim"],
        )
        if error:
            found["raised"] = error
            break
        found["steps"].append(
            {
                "losses": _losses(value),
                **_state(generator, discriminator),
                "generator": _bn_weights(generator, True),
                "discriminator": _bn_weights(discriminator, False),
            }
        )
    return found


def test_train_step_routing(ns, inputs):
    lr = inputs["learning_rate"]
    return {
        "both": _bn_step(ns, inputs, 2, lr, lr),
        "generator_frozen": _bn_step(ns, inputs, 1, 0.0, lr),
        "discriminator_frozen": _bn_step(ns, inputs, 1, lr, 0.0),
    }


def test_train_step_training_mode(ns, inputs):
    lr = inputs["learning_rate"]
    return _bn_step(ns, inputs, 1, lr, lr)


# ------------------------------------------------------------------ the sampler's check


def _sample(ns, generator, *args, **kwargs) -> dict:
    import numpy as np

    value, error = attempt(ns["generate_images"], generator, *args, **kwargs)
    if error:
        return {"error": error}
    found = {"type": type(value).__name__}
    if isinstance(value, np.ndarray):
        found.update(dtype=value.dtype.name, shape=list(value.shape))
        if value.dtype.name in ("float16", "float32", "float64"):
            found["value"] = value
    return found


def test_generate_images(ns, inputs):
    keras = _keras()
    default = _bn_model(inputs["default_generator"], generator=True)
    found = {"default": _sample(ns, default, 3, seed=0)}
    generator = _bn_model(inputs["generator"], generator=True)
    latent = inputs["latent_dim"]
    found["a"] = _sample(ns, generator, 6, seed=3, latent_dim=latent)
    found["weights"] = _bn_weights(generator, True)
    found["b"] = _sample(ns, generator, 6, seed=3, latent_dim=latent)
    found["c"] = _sample(ns, generator, 6, seed=4, latent_dim=latent)
    found["d"] = _sample(ns, generator, 6, latent_dim=latent)
    found["e"] = _sample(ns, generator, 6, latent_dim=latent)
    # A generator that shows its noise: image = tanh(z / 3).
    window = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Rescaling(1.0 / 3.0),
            keras.layers.Activation("tanh"),
            keras.layers.Reshape((28, 28, 1)),
        ]
    )
    found["window"] = _sample(ns, window, inputs["window_n"], seed=5, latent_dim=784)
    return found


# ------------------------------------------------------------------ the short training run


def training_pair(seed: int, latent_dim: int = 100):
    """The fixed small DCGAN-like pair the training run trains (seeded initial weights).

    Generator: Dense(7*7*32, no bias), BatchNorm, LeakyReLU, Conv2DTranspose(16, 4, stride 2,
    no bias), BatchNorm, LeakyReLU, Conv2DTranspose(1, 4, stride 2, tanh). Discriminator:
    Conv2D(16, 4, stride 2), LeakyReLU, Conv2D(32, 4, stride 2), LeakyReLU, Flatten, Dense(1),
    without dropout so that the run depends on the seed and on the step only.
    """
    keras = _keras()
    layers = keras.layers

    def init(i):
        return keras.initializers.GlorotUniform(seed=seed * 100 + i)

    generator = keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(7 * 7 * 32, use_bias=False, kernel_initializer=init(1)),
            layers.BatchNormalization(),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, 32)),
            layers.Conv2DTranspose(16, 4, 2, "same", use_bias=False, kernel_initializer=init(2)),
            layers.BatchNormalization(),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(1, 4, 2, "same", activation="tanh", kernel_initializer=init(3)),
        ]
    )
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, 4, 2, "same", kernel_initializer=init(4)),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(32, 4, 2, "same", kernel_initializer=init(5)),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Flatten(),
            layers.Dense(1, kernel_initializer=init(6)),
        ]
    )
    return generator, discriminator


def test_short_training_run(ns, inputs):
    """Train the student's train_step (compiled) on :func:`training_pair` with real MNIST."""
    import numpy as np
    import tensorflow as tf

    from gancourse.data import load_dataset

    keras = _keras()
    seed, steps, batch_size = inputs["seed"], inputs["steps"], inputs["batch_size"]
    (x, _), (x_held_out, _) = load_dataset("mnist")
    images = ((x[: inputs["n_images"]].astype(np.float32) - 127.5) / 127.5)[..., None]
    held_out = ((x_held_out[: inputs["n_held_out"]].astype(np.float32) - 127.5) / 127.5)[..., None]
    keras.utils.set_random_seed(seed)
    generator, discriminator = training_pair(seed)
    optimizers = [
        keras.optimizers.Adam(learning_rate=inputs["learning_rate"], beta_1=0.5) for _ in range(2)
    ]
    optimizers[0].build(generator.trainable_variables)
    optimizers[1].build(discriminator.trainable_variables)
    step = tf.function(ns["train_step"], autograph=False)
    order = np.random.default_rng(seed).permutation(steps * batch_size) % len(images)
    d_losses, g_losses = [], []
    for i in range(steps):
        batch = tf.constant(images[order[i * batch_size : (i + 1) * batch_size]])
        try:
            losses = step(generator, discriminator, *optimizers, batch)
            d_losses.append(float(losses["d_loss"]))
            g_losses.append(float(losses["g_loss"]))
        except Exception as err:  # noqa: BLE001 - the student's step, reported to the judge
            return {"raised": describe(err), "step": i}
    noise = tf.random.stateless_normal((inputs["n_held_out"], 100), seed=[seed, 1])
    fakes = generator(noise, training=False).numpy()
    p_real = tf.sigmoid(discriminator(held_out, training=False)).numpy()
    p_fake = tf.sigmoid(discriminator(fakes, training=False)).numpy()
    return {
        "d_losses": np.array(d_losses),
        "g_losses": np.array(g_losses),
        "fake_mean": float(np.mean(fakes)),
        "fake_std": float(np.std(fakes)),
        "p_real": float(p_real.mean()),
        "p_fake": float(p_fake.mean()),
    }
