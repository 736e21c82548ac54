#!/usr/bin/env python3
"""Real data for the Bernoulli family: scikit-learn's 8 x 8 digits (1,797 images), binarized at
pixel > 7, fitted with K = 10 by the command line; how well the components match the digits
(adjusted Rand index, and the purity of each component), for a few seeds.

    digits_bernoulli.py [GMM_BINARY]
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score

HERE = os.path.dirname(os.path.abspath(__file__))
GMM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", ".build", "release", "gmm")


def main():
    digits = load_digits()
    X = (digits.data > 7).astype(np.float64)
    y = digits.target
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "digits.npy"), X)
        print("| seed | n_init | iterations | mean log-likelihood | ARI vs digits | purity |")
        print("|---:|---:|---:|---:|---:|---:|")
        for seed in [0, 1, 2]:
            subprocess.run([GMM, "fit", "digits.npy", "--family", "bernoulli", "-k", "10", "--n-init", "10", "--seed", str(seed),
                            "-o", "m.json", "--labels", "labels.csv", "-q"], cwd=tmp, check=True)
            labels = np.loadtxt(os.path.join(tmp, "labels.csv"), dtype=int)
            m = json.load(open(os.path.join(tmp, "m.json")))
            purity = sum(np.bincount(y[labels == k]).max() for k in range(10) if (labels == k).any()) / len(y)
            print(f"| {seed} | 10 | {m['n_iter']} | {m['lower_bound']:.4f} | {adjusted_rand_score(y, labels):.3f} | {purity:.3f} |")


if __name__ == "__main__":
    main()
