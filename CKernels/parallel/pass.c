/* The one-pass driver: E-step and M-step accumulation fused per block of rows, threaded with
 * OpenMP over deterministic slots (see gmm_driver.h). */
#include <math.h>
#include <string.h>
#include "gmm_driver.h"
#ifdef _OPENMP
/* The two runtime calls used, declared here rather than through omp.h: Debian keeps omp.h in
 * LLVM 14's resource folder, which a consumer's compiler would need on its include path;
 * -fopenmp alone (and libomp at link time) is then all a build needs. */
int omp_get_max_threads(void);
int omp_get_thread_num(void);
#endif

/* Rows per block: the transposed block, its centred and weighted copies and the K x B
 * responsibilities stay within L2 (1 MiB) for d <= 64. float32 blocks (half the bytes per
 * row) hold 512 rows for d <= 32: their register tiles then run 64 vectors long instead of
 * 32, which amortizes each tile's set-up and lane folds (measured per 256 points, d = K = 16:
 * M-step 19.3 -> 17.2 us, E-step 13.3 -> 12.6 us). */
static size_t block_rows(size_t d, int f32) { return d > 32 ? 128 : f32 ? 512 : 256; }
/* Leading dimension of the transposed block: not a power of two, so the d (or K) rows of a
 * block do not all fall into the same few L1 sets. */
static size_t block_ld(size_t d, int f32) { return block_rows(d, f32) + 4; }

static size_t round8(size_t n) { return (n + 7u) & ~(size_t)7u; }

static size_t s2_size(size_t d, size_t K, gmm_covariance covariance) {
    return covariance == GMM_COV_FULL ? K * d * d : covariance == GMM_COV_LINEAR ? 0 : K * d;
}

size_t gmm_pass_stats_size(size_t d, size_t K, gmm_covariance covariance, int accumulate, size_t lowest) {
    return 1 + (accumulate ? K + K * d + s2_size(d, K, covariance) : 0) + 2 * lowest;
}

size_t gmm_pass_slot_count(size_t n, size_t d, size_t K, gmm_covariance covariance, int accumulate,
                           size_t lowest) {
    /* Counted in units of GMM_SLOT_ROWS rows, a multiple of every block size, so a slot's rows
     * are the same whichever kernels (float64 or float32 blocks) a pass takes. */
    size_t blocks = (n + GMM_SLOT_ROWS - 1) / GMM_SLOT_ROWS;
    size_t bytes = gmm_pass_stats_size(d, K, covariance, accumulate, lowest) * sizeof(double);
    /* Enough slots to balance many threads (and the processes of a distributed pass, which
     * split the same layout), bounded so the partial sums stay under 512 MiB. The bound is a
     * power of two, so a coarser layout's slot boundaries are boundaries of every finer one
     * (see gmm_pass_share_slots): all passes over n rows with statistics up to 8 MiB per slot
     * share the layout min(64, units). */
    size_t slots = 64;
    size_t cap = ((size_t)512 << 20) / bytes, pow2 = 4;
    while (pow2 * 2 <= cap) pow2 *= 2;
    if (slots > pow2) slots = pow2;
    if (slots > blocks) slots = blocks;
    return slots ? slots : 1;
}

size_t gmm_pass_share_slots(size_t n) {
    size_t blocks = (n + GMM_SLOT_ROWS - 1) / GMM_SLOT_ROWS;
    return blocks < 64 ? (blocks ? blocks : 1) : 64;
}

size_t gmm_pass_slot_first_row(size_t n, size_t slots, size_t slot) {
    if (slots == 0 || slot >= slots) return n;
    const size_t units = (n + GMM_SLOT_ROWS - 1) / GMM_SLOT_ROWS;
    const size_t row = (slot * units / slots) * GMM_SLOT_ROWS;
    return row < n ? row : n;
}

/* Per thread: Xt, work (2 d x ld), logp (K x ld), per-point values, labels (int32); sized
 * for the larger (float32) block; then the truncated E-step's work, component lists (K per
 * group of points, int32) and list lengths. */
