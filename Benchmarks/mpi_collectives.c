/* mpi_collectives.c: latency and bandwidth of the collectives a distributed EM fit uses.
 *
 * What it measures, on MPI_COMM_WORLD (P ranks):
 *   - MPI_Allgatherv of doubles, in place (MPI_IN_PLACE), every rank contributing an equal part
 *     of the gathered vector (as equal as possible: rank p owns doubles [p·n/P, (p+1)·n/P), so
 *     when P does not divide n, or n < P, some parts are one double shorter or empty). This is
 *     the engine's all-gather of reduction-slot sums (and of the per-iteration stop signal).
 *   - MPI_Allreduce (MPI_SUM, doubles), in place, of the same sizes: the alternative
 *     "reproducible per P" reduction.
 *   - MPI_Bcast of 8 bytes (MPI_CHAR) from rank 0: the engine's shared-seed broadcast.
 *   Sizes: total vector bytes B = 8 B, 64 B, 1 KiB, 16 KiB, 256 KiB, 1 MiB, 4 MiB, 16 MiB
 *   (for Allgatherv B is the whole gathered vector; each rank receives about (P-1)/P of it).
 *
 * Timing: for each collective and size, a few warm-up calls, then a calibration that picks the
 * repetitions per batch so that 7 batches take about TARGET seconds in all (0.2 s; 0.01 s with
 * --quick), capped at MAX_REPS. Every rank agrees on the count (the calibration time is the
 * maximum over ranks, taken with MPI_Allreduce). A batch starts after an MPI_Barrier; its time
 * is the slowest rank's wall time (MPI_Wtime) divided by the repetitions. The reported time
 * per call is the median of the 7 batches.
 *
 * Fit: for Allgatherv and Allreduce, t = alpha + B/beta over the 8 sizes, a least-squares fit
 * of the RELATIVE residuals, minimize sum_i ((alpha + B_i·g - t_i) / t_i)^2 with g = 1/beta
 * (weights 1/t_i^2, solved in closed form from the 2x2 normal equations). Plain least squares
 * would let the 16 MiB point dominate and leave alpha meaningless (often negative); relative
 * residuals weigh the latency-bound and bandwidth-bound sizes alike. If the fit still gives
 * alpha < 0, alpha is set to 0 and g refitted alone; if g <= 0, beta is reported as null.
 * These alpha, beta are for THIS P, as measured: the per-step latency and per-link bandwidth of
 * a cost model (e.g. allgatherv T = alpha·log2 P + (P-1)/P·B/beta) follow by dividing out the
 * model's P-dependence, which Benchmarks/scaling_model.py does using "ranks".
 *
 * Output: one JSON object on rank 0's stdout:
 *   {"ranks": P, "batches": 7, "quick": false,
 *    "allgatherv": [{"bytes": B, "seconds": t, "reps": r}, ...],
 *    "allreduce": [...], "bcast8": t,
 *    "allgatherv_alpha": s, "allgatherv_beta": B/s, "allreduce_alpha": s, "allreduce_beta": B/s}
 *
 * Build and run (as root, Open MPI also wants OMPI_ALLOW_RUN_AS_ROOT=1
 * OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1):
 *   mpicc -O2 -std=c11 -o /tmp/mpi_collectives Benchmarks/mpi_collectives.c
 *   mpirun -np 2 --oversubscribe /tmp/mpi_collectives [--quick]
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCHES 7
#define MAX_REPS 100000
#define WARMUP 3

static const size_t SIZES[] = {8, 64, 1 << 10, 16 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20};
#define NSIZES (sizeof SIZES / sizeof SIZES[0])

enum op { OP_ALLGATHERV, OP_ALLREDUCE, OP_BCAST };

/* Buffers shared by every measurement (allocated once for the largest size). */
static double *buf;
static int *counts, *displs;
static int nranks, myrank;

/* Counts and displacements of an all-gather of n doubles over nranks parts. */
static void set_parts(size_t n) {
    for (int p = 0; p < nranks; p++) {
        size_t lo = (size_t)p * n / (size_t)nranks, hi = (size_t)(p + 1) * n / (size_t)nranks;
        displs[p] = (int)lo;
        counts[p] = (int)(hi - lo);
    }
}

static void call(enum op op, size_t bytes) {
    int n = (int)(bytes / sizeof(double));
    switch (op) {
    case OP_ALLGATHERV:
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, buf, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
        break;
    case OP_ALLREDUCE:
        MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        break;
    case OP_BCAST:
        MPI_Bcast(buf, (int)bytes, MPI_CHAR, 0, MPI_COMM_WORLD);
        break;
    }
}

/* Seconds of `reps` calls as the slowest rank saw them (the same value on every rank). */
static double timed(enum op op, size_t bytes, long reps) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (long r = 0; r < reps; r++) call(op, bytes);
    double t = MPI_Wtime() - t0, slowest;
    MPI_Allreduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return slowest;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds per call over BATCHES batches; the repetitions used go to *reps_out. */
