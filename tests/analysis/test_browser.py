import numpy as np
import pytest

from reportgen.analysis.browser import encode_categories, stratified_sample


def test_categories_are_ordered_by_frequency():
    cats = encode_categories(["b", "a", "b", "c", "b", "a"])
    assert cats.names == ("b", "a", "c")
    assert cats.codes.tolist() == [0, 1, 0, 2, 0, 1]
    assert not cats.other


def test_categories_beyond_the_top_become_other():
    values = [f"v{i:02d}" for i in range(30) for _ in range(30 - i)]
    cats = encode_categories(values, top=5)
    assert cats.names[:5] == ("v00", "v01", "v02", "v03", "v04")
    assert cats.names[5] == "other (25 values)"
    assert cats.other
    decoded = [cats.names[c] for c in cats.codes]
    assert decoded.count("other (25 values)") == sum(30 - i for i in range(5, 30))


def test_a_single_leftover_category_is_kept():
    cats = encode_categories(["a", "b", "c"], top=2)
    assert cats.names == ("a", "b", "c") and not cats.other


def test_sample_keeps_every_row_under_budget():
    assert stratified_sample(np.array([0, 1, 1]), 5, seed=0).tolist() == [0, 1, 2]


def test_sample_is_stratified_seeded_and_sorted():
    groups = np.array(["a"] * 900 + ["b"] * 90 + ["c"] * 10)
    rng = np.random.default_rng(0)
    groups = groups[rng.permutation(len(groups))]
    sample = stratified_sample(groups, 100, seed=3)
    assert len(sample) == 100 and len(set(sample.tolist())) == 100
    assert np.all(np.diff(sample) > 0)
    picked = groups[sample]
    assert [(picked == g).sum() for g in "abc"] == [90, 9, 1]
    assert np.array_equal(sample, stratified_sample(groups, 100, seed=3))
    assert not np.array_equal(sample, stratified_sample(groups, 100, seed=4))


def test_sample_shares_add_up_with_remainders():
    groups = np.array([0] * 5 + [1] * 5 + [2] * 5)
    sample = stratified_sample(groups, 7, seed=0)
    counts = np.bincount(groups[sample], minlength=3)
    assert counts.sum() == 7 and counts.max() - counts.min() <= 1


def test_sample_size_must_be_positive():
    with pytest.raises(ValueError, match="size=0"):
        stratified_sample(np.zeros(10), 0, seed=0)
