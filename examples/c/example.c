/* A C program using libgmm through its installed header (gmm.h) and pkg-config file:
 *
 *   make install PREFIX=/tmp/gmm
 *   cc example.c $(PKG_CONFIG_PATH=/tmp/gmm/lib/pkgconfig pkg-config --cflags --libs gmm) -o example
 *   ./example
 *
 * It fits three well-separated clusters (float64 and float32, contiguous and strided rows),
 * stops a fit from its progress callback, resumes one from its checkpoint, evaluates, samples, saves and reloads the model,
 * runs the distributed building blocks, and checks an error message. It prints what it does
 * and exits 1 on the first surprise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gmm.h>

#define CHECK(call)                                                                                  \
    do {                                                                                             \
        gmm_code code_ = (call);                                                                     \
        if (code_ != GMM_SUCCESS) {                                                                  \
            fprintf(stderr, "%s failed (%d): %s / %s\n", #call, (int)code_, gmm_estimator_error(est), \
                    gmm_model_error(model));                                                         \
            return 1;                                                                                \
        }                                                                                            \
    } while (0)

#define EXPECT(cond)                                                   \
    do {                                                               \
        if (!(cond)) {                                                 \
            fprintf(stderr, "expectation failed: %s (line %d)\n", #cond, __LINE__); \
            return 1;                                                  \
        }                                                              \
    } while (0)

static int iterations_seen = 0, starts_seen = 0;

/* Iteration 0 announces a start (before its initialization); then one call per iteration. */
static int count_iterations(void *user, int64_t init, int64_t iteration, double lower_bound, double change) {
    (void)user; (void)init; (void)lower_bound; (void)change;
    if (iteration == 0) starts_seen++;
    else iterations_seen++;
    return 0;
}

static int stop_at_two(void *user, int64_t init, int64_t iteration, double lower_bound, double change) {
    (void)user; (void)init; (void)lower_bound; (void)change;
    return iteration >= 2;
}

/* Asks for a stop through gmm_request_stop (as another thread could) after iteration 3. */
static int request_stop_at_three(void *user, int64_t init, int64_t iteration, double lower_bound, double change) {
    (void)init; (void)lower_bound; (void)change;
    if (iteration == 3) gmm_request_stop((gmm_estimator *)user);
    return 0;
}

