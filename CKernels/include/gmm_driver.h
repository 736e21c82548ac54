/* Drivers: the loops around the kernels. One call is one pass over the data: each fixed-size
 * block is transposed, its log-densities and responsibilities computed, and (optionally) its
 * sufficient statistics accumulated at once, so the N x K responsibility matrix never exists.
 *
 * Determinism: blocks are grouped into a number of "slots" that depends only on (n, d, K,
 * covariance); each slot is summed by one thread in block order into its own accumulator,
 * and the slots are reduced in slot order. The result is bitwise independent of the number
 * of threads. Threads exist only here (OpenMP); without OpenMP the same loops run serially. */
#ifndef GMM_DRIVER_H
#define GMM_DRIVER_H
#include "gmm_dispatch.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Model parameters read by a pass (see gmm_types.h for the layouts). Tied and spherical
 *  covariances arrive expanded to full (K copies of the shared U) and diagonal (the scalar
 *  repeated d times), so they run through the same kernels. */
typedef struct gmm_model_view {   /* GMM_COV_LINEAR: means = A (K x d), log_norm = b */
    size_t d, K;
    gmm_covariance covariance;
    const double *means;      /* K*d */
    const double *prec_chol;  /* full: K*d*d, diag: K*d */
    const double *log_norm;   /* K */
} gmm_model_view;

/** What a pass computes. Output pointers may be NULL when not wanted. */
typedef struct gmm_pass_request {
    const void *X;            /* n rows of d features, row stride ldX (>= d) elements */
    int x_float32;            /* nonzero: X holds floats (widened per block), else doubles */
    size_t n, ldX;
    const int64_t *code_offsets; /* NULL, or: each row of X holds code_columns integer codes
                                 (categorical data), loaded as their one-hot coding of
                                 model->d = code_offsets[code_columns] columns, code j taking
                                 columns [code_offsets[j], code_offsets[j+1]); see
                                 gmm_load_block_codes. Never float32 arithmetic. */
    size_t code_columns;
    const double *weights;    /* n non-negative sample weights, or NULL for all ones */
    const double *row_terms;  /* n per-row terms added to every row's log-likelihood before it
                                 is summed or output (a family's component-free part, e.g.
                                 Poisson's -sum log x!), or NULL; indexed as weights */
    int accumulate;           /* nonzero: fill the statistics (see gmm_pass_stats_size) */
    int hard;                 /* nonzero: responsibilities are one-hot at the argmax (k-means);
                                 loglik_sum is then the sum of the max log-density */
    int random_resp;          /* nonzero: skip the E-step; responsibilities are uniform random
                                 numbers normalized per row, a pure function of (seed, row), so
                                 scikit-learn's init_params='random' needs no N x K array */
    uint64_t seed;
    int widen;                /* nonzero: float32 data run through the float64 kernels (as hard
                                 and random passes always do), e.g. k-means++ distances, whose
                                 unit precisions would square data of spread 1e-23 to float32
                                 underflow */
    double truncate;          /* 0: the exact E-step. tau in (0, 1): the truncated E-step of
                                 gmm_trunc.h for EM and evaluation passes (not hard or random
                                 ones): per point, components whose responsibility is below tau
                                 times the point's largest are proven negligible by partial
                                 distances and set to 0, the rest renormalized; the statistics
                                 then cost O(kept components) per point. float32 data are
                                 widened (float64 arithmetic). Deterministic and independent of
                                 threads and ISA. */
    int32_t *truncate_hint;   /* truncated passes, or NULL: n per-row components (indexed as
                                 weights), each read as the row's hint (gmm_trunc.h; -1: none)
                                 and overwritten with the row's label. Keeping it from pass to
                                 pass makes the previous iteration's label the first component
                                 tried: only speed depends on it, never a result. */
    size_t lowest;            /* track the rows with the `lowest` smallest log-likelihoods
                                 (positive weight only), e.g. to re-seed collapsed components */
    const double *shift;      /* K*d shift for accumulation; NULL means the model's means */
    const double *scale;      /* d powers of two, or NULL: float32 EM and evaluation passes
                                 work in the coordinates (x - c) * scale (data, means, shifts
                                 scaled, precision factors divided), so that features whose
                                 spread is far from 1 neither underflow nor overflow float32
                                 products; the totals are scaled back exactly, and with no
                                 underflow or overflow every bit equals the unscaled pass's */
    double *resp;             /* n*K responsibilities, row-major (unweighted) */
    double *lse;              /* n per-point log-likelihoods */
    int32_t *labels;          /* n argmax components */
    int threads;              /* 0: OpenMP's default */
    int *threads_used;        /* out (may be NULL): distinct threads that ran the pass's
                                 parallel region */
    const gmm_kernel_table *kernels; /* NULL: gmm_kernels_active() */
    /* A pass split across processes (or data partitions) sums the same slots a whole pass
     * does, so its totals are bitwise those of the whole pass: */
    int slot_mode;            /* GMM_SLOTS_ALL (0): the whole pass.
                                 GMM_SLOTS_PARTIAL: only slots [slot_begin, slot_end) of a pass
                                 over n rows; X (and weights, and the per-row outputs) hold just
                                 their rows, from gmm_pass_slot_first_row(slot_begin); stats
                                 receives each slot's partial sums, unreduced, in slot order.
                                 GMM_SLOTS_FINISH: X is not read; stats holds every slot's
                                 partial sums (in slot order, gathered from the partial calls),
                                 reduced and finished as the whole pass would. */
    size_t slot_begin, slot_end;
} gmm_pass_request;

