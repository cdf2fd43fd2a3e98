"""``train_test_split``: scikit-learn's ``sklearn.model_selection.train_test_split``, re-implemented.

scikit-learn is not a dependency; this follows its documented semantics so that lecture code
written as ``from sklearn.model_selection import train_test_split`` runs unchanged:

* sizes: ``test_size``/``train_size`` are a fraction in (0, 1) or a count in [1, n); with neither
  given, ``test_size=0.25``. A fractional test size rounds UP (``ceil(test_size * n)``), a fractional
  train size rounds DOWN (``floor(train_size * n)``); a missing size is the complement.
* shuffling: ``test = perm[:n_test]``, ``train = perm[n_test:n_test + n_train]`` for one random
  permutation ``perm`` of ``range(n)``. With an int ``random_state`` the permutation comes from
  ``np.random.RandomState(random_state)`` exactly as in scikit-learn, so the split is the same
  rows. Deviation: ``random_state=None`` draws from tinygrad_edu's default generator (scikit-learn
  uses numpy's global state), so ``tinygrad_edu.manual_seed`` makes the split reproducible.
* ``stratify=y``: every class keeps its proportion in both parts (scikit-learn's
  StratifiedShuffleSplit: per-class counts by the "approximate mode" of a multivariate
  hypergeometric draw, ties in the rounding broken at random).
* ``shuffle=False``: the first ``n_train`` rows train, the next ``n_test`` rows test.

Inputs may be numpy arrays, pandas DataFrames/Series (indexed with ``.iloc``, type and index kept),
tinygrad_edu tensors, lists or ``None``. The result is ``[a_train, a_test, b_train, b_test, ...]``.
"""
import math
import numbers

import numpy as np

import tinygrad_edu as _tg

__all__ = ["train_test_split"]


def _num_samples(x):
    shape = getattr(x, "shape", None)
    if shape is not None and len(shape) == 0:
        raise TypeError(f"Singleton array {x!r} cannot be considered a valid collection.")
    return shape[0] if shape is not None else len(x)


def _as_numpy(x):
    """Labels for stratification as a numpy array (pandas, tensors and lists accepted)."""
    if hasattr(x, "iloc"):
        return x.to_numpy()
    if isinstance(x, _tg.Tensor):
        return x._data
    return np.asarray(x)


def _take(x, rows):
    """Rows ``rows`` (an int array) of ``x``, keeping its type."""
    if x is None:
        return None
    if hasattr(x, "iloc"):                 # pandas: positional rows, labels travel with them
        return x.iloc[rows]
    if isinstance(x, _tg.Tensor):
        return x[rows] if x.requires_grad else _tg.Tensor._wrap(x._data[rows])
    if isinstance(x, np.ndarray):
        return x[rows]
    return [x[i] for i in rows.tolist()]    # lists and other sequences, as scikit-learn


def _split_sizes(n, test_size, train_size):
    """(n_train, n_test) following scikit-learn's rules, ValueError for impossible sizes."""
    if test_size is None and train_size is None:
        test_size = 0.25
    for name, size in (("test_size", test_size), ("train_size", train_size)):
        if size is None:
            continue
        if isinstance(size, bool) or not isinstance(size, numbers.Real):
            raise ValueError(f"Invalid value for {name}: {size!r}")
        if isinstance(size, numbers.Integral) and 0 < size < n:
            continue
        if not isinstance(size, numbers.Integral) and 0 < size < 1:
            continue
        raise ValueError(f"{name}={size} should be either positive and smaller than the number of "
                         f"samples {n} or a float in the (0, 1) range")
    fractions = [s for s in (test_size, train_size) if s is not None and not isinstance(s, numbers.Integral)]
    if len(fractions) == 2 and sum(fractions) > 1:
        raise ValueError(f"The sum of test_size and train_size = {sum(fractions)}, should be in the "
                         f"(0, 1) range. Reduce test_size and/or train_size.")

    def count(size, rounding):
        return int(size) if isinstance(size, numbers.Integral) else int(rounding(size * n))

    n_test = None if test_size is None else count(test_size, math.ceil)
    n_train = None if train_size is None else count(train_size, math.floor)
    if n_train is None:
        n_train = n - n_test
    elif n_test is None:
        n_test = n - n_train
    if n_train + n_test > n:
        raise ValueError(f"The sum of train_size and test_size = {n_train + n_test}, should be smaller "
                         f"than the number of samples {n}. Reduce test_size and/or train_size.")
    if n_train == 0:
        raise ValueError(f"With n_samples={n}, test_size={test_size} and train_size={train_size}, the "
                         "resulting train set will be empty. Adjust any of the aforementioned parameters.")
    return n_train, n_test