static size_t thread_scratch(size_t d, size_t K) {
    size_t ld = block_ld(d, 1);
    return round8(d * ld) + round8(2 * d * ld) + round8(K * ld) + round8(ld) + round8(ld / 2 + 1) +
           round8(gmm_trunc_work_size(ld, d)) + round8((K * ld + 1) / 2) + round8(ld / 2 + 1);
}

/* Shared: the centre, the means and shifts relative to it, and the precision factors of a
 * scaled float32 pass (K*d*d for full, K*d for diag). */
static size_t shared_scratch(size_t d, size_t K, gmm_covariance cov) {
    return round8(d) + 2 * round8(K * d) + round8(s2_size(d, K, cov));
}

size_t gmm_pass_scratch_size(size_t d, size_t K, gmm_covariance covariance, int threads) {
    return shared_scratch(d, K, covariance) + (size_t)gmm_pass_thread_count(threads) * thread_scratch(d, K);
}

int gmm_pass_thread_count(int threads) {
#ifdef _OPENMP
    /* OpenMP's default (OMP_NUM_THREADS, else all cores) is capped like an explicit count:
     * libomp aborts when it cannot create the threads asked for. */
    int n = threads > 0 ? threads : omp_get_max_threads();
    return n < 1 ? 1 : n > GMM_MAX_THREADS ? GMM_MAX_THREADS : n;
#else
    (void)threads;
    return 1;
#endif
}

int gmm_built_with_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int gmm_parallel_probe(int threads) {
#ifdef _OPENMP
    unsigned long long seen = 0;
#pragma omp parallel num_threads(gmm_pass_thread_count(threads)) reduction(|: seen)
    seen |= 1ull << (omp_get_thread_num() & 63);
    return __builtin_popcountll(seen);
#else
    (void)threads;
    return 1;
#endif
}

/* Statistics of one-hot responsibilities (k-means): each point updates only its own
 * component, O(d) or O(d^2) per point instead of O(K d^2), reading the widened block. Point
 * order, so deterministic. */
static void accumulate_hard(const double *Xt, size_t ldx, size_t rows, size_t d,
                            const int32_t *label, const double *w, const double *shift,
                            gmm_covariance cov, double *nk, double *s1, double *s2, double *a) {
    for (size_t n = 0; n < rows; n++) {
        const size_t k = (size_t)label[n];
        const double *s = shift + k * d;
        const double wn = w ? w[n] : 1.0;
        nk[k] += wn;
        for (size_t i = 0; i < d; i++) {
            a[i] = Xt[i * ldx + n] - s[i];
            s1[k * d + i] += wn * a[i];
        }
        if (cov == GMM_COV_DIAG) {
            for (size_t i = 0; i < d; i++) s2[k * d + i] += wn * a[i] * a[i];
        } else {
            for (size_t i = 0; i < d; i++) {
                double *row = s2 + k * d * d + i * d;
                const double wa = wn * a[i];
                for (size_t j = i; j < d; j++) row[j] += wa * a[j];
            }
        }
    }
}

/* The float64 block of float32 rows in a scaled pass's coordinates: widened and centred by
 * the ISA's loader, then scaled (rare: blocks the float32 kernels cannot take). */
static gmm_status load_scaled(gmm_load_block_fn load, const void *X, size_t ldX, size_t rows, size_t d,
                              const double *center, const double *scale, double *Xt, size_t ldx) {
    gmm_status e = load(X, ldX, rows, d, center, Xt, ldx);
    if (e == GMM_OK && scale)
        for (size_t i = 0; i < d; i++)
            for (size_t r = 0; r < rows; r++) Xt[i * ldx + r] *= scale[i];
    return e;
}

/* SplitMix64 finalizer: a counter-based generator, so each row's draws depend only on
 * (seed, row, component) and not on which thread made them. */
