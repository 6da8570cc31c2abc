"""Wrong solutions of ps4-wgan-gp: each must lose points with a message that teaches.

Every entry is a bug seen in public WGAN / WGAN-GP code. One plausible bug is deliberately absent:
interpolating with epsilon on the fake image, ``eps * fake + (1 - eps) * real``. With epsilon
drawn uniformly in [0, 1] that is the same distribution of ``x_hat`` as the textbook formula
(1 - eps is uniform too), so it is not a bug in training. The tests still pin the contract for a
*given* epsilon (epsilon = 1 means the real images), which is what makes them deterministic.
"""

from autograder.wrong_solutions import CorrectVariant, WrongSolution

# The reference train step, with one line changed per wrong solution below.
_STEP_HEAD = """
def wgan_gp_train_step(
    generator,
    critic,
    generator_optimizer,
    critic_optimizer,
    real_images,
    latent_dim=100,
    n_critic=5,
    gp_weight=10.0,
):
    real_images = tf.cast(real_images, tf.float32)
    batch_size = tf.shape(real_images)[0]
"""

WRONG_SOLUTIONS = [
    # --- wasserstein_1d -------------------------------------------------------------------
    WrongSolution(
        name="w1-unsorted",
        function="wasserstein_1d",
        source="""
def wasserstein_1d(x, y):
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    return float(np.mean(np.abs(x - y)))
""",
        expect="sort",
        origin="mean |x - y| of samples paired in the order they arrive (toy W1 snippets)",
    ),
    WrongSolution(
        name="w1-signed-differences",
        function="wasserstein_1d",
        source="""
def wasserstein_1d(x, y):
    x = np.sort(np.asarray(x, dtype=np.float64).ravel())
    y = np.sort(np.asarray(y, dtype=np.float64).ravel())
    return float(abs(np.mean(x - y)))
""",
        expect="absolute value",
        origin="the difference of the means, which is only a lower bound on W1",
    ),
    WrongSolution(
        name="w1-is-w2",
        function="wasserstein_1d",
        source="""
def wasserstein_1d(x, y):
    x = np.sort(np.asarray(x, dtype=np.float64).ravel())
    y = np.sort(np.asarray(y, dtype=np.float64).ravel())
    return float(np.sqrt(np.mean((x - y) ** 2)))
""",
        expect="W2",
        origin="the root mean squared difference of sorted samples (W2, as in FID's Frechet form)",
    ),
    # --- critic_loss ------------------------------------------------------------------------
    WrongSolution(
        name="critic-loss-sign-flipped",
        function="critic_loss",
        source="""
def critic_loss(real_scores, fake_scores):
    real_scores = tf.cast(real_scores, tf.float32)
    fake_scores = tf.cast(fake_scores, tf.float32)
    return tf.reduce_mean(real_scores) - tf.reduce_mean(fake_scores)
""",
        expect="sign",
        origin="writing the critic's objective E[f(real)] - E[f(fake)] as its loss",
    ),
    WrongSolution(
        name="critic-loss-is-bce",
        function="critic_loss",
        source="""
def critic_loss(real_scores, fake_scores):
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    real_scores = tf.cast(real_scores, tf.float32)
    fake_scores = tf.cast(fake_scores, tf.float32)
    return bce(tf.ones_like(real_scores), real_scores) + bce(
        tf.zeros_like(fake_scores), fake_scores
    )
""",
        expect="no sigmoid",
        origin="the DCGAN discriminator loss kept when switching to a WGAN critic",
    ),
    # --- generator_wasserstein_loss ---------------------------------------------------------
    WrongSolution(
        name="generator-loss-plus-mean",
        function="generator_wasserstein_loss",
        source="""
def generator_wasserstein_loss(fake_scores):
    return tf.reduce_mean(tf.cast(fake_scores, tf.float32))
""",
        expect="sign",
        origin="g_loss = mean(D(G(z))), the sign convention of the other player",
    ),
    WrongSolution(
        name="generator-loss-is-bce",
        function="generator_wasserstein_loss",
        source="""
def generator_wasserstein_loss(fake_scores):
    fake_scores = tf.cast(fake_scores, tf.float32)
    return keras.losses.BinaryCrossentropy(from_logits=True)(
        tf.ones_like(fake_scores), fake_scores
    )
""",
        expect="cross-entropy",
        origin="the non-saturating DCGAN generator loss kept in a WGAN",
    ),
    # --- build_critic -----------------------------------------------------------------------
    WrongSolution(
        name="critic-with-batchnorm",
        function="build_critic",
        source="""
def build_critic():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Conv2D(64, 4, strides=2, padding="same"),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ],
        name="critic",
    )
""",
        expect="batch normalisation",
        origin="the DCGAN discriminator reused as a WGAN-GP critic, batch norm included",
    ),
    WrongSolution(
        name="critic-with-sigmoid",
        function="build_critic",
        source="""
def build_critic():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Conv2D(64, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="critic",
    )
""",
        expect="sigmoid",
        origin="a discriminator that outputs probabilities used as a critic",
    ),
    # --- gradient_penalty -------------------------------------------------------------------
    WrongSolution(
        name="gp-per-pixel-epsilon",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.uniform(tf.shape(real_images), 0.0, 1.0)
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))
""",
        expect="per-pixel",
        origin="alpha = tf.random.uniform(real.shape): one weight per pixel",
    ),
    WrongSolution(
        name="gp-gaussian-epsilon",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.normal([tf.shape(real_images)[0], 1, 1, 1])
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))
""",
        expect="Gaussian",
        origin="alpha = tf.random.normal(...), interpolation off the segment",
    ),
    WrongSolution(
        name="gp-shared-epsilon",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.uniform([1, 1, 1, 1], 0.0, 1.0)
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))
""",
        expect="shared",
        origin="alpha = torch.rand(1): one interpolation weight for the whole batch",
    ),
    WrongSolution(
        name="gp-square-of-mean",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.uniform([tf.shape(real_images)[0], 1, 1, 1], 0.0, 1.0)
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3]) + 1e-12)
    return tf.square(tf.reduce_mean(norms) - 1.0)
""",
        expect="mean of the squares",
        origin="(norm.mean() - 1) ** 2 instead of ((norm - 1) ** 2).mean()",
    ),
    WrongSolution(
        name="gp-norm-last-axis",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.uniform([tf.shape(real_images)[0], 1, 1, 1], 0.0, 1.0)
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=-1) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))
""",
        expect="last axis",
        origin="axis=-1 (or axis=1) copied from code for flattened inputs",
    ),
    WrongSolution(
        name="gp-norm-with-batch-axis",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.uniform([tf.shape(real_images)[0], 1, 1, 1], 0.0, 1.0)
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    norm = tf.sqrt(tf.reduce_sum(tf.square(gradients)) + 1e-12)
    return tf.square(norm - 1.0)
""",
        expect="batch axis",
        origin="tf.norm(gradients) with no axis: one norm for the whole batch",
    ),
    WrongSolution(
        name="gp-unsafe-sqrt",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.uniform([tf.shape(real_images)[0], 1, 1, 1], 0.0, 1.0)
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3]))
    return tf.reduce_mean(tf.square(norms - 1.0))
