extension GaussianMixtureParameters {
    /// `n` seeded draws from the mixture: a component from the weights, then
    /// x = μₖ + Uₖ⁻ᵀ z with z ~ N(0, I), since Uₖ⁻ᵀ Uₖ⁻¹ = Σₖ (forward substitution, no
    /// further factorization). Returns the points and their component labels.
    public func sample(_ n: Int, seed: UInt64) -> (points: Matrix<Double>, labels: [Int32]) {
        precondition(n >= 0, "sample: n must be non-negative")
        var rng = SeededGenerator(seed: seed)
        let K = components, d = features
        var cumulative = [Double](repeating: 0, count: K)
        var total = 0.0
        for k in 0..<K { total += weights[k]; cumulative[k] = total }
        var labels = [Int32](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: d)
        let mu = means.elements
        let points = Matrix<Double>(rows: n, columns: d) { out in
            for r in 0..<n {
                let u = rng.nextUnit() * total
                let k = cumulative.firstIndex { u < $0 } ?? K - 1
                labels[r] = Int32(k)
                for i in 0..<d { z[i] = rng.nextGaussian() }
                switch covarianceType {
                case .full, .tied:
                    // Solve Uᵀ y = z: Uᵀ is lower triangular, Uᵀ[i][j] = U[j][i].
                    let o = covarianceType == .full ? k * d * d : 0
                    for i in 0..<d {
                        var s = z[i]
                        for j in 0..<i { s -= precisionsCholesky[o + j * d + i] * z[j] }
                        z[i] = s / precisionsCholesky[o + i * d + i]
                    }
                case .diag:
                    for i in 0..<d { z[i] /= precisionsCholesky[k * d + i] }
                case .spherical:
                    for i in 0..<d { z[i] /= precisionsCholesky[k] }
                }
                for i in 0..<d { out[r * d + i] = mu[k * d + i] + z[i] }
            }
        }
        return (points, labels)
    }
}

/// A seeded random mixture for demos, tests and benchmarks: means uniform in [−spread, spread]ᵈ,
/// full covariances A Aᵀ/d + ½I with A standard normal, weights uniform in [1, 2] normalized.
public struct SyntheticMixture: Sendable {
    /// The true parameters (full covariance).
    public let parameters: GaussianMixtureParameters

    public init(components K: Int, features d: Int, spread: Double = 10, seed: UInt64) {
        precondition(K >= 1 && d >= 1, "SyntheticMixture needs K >= 1 and d >= 1")
        var rng = SeededGenerator(seed: seed)
        var weights = (0..<K).map { _ in 1 + rng.nextUnit() }
        let sum = weights.reduce(0, +)
        weights = weights.map { $0 / sum }
        let means = Matrix<Double>(rows: K, columns: d, elements: (0..<K * d).map { _ in spread * (2 * rng.nextUnit() - 1) })
        var covariances = [Double](repeating: 0, count: K * d * d)
        var a = [Double](repeating: 0, count: d * d)
        for k in 0..<K {
            for i in a.indices { a[i] = rng.nextGaussian() }
            for i in 0..<d {
                for j in 0..<d {
                    var s = 0.0
                    for p in 0..<d { s += a[i * d + p] * a[j * d + p] }
                    covariances[k * d * d + i * d + j] = s / Double(d) + (i == j ? 0.5 : 0)
                }
            }
        }
        // A A^T/d + I/2 is positive definite by construction.
        parameters = try! GaussianMixtureParameters(checkedShapesWeights: weights, means: means,
                                                    covariances: covariances, covarianceType: .full)
    }

    /// `n` seeded points and their true labels.
    public func sample(_ n: Int, seed: UInt64) -> (points: Matrix<Double>, labels: [Int32]) {
        parameters.sample(n, seed: seed)
    }
}
