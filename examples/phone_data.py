"""Data for examples/phone_price.py: the lecture's CSV, checked, or a synthetic table of the same shape.

The lecture reads ``手机价格预测.csv`` (Kaggle's "Mobile Price Classification" ``train.csv``, see
../shared/data/README.md): 20 numeric feature columns, then ``price_range`` with the classes
0 (low) .. 3 (very high cost). ``load_csv`` reads such a file with pandas and stops with a
``DataError`` naming the problem (missing column, text in a numeric cell, empty cell, label outside
0..3, empty file) instead of failing somewhere inside training.

``make_synthetic`` builds a table with the same 21 columns, types and value ranges as the real file
(integers where it has integers, 0/1 flags, one-decimal floats) so the example runs offline. Each
feature is drawn uniformly over its real range (the binary flags with the real share of ones; the
pixel height is at most the width, as on real screens); the price class comes from a score

    score = z(ram) + 0.3 * z(battery_power) + 0.15 * z(px_height) + 0.15 * z(px_width) + N(0, 0.1^2)

(``z`` = standardised over the table): ram dominates, then battery power and pixel resolution,
which is the structure of the real data. The class is the quartile of the score, so the four
classes are balanced (exactly, when the row count is a multiple of 4). The raw scales are the real
ones (ram up to ~4000, m_dep below 1), so the synthetic data teaches the same lesson about
feature scaling as the real file.
"""
import numpy as np

LABEL = "price_range"
N_CLASSES = 4

# (column, kind, low, high): "int" uniform integers low..high, "flag" 0/1 with P(1) = high,
# "dec1" one-decimal floats low..high. Ranges and flag shares are those of the real file.
SCHEMA = [
    ("battery_power", "int", 501, 1998),
    ("blue", "flag", 0, 0.495),
    ("clock_speed", "dec1", 0.5, 3.0),
    ("dual_sim", "flag", 0, 0.509),
    ("fc", "int", 0, 19),
    ("four_g", "flag", 0, 0.521),
    ("int_memory", "int", 2, 64),
    ("m_dep", "dec1", 0.1, 1.0),
    ("mobile_wt", "int", 80, 200),
    ("n_cores", "int", 1, 8),
    ("pc", "int", 0, 20),
    ("px_height", "int", 0, 1960),
    ("px_width", "int", 500, 1998),
    ("ram", "int", 256, 3998),
    ("sc_h", "int", 5, 19),
    ("sc_w", "int", 0, 18),
    ("talk_time", "int", 2, 20),
    ("three_g", "flag", 0, 0.761),
    ("touch_screen", "flag", 0, 0.503),
    ("wifi", "flag", 0, 0.507),
]
FEATURES = [name for name, *_ in SCHEMA]
COLUMNS = FEATURES + [LABEL]
# the documented rule: weight of each standardised feature in the price score
RULE = {"ram": 1.0, "battery_power": 0.3, "px_height": 0.15, "px_width": 0.15}
RULE_NOISE = 0.1


class DataError(ValueError):
    """The CSV cannot be used; the message says what is wrong and where."""


def make_synthetic(n=2000, seed=0):
    """A pandas DataFrame with the lecture's 21 columns, following the rule in the module docstring."""
    import pandas as pd
    if n < 4:
        raise ValueError(f"need at least 4 rows (one per class), got n={n}")
    rng = np.random.default_rng(seed)
    cols = {}
    for name, kind, low, high in SCHEMA:
        if kind == "int":
            cols[name] = rng.integers(low, high + 1, size=n)
        elif kind == "flag":
            cols[name] = (rng.random(n) < high).astype(np.int64)
        else:  # one decimal: draw the tenths as integers
            cols[name] = rng.integers(round(low * 10), round(high * 10) + 1, size=n) / 10.0
    # a screen is wider than it is high: redraw the height below the width (and below 1960)
    cols["px_height"] = (rng.random(n) * (np.minimum(cols["px_width"], 1960) + 1)).astype(np.int64)

    score = rng.normal(0.0, RULE_NOISE, size=n)
    for name, weight in RULE.items():
        v = cols[name].astype(np.float64)
        score += weight * (v - v.mean()) / v.std()
    rank = np.argsort(np.argsort(score, kind="stable"), kind="stable")
    cols[LABEL] = (rank * N_CLASSES // n).astype(np.int64)
    return pd.DataFrame(cols, columns=COLUMNS)


def _row(index):
    return index + 2  # line number in the file: 1-based, after the header line


def load_csv(path):
    """Read and check a CSV with the lecture's schema; return the DataFrame (features by name, label last).

    Raises DataError for anything that would make training meaningless or crash later.
    """
    import pandas as pd
    try:
        table = pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, expected a CSV file") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty (expected a header line with the columns "
                        f"{', '.join(COLUMNS)} and data rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: not a readable CSV file ({str(err).strip()})") from None

    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; the file has "
                        f"{', '.join(table.columns) or 'no columns'}")
    duplicated = sorted({c for c in table.columns if list(table.columns).count(c) > 1} & set(COLUMNS))
    if duplicated:
        raise DataError(f"{path}: column(s) {', '.join(duplicated)} appear more than once")
    if len(table) == 0:
        raise DataError(f"{path}: the header is there but there are no data rows")
    table = table[COLUMNS]

    for name in COLUMNS:
        raw = table[name]
        values = pd.to_numeric(raw, errors="coerce")
        empty = raw.isna()
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise DataError(f"{path}: empty cell in column '{name}' at line {_row(i)} "
                            f"({int(empty.sum())} empty cell(s) in that column)")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=np.float64, na_value=np.nan))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"{path}: non-numeric value {raw.iloc[i]!r} in column '{name}' at line "
                            f"{_row(i)} ({int(bad.sum())} such cell(s) in that column)")
        table[name] = values

    labels = table[LABEL].to_numpy(dtype=np.float64)
    wrong = (labels != np.round(labels)) | (labels < 0) | (labels > N_CLASSES - 1)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        shown = sorted(set(table[LABEL][wrong].tolist()))[:5]
        raise DataError(f"{path}: '{LABEL}' must be an integer class 0..{N_CLASSES - 1}; found "
                        f"{table[LABEL].iloc[i]!r} at line {_row(i)} (bad values: {shown}, "
                        f"{int(wrong.sum())} row(s))")
    if len(table) < 5:
        raise DataError(f"{path}: only {len(table)} data row(s); an 80/20 split needs at least 5")
    table[LABEL] = table[LABEL].astype(np.int64)
    return table


def describe(table):
    """One line per class count, e.g. 'rows 2000; classes 0:500 1:500 2:500 3:500'."""
    counts = np.bincount(table[LABEL].to_numpy(), minlength=N_CLASSES)
    return f"rows {len(table)}; classes " + " ".join(f"{k}:{c}" for k, c in enumerate(counts))