/* A deterministic pseudo-random normal value (Box-Muller over a tiny LCG). */
static double normal(unsigned long long *state) {
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = ((*state >> 11) + 0.5) / 9007199254740992.0;
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    double v = ((*state >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

int main(void) {
    gmm_estimator *est = gmm_estimator_create();
    gmm_model *model = gmm_model_create();
    EXPECT(est != NULL && model != NULL);
    EXPECT(gmm_abi_version() == GMM_ABI_VERSION);
    printf("libgmm %s (ABI %d)\n", gmm_version(), gmm_abi_version());

    enum { N = 3000, D = 2, K = 3, STRIDE = 3 };
    static double X[N * D], Xs[N * STRIDE];
    static float X32[N * D];
    const double centers[K][D] = {{0, 0}, {8, 1}, {2, 9}};
    unsigned long long state = 42;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D; j++) {
            X[i * D + j] = centers[i % K][j] + normal(&state);
            Xs[i * STRIDE + j] = X[i * D + j];
            X32[i * D + j] = (float)X[i * D + j];
        }

    CHECK(gmm_set_n_components(est, K));
    CHECK(gmm_set_covariance_type(est, "full"));
    CHECK(gmm_set_random_state(est, 7));
    CHECK(gmm_set_progress(est, count_iterations, NULL));
    CHECK(gmm_fit(est, X, GMM_FLOAT64, N, D, D, NULL, NULL, model));
    double lower_bound; int64_t n_iter; int converged;
    CHECK(gmm_model_fit_result(model, &lower_bound, &n_iter, &converged));
    printf("fit: %lld iterations, converged %d, lower bound %.6f\n", (long long)n_iter, converged, lower_bound);
    EXPECT(converged == 1 && iterations_seen == n_iter && starts_seen == 1);

    double weights[K], means[K * D];
    CHECK(gmm_model_weights(model, weights));
    CHECK(gmm_model_means(model, means));
    for (int k = 0; k < K; k++) printf("  component %d: weight %.4f, mean (%.3f, %.3f)\n", k, weights[k], means[k * D], means[k * D + 1]);
    EXPECT(fabs(weights[0] + weights[1] + weights[2] - 1) < 1e-12);
    int64_t count = gmm_model_covariance_count(model);
    EXPECT(count == K * D * D);
    double covariances[K * D * D], precisions[K * D * D];
    CHECK(gmm_model_covariances(model, covariances));
    CHECK(gmm_model_precisions(model, precisions));
    /* precisions are the inverses: Σ P = I for component 0. */
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++) {
            double s = 0;
            for (int p = 0; p < D; p++) s += covariances[i * D + p] * precisions[p * D + j];
            EXPECT(fabs(s - (i == j)) < 1e-10);
        }

    /* Strided rows and float32 rows, read in place. */
    gmm_model *strided = gmm_model_create();
    CHECK(gmm_set_progress(est, NULL, NULL));
    CHECK(gmm_fit(est, Xs, GMM_FLOAT64, N, D, STRIDE, NULL, NULL, strided));
    double means2[K * D];
    CHECK(gmm_model_means(strided, means2));
    EXPECT(memcmp(means, means2, sizeof means) == 0);  /* the same values give the same model, bit for bit */
    gmm_model *model32 = gmm_model_create();
    CHECK(gmm_fit(est, X32, GMM_FLOAT32, N, D, D, NULL, NULL, model32));
    CHECK(gmm_model_means(model32, means2));
    for (int i = 0; i < K * D; i++) EXPECT(fabs(means[i] - means2[i]) < 1e-4);

    /* Evaluation into caller buffers. */
    static int64_t labels[N];
    static double proba[N * K], logp[N];
    CHECK(gmm_predict(model, X, GMM_FLOAT64, N, D, D, labels));
    CHECK(gmm_predict_proba(model, X, GMM_FLOAT64, N, D, D, proba));
    CHECK(gmm_score_samples(model, X, GMM_FLOAT64, N, D, D, logp));
    double score, bic, aic, mean_logp = 0;
    CHECK(gmm_score(model, X, GMM_FLOAT64, N, D, D, &score, &bic, &aic));
    for (int i = 0; i < N; i++) mean_logp += logp[i] / N;
    printf("score %.6f, BIC %.3f, AIC %.3f\n", score, bic, aic);
    EXPECT(fabs(mean_logp - score) < 1e-10 && fabs(proba[0] + proba[1] + proba[2] - 1) < 1e-12);

    /* A progress callback that asks to stop: GMM_STOPPED, the output model unchanged. */
    gmm_model *stopped = gmm_model_create();
    CHECK(gmm_set_tol(est, 0));
    CHECK(gmm_set_progress(est, stop_at_two, NULL));
    EXPECT(gmm_fit(est, X, GMM_FLOAT64, N, D, D, NULL, NULL, stopped) == GMM_STOPPED);
    EXPECT(gmm_model_is_fitted(stopped) == 0);
    printf("stopped: %s\n", gmm_estimator_error(est));

    /* Checkpoints: a fit stopped after iteration 2 saves its state; resuming it ends with the
     * model of the fit that was never stopped, bit for bit. */
    const char *checkpoint = "example-checkpoint.json";
    gmm_model *whole = gmm_model_create(), *resumed = gmm_model_create();
    CHECK(gmm_set_max_iter(est, 6));
    CHECK(gmm_set_progress(est, NULL, NULL));
    CHECK(gmm_fit(est, X, GMM_FLOAT64, N, D, D, NULL, NULL, whole));
    CHECK(gmm_set_checkpoint(est, checkpoint, 1));
    CHECK(gmm_set_progress(est, stop_at_two, NULL));
    EXPECT(gmm_fit(est, X, GMM_FLOAT64, N, D, D, NULL, NULL, resumed) == GMM_STOPPED);
    printf("stopped: %s\n", gmm_estimator_error(est));
    CHECK(gmm_set_progress(est, NULL, NULL));
    CHECK(gmm_set_checkpoint(est, NULL, 1));
    CHECK(gmm_set_resume(est, checkpoint));
    CHECK(gmm_fit(est, X, GMM_FLOAT64, N, D, D, NULL, NULL, resumed));
    double lb_whole, lb_resumed, means_whole[K * D], means_resumed[K * D];
    CHECK(gmm_model_fit_result(whole, &lb_whole, &n_iter, &converged));
    CHECK(gmm_model_fit_result(resumed, &lb_resumed, &n_iter, &converged));
    CHECK(gmm_model_means(whole, means_whole));
    CHECK(gmm_model_means(resumed, means_resumed));
    EXPECT(n_iter == 6 && lb_whole == lb_resumed && memcmp(means_whole, means_resumed, sizeof means_whole) == 0);
    printf("resumed from %s: %lld iterations, lower bound %.17g, the same as without the stop\n", checkpoint,
           (long long)n_iter, lb_resumed);
    EXPECT(gmm_fit(est, X32, GMM_FLOAT32, N, D, D, NULL, NULL, resumed) == GMM_E_VALUE);  /* other data */
    printf("error: %s\n", gmm_estimator_error(est));
    CHECK(gmm_set_resume(est, NULL));
    remove(checkpoint);

    /* gmm_request_stop: during a fit (here from the callback) it stops after that iteration;
     * before a fit, it stops the next one at once; either way it is used up. */
    CHECK(gmm_set_progress(est, request_stop_at_three, est));
    EXPECT(gmm_fit(est, X, GMM_FLOAT64, N, D, D, NULL, NULL, whole) == GMM_STOPPED);
    CHECK(gmm_set_progress(est, NULL, NULL));
    CHECK(gmm_request_stop(est));
    EXPECT(gmm_fit(est, X, GMM_FLOAT64, N, D, D, NULL, NULL, whole) == GMM_STOPPED);
    CHECK(gmm_fit(est, X, GMM_FLOAT64, N, D, D, NULL, NULL, whole));
    CHECK(gmm_model_fit_result(whole, &lb_whole, &n_iter, &converged));
    EXPECT(n_iter == 6);
    gmm_model_destroy(whole);
    gmm_model_destroy(resumed);

    /* Sampling, save and load. */
    static double S[100 * D];
    static int64_t S_labels[100];
    CHECK(gmm_sample(model, 100, 3, S, S_labels));
    const char *path = "example-model.json";
    CHECK(gmm_model_save(model, path));
    gmm_model *loaded = gmm_model_create();
    CHECK(gmm_model_load(loaded, path));
    CHECK(gmm_model_means(loaded, means2));
    EXPECT(memcmp(means, means2, sizeof means) == 0);
    remove(path);

    /* The distributed building blocks: statistics of two halves, summed, then the M-step. */
    int64_t sc = gmm_model_statistics_count(model);
    double *a = calloc((size_t)sc, sizeof(double)), *b = calloc((size_t)sc, sizeof(double));
    double ll_a, ll_b, w_a, w_b;
    CHECK(gmm_partial_statistics(model, X, GMM_FLOAT64, N / 2, D, D, NULL, a, &ll_a, &w_a));
    CHECK(gmm_partial_statistics(model, X + (N / 2) * D, GMM_FLOAT64, N - N / 2, D, D, NULL, b, &ll_b, &w_b));
    for (int64_t i = 0; i < sc; i++) a[i] += b[i];
    printf("statistics: %lld values, mean log-likelihood %.6f over %.0f rows\n", (long long)sc, (ll_a + ll_b) / (w_a + w_b), w_a + w_b);
    EXPECT(fabs((ll_a + ll_b) / (w_a + w_b) - score) < 1e-10);
    CHECK(gmm_maximize(loaded, a, 1e-6));
    free(a);
    free(b);

    /* A bad value: scikit-learn's message, GMM_E_VALUE. */
    EXPECT(gmm_set_tol(est, -1) == GMM_E_VALUE);
    printf("error: %s\n", gmm_estimator_error(est));
    EXPECT(strstr(gmm_estimator_error(est), "The 'tol' parameter of GaussianMixture must be a float") != NULL);
    static double wrong[N * 3];
    EXPECT(gmm_predict(model, wrong, GMM_FLOAT64, 10, 3, 3, labels) == GMM_E_VALUE);
    printf("error: %s\n", gmm_model_error(model));

    /* Shapes no buffer can have, statistics with no weight, checkpoints off: clear codes. */
    {
        gmm_model *m = gmm_model_create();
        EXPECT(gmm_model_set_parameters(m, "full", 1 << 20, 1 << 22, NULL, NULL, NULL) == GMM_E_VALUE);
        EXPECT(gmm_predict(model, X, GMM_FLOAT64, (int64_t)1 << 62, D, (int64_t)1 << 62, labels) == GMM_E_VALUE);
        printf("error: %s\n", gmm_model_error(model));
        double zero_w[N] = {0}, stats[1024], ll, ws;
        EXPECT(gmm_model_statistics_count(model) <= 1024);
        CHECK(gmm_partial_statistics(model, X, GMM_FLOAT64, N, D, D, zero_w, stats, &ll, &ws));
        EXPECT(gmm_maximize(model, stats, 1e-6) == GMM_E_VALUE);
        printf("error: %s\n", gmm_model_error(model));
        CHECK(gmm_set_checkpoint(est, NULL, 0));  /* off */
        EXPECT(gmm_set_checkpoint(est, ".", 5) == GMM_E_IO);
        gmm_model_destroy(m);
    }

    /* A Poisson mixture of counts: the same estimator calls after gmm_set_family. */
    {
        enum { NC = 2000, DC = 2 };
        static double counts[NC * DC];
        unsigned long long state = 11;
        for (int i = 0; i < NC; i++) {
            double rate = i % 3 ? 2.0 : 9.0;
            for (int j = 0; j < DC; j++) { /* Poisson draws by inversion */
                state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                double u = ((state >> 11) + 0.5) / 9007199254740992.0, p = exp(-rate), c = p;
                int k = 0;
                while (u > c && k < 100) { k++; p *= rate / k; c += p; }
                counts[i * DC + j] = k;
            }
        }
        gmm_estimator *pe = gmm_estimator_create();
        gmm_model *pm = gmm_model_create(), *back = gmm_model_create();
        CHECK(gmm_set_family(pe, "poisson"));
        CHECK(gmm_set_n_components(pe, 2));
        CHECK(gmm_set_random_state(pe, 3));
        CHECK(gmm_fit(pe, counts, GMM_FLOAT64, NC, DC, DC, NULL, NULL, pm));
        const char *family = NULL;
        CHECK(gmm_model_family(pm, &family));
        double rates[2 * DC], pw[2];
        CHECK(gmm_model_means(pm, rates));
        CHECK(gmm_model_weights(pm, pw));
        printf("poisson: weights %.3f %.3f, rates %.3f %.3f\n", pw[0], pw[1], rates[0], rates[DC]);
        EXPECT(strcmp(family, "poisson") == 0 && gmm_model_coded_features(pm) == DC);
        EXPECT(fabs(fmin(rates[0], rates[DC]) - 2.0) < 0.3 && fabs(fmax(rates[0], rates[DC]) - 9.0) < 0.5);
        CHECK(gmm_model_save(pm, "example-poisson.json"));
        CHECK(gmm_model_load(back, "example-poisson.json"));
        double s1, s2;
        CHECK(gmm_score(pm, counts, GMM_FLOAT64, NC, DC, DC, &s1, NULL, NULL));
        CHECK(gmm_score(back, counts, GMM_FLOAT64, NC, DC, DC, &s2, NULL, NULL));
        EXPECT(s1 == s2);
        static double cov[8];
        EXPECT(gmm_model_covariances(pm, cov) == GMM_E_VALUE);
        counts[5] = 2.5; /* not a count: the row and column are named */
        EXPECT(gmm_fit(pe, counts, GMM_FLOAT64, NC, DC, DC, NULL, NULL, pm) == GMM_E_VALUE);
        printf("error: %s\n", gmm_estimator_error(pe));
        EXPECT(strstr(gmm_estimator_error(pe), "row 2, column 1") != NULL);
        gmm_model_destroy(back);
        gmm_model_destroy(pm);
        gmm_estimator_destroy(pe);
    }

    gmm_model_destroy(loaded);
    gmm_model_destroy(stopped);
    gmm_model_destroy(model32);
    gmm_model_destroy(strided);
    gmm_model_destroy(model);
    gmm_estimator_destroy(est);
    printf("ok\n");
    return 0;
}
