/* gmm.h — the C ABI of swift-gmm (libgmm): Gaussian mixture models fitted by EM.
 *
 * Semantics are scikit-learn's GaussianMixture (same defaults, formulas, convergence test,
 * error texts); see the README. The engine fuses the E- and M-step into one pass over the
 * data, runs it on OpenMP threads, and gives bitwise identical models for any thread count.
 *
 * Conventions
 * - Opaque handles: gmm_estimator (settings), gmm_model (fitted parameters). Create with
 *   gmm_*_create, free with gmm_*_destroy. No other memory crosses the boundary: every array
 *   argument is a caller-owned buffer, read or written in place.
 * - Every call that can fail returns a gmm_code. The message of the last failure on a handle
 *   is gmm_estimator_error / gmm_model_error (one line, UTF-8, owned by the handle, valid until
 *   the next call on that handle). Handles share no state: different handles may be used from
 *   different threads at once; one handle must not be used by two threads at once.
 * - Matrices are row-major: row i of an n × d matrix starts at element i·row_stride
 *   (row_stride >= d; d for contiguous rows), in float64 (GMM_FLOAT64) or float32
 *   (GMM_FLOAT32) as dtype says. They are read in place, never copied, and must not change
 *   during the call.
 * - Shapes of covariance-like arrays (covariances, precisions, precisions_cholesky) follow
 *   scikit-learn: full (K, d, d), tied (d, d), diag (K, d), spherical (K), row-major;
 *   gmm_model_covariance_count gives their length.
 */
#ifndef GMM_H
#define GMM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI this header describes; gmm_abi_version() returns the library's. */
#define GMM_ABI_VERSION 1

typedef enum gmm_code {
    GMM_SUCCESS = 0,
    GMM_E_VALUE = 1,       /* a bad argument, setting or data (scikit-learn: ValueError) */
    GMM_E_NUMERIC = 2,     /* a component's covariance is ill-defined (scikit-learn: ValueError) */
    GMM_E_NOT_FITTED = 3,  /* the model has no parameters yet (scikit-learn: NotFittedError) */
    GMM_E_MEMORY = 4,      /* the request needs more memory than is available */
    GMM_E_IO = 5,          /* a file could not be read, parsed or written */
    GMM_STOPPED = 6,       /* stopped by the progress callback or gmm_request_stop; the output model is unchanged */
    GMM_E_INTERNAL = 7     /* a bug: please report it with the message */
} gmm_code;

typedef enum gmm_dtype { GMM_FLOAT64 = 0, GMM_FLOAT32 = 1 } gmm_dtype;

typedef struct gmm_estimator gmm_estimator;
typedef struct gmm_model gmm_model;

/** Called when a start begins, before its initialization (iteration 0, lower_bound -inf,
 *  change NaN), and after every EM iteration: start index (0-based), iteration (1-based), the
 *  mean log-likelihood of that iteration's E-step (scikit-learn's lower_bound_) and its change
 *  from the previous one (+inf after the first). Return 0 to go on, nonzero to stop: the fit
 *  then ends between iterations (or before the initialization) and gmm_fit returns
 *  GMM_STOPPED. */
typedef int (*gmm_progress_fn)(void *user, int64_t init, int64_t iteration, double lower_bound, double change);

/* ---- Versions ---- */

/** GMM_ABI_VERSION of the library loaded (compare with the header's). */
int gmm_abi_version(void);
/** The library's version, e.g. "0.1.0" (static storage). */
const char *gmm_version(void);

/* ---- Estimator: the settings of a fit (scikit-learn's constructor parameters) ---- */

/** A new estimator with scikit-learn's defaults (n_components 1, "full", tol 1e-3, reg_covar
 *  1e-6, max_iter 100, n_init 1, "kmeans", a random seed, OpenMP's thread count, "fail").
 *  NULL only when memory is exhausted. */
gmm_estimator *gmm_estimator_create(void);
void gmm_estimator_destroy(gmm_estimator *estimator);
/** The last failure's message on this estimator ("" when none), per thread: it stays valid
 *  until this thread's next call on the estimator, whatever other threads do with it. */
const char *gmm_estimator_error(const gmm_estimator *estimator);

