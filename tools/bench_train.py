"""Train-step throughput against the TensorFlow tutorial's train step, and time to quality.

    make bench                                   # or: python -m tools.bench_train
    python -m tools.bench_train --steps 10 --rounds 3 --out artifacts/bench.json

Both trainers train the *same* network, the DCGAN of TensorFlow's DCGAN tutorial (generator:
Dense to 7x7x256, transposed convolutions 128 (stride 1), 64 and 1 (stride 2), 5x5 kernels;
discriminator: convolutions 64 and 128, 5x5, stride 2, dropout 0.3), on MNIST batches of 256:

- ``tutorial``: the tutorial's recipe, written out here: ``BinaryCrossentropy(from_logits=True)``
  losses, a ``tf.function`` step with two tapes, ``from_tensor_slices(images).shuffle(60000)
  .batch(256)`` with no prefetch;
- ``course (...)``: :func:`gancourse.steps.make_gan_step` fed by
  :func:`gancourse.data.epoch_dataset` (prefetched, never starves), in three settings: float32
  graph, float32 with XLA (``jit_compile``) and ``mixed_bfloat16``, the last also with XLA where
  bfloat16 is not emulated (a GPU, or a CPU with bfloat16 instructions). ``course (auto)`` is
  the setting :mod:`gancourse.train` picks by itself on this machine
  (:func:`gancourse.runtime.choose_precision`, :func:`gancourse.runtime.choose_jit`).

The variants run in turns, ``--rounds`` times, each time for ``--steps`` steps, so that a change
of machine load touches all of them alike; the median round counts. Throughput is reported in
images per second and in achieved GFLOP/s, counting the network's multiply-adds (forward pass
of the generator plus two of the discriminator, times three for the backward pass): 0.45 GFLOP
per image per step for the tutorial network. Beside it, the fraction of the machine's practical
peak (:func:`matmul_peak`: a 2048 x 2048 matrix product in the variant's number format) that the
step achieves.

Then the *time to quality* (``--quality mnist``, the default; ``make bench-quality`` runs
``--quality fashion_mnist``): the course's DCGAN recipe trains from scratch, live, until the
classifier-FID of 2,000 samples of the generator it saves, against 2,000 test images drawn at
random (:func:`gancourse.evaluate.reference_images`), reaches the target of
:data:`QUALITY_RUNS`, and the training time it took is reported beside the time allowed (less
on a CPU with bfloat16 hardware than on an AVX2-only one).

On a CPU without bfloat16 instructions (AVX2 only), ``mixed_bfloat16`` is emulated and more than
ten times slower than float32, so the float32 settings are the ones that count there. Tried on a
2-core AVX2 EPYC and not adopted: XLA's CPU options ``--xla_cpu_use_xnnpack``,
``--xla_cpu_use_onednn`` and ``--xla_cpu_enable_fast_math`` (through ``XLA_FLAGS``; each left
XLA's advantage over the tutorial inside its 1.06-1.12 spread between runs), one discriminator
call on real and generated images concatenated (0.94x the tutorial in graph mode, 0.3x with
XLA), and the stride-1 transposed convolution written as a convolution with a flipped kernel
(2.68 s against 2.35 s forward and backward at batch 256). There XLA in float32 was 13% faster
than the plain graph on an idle machine but 40% slower on a loaded one. On a 2-core EPYC with
AVX512-BF16, idle, bfloat16 with XLA ran at 273 images/s, 0.62x the tutorial, against 660 (1.49x)
for bfloat16 in graph mode, and XLA in float32 at 0.65x the plain graph (December 2026); so
:func:`gancourse.runtime.choose_jit` leaves XLA off on a CPU.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent


def tutorial_generator(keras):
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(100,)),
            layers.Dense(7 * 7 * 256, use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Reshape((7, 7, 256)),
            layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False),
            layers.Activation("tanh", dtype="float32"),
        ]
    )


def tutorial_discriminator(keras):
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(64, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Conv2D(128, 5, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(1, dtype="float32"),
        ]
    )


def multiply_adds(model) -> int:
    """Forward multiply-adds per image of the Dense, Conv2D and Conv2DTranspose layers."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            total += int(np.prod(layer.kernel.shape))
        elif kind == "Conv2D":
            height, width = layer.output.shape[1:3]
            total += height * width * int(np.prod(layer.kernel.shape))
        elif kind == "Conv2DTranspose":
            # Every input pixel is multiplied by the whole kernel once.
            height, width = layer.input.shape[1:3]
            total += height * width * int(np.prod(layer.kernel.shape))
    return total


