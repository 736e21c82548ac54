/* The truncated E-step (gmm_trunc.h) for one vector width: included by trunc_avx2.c (4 lanes)
 * and trunc_avx512.c (8), which define the vector type and operations below. The same
 * operations in the same order as the reference (ref/trunc_ref.c) for every value.
 *
 * Groups of TW points per vector (the last of a block possibly half full): each lane runs the
 * reference's arithmetic for its point; only which components are evaluated for which groups
 * differs (a group evaluates a component while any of its points needs it), never a value,
 * so the kept sets and values are the reference's.
 *
 *   TV              vector of TW doubles;  TM  lane mask of a group (AVX2: unused)
 *   T_LOAD(p, m)    load TW doubles (lanes outside m read as 0);  T_STORE(p, m, v)
 *   T_LOADU(p), T_STOREU(p, v)  unmasked
 *   T_SET1(x), T_FMA(a, b, c) = a b + c, T_SUB, T_MUL, T_ADD, T_MAX
 *   T_ANY_GE(a, b)  nonzero when a >= b in some lane
 *   T_GT_BLEND(u, bu, v, bv)  per lane: u > bu ? v : bv
 *   T_GE_ZERO(a, b, v)  per lane: a >= b ? v : 0;  T_DIV;  T_EXP(x)  the exponential of
 *                   vmath_avx2.h, lane by lane
 *   T_FN            the function attribute (target ISA);  T_NAME(x)  x with the ISA suffix */

/* Continues q over columns [j0, j1) (j1 - j0 <= GMM_TRUNC_CHUNK) of a group. A holds the
 * group's a_i = x_i - mu_i as vectors (A + i * TW); y_j is the fma chain over i = 0 .. j. */
T_FN static inline TV T_NAME(chunk_full)(const double *GMM_RESTRICT A, const double *GMM_RESTRICT U, size_t d,
                                         size_t j0, size_t j1, TV q) {
    TV y[GMM_TRUNC_CHUNK];
    const size_t nc = j1 - j0;
    for (size_t t = 0; t < GMM_TRUNC_CHUNK; t++) y[t] = T_SET1(0.0);
    if (nc == GMM_TRUNC_CHUNK) {
        for (size_t i = 0; i < j0; i++) {
            const TV a = T_LOAD(A + i * TW, T_ALL);
            const double *u = U + i * d + j0;
            for (size_t t = 0; t < GMM_TRUNC_CHUNK; t++) y[t] = T_FMA(a, T_SET1(u[t]), y[t]);
        }
        for (size_t ii = 0; ii < GMM_TRUNC_CHUNK; ii++) {  /* the diagonal block: i <= j only */
            const TV a = T_LOAD(A + (j0 + ii) * TW, T_ALL);
            const double *u = U + (j0 + ii) * d + j0;
            for (size_t t = ii; t < GMM_TRUNC_CHUNK; t++) y[t] = T_FMA(a, T_SET1(u[t]), y[t]);
        }
    } else {
        for (size_t i = 0; i < j1; i++) {
            const TV a = T_LOAD(A + i * TW, T_ALL);
            const double *u = U + i * d + j0;
            for (size_t t = (i > j0 ? i - j0 : 0); t < nc; t++) y[t] = T_FMA(a, T_SET1(u[t]), y[t]);
        }
    }
    for (size_t t = 0; t < nc; t++) q = T_FMA(y[t], y[t], q);
    return q;
}

/* a_i = x_i - mu_i for i < i1, as vectors. */
T_FN static inline void T_NAME(centre)(const double *GMM_RESTRICT Xg, size_t ldx, TM m, const double *GMM_RESTRICT mu,
                                       size_t i1, double *GMM_RESTRICT A) {
    for (size_t i = 0; i < i1; i++) T_STORE(A + i * TW, T_ALL, T_SUB(T_LOAD(Xg + i * ldx, m), T_SET1(mu[i])));
}

T_FN static inline TV T_NAME(chunk_diag)(const double *GMM_RESTRICT Xg, size_t ldx, TM m, const double *GMM_RESTRICT mu,
                                         const double *GMM_RESTRICT p, size_t j0, size_t j1, TV q) {
    for (size_t j = j0; j < j1; j++) {
        const TV y = T_MUL(T_SUB(T_LOAD(Xg + j * ldx, m), T_SET1(mu[j])), T_SET1(p[j]));
        q = T_FMA(y, y, q);
    }
    return q;
}