""",
        expect="NaN",
        origin="tf.sqrt(tf.reduce_sum(tf.square(g), axis=[1, 2, 3])) with no epsilon",
    ),
    WrongSolution(
        name="gp-missing-minus-one",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.uniform([tf.shape(real_images)[0], 1, 1, 1], 0.0, 1.0)
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    return tf.reduce_mean(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3]))
""",
        expect="towards 1",
        origin="penalising the squared gradient norm, as in R1 regularisation, not (norm - 1)^2",
    ),
    WrongSolution(
        name="gp-absolute-value",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    if epsilon is None:
        epsilon = tf.random.uniform([tf.shape(real_images)[0], 1, 1, 1], 0.0, 1.0)
    epsilon = tf.cast(epsilon, tf.float32)
    x_hat = epsilon * real_images + (1.0 - epsilon) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    gradients = tape.gradient(scores, x_hat)
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.abs(norms - 1.0))
""",
        expect="absolute value",
        origin="an L1 penalty |norm - 1| in place of the squared one",
    ),
    # --- wgan_gp_train_step -----------------------------------------------------------------
    WrongSolution(
        name="step-one-critic-update",
        function="wgan_gp_train_step",
        source=_STEP_HEAD
        + """
    noise = tf.random.normal([batch_size, latent_dim])
    with tf.GradientTape() as tape:
        fake_images = generator(noise, training=True)
        wasserstein = critic_loss(
            critic(real_images, training=True), critic(fake_images, training=True)
        )
        penalty = gradient_penalty(critic, real_images, fake_images)
        total = wasserstein + gp_weight * penalty
    gradients = tape.gradient(total, critic.trainable_variables)
    critic_optimizer.apply_gradients(zip(gradients, critic.trainable_variables))
    noise = tf.random.normal([batch_size, latent_dim])
    with tf.GradientTape() as tape:
        g_loss = generator_wasserstein_loss(critic(generator(noise, training=True), training=True))
    gradients = tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables))
    return {"critic_loss": total, "g_loss": g_loss, "gp": penalty}
