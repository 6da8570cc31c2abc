"""gancourse.metrics against independent references: closed forms, Monte-Carlo, hand examples."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.special

from gancourse.metrics import (
    frechet_distance,
    frechet_distance_from_features,
    inception_score,
    precision_recall_knn,
)


def _random_spd(rng, d, rank=None):
    rank = d if rank is None else rank
    factor = rng.normal(size=(d, rank))
    return factor @ factor.T / rank + (1e-3 * np.eye(d) if rank == d else 0.0)


# ---------------------------------------------------------------- Frechet distance


@pytest.mark.parametrize(
    "mu1, s1, mu2, s2",
    [(0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 3.0, 1.0), (1.0, 0.5, -2.0, 2.0), (0.3, 4.0, 0.3, 0.1)],
)
def test_frechet_matches_the_1d_closed_form(mu1, s1, mu2, s2):
    # In 1-D, W2^2 between N(mu1, s1^2) and N(mu2, s2^2) is (mu1 - mu2)^2 + (s1 - s2)^2.
    got = frechet_distance([mu1], [[s1**2]], [mu2], [[s2**2]])
    assert got == pytest.approx((mu1 - mu2) ** 2 + (s1 - s2) ** 2, rel=1e-10, abs=1e-12)


def test_frechet_1d_matches_monte_carlo_optimal_transport():
    # In 1-D the optimal coupling pairs sorted samples: W2^2 ~ mean((sorted x - sorted y)^2).
    rng = np.random.default_rng(0)
    x = np.sort(rng.normal(1.0, 0.7, 400_000))
    y = np.sort(rng.normal(-0.5, 1.9, 400_000))
    monte_carlo = np.mean((x - y) ** 2)
    got = frechet_distance(1.0, 0.7**2, -0.5, 1.9**2)
    assert got == pytest.approx(monte_carlo, rel=0.01)


def test_frechet_matches_the_diagonal_closed_form():
    rng = np.random.default_rng(1)
    d = 7
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    var1, var2 = rng.uniform(0.1, 3.0, d), rng.uniform(0.1, 3.0, d)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    got = frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_matches_nuclear_norm_reference_for_non_commuting_covariances():
    # Tr((S1 S2)^{1/2}) is the sum of the singular values of S1^{1/2} S2^{1/2}.
    rng = np.random.default_rng(2)
    d = 6
    s1, s2 = _random_spd(rng, d), _random_spd(rng, d)
    assert not np.allclose(s1 @ s2, s2 @ s1)  # the diagonal test cannot see this case
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    roots = np.real(scipy.linalg.sqrtm(s1)) @ np.real(scipy.linalg.sqrtm(s2))
    nuclear = np.linalg.svd(roots, compute_uv=False).sum()
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * nuclear
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)
    # ... and the usual FID code path, scipy's sqrtm of the product, agrees.
    product_root = np.real(scipy.linalg.sqrtm(s1 @ s2))
    expected_sqrtm = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * product_root)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected_sqrtm, rel=1e-8)


def test_frechet_is_a_lower_bound_over_gaussian_couplings():
    # Y = mu2 + S2^{1/2} Q S1^{-1/2} (X - mu1), Q orthogonal, is a coupling of the two
    # Gaussians; its cost E||X - Y||^2 can never beat the optimal transport cost d^2.
    rng = np.random.default_rng(3)
    d = 4
    s1, s2 = _random_spd(rng, d), _random_spd(rng, d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    root1, root2 = np.real(scipy.linalg.sqrtm(s1)), np.real(scipy.linalg.sqrtm(s2))
    best = frechet_distance(mu1, s1, mu2, s2)
    costs = []
    for _ in range(200):
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        cross = root1 @ q.T @ root2  # Cov(X, Y)
        costs.append(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(cross))
    assert min(costs) >= best - 1e-9
    assert min(costs) < best + 0.5 * (np.mean(costs) - best)  # the bound is nearly reached


def test_frechet_is_symmetric_zero_on_identical_and_handles_rank_deficiency():
    rng = np.random.default_rng(4)
    d = 5
    s1, s2 = _random_spd(rng, d, rank=2), _random_spd(rng, d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    forward = frechet_distance(mu1, s1, mu2, s2)
    # eigh and svd are backward stable, so both orders carry errors of a few d * eps relative to
    # the traces (~1e-15 here); 1e-12 leaves three orders of margin on any CPU. Taking square
    # roots of rounding errors (the defect this guards against) gives ~1e-8.
    assert forward == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-12)
    # An independent route: s1 = F F^T (rank 2), so the nonzero eigenvalues of s1 s2 are those
    # of the 2 x 2 matrix F^T s2 F, which needs no square root of a singular matrix.
    weights, vectors = np.linalg.eigh(s1)
    factor = vectors[:, -2:] * np.sqrt(weights[-2:])
    small = np.linalg.eigvalsh(factor.T @ s2 @ factor)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(small).sum()
    assert forward == pytest.approx(expected, rel=1e-12)
    assert frechet_distance(mu2, s2, mu2, s2) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-7)
    assert forward > 0.1


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros(3), np.eye(3), np.zeros(2), np.eye(2)), "same dimension"),
        ((np.zeros(3), np.eye(3), np.zeros(3), np.eye(2)), "same dimension"),
        ((np.zeros((3, 1)), np.eye(3), np.zeros(3), np.eye(3)), "vector"),
        ((np.zeros(3), np.ones((3, 2)), np.zeros(3), np.eye(3)), "square"),
        ((np.zeros(3), np.triu(np.ones((3, 3))), np.zeros(3), np.eye(3)), "symmetric"),
        ((np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2)), "positive semi-definite"),
        ((np.array([np.nan, 0.0]), np.eye(2), np.zeros(2), np.eye(2)), "NaN"),
    ],
)
def test_frechet_rejects_bad_inputs(args, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance(*args)


def test_frechet_from_features_uses_sample_mean_and_unbiased_covariance():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(50, 3)) @ rng.normal(size=(3, 3))
    b = rng.normal(size=(80, 3)) + 1.0
    expected = frechet_distance(
        a.mean(0), np.cov(a.T, ddof=1), b.mean(0), np.cov(b.T, ddof=1)
    )  # written out with ddof=1: ddof=0 (np.var's default) gives a different number
    assert frechet_distance_from_features(a, b) == pytest.approx(expected, rel=1e-10)
    biased = frechet_distance(a.mean(0), np.cov(a.T, ddof=0), b.mean(0), np.cov(b.T, ddof=0))
    assert not np.isclose(frechet_distance_from_features(a, b), biased, rtol=1e-6)
    assert frechet_distance_from_features(a, a) == pytest.approx(0.0, abs=1e-9)


def test_frechet_from_features_converges_to_the_gaussian_value():
    rng = np.random.default_rng(6)
    d = 3
    s1, s2 = _random_spd(rng, d), _random_spd(rng, d)
    mu1, mu2 = np.zeros(d), np.full(d, 0.5)
    a = rng.multivariate_normal(mu1, s1, size=200_000)
    b = rng.multivariate_normal(mu2, s2, size=200_000)
    exact = frechet_distance(mu1, s1, mu2, s2)
    assert frechet_distance_from_features(a, b) == pytest.approx(exact, rel=0.02)


def test_frechet_from_features_accepts_one_feature_and_rejects_bad_shapes():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(1000, 1)), rng.normal(2.0, 1.0, size=(1000, 1))
    assert frechet_distance_from_features(a, b) == pytest.approx(4.0, rel=0.1)
    with pytest.raises(ValueError, match="2-D array"):
        frechet_distance_from_features(a[:, 0], b)
    with pytest.raises(ValueError, match="same feature dimension"):
        frechet_distance_from_features(rng.normal(size=(10, 2)), rng.normal(size=(10, 3)))
    with pytest.raises(ValueError, match="at least 2 samples"):
        frechet_distance_from_features(rng.normal(size=(1, 2)), rng.normal(size=(10, 2)))


# ---------------------------------------------------------------- Inception Score


def test_inception_score_extremes():
    k = 10
    uniform = np.full((20, k), 1.0 / k)
    assert inception_score(uniform) == pytest.approx(1.0, abs=1e-12)
    balanced_one_hot = np.eye(k)[np.arange(50) % k]
    assert inception_score(balanced_one_hot) == pytest.approx(k, rel=1e-12)
    three_classes = np.eye(k)[np.arange(30) % 3]  # confident, but only 3 classes ever
    assert inception_score(three_classes) == pytest.approx(3.0, rel=1e-12)


def test_inception_score_hand_computed_example():
    # p1 = (1, 0), p2 = (1/2, 1/2): marginal (3/4, 1/4), KL1 = log 4/3, KL2 = 1/2 log 4/3.
    probabilities = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert inception_score(probabilities) == pytest.approx((4.0 / 3.0) ** 0.75, rel=1e-12)


def test_inception_score_is_exp_of_mutual_information_and_within_bounds():
    rng = np.random.default_rng(8)
    for concentration in (0.05, 0.5, 5.0):
        p = rng.dirichlet(np.full(6, concentration), size=300)
        marginal = p.mean(0)
        entropy_of_marginal = -np.sum(marginal * np.log(marginal))
        mean_entropy = np.mean(np.sum(scipy.special.entr(p), axis=1))
        score = inception_score(p)
        assert score == pytest.approx(np.exp(entropy_of_marginal - mean_entropy), rel=1e-9)
        assert 1.0 <= score <= 6.0


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.full(5, 0.2), "shape"),
        (np.array([[0.5, 0.6]]), "sum to 1"),
        (np.array([[1.5, -0.5]]), "non-negative"),
        (np.array([[np.nan, 1.0]]), "finite"),
    ],
)
def test_inception_score_rejects_bad_inputs(bad, message):
    with pytest.raises(ValueError, match=message):
        inception_score(bad)


# ---------------------------------------------------------------- precision and recall


def _brute_force_precision_recall(real, fake, k):
    def radii(points):
        out = []
        for i, p in enumerate(points):
            others = [np.linalg.norm(p - q) for j, q in enumerate(points) if j != i]
            out.append(sorted(others)[k - 1])
        return out

    def covered(queries, centres, r):
        hits = 0
        for q in queries:
            hits += any(np.linalg.norm(q - c) <= rc for c, rc in zip(centres, r, strict=True))
        return hits / len(queries)

    return covered(fake, real, radii(real)), covered(real, fake, radii(fake))


def test_precision_recall_hand_computed_example():
    # Real 0, 1, 2, 3 with k = 1: every ball has radius 1. Fake 0.5 is inside, 10 is not,
    # and 4 lies on the boundary of the ball around 3: the balls are closed, so it counts.
    # The fakes' balls have radii 3.5, 6 and 3.5: the one around 0.5 covers every real point.
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    fake = np.array([[0.5], [10.0], [4.0]])
    precision, recall = precision_recall_knn(real, fake, k=1)
    assert precision == pytest.approx(2.0 / 3.0, abs=1e-12)
    assert recall == 1.0


@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_recall_matches_brute_force(k):
    rng = np.random.default_rng(9)
    real = rng.normal(size=(60, 2))
    fake = rng.normal(0.7, 1.3, size=(45, 2))
    got = precision_recall_knn(real, fake, k=k)
    expected = _brute_force_precision_recall(real, fake, k)
    assert got == pytest.approx(expected, abs=1e-12)


def test_precision_recall_identical_and_disjoint_sets():
    rng = np.random.default_rng(10)
    real = rng.normal(size=(200, 3))
    assert precision_recall_knn(real, real.copy()) == (1.0, 1.0)
    assert precision_recall_knn(real, real + 100.0) == (0.0, 0.0)


def test_precision_recall_separates_mode_dropping_from_over_dispersion():
    rng = np.random.default_rng(11)
    angles = 2 * np.pi * np.arange(8) / 8
    centres = 4 * np.stack([np.cos(angles), np.sin(angles)], axis=1)

    def mixture(n, modes, scale):
        labels = rng.choice(modes, size=n)
        return centres[labels] + scale * rng.normal(size=(n, 2))

    real = mixture(1500, np.arange(8), 0.3)
    dropping = mixture(1500, np.array([0, 1]), 0.3)
    dispersed = mixture(1500, np.arange(8), 1.2)
    p_drop, r_drop = precision_recall_knn(real, dropping)
    p_disp, r_disp = precision_recall_knn(real, dispersed)
    assert p_drop > 0.9 and r_drop < 0.35
    assert p_disp < p_drop and r_disp > r_drop


@pytest.mark.parametrize(
    "real, fake, k, message",
    [
        (np.zeros((10, 2)), np.zeros((10, 3)), 3, "same dimension"),
        (np.zeros((10, 2)), np.zeros((3, 2)), 3, "more than k samples"),
        (np.zeros((10, 2)), np.zeros((10, 2)), 0, "positive int"),
        (np.zeros((10, 2)), np.zeros((10, 2)), 2.0, "positive int"),
        (np.zeros(10), np.zeros((10, 2)), 3, "2-D array"),
    ],
)
def test_precision_recall_rejects_bad_inputs(real, fake, k, message):
    with pytest.raises(ValueError, match=message):
        precision_recall_knn(real, fake, k=k)
