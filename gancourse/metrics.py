"""Sample-based metrics for generative models: Frechet distance (FID), Inception Score, and
k-nearest-neighbour precision and recall.

Taught in the chapter *Evaluating GANs* (``book/theory/evaluation.md``) and used by the
evaluation lab. Everything here is plain NumPy in float64: the functions take features or
class probabilities that a network has already produced, so they do not depend on TensorFlow
and can be checked against closed forms in the tests (``tests/test_metrics.py``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "frechet_distance",
    "frechet_distance_from_features",
    "inception_score",
    "precision_recall_knn",
]

# Relative tolerance for "symmetric", "positive semi-definite" and "rows sum to one".
_SYMMETRY_RTOL = 1e-6
_PSD_RTOL = 1e-8
_ROW_SUM_ATOL = 1e-4


def _as_mean(mu, name: str) -> np.ndarray:
    array = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    if array.ndim != 1:
        raise ValueError(f"{name} must be a vector of shape (d,), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _as_covariance(sigma, name: str) -> np.ndarray:
    array = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} must be a square matrix of shape (d, d), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    scale = max(float(np.max(np.abs(array))), 1e-300)
    if np.max(np.abs(array - array.T)) > _SYMMETRY_RTOL * scale:
        raise ValueError(f"{name} must be symmetric (a covariance matrix)")
    array = 0.5 * (array + array.T)
    if np.linalg.eigvalsh(array).min() < -_PSD_RTOL * scale * array.shape[0]:
        raise ValueError(f"{name} must be positive semi-definite (a covariance matrix)")
    return array


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric PSD matrix, through its eigendecomposition."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    # eigh is backward stable: an eigenvalue within d * eps * ||matrix|| of zero cannot be told
    # from zero, and its square root (~ sqrt(eps)) would be pure rounding noise: drop it.
    floor = matrix.shape[0] * np.finfo(np.float64).eps * float(np.abs(eigenvalues).max())
    roots = np.sqrt(np.where(eigenvalues > floor, eigenvalues, 0.0))
    return (eigenvectors * roots) @ eigenvectors.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Squared Frechet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    ``d^2 = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^{1/2})``, the quantity that
    FID reports for two sets of features. ``mu1`` and ``mu2`` have shape ``(d,)``, ``sigma1`` and
    ``sigma2`` shape ``(d, d)`` (symmetric, positive semi-definite); for ``d = 1`` scalars are
    accepted, a scalar ``sigma`` being a variance.

    The trace of the matrix square root is computed as the sum of the singular values of
    ``sigma1^{1/2} sigma2^{1/2}`` (their squares are the eigenvalues of ``sigma1 sigma2``), with
    symmetric square roots from ``eigh``. No complex arithmetic appears, and no square root is
    taken of a rounding error, so even for the rank-deficient covariances of small samples the
    result is accurate to a few ``d * eps`` relative to the traces, and swapping the two
    Gaussians changes it only at that level. Taught in the book (book: Evaluating GANs,
    'The Frechet Inception Distance').
    """
    mu1, mu2 = _as_mean(mu1, "mu1"), _as_mean(mu2, "mu2")
    sigma1, sigma2 = _as_covariance(sigma1, "sigma1"), _as_covariance(sigma2, "sigma2")
    dimension = mu1.shape[0]
    for name, array in (("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        if array.shape[0] != dimension:
            raise ValueError(
                f"all inputs must have the same dimension d = {dimension} (from mu1), "
                f"but {name} has shape {array.shape}"
            )
    # Tr((sigma1 sigma2)^{1/2}) is the nuclear norm of sigma1^{1/2} sigma2^{1/2}. Taking singular
    # values directly (not square roots of the eigenvalues of sigma1^{1/2} sigma2 sigma1^{1/2})
    # keeps the error O(eps): a zero eigenvalue computed as 1e-17 would otherwise add 3e-9.
    trace_sqrt = float(
        np.sum(np.linalg.svd(_psd_sqrt(sigma1) @ _psd_sqrt(sigma2), compute_uv=False))
    )
    diff = mu1 - mu2
    value = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt)
    # The distance is non-negative; rounding can leave -1e-15 for identical inputs.
    return max(value, 0.0)


def _as_features(features, name: str) -> np.ndarray:
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (number of samples, feature dimension), "
            f"got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def frechet_distance_from_features(a, b) -> float:
    """FID-style distance between two sets of features of shapes ``(n, d)`` and ``(m, d)``.

    Fits a Gaussian to each set (the sample mean and the unbiased sample covariance,
    ``ddof=1``) and returns :func:`frechet_distance` between the two. The value is biased
    upwards for finite samples (it is positive even for two samples of one distribution), so
    compare only values computed with the same numbers of samples. Taught in the book (book:
    Evaluating GANs, 'The Frechet Inception Distance'; Evaluating GANs, 'Sample size: FID is
    biased').
    """
    a, b = _as_features(a, "a"), _as_features(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"both feature sets must have the same feature dimension, got {a.shape[1]} and "
            f"{b.shape[1]}"
        )
    if a.shape[0] < 2 or b.shape[0] < 2:
        raise ValueError(
            f"a covariance needs at least 2 samples per set, got {a.shape[0]} and {b.shape[0]}"
        )
    sigma_a = np.atleast_2d(np.cov(a, rowvar=False))
    sigma_b = np.atleast_2d(np.cov(b, rowvar=False))
    return frechet_distance(a.mean(axis=0), sigma_a, b.mean(axis=0), sigma_b)


def inception_score(probabilities) -> float:
    """Inception Score ``exp(E_x KL(p(y|x) || p(y)))`` of class probabilities ``(N, K)``.

    Row ``i`` is a classifier's predicted distribution ``p(y | x_i)`` over ``K`` classes for
    generated sample ``x_i``; ``p(y)`` is the mean of the rows. The score lies between 1 (every
    row equal) and ``K`` (confident predictions spread evenly over the classes). This computes
    the score of the whole set at once; the original recipe averages it over 10 splits.
    Taught in the book (book: Evaluating GANs, 'The Inception Score').
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < 1 or p.shape[1] < 1:
        raise ValueError(
            f"probabilities must have shape (number of samples, number of classes), got {p.shape}"
        )
    if not np.all(np.isfinite(p)) or p.min() < 0.0:
        raise ValueError("probabilities must be finite and non-negative (softmax outputs)")
    row_sums = p.sum(axis=1)
    if np.max(np.abs(row_sums - 1.0)) > _ROW_SUM_ATOL:
        raise ValueError(
            "each row of probabilities must sum to 1 (apply a softmax to logits first); "
            f"row sums range from {row_sums.min():.6g} to {row_sums.max():.6g}"
        )
    marginal = p.mean(axis=0)
    # 0 * log 0 = 0: only the entries with p > 0 contribute (and there the marginal is > 0).
    positive = p > 0.0
    log_ratio = np.zeros_like(p)
    log_ratio[positive] = np.log(p[positive]) - np.log(np.broadcast_to(marginal, p.shape)[positive])
    kl_per_sample = np.sum(p * log_ratio, axis=1)
    return float(np.exp(np.mean(kl_per_sample)))


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    squared = np.sum(a**2, axis=1)[:, None] + np.sum(b**2, axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.clip(squared, 0.0, None)


def _knn_radii_squared(points: np.ndarray, k: int, chunk: int) -> np.ndarray:
    """Squared distance from each point to its k-th nearest neighbour among the others."""
    radii = np.empty(points.shape[0])
    for start in range(0, points.shape[0], chunk):
        block = _squared_distances(points[start : start + chunk], points)
        # Column 0 after partitioning is the point itself (distance 0); index k is the k-th
        # nearest *other* point.
        radii[start : start + chunk] = np.partition(block, k, axis=1)[:, k]
    return radii


def _fraction_covered(queries: np.ndarray, centres: np.ndarray, radii_sq, chunk: int) -> float:
    """Fraction of ``queries`` inside at least one ball ``||q - centre|| <= radius``."""
    covered = np.zeros(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], chunk):
        block = _squared_distances(queries[start : start + chunk], centres)
        covered[start : start + chunk] = np.any(block <= radii_sq[None, :], axis=1)
    return float(np.mean(covered))


def precision_recall_knn(real_features, fake_features, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall of Kynkaanniemi et al. (2019), from k-NN balls.

    Each real sample gets a ball whose radius is the distance to its ``k``-th nearest real
    neighbour; the union of the balls estimates the support of the real distribution.
    *Precision* is the fraction of fake samples inside that union. *Recall* swaps the roles:
    the fraction of real samples inside the union of the fakes' k-NN balls. Returns
    ``(precision, recall)``, two numbers in [0, 1]. A generator that drops modes has high
    precision and low recall; one that spreads its samples too widely has the opposite.
    Taught in the book (book: Evaluating GANs, 'Precision and recall').
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake features must have the same dimension, got {real.shape[1]} and "
            f"{fake.shape[1]}"
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    smallest = min(real.shape[0], fake.shape[0])
    if k >= smallest:
        raise ValueError(
            f"k = {k} needs more than k samples in each set, got {real.shape[0]} real and "
            f"{fake.shape[0]} fake"
        )
    chunk = 1024
    real_radii = _knn_radii_squared(real, int(k), chunk)
    fake_radii = _knn_radii_squared(fake, int(k), chunk)
    precision = _fraction_covered(fake, real, real_radii, chunk)
    recall = _fraction_covered(real, fake, fake_radii, chunk)
    return precision, recall
