"""Known-wrong answers to ps2-dcgan-mnist, each a bug seen in public DCGAN code.

Run ``python -m autograder.wrong_solutions ps2-dcgan-mnist``: every entry must lose points, and
a failing test's message must contain its ``expect`` text.
"""

from autograder.wrong_solutions import CorrectVariant, WrongSolution

WRONG_SOLUTIONS = [
    WrongSolution(
        name="generator-relu-in-call",
        function="build_generator",
        source="""
class Generator(keras.Model):
    def __init__(self, latent_dim=100, **kwargs):
        super().__init__(**kwargs)
        self.project = keras.layers.Dense(7 * 7 * 64, use_bias=False)
        self.norm0 = keras.layers.BatchNormalization()
        self.up1 = keras.layers.Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False)
        self.norm1 = keras.layers.BatchNormalization()
        self.up2 = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same")

    def call(self, z, training=False):
        x = tf.nn.relu(self.norm0(self.project(z), training=training))
        x = tf.reshape(x, (-1, 7, 7, 64))
        x = tf.nn.relu(self.norm1(self.up1(x), training=training))
        return tf.tanh(self.up2(x))


def build_generator(latent_dim=100):
    model = Generator(latent_dim)
    model(tf.zeros((1, latent_dim)))
    return model
""",
        expect="LeakyReLU",
        origin="PyTorch DCGAN ports: F.relu in the generator's forward(), where this contract "
        "asks for LeakyReLU",
    ),
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

CORRECT_VARIANTS = [
    CorrectVariant(
        name="tf-tutorial-generator",
        function="build_generator",
        source="""
def build_generator(latent_dim=100):
    model = keras.Sequential()
    model.add(keras.Input(shape=(latent_dim,)))
    model.add(keras.layers.Dense(7 * 7 * 256, use_bias=False))
    model.add(keras.layers.BatchNormalization())
    model.add(keras.layers.LeakyReLU())
    model.add(keras.layers.Reshape((7, 7, 256)))
    model.add(keras.layers.Conv2DTranspose(128, (5, 5), strides=(1, 1), padding="same", use_bias=False))
    model.add(keras.layers.BatchNormalization())
    model.add(keras.layers.LeakyReLU())
    model.add(keras.layers.Conv2DTranspose(64, (5, 5), strides=(2, 2), padding="same", use_bias=False))
    model.add(keras.layers.BatchNormalization())
    model.add(keras.layers.LeakyReLU())
    model.add(
        keras.layers.Conv2DTranspose(
            1, (5, 5), strides=(2, 2), padding="same", use_bias=False, activation="tanh"
        )
    )
    return model
""",
        origin="the TensorFlow DCGAN tutorial's make_generator_model (5x5 kernels, 128 and 64 "
        "filters, model.add style)",
    ),
    CorrectVariant(
        name="keras-io-functional-generator",
        function="build_generator",
        source="""
def build_generator(latent_dim=100):
    inputs = keras.Input(shape=(latent_dim,))
    x = keras.layers.Dense(7 * 7 * 128)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 128))(x)
    x = keras.layers.Conv2DTranspose(128, kernel_size=4, strides=2, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Conv2DTranspose(64, kernel_size=4, strides=2, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    outputs = keras.layers.Conv2D(1, kernel_size=5, padding="same", activation="tanh")(x)
    return keras.Model(inputs, outputs, name="generator")
""",
        origin="keras.io's DCGAN example (functional API, 4x4 transposed convolutions, a final "
        "Conv2D), with batch norm and tanh for MNIST",
    ),
    CorrectVariant(
        name="subclassed-generator",
        function="build_generator",
        source="""
class Generator(keras.Model):
    def __init__(self, latent_dim=100, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.project = keras.layers.Dense(7 * 7 * 64, use_bias=False)
        self.norm0 = keras.layers.BatchNormalization()
        self.act0 = keras.layers.LeakyReLU(negative_slope=0.2)
        self.up1 = keras.layers.Conv2DTranspose(32, 3, strides=2, padding="same", use_bias=False)
        self.norm1 = keras.layers.BatchNormalization()
        self.act1 = keras.layers.LeakyReLU(negative_slope=0.2)
        self.up2 = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same")

    def call(self, z, training=False):
        x = self.act0(self.norm0(self.project(z), training=training))
        x = keras.ops.reshape(x, (-1, 7, 7, 64))
        x = self.act1(self.norm1(self.up1(x), training=training))
        return keras.ops.tanh(self.up2(x))


def build_generator(latent_dim=100):
    model = Generator(latent_dim)
    model.build((None, latent_dim))
    return model
""",
        origin="a subclassed keras.Model (PyTorch-style layers in __init__, call()), 3x3 "
        "kernels, narrower",
    ),
    CorrectVariant(
        name="subclassed-generator-functional-activations",
        function="build_generator",
        source="""
class Generator(keras.Model):
    def __init__(self, latent_dim=100, **kwargs):
        super().__init__(**kwargs)
        self.project = keras.layers.Dense(7 * 7 * 128, use_bias=False)
        self.norm0 = keras.layers.BatchNormalization()
        self.up1 = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)
        self.norm1 = keras.layers.BatchNormalization()
        self.up2 = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same")

    def call(self, z, training=False):
        x = tf.nn.leaky_relu(self.norm0(self.project(z), training=training), alpha=0.2)
        x = tf.reshape(x, (-1, 7, 7, 128))
        x = tf.nn.leaky_relu(self.norm1(self.up1(x), training=training), alpha=0.2)
        return tf.tanh(self.up2(x))


def build_generator(latent_dim=100):
    model = Generator(latent_dim)
    model(tf.zeros((1, latent_dim)))
    return model
""",
        origin="a subclassed model whose call() applies tf.nn.leaky_relu and tf.tanh as "
        "functions (no activation layers to find), as PyTorch ports write F.leaky_relu",
    ),
    CorrectVariant(
        name="tf-tutorial-discriminator",
        function="build_discriminator",
        source="""
def build_discriminator():
    model = keras.Sequential()
    model.add(keras.Input(shape=(28, 28, 1)))
    model.add(keras.layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same"))
    model.add(keras.layers.LeakyReLU())
    model.add(keras.layers.Dropout(0.3))
    model.add(keras.layers.Conv2D(128, (5, 5), strides=(2, 2), padding="same"))
    model.add(keras.layers.LeakyReLU())
    model.add(keras.layers.Dropout(0.3))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(1))
    return model
""",
        origin="the TensorFlow DCGAN tutorial's make_discriminator_model",
    ),
    CorrectVariant(
        name="keras-io-functional-discriminator",
        function="build_discriminator",
        source="""
def build_discriminator():
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(64, kernel_size=4, strides=2, padding="same")(inputs)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Conv2D(128, kernel_size=4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Conv2D(128, kernel_size=4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(1)(x)
    return keras.Model(inputs, outputs, name="discriminator")
""",
        origin="keras.io's DCGAN discriminator (three 4x4 stride-2 convolutions, dropout "
        "before the last Dense), returning a logit",
    ),
    CorrectVariant(
        name="subclassed-discriminator",
        function="build_discriminator",
        source="""
class Discriminator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = keras.layers.Conv2D(32, 3, strides=2, padding="same")
        self.act1 = keras.layers.LeakyReLU(negative_slope=0.2)
        self.drop1 = keras.layers.Dropout(0.25)
        self.conv2 = keras.layers.Conv2D(64, 3, strides=2, padding="same")
        self.act2 = keras.layers.LeakyReLU(negative_slope=0.2)
        self.drop2 = keras.layers.Dropout(0.25)
        self.flatten = keras.layers.Flatten()
        self.logit = keras.layers.Dense(1)

    def call(self, images, training=False):
        x = self.drop1(self.act1(self.conv1(images)), training=training)
        x = self.drop2(self.act2(self.conv2(x)), training=training)
        return self.logit(self.flatten(x))


def build_discriminator():
    return Discriminator()
""",
        origin="a subclassed keras.Model discriminator, 3x3 kernels, unbuilt until first called",
    ),
    CorrectVariant(
        name="subclassed-discriminator-functional-activations",
        function="build_discriminator",
        source="""
class Critic(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = keras.layers.Conv2D(64, 4, strides=2, padding="same")
        self.conv2 = keras.layers.Conv2D(128, 4, strides=2, padding="same")
        self.drop = keras.layers.Dropout(0.3)
        self.logit = keras.layers.Dense(1)

    def call(self, images, training=False):
        x = keras.ops.leaky_relu(self.conv1(images), negative_slope=0.2)
        x = self.drop(keras.ops.leaky_relu(self.conv2(x), negative_slope=0.2), training=training)
        return self.logit(keras.ops.reshape(x, (-1, 7 * 7 * 128)))


def build_discriminator():
    return Critic()
""",
        origin="a subclassed model whose call() applies keras.ops.leaky_relu as a function",
    ),
    CorrectVariant(
        name="tf-tutorial-step-cross-entropy",
        function="train_step",
        source="""
cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)


@tf.function
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    noise = tf.random.normal([tf.shape(real_images)[0], latent_dim])
    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
        generated_images = generator(noise, training=True)
        real_output = discriminator(real_images, training=True)
        fake_output = discriminator(generated_images, training=True)
        gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
        real_loss = cross_entropy(tf.ones_like(real_output), real_output)
        fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
        disc_loss = real_loss + fake_loss
    gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
    gradients_of_discriminator = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
    discriminator_optimizer.apply_gradients(
        zip(gradients_of_discriminator, discriminator.trainable_variables)
    )
    generator_optimizer.apply_gradients(zip(gradients_of_generator, generator.trainable_variables))
    return {"d_loss": disc_loss, "g_loss": gen_loss}
""",
        origin="the TensorFlow DCGAN tutorial's train_step: a module-level BinaryCrossentropy, "
        "two tapes, @tf.function",
    ),
    CorrectVariant(
        name="persistent-tape-step",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    batch_size = real_images.shape[0]
    z = tf.random.normal((batch_size, latent_dim))
    with tf.GradientTape(persistent=True) as tape:
        fakes = generator(z, training=True)
        logits_real = discriminator(real_images, training=True)
        logits_fake = discriminator(fakes, training=True)
        d_loss = discriminator_loss(logits_real, logits_fake)
        g_loss = generator_loss(logits_fake)
    d_grads = tape.gradient(d_loss, discriminator.trainable_variables)
    g_grads = tape.gradient(g_loss, generator.trainable_variables)
    del tape
    discriminator_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        origin="one persistent GradientTape for both losses, static batch size",
    ),
    CorrectVariant(
        name="sequential-updates-step",
        function="train_step",
        source="""
def train_step(generator, discriminator, generator_optimizer, discriminator_optimizer,
               real_images, latent_dim=100):
    batch_size = tf.shape(real_images)[0]
    noise = tf.random.normal(shape=(batch_size, latent_dim))
    # 1. the discriminator
    with tf.GradientTape() as tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        d_real = tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.ones_like(real_logits), logits=real_logits
        )
        d_fake = tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.zeros_like(fake_logits), logits=fake_logits
        )
        d_loss = tf.reduce_mean(d_real) + tf.reduce_mean(d_fake)
    grads = tape.gradient(d_loss, discriminator.trainable_weights)
    discriminator_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights))
    # 2. the generator, against the updated discriminator
    with tf.GradientTape() as tape:
        fake_logits = discriminator(generator(noise, training=True), training=True)
        g_loss = tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(
                labels=tf.ones_like(fake_logits), logits=fake_logits
            )
        )
    grads = tape.gradient(g_loss, generator.trainable_weights)
    generator_optimizer.apply_gradients(zip(grads, generator.trainable_weights))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        origin="keras.io's GAN train_step pattern: update D, then recompute the fakes' logits "
        "and update G against the updated D",
    ),
    CorrectVariant(
        name="numpy-rng-sampler",
        function="generate_images",
        source="""
def generate_images(generator, n, seed=None, latent_dim=100):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, latent_dim)).astype(np.float32)
    return generator(z, training=False).numpy()
""",
        origin="NumPy's Generator for the noise, .numpy() on the output",
    ),
    CorrectVariant(
        name="predict-sampler",
        function="generate_images",
        source="""
def generate_images(generator, n, seed=None, latent_dim=100):
    if seed is None:
        z = tf.random.normal((n, latent_dim))
    else:
        z = tf.random.stateless_normal((n, latent_dim), seed=(seed, 0))
    return generator.predict(z, verbose=0)
""",
        origin="model.predict, which runs in inference mode and returns NumPy",
    ),
    CorrectVariant(
        name="tf-random-generator-sampler",
        function="generate_images",
        source="""
def generate_images(generator, n, seed=None, latent_dim=100):
    if seed is None:
        rng = tf.random.Generator.from_non_deterministic_state()
    else:
        rng = tf.random.Generator.from_seed(seed)
    z = rng.normal(shape=(n, latent_dim))
    return keras.ops.convert_to_numpy(generator(z, training=False)).astype("float32")
""",
        origin="tf.random.Generator, TensorFlow's recommended reproducible random numbers",
    ),
    CorrectVariant(
        name="keras-random-sampler",
        function="generate_images",
        source="""
def generate_images(generator, n, seed=None, latent_dim=100):
    z = keras.random.normal((n, latent_dim), seed=seed)
    images = generator(z, training=False)
    return np.array(images, dtype="float32")
""",
        origin="keras.random.normal with an integer seed (stateless) or none (global seed "
        "generator)",
    ),
]
