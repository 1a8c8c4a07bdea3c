"""Generate the scale benchmark's table: seeded, so every run of a benchmark sees the same rows.

Shape (issue "Speed and scale"): 14 numeric columns with 5% missing values, 6 categorical
columns with 3 to 50 levels, a 3-class target `label` and a numeric target `amount`, both
driven by a few of the columns plus noise, so a model has something real to learn.

    python tests/bench/make_table.py --rows 1000000 --out big.parquet [--seed 7]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

NUMERIC = 14
LEVELS = (3, 5, 8, 12, 25, 50)  # one categorical column each
MISSING_SHARE = 0.05
CLASSES = ("low", "mid", "high")


def make_table(rows: int, seed: int = 7) -> pd.DataFrame:
    """A frame of `rows` rows: num_00..num_13, cat_0..cat_5, label (3 classes), amount."""
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(rows, NUMERIC)).astype("float64")
    codes = [rng.integers(0, levels, size=rows) for levels in LEVELS]
    # Each level carries an effect, so the categories matter to the target too.
    effects = [
        rng.normal(scale=0.8, size=levels)[code] for levels, code in zip(LEVELS, codes, strict=True)
    ]
    signal = (
        1.2 * numeric[:, 0]
        - 0.9 * numeric[:, 1]
        + 0.6 * numeric[:, 2] * numeric[:, 3]
        + np.sin(2 * numeric[:, 4])
        + effects[0]
        + effects[3]
        + 0.5 * effects[5]
    )
    noisy = signal + rng.normal(scale=0.7, size=rows)
    cuts = np.quantile(noisy, [1 / 3, 2 / 3])
    frame = pd.DataFrame({f"num_{i:02d}": numeric[:, i] for i in range(NUMERIC)})
    for column in frame.columns:  # 5% missing values per numeric column, at random rows
        frame.loc[rng.random(rows) < MISSING_SHARE, column] = np.nan
    for i, (levels, code) in enumerate(zip(LEVELS, codes, strict=True)):
        names = np.array([f"c{i}_{level:02d}" for level in range(levels)])
        frame[f"cat_{i}"] = names[code]
    frame["label"] = np.array(CLASSES)[np.searchsorted(cuts, noisy)]
    frame["amount"] = np.round(50 + 10 * signal + rng.normal(scale=5, size=rows), 2)
    return frame


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write CSV or parquet, by the file's suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="a .csv or .parquet path")
    args = parser.parse_args()
    path = write_table(make_table(args.rows, args.seed), args.out)
    print(f"wrote {args.rows} rows to {path}")


if __name__ == "__main__":
    main()