def training_gflop_per_image(generator, discriminator) -> float:
    """Generator forward + discriminator on real and on fake, times 3 (forward and backward)."""
    forward = multiply_adds(generator) + 2 * multiply_adds(discriminator)
    return 3 * 2 * forward / 1e9


def tutorial_variant(tf, keras, images, batch_size):
    generator, discriminator = tutorial_generator(keras), tutorial_discriminator(keras)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(real):
        noise = tf.random.normal([batch_size, 100])
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(noise, training=True)
            real_out = discriminator(real, training=True)
            fake_out = discriminator(fake, training=True)
            g_loss = cross_entropy(tf.ones_like(fake_out), fake_out)
            d_loss = cross_entropy(tf.ones_like(real_out), real_out) + cross_entropy(
                tf.zeros_like(fake_out), fake_out
            )
        g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
        d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, generator.trainable_variables, strict=True))
        d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables, strict=True))

    def batches():
        while True:  # a new shuffle buffer every epoch, as in the tutorial's epoch loop
            data = tf.data.Dataset.from_tensor_slices(images).shuffle(60000).batch(batch_size)
            for batch in data:
                if batch.shape[0] == batch_size:
                    yield (batch,)

    return train_step, batches(), (generator, discriminator)


def course_variant(tf, keras, images, labels, batch_size, precision, jit):
    from gancourse.data import epoch_dataset
    from gancourse.steps import make_gan_step

    keras.mixed_precision.set_global_policy(precision)
    try:
        generator, discriminator = tutorial_generator(keras), tutorial_discriminator(keras)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)
    step = make_gan_step(generator, discriminator, g_opt, d_opt, 100, False, jit)
    images_t, labels_t = tf.constant(images), tf.constant(labels)

    def batches():
        for epoch in itertools.count():
            yield from epoch_dataset(images_t, labels_t, batch_size, seed=0, epoch=epoch)

    return step, batches(), (generator, discriminator)


