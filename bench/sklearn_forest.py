"""
bench/sklearn_forest.py: scikit-learn's RandomForestClassifier on the CSVs bench/discover.ts
writes, as the baseline for our forest. Prints one JSON line.

  python3 bench/sklearn_forest.py TRAIN.csv TEST.csv --trees 200 --jobs 1 [--perm-repeats 5]

The CSVs have a header, feature columns, then the 0/1 outcome last. Parsed arrays are cached
next to them as .npy, so only the first call pays for parsing. Only fitting (wall and CPU time;
and, when asked, permutation importance on the test rows) is timed.
"""
import argparse
import json
import os
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score


def load(path):
    cache = path + ".npy"
    if os.path.exists(cache) and os.path.getmtime(cache) >= os.path.getmtime(path):
        data = np.load(cache)
    else:
        data = np.loadtxt(path, delimiter=",", skiprows=1)
        np.save(cache, data)
    return np.ascontiguousarray(data[:, :-1], dtype=np.float32), data[:, -1].astype(np.int64)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("train")
    parser.add_argument("test")
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--perm-repeats", type=int, default=0)
    args = parser.parse_args()

    x_train, y_train = load(args.train)
    x_test, y_test = load(args.test)
    forest = RandomForestClassifier(
        n_estimators=args.trees, max_features="sqrt", n_jobs=args.jobs, random_state=args.seed
    )
    start = time.perf_counter()
    cpu_start = time.process_time()  # every thread of the process, as ours counts its workers
    forest.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - start
    fit_cpu_seconds = time.process_time() - cpu_start
    test_auc = roc_auc_score(y_test, forest.predict_proba(x_test)[:, 1])
    out = {"fit_seconds": fit_seconds, "fit_cpu_seconds": fit_cpu_seconds, "test_auc": test_auc}
    if args.perm_repeats > 0:
        start = time.perf_counter()
        permutation_importance(
            forest, x_test, y_test, scoring="roc_auc", n_repeats=args.perm_repeats,
            n_jobs=args.jobs, random_state=args.seed,
        )
        out["perm_seconds"] = time.perf_counter() - start
    print(json.dumps(out))


if __name__ == "__main__":
    main()
