"""The compiled train steps of the course's models: GAN, WGAN-GP and the classifier.

Each ``make_*_step`` returns a ``tf.function`` (compiled with XLA when ``jit``) that updates the
networks from one batch and returns its losses as a dict of scalars. The trainer
(:mod:`gancourse.train`) calls them; ``make bench`` (``tools/bench_train.py``) times
:func:`make_gan_step` against the TensorFlow tutorial's step. Like :mod:`gancourse.losses`, they
answer graded functions of the problem sets, which therefore cannot import this module.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from gancourse.losses import (
    critic_loss,
    discriminator_loss,
    generator_loss,
    generator_wasserstein_loss,
    gradient_penalty,
)


def make_gan_step(
    generator,
    discriminator,
    generator_optimizer,
    discriminator_optimizer,
    latent_dim,
    conditional,
    jit=False,
):
    """A step ``(images, labels) -> losses`` updating both networks from one forward pass.

    The updates are *simultaneous*: both gradients are taken at the same parameters, as in
    TensorFlow's DCGAN tutorial, not alternating as in Goodfellow et al.'s Algorithm 1; why the
    difference can matter (book: Lab 2, DCGAN on MNIST, 'The training step'; Training dynamics).
    ``labels`` go to both networks when ``conditional``, and are ignored otherwise.
    """

    def step(images, labels):
        noise = tf.random.normal([tf.shape(images)[0], latent_dim])
        generator_input = [noise, labels] if conditional else noise
        with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
            fakes = generator(generator_input, training=True)
            if conditional:
                real_logits = discriminator([images, labels], training=True)
                fake_logits = discriminator([fakes, labels], training=True)
            else:
                real_logits = discriminator(images, training=True)
                fake_logits = discriminator(fakes, training=True)
            d_loss = discriminator_loss(real_logits, fake_logits)
            g_loss = generator_loss(fake_logits)
        d_grads = discriminator_tape.gradient(d_loss, discriminator.trainable_variables)
        g_grads = generator_tape.gradient(g_loss, generator.trainable_variables)
        discriminator_optimizer.apply(d_grads, discriminator.trainable_variables)
        generator_optimizer.apply(g_grads, generator.trainable_variables)
        return {"d_loss": d_loss, "g_loss": g_loss}

    return tf.function(step, jit_compile=jit)


def make_wgan_gp_step(
    generator, critic, generator_optimizer, critic_optimizer, latent_dim, gp_weight, jit=False
):
    """A step ``(images, update_generator) -> losses``: one critic update, and a generator
    update when ``update_generator`` (a boolean tensor) is true, as Lab 5 teaches."""

    def step(images, update_generator):
        batch = tf.shape(images)[0]
        fakes = generator(tf.random.normal([batch, latent_dim]), training=True)
        with tf.GradientTape() as tape:
            real_scores = critic(images, training=True)
            fake_scores = critic(fakes, training=True)
            # Minus the critic's estimate of the Wasserstein-1 distance.
            wasserstein_loss = critic_loss(real_scores, fake_scores)
            penalty = gradient_penalty(critic, images, fakes)
            c_loss = wasserstein_loss + gp_weight * penalty
        c_grads = tape.gradient(c_loss, critic.trainable_variables)
        critic_optimizer.apply(c_grads, critic.trainable_variables)

        def generator_update():
            with tf.GradientTape() as generator_tape:
                scores = critic(generator(tf.random.normal([batch, latent_dim]), training=True))
                g_loss = generator_wasserstein_loss(scores)
            g_grads = generator_tape.gradient(g_loss, generator.trainable_variables)
            generator_optimizer.apply(g_grads, generator.trainable_variables)
            return g_loss

        g_loss = tf.cond(
            update_generator, generator_update, lambda: tf.constant(np.nan, tf.float32)
        )
        return {
            "critic_loss": c_loss,
            "wasserstein": -wasserstein_loss,
            "gp": penalty,
            "g_loss": g_loss,
        }

    return tf.function(step, jit_compile=jit)


def make_classifier_step(classifier, optimizer, jit=False):
    """A step ``(images, labels) -> {"loss": ...}`` of softmax cross-entropy from logits."""

    def step(images, labels):
        with tf.GradientTape() as tape:
            logits = classifier(images, training=True)
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            )
        grads = tape.gradient(loss, classifier.trainable_variables)
        optimizer.apply(grads, classifier.trainable_variables)
        return {"loss": loss}

    return tf.function(step, jit_compile=jit)


def make_average_update(network, average, decay, updates):
    """A function that moves ``average``'s weights towards ``network``'s: an exponential moving
    average with ``decay``, warmed up as TensorFlow's ``ExponentialMovingAverage(num_updates=)``
    does (the decay used is ``min(decay, (1 + t) / (10 + t))`` after ``t`` = ``updates`` steps), so
    that the random initial weights are forgotten within the first few hundred steps.

    Every weight is averaged, batch normalisation's moving statistics included, so the average
    never pairs averaged kernels with one step's statistics.
    """
    pairs = list(zip(average.weights, network.weights, strict=True))

    def update():
        t = tf.cast(updates, tf.float32)
        rate = tf.minimum(tf.constant(decay, tf.float32), (1.0 + t) / (10.0 + t))
        for averaged, value in pairs:
            averaged.assign(rate * averaged + (1.0 - rate) * tf.cast(value, averaged.dtype))

    return tf.function(update)