/* Finishes component k for group g from its first-chunk sum (in logp): 1 and the exact values
 * stored, or 0 when every lane's bound fell below thr (thr NULL: never drop). */
T_FN static inline int T_NAME(finish)(int full, const double *GMM_RESTRICT Xg, size_t ldx, TM m, size_t d,
                                      const double *GMM_RESTRICT mu, const double *GMM_RESTRICT P, double ln,
                                      double *GMM_RESTRICT A, double *GMM_RESTRICT lp, const double *GMM_RESTRICT thr) {
    const size_t C = GMM_TRUNC_CHUNK, F = full ? GMM_TRUNC_FIRST_FULL : GMM_TRUNC_FIRST_DIAG, c0 = d < F ? d : F;
    const TV half = T_SET1(-0.5), vln = T_SET1(ln);
    TV q = T_LOAD(lp, m);
    if (full && d > c0) T_NAME(centre)(Xg, ldx, m, mu, d, A);
    for (size_t j0 = c0; j0 < d; j0 += C) {
        const size_t j1 = j0 + C < d ? j0 + C : d;
        q = full ? T_NAME(chunk_full)(A, P, d, j0, j1, q) : T_NAME(chunk_diag)(Xg, ldx, m, mu, P, j0, j1, q);
        if (thr && !T_ANY_GE(T_FMA(half, q, vln), T_LOAD(thr, T_ALL))) return 0;
    }
    const TV l = T_FMA(half, q, vln);
    if (thr && d <= c0 && !T_ANY_GE(l, T_LOAD(thr, T_ALL))) return 0;
    T_STORE(lp, m, l);
    return 1;
}

T_FN static gmm_status T_NAME(trunc)(int full, const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                     const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                     const double *GMM_RESTRICT log_norm, double log_tau, double *GMM_RESTRICT work,
                                     double *GMM_RESTRICT logp, size_t ldl, int32_t *GMM_RESTRICT active,
                                     int32_t *GMM_RESTRICT count, size_t *lanes, const int32_t *GMM_RESTRICT hint) {
    const size_t Bp = gmm_round4(B);
    if (!(log_tau < 0.0) || B == 0 || Bp > ldx || Bp > ldl || d == 0 || K == 0 || K > INT32_MAX || !lanes)
        return GMM_ERR_ARGUMENT;
    *lanes = TW;
    const size_t F = full ? GMM_TRUNC_FIRST_FULL : GMM_TRUNC_FIRST_DIAG, c0 = d < F ? d : F, per = full ? d * d : d;
    const size_t G = (B + TW - 1) / TW;
    /* work: the largest first-chunk bound (then each lane's threshold), its component, and
     * the centred vectors A of the group in hand (full). */
    double *bu = work, *bk = bu + (ldx + 8), *A = bk + (ldx + 8);
    const TV half = T_SET1(-0.5);
    for (size_t k = 0; k < K; k++) {
        const double *mu = means + k * d, *P = prec_chol + k * per;
        const TV vln = T_SET1(log_norm[k]), vk = T_SET1((double)k);
        for (size_t g = 0; g < G; g++) {
            const TM m = T_GROUP_MASK(g);
            const double *Xg = Xt + g * TW;
            TV q = T_SET1(0.0);
            if (full) {
                T_NAME(centre)(Xg, ldx, m, mu, c0, A);
                for (size_t j0 = 0; j0 < c0; j0 += GMM_TRUNC_CHUNK)
                    q = T_NAME(chunk_full)(A, P, d, j0, j0 + GMM_TRUNC_CHUNK < c0 ? j0 + GMM_TRUNC_CHUNK : c0, q);
            } else {
                q = T_NAME(chunk_diag)(Xg, ldx, m, mu, P, 0, c0, T_SET1(0.0));
            }
            T_STORE(logp + k * ldl + g * TW, m, q);
            const TV u = T_FMA(half, q, vln);
            if (k == 0) {
                T_STORE(bu + g * TW, T_ALL, u);
                T_STORE(bk + g * TW, T_ALL, vk);
            } else {
                const TV ou = T_LOAD(bu + g * TW, T_ALL), ok = T_LOAD(bk + g * TW, T_ALL);
                T_STORE(bu + g * TW, T_ALL, T_GT_BLEND(u, ou, u, ou));
                T_STORE(bk + g * TW, T_ALL, T_GT_BLEND(u, ou, vk, ok));
            }
        }
    }
    for (size_t g = 0; g < G; g++) {
        const TM m = T_GROUP_MASK(g);
        const double *Xg = Xt + g * TW;
        int32_t *list = active + g * K;
        /* Each point's most promising component, evaluated exactly for the whole group. */
        int32_t pre[TW];
        size_t npre = 0;
        for (size_t t = 0; t < TW && g * TW + t < B; t++) {
            const int32_t h = hint ? hint[g * TW + t] : -1;
            const int32_t k = h >= 0 && (size_t)h < K ? h : (int32_t)bk[g * TW + t];
            size_t p = 0;
            while (p < npre && pre[p] < k) p++;
            if (p < npre && pre[p] == k) continue;
            for (size_t r = npre; r > p; r--) pre[r] = pre[r - 1];
            pre[p] = k;
            npre++;
            T_NAME(finish)(full, Xg, ldx, m, d, means + (size_t)k * d, prec_chol + (size_t)k * per, log_norm[k], A,
                           logp + (size_t)k * ldl + g * TW, NULL);
        }
        TV mx = T_LOAD(logp + (size_t)pre[0] * ldl + g * TW, m);
        for (size_t p = 1; p < npre; p++) mx = T_MAX(mx, T_LOAD(logp + (size_t)pre[p] * ldl + g * TW, m));
        double *thr = bu + g * TW;
        T_STORE(thr, T_ALL, T_ADD(mx, T_SET1(log_tau)));
        for (size_t t = B - g * TW < TW ? B - g * TW : TW; t < TW; t++) thr[t] = INFINITY;  /* padding lanes */
        /* Every other component, chunk by chunk while some lane's bound reaches its threshold. */
        /* Each exact value found raises its lanes' thresholds (any exact value bounds the
         * point's largest from below), so later components are dropped sooner. */
        TV vthr = T_LOAD(thr, T_ALL);
        const TV vlt = T_SET1(log_tau);
        size_t c = 0, p = 0;
        for (size_t k = 0; k < K; k++) {
            double *lp = logp + k * ldl + g * TW;
            if (p < npre && (size_t)pre[p] == k) {
                list[c++] = (int32_t)k;
                p++;
                continue;
            }
            if (!T_ANY_GE(T_FMA(half, T_LOAD(lp, m), T_SET1(log_norm[k])), vthr)) continue;
            if (T_NAME(finish)(full, Xg, ldx, m, d, means + k * d, prec_chol + k * per, log_norm[k], A, lp, thr)) {
                list[c++] = (int32_t)k;
                vthr = T_MAX(vthr, T_ADD(T_LOAD(lp, m), vlt));
                T_STORE(thr, T_ALL, vthr);
            }
        }
        count[g] = (int32_t)c;
    }
    return GMM_OK;
}


