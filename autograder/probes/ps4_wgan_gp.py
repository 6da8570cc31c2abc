"""What the probe does for ps4-wgan-gp: build the stand-in models from the judge's weights, call
the student's functions on the judge's inputs and report what they return and what the models
look like afterwards. No expected value, no reference penalty or training step lives here (see
autograder/checks/ps4_wgan_gp.py)."""

from autograder.probes import attempt, describe


def _reported(value):
    """A returned value as the judge sees it: its kind, dtype and shape beside the value."""
    import numpy as np
    import tensorflow as tf

    if tf.is_tensor(value):
        try:
            array = np.asarray(value.numpy())
        except Exception as err:  # noqa: BLE001 - a symbolic tensor
            return {
                "type": "tensor",
                "value": None,
                "dtype": value.dtype.name,
                "why": describe(err),
            }
        return {"type": "tensor", "value": array, "dtype": value.dtype.name}
    kind = type(value).__name__
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return {"type": kind, "value": None, "dtype": ""}
    return {"type": kind, "value": array, "dtype": getattr(value, "dtype", kind).__str__()}


def _call(function, *args, **kwargs):
    value, error = attempt(function, *args, **kwargs)
    return {"error": error} if error else _reported(value)


# ------------------------------------------------------------------ stand-in critics


def _analytic_critic(a, w, scale):
    """f(x) = 0.5 * scale * sum(a * x**2) + sum(w * x), a constant, w and scale weights."""
    import keras
    import numpy as np

    class AnalyticCritic(keras.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
            self.w = self.add_weight(shape=(28, 28, 1), initializer="zeros", name="w")

        def call(self, x):
            x = keras.ops.cast(x, "float32")
            quadratic = 0.5 * self.scale * keras.ops.sum(self.a * x * x, axis=(1, 2, 3))
            return keras.ops.expand_dims(quadratic + keras.ops.sum(self.w * x, axis=(1, 2, 3)), -1)

    layer = AnalyticCritic(name="analytic")
    layer.a = np.asarray(a, np.float32)
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layer], name="analytic_critic")
    layer.set_weights([np.asarray(scale, np.float32), np.asarray(w, np.float32)])
    return model


def _linear_critic(kernel, bias):
    """f(x) = sum(kernel * x) + bias as Flatten + Dense(1)."""
    import keras
    import numpy as np

    model = keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)],
        name="linear_critic",
    )
    model.layers[-1].set_weights(
        [np.reshape(kernel, (784, 1)).astype(np.float32), np.reshape(bias, (1,)).astype(np.float32)]
    )
    return model


def _conv_critic(weights):
    """Conv2D(4, 3) + Flatten + Dense(1), with the judge's weights (a linear function of x)."""
    import keras
    import numpy as np

    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, name="small_conv"),
            keras.layers.Flatten(name="small_flatten"),
            keras.layers.Dense(1, name="small_score"),
        ]
    )
    model.set_weights([np.asarray(w, np.float32) for w in weights])
    return model


def _penalty(ns, critic, real, fake, eps=None):
    import tensorflow as tf

    args = [critic, tf.constant(real, tf.float32), tf.constant(fake, tf.float32)]
    if eps is None:
        return _call(ns["gradient_penalty"], *args)
    return _call(ns["gradient_penalty"], *args, epsilon=tf.constant(eps, tf.float32))


# ------------------------------------------------------------------ the probes


def test_wasserstein_1d(ns, inputs):
    found = []
    for x, y, as_list in inputs["calls"]:
        if as_list:
            x, y = x.tolist(), y.tolist()
        value, error = attempt(ns["wasserstein_1d"], x, y)
        if error:
            found.append({"error": error})
            continue
        call = {"is_float": isinstance(value, float), "type": type(value).__name__}
        try:
            call["value"] = float(value)
        except (TypeError, ValueError):
            call["value"] = None
        found.append(call)
    return {"calls": found}


def _loss_calls(function, calls):
    import tensorflow as tf

    return [_call(function, *[tf.constant(a) for a in args]) for args in calls]


def test_critic_loss(ns, inputs):
    return {"calls": _loss_calls(ns["critic_loss"], inputs["calls"])}


