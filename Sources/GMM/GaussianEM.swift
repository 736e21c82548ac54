/// The Gaussian family for the EM loop: the fused pass runs in the C drivers, the M-step
/// turns its shifted sufficient statistics into parameters.
///
/// With shift sₖ (the means of the E-step), G = Σₙ γₙₖ, S1 = Σₙ γₙₖ(xₙ − sₖ) and
/// S2 = Σₙ γₙₖ(xₙ − sₖ)(xₙ − sₖ)ᵀ, scikit-learn's estimates (with Nₖ = G + 10·eps) are
///   μₖ = (S1 + G sₖ) / Nₖ,   m = μₖ − sₖ,
///   Σₖ = (S2 − m S1ᵀ − S1 mᵀ + G m mᵀ) / Nₖ + reg_covar·I   (diag: the diagonal of it),
///   πₖ = Nₖ / Σⱼ Nⱼ,
/// exactly Σ γ (x − μ)(x − μ)ᵀ / Nₖ rewritten about the shift, so no large terms cancel.
struct GaussianEMFamily: MixtureEMFamily {
    let engine: PassEngine
    let regCovar: Double

    func step(from parameters: GaussianMixtureParameters) throws -> (meanLogLikelihood: Double, next: GaussianMixtureParameters) {
        let model = GaussianModelBuffers(parameters)
        let totals = engine.run(model, mode: PassMode(accumulate: true))
        let next = try maximize(nk: totals.nk, s1: totals.s1, s2: totals.s2, shift: model.means)
        return (totals.logLikelihoodSum / Double(engine.data.rows), next)
    }

    /// The M-step from statistics accumulated about `shift` (K·d).
    func maximize(nk nkSums: UnsafeBufferPointer<Double>, s1: UnsafeBufferPointer<Double>,
                  s2: UnsafeBufferPointer<Double>, shift: [Double]) throws -> GaussianMixtureParameters {
        let K = engine.K, d = engine.d, type = engine.covariance
        let eps10 = 10 * Double.ulpOfOne
        var weights = [Double](repeating: 0, count: K)
        var means = Matrix<Double>(rows: K, columns: d)
        var covariances = [Double](repeating: 0, count: type.storageCount(components: K, features: d))
        means.withUnsafeMutableBufferPointer { mu in
            var m = [Double](repeating: 0, count: d)
            for k in 0..<K {
                let G = nkSums[k], nk = G + eps10
                weights[k] = nk
                for i in 0..<d {
                    let s = shift[k * d + i], s1 = s1[k * d + i]
                    mu[k * d + i] = (s1 + G * s) / nk
                    m[i] = mu[k * d + i] - s
                }
                switch type {
                case .full:
                    let o = k * d * d
                    for i in 0..<d {
                        for j in i..<d {
                            let s1i = s1[k * d + i], s1j = s1[k * d + j]
                            var c = (s2[o + i * d + j] - m[i] * s1j - s1i * m[j] + G * m[i] * m[j]) / nk
                            if i == j { c += regCovar }
                            covariances[o + i * d + j] = c
                            covariances[o + j * d + i] = c
                        }
                    }
                case .diag:
                    for i in 0..<d {
                        let s1i = s1[k * d + i]
                        covariances[k * d + i] = (s2[k * d + i] - 2 * m[i] * s1i + G * m[i] * m[i]) / nk + regCovar
                    }
                }
            }
        }
        let total = weights.reduce(0, +)
        for k in 0..<K { weights[k] /= total }
        return try GaussianMixtureParameters(checkedShapesWeights: weights, means: means, covariances: covariances, covarianceType: type)
    }
}
