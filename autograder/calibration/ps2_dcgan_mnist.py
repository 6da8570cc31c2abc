"""Calibrate the short training run of ps2-dcgan-mnist: the reference solution over many seeds.

The hidden test ``test_short_training_run`` of ``solutions/ps2-dcgan-mnist`` trains the student's
models for 40 steps and checks statistics of the run against pass bands. The bands come from
this script: it executes the reference solution (the notebook's read-only and solution cells),
then the test's own ``short_training_run`` (the code between ``# BEGIN TRAINING RUN`` and
``# END TRAINING RUN`` in that test cell, so the calibration and the test cannot drift apart)
once per seed, prints every seed's statistics and writes them, with a summary and the bands, to
``ps2-dcgan-mnist.json`` next to this file.

    python autograder/calibration/ps2_dcgan_mnist.py                  # 24 + 3 seeds, minutes
    python autograder/calibration/ps2_dcgan_mnist.py --seeds 4 --alternative 0 --no-save
    python autograder/calibration/ps2_dcgan_mnist.py --rebuild-bands  # saved runs, new rule

Band rule, for the statistics in ``STATISTICS`` (those in ``RECORDED`` are saved, not banded):
``[low - m, high + m]``, where ``low`` and ``high`` are the smallest and largest value over all
calibration runs (the reference's seeds and the alternative design's) and
``m = max(MARGIN_FRACTION * spread, MIN_MARGIN)`` with ``spread`` the reference's max - min.
The alternative design stands for other sound answers, so that the bands do not fail them: the
TensorFlow tutorial's DCGAN (5x5 kernels, a 128- and a 64-filter transposed convolution, a
discriminator with 64 and 128 filters).

Exit status 1 when a run is not finite, or when ``--rebuild-bands`` finds that the saved runs
came from another training procedure than the notebook's current one.
"""

from __future__ import annotations

import sys

from training_run import main  # the shared calibration, beside this script

ASSIGNMENT = "ps2-dcgan-mnist"
# Statistics the test bands; the fakes' mean and spread are recorded only, because they depend
# on the generator's design (the alternative design's fake_mean lies well outside the
# reference's range although the design is sound).
STATISTICS = ["d_loss_first", "d_loss_last", "g_loss_last", "p_real_minus_p_fake"]
RECORDED = ["fake_mean", "fake_std"]

ALTERNATIVE_DESIGN = """
def build_generator(latent_dim=100):
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            keras.layers.Dense(7 * 7 * 256, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.3),
            keras.layers.Reshape((7, 7, 256)),
            keras.layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.3),
            keras.layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.LeakyReLU(negative_slope=0.3),
            keras.layers.Conv2DTranspose(1, 5, strides=2, padding="same", activation="tanh"),
        ]
    )


def build_discriminator():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(64, 5, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.3),
            keras.layers.Dropout(0.3),
            keras.layers.Conv2D(128, 5, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.3),
            keras.layers.Dropout(0.3),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )
"""

ALTERNATIVE_DESCRIPTION = (
    "TensorFlow DCGAN tutorial: 5x5 kernels, transposed convolutions "
    "with 128 and 64 filters, discriminator with 64 and 128 filters"
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
