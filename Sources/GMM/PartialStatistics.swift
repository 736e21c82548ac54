/// The two building blocks of a fit spread over partitions of the rows (processes, machines,
/// Dask tasks): one E-step pass over a partition that returns its sufficient statistics, and
/// the M-step from statistics summed over all partitions. A driver that sums the partitions'
/// statistics in a fixed order and runs the M-step gets the same EM as one process does (the
/// statistics are exact sums; only their summation order differs).
///
/// Packed statistics (`statisticsCount` values), accumulated about the model's means sₖ:
///   [0 ..< K]                 Nₖ  = Σₙ wₙ γₙₖ
///   [K ..< K + K·d]           S1ₖ = Σₙ wₙ γₙₖ (xₙ − sₖ)          (row-major K × d)
///   [K + K·d ..< end]         S2ₖ = Σₙ wₙ γₙₖ (xₙ − sₖ)(xₙ − sₖ)ᵀ  (full and tied: K × d × d, upper
///                                   triangle filled; diag and spherical: K × d of squares)
public struct PartialStatistics: Sendable, Equatable {
    /// The packed sums (see the type's comment).
    public var values: [Double]
    /// Σₙ wₙ log p(xₙ) under the parameters the pass ran with.
    public var logLikelihoodSum: Double
    /// Σₙ wₙ (the number of rows when unweighted).
    public var weightSum: Double

    public init(values: [Double], logLikelihoodSum: Double, weightSum: Double) {
        self.values = values
        self.logLikelihoodSum = logLikelihoodSum
        self.weightSum = weightSum
    }

    /// Values a packed array holds for K components of d features.
    public static func count(components K: Int, features d: Int, covarianceType type: CovarianceType) -> Int {
        K + K * d + (type.kernelFamily == .full ? K * d * d : K * d)
    }

    /// Element-wise sum (statistics of the union of two partitions).
    public static func + (a: PartialStatistics, b: PartialStatistics) -> PartialStatistics {
        precondition(a.values.count == b.values.count, "PartialStatistics: sizes differ")
        return PartialStatistics(values: zip(a.values, b.values).map { $0 + $1 }, logLikelihoodSum: a.logLikelihoodSum + b.logLikelihoodSum,
                                 weightSum: a.weightSum + b.weightSum)
    }
}

extension GaussianMixtureParameters {
    /// One E-step pass over the partition `X` under these parameters: its packed sufficient
    /// statistics about the means, Σ w log p and Σ w (see `PartialStatistics`). Throws the
    /// errors evaluation throws (shape, non-finite values, memory).
    public func partialStatistics<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]? = nil,
                                                      threads: Int? = nil, isa: KernelISA = .automatic) throws -> PartialStatistics {
        guard X.columns == features else { throw GaussianMixtureError.featureMismatch(expected: features, got: X.columns) }
        if let w = sampleWeights {
            guard w.count == X.rows else { throw GaussianMixtureError.invalidArgument("sample_weight has \(w.count) values, but X has \(X.rows) rows.") }
            if let bad = w.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                throw GaussianMixtureError.invalidArgument("sample_weight[\(bad)] = \(w[bad]): weights must be finite and non-negative.")
            }
        }
        let count = PartialStatistics.count(components: components, features: features, covarianceType: covarianceType)
        guard X.rows > 0 else { return PartialStatistics(values: [Double](repeating: 0, count: count), logLikelihoodSum: 0, weightSum: 0) }
        let ranges = try X.checkedRanges()
        try X.checkMagnitude(ranges)
        let n = Double(X.rows), d = Double(features), K = Double(components)
        try Resources.requireMemory(MemoryPlan.engine(rows: n, features: d, components: K, type: covarianceType, threads: threads),
                                    for: "A statistics pass over \(X.rows) × \(X.columns) data", advice: "use smaller partitions or fewer threads")
        let engine = PassEngine(data: DataSource(X, ranges: ranges), weights: sampleWeights, components: components,
                                covariance: covarianceType, threads: threads, isa: isa)
        let totals = engine.run(GaussianModelBuffers(self), mode: PassMode(accumulate: true))
        return PartialStatistics(values: Array(totals.nk) + Array(totals.s1) + Array(totals.s2),
                                 logLikelihoodSum: totals.logLikelihoodSum,
                                 weightSum: sampleWeights.map { $0.reduce(0, +) } ?? Double(X.rows))
    }

    /// The M-step from statistics summed over every partition (computed under these
    /// parameters): scikit-learn's estimates, as one process's fit makes them. Throws
    /// `.illDefinedCovariance` as a fit does (no re-seeding: a driver decides what to do).
    public func maximized(from statistics: PartialStatistics, regCovar: Double) throws -> GaussianMixtureParameters {
        let K = components, d = features
        let count = PartialStatistics.count(components: K, features: d, covarianceType: covarianceType)
        guard statistics.values.count == count else {
            throw GaussianMixtureError.invalidArgument("The statistics hold \(statistics.values.count) values, but \(K) '\(covarianceType.rawValue)' components of \(d) features need \(count).")
        }
        guard regCovar >= 0, regCovar.isFinite else {
            throw GaussianMixtureError.invalidArgument("The 'reg_covar' parameter of GaussianMixture must be a float in the range [0.0, inf). Got \(regCovar) instead.")
        }
        guard statistics.values.allSatisfy(\.isFinite) else { throw GaussianMixtureError.invalidArgument("The statistics hold a non-finite value.") }
        let v = statistics.values
        let stats = SufficientStatistics(nk: Array(v[0..<K]), s1: Array(v[K..<(K + K * d)]), s2: Array(v[(K + K * d)...]),
                                         shift: means.elements)
        let e = GaussianEMFamily.estimate(stats, components: K, features: d, covarianceType: covarianceType, regCovar: regCovar,
                                          cancellationRatio: 1e-8)
        return try GaussianMixtureParameters(checkedShapesWeights: e.weights, means: Matrix(rows: K, columns: d, elements: e.means),
                                             covariances: e.covariances, covarianceType: covarianceType)
    }
}
