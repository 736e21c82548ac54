#!/usr/bin/env python3
"""Time per EM iteration of a distributed fit across P ranks: a model, not a measurement.

Usage:
    python3 Benchmarks/scaling_model.py MEASUREMENTS.json [MORE.json ...] [options]
    python3 Benchmarks/scaling_model.py --example      # built-in illustrative numbers

Inputs (the JSON files are merged, later keys win; the output of Benchmarks/mpi_collectives.c
can be one file and a hand-written {"per_point_seconds": {...}} another):
    allgatherv_alpha, allgatherv_beta   fitted latency (s) and bandwidth (bytes/s) of
    allreduce_alpha,  allreduce_beta    t = alpha + B/beta (mpi_collectives.c)
    ranks (optional)                    the P those fits were measured at (see below)
    per_point_seconds                   {"full/d16/K16": s, "diag/d16/K16": s,
                                         "bernoulli/d64/K16": s, "poisson/d16/K16": s, ...}:
                                         single-thread seconds per point per EM iteration

Per-point cost at other d, K (flop model, constant efficiency): full ∝ K·d², diag, spherical,
bernoulli, poisson, categorical ∝ K·d, scaled from the measured row of the same family nearest
in (log d, log K); the "per-point cost used" table names the row each value came from.

One EM iteration, as the engine runs it (the model):
  - One fused pass over the data (E-step + sufficient statistics); compute time
    (rows of the busiest rank) · per_point_seconds / threads_per_rank.
  - Statistics per reduction slot, in doubles (default, --stats source): the sizes
    CKernels/parallel/pass.c allocates (gmm_pass_stats_size: full 1 + K + K·d + K·d², the
    whole d×d matrix; diag and spherical 1 + K + 2·K·d; linear 1 + K + K·d). With --stats
    packed: full K·(1 + d + d(d+1)/2) + 1; diag K·(1 + 2d) + 1; spherical K·(2 + d) + 1;
    bernoulli, poisson, categorical ("linear") K·(1 + d) + 1.
  - Slots S = min(64, ceil(N/512), largest power of two <= max(4, CAP / (8·stats))), CAP =
    512 MiB (--slot-cap-mib), as CKernels/parallel/pass.c.
  - "bitwise" mode (the engine): the rows are cut into S slots, rank p sums slots
    [p·S/P, (p+1)·S/P), an MPI_Allgatherv of all S slot sums (S·stats·8 bytes in all) puts
    them on every rank, which folds them in slot order: bit-for-bit the single-process result
    at any P. The busiest rank has ceil(S/P) slots, N·ceil(S/P)/S rows (= N/min(P, S) when P
    divides S or P >= S): ranks beyond S add nothing.
  - "allreduce" mode (reproducible per P only): every rank sums its N/P rows into one stats
    vector, then MPI_Allreduce of stats·8 bytes.
  - Both modes: a stop-signal MPI_Allgatherv of P doubles (8·P bytes) per iteration.
  - M-step: redundant on every rank, not parallel. Full: K·d³/3 flops (Cholesky) at the flop
    rate of the measured full row, taken as 2·K·d² flops per point (triangular E-step product
    + statistics update); diag and the linear families O(K·d): left out (negligible).
  - Fold: every rank adds up S_local slot vectors in order (bitwise: the S gathered slots;
    allreduce: the slots of its own pass over N/P rows), S·stats·8 bytes streamed at
    --fold-bandwidth (default 5e9 B/s; 0 leaves it out). Not counted as communication.

Collective cost models (alpha: per-step latency, beta: per-link bandwidth, P ranks, B bytes):
    allgatherv, recursive doubling: T = alpha·log2(P) + (P−1)/P · B/beta
    allgatherv, ring variant:       T = alpha·(P−1)   + (P−1)/P · B/beta
    allreduce (Rabenseifner/ring):  T = 2·alpha·log2(P) + 2·(P−1)/P · B/beta
If the input has "ranks" = Pm > 1, the fitted t = a + B/b at Pm is converted to these per-step
parameters by dividing out the model at Pm: allgatherv alpha = a/log2(Pm) (ring: a/(Pm−1)),
beta = b·(Pm−1)/Pm; allreduce alpha = a/(2·log2(Pm)), beta = b·2·(Pm−1)/Pm.
--no-normalize uses the values as given.

Output: Markdown. Per family, one table of seconds per iteration and % communication for every
(N, d, K) and P, both modes; bytes each rank exchanges per iteration; and, for the allreduce
mode, where communication starts to matter (> 10 % of the iteration).
"""
import argparse
import json
import math

