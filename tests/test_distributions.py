"""``sim.distributions`` against textbook moments, scipy's reference distributions and exact values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.distributions import Distribution

ADAPTER = TypeAdapter(Distribution)


def make(**spec):
    return ADAPTER.validate_python(spec)


def lognormal_params(mean, sd):
    """mu and sigma of log X for a lognormal X with the given mean and sd (textbook moments)."""
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def reference(spec):
    """(mean, sd, scipy frozen distribution or None) worked out independently of sim."""
    kind = spec["dist"]
    if kind == "exponential":
        return spec["mean"], spec["mean"], stats.expon(scale=spec["mean"])
    if kind == "lognormal":
        mu, sigma = lognormal_params(spec["mean"], spec["sd"])
        return spec["mean"], spec["sd"], stats.lognorm(s=sigma, scale=math.exp(mu))
    if kind == "gamma":
        shape = (spec["mean"] / spec["sd"]) ** 2
        return spec["mean"], spec["sd"], stats.gamma(a=shape, scale=spec["mean"] / shape)
    if kind == "fixed":
        return spec["value"], 0.0, None
    if kind == "uniform":
        lo, hi = spec["low"], spec["high"]
        return (lo + hi) / 2, (hi - lo) / math.sqrt(12), stats.uniform(loc=lo, scale=hi - lo)
    if kind == "empirical":
        v = np.asarray(spec["values"], float)
        w = np.ones(len(v)) if spec.get("weights") is None else np.asarray(spec["weights"], float)
        p = w / w.sum()
        m = float(p @ v)
        return m, math.sqrt(float(p @ (v - m) ** 2)), None
    raise AssertionError(kind)


SPECS = {
    "exponential": dict(dist="exponential", mean=5.0),
    "lognormal": dict(dist="lognormal", mean=4.0, sd=3.0),
    "lognormal_skewed": dict(dist="lognormal", mean=300.0, sd=250.0),
    "gamma": dict(dist="gamma", mean=11.0, sd=8.0),
    "gamma_small_shape": dict(dist="gamma", mean=2.0, sd=4.0),
    "fixed": dict(dist="fixed", value=2.5),
    "uniform": dict(dist="uniform", low=2.0, high=8.0),
    "empirical": dict(dist="empirical", values=[1.0, 2.0, 5.0], weights=[0.2, 0.5, 0.3]),
    "empirical_unweighted": dict(dist="empirical", values=[0.0, 3.0, 4.0, 10.0]),
}
N = 200_000


@pytest.mark.parametrize("name", sorted(SPECS))
def test_mean_method_is_the_theoretical_mean(name):
    spec = SPECS[name]
    mean, sd, ref = reference(spec)
    assert make(**spec).mean() == pytest.approx(mean, rel=1e-12)
    if ref is not None:  # the textbook parameterisation really has this mean and sd
        assert ref.mean() == pytest.approx(mean, rel=1e-9)
        assert ref.std() == pytest.approx(sd, rel=1e-9)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_sample_mean_within_four_standard_errors(name):
    spec = SPECS[name]
    mean, sd, _ = reference(spec)
    x = make(**spec).sample(np.random.default_rng(20240401), N)
    assert x.shape == (N,)
    assert abs(x.mean() - mean) <= 4 * sd / math.sqrt(N) + 1e-12


@pytest.mark.parametrize("name", ["lognormal", "lognormal_skewed", "gamma", "gamma_small_shape"])
def test_sample_sd_close_to_configured_sd(name):
    spec = SPECS[name]
    x = make(**spec).sample(np.random.default_rng(7), N)
    assert x.std(ddof=1) == pytest.approx(spec["sd"], rel=0.04)


@pytest.mark.parametrize("name", ["exponential", "lognormal", "gamma", "gamma_small_shape", "uniform"])
def test_ppf_is_the_reference_inverse_cdf(name):
    spec = SPECS[name]
    _, _, ref = reference(spec)
    u = np.concatenate([[0.0, 1e-9, 0.5, 0.999999], np.linspace(0.001, 0.999, 99)])
    np.testing.assert_allclose(make(**spec).ppf(u), ref.ppf(u), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", ["exponential", "lognormal", "gamma", "uniform"])
def test_samples_follow_the_reference_distribution(name):
    spec = SPECS[name]
    _, _, ref = reference(spec)
    x = make(**spec).sample(np.random.default_rng(99), 20_000)
    assert stats.kstest(x, ref.cdf).pvalue > 0.001


@pytest.mark.parametrize("name", sorted(SPECS))
def test_ppf_and_sample_are_vectorised(name):
    d = make(**SPECS[name])
    u = np.random.default_rng(1).random((3, 4))
    out = d.ppf(u)
    assert isinstance(out, np.ndarray) and out.shape == (3, 4)
    np.testing.assert_array_equal(out.ravel(), [d.ppf(float(v)) for v in u.ravel()])
    scalar = d.ppf(0.3)
    assert np.ndim(scalar) == 0 and float(scalar) == pytest.approx(float(d.ppf(np.array([0.3]))[0]))
    assert np.ndim(d.sample(np.random.default_rng(2))) == 0
    assert d.sample(np.random.default_rng(2), 5).shape == (5,)
    assert d.sample(np.random.default_rng(2), (2, 3)).shape == (2, 3)
    u_sorted = np.sort(u.ravel())
    assert np.all(np.diff(d.ppf(u_sorted)) >= 0)


def test_same_generator_state_gives_same_draws():
    d = make(**SPECS["lognormal"])
    np.testing.assert_array_equal(d.sample(np.random.default_rng(5), 10), d.sample(np.random.default_rng(5), 10))


def test_fixed_returns_the_value():
    d = make(dist="fixed", value=3.25)
    assert d.mean() == 3.25
    assert d.ppf(0.0) == 3.25 and d.ppf(0.999) == 3.25
    assert np.all(d.sample(np.random.default_rng(0), 1000) == 3.25)
    assert make(dist="fixed", value=0).sample(np.random.default_rng(0)) == 0.0


def test_empirical_ppf_exact():
    d = make(dist="empirical", values=[10, 20, 30], weights=[1, 1, 2])  # cdf 0.25, 0.5, 1
    u = np.array([0.0, 0.2499, 0.25, 0.4999, 0.5, 0.75, 0.999999])
    np.testing.assert_array_equal(d.ppf(u), [10, 10, 20, 20, 30, 30, 30])
    assert d.mean() == pytest.approx((10 + 20 + 60) / 4)


@pytest.mark.parametrize(
    "values,weights",
    [([1.0, 2.0, 5.0], [0.2, 0.5, 0.3]), ([4.0, 7.0, 9.0, 11.0], [3, 0, 1, 6]), ([2.0, 6.0], None)],
)
def test_empirical_honours_weights(values, weights):
    d = make(dist="empirical", values=values, weights=weights)
    n = 100_000
    x = d.sample(np.random.default_rng(11), n)
    w = np.ones(len(values)) if weights is None else np.asarray(weights, float)
    p = w / w.sum()
    assert set(np.unique(x)) <= set(values)
    for v, pv in zip(values, p):
        share = np.mean(x == v)
        if pv == 0:
            assert share == 0, f"value {v} of weight 0 was drawn"
        else:
            assert abs(share - pv) <= 4 * math.sqrt(pv * (1 - pv) / n)


INVALID = [
    dict(dist="exponential", mean=-1.0),
    dict(dist="exponential", mean=0.0),
    dict(dist="lognormal", mean=-4.0, sd=1.0),
    dict(dist="lognormal", mean=4.0, sd=0.0),
    dict(dist="lognormal", mean=4.0, sd=-1.0),
    dict(dist="lognormal", mean=4.0),
    dict(dist="gamma", mean=-1.0, sd=1.0),
    dict(dist="gamma", mean=1.0, sd=0.0),
    dict(dist="fixed", value=-0.5),
    dict(dist="uniform", low=5.0, high=4.0),
    dict(dist="uniform", low=-1.0, high=4.0),
    dict(dist="empirical", values=[1.0, 2.0], weights=[1.0]),
    dict(dist="empirical", values=[1.0, 2.0], weights=[1.0, 1.0, 1.0]),
    dict(dist="empirical", values=[1.0, 2.0], weights=[0.0, 0.0]),
    dict(dist="empirical", values=[1.0, 2.0], weights=[1.0, -1.0]),
    dict(dist="empirical", values=[]),
    dict(dist="empirical", values=[-1.0, 2.0]),
    dict(dist="weibull", mean=1.0),
    dict(mean=1.0),
    dict(dist="exponential", mean=1.0, sd=2.0),  # unknown key
]


@pytest.mark.parametrize("spec", INVALID, ids=lambda s: str(s))
def test_invalid_parameters_raise_validation_error(spec):
    with pytest.raises(ValidationError):
        make(**spec)


def test_uniform_with_equal_bounds_is_allowed():
    d = make(dist="uniform", low=3.0, high=3.0)
    assert d.mean() == 3.0 and np.all(d.sample(np.random.default_rng(0), 10) == 3.0)


# --- ppf is monotone: hypothesis over parameter values ---------------------------------------------

positive = st.floats(1e-3, 1e4, allow_nan=False, allow_infinity=False)
nonneg = st.floats(0, 1e4, allow_nan=False, allow_infinity=False)


@st.composite
def specs(draw):
    kind = draw(st.sampled_from(["exponential", "lognormal", "gamma", "fixed", "uniform", "empirical"]))
    if kind == "exponential":
        return dict(dist=kind, mean=draw(positive))
    if kind in ("lognormal", "gamma"):
        mean = draw(positive)
        cv = draw(st.floats(0.01, 20))
        return dict(dist=kind, mean=mean, sd=mean * cv)
    if kind == "fixed":
        return dict(dist=kind, value=draw(nonneg))
    if kind == "uniform":
        a, b = sorted([draw(nonneg), draw(nonneg)])
        return dict(dist=kind, low=a, high=b)
    values = sorted(draw(st.lists(nonneg, min_size=1, max_size=8)))
    weights = draw(st.none() | st.lists(st.floats(0.01, 100), min_size=len(values), max_size=len(values)))
    return dict(dist=kind, values=values, weights=weights)


uniforms = st.lists(st.floats(0, 1, exclude_max=True), min_size=2, max_size=40)


@settings(max_examples=300, deadline=None)
@given(spec=specs(), u=uniforms)
def test_ppf_is_monotone_nonnegative_and_finite(spec, u):
    d = make(**spec)
    u = np.sort(np.asarray(u))
    x = d.ppf(u)
    assert x.shape == u.shape
    assert np.all(np.isfinite(x)) and np.all(x >= 0)
    assert np.all(np.diff(x) >= 0), f"ppf not monotone for {spec}"


def test_empirical_ppf_monotone_for_unsorted_values():
    d = make(dist="empirical", values=[5.0, 1.0], weights=[1.0, 1.0])
    # The inverse CDF of {1, 5} with equal weights is 1 below u = 0.5 and 5 above it.
    np.testing.assert_array_equal(d.ppf(np.array([0.1, 0.9])), [1.0, 5.0])
