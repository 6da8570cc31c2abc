"""Known-wrong answers to ps2-dcgan-mnist, each a bug seen in public DCGAN code.

Run ``python -m autograder.wrong_solutions ps2-dcgan-mnist``: every entry must lose points, and
a failing test's message must contain its ``expect`` text.
"""

from autograder.wrong_solutions import WrongSolution

WRONG_SOLUTIONS = [
    WrongSolution(
        name="discriminator-sigmoid-output",
        function="build_discriminator",
        source="""
def build_discriminator():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Dropout(0.3),
            keras.layers.Conv2D(64, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Dropout(0.3),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
""",
        expect="sigmoid",
        origin="Keras 2 DCGAN examples: Dense(1, activation='sigmoid') kept while the losses "
        "switched to from_logits=True",
    ),
    WrongSolution(
        name="generator-linear-output",
        function="build_generator",
        source="""
def build_generator(latent_dim=100):
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            keras.layers.Dense(7 * 7 * 256, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Reshape((7, 7, 256)),
            keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same"),
        ]
    )
""",
        expect="tanh",
        origin="generators whose last Conv2DTranspose lost its activation='tanh' in a refactor",
    ),
    WrongSolution(
        name="generator-ignores-latent-dim",
        function="build_generator",
        source="""
def build_generator(latent_dim=100):
    return keras.Sequential(
        [
            keras.Input(shape=(LATENT_DIM,)),
            keras.layers.Dense(7 * 7 * 256, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Reshape((7, 7, 256)),
            keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
        ]
    )
""",
        expect="latent_dim",
        origin="builders that read a global NOISE_DIM / LATENT_DIM instead of their argument",
    ),
    WrongSolution(
        name="swapped-labels-in-step",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(fake_logits, real_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="labels swapped",
        origin="real labelled 0 and fake 1 (or the arguments of the loss swapped), common in "
        "blog-post GANs",
    ),
    WrongSolution(
        name="saturating-generator-loss",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        # minimise log(1 - D(G(z))), the generator's term of the minimax value
        g_loss = tf.reduce_mean(tf.math.log(1.0 - tf.sigmoid(fake_logits) + 1e-8))
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="saturating",
        origin="literal transcriptions of the minimax objective of Goodfellow et al. (2014)",
    ),
    WrongSolution(
        name="generator-descends-discriminator-loss",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape(persistent=True) as tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = tape.gradient(d_loss, generator.trainable_variables)  # copy-paste: d_loss
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="moved the wrong way",
        origin="one persistent tape and a copy-pasted gradient line: the generator minimises "
        "the discriminator's loss, helping its opponent",
    ),
    WrongSolution(
        name="discriminator-gradients-with-generator-optimizer",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="optimizer",
        origin="one optimizer for both networks, or the wrong optimizer name after a copy",
    ),
    WrongSolution(
        name="generator-never-updated",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="generator's weights did not change",
        origin="the generator's apply_gradients line lost (or left under a disabled branch)",
    ),
    WrongSolution(
        name="generator-step-also-updates-discriminator",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    # the combined model G -> D, with the discriminator left trainable
    combined = generator.trainable_variables + discriminator.trainable_variables
    with tf.GradientTape() as tape:
        g_loss = generator_loss(discriminator(generator(noise, training=True), training=True))
    generator_optimizer.apply_gradients(zip(tape.gradient(g_loss, combined), combined))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="built for",
        origin="Keras 2 combined GAN model without discriminator.trainable = False",
    ),
    WrongSolution(
        name="discriminator-frozen-keras2-style",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    discriminator.trainable = False  # Keras 2 habit, never switched back
    with tf.GradientTape() as generator_tape:
        g_loss = generator_loss(discriminator(generator(noise, training=True), training=True))
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="no longer trainable",
        origin="Keras 2 recipe (freeze D before the generator's update) ported without "
        "unfreezing: from the second step on the discriminator never learns",
    ),
    WrongSolution(
        name="training-flag-omitted",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise)
        real_logits = discriminator(real_images)
        fake_logits = discriminator(fake_images)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="training=True",
        origin="custom training loops that call models without training=True (batch norm "
        "then runs on its initial moving averages)",
    ),
    WrongSolution(
        name="losses-recomputed-after-update",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    # "log the losses" by evaluating again, now with the updated weights
    fake_logits = discriminator(generator(noise, training=False), training=False)
    real_logits = discriminator(real_images, training=False)
    return {
        "d_loss": discriminator_loss(real_logits, fake_logits),
        "g_loss": generator_loss(fake_logits),
    }
""",
        expect="before the update",
        origin="logging code that re-evaluates the losses after optimizer.apply_gradients",
    ),
    WrongSolution(
        name="generate-images-training-true",
        function="generate_images",
        source="""
def generate_images(generator, n, seed=None, latent_dim=100):
    if seed is None:
        noise = tf.random.normal((n, latent_dim))
    else:
        noise = tf.random.stateless_normal((n, latent_dim), seed=[seed, 0])
    return np.asarray(generator(noise, training=True), dtype=np.float32)
""",
        expect="training=False",
        origin="the TF DCGAN tutorial's training=True copied from the train step into the sampler",
    ),
    WrongSolution(
        name="generate-images-op-seed",
        function="generate_images",
        source="""
def generate_images(generator, n, seed=None, latent_dim=100):
    noise = tf.random.normal((n, latent_dim), seed=seed)
    return np.asarray(generator(noise, training=False), dtype=np.float32)
""",
        expect="same seed",
        origin="an operation-level seed, which in eager mode advances on every call",
    ),
    WrongSolution(
        name="fresh-optimizers-inside-step",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    # new optimizers on every call: the arguments are ignored and Adam's moments reset
    generator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    discriminator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    noise = tf.random.normal((tf.shape(real_images)[0], latent_dim))
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="learning rate 0",
        origin="optimizers constructed inside the training function, so each step starts a new "
        "Adam with its own learning rate",
    ),
    WrongSolution(
        name="generator-imported-from-course-package",
        function="build_generator",
        source="""
def build_generator(latent_dim=100):
    from gancourse.models import build_generator as course_generator

    return course_generator(latent_dim)
""",
        expect="reference solutions",
        origin="handing in the course package's own network instead of writing it",
    ),
]
