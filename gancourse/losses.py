"""The course's GAN losses, from logits or critic scores, in float32.

The same mathematics as the theory chapters: the non-saturating GAN losses (taught in *Training
dynamics* and Lab 2) and the WGAN-GP critic, generator and gradient penalty (taught in
*Wasserstein GAN* and Lab 5). The train steps (:mod:`gancourse.steps`) and
Lab 4 use them. They are answers to the problem sets' graded functions, so problem sets cannot
import this module (:func:`gancourse.runtime.hide_reference_solutions`) and the grading sandbox
does not hold it.

Every loss casts its inputs to float32, so that it is computed in float32 even when the networks
compute in bfloat16 (mixed precision).
"""

from __future__ import annotations

import tensorflow as tf


def discriminator_loss(real_logits, fake_logits):
    """Non-saturating GAN discriminator loss, -log D(x) - log(1 - D(G(z))), from logits."""
    real_logits = tf.cast(real_logits, tf.float32)
    fake_logits = tf.cast(fake_logits, tf.float32)
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(
        tf.nn.softplus(fake_logits)
    )


def generator_loss(fake_logits):
    """Non-saturating generator loss, -log D(G(z)), from logits."""
    return tf.reduce_mean(tf.nn.softplus(-tf.cast(fake_logits, tf.float32)))


def wasserstein_estimate(real_scores, fake_scores):
    """The critic's estimate of the Wasserstein-1 distance, mean(real) - mean(fake)."""
    return tf.reduce_mean(tf.cast(real_scores, tf.float32)) - tf.reduce_mean(
        tf.cast(fake_scores, tf.float32)
    )


def critic_loss(real_scores, fake_scores):
    """The critic's Wasserstein loss, mean(fake) - mean(real): minus the estimate, minimised."""
    return -wasserstein_estimate(real_scores, fake_scores)


def generator_wasserstein_loss(fake_scores):
    """The generator's Wasserstein loss, -mean(fake scores)."""
    return -tf.reduce_mean(tf.cast(fake_scores, tf.float32))


def gradient_penalty(critic, real, fake):
    """WGAN-GP penalty E[(||grad critic(x_hat)||_2 - 1)^2], one interpolation weight per image."""
    eps = tf.random.uniform([tf.shape(real)[0], 1, 1, 1])
    mixed = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        scores = critic(mixed, training=True)
    grads = tape.gradient(scores, mixed)
    # The small constant keeps the gradient of the norm finite where grads are all zero.
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))
