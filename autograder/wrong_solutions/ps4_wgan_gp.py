"""Wrong solutions of ps4-wgan-gp: each must lose points with a message that teaches.

Every entry is a bug seen in public WGAN / WGAN-GP code. One plausible bug is deliberately absent:
interpolating with epsilon on the fake image, ``eps * fake + (1 - eps) * real``. With epsilon
drawn uniformly in [0, 1] that is the same distribution of ``x_hat`` as the textbook formula
(1 - eps is uniform too), so it is not a bug in training. The tests still pin the contract for a
*given* epsilon (epsilon = 1 means the real images), which is what makes them deterministic.
"""

from autograder.wrong_solutions import WrongSolution

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
    from gancourse import train as course

    return course.gradient_penalty(critic, real_images, fake_images)
""",
        expect="reference solutions",
        origin="handing in the course package's own penalty instead of writing it",
    ),
]