def test_generator_wasserstein_loss(ns, inputs):
    return {"calls": _loss_calls(ns["generator_wasserstein_loss"], inputs["calls"])}


def _all_layers(model):
    found = []
    for layer in getattr(model, "layers", []):
        found.append(layer)
        if hasattr(layer, "layers"):
            found.extend(_all_layers(layer))
    return found


def test_build_critic(ns, inputs):
    import keras
    import numpy as np
    import tensorflow as tf

    critic, error = attempt(ns["build_critic"])
    if error:
        return {"error": f"build_critic() raised {error}"}
    found = {"is_model": isinstance(critic, keras.Model), "type": type(critic).__name__}
    if not found["is_model"]:
        return found
    try:
        found["input_shape"] = [-1 if n is None else int(n) for n in critic.input_shape]
    except Exception as err:  # noqa: BLE001 - a subclassed model has no input_shape
        found["input_shape_error"] = describe(err)
    images = np.array(inputs["images"], np.float32)
    images[:8] = ns["mnist_images"](8, offset=100)
    found["scores"] = {}
    for n in (1, 2, 5, 16):
        batch = np.zeros((2, 28, 28, 1), np.float32) if n == 2 else images[:n]
        found["scores"][str(n)] = _call(critic, tf.constant(batch), training=False)
    layers = _all_layers(critic)
    found["layers"] = [
        {
            "name": layer.name,
            "classes": [k.__name__ for k in type(layer).__mro__],
            "activation": getattr(getattr(layer, "activation", None), "__name__", ""),
            "weights": len(layer.get_weights()),
            "out_1": bool(layer.get_weights() and np.shape(layer.get_weights()[0])[-1:] == (1,)),
        }
        for layer in layers
    ]
    # The output layer: the last layer with weights and one output unit (else the last with
    # weights); its weights times 1000 must scale an unbounded score.
    weighted = [i for i, layer in enumerate(layers) if layer.get_weights()]
    ones = [i for i in weighted if found["layers"][i]["out_1"]]
    if weighted:
        index = (ones or weighted)[-1]
        found["scaled_layer"] = index
        last = layers[index]
        saved = last.get_weights()
        last.set_weights([1000.0 * w for w in saved])
        found["scaled"] = _call(critic, tf.constant(images), training=False)
        last.set_weights(saved)
    x = tf.constant(images[:4])
    try:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            out = tf.reduce_sum(critic(x, training=True))
        gradient = tape.gradient(out, x)
        found["input_gradient"] = None if gradient is None else gradient.numpy()
        weight_gradients = tape.gradient(out, critic.trainable_variables)
        found["weight_gradients"] = [
            None if g is None else float(np.sum(np.abs(np.asarray(tf.convert_to_tensor(g)))))
            for g in weight_gradients
        ]
        found["weight_gradients_finite"] = [
            g is None or bool(np.all(np.isfinite(np.asarray(tf.convert_to_tensor(g)))))
            for g in weight_gradients
        ]
    except Exception as err:  # noqa: BLE001 - the student's model
        found["gradient_error"] = describe(err)
    return found


def test_gradient_penalty_values(ns, inputs):
    visible = _penalty(ns, _conv_critic(inputs["conv"]), *inputs["visible"])
    real, fake, eps = inputs["real"], inputs["fake"], inputs["eps"]
    found = {"visible": visible}
    found["quadratic"] = _penalty(
        ns, _analytic_critic(inputs["a"], 0.0 * inputs["a"], 1.0), real, fake, eps
    )
    found["ends"] = [
        _penalty(ns, _analytic_critic(inputs["a"], inputs["w"], 1.0), real, fake, e)
        for e in inputs["ends"]
    ]
    found["linear"] = _penalty(
        ns, _linear_critic(inputs["kernel"], inputs["bias"]), real, fake, eps
    )
    return found


def test_gradient_penalty_epsilon(ns, inputs):
    import numpy as np

    found = {"visible": _penalty(ns, _conv_critic(inputs["conv"]), *inputs["visible"])}
    critic = _analytic_critic(np.ones((28, 28, 1)), np.zeros((28, 28, 1)), 1.0)
    for name in ("one", "batch"):
        real, fake, calls = inputs[name]
        draws = [_penalty(ns, critic, real, fake) for _ in range(int(calls))]
        errors = [d["error"] for d in draws if "error" in d]
        if errors:
            found[name] = {"error": errors[0]}
            continue
        bad = [d for d in draws if d["value"] is None or np.shape(d["value"]) != ()]
        if bad:
            found[name] = {"bad": bad[0]}
            continue
        found[name] = {"values": np.array([float(d["value"]) for d in draws])}
    return found