/* d values y[j] = fma(s, v[j], y[j]) (j < d), vector by vector with a masked tail. */
T_FN static inline void T_NAME(axpy)(size_t d, double s, const double *GMM_RESTRICT v, double *GMM_RESTRICT y) {
    const TV vs = T_SET1(s);
    size_t j = 0;
    for (; j + TW <= d; j += TW) T_STOREU(y + j, T_FMA(vs, T_LOADU(v + j), T_LOADU(y + j)));
    for (; j < d; j++) y[j] = fma(s, v[j], y[j]);
}

T_FN GMM_TRUNC_ACCUM_DECL(T_NAME(gmm_trunc_accum)) {
    if (lanes == 0 || lanes > GMM_TRUNC_LANES_MAX || B > ldx || B > ldg || d == 0 || K == 0 || covariance > GMM_COV_DIAG)
        return GMM_ERR_ARGUMENT;
    double *a = work, *rows = work + d;  /* the group's points as rows */
    for (size_t g = 0; g * lanes < B; g++) {
        const int32_t *list = active + g * K;
        const size_t n0 = g * lanes, n1 = (g + 1) * lanes < B ? (g + 1) * lanes : B;
        if (count[g] == 0) continue;
        for (size_t n = n0; n < n1; n++)
            for (size_t j = 0; j < d; j++) rows[(n - n0) * d + j] = Xt[j * ldx + n];
        for (size_t c = 0; c < (size_t)count[g]; c++) {
            const size_t k = (size_t)list[c];
            const double *s = shift + k * d;
            for (size_t n = n0; n < n1; n++) {
                const double wg = w ? w[n] * gamma[k * ldg + n] : gamma[k * ldg + n];
                if (wg == 0.0) continue;
                const double *x = rows + (n - n0) * d;
                nk[k] += wg;
                size_t j = 0;
                for (; j + TW <= d; j += TW) T_STOREU(a + j, T_SUB(T_LOADU(x + j), T_LOADU(s + j)));
                for (; j < d; j++) a[j] = x[j] - s[j];
                T_NAME(axpy)(d, wg, a, s1 + k * d);
                if (covariance == GMM_COV_DIAG) {
                    double *y = s2 + k * d;
                    const TV vw = T_SET1(wg);
                    for (j = 0; j + TW <= d; j += TW) {
                        const TV av = T_LOADU(a + j);
                        T_STOREU(y + j, T_FMA(T_MUL(vw, av), av, T_LOADU(y + j)));
                    }
                    for (; j < d; j++) y[j] = fma(wg * a[j], a[j], y[j]);
                } else {
                    double *S = s2 + k * d * d;
                    for (size_t i = 0; i < d; i++) T_NAME(axpy)(d - i, wg * a[i], a + i, S + i * d + i);
                }
            }
        }
    }
    return GMM_OK;
}

