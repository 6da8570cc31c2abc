"""Wrong solutions of ps1-gan-foundations: each must lose points with a message that teaches."""

from autograder.wrong_solutions import CorrectVariant, WrongSolution

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
    from gancourse.losses import discriminator_loss as course_loss

    return course_loss(real_logits, fake_logits)
""",
        expect="reference solutions",
        origin="handing in the course package's own loss instead of writing it",
    ),
    WrongSolution(
        name="preprocess-accepts-any-integer-dtype",
        function="preprocess_images",
        source="""
def preprocess_images(images):
    images = np.asarray(images)
    if not np.issubdtype(images.dtype, np.integer):
        raise ValueError(f"expected integer pixels, got {images.dtype}")
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected (N, 28, 28) or (N, 28, 28, 1), got {images.shape}")
    return (images.astype(np.float32) - 127.5) / 127.5
""",
        expect="dtype int64",
        origin="np.issubdtype(..., np.integer): int64 pixels (np.array of Python ints) pass",
    ),
    WrongSolution(
        name="preprocess-any-channel-count",
        function="preprocess_images",
        source="""
def preprocess_images(images):
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images, got {images.dtype}")
    if images.ndim not in (3, 4) or images.shape[1:3] != (28, 28):
        raise ValueError(f"expected (N, 28, 28) or (N, 28, 28, 1), got {images.shape}")
    if images.ndim == 3:
        images = np.expand_dims(images, -1)
    return (images.astype(np.float32) - 127.5) / 127.5
""",
        expect="(5, 28, 28, 3)",
        origin="checking height and width but not the channel axis: RGB images pass",
    ),
    WrongSolution(
        name="dataset-shuffles-batches",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensor_slices(images)
    dataset = dataset.batch(batch_size, drop_remainder=True).shuffle(len(images), seed=seed)
    return dataset.prefetch(tf.data.AUTOTUNE)
""",
        expect="neighbouring images",
        origin="batch() before shuffle(): whole batches are shuffled, each a run of neighbours",
    ),
    WrongSolution(
        name="dataset-repeats-forever",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed)
    dataset = dataset.repeat().batch(batch_size, drop_remainder=True)
    return dataset.prefetch(tf.data.AUTOTUNE)
""",
        expect="repeat()",
        origin=".repeat() from an Estimator-era tutorial: an epoch never ends",
    ),
    WrongSolution(
        name="dataset-from-tensors",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensors(images).shuffle(len(images), seed=seed)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
""",
        expect="from_tensor_slices",
        origin="from_tensors makes one element of the whole array, not one per image",
    ),
    WrongSolution(
        name="d-loss-averaged",
        function="discriminator_loss",
        source="""
cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def discriminator_loss(real_logits, fake_logits):
    real_loss = cross_entropy(tf.ones_like(real_logits), real_logits)
    fake_loss = cross_entropy(tf.zeros_like(fake_logits), fake_logits)
    return 0.5 * (real_loss + fake_loss)
""",
        expect="do not average",
        origin="d_loss = 0.5 * np.add(d_loss_real, d_loss_fake), as Keras-GAN writes it",
    ),
    WrongSolution(
        name="d-loss-sigmoid-then-probability-bce",
        function="discriminator_loss",
        source="""
def discriminator_loss(real_logits, fake_logits):
    bce = tf.keras.losses.BinaryCrossentropy()
    real, fake = tf.sigmoid(real_logits), tf.sigmoid(fake_logits)
    return bce(tf.ones_like(real), real) + bce(tf.zeros_like(fake), fake)
""",
        expect="clipped",
        origin="a sigmoid then BCE on probabilities: Keras clips them to [1e-7, 1 - 1e-7]",
    ),
    WrongSolution(
        name="optimal-d-epsilon",
        function="optimal_discriminator",
        source="""
def optimal_discriminator(p_data, p_model):
    p_data, p_model = np.asarray(p_data, float), np.asarray(p_model, float)
    return p_data / (p_data + p_model + 1e-8)
""",
        expect="(0, 0)",
        origin="an epsilon in the denominator: 0 instead of 1/2 where both densities vanish",
    ),
    WrongSolution(
        name="js-scipy-distance-not-squared",
        function="js_divergence",
        source="""
from scipy.spatial.distance import jensenshannon


def js_divergence(p, q):
    return float(jensenshannon(p, q))
""",
        expect="square it",
        origin="scipy's jensenshannon is the distance, the square root of the divergence",
    ),
    WrongSolution(
        name="js-sum-of-kls",
        function="js_divergence",
        source="""
from scipy.special import rel_entr


def js_divergence(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)
    m = (p + q) / 2
    return float(np.sum(rel_entr(p, m)) + np.sum(rel_entr(q, m)))
""",
        expect="mean of KL",
        origin="the two KL terms added without the factor 1/2",
    ),
    WrongSolution(
        name="value-clips-d",
        function="gan_value",
        source="""
def gan_value(d, p_data, p_model):
    d, p_data, p_model = (np.asarray(a, float) for a in (d, p_data, p_model))
    d = np.clip(d, 1e-7, 1 - 1e-7)
    return float(np.sum(p_data * np.log(d)) + np.sum(p_model * np.log(1 - d)))
""",
        expect="without clipping",
        origin="np.clip(d, eps, 1 - eps) before the logs, as in many BCE implementations",
    ),
]