def test_gradient_penalty_safe(ns, inputs):
    import tensorflow as tf

    f = ns["gradient_penalty"]

    def penalty_and_gradients(critic, variables, real, fake, eps=None):
        args = [critic, tf.constant(real, tf.float32), tf.constant(fake, tf.float32)]
        if eps is not None:
            args.append(tf.constant(eps, tf.float32))
        try:
            with tf.GradientTape() as tape:
                value = f(*args)
            gradients = tape.gradient(value, variables(critic))
        except Exception as err:  # noqa: BLE001 - the student's function
            return {"error": describe(err)}
        return {
            "penalty": _reported(value),
            "gradients": [None if g is None else tf.convert_to_tensor(g) for g in gradients],
        }

    return {
        "visible": penalty_and_gradients(
            _conv_critic(inputs["conv"]), lambda c: c.trainable_variables, *inputs["visible"]
        ),
        "zero": penalty_and_gradients(
            _linear_critic(inputs["zero_kernel"], 0.0),
            lambda c: c.trainable_variables,
            *inputs["zero"],
        ),
        "scale": penalty_and_gradients(
            _analytic_critic(inputs["a"], inputs["w"], inputs["c"]),
            lambda c: [c.layers[-1].scale],
            *inputs["scale"],
        ),
    }


# ------------------------------------------------------------------ the training step


def _step_generator(latent_dim, bias, mixer):
    """A generator whose images are bias (as 28x28x1) for every z until it is trained: a zero
    Dense(784) plus a side branch Dense(4) -> BatchNormalization -> zero Dense(784), which adds
    0 but whose moving statistics move when the model is called with training=True."""
    import keras
    import numpy as np

    z = keras.Input(shape=(latent_dim,))
    image = keras.layers.Dense(784, name="image")
    side_in = keras.layers.Dense(4, name="mixer")
    norm = keras.layers.BatchNormalization(name="norm")
    side_out = keras.layers.Dense(784, name="side")
    total = keras.layers.Add()([image(z), side_out(norm(side_in(z)))])
    model = keras.Model(z, keras.layers.Reshape((28, 28, 1))(total), name="step_generator")
    image.set_weights([np.zeros((latent_dim, 784), np.float32), np.asarray(bias, np.float32)])
    side_in.set_weights([np.asarray(mixer, np.float32), np.zeros(4, np.float32)])
    side_out.set_weights([np.zeros((4, 784), np.float32), np.zeros(784, np.float32)])
    return model


def _optimizer(kind, rate, variables, **kwargs):
    import keras

    optimizer = getattr(keras.optimizers, kind)(rate, **kwargs)
    # Built here, so a step written as a tf.function never creates variables while tracing.
    optimizer.build(variables)
    return optimizer


def _step_logs(logs):
    import numpy as np

    if not isinstance(logs, dict):
        return {"type": type(logs).__name__}
    found = {"keys": sorted(str(k) for k in logs), "values": {}}
    for key, value in logs.items():
        try:
            array = np.asarray(value.numpy() if hasattr(value, "numpy") else value, np.float64)
            found["values"][str(key)] = {"ndim": int(array.ndim), "value": array}
        except Exception as err:  # noqa: BLE001 - not a number
            found["values"][str(key)] = {"error": describe(err)}
    return found


