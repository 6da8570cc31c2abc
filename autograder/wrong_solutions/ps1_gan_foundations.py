"""Wrong solutions of ps1-gan-foundations: each must lose points with a message that teaches."""

from autograder.wrong_solutions import WrongSolution

WRONG_SOLUTIONS = [
    WrongSolution(
        name="preprocess-divides-by-255",
        function="preprocess_images",
        source="""
def preprocess_images(images):
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError("expected uint8")
    if images.ndim == 3:
        images = images[..., None]
    return images.astype(np.float32) / 255.0
""",
        expect="127.5",
        origin="scaling to [0, 1] while the generator ends in tanh",
    ),
    WrongSolution(
        name="preprocess-no-channel-axis",
        function="preprocess_images",
        source="""
def preprocess_images(images):
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError("expected uint8")
    return ((images.astype(np.float32) - 127.5) / 127.5).reshape(len(images), 28, 28)
""",
        expect="channel axis",
        origin="forgetting the channel axis Conv2D expects",
    ),
    WrongSolution(
        name="preprocess-accepts-anything",
        function="preprocess_images",
        source="""
def preprocess_images(images):
    images = np.asarray(images).reshape(len(images), 28, 28, 1)
    return (images.astype(np.float32) - 127.5) / 127.5
""",
        expect="must raise ValueError",
        origin="no input validation: float images get scaled twice",
    ),
    WrongSolution(
        name="dataset-small-shuffle-buffer",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(256, seed=seed)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
""",
        expect="buffer is too small",
        origin="shuffle(buffer_size=256) copied from a tutorial on a large dataset",
    ),
    WrongSolution(
        name="dataset-keeps-partial-batch",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
""",
        expect="drop_remainder",
        origin="the last batch is smaller, so the two networks see different batch sizes",
    ),
    WrongSolution(
        name="dataset-ignores-seed",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images))
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
""",
        expect="seed",
        origin="runs that cannot be repeated",
    ),
    WrongSolution(
        name="dataset-not-shuffled",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensor_slices(images)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
""",
        expect="shuffle",
        origin="batches in file order",
    ),
    WrongSolution(
        name="dataset-not-prefetched",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed)
    return dataset.batch(batch_size, drop_remainder=True)
""",
        expect="prefetch",
        origin="the model waits for the input pipeline",
    ),
    WrongSolution(
        name="d-loss-swapped-labels",
        function="discriminator_loss",
        source="""
def discriminator_loss(real_logits, fake_logits):
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    return bce(tf.zeros_like(real_logits), real_logits) + bce(tf.ones_like(fake_logits), fake_logits)
""",
        expect="swapped",
        origin="real labelled 0 and fake 1 (a convention mix-up)",
    ),
    WrongSolution(
        name="d-loss-logits-as-probabilities",
        function="discriminator_loss",
        source="""
def discriminator_loss(real_logits, fake_logits):
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=False)
    return bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
""",
        expect="from_logits=True",
        origin="from_logits=False on a discriminator without sigmoid",
    ),
    WrongSolution(
        name="d-loss-sigmoid-twice",
        function="discriminator_loss",
        source="""
def discriminator_loss(real_logits, fake_logits):
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    real, fake = tf.sigmoid(real_logits), tf.sigmoid(fake_logits)
    return bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake)
""",
        expect="sigmoid applied twice",
        origin="a sigmoid output layer combined with from_logits=True",
    ),
    WrongSolution(
        name="d-loss-log-of-sigmoid",
        function="discriminator_loss",
        source="""
def discriminator_loss(real_logits, fake_logits):
    real = -tf.math.log(tf.sigmoid(real_logits))
    fake = -tf.math.log(1.0 - tf.sigmoid(fake_logits))
    return tf.reduce_mean(real) + tf.reduce_mean(fake)
""",
        expect="log(sigmoid(x))",
        origin="the textbook formula evaluated in two unstable steps",
    ),
    WrongSolution(
        name="d-loss-one-mean-over-both",
        function="discriminator_loss",
        source="""
def discriminator_loss(real_logits, fake_logits):
    logits = tf.concat([real_logits, fake_logits], axis=0)
    labels = tf.concat([tf.ones_like(real_logits), tf.zeros_like(fake_logits)], axis=0)
    return 2.0 * tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    )
""",
        expect="mean(real term) + mean(fake term)",
        origin="one mean over the concatenated batch",
    ),
    WrongSolution(
        name="g-loss-saturating",
        function="generator_loss",
        source="""
def generator_loss(fake_logits):
    return -tf.reduce_mean(tf.nn.softplus(fake_logits))
""",
        expect="saturating",
        origin="minimising log(1 - D(G(z))) as in the original formula",
    ),
    WrongSolution(
        name="g-loss-label-zero",
        function="generator_loss",
        source="""
def generator_loss(fake_logits):
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    return bce(tf.zeros_like(fake_logits), fake_logits)
""",
        expect="label 1",
        origin="copying the discriminator's fake term",
    ),
    WrongSolution(
        name="g-loss-log-of-sigmoid",
        function="generator_loss",
        source="""