""",
        expect="n_critic",
        origin="a DCGAN train step with the WGAN losses: n_critic never used",
    ),
    WrongSolution(
        name="step-gp-not-in-critic-loss",
        function="wgan_gp_train_step",
        source=_STEP_HEAD
        + """
    for _ in range(n_critic):
        noise = tf.random.normal([batch_size, latent_dim])
        with tf.GradientTape() as tape:
            fake_images = generator(noise, training=True)
            wasserstein = critic_loss(
                critic(real_images, training=True), critic(fake_images, training=True)
            )
        penalty = gradient_penalty(critic, real_images, fake_images)
        total = wasserstein + gp_weight * penalty
        gradients = tape.gradient(wasserstein, critic.trainable_variables)
        critic_optimizer.apply_gradients(zip(gradients, critic.trainable_variables))
    noise = tf.random.normal([batch_size, latent_dim])
    with tf.GradientTape() as tape:
        g_loss = generator_wasserstein_loss(critic(generator(noise, training=True), training=True))
    gradients = tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables))
    return {"critic_loss": total, "g_loss": g_loss, "gp": penalty}
""",
        expect="not part of the critic loss",
        origin="the penalty computed and logged but left out of the differentiated loss",
    ),
    WrongSolution(
        name="step-gp-weight-ignored",
        function="wgan_gp_train_step",
        source=_STEP_HEAD
        + """
    for _ in range(n_critic):
        noise = tf.random.normal([batch_size, latent_dim])
        with tf.GradientTape() as tape:
            fake_images = generator(noise, training=True)
            wasserstein = critic_loss(
                critic(real_images, training=True), critic(fake_images, training=True)
            )
            penalty = gradient_penalty(critic, real_images, fake_images)
            total = wasserstein + 10.0 * penalty
        gradients = tape.gradient(total, critic.trainable_variables)
        critic_optimizer.apply_gradients(zip(gradients, critic.trainable_variables))
    noise = tf.random.normal([batch_size, latent_dim])
    with tf.GradientTape() as tape:
        g_loss = generator_wasserstein_loss(critic(generator(noise, training=True), training=True))
    gradients = tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables))
    return {"critic_loss": total, "g_loss": g_loss, "gp": penalty}
