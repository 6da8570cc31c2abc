"""The course's reference networks: the labs build these, the trainer trains them.

Every builder returns an uncompiled ``keras.Model`` for 28x28x1 images in [-1, 1]. The
architectures follow DCGAN (Radford, Metz and Chintala, 2016) scaled down for 28x28 images and
for training on a laptop CPU; they are the same networks the assignments ask students to build
(ps2, ps3), so the committed weights under ``data/weights/`` load into a student's own model.

- :func:`build_generator`: noise (and, if ``num_classes`` is given, an integer label) to an image.
- :func:`build_discriminator`: an image (and a label) to one logit.
- :func:`build_critic`: the WGAN-GP critic, with no batch normalisation and no dropout, because
  the gradient penalty is defined per example (Gulrajani et al., 2017, section 4).
- :func:`build_classifier`: the course classifier, whose 128 penultimate features define the
  classifier-feature FID of the evaluation lab.
"""

from __future__ import annotations

import keras

__all__ = [
    "LATENT_DIM",
    "NUM_CLASSES",
    "build_generator",
    "build_discriminator",
    "build_critic",
    "build_classifier",
    "classifier_feature_model",
]

LATENT_DIM = 100
NUM_CLASSES = 10
LEAK = 0.2  # LeakyReLU slope in both networks, as in TensorFlow's DCGAN tutorial (DCGAN's
# generator uses ReLU; its discriminator uses LeakyReLU with this slope)


def _label_input():
    return keras.Input(shape=(), dtype="int32", name="label")


def build_generator(latent_dim: int = LATENT_DIM, num_classes: int | None = None) -> keras.Model:
    """DCGAN generator: Dense to 7x7x256, two stride-2 transposed convolutions to 28x28x1, tanh.

    With ``num_classes``, the model takes ``[noise, label]`` and concatenates a learned
    50-dimensional embedding of the label to the noise (the conditional GAN of Mirza and
    Osindero, 2014).
    """
    noise = keras.Input(shape=(latent_dim,), name="noise")
    inputs = [noise]
    x = noise
    if num_classes is not None:
        label = _label_input()
        inputs.append(label)
        x = keras.layers.Concatenate()([noise, keras.layers.Embedding(num_classes, 50)(label)])
    x = keras.layers.Dense(7 * 7 * 256, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=LEAK)(x)
    x = keras.layers.Reshape((7, 7, 256))(x)
    x = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=LEAK)(x)
    # float32 output whatever the mixed-precision policy: images are compared and plotted.
    image = keras.layers.Conv2DTranspose(
        1, 4, strides=2, padding="same", activation="tanh", dtype="float32"
    )(x)
    name = "generator" if num_classes is None else "conditional_generator"
    return keras.Model(inputs if num_classes is not None else noise, image, name=name)


def _conv_stack(x, widths: tuple[int, int], dropout: float, minibatch_std: int = 0):
    for width in widths:
        x = keras.layers.Conv2D(width, 4, strides=2, padding="same")(x)
        x = keras.layers.LeakyReLU(negative_slope=LEAK)(x)
        if dropout:
            x = keras.layers.Dropout(dropout)(x)
    if minibatch_std:
        x = MinibatchStddev(minibatch_std)(x)
    return keras.layers.Flatten()(x)


