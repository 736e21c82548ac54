extension GaussianMixtureParameters {
    /// Component k's variances (the covariance's diagonal), d values, whatever the type.
    public func variances(component k: Int) -> [Double] {
        let d = features
        switch covarianceType {
        case .full: return (0..<d).map { covariances[k * d * d + $0 * d + $0] }
        case .tied: return (0..<d).map { covariances[$0 * d + $0] }
        case .diag: return Array(covariances[(k * d)..<((k + 1) * d)])
        case .spherical: return Array(repeating: covariances[k], count: d)
        }
    }

    /// Component k's covariance as a dense d×d row-major matrix, whatever the type.
    public func covarianceMatrix(component k: Int) -> [Double] {
        let d = features
        switch covarianceType {
        case .full: return Array(covariances[(k * d * d)..<((k + 1) * d * d)])
        case .tied: return covariances
        case .diag: return (0..<d * d).map { $0 / d == $0 % d ? covariances[k * d + $0 / d] : 0 }
        case .spherical: return (0..<d * d).map { $0 / d == $0 % d ? covariances[k] : 0 }
        }
    }

    /// Rows per independently seeded chunk of `sample`: chunk c draws from a generator seeded
    /// by (seed, c), so a sample can be produced in pieces (streamed to a file) and still be
    /// the same as one drawn whole.
    public static let sampleChunkRows = 1 << 16

    /// Rows per chunk for d features: `sampleChunkRows`, fewer for wide data, so a chunk
    /// holds at most 2²² values (32 MiB).
    public static func sampleChunkRows(features d: Int) -> Int { max(1, min(sampleChunkRows, (1 << 22) / max(1, d))) }

    /// `n` seeded draws from the mixture: a component from the weights, then
    /// x = μₖ + Uₖ⁻ᵀ z with z ~ N(0, I), since Uₖ⁻ᵀ Uₖ⁻¹ = Σₖ (forward substitution, no
    /// further factorization). Returns the points and their component labels.
    public func sample(_ n: Int, seed: UInt64) -> (points: Matrix<Double>, labels: [Int32]) {
        precondition(n >= 0, "sample: n must be non-negative")
        var labels = [Int32](repeating: 0, count: n)
        let points = Matrix<Double>(rows: n, columns: features) { out in
            labels.withUnsafeMutableBufferPointer { l in
                sampleChunks(n, seed: seed) { start, count, chunk, chunkLabels in
                    (out.baseAddress! + start * features).update(from: chunk.baseAddress!, count: count * features)
                    (l.baseAddress! + start).update(from: chunkLabels.baseAddress!, count: count)
                }
            }
        }
        return (points, labels)
    }

    /// Draws `n` points chunk by chunk (see `sampleChunkRows`), handing each chunk's rows
    /// (row-major, d per row) and labels to `body` in order.
    public func sampleChunks(_ n: Int, seed: UInt64,
                             _ body: (_ start: Int, _ count: Int, _ points: UnsafeBufferPointer<Double>, _ labels: UnsafeBufferPointer<Int32>) throws -> Void) rethrows {
        let K = components, d = features
        var cumulative = [Double](repeating: 0, count: K)
        var total = 0.0
        for k in 0..<K { total += weights[k]; cumulative[k] = total }
        let mu = means.elements
        var z = [Double](repeating: 0, count: d)
        let chunkRows = Self.sampleChunkRows(features: d)
        var points = [Double](repeating: 0, count: chunkRows * d)
        var labels = [Int32](repeating: 0, count: chunkRows)
        var start = 0, chunk: UInt64 = 0
        while start < n {
            let count = min(chunkRows, n - start)
            var rng = SeededGenerator(seed: seed ^ (chunk &* 0x9E37_79B9_7F4A_7C15))
            for r in 0..<count {
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
                for i in 0..<d { points[r * d + i] = mu[k * d + i] + z[i] }
            }
            try points.withUnsafeBufferPointer { p in
                try labels.withUnsafeBufferPointer { l in
                    try body(start, count, UnsafeBufferPointer(rebasing: p[0..<(count * d)]), UnsafeBufferPointer(rebasing: l[0..<count]))
                }
            }
            start += count
            chunk += 1
        }
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
        // A A^T/d + I/2 is positive definite by construction (its eigenvalues are at least 1/2);
        // were rounding ever to say otherwise, the components fall back to I/2.
        let half = (0..<K * d * d).map { ($0 % (d * d)) / d == $0 % d ? 0.5 : 0 }
        parameters = (try? GaussianMixtureParameters(checkedShapesWeights: weights, means: means, covariances: covariances,
                                                     covarianceType: .full))
            ?? GaussianMixtureParameters(covarianceType: .full, weights: weights, means: means, covariances: half,
                                         precisionsCholesky: half.map { $0 > 0 ? 2.0.squareRoot() : 0 },
                                         logDeterminants: Array(repeating: Double(d) * 0.5 * 0.6931471805599453, count: K))  // d · log √2
    }

    /// `n` seeded points and their true labels.
    public func sample(_ n: Int, seed: UInt64) -> (points: Matrix<Double>, labels: [Int32]) {
        parameters.sample(n, seed: seed)
    }
}