""",
        expect="gp_weight",
        origin="LAMBDA = 10 hard-coded from the paper, the argument ignored",
    ),
    WrongSolution(
        name="step-gp-in-generator-loss",
        function="wgan_gp_train_step",
        source=_STEP_HEAD
        + """
    for _ in range(n_critic):
        noise = tf.random.normal([batch_size, latent_dim])
        with tf.GradientTape() as tape:
            fake_images = generator(noise, training=True)
            wasserstein = critic_loss(
                critic(real_images, training=True), critic(fake_images, training=True)
            )
            penalty = gradient_penalty(critic, real_images, fake_images)
            total = wasserstein + gp_weight * penalty
        gradients = tape.gradient(total, critic.trainable_variables)
        critic_optimizer.apply_gradients(zip(gradients, critic.trainable_variables))
    noise = tf.random.normal([batch_size, latent_dim])
    with tf.GradientTape() as tape:
        fake_images = generator(noise, training=True)
        g_loss = generator_wasserstein_loss(
            critic(fake_images, training=True)
        ) + gp_weight * gradient_penalty(critic, real_images, fake_images)
    gradients = tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables))
    return {"critic_loss": total, "g_loss": g_loss, "gp": penalty}
""",
        expect="generator loss",
        origin="one shared loss function with the penalty, used for both players",
    ),
    WrongSolution(
        name="step-sign-flipped-inline",
        function="wgan_gp_train_step",
        source=_STEP_HEAD
        + """
    for _ in range(n_critic):
        noise = tf.random.normal([batch_size, latent_dim])
        with tf.GradientTape() as tape:
            fake_images = generator(noise, training=True)
            wasserstein = tf.reduce_mean(critic(real_images, training=True)) - tf.reduce_mean(
                critic(fake_images, training=True)
            )
            penalty = gradient_penalty(critic, real_images, fake_images)
            total = wasserstein + gp_weight * penalty
        gradients = tape.gradient(total, critic.trainable_variables)
        critic_optimizer.apply_gradients(zip(gradients, critic.trainable_variables))
    noise = tf.random.normal([batch_size, latent_dim])
    with tf.GradientTape() as tape:
        g_loss = generator_wasserstein_loss(critic(generator(noise, training=True), training=True))
    gradients = tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables))
    return {"critic_loss": total, "g_loss": g_loss, "gp": penalty}
""",
        expect="wrong sign",
        origin="the critic's objective minimised instead of maximised, written inline",
    ),
    WrongSolution(
        name="step-inference-mode",
        function="wgan_gp_train_step",
        source=_STEP_HEAD
        + """
    for _ in range(n_critic):
        noise = tf.random.normal([batch_size, latent_dim])
        with tf.GradientTape() as tape:
            fake_images = generator(noise)
            wasserstein = critic_loss(critic(real_images), critic(fake_images))
            penalty = gradient_penalty(critic, real_images, fake_images)
            total = wasserstein + gp_weight * penalty
        gradients = tape.gradient(total, critic.trainable_variables)
        critic_optimizer.apply_gradients(zip(gradients, critic.trainable_variables))
    noise = tf.random.normal([batch_size, latent_dim])
    with tf.GradientTape() as tape:
        g_loss = generator_wasserstein_loss(critic(generator(noise)))
    gradients = tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables))
    return {"critic_loss": total, "g_loss": g_loss, "gp": penalty}
""",
        expect="training=True",
        origin="models called without training=True: batch norm never leaves inference mode",
    ),
    WrongSolution(
        name="step-latent-dim-hard-coded",
        function="wgan_gp_train_step",
        source=_STEP_HEAD
        + """
    for _ in range(n_critic):
        noise = tf.random.normal([batch_size, 100])
        with tf.GradientTape() as tape:
            fake_images = generator(noise, training=True)
            wasserstein = critic_loss(
                critic(real_images, training=True), critic(fake_images, training=True)
            )
            penalty = gradient_penalty(critic, real_images, fake_images)
            total = wasserstein + gp_weight * penalty
        gradients = tape.gradient(total, critic.trainable_variables)
        critic_optimizer.apply_gradients(zip(gradients, critic.trainable_variables))
    noise = tf.random.normal([batch_size, 100])
    with tf.GradientTape() as tape:
        g_loss = generator_wasserstein_loss(critic(generator(noise, training=True), training=True))
    gradients = tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gradients, generator.trainable_variables))
    return {"critic_loss": total, "g_loss": g_loss, "gp": penalty}
