"""``sim.streams``: named random-number streams that do not depend on each other or on order."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.streams import Streams, stream_key

names = st.text(min_size=1, max_size=20)
seeds = st.integers(0, 2**32 - 1)


def draws(streams: Streams, name: str, n: int = 8) -> np.ndarray:
    return streams[name].random(n)


def test_stream_key_is_the_first_128_bits_of_sha256():
    import hashlib

    digest = hashlib.sha256(b"ambulance.calls").digest()
    assert stream_key("ambulance.calls") == tuple(int.from_bytes(digest[i:i + 4], "little") for i in (0, 4, 8, 12))
    assert all(0 <= w < 2**32 for w in stream_key(""))
    # two names whose CRC-32 checksums collide still get different streams
    assert stream_key("plumless") != stream_key("buckeroo")
    assert not np.array_equal(Streams(1)["plumless"].random(4), Streams(1)["buckeroo"].random(4))


@settings(max_examples=50, deadline=None)
@given(seed=seeds, name=names)
def test_same_seed_and_name_give_identical_sequences(seed, name):
    a, b = Streams(seed), Streams(seed)
    np.testing.assert_array_equal(draws(a, name, 20), draws(b, name, 20))
    # Integers, normals, choices: the whole generator state is the same, not only one method.
    assert a[name].integers(0, 10**9, 5).tolist() == b[name].integers(0, 10**9, 5).tolist()
    np.testing.assert_array_equal(a[name].standard_normal(5), b[name].standard_normal(5))


def test_getitem_returns_the_same_generator_each_time():
    s = Streams(1)
    assert s["x"] is s["x"]
    first = s["x"].random(3)
    # Continuing the same stream gives new numbers, not a restart.
    assert not np.array_equal(first, s["x"].random(3))


@settings(max_examples=50, deadline=None)
@given(seed=seeds, a=names, b=names)
def test_different_names_give_different_sequences(seed, a, b):
    assume(a != b and stream_key(a) != stream_key(b))
    s = Streams(seed)
    assert not np.array_equal(draws(s, a), draws(s, b))


@settings(max_examples=50, deadline=None)
@given(seed=seeds, name=names, others=st.lists(names, max_size=5), before=st.integers(0, 50))
def test_other_streams_do_not_change_a_stream(seed, name, others, before):
    """Creating and drawing from other streams, before or between draws, never shifts a stream."""
    alone = Streams(seed)
    expected = draws(alone, name, 10)

    busy = Streams(seed)
    for other in others:
        if other != name:
            busy[other].random(before)
    got_first = busy[name].random(4)
    for other in others:
        if other != name:
            busy[other].standard_normal(before + 1)
    got_rest = busy[name].random(6)
    np.testing.assert_array_equal(np.concatenate([got_first, got_rest]), expected)


def test_order_of_creation_does_not_matter():
    s1, s2 = Streams(42), Streams(42)
    order = ["arrivals", "los", "triage", "ambulance"]
    first = {n: s1[n].random(5) for n in order}
    second = {n: s2[n].random(5) for n in reversed(order)}
    for n in order:
        np.testing.assert_array_equal(first[n], second[n])
    assert s1.names() == s2.names() == sorted(order)


@settings(max_examples=50, deadline=None)
@given(s1=seeds, s2=seeds, name=names)
def test_different_seeds_give_different_sequences(s1, s2, name):
    assume(s1 != s2)
    assert not np.array_equal(draws(Streams(s1), name), draws(Streams(s2), name))


def test_streams_look_independent():
    """Two named streams of one seed are uncorrelated (|r| within 4 standard errors of 0)."""
    s = Streams(123)
    n = 100_000
    x, y = s["a"].random(n), s["b"].random(n)
    r = np.corrcoef(x, y)[0, 1]
    assert abs(r) < 4 / np.sqrt(n)
    # And each is uniform on [0, 1): mean 1/2 within 4 standard errors (sd of U(0,1) is 1/sqrt 12).
    assert abs(x.mean() - 0.5) < 4 * (1 / np.sqrt(12)) / np.sqrt(n)


def test_seed_is_kept_and_names_listed():
    s = Streams(np.int64(7))
    assert s.seed == 7 and isinstance(s.seed, int)
    assert s.names() == []
    s["b"], s["a"]
    assert s.names() == ["a", "b"]