class MinibatchStddev(keras.layers.Layer):
    """Appends one channel: how much the batch varies, as a feature of every image in it.

    The batch is split into groups of ``group_size`` consecutive images (one group when the
    batch's size is not a multiple); within a group, the standard deviation of every feature
    across the images is averaged into one number, given to each image of the group as a constant
    map (Karras et al., 2018, section 3; the book's "Making GANs train" derives it). A generator
    that draws nearly the same image for different noise makes that number small, which the
    discriminator can learn to notice.
    """

    def __init__(self, group_size: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.group_size = group_size

    def call(self, x):
        ops = keras.ops
        batch, height, width, channels = ops.shape(x)
        group = ops.where(batch % self.group_size == 0, self.group_size, batch)
        grouped = ops.reshape(ops.cast(x, "float32"), (-1, group, height, width, channels))
        spread = ops.sqrt(ops.var(grouped, axis=1) + 1e-8)  # (batch / group, h, w, c)
        spread = ops.repeat(ops.mean(spread, axis=(1, 2, 3)), group)  # one value per image
        spread = ops.reshape(spread, (-1, 1, 1, 1)) * ops.ones_like(x[..., :1], "float32")
        return ops.concatenate([x, ops.cast(spread, x.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}


def build_discriminator(
    num_classes: int | None = None,
    dropout: float = 0.3,
    filters: int = 0,
    minibatch_std: int = 0,
) -> keras.Model:
    """DCGAN discriminator: two stride-2 convolutions with LeakyReLU and dropout, one logit.

    With ``num_classes``, the model takes ``[image, label]`` and uses the label twice. It is
    embedded as a 28x28 map and stacked onto the image as a second channel, and it adds a
    *projection* term to the logit, the inner product of a learned class vector with the
    features (Miyato and Koyama, 2018): ``logit = w . phi(x) + b + e_y . phi(x)``. The conditional
    discriminator also has twice the filters (64 and 128). Without the projection term the
    course's conditional generator drifted between classes from epoch to epoch (class recovery
    between 74.5% and 88% on MNIST over epochs 4 to 7); see Lab 4.

    ``filters`` sets the first convolution's filters, the second having twice as many; 0 keeps
    32, or 64 when conditional. With ``minibatch_std`` > 0, a :class:`MinibatchStddev` layer with
    groups of that size adds its channel to the last convolution's features, before the logit.
    """
    image = keras.Input(shape=(28, 28, 1), name="image")
    inputs = [image]
    x = image
    if num_classes is not None:
        label = _label_input()
        inputs.append(label)
        label_map = keras.layers.Reshape((28, 28, 1))(
            keras.layers.Embedding(num_classes, 28 * 28)(label)
        )
        x = keras.layers.Concatenate()([image, label_map])
    filters = filters or (32 if num_classes is None else 64)
    features = _conv_stack(x, (filters, 2 * filters), dropout, minibatch_std)
    logit = keras.layers.Dense(1, dtype="float32")(features)
    if num_classes is not None:
        class_vector = keras.layers.Embedding(num_classes, features.shape[-1])(label)
        projection = keras.layers.Dot(axes=1)([class_vector, features])
        logit = keras.layers.Add(dtype="float32")([logit, projection])
    name = "discriminator" if num_classes is None else "conditional_discriminator"
    return keras.Model(inputs if num_classes is not None else image, logit, name=name)


def build_critic() -> keras.Model:
    """WGAN-GP critic: wider stride-2 convolutions, no batch norm, no dropout, one score."""
    image = keras.Input(shape=(28, 28, 1), name="image")
    x = _conv_stack(image, (64, 128), dropout=0.0)
    score = keras.layers.Dense(1, dtype="float32")(x)
    return keras.Model(image, score, name="critic")


def build_classifier(num_classes: int = NUM_CLASSES) -> keras.Model:
    """The course classifier: a small CNN with a 128-unit feature layer named ``features``.

    It outputs logits. Its features give the classifier-feature FID; its predictions give the
    class histogram of unconditional samples and the class recovery of conditional ones.
    """
    image = keras.Input(shape=(28, 28, 1), name="image")
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(image)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(128, activation="relu", name="features")(x)
    x = keras.layers.Dropout(0.3)(x)
    logits = keras.layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(image, logits, name="classifier")


def classifier_feature_model(classifier: keras.Model) -> keras.Model:
    """A model sharing ``classifier``'s weights that returns its 128 ``features`` activations."""
    return keras.Model(classifier.input, classifier.get_layer("features").output)