""",
        expect="latent_dim",
        origin="noise = tf.random.normal([BATCH_SIZE, 100]) with a global noise size",
    ),
    WrongSolution(
        name="penalty-imported-from-course-package",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    from gancourse import losses as course

    return course.gradient_penalty(critic, real_images, fake_images)
""",
        expect="reference solutions",
        origin="handing in the course package's own penalty instead of writing it",
    ),
]

# Correct answers written other ways than the reference: each must keep every point.
_KERAS_IO_STEP = """
def wgan_gp_train_step(
    generator,
    critic,
    generator_optimizer,
    critic_optimizer,
    real_images,
    latent_dim=100,
    n_critic=5,
    gp_weight=10.0,
):
    real_images = tf.cast(real_images, tf.float32)
    batch_size = tf.shape(real_images)[0]
    for i in range(n_critic):
        random_latent_vectors = tf.random.normal(shape=(batch_size, latent_dim))
        with tf.GradientTape() as tape:
            fake_images = generator(random_latent_vectors, training=True)
            fake_logits = critic(fake_images, training=True)
            real_logits = critic(real_images, training=True)
            d_cost = critic_loss(real_logits, fake_logits)
            gp = gradient_penalty(critic, real_images, fake_images)
            d_loss = d_cost + gp * gp_weight
        d_gradient = tape.gradient(d_loss, critic.trainable_variables)
        critic_optimizer.apply_gradients(zip(d_gradient, critic.trainable_variables))
    random_latent_vectors = tf.random.normal(shape=(batch_size, latent_dim))
    with tf.GradientTape() as tape:
        generated_images = generator(random_latent_vectors, training=True)
        gen_img_logits = critic(generated_images, training=True)
        g_loss = generator_wasserstein_loss(gen_img_logits)
    gen_gradient = tape.gradient(g_loss, generator.trainable_variables)
    generator_optimizer.apply_gradients(zip(gen_gradient, generator.trainable_variables))
    return {"critic_loss": d_loss, "g_loss": g_loss, "gp": gp}
"""