static double measure(enum op op, size_t bytes, double target, long *reps_out) {
    if (op == OP_ALLGATHERV) set_parts(bytes / sizeof(double));
    for (int w = 0; w < WARMUP; w++) call(op, bytes);
    /* Calibrate: double the repetitions until a probe takes >= 1/50 of a batch's share. */
    double per_batch = target / BATCHES;
    long probe = 1;
    double t = timed(op, bytes, probe);
    while (t < per_batch / 50 && probe < MAX_REPS) {
        probe *= 2;
        t = timed(op, bytes, probe);
    }
    double per_call = t / (double)probe;
    long reps = per_call > 0 ? (long)ceil(per_batch / per_call) : MAX_REPS;
    if (reps < 1) reps = 1;
    if (reps > MAX_REPS) reps = MAX_REPS;
    double times[BATCHES];
    for (int b = 0; b < BATCHES; b++) times[b] = timed(op, bytes, reps) / (double)reps;
    qsort(times, BATCHES, sizeof times[0], by_value);
    *reps_out = reps;
    return times[BATCHES / 2];
}

/* Weighted least squares of t = alpha + B·g with weights 1/t^2 (see the header). */
static void fit(const double *B, const double *t, int n, double *alpha, double *g) {
    double s = 0, sb = 0, sbb = 0, st = 0, sbt = 0;
    for (int i = 0; i < n; i++) {
        double w = 1.0 / (t[i] * t[i]);
        s += w; sb += w * B[i]; sbb += w * B[i] * B[i]; st += w * t[i]; sbt += w * B[i] * t[i];
    }
    double det = s * sbb - sb * sb;
    *alpha = (st * sbb - sb * sbt) / det;
    *g = (s * sbt - sb * st) / det;
    if (!(*alpha >= 0)) { /* refit through the origin */
        *alpha = 0;
        *g = sbt / sbb;
    }
}

static void print_series(const char *name, const size_t *bytes, const double *t, const long *reps) {
    printf("  \"%s\": [", name);
    for (size_t i = 0; i < NSIZES; i++)
        printf("%s\n    {\"bytes\": %zu, \"seconds\": %.6e, \"reps\": %ld}", i ? "," : "", bytes[i], t[i], reps[i]);
    printf("\n  ],\n");
}

static void print_fit(const char *name, const size_t *bytes, const double *t, int last) {
    double B[NSIZES], alpha, g;
    for (size_t i = 0; i < NSIZES; i++) B[i] = (double)bytes[i];
    fit(B, t, (int)NSIZES, &alpha, &g);
    printf("  \"%s_alpha\": %.6e,\n", name, alpha);
    if (g > 0) printf("  \"%s_beta\": %.6e%s\n", name, 1.0 / g, last ? "" : ",");
    else printf("  \"%s_beta\": null%s\n", name, last ? "" : ",");
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &myrank);
    int quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) quick = 1;
        else {
            if (myrank == 0) fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            MPI_Finalize();
            return 2;
        }
    }
    const double target = quick ? 0.01 : 0.2; /* seconds per size, all batches */
    size_t largest = SIZES[NSIZES - 1];
    buf = malloc(largest);
    counts = malloc(sizeof(int) * (size_t)nranks);
    displs = malloc(sizeof(int) * (size_t)nranks);
    if (!buf || !counts || !displs) MPI_Abort(MPI_COMM_WORLD, 1);
    for (size_t i = 0; i < largest / sizeof(double); i++) buf[i] = 1.0 / (double)(i + 1);

    double tg[NSIZES], tr[NSIZES];
    long rg[NSIZES], rr[NSIZES], rb;
    for (size_t i = 0; i < NSIZES; i++) tg[i] = measure(OP_ALLGATHERV, SIZES[i], target, &rg[i]);
    /* Allreduce sums in place: zeros stay zeros (no overflow or subnormals however many
     * repetitions run; the timing of MPI_SUM does not depend on the values otherwise). */
    for (size_t i = 0; i < NSIZES; i++) {
        for (size_t j = 0; j < SIZES[i] / sizeof(double); j++) buf[j] = 0.0;
        tr[i] = measure(OP_ALLREDUCE, SIZES[i], target, &rr[i]);
    }
    double tb = measure(OP_BCAST, 8, target, &rb);

    if (myrank == 0) {
        printf("{\n  \"ranks\": %d,\n  \"batches\": %d,\n  \"quick\": %s,\n", nranks, BATCHES, quick ? "true" : "false");
        print_series("allgatherv", SIZES, tg, rg);
        print_series("allreduce", SIZES, tr, rr);
        printf("  \"bcast8\": %.6e,\n", tb);
        print_fit("allgatherv", SIZES, tg, 0);
        print_fit("allreduce", SIZES, tr, 1);
        printf("}\n");
    }
    free(buf); free(counts); free(displs);
    MPI_Finalize();
    return 0;
}