def matmul_peak(tf, dtype, size: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of the best of ``repeats`` square matrix products of ``size`` in ``dtype``.

    A large matrix product is the fastest work TensorFlow's CPU kernels (oneDNN) do, so this is the
    ceiling a train step's achieved GFLOP/s is compared with: the machine's practical peak for
    that number format, on the threads TensorFlow uses. The vendor's theoretical peak (cores x
    clock x operations per cycle) is not printed: a virtual machine does not report its clock.
    """
    a = tf.cast(tf.random.normal([size, size]), dtype)
    product = tf.function(lambda x: tf.linalg.matmul(x, x))
    product(a).numpy()  # compile and warm up
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        product(a).numpy()
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best / 1e9


def time_steps(step, batches, steps: int) -> float:
    started = time.perf_counter()
    result = None
    for _ in range(steps):
        result = step(*next(batches))
    if result is not None:  # wait for the last step's values
        for value in result.values():
            float(value)
    return time.perf_counter() - started


#: How often time to quality measures, in training images (a quarter of an MNIST epoch), so that
#: the curve has the same resolution in training time whatever the recipe's batch size.
CHECK_EVERY_IMAGES = 15_000

#: Live time to quality: (dataset, FID(2k) target, minutes allowed on a CPU with bfloat16
#: hardware (AMX or AVX512-BF16), minutes allowed on another CPU (AVX2)).
QUALITY_RUNS = {
    "mnist": (25.0, 5.0, 10.0),
    "fashion_mnist": (30.0, 30.0, 60.0),
}


def time_to_quality(
    dataset: str, check_every: int | None = None, seed: int = 0, minutes: float | None = None
) -> dict:
    """Train the course's DCGAN recipe on ``dataset`` from scratch, exactly as the command of the
    committed model's record does (same networks and options, settings, step, average and data
    order), measuring the classifier-FID of 2,000 samples of the saved generator every
    ``check_every`` steps, until it reaches the target or the time allowed runs out.

    Only training counts towards the time: the measurements are timed apart and reported.
    """
    import tensorflow as tf

    from gancourse import train
    from gancourse.data import epoch_dataset, training_arrays
    from gancourse.evaluate import EPOCH_REFERENCE, epoch_measures
    from gancourse.runtime import choose_jit, choose_precision, cpu_flags
    from gancourse.weights import training_record

    target, fast_minutes, slow_minutes = QUALITY_RUNS[dataset]
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    bf16_hardware = on_gpu or bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})
    if minutes is None:
        minutes = fast_minutes if bf16_hardware else slow_minutes
    # No end but the clock, and no progress grids: only the recipe's options are kept.
    config = train.config_from_command(
        training_record("dcgan", dataset)["command"],
        epochs=1000,
        seed=seed,
        grid_every=0,
        progress=False,
    )
    precision = choose_precision(config.precision, on_gpu)
    jit = choose_jit(config.jit, on_gpu)
    import keras

    keras.mixed_precision.set_global_policy(precision)
    try:
        networks, optimizers = train.build_networks(config)
        step = train.RECIPES["dcgan"].step(config, networks, optimizers, jit)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    settings = train.settings(config)
    average = train.average_update(config, networks, optimizers)
    measure = epoch_measures("dcgan", dataset, 2000)
    images, labels = training_arrays(dataset)
    data = (tf.constant(images), tf.constant(labels))
    steps_per_epoch = train.epoch_steps(config, len(images))
    check_every = check_every or max(1, CHECK_EVERY_IMAGES // config.batch_size)

    curve, training_s, measuring_s, steps, reached = [], 0.0, 0.0, 0, None
    for epoch in itertools.count():
        batches = iter(epoch_dataset(*data, config.batch_size, config.seed, epoch))
        for index in range(steps_per_epoch):
            started = time.perf_counter()
            images_batch, labels_batch = next(batches)
            losses = step(images_batch, labels_batch, index)
            if average is not None:
                average()
            steps += 1
            if steps % check_every == 0:
                float(losses["d_loss"])  # wait for the step before stopping the clock
            training_s += time.perf_counter() - started
            if steps % check_every:
                continue
            started = time.perf_counter()
            fid = measure(train.saved_network(config, networks))["fid_2k"]
            measuring_s += time.perf_counter() - started
            curve.append([steps, round(training_s, 1), fid])
            print(f"{dataset}: step {steps}, {training_s:.0f} s, FID(2k) {fid}", file=sys.stderr)
            if fid <= target:
                reached = curve[-1]
            if reached or training_s > 60 * minutes:
                break
        if reached or training_s > 60 * minutes:
            break
    return {
        "dataset": dataset,
        "command": train.command(config, leave_out=("epochs",)),
        "settings": settings,
        "precision": precision,
        "xla": jit,
        "target_fid_2k": target,
        "fid_reference": EPOCH_REFERENCE,
        "minutes_allowed": minutes,
        "bfloat16_hardware": bf16_hardware,
        "reached": reached is not None,
        "training_s": reached[1] if reached else None,
        "met": reached is not None and reached[1] <= 60 * minutes,
        "steps": reached[0] if reached else steps,
        "measuring_s": round(measuring_s, 1),
        "curve": curve,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_train", description=__doc__)
    parser.add_argument("--steps", type=int, default=10, help="steps per variant per round")
    parser.add_argument(
        "--bf16-batch-size",
        type=int,
        default=16,
        help="batch for bfloat16 on a CPU without bfloat16 hardware, where a step is very slow",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--out", default="", help="also write the JSON here")
    parser.add_argument(
        "--quality",
        choices=["none", *QUALITY_RUNS],
        default="mnist",
        help="also train the course's DCGAN on this dataset from scratch until it reaches its "
        "FID(2k) target (time to quality); none: throughput only",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from gancourse.runtime import configure_tensorflow

    configure_tensorflow(0)
    import keras
    import tensorflow as tf

    from gancourse.data import training_arrays
    from gancourse.models import build_discriminator, build_generator
    from gancourse.runtime import choose_jit, choose_precision, machine_description

    images, labels = training_arrays("mnist")
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    auto = (choose_precision("auto", on_gpu), choose_jit("auto", on_gpu))
    settings = {
        "course (float32, graph)": ("float32", False),
        "course (float32, XLA)": ("float32", True),
        "course (mixed_bfloat16, graph)": ("mixed_bfloat16", False),
    }
    slow_bf16 = not on_gpu and choose_precision("auto", on_gpu) == "float32"
    if not slow_bf16:  # bfloat16 with XLA, wherever bfloat16 is not emulated
        settings["course (mixed_bfloat16, XLA)"] = ("mixed_bfloat16", True)

    def batch_for(name):
        return args.bf16_batch_size if slow_bf16 and "bfloat16" in name else args.batch_size

    variants = {"tutorial": tutorial_variant(tf, keras, images, args.batch_size)}
    for name, (precision, jit) in settings.items():
        variants[name] = course_variant(tf, keras, images, labels, batch_for(name), precision, jit)
    gflop = training_gflop_per_image(*variants["tutorial"][2])

    def steps_for(name):
        return 1 if slow_bf16 and "bfloat16" in name else args.steps

    for step, batches, _ in variants.values():  # compile and warm up
        time_steps(step, batches, 2)
    seconds = {name: [] for name in variants}
    names = list(variants)
    for round_index in range(args.rounds):
        shift = round_index % len(names)  # rotate the order between rounds
        for name in names[shift:] + names[:shift]:
            step, batches, _ = variants[name]
            seconds[name].append(time_steps(step, batches, steps_for(name)) / steps_for(name))

    peaks = {  # emulated bfloat16 (AVX2) is slow: a smaller product measures it as well
        "float32": matmul_peak(tf, tf.float32),
        "bfloat16": matmul_peak(tf, tf.bfloat16, 1024 if slow_bf16 else 2048),
    }
    results = {}
    for name, times in seconds.items():
        per_step = statistics.median(times)
        achieved = gflop * batch_for(name) / per_step
        peak = peaks["bfloat16" if "bfloat16" in name else "float32"]
        results[name] = {
            "batch_size": batch_for(name),
            "images_per_s": round(batch_for(name) / per_step, 1),
            "gflop_per_s": round(achieved, 1),
            "fraction_of_matmul_peak": round(achieved / peak, 3),
            "seconds_per_step": round(per_step, 4),
            "rounds": [round(t, 4) for t in times],
        }
    auto_name = next(n for n, s in settings.items() if s == auto)
    tutorial_ips = results["tutorial"]["images_per_s"]
    course_generator, course_discriminator = build_generator(), build_discriminator()
    report = {
        "benchmark": "DCGAN train step, TensorFlow tutorial network, MNIST",
        "batch_size": args.batch_size,
        "steps_per_round": args.steps,
        "rounds": args.rounds,
        "gflop_per_image_per_step": round(gflop, 4),
        "course_network_gflop_per_image_per_step": round(
            training_gflop_per_image(course_generator, course_discriminator), 4
        ),
        "machine": machine_description(),
        "matmul_peak_gflop_per_s": {k: round(v, 1) for k, v in peaks.items()},
        "variants": results,
        "course_auto_setting": auto_name,
        "ratio_course_auto_to_tutorial": round(
            results[auto_name]["images_per_s"] / tutorial_ips, 3
        ),
        "ratio_best_course_to_tutorial": round(
            max(results[n]["images_per_s"] for n in settings) / tutorial_ips, 3
        ),
    }
    if args.quality != "none":
        report["time_to_quality"] = time_to_quality(args.quality)
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