CORRECT_VARIANTS = [
    # --- wasserstein_1d -------------------------------------------------------------------
    CorrectVariant(
        name="w1-scipy",
        function="wasserstein_1d",
        source="""
from scipy.stats import wasserstein_distance


def wasserstein_1d(x, y):
    return float(wasserstein_distance(x, y))
""",
        origin="scipy.stats.wasserstein_distance, equal sample sizes as the contract allows",
    ),
    CorrectVariant(
        name="w1-numpy-mean-no-float",
        function="wasserstein_1d",
        source="""
def wasserstein_1d(x, y):
    return np.abs(np.sort(x) - np.sort(y)).mean()
""",
        origin="sort-and-pair in one line; returns numpy.float64, a subclass of float",
    ),
    CorrectVariant(
        name="w1-cdf-integral",
        function="wasserstein_1d",
        source="""
def wasserstein_1d(x, y):
    x = np.sort(np.asarray(x, dtype=np.float64))
    y = np.sort(np.asarray(y, dtype=np.float64))
    values = np.sort(np.concatenate([x, y]))
    deltas = np.diff(values)
    x_cdf = np.searchsorted(x, values[:-1], side="right") / x.size
    y_cdf = np.searchsorted(y, values[:-1], side="right") / y.size
    return float(np.sum(np.abs(x_cdf - y_cdf) * deltas))
""",
        origin="the integral of |F - G| over the line, as scipy's _cdf_distance computes it",
    ),
    CorrectVariant(
        name="w1-pure-python",
        function="wasserstein_1d",
        source="""
def wasserstein_1d(x, y):
    pairs = zip(sorted(x), sorted(y))
    return float(sum(abs(a - b) for a, b in pairs) / len(x))
""",
        origin="sorted() and zip() in plain Python, as tutorials on optimal transport write it",
    ),
    # --- critic_loss ------------------------------------------------------------------------
    CorrectVariant(
        name="critic-loss-keras-io",
        function="critic_loss",
        source="""
def critic_loss(real_scores, fake_scores):
    real_loss = tf.reduce_mean(tf.cast(real_scores, tf.float32))
    fake_loss = tf.reduce_mean(tf.cast(fake_scores, tf.float32))
    return fake_loss - real_loss
""",
        origin="keras.io's WGAN-GP discriminator_loss, with the contract's float32 cast",
    ),
    CorrectVariant(
        name="critic-loss-keras-ops",
        function="critic_loss",
        source="""
def critic_loss(real_scores, fake_scores):
    real_scores = keras.ops.cast(real_scores, "float32")
    fake_scores = keras.ops.cast(fake_scores, "float32")
    return keras.ops.mean(fake_scores) - keras.ops.mean(real_scores)
""",
        origin="backend-agnostic keras.ops, as Keras 3 examples write losses",
    ),
    CorrectVariant(
        name="critic-loss-labels-times-scores",
        function="critic_loss",
        source="""
def _wasserstein(y_true, y_pred):
    return tf.reduce_mean(y_true * y_pred)


def critic_loss(real_scores, fake_scores):
    real_scores = tf.cast(real_scores, tf.float32)
    fake_scores = tf.cast(fake_scores, tf.float32)
    return _wasserstein(-tf.ones_like(real_scores), real_scores) + _wasserstein(
        tf.ones_like(fake_scores), fake_scores
    )
""",
        origin="mean(y_true * y_pred) with labels -1 for real and +1 for fake (Keras-GAN's wgan)",
    ),
    # --- generator_wasserstein_loss ---------------------------------------------------------
    CorrectVariant(
        name="generator-loss-keras-io",
        function="generator_wasserstein_loss",
        source="""
def generator_wasserstein_loss(fake_img):
    return -tf.reduce_mean(fake_img)
""",
        origin="keras.io's WGAN-GP generator_loss, verbatim",
    ),
    CorrectVariant(
        name="generator-loss-keras-ops",
        function="generator_wasserstein_loss",
        source="""
def generator_wasserstein_loss(fake_scores):
    return -keras.ops.mean(keras.ops.cast(fake_scores, "float32"))
""",
        origin="backend-agnostic keras.ops",
    ),
    CorrectVariant(
        name="generator-loss-minus-one-labels",
        function="generator_wasserstein_loss",
        source="""
def generator_wasserstein_loss(fake_scores):
    fake_scores = tf.cast(fake_scores, tf.float32)
    return tf.reduce_mean(-tf.ones_like(fake_scores) * fake_scores)
""",
        origin="mean(y_true * y_pred) with the real label -1 on fakes (Keras-GAN's wgan)",
    ),
    # --- build_critic -----------------------------------------------------------------------
    CorrectVariant(
        name="critic-keras-io-functional-dropout",
        function="build_critic",
        source="""
def build_critic():
    img_input = keras.layers.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(32, (5, 5), strides=(2, 2), padding="same")(img_input)
    x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same")(x)
    x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.Dense(1)(x)
    return keras.models.Model(img_input, x, name="discriminator")
""",
        origin="keras.io's WGAN-GP discriminator (functional API, 5x5 kernels, dropout, no "
        "normalisation), narrower",
    ),
    CorrectVariant(
        name="critic-subclassed-layernorm",
        function="build_critic",
        source="""
class Critic(keras.Model):
    def __init__(self):
        super().__init__(name="critic")
        self.conv1 = keras.layers.Conv2D(16, 3, strides=2, padding="same")
        self.conv2 = keras.layers.Conv2D(32, 3, strides=2, padding="same")
        self.norm = keras.layers.LayerNormalization()
        self.flatten = keras.layers.Flatten()
        self.score = keras.layers.Dense(1)

    def call(self, images, training=False):
        x = keras.ops.leaky_relu(self.conv1(images), 0.2)
        x = keras.ops.leaky_relu(self.norm(self.conv2(x)), 0.2)
        return self.score(self.flatten(x))


def build_critic():
    critic = Critic()
    critic(keras.ops.zeros((1, 28, 28, 1)))
    return critic
""",
        origin="a subclassed keras.Model with LayerNormalization, as TensorFlow's guides "
        "write custom models",
    ),
    CorrectVariant(
        name="critic-deeper-global-pooling",
        function="build_critic",
        source="""
def build_critic():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="leaky_relu"),
            keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="leaky_relu"),
            keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="leaky_relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1, activation=None),
        ]
    )
""",
        origin="three 3x3 convolutions with activations inside the layers, global pooling",
    ),
    CorrectVariant(
        name="critic-mlp",
        function="build_critic",
        source="""
def build_critic():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(256),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Dense(128),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Dense(1),
        ]
    )
""",
        origin="the multilayer-perceptron critic of the WGAN paper's MNIST experiments",
    ),
    # --- gradient_penalty -------------------------------------------------------------------
    CorrectVariant(
        name="gp-keras-io",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real_images = tf.cast(real_images, tf.float32)
    fake_images = tf.cast(fake_images, tf.float32)
    batch_size = tf.shape(real_images)[0]
    if epsilon is None:
        epsilon = tf.random.uniform([batch_size, 1, 1, 1], 0.0, 1.0)
    diff = real_images - fake_images
    interpolated = fake_images + epsilon * diff
    with tf.GradientTape() as gp_tape:
        gp_tape.watch(interpolated)
        pred = critic(interpolated, training=True)
    grads = gp_tape.gradient(pred, [interpolated])[0]
    norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
    gp = tf.reduce_mean((norm - 1.0) ** 2)
    return gp
""",
        origin="keras.io's WGAN-GP gradient_penalty (alpha of shape [batch, 1, 1, 1], its own "
        "tape, norm over axes [1, 2, 3]) with the contract's safe square root and its "
        "epsilon * real + (1 - epsilon) * fake",
    ),
    CorrectVariant(
        name="gp-flattened-slopes-tf-function",
        function="gradient_penalty",
        source="""
@tf.function
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    n = tf.shape(real_images)[0]
    if epsilon is None:
        epsilon = tf.random.uniform(shape=[n, 1, 1, 1], minval=0.0, maxval=1.0)
    x_hat = epsilon * tf.cast(real_images, tf.float32) + (1.0 - epsilon) * tf.cast(
        fake_images, tf.float32
    )
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        disc_interpolates = critic(x_hat, training=True)
    gradients = tape.gradient(disc_interpolates, x_hat)
    gradients = tf.reshape(gradients, [n, -1])
    slopes = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=1) + 1e-12)
    return tf.reduce_mean((slopes - 1.0) ** 2)