CORRECT_VARIANTS = [
    # preprocess_images
    CorrectVariant(
        name="preprocess-divide-then-shift",
        function="preprocess_images",
        source="""
def preprocess_images(images):
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8, got {images.dtype}")
    if images.shape[1:] not in ((28, 28), (28, 28, 1)):
        raise ValueError(f"expected (N, 28, 28) or (N, 28, 28, 1), got {images.shape}")
    images = images.reshape(images.shape[0], 28, 28, 1).astype("float32")
    return images / 127.5 - 1.0
""",
        origin="the TensorFlow DCGAN tutorial: reshape(...).astype('float32'), (x - 127.5) / 127.5 "
        "written as x / 127.5 - 1",
    ),
    CorrectVariant(
        name="preprocess-keras-rescaling",
        function="preprocess_images",
        source="""
import keras


def preprocess_images(images):
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        raise ValueError("expected a uint8 NumPy array")
    if images.ndim == 3:
        images = np.expand_dims(images, axis=-1)
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected shape (N, 28, 28) or (N, 28, 28, 1), got {images.shape}")
    rescale = keras.layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)
    return np.asarray(rescale(images.astype("float32")))
""",
        origin="keras.layers.Rescaling(1/127.5, offset=-1), the Keras preprocessing-layer idiom",
    ),
    CorrectVariant(
        name="preprocess-float64-then-cast",
        function="preprocess_images",
        source="""
def preprocess_images(images):
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError("images must be uint8, got %s" % images.dtype)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError("images must have shape (N, 28, 28) or (N, 28, 28, 1)")
    scaled = (images - 127.5) / 127.5
    return scaled[..., np.newaxis].astype(np.float32)
""",
        origin="arithmetic in float64 (uint8 - 127.5 promotes), cast to float32 at the end",
    ),
    # make_dataset
    CorrectVariant(
        name="dataset-tutorial-chain",
        function="make_dataset",
        source="""
AUTOTUNE = tf.data.AUTOTUNE


def make_dataset(images, batch_size, seed=None):
    return (
        tf.data.Dataset.from_tensor_slices(images)
        .shuffle(buffer_size=len(images), seed=seed)
        .batch(batch_size, drop_remainder=True)
        .prefetch(buffer_size=AUTOTUNE)
    )
""",
        origin="tf.data.Dataset.from_tensor_slices(...).shuffle(...).batch(...).prefetch(AUTOTUNE), "
        "the TensorFlow tutorials' chain with a module-level AUTOTUNE",
    ),
    CorrectVariant(
        name="dataset-cache-map-prefetch",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    dataset = tf.data.Dataset.from_tensor_slices(images)
    dataset = dataset.map(lambda x: tf.cast(x, tf.float32), num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.cache()
    dataset = dataset.shuffle(images.shape[0], seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=True, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.experimental.AUTOTUNE)
""",
        origin="the 'Better performance with tf.data' guide: map, cache, shuffle, batch, prefetch",
    ),
    CorrectVariant(
        name="dataset-permuted-indices",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    order = np.random.default_rng(seed).permutation(len(images))
    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(images, np.float32)[order])
    dataset = dataset.batch(batch_size, drop_remainder=True)
    return dataset.prefetch(1)
""",
        origin="a NumPy permutation of the whole set, then an unshuffled pipeline prefetching one batch",
    ),
    CorrectVariant(
        name="dataset-options-after-prefetch",
        function="make_dataset",
        source="""
def make_dataset(images, batch_size, seed=None):
    n = int(tf.shape(images)[0])
    dataset = tf.data.Dataset.from_tensor_slices(tf.convert_to_tensor(images, dtype=tf.float32))
    dataset = dataset.shuffle(n, seed=seed).batch(batch_size, drop_remainder=True)
    options = tf.data.Options()
    options.deterministic = True
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)
""",
        origin="tf.data.Options set after prefetch (with_options), deterministic order",
    ),
    # discriminator_loss
    CorrectVariant(
        name="d-loss-tutorial-cross-entropy",
        function="discriminator_loss",
        source="""
cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def discriminator_loss(real_output, fake_output):
    real_loss = cross_entropy(tf.ones_like(real_output), real_output)
    fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
    total_loss = real_loss + fake_loss
    return total_loss
""",
        origin="the TensorFlow DCGAN tutorial, word for word (module-level cross_entropy)",
    ),
    CorrectVariant(
        name="d-loss-keras-ops-softplus",
        function="discriminator_loss",
        source="""
import keras
from keras import ops


def discriminator_loss(real_logits, fake_logits):
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
""",
        origin="keras.ops: -log sigmoid(x) = softplus(-x), -log(1 - sigmoid(x)) = softplus(x)",
    ),
    CorrectVariant(
        name="d-loss-functional-bce",
        function="discriminator_loss",
        source="""
def discriminator_loss(real_logits, fake_logits):
    real_loss = tf.keras.losses.binary_crossentropy(
        tf.ones_like(real_logits), real_logits, from_logits=True
    )
    fake_loss = tf.keras.losses.binary_crossentropy(
        tf.zeros_like(fake_logits), fake_logits, from_logits=True
    )
    return tf.reduce_mean(real_loss) + tf.reduce_mean(fake_loss)
""",
        origin="the functional keras.losses.binary_crossentropy (per-sample), then reduce_mean",
    ),
    CorrectVariant(
        name="d-loss-tf-function-softplus",
        function="discriminator_loss",
        source="""
@tf.function
def discriminator_loss(real_logits, fake_logits):
    real_loss = tf.reduce_mean(tf.math.softplus(-real_logits))
    fake_loss = tf.reduce_mean(tf.math.softplus(fake_logits))
    return real_loss + fake_loss
""",
        origin="tf.math.softplus under @tf.function",
    ),
    # generator_loss
    CorrectVariant(
        name="g-loss-tutorial-cross-entropy",
        function="generator_loss",
        source="""
cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def generator_loss(fake_output):
    return cross_entropy(tf.ones_like(fake_output), fake_output)
""",
        origin="the TensorFlow DCGAN tutorial, word for word (module-level cross_entropy)",
    ),
    CorrectVariant(
        name="g-loss-log-sigmoid",
        function="generator_loss",
        source="""
def generator_loss(fake_logits):
    return -tf.reduce_mean(tf.math.log_sigmoid(fake_logits))
""",
        origin="-mean(log D(G(z))) with the stable tf.math.log_sigmoid",
    ),
    CorrectVariant(
        name="g-loss-keras-ops",
        function="generator_loss",
        source="""
from keras import ops


def generator_loss(fake_logits):
    labels = ops.ones_like(fake_logits)
    return ops.mean(ops.binary_crossentropy(labels, fake_logits, from_logits=True))
""",
        origin="keras.ops.binary_crossentropy(from_logits=True), as Keras 3 GAN examples write it",
    ),
    CorrectVariant(
        name="g-loss-sigmoid-ce-keyword",
        function="generator_loss",
        source="""
def generator_loss(fake_logits):
    losses = tf.nn.sigmoid_cross_entropy_with_logits(
        logits=fake_logits, labels=tf.ones_like(fake_logits)
    )
    return tf.math.reduce_mean(losses)
""",
        origin="tf.nn.sigmoid_cross_entropy_with_logits, the TF 1 GAN codebases' form",
    ),
    # minimax_generator_loss
    CorrectVariant(
        name="minimax-negated-bce-label-zero",
        function="minimax_generator_loss",
        source="""
cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def minimax_generator_loss(fake_output):
    return -cross_entropy(tf.zeros_like(fake_output), fake_output)
""",
        origin="log(1 - D) is minus the BCE against label 0: the tutorial's cross_entropy, negated",
    ),
    CorrectVariant(
        name="minimax-log-sigmoid-of-minus",
        function="minimax_generator_loss",
        source="""
def minimax_generator_loss(fake_logits):
    return tf.reduce_mean(tf.math.log_sigmoid(-fake_logits))
""",
        origin="1 - sigmoid(x) = sigmoid(-x), then the stable tf.math.log_sigmoid",
    ),
    CorrectVariant(
        name="minimax-keras-ops-softplus",
        function="minimax_generator_loss",
        source="""
import keras


def minimax_generator_loss(fake_logits):
    return -keras.ops.mean(keras.ops.softplus(fake_logits))
""",
        origin="keras.ops.softplus",
    ),
    CorrectVariant(
        name="minimax-negated-sigmoid-ce",
        function="minimax_generator_loss",
        source="""
def minimax_generator_loss(fake_logits):
    fake_logits = tf.cast(fake_logits, tf.float32)
    return -tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(fake_logits), logits=fake_logits)
    )
""",
        origin="tf.nn.sigmoid_cross_entropy_with_logits against 0, negated",
    ),
    # optimal_discriminator
    CorrectVariant(
        name="optimal-d-np-divide-where",
        function="optimal_discriminator",
        source="""
def optimal_discriminator(p_data, p_model):
    p_data = np.asarray(p_data, dtype=float)
    total = p_data + np.asarray(p_model, dtype=float)
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)
""",
        origin="np.divide(..., out=..., where=...), NumPy's documented safe division",
    ),
    CorrectVariant(
        name="optimal-d-errstate-nan-to-half",
        function="optimal_discriminator",
        source="""
def optimal_discriminator(p_data, p_model):
    p_data, p_model = np.asarray(p_data, np.float64), np.asarray(p_model, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = p_data / (p_data + p_model)
    return np.nan_to_num(d, nan=0.5)
""",
        origin="divide under np.errstate, then 0 / 0 = nan replaced by 1/2",
    ),
    CorrectVariant(
        name="optimal-d-where-with-warning",
        function="optimal_discriminator",
        source="""
def optimal_discriminator(p_data, p_model):
    p_data = np.array(p_data, dtype=np.float64)
    p_model = np.array(p_model, dtype=np.float64)
    total = p_data + p_model
    return np.where(total == 0, 0.5, p_data / total)
""",
        origin="np.where over a division that warns at 0 / 0 (the warning is harmless)",
    ),
    # js_divergence
    CorrectVariant(
        name="js-scipy-distance-squared",
        function="js_divergence",
        source="""
from scipy.spatial.distance import jensenshannon


def js_divergence(p, q):
    return float(jensenshannon(p, q) ** 2)
""",
        origin="scipy.spatial.distance.jensenshannon (natural log by default) is the square root "
        "of JSD: squared",
    ),
    CorrectVariant(
        name="js-scipy-rel-entr",
        function="js_divergence",
        source="""
from scipy.special import rel_entr


def js_divergence(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = 0.5 * (p + q)
    return 0.5 * np.sum(rel_entr(p, m)) + 0.5 * np.sum(rel_entr(q, m))
""",
        origin="scipy.special.rel_entr, which is 0 where p = 0",
    ),
    CorrectVariant(
        name="js-scipy-stats-entropy",
        function="js_divergence",
        source="""
from scipy.stats import entropy


def js_divergence(p, q):
    m = (np.asarray(p) + np.asarray(q)) / 2
    return 0.5 * entropy(p, m) + 0.5 * entropy(q, m)
""",
        origin="scipy.stats.entropy(p, m) is KL(p || m) in nats",
    ),
    CorrectVariant(
        name="js-entropy-of-mixture-xlogy",
        function="js_divergence",
        source="""
from scipy.special import xlogy


def js_divergence(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)

    def h(x):
        return -np.sum(xlogy(x, x))

    return float(h((p + q) / 2) - (h(p) + h(q)) / 2)
""",
        origin="JSD = H(m) - (H(p) + H(q)) / 2 with xlogy's 0 log 0 = 0",
    ),
    CorrectVariant(
        name="js-errstate-where",
        function="js_divergence",
        source="""
def js_divergence(p, q):
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_pm = np.where(p > 0, p * np.log(p / m), 0.0).sum()
        kl_qm = np.where(q > 0, q * np.log(q / m), 0.0).sum()
    return float((kl_pm + kl_qm) / 2)
""",
        origin="np.where under np.errstate, no clipping and no epsilon",
    ),
    # gan_value
    CorrectVariant(
        name="value-xlogy-xlog1py",
        function="gan_value",
        source="""
from scipy.special import xlog1py, xlogy


def gan_value(d, p_data, p_model):
    d = np.asarray(d, dtype=float)
    return float(np.sum(xlogy(p_data, d)) + np.sum(xlog1py(p_model, -d)))
""",
        origin="scipy.special.xlogy / xlog1py, which return 0 where the weight is 0",
    ),
    CorrectVariant(
        name="value-boolean-masks",
        function="gan_value",
        source="""
def gan_value(d, p_data, p_model):
    d, p_data, p_model = np.asarray(d), np.asarray(p_data), np.asarray(p_model)
    real, fake = p_data > 0, p_model > 0
    value = np.sum(p_data[real] * np.log(d[real]))
    value += np.sum(p_model[fake] * np.log(1.0 - d[fake]))
    return float(value)
""",
        origin="boolean masks: only the points a distribution visits are summed",
    ),
    CorrectVariant(
        name="value-errstate-nansum",
        function="gan_value",
        source="""
def gan_value(d, p_data, p_model):
    d, p_data, p_model = (np.asarray(a, dtype=np.float64) for a in (d, p_data, p_model))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = p_data * np.log(d) + p_model * np.log1p(-d)
    return float(np.nansum(terms))
""",
        origin="0 * log 0 = nan dropped by np.nansum (the other term of that point is 0 there)",
    ),
]