static uint64_t mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void random_responsibilities(uint64_t seed, size_t r0, size_t rows, size_t K, double *g,
                                    size_t ldg, double *lse) {
    for (size_t n = 0; n < rows; n++) {
        double s = 0.0;
        for (size_t k = 0; k < K; k++) {
            uint64_t bits = mix64(seed ^ mix64((uint64_t)(r0 + n) * (uint64_t)K + k));
            double u = (double)(bits >> 11) * 0x1.0p-53;
            g[k * ldg + n] = u;
            s += u;
        }
        for (size_t k = 0; k < K; k++) g[k * ldg + n] /= s;
        lse[n] = 0.0;
    }
    for (size_t k = 0; k < K; k++)
        for (size_t n = rows; n < ldg; n++) g[k * ldg + n] = 0.0;
}

static int32_t argmax_column(const double *g, size_t ldg, size_t K, size_t n) {
    int32_t arg = 0;
    double m = g[n];
    for (size_t k = 1; k < K; k++)
        if (g[k * ldg + n] > m) { m = g[k * ldg + n]; arg = (int32_t)k; }
    return arg;
}

/* Ascending list of (value, row) pairs, L long, ordered by value then row: a total order, so
 * merging the slots' lists gives the same list whatever thread filled which slot. */
static int pair_before(double v, double row, const double *pair) {
    return v < pair[0] || (v == pair[0] && row < pair[1]);
}

static void lowest_insert(double *list, size_t L, double v, double row) {
    if (!pair_before(v, row, list + 2 * (L - 1))) return;
    size_t p = L - 1;
    while (p > 0 && pair_before(v, row, list + 2 * (p - 1))) {
        list[2 * p] = list[2 * (p - 1)];
        list[2 * p + 1] = list[2 * (p - 1) + 1];
        p--;
    }
    list[2 * p] = v;
    list[2 * p + 1] = row;
}

/* sum_r w[r] v[r] (w NULL: all ones) in four fixed chains: one chain of 256 dependent adds
 * costs more than the rest of the block's bookkeeping. Non-finite if any v[r] is. */