/* Setters check their value (GMM_E_VALUE with scikit-learn's message when out of range). */
gmm_code gmm_set_n_components(gmm_estimator *estimator, int64_t n_components);   /* >= 1 */
gmm_code gmm_set_covariance_type(gmm_estimator *estimator, const char *type);    /* "full", "tied", "diag", "spherical" */
gmm_code gmm_set_tol(gmm_estimator *estimator, double tol);                       /* >= 0 */
gmm_code gmm_set_reg_covar(gmm_estimator *estimator, double reg_covar);           /* >= 0 */
gmm_code gmm_set_max_iter(gmm_estimator *estimator, int64_t max_iter);            /* >= 0; 0 returns the start */
gmm_code gmm_set_n_init(gmm_estimator *estimator, int64_t n_init);                /* >= 1 */
/** "kmeans", "k-means++", "random" or "random_from_data" (scikit-learn's init_params). */
gmm_code gmm_set_init_params(gmm_estimator *estimator, const char *method);
gmm_code gmm_set_random_state(gmm_estimator *estimator, uint64_t seed);
/** Threads for the passes: 0 for OpenMP's default (OMP_NUM_THREADS, else all cores), at most 256. */
gmm_code gmm_set_threads(gmm_estimator *estimator, int32_t threads);
/** "fail" (scikit-learn's behaviour) or "reseed" (a collapsed component restarts elsewhere). */
gmm_code gmm_set_on_degenerate(gmm_estimator *estimator, const char *policy);
/** Truncated EM for large K (Gaussian mixtures; 0, the default: exact EM). tau in (0, 1): per
 *  point, components whose responsibility is below tau times the point's largest are dropped
 *  (proven negligible by partial Mahalanobis distances) and the rest renormalized; each dropped
 *  responsibility is below tau times the largest and the lower bound lies within
 *  log(1 + (K - 1) tau) per point below the exact mean log-likelihood; deterministic and
 *  independent of the thread count. Not with gmm_fit_remote. GMM_E_VALUE outside [0, 1). */
gmm_code gmm_set_truncation(gmm_estimator *estimator, double truncation);
/** scikit-learn's weights_init (K values), means_init (K × d) and precisions_init (the
 *  covariance type's shape, `count` values); covariances_init is ours, instead of
 *  precisions. NULL clears the piece. Any subset may be given: the missing pieces come from
 *  the init method (its responsibilities, one M-step, then the given pieces replace their
 *  estimates). Shapes are checked at gmm_fit, against n_components and the data. */
gmm_code gmm_set_weights_init(gmm_estimator *estimator, const double *weights, int64_t n_components);
gmm_code gmm_set_means_init(gmm_estimator *estimator, const double *means, int64_t n_components, int64_t n_features);
gmm_code gmm_set_precisions_init(gmm_estimator *estimator, const double *precisions, int64_t count);
gmm_code gmm_set_covariances_init(gmm_estimator *estimator, const double *covariances, int64_t count);
/** The progress callback (NULL: none); `user` is passed back to it. */
gmm_code gmm_set_progress(gmm_estimator *estimator, gmm_progress_fn callback, void *user);

/** Checkpoints, as the command line's --checkpoint: with a path, the fit saves its state there
 *  (JSON, written atomically) every `every` iterations (>= 1) and when it is stopped (by the
 *  progress callback or gmm_request_stop; gmm_fit then returns GMM_STOPPED and its message
 *  names the file). NULL or "" turns them off (`every` is then ignored). A path that is a
 *  directory or a device, or whose directory does not exist, is refused here (GMM_E_IO). */
gmm_code gmm_set_checkpoint(gmm_estimator *estimator, const char *path, int64_t every);
/** Makes the following fits continue the fit saved in this checkpoint (NULL or "": start
 *  afresh). The data, sample weights and settings must be those of the saved fit (GMM_E_VALUE
 *  naming the first difference otherwise); an unset random_state is the checkpoint's. The
 *  result equals, bit for bit, the fit that was never interrupted (same threads). */
gmm_code gmm_set_resume(gmm_estimator *estimator, const char *path);

/** Asks the fit running on this estimator to stop at its next check (between EM iterations,
 *  and between the passes of the k-means initialization): gmm_fit then returns GMM_STOPPED
 *  (saving the checkpoint, when one is set). Safe to call from any thread, e.g. a signal-
 *  watching or UI thread, while gmm_fit runs on another. The request is used up when the fit
 *  running at the time returns; made while no fit runs, it stops the next fit at its first
 *  check. Does not touch the estimator's error message. */
gmm_code gmm_request_stop(gmm_estimator *estimator);

/** Fits the estimator to n_samples rows of n_features values (see the conventions) with
 *  optional non-negative sample_weight (n_samples values, NULL: all ones) and stores the result
 *  in `out` (any model handle; its previous contents are replaced only on success).
 *  warm_start: NULL, or a fitted model to continue (scikit-learn's warm_start: one start from
 *  its parameters, no re-initialization, its lower bound as the first "previous" value); it
 *  may be `out` itself. Errors are the estimator's (gmm_estimator_error). Not converging is
 *  not an error: see gmm_model_converged. */
