"""Calibrate the short training run of ps3-conditional-gan: the reference over many seeds.

The hidden test ``test_short_training_run`` of ``solutions/ps3-conditional-gan`` trains the
student's models for 40 steps and checks statistics of the run against pass bands. The bands come
from this script: it executes the reference solution (the notebook's read-only and solution cells),
then the test's own ``short_training_run`` (the code between ``# BEGIN TRAINING RUN`` and
``# END TRAINING RUN`` in that test cell, so the calibration and the test cannot drift apart)
once per seed, prints every seed's statistics and writes them, with a summary and the bands, to
``ps3-conditional-gan.json`` next to this file.

    python autograder/calibration/ps3_conditional_gan.py                  # 24 + 3 seeds, minutes
    python autograder/calibration/ps3_conditional_gan.py --seeds 4 --alternative 0 --no-save
    python autograder/calibration/ps3_conditional_gan.py --rebuild-bands  # saved runs, new rule

Band rule, for the statistics in ``STATISTICS`` (those in ``RECORDED`` are saved, not banded):
``[low - m, high + m]``, where ``low`` and ``high`` are the smallest and largest value over all
calibration runs (the reference's seeds and the alternative design's) and
``m = max(MARGIN_FRACTION * spread, MIN_MARGIN)`` with ``spread`` the reference's max - min.
The alternative design stands for other sound answers, so that the bands do not fail them: a
conditional DCGAN in the style of the Keras example (one-hot labels instead of learned
embeddings, two 128-filter transposed convolutions, a 7x7 output convolution, a larger
discriminator). It trains faster at first than the reference (higher g_loss after 40 steps).

Exit status 1 when a run is not finite, or when ``--rebuild-bands`` finds that the saved runs
came from another training procedure than the notebook's current one.
"""

from __future__ import annotations

import sys

from training_run import main  # the shared calibration, beside this script

ASSIGNMENT = "ps3-conditional-gan"
# Statistics the test bands; the fakes' mean and spread are recorded only, because they depend
# on the generator's design (in ps2 the TensorFlow tutorial's DCGAN, a sound design, has a
# fake_mean well outside the reference's range).
STATISTICS = ["d_loss_first", "d_loss_last", "g_loss_last", "p_real_minus_p_fake"]
RECORDED = ["fake_mean", "fake_std"]

ALTERNATIVE_DESIGN = """
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(latent_dim,))
    label = keras.Input(shape=(), dtype="int32")
    one_hot = keras.layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot")(label)
    x = keras.layers.Concatenate()([noise, one_hot])
    x = keras.layers.Dense(7 * 7 * 128)(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 128))(x)
    for _ in range(2):
        x = keras.layers.Conv2DTranspose(128, 4, strides=2, padding="same")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    image = keras.layers.Conv2D(1, 7, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image)


def build_conditional_discriminator(num_classes=10):
    image = keras.Input(shape=(28, 28, 1))
    label = keras.Input(shape=(), dtype="int32")
    one_hot = keras.layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot")(label)
    maps = keras.layers.Reshape((28, 28, num_classes))(keras.layers.RepeatVector(784)(one_hot))
    x = keras.layers.Concatenate()([image, maps])
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Conv2D(128, 3, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    return keras.Model([image, label], keras.layers.Dense(1)(x))
"""

ALTERNATIVE_DESCRIPTION = (
    "Keras conditional GAN example style: one-hot labels, two "
    "128-filter transposed convolutions, a 7x7 output convolution; discriminator on "
    "one-hot label maps with 64 and 128 filters and global max pooling"
)

if __name__ == "__main__":
    sys.exit(
        main(
            ASSIGNMENT,
            STATISTICS,
            RECORDED,
            ALTERNATIVE_DESIGN,
            ALTERNATIVE_DESCRIPTION,
            __doc__.splitlines()[0],
        )
    )
