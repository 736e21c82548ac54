#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fitted Gaussian mixture: its parameters, how the fit went, and evaluation methods that
/// stream the data through the kernels in blocks (no N×K array unless one is asked for).
public struct FittedGaussianMixture: Sendable {
    /// Weights, means, covariances and precision Cholesky factors.
    public let parameters: GaussianMixtureParameters
    /// Mean log-likelihood of the last E-step of the best start (`lower_bound_`).
    public var lowerBound: Double
    /// Per-iteration lower bounds of the best start (`lower_bounds_`).
    public let lowerBounds: [Double]
    /// Whether the best start converged (`converged_`).
    public let converged: Bool
    /// EM iterations of the best start (`n_iter_`).
    public let iterations: Int
    /// Components re-seeded during the fit (`DegeneratePolicy.reseed`), in order.
    public let reseeds: [ReseedEvent]
    /// Distinct threads that ran the fit's last pass over the data (0 when the model was not
    /// fitted here).
    public let fitThreads: Int
    /// Threads used to evaluate (`nil`: OpenMP's default).
    public var threads: Int?
    /// Kernel implementation used to evaluate.
    public var isa: KernelISA
    /// The `reg_covar` of the fit (`nil` when unknown, e.g. a model file without it).
    public var regCovar: Double?
    /// Σ wₙ of the data it was fitted to (N when unweighted; `nil` when unknown).
    public var sampleWeightSum: Double?

    public init(parameters: GaussianMixtureParameters, lowerBound: Double = -.infinity, lowerBounds: [Double] = [],
                converged: Bool = false, iterations: Int = 0, reseeds: [ReseedEvent] = [], fitThreads: Int = 0, threads: Int? = nil,
                isa: KernelISA = .automatic, regCovar: Double? = nil, sampleWeightSum: Double? = nil) {
        self.regCovar = regCovar
        self.sampleWeightSum = sampleWeightSum
        self.parameters = parameters
        self.lowerBound = lowerBound
        self.lowerBounds = lowerBounds
        self.converged = converged
        self.iterations = iterations
        self.reseeds = reseeds
        self.fitThreads = fitThreads
        self.threads = threads
        self.isa = isa
    }

    /// What happened to each component during the fit: how many times it was re-seeded (a
    /// reset of a tied model's shared covariance counts for none).
    public var reseedCounts: [Int] {
        var counts = [Int](repeating: 0, count: components)
        for event in reseeds { if let k = event.component { counts[k] += 1 } }
        return counts
    }

    /// Components the regularization holds up (see `RegularizationHold`); empty when
    /// `regCovar` or `sampleWeightSum` is unknown.
    public var regularizationHolds: [RegularizationHold] {
        guard let regCovar, let sampleWeightSum else { return [] }
        return parameters.regularizationHolds(regCovar: regCovar, samples: sampleWeightSum)
    }

    public var covarianceType: CovarianceType { parameters.covarianceType }
    public var components: Int { parameters.components }
    public var features: Int { parameters.features }
    public var weights: [Double] { parameters.weights }
    public var means: Matrix<Double> { parameters.means }
    public var covariances: [Double] { parameters.covariances }
    public var precisionsCholesky: [Double] { parameters.precisionsCholesky }

    // Every evaluation throws `.notEnoughSamples` for no rows, `.noFeatures` for no columns and
    // `.featureMismatch` for the wrong number of features (scikit-learn's checks and texts).

    /// Writes the most probable component of each row into `labels` (X.rows entries, caller
    /// owned; nothing else is allocated beyond the pass's scratch). Throws `.invalidArgument`
    /// when `labels` has another length.
    public func predict<Element: GMMScalar>(_ X: Matrix<Element>, into labels: UnsafeMutableBufferPointer<Int32>) throws {
        try requireCount(labels.count, X.rows, "labels")
        _ = try evaluate(X, PassOutputs(labels: labels.baseAddress))
    }