""",
        origin="the gradients flattened to (N, -1) as in Gulrajani et al.'s code (slopes), "
        "compiled with tf.function",
    ),
    CorrectVariant(
        name="gp-keras-random-persistent-tape",
        function="gradient_penalty",
        source="""
def gradient_penalty(critic, real_images, fake_images, epsilon=None):
    real = keras.ops.cast(real_images, "float32")
    fake = keras.ops.cast(fake_images, "float32")
    if epsilon is None:
        epsilon = keras.random.uniform((keras.ops.shape(real)[0], 1, 1, 1))
    x_hat = fake + keras.ops.cast(epsilon, "float32") * (real - fake)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x_hat)
        score = tf.reduce_sum(critic(x_hat, training=True))
    grads = tape.gradient(score, x_hat)
    del tape
    squares = tf.reduce_sum(grads**2, axis=tf.range(1, tf.rank(grads)))
    return tf.reduce_mean(tf.square(tf.math.sqrt(squares + 1e-12) - 1.0))
""",
        origin="keras.random for epsilon, the gradient of the summed scores, a persistent tape",
    ),
    # --- wgan_gp_train_step -----------------------------------------------------------------
    CorrectVariant(
        name="step-keras-io",
        function="wgan_gp_train_step",
        source=_KERAS_IO_STEP,
        origin="keras.io's WGAN-GP train_step (its d_steps loop, one tape per update) as a function",
    ),
    CorrectVariant(
        name="step-algorithm-1-tf-function",
        function="wgan_gp_train_step",
        source="""
