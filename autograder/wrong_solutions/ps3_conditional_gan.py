"""Known-wrong answers to ps3-conditional-gan, each a bug seen in public conditional GAN code.

Run ``python -m autograder.wrong_solutions ps3-conditional-gan``: every entry must lose points,
and a failing test's message must contain its ``expect`` text. The contract asks for fake
labels drawn uniformly, independently of ``real_labels``; reusing ``real_labels`` is listed
here as wrong (see the notebook's section 3 for why).
"""

from autograder.wrong_solutions import CorrectVariant, WrongSolution

WRONG_SOLUTIONS = [
    WrongSolution(
        name="discriminator-sigmoid-output",
        function="build_conditional_discriminator",
        source="""
def build_conditional_discriminator(num_classes=10):
    image = keras.Input(shape=(28, 28, 1), name="image")
    label = keras.Input(shape=(), dtype="int32", name="label")
    label_map = keras.layers.Embedding(num_classes, 28 * 28)(label)
    label_map = keras.layers.Reshape((28, 28, 1))(label_map)
    x = keras.layers.Concatenate()([image, label_map])
    x = keras.layers.Conv2D(32, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Conv2D(64, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Flatten()(x)
    logit = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model([image, label], logit)
""",
        expect="sigmoid",
        origin="conditional GAN tutorials ending the discriminator in sigmoid while the loss uses from_logits=True",
    ),
    WrongSolution(
        name="generator-ignores-labels",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(latent_dim,), name="noise")
    label = keras.Input(shape=(), dtype="int32", name="label")
    embedded = keras.layers.Embedding(num_classes, 50)(label)
    x = keras.layers.Concatenate()([noise, noise])
    x = keras.layers.Dense(7 * 7 * 256, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 256))(x)
    x = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    image = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image)
""",
        expect="ignores the label",
        origin="the label input declared but its embedding never concatenated (a copy-paste of noise)",
    ),
    WrongSolution(
        name="discriminator-ignores-labels",
        function="build_conditional_discriminator",
        source="""
def build_conditional_discriminator(num_classes=10):
    image = keras.Input(shape=(28, 28, 1), name="image")
    label = keras.Input(shape=(), dtype="int32", name="label")
    label_map = keras.layers.Embedding(num_classes, 28 * 28)(label)
    label_map = keras.layers.Reshape((28, 28, 1))(label_map)
    x = keras.layers.Concatenate()([image, image])
    x = keras.layers.Conv2D(32, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Conv2D(64, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Flatten()(x)
    logit = keras.layers.Dense(1)(x)
    return keras.Model([image, label], logit)
""",
        expect="ignores the label",
        origin="conditional discriminators whose label map is built but not concatenated with the image",
    ),
    WrongSolution(
        name="generator-hard-codes-ten-classes",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(latent_dim,), name="noise")
    label = keras.Input(shape=(), dtype="int32", name="label")
    embedded = keras.layers.Embedding(10, 50)(label)
    x = keras.layers.Concatenate()([noise, embedded])
    x = keras.layers.Dense(7 * 7 * 256, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 256))(x)
    x = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    image = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image)
""",
        expect="num_classes",
        origin="Embedding(10, ...) hard-coded for MNIST and reused for other datasets",
    ),
    WrongSolution(
        name="generator-linear-output",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(latent_dim,), name="noise")
    label = keras.Input(shape=(), dtype="int32", name="label")
    embedded = keras.layers.Embedding(num_classes, 50)(label)
    x = keras.layers.Concatenate()([noise, embedded])
    x = keras.layers.Dense(7 * 7 * 256, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 256))(x)
    x = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    image = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same")(x)
    return keras.Model([noise, label], image)
