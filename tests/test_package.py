"""The shared package: image grids, seeding and device set-up, hiding the reference solutions
from problem sets, the offline book extension."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gancourse.plotting import image_grid
from gancourse.runtime import configure_tensorflow


def test_image_grid_layout_and_scaling():
    images = np.stack([np.full((4, 5), v, np.float32) for v in (-1.0, 0.0, 1.0)])
    grid = image_grid(images, ncols=2, padding=1, pad_value=0.5)
    assert grid.shape == (2 * (4 + 1) + 1, 2 * (5 + 1) + 1)
    assert grid[1, 1] == 0.0  # -1 maps to black
    assert grid[1, 7] == 0.5  # 0 maps to mid-grey
    assert grid[6, 1] == 1.0  # +1 maps to white
    assert grid[6, 7] == 0.5  # the empty fourth tile keeps the padding value
    assert grid[0, 0] == 0.5


def test_image_grid_accepts_uint8_and_channel_axis():
    images = np.zeros((3, 28, 28, 1), np.uint8)
    images[1] = 255
    grid = image_grid(images, ncols=3, padding=0)
    assert grid.shape == (28, 84)
    assert grid[:, 28:56].min() == 1.0 and grid[:, :28].max() == 0.0


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros((2, 4, 4, 3))])
def test_image_grid_rejects_other_shapes(bad):
    with pytest.raises(ValueError, match="expected images of shape"):
        image_grid(bad)


def test_configure_tensorflow_seeds_everything():
    import tensorflow as tf

    configure_tensorflow(123)
    first = (np.random.rand(3), tf.random.normal((3,)).numpy())
    configure_tensorflow(123)
    second = (np.random.rand(3), tf.random.normal((3,)).numpy())
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True])
def test_configure_tensorflow_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        configure_tensorflow(seed)


def test_configure_tensorflow_deterministic_switches_on_op_determinism():
    # In a fresh process: op determinism is global and cannot be switched off again.
    code = (
        "import tensorflow as tf\n"
        "from tensorflow.python.framework.config import is_op_determinism_enabled\n"
        "from gancourse.runtime import configure_tensorflow\n"
        "assert not is_op_determinism_enabled()\n"
        "info = configure_tensorflow(5, deterministic=True)\n"
        "assert info['deterministic'] is True, info\n"
        "assert is_op_determinism_enabled()\n"
        "a = tf.reduce_sum(tf.random.normal((1000,))).numpy()\n"
        "configure_tensorflow(5, deterministic=True)\n"
        "assert a == tf.reduce_sum(tf.random.normal((1000,))).numpy()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_configure_tensorflow_deterministic_needs_a_seed_and_a_bool():
    with pytest.raises(ValueError, match="needs a seed"):
        configure_tensorflow(None, deterministic=True)
    with pytest.raises(TypeError, match="deterministic must be True or False"):
        configure_tensorflow(1, deterministic="yes")
    assert configure_tensorflow(1)["deterministic"] is False


def test_offline_mathjax_source_is_installed():
    from gancourse.sphinx_offline import ENTRY_POINT, mathjax_source

    source = mathjax_source()
    assert (source / ENTRY_POINT).stat().st_size > 500_000
    assert any((source / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


def test_hide_reference_solutions_allows_the_student_modules_only():
    # In a child process: the switch is meant to last for the whole kernel.
    script = """
import gancourse, gancourse.train, pkgutil
from gancourse.runtime import STUDENT_MODULES, hide_reference_solutions
hide_reference_solutions()
hide_reference_solutions()  # calling it twice installs one finder
from gancourse.runtime import _HideReferenceModules
assert sum(isinstance(f, _HideReferenceModules) for f in sys.meta_path) == 1
modules = ["gancourse." + m.name for m in pkgutil.iter_modules(gancourse.__path__)]
hidden = [name for name in modules if name not in STUDENT_MODULES]
answers = ("train", "models", "evaluate", "losses", "steps", "weights", "checkpoints")
assert {"gancourse." + name for name in answers} <= set(hidden), hidden
for name in hidden:
    try:
        importlib.import_module(name)
    except ImportError as err:
        assert "reference solutions" in str(err) and "book" in str(err), err
    else:
        raise AssertionError(name + " is still importable")
try:
    from gancourse import train  # the attribute of the package is gone too
except ImportError:
    pass
else:
    raise AssertionError("gancourse.train reachable as an attribute")
for name in STUDENT_MODULES:  # the helpers stay
    importlib.import_module(name)
print("ok")
"""
    proc = subprocess.run(
        [sys.executable, "-c", "import importlib, sys\n" + script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
