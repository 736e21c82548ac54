"""Python package vs command line on the same data and start (`make bench-python`).

Measures, for a 1,000,000 x 16 float64 (and float32) matrix, K = 16, every covariance type
named on the command line, 20 EM iterations from the same explicit start (tol = 0):

- wall seconds of `gmm fit` (the whole process: reading the .npy, the fit, writing JSON) and
  of swiftgmm's `GaussianMixture.fit` (the call only; the array is already in memory), in
  alternating order, medians over REPEATS;
- peak RSS of the Python process just before and just after the fit: the difference is what
  the fit allocated, which must stay far below the array's size (no copy of the data);
- that both fits end with the same lower bound, bit for bit.

Usage: python_vs_cli.py GMM_BINARY PYTHON_WITH_SWIFTGMM [REPEATS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, resource, sys, time
import numpy as np
from swiftgmm import GaussianMixture
data, start, covariance_type = sys.argv[1:4]
X = np.load(data)
s = json.load(open(start))
pc = np.asarray(s["precisions_cholesky"], dtype=np.float64)
precisions = pc @ np.swapaxes(pc, -1, -2) if covariance_type in ("full", "tied") else pc * pc
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
gm = GaussianMixture(n_components=len(s["weights"]), covariance_type=covariance_type, tol=0, max_iter=20,
                     weights_init=s["weights"], means_init=s["means"], precisions_init=precisions)
t = time.perf_counter()
gm.fit(X)
seconds = time.perf_counter() - t
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "rss_before_kb": before, "rss_after_kb": after, "data_bytes": X.nbytes,
                  "lower_bound": gm.lower_bound_.hex() if hasattr(gm.lower_bound_, "hex") else float(gm.lower_bound_).hex()}))
"""


def run_cli(binary, data, start, covariance_type, out):
    t = time.perf_counter()
    proc = subprocess.Popen([binary, "fit", data, "--init-model", start, "--covariance", covariance_type, "--tol", "0",
                             "--max-iter", "20", "-o", out, "-q"])
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    if status != 0:
        sys.exit(f"gmm fit failed with status {status}")
    return seconds, usage.ru_maxrss, float(json.load(open(out))["lower_bound"]).hex()


def run_python(python, data, start, covariance_type):
    out = subprocess.run([python, "-c", CHILD, data, start, covariance_type], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def main():
    binary, python = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for dtype in ["float64", "float32"]:
            data = os.path.join(tmp, f"x_{dtype}.npy")
            subprocess.run([binary, "generate", "-n", "1000000", "-d", "16", "-k", "16", "--seed", "2026", "-o", data]
                           + (["--float32"] if dtype == "float32" else []), check=True, capture_output=True)
            for covariance_type in ["full", "diag"]:
                start = os.path.join(tmp, f"start_{covariance_type}.json")
                subprocess.run([binary, "fit", data, "-k", "16", "--covariance", covariance_type, "--max-iter", "0",
                                "--seed", "1", "-o", start, "-q"], check=True)
                cli_s, py_s, grow = [], [], []
                for r in range(repeats):
                    order = [0, 1] if r % 2 == 0 else [1, 0]
                    for which in order:
                        if which == 0:
                            s, cli_rss, cli_lb = run_cli(binary, data, start, covariance_type, os.path.join(tmp, "m.json"))
                            cli_s.append(s)
                        else:
                            p = run_python(python, data, start, covariance_type)
                            py_s.append(p["seconds"])
                            grow.append(p["rss_after_kb"] - p["rss_before_kb"])
                rows.append((dtype, covariance_type, statistics.median(cli_s), statistics.median(py_s),
                             cli_rss, p["rss_before_kb"], max(grow), p["data_bytes"], cli_lb == p["lower_bound"]))
        print(f"1,000,000 x 16, K = 16, 20 EM iterations (tol = 0) from the same start; medians of {repeats} "
              "alternating runs")
        print()
        print("| data | covariance | CLI process s | Python fit() s | Python / CLI | CLI peak RSS MB | "
              "Python RSS before fit MB | growth during fit MB | data MB | same lower bound |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for dtype, ct, c, p, crss, before, growth, nbytes, same in rows:
            print(f"| {dtype} | {ct} | {c:.3f} | {p:.3f} | {p / c:.3f} | {crss / 1024:.0f} | {before / 1024:.0f} | "
                  f"{growth / 1024:.1f} | {nbytes / 1e6:.0f} | {'bitwise' if same else 'DIFFERENT'} |")


if __name__ == "__main__":
    main()