/* Truncated responsibilities for whole groups (gmm_trunc_resp_fn), the reference's arithmetic
 * per lane; a group with a point of no finite density takes the reference's scalar path. */
T_FN GMM_TRUNC_RESP_DECL(T_NAME(gmm_trunc_resp)) {
    if (!(log_tau < 0.0) || lanes != TW || B > ldl || K == 0) return GMM_ERR_ARGUMENT;
    const TV vlt = T_SET1(log_tau);
    for (size_t g = 0; g * TW < B; g++) {
        const TM msk = T_GROUP_MASK(g);
        const int32_t *list = active + g * K;
        const size_t c = (size_t)count[g], n0 = g * TW, valid = B - n0 < TW ? B - n0 : TW;
        if (c == 0) return GMM_ERR_ARGUMENT;
        TV m = T_LOAD(logp + (size_t)list[0] * ldl + n0, msk), arg = T_SET1((double)list[0]);
        for (size_t i = 1; i < c; i++) {
            const TV l = T_LOAD(logp + (size_t)list[i] * ldl + n0, msk), vk = T_SET1((double)list[i]);
            arg = T_GT_BLEND(l, m, vk, arg);
            m = T_GT_BLEND(l, m, l, m);
        }
        double mm[TW], aa[TW];
        T_STORE(mm, T_ALL, m);
        T_STORE(aa, T_ALL, arg);
        int finite = 1;
        for (size_t t = 0; t < valid; t++) finite &= isfinite(mm[t]) != 0;
        if (!finite) {  /* the reference's path, lane by lane (its lists are this group's) */
            for (size_t t = 0; t < valid; t++) {
                const size_t n = n0 + t;
                if (label) label[n] = (int32_t)aa[t];
                if (isfinite(mm[t])) {
                    const double keep = mm[t] + log_tau;
                    double s = 0.0;
                    for (size_t i = 0; i < c; i++) {
                        double *l = logp + (size_t)list[i] * ldl + n;
                        double v[TW] = {0}, e[TW];
                        v[0] = *l - mm[t];
                        T_STORE(e, T_ALL, T_EXP(T_LOADU(v)));
                        *l = *l >= keep ? e[0] : 0.0;
                        s += *l;
                    }
                    const double inv = 1.0 / s;
                    for (size_t i = 0; i < c; i++) logp[(size_t)list[i] * ldl + n] *= inv;
                    lse[n] = mm[t] + log(s);
                } else {
                    for (size_t i = 0; i < c; i++) logp[(size_t)list[i] * ldl + n] = NAN;
                    lse[n] = mm[t];
                }
            }
            continue;
        }
        const TV keep = T_ADD(m, vlt);
        TV s = T_SET1(0.0);
        for (size_t i = 0; i < c; i++) {
            double *lp = logp + (size_t)list[i] * ldl + n0;
            const TV l = T_LOAD(lp, msk);
            const TV e = T_GE_ZERO(l, keep, T_EXP(T_SUB(l, m)));
            s = T_ADD(s, e);
            T_STORE(lp, msk, e);
        }
        const TV inv = T_DIV(T_SET1(1.0), s);
        for (size_t i = 0; i < c; i++) {
            double *lp = logp + (size_t)list[i] * ldl + n0;
            T_STORE(lp, msk, T_MUL(T_LOAD(lp, msk), inv));
        }
        double ss[TW];
        T_STORE(ss, T_ALL, s);
        for (size_t t = 0; t < valid; t++) {
            lse[n0 + t] = mm[t] + log(ss[t]);
            if (label) label[n0 + t] = (int32_t)aa[t];
        }
    }
    return GMM_OK;
}