static double weighted_sum(const double *v, const double *w, size_t rows) {
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    size_t r = 0;
    for (; r + 4 <= rows; r += 4)
        for (int q = 0; q < 4; q++) acc[q] += w ? w[r + q] * v[r + q] : v[r + q];
    for (; r < rows; r++) acc[0] += w ? w[r] * v[r] : v[r];
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

/* 1 when |s_k U_k|^2 <= limit for every component: the origin lies within sqrt(limit)
 * standard deviations of each shift, measured by that component's precision. */
static int shift_within(gmm_covariance cov, size_t d, size_t K, const double *shift, const double *prec_chol,
                        double limit) {
    for (size_t k = 0; k < K; k++) {
        const double *s = shift + k * d;
        double m = 0.0;
        for (size_t j = 0; j < d; j++) {
            double y = 0.0;
            if (cov == GMM_COV_DIAG) y = s[j] * prec_chol[k * d + j];
            else
                for (size_t i = 0; i <= j; i++) y += s[i] * prec_chol[k * d * d + i * d + j];
            m += y * y;
        }
        if (!(m <= limit)) return 0;
    }
    return 1;
}

gmm_status gmm_pass(const gmm_model_view *model, const gmm_pass_request *req,
                    double *GMM_RESTRICT stats, double *GMM_RESTRICT scratch) {
    const int linear = model && model->covariance == GMM_COV_LINEAR;
    const size_t raw_d = req && req->code_offsets ? req->code_columns : model ? model->d : 0;
    const int finish_only = req && req->slot_mode == GMM_SLOTS_FINISH;
    if (!model || !req || !stats || !scratch || (!req->X && !finish_only) || model->d == 0 || model->K == 0 || raw_d == 0 ||
        req->ldX < raw_d || (unsigned)model->covariance > GMM_COV_LINEAR || req->n == 0 ||
        (req->hard && req->random_resp) || (linear && req->hard) ||
        (req->code_offsets && (size_t)req->code_offsets[raw_d] != model->d) ||
        !(req->truncate >= 0.0 && req->truncate < 1.0))
        return GMM_ERR_ARGUMENT;
    const gmm_kernel_table *kt = req->kernels ? req->kernels : gmm_kernels_active();
    const size_t d = model->d, K = model->K, n = req->n;
    const gmm_covariance cov = model->covariance;
    const gmm_load_block_fn load = req->x_float32 ? kt->load_f32 : kt->load_f64;
    /* float32 data take the float32-arithmetic kernels for EM and evaluation (k-means,
     * k-means++ and random starts widen the block and use the float64 ones). */
    /* The truncated E-step (gmm_trunc.h) takes EM and evaluation passes, in float64. */
    const int trunc = req->truncate > 0.0 && !req->hard && !req->random_resp && !linear;
    const double log_tau = trunc ? log(req->truncate) : 0.0;
    int f32 = req->x_float32 && !req->hard && !req->random_resp && !req->widen && !linear && !req->code_offsets && !trunc;
    const size_t elem = req->x_float32 ? sizeof(float) : sizeof(double);
    const size_t L = req->lowest;
    const size_t slots = gmm_pass_slot_count(n, d, K, cov, req->accumulate, L);
    const size_t ss = gmm_pass_stats_size(d, K, cov, req->accumulate, L);
    /* The slots this call sums: all, or (GMM_SLOTS_PARTIAL) a range whose first row X holds. */
    const int partial = req->slot_mode == GMM_SLOTS_PARTIAL;
    const size_t s_begin = partial ? req->slot_begin : 0, s_end = partial ? req->slot_end : finish_only ? 0 : slots;
    const size_t off = partial ? gmm_pass_slot_first_row(n, slots, s_begin) : 0;
    if ((unsigned)req->slot_mode > GMM_SLOTS_FINISH || (partial && !(s_begin < s_end && s_end <= slots)))
        return GMM_ERR_ARGUMENT;
    const size_t lowest_at = ss - 2 * L;
    const double *weights = req->weights;
    int failed = 0;
    unsigned long long seen = 0; /* bit t: thread t processed a slot */

    /* Work relative to a centre c (the mean of the component means): blocks are loaded as
     * x - c, means and shifts become mu - c and s - c. Distances are unchanged, but the
     * kernels' x U - mu U then stays of the scale of the mixture, not of the data's offset. */
    double *center = scratch, *means = center + round8(d), *shift = means + round8(K * d);
    const double *given_shift = req->shift ? req->shift : model->means;
    for (size_t i = 0; i < d; i++) {  /* (linear families: no centre, A x is not about a point) */
        double c = 0.0;
        for (size_t k = 0; k < K && !linear; k++) c += model->means[k * d + i];
        center[i] = c / (double)K;
    }
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < d; i++) {
            means[k * d + i] = model->means[k * d + i] - center[i];
            shift[k * d + i] = given_shift[k * d + i] - center[i];
        }
    /* Scaled float32 passes (see gmm_pass_request.scale): means and shifts times the scale,
     * precision factors divided by it (row i of U multiplies feature i). */
    const double *scale = f32 ? req->scale : NULL;
    const double *prec = model->prec_chol;
    if (scale) {
        double *scaled = shift + round8(K * d);
        for (size_t k = 0; k < K; k++)
            for (size_t i = 0; i < d; i++) {
                means[k * d + i] *= scale[i];
                shift[k * d + i] *= scale[i];
            }
        if (cov == GMM_COV_FULL) {
            for (size_t k = 0; k < K; k++)
                for (size_t i = 0; i < d; i++)
                    for (size_t j = 0; j < d; j++)
                        scaled[k * d * d + i * d + j] = model->prec_chol[k * d * d + i * d + j] / scale[i];
        } else {
            for (size_t k = 0; k < K; k++)
                for (size_t i = 0; i < d; i++) scaled[k * d + i] = model->prec_chol[k * d + i] / scale[i];
        }
        prec = scaled;
    }
    /* float32 precision: y = x U - mu U loses |x| |U| float32 roundings. A component whose
     * |mu| |U| exceeds GMM_F32_CONDITION / sqrt(d) sends the whole pass to float64; otherwise a
     * block with |x| beyond that bound over the largest |U| entry does (the loader reports it). */
    double f32_limit = GMM_F32_SAFE;
    if (f32) {
        const double bound = GMM_F32_CONDITION / sqrt((double)d);
        const size_t per = cov == GMM_COV_FULL ? d * d : d;
        double umax_all = 0.0;
        for (size_t k = 0; k < K && f32; k++) {
            double umax = 0.0, mumax = 0.0;
            for (size_t e = 0; e < per; e++) umax = fmax(umax, fabs(prec[k * per + e]));
            for (size_t i = 0; i < d; i++) mumax = fmax(mumax, fabs(means[k * d + i]));
            if (!(mumax * umax <= bound)) f32 = 0;
            umax_all = fmax(umax_all, umax);
        }
        if (umax_all > 0.0) f32_limit = fmin(GMM_F32_SAFE, bound / umax_all);
    }
    const size_t B = block_rows(d, f32), ld = block_ld(d, f32), ld32 = gmm_round8(ld);
    double *thread_base = scratch + shared_scratch(d, K, cov);
    /* float64 passes accumulate raw moments about the centre, shared by all components
     * (gmm_moments_fn), and re-centre them on the shifts once at the end, when that
     * subtraction is safe: the centre within GMM_SHARED_ORIGIN_MAX squared standard deviations
     * of every component. Full covariances pay for their shared product rows from about 8
     * components (measured per block: 0.68-0.82 x the per-component kernel's time at K >= 8,
     * 1.04 x at d = 16, K = 4); diagonal ones always gain (0.78-0.99 x). */
    const int shared_origin = req->accumulate && !req->hard && !req->x_float32 && !linear && !trunc &&
                              (cov == GMM_COV_DIAG || K >= 8 || d <= 8) &&
                              shift_within(cov, d, K, shift, model->prec_chol, GMM_SHARED_ORIGIN_MAX);

#ifdef _OPENMP
    const size_t tss = thread_scratch(d, K);
    /* Slots are handed out one at a time from a shared counter: on a shared machine a slowed
     * core then takes fewer of them. Which thread sums a slot never changes the slot's sum,
     * so results stay bitwise independent of the schedule. (A counter rather than
     * schedule(dynamic): clang 21's dynamic schedule needs a newer libomp than Debian's.) */
    long next_slot = (long)s_begin;
#pragma omp parallel num_threads(gmm_pass_thread_count(req->threads)) reduction(|: seen)
    {
        const int tid = omp_get_thread_num();
        double *scr = thread_base + (size_t)tid * tss;
        seen |= 1ull << (tid & 63);
        for (;;) {
            long s;
#pragma omp atomic capture
            s = next_slot++;
            if (s >= (long)s_end) break;
#else
    {
        double *scr = thread_base;
        for (long s = (long)s_begin; s < (long)s_end; s++) {
            seen = 1;
#endif
            double *Xt = scr, *work = Xt + round8(d * ld), *logp = work + round8(2 * d * ld);
            double *pl = logp + round8(K * ld);
            int32_t *lab = (int32_t *)(pl + round8(ld));
            double *twork = pl + round8(ld) + round8(ld / 2 + 1);
            int32_t *active = (int32_t *)(twork + round8(gmm_trunc_work_size(ld, d)));
            int32_t *count = active + 2 * round8((K * ld + 1) / 2);
            size_t lanes = 1;
            double *st = stats + ((size_t)s - s_begin) * ss;
            memset(st, 0, ss * sizeof(double));
            for (size_t p = 0; p < L; p++) {
                st[lowest_at + 2 * p] = INFINITY;
                st[lowest_at + 2 * p + 1] = -1.0;
            }
            /* Global rows [row_begin, row_end); `off` is the global index of X's first row. */
            const size_t row_begin = gmm_pass_slot_first_row(n, slots, (size_t)s);
            const size_t row_end = gmm_pass_slot_first_row(n, slots, (size_t)s + 1);
            for (size_t r0 = row_begin; r0 < row_end; r0 += B) {
                const size_t rows = (row_end - r0 < B) ? row_end - r0 : B, local = r0 - off;
                const double *w = weights ? weights + local : NULL;
                /* The E-step kernel fetches the slot's next block into L2 as it goes. */
                gmm_prefetch next_rows = {NULL, 0};
                if (r0 + B < row_end) {
                    next_rows.addr = (const char *)req->X + (local + B) * req->ldX * elem;
                    next_rows.bytes = (row_end - r0 - B < B ? row_end - r0 - B : B) * req->ldX * elem;
                }
                const void *rowsX = (const char *)req->X + local * req->ldX * elem;
                int block32 = f32;
                gmm_status e = block32 ? kt->load32((const float *)rowsX, req->ldX, rows, d, center, scale, f32_limit, (float *)Xt, ld32)
                               : req->code_offsets ? gmm_load_block_codes(rowsX, req->x_float32, req->ldX, rows, raw_d, req->code_offsets, center, Xt, ld)
                                                   : load_scaled(load, rowsX, req->ldX, rows, d, center, scale, Xt, ld);
                /* Squares of centred values beyond ~1e19 overflow float32 sums: such a block
                 * (values far from the centre, only possible with huge float32 data) runs in
                 * float64. The loader reports it as it goes. */
                if (e == GMM_F32_RANGE) {
                    block32 = 0;
                    e = load_scaled(load, rowsX, req->ldX, rows, d, center, scale, Xt, ld);
                }
                if (e == GMM_OK && block32) {
                    e = kt->logprob32[cov]((const float *)Xt, ld32, rows, d, K, means, prec, model->log_norm,
                                           (float *)work, logp, ld, &next_rows);
                    if (e == GMM_OK) e = kt->lse32(logp, ld, rows, K, pl);
                    /* A point more than ~1e19 standard deviations from every component overflows
                     * float32 squares and gets no finite log-likelihood: such a block is redone
                     * below in float64, which gives it its exact (finite) value. */
                    if (e == GMM_OK && !isfinite(weighted_sum(pl, NULL, rows))) {
                        block32 = 0;
                        e = load_scaled(load, rowsX, req->ldX, rows, d, center, scale, Xt, ld);
                    }
                }
                if (e == GMM_OK && trunc) {
                    e = kt->logprob_trunc[cov](Xt, ld, rows, d, K, means, prec, model->log_norm, log_tau, twork, logp, ld,
                                               active, count, &lanes, req->truncate_hint ? req->truncate_hint + local : NULL);
                    if (e == GMM_OK) e = kt->trunc_resp(logp, ld, rows, K, log_tau, active, count, lanes, pl, lab);
                } else if (e == GMM_OK && !block32) {
                    if (req->random_resp) {
                        random_responsibilities(req->seed, r0, rows, K, logp, ld, pl);
                    } else {
                        e = linear ? kt->linear_logprob(Xt, ld, rows, d, K, model->means, model->log_norm, logp, ld)
                                   : kt->logprob[cov](Xt, ld, rows, d, K, means, prec, model->log_norm, work, logp, ld, &next_rows);
                        if (e == GMM_OK)
                            e = req->hard ? kt->hard(logp, ld, rows, K, pl, lab) : kt->lse(logp, ld, rows, K, pl);
                    }
                }
                if (e != GMM_OK) {
    #ifdef _OPENMP
    #pragma omp atomic write
    #endif
                    failed = (int)e;
                    break;
                }
                if (req->row_terms) /* each row's own term, before any sum: no cancellation between rows */
                    for (size_t r = 0; r < rows; r++) pl[r] += req->row_terms[local + r];
                st[0] += weighted_sum(pl, w, rows);
                for (size_t r = 0; L && r < rows; r++)
                    if (!w || w[r] > 0) lowest_insert(st + lowest_at, L, pl[r], (double)(r0 + r));
                if (req->lse) memcpy(req->lse + local, pl, rows * sizeof(double));
                if (trunc && req->truncate_hint) memcpy(req->truncate_hint + local, lab, rows * sizeof(int32_t));
                if (req->resp && trunc)
                    for (size_t r = 0; r < rows; r++) {
                        double *row = req->resp + (local + r) * K;
                        const int32_t *list = active + (r / lanes) * K;
                        memset(row, 0, K * sizeof(double));
                        for (int32_t c = 0; c < count[r / lanes]; c++) row[list[c]] = logp[(size_t)list[c] * ld + r];
                    }
                else if (req->resp)
                    for (size_t r = 0; r < rows; r++)
                        for (size_t k = 0; k < K; k++) req->resp[(local + r) * K + k] = logp[k * ld + r];
                if (req->labels && (req->hard || trunc)) memcpy(req->labels + local, lab, rows * sizeof(int32_t));
                else if (req->labels)
                    for (size_t r = 0; r < rows; r++) req->labels[local + r] = argmax_column(logp, ld, K, r);
                if (!req->accumulate) continue;
                double *nk = st + 1, *s1 = nk + K, *s2 = s1 + K * d;
                if (req->hard) {
                    accumulate_hard(Xt, ld, rows, d, lab, w, shift, cov, nk, s1, s2, work);
                    continue;
                }
                if (trunc) {
                    kt->trunc_accum(Xt, ld, rows, d, K, cov, logp, ld, active, count, lanes, w, shift, work, nk, s1, s2);
                    continue;
                }
                if (w) /* weighted responsibilities w_n gamma_nk; padding columns stay 0 */
                    for (size_t k = 0; k < K; k++)
                        for (size_t r = 0; r < rows; r++) logp[k * ld + r] *= w[r];
                if (linear)
                    kt->linear_accum(Xt, ld, rows, d, K, logp, ld, nk, s1);
                else if (block32)
                    kt->accum32[cov]((const float *)Xt, ld32, rows, d, K, logp, ld, shift, (float *)work, nk, s1, s2);
                else if (shared_origin)
                    kt->moments[cov](Xt, ld, rows, d, K, logp, ld, work, nk, s1, s2);
                else
                    kt->accum[cov](Xt, ld, rows, d, K, logp, ld, shift, work, nk, s1, s2);
            }
        }
    }
    if (req->threads_used) *req->threads_used = __builtin_popcountll(seen);
    if (failed) return (gmm_status)failed;
    if (partial) return GMM_OK;  /* the caller gathers every slot, then GMM_SLOTS_FINISH */
    /* Fixed-order reduction: the totals do not depend on which thread summed which slot. */
    for (size_t s = 1; s < slots; s++) {
        const double *src = stats + s * ss;
        for (size_t i = 0; i < lowest_at; i++) stats[i] += src[i];
        for (size_t p = 0; p < L; p++) lowest_insert(stats + lowest_at, L, src[lowest_at + 2 * p], src[lowest_at + 2 * p + 1]);
    }
    if (shared_origin) gmm_moments_recentre(cov, d, K, shift, stats + 1, stats + 1 + K, stats + 1 + K + K * d);
    if (scale && req->accumulate) { /* back to the data's units: exact, the scales are powers of two */
        double *s1 = stats + 1 + K, *s2 = s1 + K * d;
        for (size_t k = 0; k < K; k++)
            for (size_t i = 0; i < d; i++) {
                s1[k * d + i] /= scale[i];
                if (cov == GMM_COV_DIAG) s2[k * d + i] /= scale[i] * scale[i];
                else
                    for (size_t j = 0; j < d; j++) s2[k * d * d + i * d + j] /= scale[i] * scale[j];
            }
    }
    return GMM_OK;
}