LINEAR = ("bernoulli", "poisson", "categorical")
FAMILIES = ("full", "diag", "spherical") + LINEAR
TABLE_FAMILIES = ("full", "diag", "bernoulli", "poisson")
SLOT_ROWS = 512
MAX_SLOTS = 64
THRESHOLD = 0.10  # "communication matters" above this fraction of the iteration

# Clearly illustrative inputs for --example (NOT measurements): a network of 2 µs per step and
# 10 GB/s per link (an InfiniBand-class cluster), and single-thread per-point costs rounded from
# 2 × the 2-thread seconds per iteration per point in BENCHMARKS.md (one x86 machine).
EXAMPLE = {
    "allgatherv_alpha": 2e-6, "allgatherv_beta": 1e10,
    "allreduce_alpha": 2e-6, "allreduce_beta": 1e10,
    "per_point_seconds": {
        "full/d16/K16": 2.6e-7,
        "diag/d16/K16": 7.0e-8,
        "bernoulli/d64/K16": 2.1e-7,
        "poisson/d16/K16": 7.2e-8,
    },
}


# ---------------------------------------------------------------------------------------------
# The engine's layout

def stats_doubles(family, d, K, layout):
    """Doubles of one reduction slot's statistics."""
    if layout == "source":  # gmm_pass_stats_size (accumulate, no reseed rows)
        if family == "full":
            return 1 + K + K * d + K * d * d
        if family in ("diag", "spherical"):
            return 1 + K + 2 * K * d
        return 1 + K + K * d
    if family == "full":
        return K * (1 + d + d * (d + 1) // 2) + 1
    if family == "diag":
        return K * (1 + 2 * d) + 1
    if family == "spherical":
        return K * (2 + d) + 1
    return K * (1 + d) + 1


def slot_count(N, stats, cap_bytes):
    """Reduction slots S of a pass over N rows."""
    cap = max(4, int(cap_bytes) // (8 * stats))
    cap = 1 << (cap.bit_length() - 1)  # largest power of two <= cap
    blocks = -(-int(N) // SLOT_ROWS)
    return max(1, min(MAX_SLOTS, blocks, cap))


def cost_units(family, d, K):
    """Relative per-point work of the fused pass (the flop model)."""
    return K * d * d if family == "full" else K * d


# ---------------------------------------------------------------------------------------------
# Collectives

class Network:
    """Per-step latency and per-link bandwidth of the two collectives."""

    def __init__(self, m, normalize):
        self.fit = {k: float(m[k]) for k in ("allgatherv_alpha", "allgatherv_beta", "allreduce_alpha", "allreduce_beta")}
        Pm = int(m.get("ranks", 0) or 0)
        self.measured_ranks = Pm
        self.normalized = normalize and Pm > 1
        a_ag, b_ag = self.fit["allgatherv_alpha"], self.fit["allgatherv_beta"]
        a_ar, b_ar = self.fit["allreduce_alpha"], self.fit["allreduce_beta"]
        if self.normalized:
            lg, share = math.log2(Pm), (Pm - 1) / Pm
            self.ag_alpha, self.ag_alpha_ring, self.ag_beta = a_ag / lg, a_ag / (Pm - 1), b_ag * share
            self.ar_alpha, self.ar_beta = a_ar / (2 * lg), b_ar * 2 * share
        else:
            self.ag_alpha = self.ag_alpha_ring = a_ag
            self.ag_beta = b_ag
            self.ar_alpha, self.ar_beta = a_ar, b_ar

    def allgatherv(self, P, nbytes, ring):
        if P <= 1:
            return 0.0
        latency = self.ag_alpha_ring * (P - 1) if ring else self.ag_alpha * math.log2(P)
        return latency + (P - 1) / P * nbytes / self.ag_beta

    def allreduce(self, P, nbytes):
        if P <= 1:
            return 0.0
        return 2 * self.ar_alpha * math.log2(P) + 2 * (P - 1) / P * nbytes / self.ar_beta


# ---------------------------------------------------------------------------------------------
# Per-point costs

def parse_key(key):
    """'full/d16/K16' -> ('full', 16, 16)."""
    try:
        family, dp, kp = key.split("/")
        if dp[0] != "d" or kp[0] != "K" or family not in FAMILIES:
            raise ValueError
        return family, int(dp[1:]), int(kp[1:])
    except (ValueError, IndexError):
        raise SystemExit(f"per_point_seconds: key {key!r} is not like 'full/d16/K16' (families: {', '.join(FAMILIES)})")


class PerPoint:
    def __init__(self, table):
        self.rows = {}
        for key, seconds in table.items():
            family, d, K = parse_key(key)
            self.rows.setdefault(family, []).append((d, K, float(seconds), key))

    def has(self, family):
        return family in self.rows

    def source(self, family, d, K):
        """The measured row of `family` nearest (d, K) in log scale: (d0, K0, seconds, key)."""
        return min(self.rows[family], key=lambda r: (abs(math.log(d / r[0])) + abs(math.log(K / r[1])), r[3]))

    def seconds(self, family, d, K):
        d0, K0, s0, key = self.source(family, d, K)
        return s0 * cost_units(family, d, K) / cost_units(family, d0, K0), key

    def full_flop_rate(self, d, K):
        """Single-thread flop/s of the full pass (2·K·d² flops per point), from the row nearest."""
        d0, K0, s0, key = self.source("full", d, K)
        return 2 * K0 * d0 * d0 / s0


# ---------------------------------------------------------------------------------------------
# The iteration model

class Model:
    def __init__(self, net, perpoint, layout, cap_bytes, threads, fold_bandwidth, mstep):
        self.net, self.pp, self.layout, self.cap_bytes = net, perpoint, layout, cap_bytes
        self.threads, self.fold_bw, self.use_mstep = threads, fold_bandwidth, mstep

    def slots(self, N, stats):
        return slot_count(N, stats, self.cap_bytes)

    def mstep(self, family, d, K):
        if not self.use_mstep or family != "full":
            return 0.0
        return (K * d ** 3 / 3) / self.pp.full_flop_rate(d, K)

    def fold(self, slots, stats):
        return slots * stats * 8 / self.fold_bw if self.fold_bw > 0 else 0.0

    def iteration(self, family, d, K, N, P, mode, ring):
        """(total seconds, communication seconds, details) of one iteration on P ranks."""
        stats = stats_doubles(family, d, K, self.layout)
        pps, _ = self.pp.seconds(family, d, K)
        stop = self.net.allgatherv(P, 8 * P, ring)
        if mode == "bitwise":
            S = self.slots(N, stats)
            busiest = N * (-(-S // P)) / S  # rows of the rank with ceil(S/P) slots
            comm = self.net.allgatherv(P, S * stats * 8, ring) + stop
            fold = self.fold(S, stats)
        else:
            busiest = N / P
            comm = self.net.allreduce(P, stats * 8) + stop
            fold = self.fold(self.slots(busiest, stats), stats)
        compute = busiest * pps / self.threads
        total = compute + fold + self.mstep(family, d, K) + comm
        return total, comm

    def single(self, family, d, K, N):
        return self.iteration(family, d, K, N, 1, "allreduce", False)[0]

    def comm_fraction(self, family, d, K, N, P, mode, ring):
        total, comm = self.iteration(family, d, K, N, P, mode, ring)
        return comm / total

    def rows_threshold(self, family, d, K, P, ring):
        """Rows per rank below which communication exceeds THRESHOLD (allreduce mode)."""
        frac = lambda n: self.comm_fraction(family, d, K, n * P, P, "allreduce", ring)
        lo, hi = 1.0, 1e16
        if frac(lo) <= THRESHOLD:
            return 0.0
        if frac(hi) > THRESHOLD:
            return math.inf
        for _ in range(200):  # the fraction falls as the rows grow: bisect in log scale
            mid = math.sqrt(lo * hi)
            if frac(mid) > THRESHOLD:
                lo = mid
            else:
                hi = mid
            if hi / lo < 1.0001:
                break
        return hi

    def smallest_P(self, family, d, K, N, mode, ring, limit=1 << 30):
        """The smallest power-of-two P at which communication exceeds THRESHOLD."""
        P = 2
        while P <= limit and P <= N:
            if self.comm_fraction(family, d, K, N, P, mode, ring) > THRESHOLD:
                return P
            P *= 2
        return None


# ---------------------------------------------------------------------------------------------
# Formatting

def fmt_time(s):
    if s == 0:
        return "0"
    if s >= 100:
        return f"{s:,.0f} s"
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def fmt_bytes(b):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= size:
            return f"{b / size:.3g} {unit}"
    return f"{b:.0f} B"


def fmt_count(x):
    if x == 0:
        return "0"
    if math.isinf(x):
        return "∞"
    e = int(math.floor(math.log10(x)))
    return f"{x:.0f}" if e < 4 else f"{x / 10 ** e:.2g}e{e}"


def fmt_pct(f):
    if f < 1e-4:
        return "<0.01 %"
    return f"{100 * f:.2g} %" if f < 0.1 else f"{100 * f:.0f} %"


def fmt_rate(b):
    """Bandwidth in decimal units (GB/s = 1e9 bytes/s)."""
    for unit, size in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
        if b >= size:
            return f"{b / size:.3g} {unit}"
    return f"{b:.3g} B/s"


def table(header, rows, align=None):
    align = align or ["---:"] * len(header)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def parse_list(text, kind=float):
    return [kind(float(x)) for x in text.split(",") if x.strip()]


# ---------------------------------------------------------------------------------------------
# Report

def report(m, args, label):
    net = Network(m, normalize=not args.no_normalize)
    pp = PerPoint(m["per_point_seconds"])
    model = Model(net, pp, args.layout, args.slot_cap_mib * (1 << 20), args.threads, args.fold_bandwidth, not args.no_mstep)
    families = [f for f in args.families if pp.has(f)]
    missing = [f for f in args.families if not pp.has(f)]
    ring_variants = {"rd": [False], "ring": [True], "both": [False, True]}[args.allgather]
    out = ["# Distributed EM: modelled time per iteration", "", f"Inputs: {label}.", ""]
    if missing:
        out += [f"Left out (no per_point_seconds row of the family): {', '.join(missing)}.", ""]

    # Inputs as used.
    out += ["## Inputs as used", ""]
    if net.normalized:
        out.append(f"Collective fits measured at {net.measured_ranks} ranks, converted to per-step latency and "
                   f"per-link bandwidth by dividing out the cost model at P = {net.measured_ranks}:")
    else:
        out.append("Collective parameters used as given (per-step latency, per-link bandwidth):")
    out += ["", table(["collective", "fit α", "fit β", "model α (per step)", "model β (per link)"], [
        ["allgatherv (rec. doubling)", fmt_time(net.fit["allgatherv_alpha"]), fmt_rate(net.fit["allgatherv_beta"]),
         fmt_time(net.ag_alpha), fmt_rate(net.ag_beta)],
        ["allgatherv (ring)", fmt_time(net.fit["allgatherv_alpha"]), fmt_rate(net.fit["allgatherv_beta"]),
         fmt_time(net.ag_alpha_ring), fmt_rate(net.ag_beta)],
        ["allreduce", fmt_time(net.fit["allreduce_alpha"]), fmt_rate(net.fit["allreduce_beta"]),
         fmt_time(net.ar_alpha), fmt_rate(net.ar_beta)],
    ], ["---", "---:", "---:", "---:", "---:"]), ""]
    out += [f"Threads per rank: {args.threads}. Stats sizes: {args.layout}. "
            f"Slot cap: {args.slot_cap_mib:g} MiB. "
            f"Fold bandwidth: {fmt_rate(args.fold_bandwidth) if args.fold_bandwidth > 0 else 'left out'}. "
            f"M-step (full only): {'K·d³/3 flops at the full row flop rate' if not args.no_mstep else 'left out'}.", ""]
    rows = []
    for f in families:
        for d in args.d:
            for K in args.K:
                s, key = pp.seconds(f, d, K)
                d0, K0, s0, _ = pp.source(f, d, K)
                extra = f"{fmt_time(model.mstep(f, d, K))}" if f == "full" else "—"
                rows.append([f, d, K, f"{s:.3g}", key, f"×{cost_units(f, d, K) / cost_units(f, d0, K0):.3g}", extra])
    out += ["Per-point cost used (single-thread seconds per point per iteration; full ∝ K·d², others ∝ K·d):", "",
            table(["family", "d", "K", "s/point", "scaled from", "factor", "M-step"], rows,
                  ["---", "---:", "---:", "---:", "---", "---:", "---:"]), ""]

    # Per-family tables.
    for ring in ring_variants:
        variant = "ring all-gather, α·(P−1)" if ring else "recursive-doubling all-gather, α·log2(P)"
        out += [f"## Seconds per iteration and % communication ({variant})", "",
                "Each cell: seconds per iteration, % of it in communication. `bitwise`: slot all-gather (the engine, "
                "same result at any P); `allreduce`: one Allreduce per iteration (same result only at a fixed P). "
                "S: reduction slots (at most S ranks have work in the bitwise mode).", ""]
        for f in families:
            header = ["N", "d", "K", "S", "1 rank"]
            align = ["---:"] * 5
            for P in args.P:
                header += [f"P={P} bitwise", f"P={P} allreduce"]
                align += ["---:", "---:"]
            rows = []
            for N in args.N:
                for d in args.d:
                    for K in args.K:
                        stats = stats_doubles(f, d, K, args.layout)
                        row = [fmt_count(N), d, K, model.slots(N, stats), fmt_time(model.single(f, d, K, N))]
                        for P in args.P:
                            for mode in ("bitwise", "allreduce"):
                                total, comm = model.iteration(f, d, K, N, P, mode, ring)
                                row.append(f"{fmt_time(total)}, {fmt_pct(comm / total)}")
                        rows.append(row)
            out += [f"### {f}", "", table(header, rows, align), ""]

    # Bytes per rank.
    out += ["## Bytes each rank exchanges per iteration", "",
            "Per rank and iteration, with stats the doubles of one slot (below) and S the slots:",
            "",
            "- allreduce mode: sends and receives 2·(P−1)/P · 8·stats bytes each (ring / Rabenseifner), "
            "plus the stop signal's all-gather, 8·(P−1) bytes received.",
            "- bitwise mode: receives (P−1)/P · 8·S·stats bytes (the other ranks' slot sums; a ring also forwards "
            "as many), plus the same 8·(P−1) bytes of stop signal. S does not depend on N once N ≥ 512·64 rows.",
            "", "stats (doubles): " + {
                "packed": "full K·(1 + d + d(d+1)/2) + 1; diag K·(1 + 2d) + 1; spherical K·(2 + d) + 1; linear K·(1 + d) + 1.",
                "source": "full 1 + K + K·d + K·d²; diag, spherical 1 + K + 2·K·d; linear 1 + K + K·d."}[args.layout], ""]
    Nref = max(args.N)
    header = ["family", "d", "K", "stats", "S"] + [f"allreduce P={P}" for P in args.P] + [f"bitwise P={P}" for P in args.P]
    rows = []
    for f in families:
        for d in args.d:
            for K in args.K:
                stats = stats_doubles(f, d, K, args.layout)
                S = model.slots(Nref, stats)
                row = [f, d, K, f"{stats:,}", S]
                row += [fmt_bytes(2 * (P - 1) / P * 8 * stats + 8 * (P - 1)) for P in args.P]
                row += [fmt_bytes((P - 1) / P * 8 * S * stats + 8 * (P - 1)) for P in args.P]
                rows.append(row)
    out += [table(header, rows, ["---"] + ["---:"] * (len(header) - 1)), ""]

    # Where communication starts to matter.
    for ring in ring_variants:
        variant = "ring all-gather" if ring else "recursive-doubling all-gather"
        out += [f"## Where communication starts to matter: allreduce mode ({variant} for the stop signal)", "",
                f"Smallest power-of-two P at which communication exceeds {100 * THRESHOLD:.0f} % of the iteration "
                "(N/P: rows per rank there), and the rows per rank below which it does at a given P. "
                f"Last column: S at N = {fmt_count(Nref)}, the most ranks the bitwise mode can use (its "
                "iteration stops shrinking at P = S, long before its communication matters).", ""]
        header = ["family", "d", "K"] + [f"N={fmt_count(N)}" for N in args.N] + \
                 [f"rows/rank at P={P}" for P in args.P] + ["bitwise S"]
        rows = []
        for f in families:
            for d in args.d:
                for K in args.K:
                    row = [f, d, K]
                    for N in args.N:
                        P = model.smallest_P(f, d, K, N, "allreduce", ring)
                        row.append(f"P={P:,} (N/P={fmt_count(N / P)})" if P else "none ≤ min(N, 2³⁰)")
                    row += [fmt_count(model.rows_threshold(f, d, K, P, ring)) for P in args.P]
                    row.append(model.slots(Nref, stats_doubles(f, d, K, args.layout)))
                    rows.append(row)
        out += [table(header, rows, ["---"] + ["---:"] * (len(header) - 1)), ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="See the module docstring for the model.")
    ap.add_argument("inputs", nargs="*", help="JSON files of measurements (merged)")
    ap.add_argument("--example", action="store_true", help="use built-in ILLUSTRATIVE numbers (no measurements)")
    ap.add_argument("--threads", type=int, default=1, help="threads per rank (default 1)")
    ap.add_argument("--stats", dest="layout", choices=("packed", "source"), default="source",
                    help="slot statistics sizes: as CKernels/parallel/pass.c allocates (default: full d x d) or packed")
    ap.add_argument("--slot-cap-mib", type=float, default=512, help="bound on all slots' statistics, MiB (default 512, as CKernels/parallel/pass.c)")
    ap.add_argument("--allgather", choices=("rd", "ring", "both"), default="both",
                    help="all-gather latency model: recursive doubling, ring, or both (default)")
    ap.add_argument("--no-normalize", action="store_true", help="use the alpha/beta values as per-step values as given")
    ap.add_argument("--fold-bandwidth", type=float, default=5e9, help="bytes/s of the slot fold (0: leave it out)")
    ap.add_argument("--no-mstep", action="store_true", help="leave the full M-step out")
    ap.add_argument("--P", default="16,256,4096", help="rank counts (comma-separated)")
    ap.add_argument("--N", default="1e9,1e10,1e11", help="rows (comma-separated)")
    ap.add_argument("--d", default="16,32,64", help="features (comma-separated)")
    ap.add_argument("--K", default="16,64,256", help="components (comma-separated)")
    ap.add_argument("--families", default=",".join(TABLE_FAMILIES), help="families (comma-separated)")
    args = ap.parse_args()
    args.P, args.N = parse_list(args.P, int), parse_list(args.N, int)
    args.d, args.K = parse_list(args.d, int), parse_list(args.K, int)
    args.families = [f.strip() for f in args.families.split(",") if f.strip()]
    bad = [f for f in args.families if f not in FAMILIES]
    if bad or args.threads < 1 or args.slot_cap_mib <= 0 or min(args.P + args.N + args.d + args.K) < 1:
        ap.error(f"bad arguments{': unknown families ' + ', '.join(bad) if bad else ''}")

    if args.example:
        if args.inputs:
            ap.error("--example takes no input files")
        m = EXAMPLE
        label = ("**ILLUSTRATIVE built-in numbers (--example), not measurements**: α = 2 µs per step, "
                 "β = 10 GB/s per link, per-point costs rounded from BENCHMARKS.md")
    elif args.inputs:
        m = {}
        for path in args.inputs:
            with open(path) as fh:
                m.update(json.load(fh))
        label = "measurements from " + ", ".join(args.inputs)
    else:
        ap.error("give a measurements JSON or --example")
    need = ["allgatherv_alpha", "allgatherv_beta", "allreduce_alpha", "allreduce_beta", "per_point_seconds"]
    absent = [k for k in need if m.get(k) is None]
    if absent:
        raise SystemExit(f"missing in the input: {', '.join(absent)}")
    if not all(float(m[k]) > 0 for k in need[:4] if k.endswith("beta")):
        raise SystemExit("bandwidths must be positive")
    print(report(m, args, label))


if __name__ == "__main__":
    main()