gmm_code gmm_fit(gmm_estimator *estimator, const void *X, gmm_dtype dtype, int64_t n_samples, int64_t n_features,
                 int64_t row_stride, const double *sample_weight, const gmm_model *warm_start, gmm_model *out);

/* ---- Model: fitted parameters and evaluation ---- */

/** An empty (not fitted) model; fill it with gmm_fit, gmm_model_load or gmm_model_set_parameters. */
gmm_model *gmm_model_create(void);
void gmm_model_destroy(gmm_model *model);
/** The last failure's message on this model ("" when none), per thread (as the estimator's). */
const char *gmm_model_error(const gmm_model *model);
/** 1 when the model has parameters, else 0. */
int gmm_model_is_fitted(const gmm_model *model);

/** K, d and the covariance type ("full", … ; static storage) of a fitted model. */
gmm_code gmm_model_shape(const gmm_model *model, int64_t *n_components, int64_t *n_features, const char **covariance_type);
/** Values in covariances_, precisions_ and precisions_cholesky_: K·d·d, d·d, K·d or K. */
int64_t gmm_model_covariance_count(const gmm_model *model);

/* The fitted attributes, copied into caller buffers of the sizes given. */
gmm_code gmm_model_weights(const gmm_model *model, double *weights);                  /* K */
gmm_code gmm_model_means(const gmm_model *model, double *means);                      /* K × d */
gmm_code gmm_model_covariances(const gmm_model *model, double *covariances);          /* covariance_count */
gmm_code gmm_model_precisions(const gmm_model *model, double *precisions);            /* covariance_count */
gmm_code gmm_model_precisions_cholesky(const gmm_model *model, double *factors);      /* covariance_count */
/** lower_bound_ (-inf before any iteration), n_iter_, converged_ (0 or 1). */
gmm_code gmm_model_fit_result(const gmm_model *model, double *lower_bound, int64_t *n_iter, int *converged);
/** lower_bounds_: up to `capacity` values; *count receives n_iter_ (call with capacity 0 to ask). */
gmm_code gmm_model_lower_bounds(const gmm_model *model, double *lower_bounds, int64_t capacity, int64_t *count);

/** Sets parameters directly (checked as a model file is): weights (K), means (K × d) and
 *  covariances in the type's shape; the fit results become "not fitted here". */
gmm_code gmm_model_set_parameters(gmm_model *model, const char *covariance_type, int64_t n_components, int64_t n_features,
                                  const double *weights, const double *means, const double *covariances);
/** The same from precision Cholesky factors (scikit-learn's precisions_cholesky_, in the
 *  type's shape) instead of covariances: the model then evaluates with exactly these factors,
 *  as scikit-learn's predict and score_samples do. */
gmm_code gmm_model_set_parameters_cholesky(gmm_model *model, const char *covariance_type, int64_t n_components,
                                           int64_t n_features, const double *weights, const double *means,
                                           const double *precisions_cholesky);
/** Threads for evaluations (0: OpenMP's default); kept for parameters set or loaded later. */
gmm_code gmm_model_set_threads(gmm_model *model, int32_t threads);
/** Sets the lower bound a warm start from this model takes as its first "previous" value
 *  (scikit-learn's lower_bound_; -inf: none), e.g. after gmm_model_set_parameters. */
gmm_code gmm_model_set_lower_bound(gmm_model *model, double lower_bound);

/* Evaluation of n_samples rows (see the conventions) into caller buffers; the data must have
 * the model's n_features (scikit-learn's message otherwise). */
gmm_code gmm_predict(gmm_model *model, const void *X, gmm_dtype dtype, int64_t n_samples, int64_t n_features,
                     int64_t row_stride, int64_t *labels);                              /* n */
gmm_code gmm_predict_proba(gmm_model *model, const void *X, gmm_dtype dtype, int64_t n_samples, int64_t n_features,
                           int64_t row_stride, double *responsibilities);               /* n × K */
gmm_code gmm_score_samples(gmm_model *model, const void *X, gmm_dtype dtype, int64_t n_samples, int64_t n_features,
                           int64_t row_stride, double *log_likelihoods);                /* n */
/** Mean log-likelihood, BIC and AIC (any of the outputs may be NULL). */
gmm_code gmm_score(gmm_model *model, const void *X, gmm_dtype dtype, int64_t n_samples, int64_t n_features,
                   int64_t row_stride, double *score, double *bic, double *aic);
/** n_samples seeded draws (n_samples × d) and their components (may be NULL). */
gmm_code gmm_sample(gmm_model *model, int64_t n_samples, uint64_t seed, double *X, int64_t *labels);

