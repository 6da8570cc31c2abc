"""The course's one band rule for the calibrated short training runs of ps2, ps3 and ps4.

Each calibration script beside this module (``ps2_dcgan_mnist.py``, ``ps3_conditional_gan.py``,
``ps4_wgan_gp.py``) trains a fixed small network pair with every correct training step we have
(the reference and the correct variants of the wrong-solution library) over 20 or more seeds,
and turns each banded statistic's values over ALL those runs into a pass band with ``band``.

The rule: with ``low`` and ``high`` the smallest and largest value over all runs, the band is
``[low - m, high + m]`` with ``m = max(0.5 * (high - low), 0.1 * max(|low|, |high|))``, rounded
outward to ``DIGITS`` decimals.

Why. A correct step graded with the check's seed is one more draw from the distribution the
runs sample: a step written otherwise draws its random numbers in another order, which acts
like another seed. For n independent draws of a continuous statistic, a further draw falls
outside their range ``[low, high]`` with probability exactly ``2 / (n + 1)``, whatever the
distribution; and the runs count as fewer than their number, since at one seed the correct
steps' runs nearly coincide (they differ far less than the seeds do), so n is about the number
of seeds, 20 to 24, and the bare range would fail about one correct step in ten per statistic.
Hence the margin. The range of n normal draws is about 3.7 standard deviations for n = 20
(3.9 for n = 24), and each extreme lies about half a range from the mean; adding half the range
on each side puts each band edge about one range, some 3.7 standard deviations, from the mean,
which a further normal draw crosses with probability of the order of 1e-4 per edge (the saved
runs put the edges 2.8 to 5.8 standard deviations from their mean wherever the half range
decides). A wider margin buys little more safety and lets
wrong steps through: the bugs the bands are meant for (swapped labels, a saturating or
misdirected generator loss, a flipped critic sign, a missing penalty, a network never updated)
move a statistic by more than a range. The second term, a tenth of the statistic's magnitude,
keeps a band open where the runs barely differ (ps4's generator_change is set by Adam's first
steps and spans 0.3 % of its value): there the spread measures nothing but round-off, and
another CPU, library version or accelerator moves a value by more than that. It never binds
where the spread is real; it adds little where a statistic is near zero, where the half range
decides. The rounding only ever widens a band, so that the band printed is the band applied.
"""

from __future__ import annotations

import math

#: The margin on each side, as a fraction of the range of the calibration runs.
RANGE_FRACTION = 0.5
#: The least margin on each side, as a fraction of the larger of |low| and |high|.
MAGNITUDE_FRACTION = 0.1
#: Bands are rounded outward to this many decimals.
DIGITS = 3

RULE = (
    "[low - m, high + m] with low and high the smallest and largest value over all calibration "
    f"runs (every correct step, every seed) and m = max({RANGE_FRACTION} * (high - low), "
    f"{MAGNITUDE_FRACTION} * max(|low|, |high|)), rounded outward to {DIGITS} decimals: the "
    "course's one band rule, justified in the docstring of autograder/calibration/__init__.py"
)


def band(values) -> list[float]:
    """The pass band ``[low - m, high + m]`` of one statistic's calibration values (see above)."""
    values = [float(value) for value in values]
    if not values or not all(math.isfinite(value) for value in values):
        raise ValueError("a band needs one or more finite values")
    low, high = min(values), max(values)
    margin = max(RANGE_FRACTION * (high - low), MAGNITUDE_FRACTION * max(abs(low), abs(high)))
    scale = 10**DIGITS
    return [math.floor((low - margin) * scale) / scale, math.ceil((high + margin) * scale) / scale]


def cpu_name() -> str:
    """The CPU's model name and core count, for the record of where the runs were made."""
    import os
    import platform
    from pathlib import Path

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model} ({os.cpu_count()} cores)"
