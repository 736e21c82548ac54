/* A driver of gmm_fit_remote, the fit over rows held elsewhere (what swiftgmm's Dask path does
 * with Dask workers), with the "holders" simulated in this process: the rows are cut into runs
 * of whole slots (gmm_share_slots, gmm_slot_first_row), each holder sees only its own rows and
 * computes its slots with gmm_remote_slot_sums. The model must equal gmm_fit's bit for bit, for
 * 1, 4 and 7 holders, full and diag covariances, with and without sample weights; a failing
 * holder must make gmm_fit_remote fail. Built and run by `make c-example`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gmm.h>

enum { N = 20000, D = 3, K = 3 };
static double X[N * D], W[N], normalized[N];

typedef struct { int holders; const double *weights; int fail_after; int calls; } driver;

static int slot_sums(void *user, const double *description, int64_t length, int64_t begin, int64_t end, double *out) {
    driver *h = user;
    if (++h->calls > h->fail_after) return 1;  /* a lost holder */
    int64_t size = gmm_remote_slot_size(description, length), slots = gmm_share_slots(N);
    for (int p = 0; p < h->holders; p++) {  /* holder p: slots [p*S/P, (p+1)*S/P) */
        int64_t a = p * slots / h->holders, b = (p + 1) * slots / h->holders;
        if (a == b || b <= begin || a >= end) continue;
        int64_t first = gmm_slot_first_row(N, a), rows = gmm_slot_first_row(N, b) - first;
        double *own = malloc((size_t)(rows * D) * sizeof *own);  /* the holder's copy of its rows */
        memcpy(own, X + first * D, (size_t)(rows * D) * sizeof *own);
        gmm_code code = gmm_remote_slot_sums(description, length, own, GMM_FLOAT64, rows, D, D, h->weights ? normalized + first : NULL,
                                             first, a, b, 1, out + (a - begin) * size);
        free(own);
        if (code != GMM_SUCCESS) return 1;
    }
    return 0;
}

static int read_rows(void *user, const int64_t *rows, int64_t count, double *out) {
    (void)user;
    for (int64_t i = 0; i < count; i++) memcpy(out + i * D, X + rows[i] * D, D * sizeof *out);
    return 0;
}

static int column_ranges(void *user, double *lo, double *hi, int64_t *bad_row, int64_t *bad_column, double *bad_value) {
    (void)user;
    for (int j = 0; j < D; j++) { lo[j] = INFINITY; hi[j] = -INFINITY; }
    for (int64_t i = 0; i < N; i++)
        for (int j = 0; j < D; j++) {
            double v = X[i * D + j];
            if (!isfinite(v)) { *bad_row = i; *bad_column = j; *bad_value = v; return 1; }
            if (v < lo[j]) lo[j] = v;
            if (v > hi[j]) hi[j] = v;
        }
    return 0;
}

static int same(gmm_model *a, gmm_model *b) {
    double wa[K], wb[K], ma[K * D], mb[K * D], la, lb;
    int64_t ia, ib; int ca, cb;
    gmm_model_weights(a, wa); gmm_model_weights(b, wb);
    gmm_model_means(a, ma); gmm_model_means(b, mb);
    gmm_model_fit_result(a, &la, &ia, &ca); gmm_model_fit_result(b, &lb, &ib, &cb);
    return !memcmp(wa, wb, sizeof wa) && !memcmp(ma, mb, sizeof ma) && la == lb && ia == ib;
}

int main(void) {
    unsigned s = 7;
    for (int i = 0; i < N; i++) {
        int c = i % K;
        for (int j = 0; j < D; j++) { s = s * 1103515245u + 12345u; X[i * D + j] = 6.0 * c + (double)(s >> 8) / (1u << 24); }
        W[i] = 0.5 + (i % 4);
    }
    gmm_normalized_weights(W, N, normalized);
    const char *types[] = {"full", "diag"};
    for (int t = 0; t < 2; t++)
        for (int weighted = 0; weighted < 2; weighted++)
            for (int holders = 1; holders <= 7; holders += 3) {
                gmm_estimator *est = gmm_estimator_create();
                gmm_set_n_components(est, K); gmm_set_covariance_type(est, types[t]); gmm_set_random_state(est, 3);
                gmm_set_n_init(est, 2);
                gmm_model *local = gmm_model_create(), *remote = gmm_model_create();
                const double *w = weighted ? W : NULL;
                driver h = {holders, w, 1 << 30, 0};
                if (gmm_fit(est, X, GMM_FLOAT64, N, D, D, w, NULL, local) != GMM_SUCCESS ||
                    gmm_fit_remote(est, N, D, GMM_FLOAT64, slot_sums, read_rows, column_ranges, &h, w, NULL, remote) != GMM_SUCCESS) {
                    fprintf(stderr, "remote: a fit failed: %s\n", gmm_estimator_error(est));
                    return 1;
                }
                if (!same(local, remote)) { fprintf(stderr, "remote: %s, %d holders: not gmm_fit's model\n", types[t], holders); return 1; }
                printf("remote: %s%s, %d holder(s), %d passes: gmm_fit's model, bit for bit\n", types[t], weighted ? ", weighted" : "", holders, h.calls);
                driver lost = {3, w, 5, 0};
                gmm_code code = gmm_fit_remote(est, N, D, GMM_FLOAT64, slot_sums, read_rows, column_ranges, &lost, w, NULL, remote);
                if (code != GMM_E_VALUE || !strstr(gmm_estimator_error(est), "a remote pass failed")) {
                    fprintf(stderr, "remote: a lost holder gave %d: %s\n", (int)code, gmm_estimator_error(est));
                    return 1;
                }
                gmm_model_destroy(local); gmm_model_destroy(remote); gmm_estimator_destroy(est);
            }
    printf("remote: a lost holder fails the fit\n");
    return 0;
}