@tf.function
def wgan_gp_train_step(
    generator,
    critic,
    generator_optimizer,
    critic_optimizer,
    real_images,
    latent_dim=100,
    n_critic=5,
    gp_weight=10.0,
):
    x = tf.cast(real_images, tf.float32)
    m = tf.shape(x)[0]
    for t in range(n_critic):
        z = tf.random.normal([m, latent_dim])
        with tf.GradientTape() as tape:
            x_tilde = generator(z, training=True)
            scores = critic(tf.concat([x, x_tilde], axis=0), training=True)
            real_scores, fake_scores = tf.split(scores, 2, axis=0)
            gp = gradient_penalty(critic, x, x_tilde)
            loss = critic_loss(real_scores, fake_scores) + gp_weight * gp
        w = critic.trainable_variables
        critic_optimizer.apply_gradients(zip(tape.gradient(loss, w), w))
    z = tf.random.normal([m, latent_dim])
    with tf.GradientTape() as tape:
        g_loss = generator_wasserstein_loss(critic(generator(z, training=True), training=True))
    theta = generator.trainable_variables
    generator_optimizer.apply_gradients(zip(tape.gradient(g_loss, theta), theta))
    return {"critic_loss": loss, "gp": gp, "g_loss": g_loss}
""",
        origin="Algorithm 1 of Gulrajani et al. (one critic call on real and fake together), "
        "compiled with tf.function",
    ),
    CorrectVariant(
        name="step-helpers-keras-random",
        function="wgan_gp_train_step",
        source="""
def _critic_update(generator, critic, optimizer, real, latent_dim, gp_weight):
    noise = keras.random.normal((keras.ops.shape(real)[0], latent_dim))
    fake = generator(noise, training=True)
    with tf.GradientTape(persistent=True) as tape:
        wasserstein = critic_loss(critic(real, training=True), critic(fake, training=True))
        penalty = gradient_penalty(critic, real, fake)
        total = wasserstein + gp_weight * penalty
    grads = tape.gradient(total, critic.trainable_weights)
    del tape
    optimizer.apply_gradients(list(zip(grads, critic.trainable_weights)))
    return total, penalty


def _generator_update(generator, critic, optimizer, batch_size, latent_dim):
    noise = keras.random.normal((batch_size, latent_dim))
    with tf.GradientTape() as tape:
        loss = generator_wasserstein_loss(critic(generator(noise, training=True), training=True))
    grads = tape.gradient(loss, generator.trainable_weights)
    optimizer.apply_gradients(list(zip(grads, generator.trainable_weights)))
    return loss


def wgan_gp_train_step(
    generator,
    critic,
    generator_optimizer,
    critic_optimizer,
    real_images,
    latent_dim=100,
    n_critic=5,
    gp_weight=10.0,
):
    real = tf.convert_to_tensor(real_images, dtype=tf.float32)
    step = 0
    while step < n_critic:
        c_loss, gp = _critic_update(generator, critic, critic_optimizer, real, latent_dim, gp_weight)
        step += 1
    g_loss = _generator_update(generator, critic, generator_optimizer, real.shape[0], latent_dim)
    return {"critic_loss": float(c_loss), "gp": float(gp), "g_loss": float(g_loss)}
""",
        origin="helper functions per player, a while loop, keras.random noise, fakes generated "
        "outside the tape, floats returned",
    ),
]
