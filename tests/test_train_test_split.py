"""tinygrad_edu.utils.data.train_test_split against scikit-learn's (where installed) and against its
documented rules: sizes, row alignment across arrays, random_state, stratification, errors."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils.data import train_test_split


@pytest.mark.parametrize("n,test_size,train_size,expected", [
    (2000, 0.2, None, (1600, 400)),
    (10, None, None, (7, 3)),            # default test_size=0.25: ceil(2.5) = 3 test rows
    (10, None, 0.33, (3, 7)),            # a train fraction rounds down: floor(3.3) = 3
    (10, 0.15, None, (8, 2)),            # a test fraction rounds up: ceil(1.5) = 2
    (10, 4, None, (6, 4)),
    (10, 2, 5, (5, 2)),                  # both given: the rest of the rows are left out
    (10, 0.2, 0.5, (5, 2)),
])
def test_split_sizes(n, test_size, train_size, expected):
    x = np.arange(n)
    train, test = train_test_split(x, test_size=test_size, train_size=train_size, random_state=0)
    assert (len(train), len(test)) == expected
    assert len(set(train) | set(test)) == len(train) + len(test)      # disjoint


def test_split_keeps_rows_together_across_arrays_and_types():
    x = np.arange(40).reshape(20, 2)
    y = tg.from_numpy(np.arange(20) * 10)
    names = [f"row{i}" for i in range(20)]
    x_tr, x_te, y_tr, y_te, n_tr, n_te = train_test_split(x, y, names, test_size=0.3, random_state=1)
    assert isinstance(x_tr, np.ndarray) and isinstance(y_tr, tg.Tensor) and isinstance(n_tr, list)
    np.testing.assert_array_equal(x_tr[:, 0] * 5, y_tr.numpy())
    np.testing.assert_array_equal(x_te[:, 0] * 5, y_te.numpy())
    assert n_te == [f"row{i}" for i in x_te[:, 0] // 2]
    assert sorted(np.concatenate([x_tr[:, 0], x_te[:, 0]]) // 2) == list(range(20))


def test_split_random_state_rule_and_reproducibility():
    x = np.arange(50)
    train, test = train_test_split(x, test_size=0.2, random_state=42)
    # scikit-learn's ShuffleSplit: one RandomState(seed) permutation, test rows first
    perm = np.random.RandomState(42).permutation(50)
    np.testing.assert_array_equal(test, perm[:10])
    np.testing.assert_array_equal(train, perm[10:])
    other, _ = train_test_split(x, test_size=0.2, random_state=43)
    assert not np.array_equal(train, other)
    tg.manual_seed(5)
    a = train_test_split(x)
    tg.manual_seed(5)
    b = train_test_split(x)
    np.testing.assert_array_equal(a[0], b[0])


def test_split_without_shuffle_takes_leading_rows():
    train, test = train_test_split(np.arange(10), test_size=3, shuffle=False)
    assert train.tolist() == list(range(7)) and test.tolist() == [7, 8, 9]


@pytest.mark.parametrize("test_size", [0.2, 0.33, 7])
def test_stratify_keeps_class_proportions(test_size):
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    _, _, y_tr, y_te = train_test_split(np.arange(100), y, test_size=test_size, stratify=y, random_state=0)
    n_test = len(y_te)
    assert n_test == (test_size if isinstance(test_size, int) else math.ceil(test_size * 100))
    for label, count in ((0, 60), (1, 30), (2, 10)):
        share = count / 100
        assert abs((y_te == label).sum() - share * n_test) < 1       # within one row of exact
        assert abs((y_tr == label).sum() - share * (100 - n_test)) < 1


@pytest.mark.parametrize("class_counts,n_draws,expected", [([4, 2], 3, [2, 1]), ([5, 2], 4, [3, 1]),
                                                          ([2, 2, 2, 1], 2, [0, 1, 1, 0])])
def test_approximate_mode_matches_sklearn_documented_examples(class_counts, n_draws, expected):
    # the examples of sklearn.utils._approximate_mode's docstring (rng=0 means RandomState(0))
    from tinygrad_edu.utils.split import _approximate_mode
    assert _approximate_mode(np.array(class_counts), n_draws, np.random.RandomState(0)).tolist() == expected


def test_stratify_errors():
    y = np.array([0, 0, 0, 1])
    with pytest.raises(ValueError, match="least populated class"):
        train_test_split(np.arange(4), stratify=y)
    with pytest.raises(ValueError, match="shuffle=False"):
        train_test_split(np.arange(4), shuffle=False, stratify=np.array([0, 0, 1, 1]))
    with pytest.raises(ValueError, match="number of classes"):
        train_test_split(np.arange(20), test_size=2, stratify=np.arange(20) % 4)


def test_split_pandas_keeps_type_and_index():
    import pandas as pd
    df = pd.DataFrame({"a": np.arange(30.0), "b": np.arange(30) % 3}, index=[f"r{i}" for i in range(30)])
    series = df["b"] * 2
    x_tr, x_te, s_tr, s_te = train_test_split(df, series, test_size=0.2, random_state=0, stratify=df["b"])
    assert isinstance(x_tr, pd.DataFrame) and isinstance(s_te, pd.Series)
    assert len(x_te) == 6 and list(x_tr.columns) == ["a", "b"]
    assert list(x_tr.index) == list(s_tr.index) and (x_tr["b"] * 2 == s_tr).all()
    assert sorted(x_te["b"].value_counts().tolist()) == [2, 2, 2]


@pytest.mark.parametrize("kwargs", [dict(test_size=1.5), dict(test_size=0), dict(test_size=10),
                                    dict(test_size=-1), dict(train_size=1.0), dict(test_size=0.6, train_size=0.6),
                                    dict(test_size=6, train_size=5), dict(test_size="a"), dict(random_state="x")])
def test_split_invalid_sizes(kwargs):
    with pytest.raises(ValueError):
        train_test_split(np.arange(10), **kwargs)


def test_split_invalid_inputs():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        train_test_split(np.arange(10), np.arange(9))
    with pytest.raises(ValueError, match="At least one array"):
        train_test_split()


@pytest.mark.parametrize("kwargs", [dict(test_size=0.2, random_state=0), dict(train_size=0.37, random_state=3),
                                    dict(test_size=0.3, random_state=1, stratify=True)])
def test_split_matches_sklearn(kwargs):
    from sklearn.model_selection import train_test_split as sklearn_split
    x, y = np.arange(97), np.arange(97) % 4
    if kwargs.pop("stratify", False):
        kwargs["stratify"] = y
    for ours, theirs in zip(train_test_split(x, y, **kwargs), sklearn_split(x, y, **kwargs), strict=True):
        np.testing.assert_array_equal(ours, theirs)