def generator_loss(fake_logits):
    return -tf.reduce_mean(tf.math.log(tf.sigmoid(fake_logits)))
""",
        expect="not as log(sigmoid(x))",
        origin="unstable two-step evaluation",
    ),
    WrongSolution(
        name="minimax-unstable",
        function="minimax_generator_loss",
        source="""
def minimax_generator_loss(fake_logits):
    return tf.reduce_mean(tf.math.log(1.0 - tf.sigmoid(fake_logits)))
""",
        expect="compute it stably",
        origin="log(1 - sigmoid(x)) is -inf once sigmoid rounds to 1",
    ),
    WrongSolution(
        name="minimax-sign-flipped",
        function="minimax_generator_loss",
        source="""
def minimax_generator_loss(fake_logits):
    return tf.reduce_mean(tf.nn.softplus(fake_logits))
""",
        expect="sign is flipped",
        origin="BCE against label 0 is -log(1 - D), the negative of the objective",
    ),
    WrongSolution(
        name="minimax-is-non-saturating",
        function="minimax_generator_loss",
        source="""
def minimax_generator_loss(fake_logits):
    return tf.reduce_mean(tf.nn.softplus(-fake_logits))
""",
        expect="non-saturating",
        origin="returning the loss used in practice instead of the game's objective",
    ),
    WrongSolution(
        name="optimal-d-inverted",
        function="optimal_discriminator",
        source="""
def optimal_discriminator(p_data, p_model):
    p_data, p_model = np.asarray(p_data, float), np.asarray(p_model, float)
    total = p_data + p_model
    return np.where(total > 0, p_model / np.where(total > 0, total, 1.0), 0.5)
""",
        expect="probability of 'real'",
        origin="the fake probability in place of the real one",
    ),
    WrongSolution(
        name="optimal-d-nan-where-both-zero",
        function="optimal_discriminator",
        source="""
def optimal_discriminator(p_data, p_model):
    p_data, p_model = np.asarray(p_data, float), np.asarray(p_model, float)
    return p_data / (p_data + p_model)
""",
        expect="return 0.5 there",
        origin="0 / 0 outside both supports",
    ),
    WrongSolution(
        name="js-in-bits",
        function="js_divergence",
        source="""
def js_divergence(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)
    m = (p + q) / 2
    def kl(a):
        mask = a > 0
        return np.sum(a[mask] * np.log2(a[mask] / m[mask]))
    return float(0.5 * kl(p) + 0.5 * kl(q))
""",
        expect="bits",
        origin="log2 from an information-theory textbook",
    ),
    WrongSolution(
        name="js-symmetrised-kl",
        function="js_divergence",
        source="""
def js_divergence(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)
    mask = (p > 0) & (q > 0)
    kl_pq = np.sum(p[mask] * np.log(p[mask] / q[mask]))
    kl_qp = np.sum(q[mask] * np.log(q[mask] / p[mask]))
    return float(0.5 * (kl_pq + kl_qp))
""",
        expect="mixture",
        origin="averaging KL(p||q) and KL(q||p) instead of going through the mixture",
    ),
    WrongSolution(
        name="js-nan-on-zeros",
        function="js_divergence",
        source="""
def js_divergence(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)
    m = (p + q) / 2
    return float(0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m)))
""",
        expect="0 log 0 = 0",
        origin="0 * log(0) evaluates to nan in floating point",
    ),
    WrongSolution(
        name="value-logs-swapped",
        function="gan_value",
        source="""
def gan_value(d, p_data, p_model):
    d, p_data, p_model = (np.asarray(a, float) for a in (d, p_data, p_model))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nansum(p_data * np.log(1 - d)) + np.nansum(p_model * np.log(d)))
""",
        expect="swapped",
        origin="D(x) read as the probability of 'fake'",
    ),
    WrongSolution(
        name="value-mean-not-sum",
        function="gan_value",
        source="""
def gan_value(d, p_data, p_model):
    d, p_data, p_model = (np.asarray(a, float) for a in (d, p_data, p_model))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nanmean(p_data * np.log(d)) + np.nanmean(p_model * np.log(1 - d)))
""",
        expect="sum",
        origin="averaging over points after weighting by probabilities",
    ),
    WrongSolution(
        name="value-no-zero-convention",
        function="gan_value",
        source="""
def gan_value(d, p_data, p_model):
    d, p_data, p_model = (np.asarray(a, float) for a in (d, p_data, p_model))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(p_data * np.log(d)) + np.sum(p_model * np.log(1 - d)))
""",
        expect="0 log 0 = 0",
        origin="0 * log(0) gives nan where a distribution has no mass",
    ),
    WrongSolution(
        name="loss-imported-from-course-package",
        function="discriminator_loss",
        source="""
def discriminator_loss(real_logits, fake_logits):
    from gancourse.train import discriminator_loss as course_loss

    return course_loss(real_logits, fake_logits)
""",
        expect="reference solutions",
        origin="handing in the course package's own loss instead of writing it",
    ),
]