/** The model file format of the command line ("swift-gmm/1" JSON). */
gmm_code gmm_model_save(gmm_model *model, const char *path);
gmm_code gmm_model_load(gmm_model *model, const char *path);

/* ---- Families: Bernoulli, categorical and Poisson mixtures ----
 * An estimator fits Gaussian mixtures unless gmm_set_family names another family; the other
 * settings (n_components, tol, max_iter, n_init, init_params, random_state, threads,
 * on_degenerate, checkpoints, progress) mean the same. Data: Bernoulli values in [0, 1],
 * Poisson non-negative integer counts, categorical integer codes 0 … C_i − 1 per feature (a
 * value the family cannot model is GMM_E_VALUE naming its row and column). The model's means
 * (gmm_model_means, K × D) hold the Bernoulli probabilities, the Poisson rates, or the
 * categorical probabilities of feature i's categories in columns offset_i … offset_i + C_i − 1
 * (D = sum C_i, see gmm_model_coded_features). A start is weights_init with means_init in that
 * shape; covariance and statistics functions return GMM_E_VALUE for these models. */

/** "gaussian" (the default), "bernoulli", "categorical" or "poisson". */
gmm_code gmm_set_family(gmm_estimator *estimator, const char *family);
/** The prior's pseudo-count alpha >= 0 (default 1e-6; 0: maximum likelihood): Bernoulli
 *  mu = (S + alpha) / (N_k + 2 alpha), categorical theta = (S + alpha) / sum_c (S_c + alpha),
 *  Poisson lambda = (S + alpha) / (N_k + alpha), with S = sum w gamma x. */
gmm_code gmm_set_pseudo_count(gmm_estimator *estimator, double pseudo_count);
/** Categorical: categories per feature (n_features values >= 1); NULL or 0: each column's
 *  largest code + 1. */
gmm_code gmm_set_categories(gmm_estimator *estimator, const int64_t *categories, int64_t n_features);
/** The model's family ("gaussian", … ; static storage). gmm_model_shape's third output is the
 *  covariance type of a Gaussian model and the family of the others. */
gmm_code gmm_model_family(const gmm_model *model, const char **family);
/** D: columns of gmm_model_means (n_features, or sum C_i for categorical models); 0 if not fitted. */
int64_t gmm_model_coded_features(const gmm_model *model);
/** Categorical models: C_i of each of the n_features features. */
gmm_code gmm_model_categories(const gmm_model *model, int64_t *categories);
/** Sets a discrete model's parameters (checked as a model file is): weights (K) and means
 *  (K × D; categories: n_features values, categorical only, else NULL). */
gmm_code gmm_model_set_discrete(gmm_model *model, const char *family, int64_t n_components, int64_t n_features,
                                const int64_t *categories, const double *weights, const double *means);

/* ---- Building blocks of a distributed fit ----
 * One E-step pass over a partition of the rows under a model's parameters returns the packed
 * sufficient statistics about its means: [N_k (K)][S1 (K × d)][S2 (K × d × d for full and
 * tied, K × d for diag and spherical)], with N_k = sum w γ, S1 = sum w γ (x − μ_k), S2 = sum w γ
 * (x − μ_k)(x − μ_k)ᵀ (upper triangle; squares for diag). Summed over every partition in a
 * fixed order, they give the M-step the in-memory fit makes. */

/** Values of a packed statistics array for this model. */
int64_t gmm_model_statistics_count(const gmm_model *model);
/** One pass over a partition: statistics (statistics_count values, overwritten), the sum of
 *  w log p and the sum of w (either may be NULL). sample_weight may be NULL. */
gmm_code gmm_partial_statistics(gmm_model *model, const void *X, gmm_dtype dtype, int64_t n_samples, int64_t n_features,
                                int64_t row_stride, const double *sample_weight, double *statistics,
                                double *log_likelihood_sum, double *weight_sum);
/** The M-step from statistics summed over every partition (computed under `model`'s current
 *  parameters): replaces the model's parameters. GMM_E_NUMERIC when a covariance is
 *  ill-defined (the model is then unchanged). */
gmm_code gmm_maximize(gmm_model *model, const double *statistics, double reg_covar);