""",
        expect="tanh",
        origin="the output layer's activation='tanh' lost in a refactor",
    ),
    WrongSolution(
        name="generator-ignores-latent-dim",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(LATENT_DIM,), name="noise")
    label = keras.Input(shape=(), dtype="int32", name="label")
    embedded = keras.layers.Embedding(num_classes, 50)(label)
    x = keras.layers.Concatenate()([noise, embedded])
    x = keras.layers.Dense(7 * 7 * 256, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 256))(x)
    x = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    image = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image)
""",
        expect="latent_dim",
        origin="builders that read a global LATENT_DIM instead of their argument",
    ),
    WrongSolution(
        name="fake-labels-reuse-real-labels",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    real_labels = tf.cast(tf.reshape(real_labels, (-1,)), tf.int32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = real_labels
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels], training=True)
        real_logits = discriminator([real_images, real_labels], training=True)
        fake_logits = discriminator([fake_images, fake_labels], training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="independently of real_labels",
        origin="tutorials that condition the fakes on the real batch's labels",
    ),
    WrongSolution(
        name="fake-labels-miss-last-class",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    real_labels = tf.cast(tf.reshape(real_labels, (-1,)), tf.int32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = tf.random.uniform((batch,), 0, NUM_CLASSES - 1, dtype=tf.int32)
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels], training=True)
        real_logits = discriminator([real_images, real_labels], training=True)
        fake_logits = discriminator([fake_images, fake_labels], training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="never drawn",
        origin="an exclusive upper bound treated as inclusive (np.random.randint(0, 9) for 10 classes)",
    ),
    WrongSolution(
        name="real-labels-for-fakes",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    real_labels = tf.cast(tf.reshape(real_labels, (-1,)), tf.int32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = tf.random.uniform((batch,), 0, NUM_CLASSES, dtype=tf.int32)
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels], training=True)
        real_logits = discriminator([real_images, real_labels], training=True)
        fake_logits = discriminator([fake_images, real_labels], training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="generated for",
        origin="the discriminator given real_labels with the fakes, which were generated for other labels",
    ),
    WrongSolution(
        name="swapped-labels-in-step",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    real_labels = tf.cast(tf.reshape(real_labels, (-1,)), tf.int32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = tf.random.uniform((batch,), 0, NUM_CLASSES, dtype=tf.int32)
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels], training=True)
        real_logits = discriminator([real_images, real_labels], training=True)
        fake_logits = discriminator([fake_images, fake_labels], training=True)
        d_loss = discriminator_loss(fake_logits, real_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="labels swapped",
        origin="real labelled 0 and fake 1 (the loss's arguments swapped)",
    ),
    WrongSolution(
        name="saturating-generator-loss",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    real_labels = tf.cast(tf.reshape(real_labels, (-1,)), tf.int32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = tf.random.uniform((batch,), 0, NUM_CLASSES, dtype=tf.int32)
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels], training=True)
        real_logits = discriminator([real_images, real_labels], training=True)
        fake_logits = discriminator([fake_images, fake_labels], training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = tf.reduce_mean(tf.math.log(1.0 - tf.sigmoid(fake_logits) + 1e-8))
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="saturating",
        origin="literal transcriptions of the minimax objective",
    ),
    WrongSolution(
        name="training-flag-omitted",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    real_labels = tf.cast(tf.reshape(real_labels, (-1,)), tf.int32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = tf.random.uniform((batch,), 0, NUM_CLASSES, dtype=tf.int32)
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels])
        real_logits = discriminator([real_images, real_labels])
        fake_logits = discriminator([fake_images, fake_labels])
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="training=True",
        origin="custom loops that call the models without training=True",
    ),
    WrongSolution(
        name="generator-step-also-updates-discriminator",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    real_labels = tf.cast(tf.reshape(real_labels, (-1,)), tf.int32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = tf.random.uniform((batch,), 0, NUM_CLASSES, dtype=tf.int32)
    with tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels], training=True)
        real_logits = discriminator([real_images, real_labels], training=True)
        fake_logits = discriminator([fake_images, fake_labels], training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    # the combined model G -> D, with the discriminator left trainable
    combined = generator.trainable_variables + discriminator.trainable_variables
    with tf.GradientTape() as tape:
        fakes = generator([noise, fake_labels], training=True)
        g_loss = generator_loss(discriminator([fakes, fake_labels], training=True))
    generator_optimizer.apply_gradients(zip(tape.gradient(g_loss, combined), combined))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="built for",
        origin="Keras 2 combined GAN model without discriminator.trainable = False",
    ),
    WrongSolution(
        name="sample-training-true",
        function="generate_by_class",
        source="""
def generate_by_class(generator, labels, seed=None, latent_dim=100):
    labels = tf.constant(np.asarray(labels, dtype=np.int32).reshape(-1))
    n = int(labels.shape[0])
    if seed is None:
        noise = tf.random.normal((n, latent_dim))
    else:
        noise = tf.random.stateless_normal((n, latent_dim), seed=[seed, 0])
    return np.asarray(generator([noise, labels], training=True), dtype=np.float32)
""",
        expect="training=False",
        origin="training=True copied from the train step into the sampler",
    ),
    WrongSolution(
        name="sample-cycles-classes",
        function="generate_by_class",
        source="""
def generate_by_class(generator, labels, seed=None, latent_dim=100):
    labels = tf.constant(np.asarray(labels, dtype=np.int32).reshape(-1))
    n = int(labels.shape[0])
    if seed is None:
        noise = tf.random.normal((n, latent_dim))
    else:
        noise = tf.random.stateless_normal((n, latent_dim), seed=[seed, 0])
    labels = tf.range(n) % NUM_CLASSES  # the grid code's labels
    return np.asarray(generator([noise, labels], training=False), dtype=np.float32)
""",
        expect="labels[i]",
        origin="a class-grid sampler reused for arbitrary labels: the argument is ignored",
    ),
    WrongSolution(
        name="generator-imported-from-course-package",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    from gancourse.models import build_generator as course_generator

    return course_generator(latent_dim, num_classes=num_classes)
""",
        expect="reference solutions",
        origin="handing in the course package's own network instead of writing it",
    ),
    WrongSolution(
        name="real-images-rolled-labels",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    real_labels = tf.cast(tf.reshape(real_labels, (-1,)), tf.int32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = tf.random.uniform((batch,), 0, NUM_CLASSES, dtype=tf.int32)
    # the labels were rolled to make 'mismatched' pairs and the rolled copy went to the reals
    shifted_labels = tf.roll(real_labels, shift=1, axis=0)
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels], training=True)
        real_logits = discriminator([real_images, shifted_labels], training=True)
        fake_logits = discriminator([fake_images, fake_labels], training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="other than their own",
        origin="matching-aware discriminators (Reed et al., 2016) whose rolled 'wrong' labels "
        "replace the real pairs' own labels",
    ),
    WrongSolution(
        name="real-images-with-fake-labels",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_images = tf.convert_to_tensor(real_images, dtype=tf.float32)
    batch = tf.shape(real_images)[0]
    noise = tf.random.normal((batch, latent_dim))
    fake_labels = tf.random.uniform((batch,), 0, NUM_CLASSES, dtype=tf.int32)
    with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
        fake_images = generator([noise, fake_labels], training=True)
        real_logits = discriminator([real_images, fake_labels], training=True)
        fake_logits = discriminator([fake_images, fake_labels], training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        g_loss = generator_loss(fake_logits)
    d_gradients = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
    g_gradients = generator_tape.gradient(g_loss, generator.trainable_variables)
    discriminator_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        expect="pair the real images with real_labels",
        origin="one labels tensor reused for both discriminator calls",
    ),
]

# Correct answers written other ways than the reference: each must keep every point.
CORRECT_VARIANTS = [
    CorrectVariant(
        name="generator-upsampling-then-conv",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(latent_dim,))
    label = keras.Input(shape=(), dtype="int32")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(num_classes, 16)(label))
    x = keras.layers.Concatenate()([noise, embedded])
    x = keras.layers.Dense(7 * 7 * 128, activation="relu")(x)
    x = keras.layers.Reshape((7, 7, 128))(x)
    x = keras.layers.UpSampling2D()(x)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.UpSampling2D()(x)
    image = keras.layers.Conv2D(1, 3, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image)
""",
        origin="resize-then-convolve upsampling (Odena et al., 2016, 'Deconvolution and "
        "checkerboard artifacts'), as many Keras conditional GAN examples write it",
    ),
    CorrectVariant(
        name="generator-one-hot-label",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(latent_dim,))
    label = keras.Input(shape=(), dtype="int32")
    one_hot = keras.layers.Lambda(lambda y: keras.ops.one_hot(y, num_classes))(label)
    x = keras.layers.Concatenate()([noise, one_hot])
    x = keras.layers.Dense(7 * 7 * 128, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 128))(x)
    x = keras.layers.Conv2DTranspose(128, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Conv2DTranspose(128, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    image = keras.layers.Conv2D(1, 7, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image)
""",
        origin="one-hot labels concatenated with the noise (Mirza and Osindero, 2014), the "
        "layout of keras.io's conditional GAN example",
    ),
    CorrectVariant(
        name="generator-subclassed-model",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    class ConditionalGenerator(keras.Model):
        def __init__(self):
            super().__init__()
            self.embed = keras.layers.Embedding(num_classes, 32)
            self.project = keras.layers.Dense(7 * 7 * 128)
            self.norm = keras.layers.BatchNormalization()
            self.up1 = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same")
            self.up2 = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same")

        def call(self, inputs, training=False):
            noise, label = inputs
            x = keras.ops.concatenate([noise, self.embed(label)], axis=-1)
            x = keras.ops.leaky_relu(self.norm(self.project(x), training=training), 0.2)
            x = keras.ops.reshape(x, (-1, 7, 7, 128))
            x = keras.ops.leaky_relu(self.up1(x), 0.2)
            return keras.ops.tanh(self.up2(x))

    return ConditionalGenerator()
""",
        origin="a subclassed keras.Model with call(), as TensorFlow's and keras.io's "
        "guides write custom models",
    ),
    CorrectVariant(
        name="generator-embedding-multiply",
        function="build_conditional_generator",
        source="""
def build_conditional_generator(latent_dim=100, num_classes=10):
    noise = keras.Input(shape=(latent_dim,))
    label = keras.Input(shape=(), dtype="int32")
    embedded = keras.layers.Embedding(num_classes, latent_dim)(label)
    x = keras.layers.Multiply()([noise, embedded])
    x = keras.layers.Dense(7 * 7 * 128, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 128))(x)
    x = keras.layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    image = keras.layers.Conv2DTranspose(1, 5, strides=2, padding="same", activation="tanh")(x)
    return keras.Model([noise, label], image)
""",
        origin="the label embedding multiplied into the noise (nn.Embedding(n_classes, "
        "latent_dim) * z), the common PyTorch cGAN tutorial layout",
    ),
    CorrectVariant(
        name="discriminator-one-hot-channels",
        function="build_conditional_discriminator",
        source="""
def build_conditional_discriminator(num_classes=10):
    image = keras.Input(shape=(28, 28, 1))
    label = keras.Input(shape=(), dtype="int32")
    one_hot = keras.layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot")(label)
    maps = keras.layers.Reshape((28, 28, num_classes))(keras.layers.RepeatVector(28 * 28)(one_hot))
    x = keras.layers.Concatenate()([image, maps])
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Conv2D(128, 3, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    return keras.Model([image, label], keras.layers.Dense(1)(x))
""",
        origin="keras.io's conditional GAN: one-hot labels repeated as extra image channels, "
        "two strided convolutions and global max pooling",
    ),
    CorrectVariant(
        name="discriminator-embedding-dense-map",
        function="build_conditional_discriminator",
        source="""
def build_conditional_discriminator(num_classes=10):
    label = keras.Input(shape=(), dtype="int32")
    label_map = keras.layers.Embedding(num_classes, 50)(label)
    label_map = keras.layers.Dense(28 * 28)(label_map)
    label_map = keras.layers.Reshape((28, 28, 1))(label_map)
    image = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Concatenate()([image, label_map])
    x = keras.layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.4)(x)
    return keras.Model([image, label], keras.layers.Dense(1)(x))
""",
        origin="the Embedding(num_classes, 50), Dense(784) label map of the widely copied "
        "Keras cGAN tutorial, 128-filter 3x3 convolutions",
    ),
    CorrectVariant(
        name="discriminator-subclassed-projection",
        function="build_conditional_discriminator",
        source="""
def build_conditional_discriminator(num_classes=10):
    class ProjectionDiscriminator(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv1 = keras.layers.Conv2D(64, 4, strides=2, padding="same")
            self.conv2 = keras.layers.Conv2D(128, 4, strides=2, padding="same")
            self.drop = keras.layers.Dropout(0.3)
            self.flat = keras.layers.Flatten()
            self.features = keras.layers.Dense(128)
            self.out = keras.layers.Dense(1)
            self.embed = keras.layers.Embedding(num_classes, 128)

        def call(self, inputs, training=False):
            images, labels = inputs
            x = keras.ops.leaky_relu(self.conv1(images), 0.2)
            x = self.drop(keras.ops.leaky_relu(self.conv2(x), 0.2), training=training)
            h = keras.ops.leaky_relu(self.features(self.flat(x)), 0.2)
            projection = keras.ops.sum(self.embed(labels) * h, axis=-1, keepdims=True)
            return self.out(h) + projection

    return ProjectionDiscriminator()
""",
        origin="a projection discriminator (Miyato and Koyama, 2018) as a subclassed keras.Model",
    ),
    CorrectVariant(
        name="step-persistent-tape-module-loss",
        function="conditional_train_step",
        source="""
cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)


def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    batch_size = tf.shape(real_images)[0]
    noise = tf.random.normal([batch_size, latent_dim])
    fake_labels = tf.random.uniform([batch_size], maxval=NUM_CLASSES, dtype=tf.int32)
    with tf.GradientTape(persistent=True) as tape:
        generated = generator([noise, fake_labels], training=True)
        real_output = discriminator([real_images, real_labels], training=True)
        fake_output = discriminator([generated, fake_labels], training=True)
        d_loss = cross_entropy(tf.ones_like(real_output), real_output) + cross_entropy(
            tf.zeros_like(fake_output), fake_output
        )
        g_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
    d_grads = tape.gradient(d_loss, discriminator.trainable_variables)
    g_grads = tape.gradient(g_loss, generator.trainable_variables)
    del tape
    discriminator_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_variables))
    generator_optimizer.apply_gradients(zip(g_grads, generator.trainable_variables))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        origin="TensorFlow's DCGAN tutorial: a module-level BinaryCrossentropy(from_logits=True) "
        "and one persistent GradientTape",
    ),
    CorrectVariant(
        name="step-keras-io-combined-batch",
        function="conditional_train_step",
        source="""
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    real_labels = tf.cast(tf.reshape(real_labels, [-1]), tf.int32)
    batch_size = tf.shape(real_images)[0]
    random_latent_vectors = tf.random.normal(shape=(batch_size, latent_dim))
    random_labels = tf.random.uniform((batch_size,), 0, NUM_CLASSES, dtype=tf.int32)
    generated_images = generator([random_latent_vectors, random_labels], training=True)
    combined_images = tf.concat([generated_images, real_images], axis=0)
    combined_labels = tf.concat([random_labels, real_labels], axis=0)
    with tf.GradientTape() as tape:
        logits = discriminator([combined_images, combined_labels], training=True)
        fake_logits, real_logits = logits[:batch_size], logits[batch_size:]
        d_loss = discriminator_loss(real_logits, fake_logits)
    grads = tape.gradient(d_loss, discriminator.trainable_weights)
    discriminator_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights))
    # then the generator, on fresh noise and labels, against the updated discriminator
    random_latent_vectors = tf.random.normal(shape=(batch_size, latent_dim))
    random_labels = tf.random.uniform((batch_size,), 0, NUM_CLASSES, dtype=tf.int32)
    with tf.GradientTape() as tape:
        fake_images = generator([random_latent_vectors, random_labels], training=True)
        g_loss = generator_loss(discriminator([fake_images, random_labels], training=True))
    grads = tape.gradient(g_loss, generator.trainable_weights)
    generator_optimizer.apply_gradients(zip(grads, generator.trainable_weights))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        origin="keras.io's conditional GAN train_step: real and fake pairs in one "
        "discriminator batch, then the generator on fresh noise against the updated discriminator",
    ),
    CorrectVariant(
        name="step-tf-function-decorated",
        function="conditional_train_step",
        source="""
@tf.function
def conditional_train_step(generator, discriminator, generator_optimizer,
                           discriminator_optimizer, real_images, real_labels, latent_dim=100):
    batch = tf.shape(real_labels)[0]
    fake_labels = tf.random.uniform(shape=[batch], minval=0, maxval=NUM_CLASSES, dtype=tf.int32)
    z = tf.random.normal(shape=[batch, latent_dim])
    with tf.GradientTape() as d_tape:
        fakes = generator([z, fake_labels], training=True)
        d_loss = discriminator_loss(
            discriminator([real_images, real_labels], training=True),
            discriminator([fakes, fake_labels], training=True),
        )
    d_vars = discriminator.trainable_variables
    discriminator_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars))
    with tf.GradientTape() as g_tape:
        fakes = generator([z, fake_labels], training=True)
        g_loss = generator_loss(discriminator([fakes, fake_labels], training=True))
    g_vars = generator.trainable_variables
    generator_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))
    return {"d_loss": d_loss, "g_loss": g_loss}
""",
        origin="a @tf.function step with two tapes in sequence, the generator's against the "
        "updated discriminator (same noise and labels)",
    ),
    CorrectVariant(
        name="sample-numpy-rng-predict",
        function="generate_by_class",
        source="""
def generate_by_class(generator, labels, seed=None, latent_dim=100):
    labels = np.asarray(labels).astype("int32").reshape(-1)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((len(labels), latent_dim)).astype("float32")
    return generator.predict([noise, labels], verbose=0).astype("float32")
""",
        origin="NumPy's default_rng noise and model.predict, as Keras examples sample",
    ),
    CorrectVariant(
        name="sample-keras-random",
        function="generate_by_class",
        source="""
def generate_by_class(generator, labels, seed=None, latent_dim=100):
    labels = keras.ops.cast(keras.ops.reshape(keras.ops.convert_to_tensor(labels), (-1,)), "int32")
    noise = keras.random.normal((labels.shape[0], latent_dim), seed=seed)
    images = generator([noise, labels], training=False)
    return keras.ops.convert_to_numpy(images).astype(np.float32)
""",
        origin="backend-agnostic Keras 3: keras.random.normal with an integer seed, keras.ops",
    ),
    CorrectVariant(
        name="sample-tf-random-generator",
        function="generate_by_class",
        source="""
def generate_by_class(generator, labels, seed=None, latent_dim=100):
    labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
    if seed is None:
        rng = tf.random.Generator.from_non_deterministic_state()
    else:
        rng = tf.random.Generator.from_seed(seed)
    noise = rng.normal((tf.shape(labels)[0], latent_dim))
    return generator([noise, labels], training=False).numpy()
""",
        origin="a tf.random.Generator seeded per call, as TensorFlow's random-numbers guide "
        "recommends",
    ),
]