def test_wgan_gp_train_step(ns, inputs):
    import numpy as np
    import tensorflow as tf

    real = tf.constant(inputs["real"], tf.float32)
    latent_dim = int(inputs["latent_dim"])
    found = {}
    for run in inputs["runs"]:
        generator = _step_generator(latent_dim, inputs["bias"], inputs["mixer"])
        critic = _linear_critic(run["kernel"], inputs["critic_bias"])
        generator_optimizer = _optimizer(
            "SGD", float(run["generator_lr"]), generator.trainable_variables
        )
        critic_optimizer = _optimizer("SGD", float(run["critic_lr"]), critic.trainable_variables)
        moving = [v.numpy().copy() for v in generator.non_trainable_variables]
        trainable = [v.numpy().copy() for v in generator.trainable_variables]
        kwargs = {"latent_dim": latent_dim, **run["kwargs"]}
        logs, error = attempt(
            ns["wgan_gp_train_step"],
            generator, critic, generator_optimizer, critic_optimizer, real, **kwargs,
        )  # fmt: skip
        if error:
            found[run["name"]] = {"error": error}
            continue
        found[run["name"]] = {
            "logs": _step_logs(logs),
            "critic_steps": int(critic_optimizer.iterations.numpy()),
            "generator_steps": int(generator_optimizer.iterations.numpy()),
            "kernel": critic.layers[-1].get_weights()[0].ravel(),
            "critic_bias": critic.layers[-1].get_weights()[1],
            "image_bias": generator.get_layer("image").get_weights()[1],
            "trainable_changed": any(
                not np.allclose(a, b.numpy())
                for a, b in zip(trainable, generator.trainable_variables, strict=True)
            ),
            "moving_changed": any(
                not np.allclose(a, b.numpy())
                for a, b in zip(moving, generator.non_trainable_variables, strict=True)
            ),
        }
    return found


# ------------------------------------------------------------------ the short training run


def run_generator(latent_dim):
    """The fixed generator of the short run (not the problem set's): 16 -> 28x28x1 in (-1, 1)."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            keras.layers.Dense(7 * 7 * 16, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Reshape((7, 7, 16)),
            keras.layers.Conv2DTranspose(8, 4, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
        ],
        name="run_generator",
    )


def run_critic():
    """The fixed critic of the short run: two strided convolutions, no normalisation, Dense(1)."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(8, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(16, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ],
        name="run_critic",
    )


def test_short_training_run(ns, inputs):
    """Train the fixed pair with the student's step on MNIST; report scores, input-gradient
    norms at the judge's interpolation points, the step's logs and the generator's weights."""
    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(int(inputs["seed"]))
    steps, batch_size, held_out = (int(inputs[k]) for k in ("steps", "batch_size", "held_out"))
    images = ns["mnist_images"](steps * batch_size + held_out, offset=int(inputs["offset"]))
    train, test = images[: steps * batch_size], tf.constant(images[-held_out:])
    latent_dim = int(inputs["latent_dim"])
    generator, critic = run_generator(latent_dim), run_critic()
    generator.set_weights([np.asarray(w, np.float32) for w in inputs["generator_weights"]])
    critic.set_weights([np.asarray(w, np.float32) for w in inputs["critic_weights"]])
    z_test = tf.constant(inputs["z_test"], tf.float32)
    eps_test = tf.constant(inputs["eps_test"], tf.float32)

    def observe():
        # Fakes in training mode: the batch statistics the critic was trained against.
        fakes = generator(z_test, training=True)
        x_hat = eps_test * test + (1.0 - eps_test) * fakes
        with tf.GradientTape() as tape:
            tape.watch(x_hat)
            scores = critic(x_hat)
        gradients = tape.gradient(scores, x_hat)
        return {
            "real_scores": critic(test).numpy().ravel(),
            "fake_scores": critic(fakes).numpy().ravel(),
            "gradient_norms": np.sqrt(
                np.sum(np.square(gradients.numpy().astype(np.float64)), axis=(1, 2, 3))
            ),
        }

    found = {"before": observe(), "logs": []}
    adam = {"beta_1": 0.5, "beta_2": 0.9}
    critic_optimizer = _optimizer("Adam", float(inputs["rate"]), critic.trainable_variables, **adam)
    generator_optimizer = _optimizer(
        "Adam", float(inputs["rate"]), generator.trainable_variables, **adam
    )
    for index in range(steps):
        batch = tf.constant(train[index * batch_size : (index + 1) * batch_size])
        logs, error = attempt(
            ns["wgan_gp_train_step"],
            generator, critic, generator_optimizer, critic_optimizer, batch, latent_dim=latent_dim,
        )  # fmt: skip
        if error:
            return {"error": error}
        found["logs"].append(_step_logs(logs))
    found["after"] = observe()
    found["generator_weights"] = generator.get_weights()
    return found