#define GMM_SLOTS_ALL 0
#define GMM_SLOTS_PARTIAL 1
#define GMM_SLOTS_FINISH 2
/** Rows per unit of the slot layout: a multiple of every block size, so the rows of a slot do
 *  not depend on which kernels a pass takes. */
#define GMM_SLOT_ROWS 512

/** Doubles of statistics one slot holds:
 *    [0]                 sum_n w_n loglik_n
 *    then, if accumulate: nk[K], s1[K*d], s2[K*d*d (full) or K*d (diag)] (weighted by w)
 *    then, if lowest > 0: `lowest` pairs (loglik, row) in ascending order; empty pairs hold
 *    (+inf, -1). */
size_t gmm_pass_stats_size(size_t d, size_t K, gmm_covariance covariance, int accumulate, size_t lowest);
/** Number of deterministic reduction slots for a problem (independent of threads). */
size_t gmm_pass_slot_count(size_t n, size_t d, size_t K, gmm_covariance covariance, int accumulate,
                           size_t lowest);
/** The slot layout a distributed pass over n rows splits across processes: min(64, units of
 *  GMM_SLOT_ROWS rows). Every pass whose statistics fit in 8 MiB per slot has this layout;
 *  coarser layouts (larger statistics) are powers of two whose slot boundaries are a subset
 *  of this one's. */
size_t gmm_pass_share_slots(size_t n);
/** The first row of slot `slot` (n for slot == slots): slots cover consecutive rows, in units
 *  of GMM_SLOT_ROWS. */
size_t gmm_pass_slot_first_row(size_t n, size_t slots, size_t slot);
/** Doubles of scratch a pass of `covariance` with `threads` (0: default) needs: a shared part
 *  (the centre, centred means and shifts, and scaled precision factors) and one part per
 *  thread. */
size_t gmm_pass_scratch_size(size_t d, size_t K, gmm_covariance covariance, int threads);
/** Most threads a pass uses (more are capped: libomp aborts when it cannot create them). */
#define GMM_MAX_THREADS 256

/** Threads a pass with `threads` (0: default) would use, at most GMM_MAX_THREADS. */
int gmm_pass_thread_count(int threads);

/** One pass. stats: slots*stats_size doubles (slot_count from gmm_pass_slot_count); on
 *  return its first stats_size doubles hold the reduced totals. scratch:
 *  gmm_pass_scratch_size(d, K, request->threads) doubles, 64-byte aligned. */
gmm_status gmm_pass(const gmm_model_view *model, const gmm_pass_request *request,
                    double *GMM_RESTRICT stats, double *GMM_RESTRICT scratch);

/** Runs a parallel region with `threads` threads and returns how many distinct threads took
 *  part (1 in a serial build): proof that OpenMP is live. */
int gmm_parallel_probe(int threads);
/** 1 when the library was built with OpenMP. */
int gmm_built_with_openmp(void);

#ifdef __cplusplus
}
#endif
#endif