/* ---- Rows held elsewhere (a Dask array's chunks on workers): one fit, its passes where the rows are ----
 *
 * gmm_fit_remote runs the ordinary fit here (initialization, restarts, EM, convergence, the
 * estimator's settings, checkpoints and progress) for n_samples x n_features rows that are not
 * in this process. Each pass over them is described by a flat array of doubles (the model and
 * what the pass computes; opaque to the caller) and handed to `slot_sums`, which must return
 * the partial sums of reduction slots [slot_begin, slot_end) of that pass (today always all of
 * them, [0, gmm_share_slots(n_samples))): the rows are cut into gmm_share_slots(n_samples) slots (at most 64; slot s starts at row
 * gmm_slot_first_row(n_samples, s)), each holder of a run of whole slots computes them with
 * gmm_remote_slot_sums, and the callback writes them, slot after slot, into `out`
 * ((slot_end - slot_begin) x gmm_remote_slot_size(description) doubles). The slots are then
 * reduced here in slot order, as a pass over all rows in one process reduces them: the model
 * equals, bit for bit, gmm_fit's on the same rows with the same settings, whatever the thread
 * counts here and where the rows are, and however the slots are split among the holders.
 *   read_rows: rows[0 .. count) (0-based row numbers, any order, repeats allowed) widened to
 *     double, one after another, into out (count x n_features): the initialization's seeding
 *     sample (every row when n_samples <= 262,144, else 262,144 random rows: up to 2^18 x
 *     n_features doubles in memory here), 4,096 evenly spaced rows for float32 data's scales
 *     and for checkpoints' fingerprint, and single rows that become means.
 *   column_ranges: the minimum and maximum of each column over all rows into lo and hi and
 *     return 0; on a NaN or infinity return 1 (checked first, over all rows), else on a value
 *     beyond +-1e140 return 2, setting *bad_row, *bad_column and *bad_value to the first in
 *     row order (the fit then fails with scikit-learn's message for it); on a failure of its
 *     own return -1.
 *   slot_sums and read_rows return 0 on success; any other value (a lost worker), like -1 from
 *   column_ranges, makes the fit stop and gmm_fit_remote return GMM_E_VALUE ("a remote pass
 *   failed"); the caller reports its own error.
 * sample_weight: NULL, or n_samples weights as for gmm_fit; the holders pass their rows'
 * weights to gmm_remote_slot_sums as gmm_normalized_weights gives them (of all n_samples).
 * Gaussian mixtures only (gmm_set_family "gaussian"). Callbacks are called on the fitting thread. */
typedef int (*gmm_slot_sums_fn)(void *user, const double *description, int64_t length, int64_t slot_begin, int64_t slot_end,
                                double *out);
typedef int (*gmm_read_rows_fn)(void *user, const int64_t *rows, int64_t count, double *out);
typedef int (*gmm_column_ranges_fn)(void *user, double *lo, double *hi, int64_t *bad_row, int64_t *bad_column, double *bad_value);
gmm_code gmm_fit_remote(gmm_estimator *estimator, int64_t n_samples, int64_t n_features, gmm_dtype dtype,
                        gmm_slot_sums_fn slot_sums, gmm_read_rows_fn read_rows, gmm_column_ranges_fn column_ranges, void *user,
                        const double *sample_weight, const gmm_model *warm_start, gmm_model *out);
/** Slots of the layout every pass over n_samples rows is reduced in (-1 if n_samples < 0). */
int64_t gmm_share_slots(int64_t n_samples);
/** First row of slot `slot` of that layout (n_samples for slot = gmm_share_slots). */
int64_t gmm_slot_first_row(int64_t n_samples, int64_t slot);
/** Doubles per slot of a pass description; -1 if it is not one. */
int64_t gmm_remote_slot_size(const double *description, int64_t length);
/** Where the rows are: the partial sums of slots [slot_begin, slot_end) of the pass
 *  `description` over X, which holds exactly those slots' rows (n_rows rows from row first_row
 *  of the whole data, row_stride elements apart, float64 or float32 as the fit's data) with
 *  their normalized sample weights (NULL for an unweighted fit), into out ((slot_end -
 *  slot_begin) x gmm_remote_slot_size doubles). threads: 0 for OpenMP's default. Pure: no
 *  handle, no state. GMM_E_VALUE when the rows are not those slots' or the description is not
 *  one. Source: the engine's pass (gmm_pass with GMM_SLOTS_PARTIAL). */
gmm_code gmm_remote_slot_sums(const double *description, int64_t length, const void *X, gmm_dtype dtype, int64_t n_rows,
                              int64_t n_features, int64_t row_stride, const double *sample_weight, int64_t first_row,
                              int64_t slot_begin, int64_t slot_end, int32_t threads, double *out);
/** Sample weights as a fit uses them: scaled by the power of two that brings the largest into
 *  [1, 2) (exact); out may be w. */
gmm_code gmm_normalized_weights(const double *w, int64_t n, double *out);

#ifdef __cplusplus
}
#endif
#endif