def _random_source(random_state):
    """An object with numpy's ``permutation``/``choice`` for ``random_state``."""
    if random_state is None:
        from tinygrad_edu.random import numpy_rng
        return numpy_rng(None)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.RandomState(int(random_state))   # scikit-learn's exact stream
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    if isinstance(random_state, getattr(_tg, "Generator", ())):
        from tinygrad_edu.random import numpy_rng
        return numpy_rng(random_state)
    raise ValueError(f"{random_state!r} cannot be used to seed a numpy.random.RandomState instance")


def _approximate_mode(class_counts, n_draws, rng):
    """Per-class draw counts summing to ``n_draws``, as close as possible to proportional.

    Start from ``floor(n_draws * share)``; the few missing draws go to the classes with the largest
    fractional parts, picking at random among classes whose fractional parts tie.
    """
    exact = class_counts / class_counts.sum() * n_draws
    counts = np.floor(exact)
    missing = int(n_draws - counts.sum())
    remainder = exact - counts
    for value in np.sort(np.unique(remainder))[::-1]:
        if missing <= 0:
            break
        tied = np.flatnonzero(remainder == value)
        chosen = rng.choice(tied, size=min(len(tied), missing), replace=False)
        counts[chosen] += 1
        missing -= len(chosen)
    return counts.astype(int)


def _stratified_indices(labels, n_train, n_test, rng):
    if labels.ndim == 2:     # multi-output labels: one class per distinct row
        labels = np.array([" ".join(row.astype(str)) for row in labels])
    classes, y = np.unique(labels, return_inverse=True)
    y = y.reshape(-1)
    class_counts = np.bincount(y)
    if class_counts.min() < 2:
        raise ValueError("The least populated class in y has only 1 member, which is too few. The minimum "
                         "number of groups for any class cannot be less than 2.")
    for name, size in (("train_size", n_train), ("test_size", n_test)):
        if size < len(classes):
            raise ValueError(f"The {name} = {size} should be greater or equal to the number of classes = {len(classes)}")
    members = np.split(np.argsort(y, kind="mergesort"), np.cumsum(class_counts)[:-1])
    train_per_class = _approximate_mode(class_counts, n_train, rng)
    test_per_class = _approximate_mode(class_counts - train_per_class, n_test, rng)
    train, test = [], []
    for rows, k_train, k_test in zip(members, train_per_class, test_per_class):
        rows = rows[rng.permutation(len(rows))]
        train.append(rows[:k_train])
        test.append(rows[k_train:k_train + k_test])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def train_test_split(*arrays, test_size=None, train_size=None, random_state=None, shuffle=True,
                     stratify=None):
    """Split arrays into random train and test subsets (sklearn.model_selection.train_test_split).

    Returns ``[a_train, a_test, b_train, b_test, ...]``: the same rows for every array.
    """
    if not arrays:
        raise ValueError("At least one array required as input")
    lengths = [_num_samples(a) for a in arrays if a is not None]
    if len(set(lengths)) > 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths}")
    n = lengths[0] if lengths else 0
    n_train, n_test = _split_sizes(n, test_size, train_size)
    if not shuffle:
        if stratify is not None:
            raise ValueError("Stratified train/test split is not implemented for shuffle=False")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is not None:
        labels = _as_numpy(stratify)
        if len(labels) != n:
            raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths + [len(labels)]}")
        train, test = _stratified_indices(labels, n_train, n_test, _random_source(random_state))
    else:
        perm = _random_source(random_state).permutation(n)
        test, train = perm[:n_test], perm[n_test:n_test + n_train]
    result = []
    for a in arrays:
        result += [_take(a, train), _take(a, test)]
    return result