    /// Writes the responsibilities, row-major X.rows × K (each row sums to 1), into the
    /// caller's `responsibilities`. Throws `.invalidArgument` when it has another length.
    public func predictProbabilities<Element: GMMScalar>(_ X: Matrix<Element>, into responsibilities: UnsafeMutableBufferPointer<Double>) throws {
        try requireCount(responsibilities.count, X.rows * components, "responsibilities")
        _ = try evaluate(X, PassOutputs(responsibilities: responsibilities.baseAddress))
    }

    /// Writes log Σₖ πₖ N(xₙ | μₖ, Σₖ) of each row (natural log) into the caller's
    /// `logLikelihoods` (X.rows entries). Throws `.invalidArgument` when it has another length.
    public func scoreSamples<Element: GMMScalar>(_ X: Matrix<Element>, into logLikelihoods: UnsafeMutableBufferPointer<Double>) throws {
        try requireCount(logLikelihoods.count, X.rows, "logLikelihoods")
        _ = try evaluate(X, PassOutputs(logLikelihoods: logLikelihoods.baseAddress))
    }

    /// Mean log-likelihood per row.
    public func score<Element: GMMScalar>(_ X: Matrix<Element>) throws -> Double {
        try evaluate(X, PassOutputs()) / Double(X.rows)
    }

    /// `score` of a distributed job: the pass split across the processes (see `PassDistribution`).
    func score<Element: GMMScalar>(_ X: Matrix<Element>, distribution: PassDistribution?) throws -> Double {
        try evaluate(X, PassOutputs(), distribution: distribution) / Double(X.rows)
    }

    /// BIC or AIC from a mean log-likelihood over `rows` points (see `criterion`).
    public func information(_ criterion: SelectionCriterion, score: Double, rows: Int) -> Double {
        self.criterion(criterion, score: score, rows: rows)
    }

    /// `n` seeded draws from the fitted mixture and their component labels. Throws
    /// `.invalidArgument` with scikit-learn's text when n < 1.
    public func sample(_ n: Int, seed: UInt64) throws -> (points: Matrix<Double>, labels: [Int32]) {
        guard n >= 1 else {
            // (scikit-learn's text prints n_components here; this prints the n given.)
            throw GaussianMixtureError.invalidArgument("Invalid value for 'n_samples': \(n) . The sampling requires at least one sample.")
        }
        return parameters.sample(n, seed: seed)
    }

    /// Number of free parameters p.
    public var freeParameters: Int { covarianceType.freeParameters(components: components, features: features) }

    /// One pass over X; returns the sum of per-row log-likelihoods.
    private func evaluate<Element: GMMScalar>(_ X: Matrix<Element>, _ outputs: PassOutputs,
                                              distribution: PassDistribution? = nil) throws -> Double {
        guard X.rows >= 1 else { throw GaussianMixtureError.notEnoughSamples(samples: X.rows, features: X.columns, minimum: 1) }
        guard X.columns >= 1 else { throw GaussianMixtureError.noFeatures(samples: X.rows) }
        guard X.columns == features else { throw GaussianMixtureError.featureMismatch(expected: features, got: X.columns) }
        if let t = threads, t < 1 || t > Resources.maximumThreads {
            throw GaussianMixtureError.invalidArgument("threads must be in [1, \(Resources.maximumThreads)] (got \(t)): more threads than cores only slow a pass down.")
        }
        let n = Double(X.rows), d = Double(X.columns), K = Double(components)
        try Resources.requireMemory(MemoryPlan.engine(rows: n, features: d, components: K, type: covarianceType, threads: threads)
                                    + 8 * 2 * MemoryPlan.covarianceValues(covarianceType, components: K, features: d),
                                    for: "Evaluating \(components) '\(covarianceType.rawValue)' components on \(X.rows) × \(X.columns) data",
                                    advice: "evaluate fewer rows at a time or with fewer threads")
        let ranges = try X.checkedRanges(distribution: distribution)
        try X.checkMagnitude(ranges, distribution: distribution)
        let engine = PassEngine(data: DataSource(X, ranges: ranges, distribution: distribution), components: components,
                                covariance: covarianceType, threads: threads, isa: isa)
        try engine.distribute(distribution)
        return engine.run(GaussianModelBuffers(parameters), outputs: outputs).logLikelihoodSum
    }
}
