/// How EM is started (scikit-learn's `init_params`, plus explicit parameters).
public enum InitializationMethod: Sendable, Equatable {
    /// Lloyd's k-means (k-means++ seeding) for hard labels, then one M-step. The default.
    case kmeans
    /// k-means++ seeding only: the K seeds as one-hot responsibilities.
    case kmeansPlusPlus
    /// K distinct random data points as one-hot responsibilities.
    case randomFromData
    /// Uniform random responsibilities, normalized per point.
    case random
    /// Start from these parameters (scikit-learn's weights_init, means_init, precisions_init).
    case parameters(GaussianMixtureParameters)
}

/// Progress of a fit, reported after every EM iteration.
public struct FitProgress: Sendable {
    /// Index of the start (0 ..< initializations).
    public let initialization: Int
    /// Iteration within that start, from 1; 0 announces the start before its initialization
    /// runs (with a lower bound of −∞ and a NaN change).
    public let iteration: Int
    /// Mean log-likelihood of this iteration's E-step.
    public let lowerBound: Double
    /// Change from the previous iteration (−∞ → first value gives +∞).
    public let change: Double
    /// Wall-clock seconds of this iteration.
    public let seconds: Double
}

/// A Gaussian mixture estimator with scikit-learn's `GaussianMixture` semantics and defaults:
/// EM from `initializations` starts, keeping the one with the highest final lower bound.
///
/// ```swift
/// var gm = GaussianMixture(components: 3)
/// gm.seed = 42
/// let model = try gm.fit(X)           // X: Matrix<Double> or Matrix<Float>, one row per point
/// let labels = try model.predict(X)
/// ```
public struct GaussianMixture: Sendable {
    /// Number of mixture components K (`n_components`).
    public var components: Int
    /// Covariance parametrization (`covariance_type`).
    public var covarianceType: CovarianceType
    /// Convergence threshold on the change of the per-sample mean log-likelihood (`tol`).
    public var tolerance: Double
    /// Non-negative value added to the covariance diagonals (`reg_covar`).
    public var regCovar: Double
    /// EM iterations per start (`max_iter`); 0 returns the initialization.
    public var maxIterations: Int
    /// Number of starts (`n_init`).
    public var initializations: Int
    /// Initialization method (`init_params`, or explicit parameters).
    public var initialization: InitializationMethod
    /// Seed for every random choice; `nil` draws one from the system.
    public var seed: UInt64?
    /// Threads for the kernels; `nil` uses OpenMP's default (`OMP_NUM_THREADS`, else all cores).
    public var threads: Int?
    /// Kernel implementation.
    public var isa: KernelISA
    /// What to do when a component collapses (default `.fail`, as scikit-learn).
    public var onDegenerate: DegeneratePolicy
    /// Given initial values for some or all parameters (scikit-learn's `weights_init`,
    /// `means_init`, `precisions_init`); the missing ones come from `initialization`.
    public var initialParameters: InitialParameters?
    /// Opt-in truncated EM ("Gaussian selection"): `nil` (the default) runs the exact E-step.
    /// τ in (0, 1): per point, every component whose responsibility is below τ times the point's
    /// largest is set to 0 and the rest are renormalized; components are proven negligible
    /// from partial Mahalanobis distances without being evaluated in full, and the M-step
    /// visits only the kept ones. Each dropped responsibility is < τ × the point's largest, and
    /// the lower bound (the truncated posterior's free energy; Lücke & Eggert 2010, JMLR 11)
    /// lies within log(1 + (K − 1)τ) per point below the exact mean log-likelihood. Worth it
    /// for large K (hundreds of components, most far from each point); float32 data run in
    /// float64 arithmetic on this path. Deterministic and thread-count independent, like the
    /// exact path, whose results it never changes. τ = 1e-8 typically keeps the final mean
    /// log-likelihood within 1e-9 relative of the exact fit's (BENCHMARKS.md).
    public var truncation: Double? = nil
    /// A distributed job's split of the EM passes (MPI ranks): the same model on every process,
    /// bitwise the single-process one. `nil`: this process does every pass.
    public var distribution: PassDistribution? = nil

    public init(components: Int = 1, covarianceType: CovarianceType = .full, tolerance: Double = 1e-3,
                regCovar: Double = 1e-6, maxIterations: Int = 100, initializations: Int = 1,
                initialization: InitializationMethod = .kmeans, seed: UInt64? = nil,
                threads: Int? = nil, isa: KernelISA = .automatic, onDegenerate: DegeneratePolicy = .fail,
                initialParameters: InitialParameters? = nil) {
        self.components = components
        self.covarianceType = covarianceType
        self.tolerance = tolerance
        self.regCovar = regCovar
        self.maxIterations = maxIterations
        self.initializations = initializations
        self.initialization = initialization
        self.seed = seed
        self.threads = threads
        self.isa = isa
        self.onDegenerate = onDegenerate
        self.initialParameters = initialParameters
    }

    /// Fits the mixture to `X` (one row per point; Float data stay Float: float32 arithmetic
    /// within blocks, float64 across them, float64 parameters).
    /// `sampleWeights` (one non-negative weight per row) make every sum weighted: Nₖ = Σ wγ,
    /// weighted means and covariances, and the lower bound is the weighted mean
    /// log-likelihood. Throws `GaussianMixtureError` for invalid settings or data and for
    /// ill-defined covariances (unless `onDegenerate` is `.reseed`); not converging is
    /// reported in the result (`converged`), as scikit-learn warns rather than fails.
    ///
    /// `monitor` saves checkpoints as the fit goes and can stop it between iterations (it then
    /// throws `FitInterrupted` carrying a checkpoint for `fit(_:resumingFrom:)`).
    public func fit<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]? = nil, monitor: FitMonitor? = nil,
                                         progress: ((FitProgress) -> Void)? = nil) throws -> FittedGaussianMixture {
        try run(X, sampleWeights: sampleWeights, continuing: nil, resuming: nil, monitor: monitor, progress: progress)
    }

    /// Continues `previous` on `X` (scikit-learn's `warm_start`): one start from its
    /// parameters, with its lower bound as the first "previous" value for the convergence test.
    public func fit<Element: GMMScalar>(_ X: Matrix<Element>, continuing previous: FittedGaussianMixture,
                                         sampleWeights: [Double]? = nil, monitor: FitMonitor? = nil,
                                         progress: ((FitProgress) -> Void)? = nil) throws -> FittedGaussianMixture {
        var warm = self
        warm.initialization = .parameters(previous.parameters)
        warm.initialParameters = nil
        warm.initializations = 1
        return try warm.run(X, sampleWeights: sampleWeights, continuing: previous, resuming: nil, monitor: monitor, progress: progress)
    }

    /// Continues a fit from `checkpoint` (saved by a `FitMonitor`) on the same data with the
    /// same settings (a `nil` seed takes the checkpoint's). With the same thread count and
    /// kernels, the result equals the uninterrupted fit's bit for bit. Throws
    /// `CheckpointMismatch` when the settings or data differ.
    public func fit<Element: GMMScalar>(_ X: Matrix<Element>, resumingFrom checkpoint: FitCheckpoint,
                                         sampleWeights: [Double]? = nil, monitor: FitMonitor? = nil,
                                         progress: ((FitProgress) -> Void)? = nil) throws -> FittedGaussianMixture {
        try run(X, sampleWeights: sampleWeights, continuing: nil, resuming: checkpoint, monitor: monitor, progress: progress)
    }

    /// Fits and returns the labels of `X` from a final E-step with the best parameters, so
    /// that they agree with `fit(X).predict(X)` (scikit-learn's `fit_predict`).
    public func fitPredict<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]? = nil,
                                                progress: ((FitProgress) -> Void)? = nil) throws -> (model: FittedGaussianMixture, labels: [Int32]) {
        let model = try fit(X, sampleWeights: sampleWeights, progress: progress)
        return (model, try model.predict(X))
    }

    /// The name checkpoints use for the start: the method ("kmeans", "k-means++", "random",
    /// "random-from-data"), with "+start:" and a digest of given initial values, or
    /// "parameters:" and a digest of explicit parameters, so a resume with another start is
    /// refused.
    public var initializationName: String {
        switch initialization {
        case .parameters(let p): return "parameters:" + hex(p.digest)
        case .kmeans: return "kmeans" + givenSuffix
        case .kmeansPlusPlus: return "k-means++" + givenSuffix
        case .random: return "random" + givenSuffix
        case .randomFromData: return "random-from-data" + givenSuffix
        }
    }

    private var givenSuffix: String {
        guard let given = initialParameters, !given.isEmpty else { return "" }
        return "+start:" + hex(given.digest)
    }

    private func hex(_ v: UInt64) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private func run<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]?, continuing previous: FittedGaussianMixture?,
                                          resuming resume: FitCheckpoint?, monitor: FitMonitor?,
                                          progress: ((FitProgress) -> Void)?) throws -> FittedGaussianMixture {
        let ranges = try validate(X, sampleWeights: sampleWeights)
        try Resources.requireMemory(estimatedFitMemory(rows: X.rows, features: X.columns),
                                    for: "A fit of \(components) '\(covarianceType.rawValue)' components to \(X.rows) × \(X.columns) data",
                                    advice: memoryAdvice(features: X.columns))
        let settings = FitCheckpoint.Settings(
            components: components, covarianceType: covarianceType, tolerance: tolerance, regCovar: regCovar,
            maxIterations: maxIterations, initializations: initializations, initialization: initializationName,
            seed: seed ?? resume?.settings.seed ?? UInt64.random(in: .min ... .max), onDegenerate: onDegenerate,
            truncation: truncation ?? 0)
        let fingerprint = resume != nil || monitor != nil ? DataFingerprint(X, sampleWeights: sampleWeights, distribution: distribution) : nil
        let log = ReseedLog()
        let source = DataSource(X, ranges: ranges, distribution: distribution)
        // Weights scaled by the power of two that brings the largest into [1, 2): exact, so unit
        // weights are untouched, and the fit is the same for weights × any factor (Nₖ's 10·eps
        // is then relative to the weights, and their sum cannot overflow).
        let weights = sampleWeights.map(Self.normalizedWeights)
        let engine = PassEngine(data: source, weights: weights, components: components, covariance: covarianceType,
                                threads: threads, isa: isa, lowestCapacity: onDegenerate == .reseed ? min(components, X.rows) : 0)
        try engine.distribute(distribution)
        let (threads, isa, distribution) = (self.threads, self.isa, self.distribution)
        var family = GaussianEMFamily(engine: engine, covarianceType: covarianceType, regCovar: regCovar,
                                      policy: onDegenerate, log: log,
                                      weightSum: weights.map { $0.reduce(0, +) } ?? Double(X.rows),
                                      dataVariance: LazyBox { columnMoments(of: source, weights: weights, threads: threads, isa: isa, distribution: distribution).variance })
        family.truncation = truncation ?? 0
        let (method, given) = (initialization, initialParameters)
        let run = try fitStarts(family, settings: settings, fingerprint: fingerprint, resuming: resume,
                                warmLowerBound: previous?.lowerBound, log: log, monitor: monitor, progress: progress) { rng, check in
            var initializer = Initializer(engine: engine, family: family, threads: threads, isa: isa)
            initializer.checkInterruption = check
            return try initializer.parameters(for: method, given: given, rng: &rng)
        }
        return FittedGaussianMixture(parameters: run.parameters, lowerBound: run.lowerBound,
                                     lowerBounds: run.lowerBounds, converged: run.converged,
                                     iterations: run.iterations, reseeds: log.events,
                                     fitThreads: engine.lastThreadsUsed, threads: threads, isa: isa,
                                     regCovar: regCovar,
                                     sampleWeightSum: (sampleWeights.map { $0.reduce(0, +) } ?? Double(X.rows)).finiteOrNil)
    }

    /// `w` × 2⁻ᵉ with 2ᵉ ≤ max(w) < 2ᵉ⁺¹ (exact; unit weights unchanged).
    static func normalizedWeights(_ w: [Double]) -> [Double] {
        guard let largest = w.max(), largest > 0, largest.isFinite, largest.exponent != 0 else { return w }
        let e = largest.exponent  // (2^-e itself may not be a double when the weights are subnormal)
        return w.map { $0 > 0 ? Double(sign: .plus, exponent: $0.exponent - e, significand: $0.significand) : $0 }
    }

    /// scikit-learn's checks (parameters, then X, then the initial values), and ours (finite,
    /// not too large, not all the same point); returns the per-column ranges.
    private func validate<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]?) throws -> (lo: [Double], hi: [Double]) {
        typealias E = GaussianMixtureError
        try checkFitSettings("GaussianMixture", components: components, tolerance: tolerance, regularization: ("reg_covar", regCovar),
                             maxIterations: maxIterations, initializations: initializations, threads: threads)
        if let t = truncation, !(t > 0 && t < 1) {
            throw E.invalidArgument("The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0) or None. Got \(t) instead.")
        }
        if truncation != nil && distribution?.remote != nil {
            throw E.invalidArgument("truncation is not available for fits over remote rows (Dask); fit in memory or under MPI, or leave it unset.")
        }
        guard X.rows >= 2 else { throw E.notEnoughSamples(samples: X.rows, features: X.columns, minimum: 2) }
        guard X.columns >= 1 else { throw E.noFeatures(samples: X.rows) }
        let (lo, hi) = try X.checkedRanges(distribution: distribution)
        try checkSampleWeights(sampleWeights, rows: X.rows, components: components)
        try X.checkMagnitude((lo, hi), distribution: distribution)
        let spread = zip(lo, hi).map { $1 - $0 }.max()!
        guard spread > 0 else { throw E.identicalSamples(samples: X.rows) }
        guard spread >= dataSpreadLimit else { throw E.spreadTooSmall(spread: spread) }
        if case .parameters(let p) = initialization {
            guard p.components == components else {
                throw GaussianMixtureParameters.shapeError("weights", expected: [components], got: [p.components])
            }
            guard p.features == X.columns else {
                throw GaussianMixtureParameters.shapeError("means", expected: [components, X.columns], got: [p.components, p.features])
            }
            guard p.covarianceType == covarianceType else {
                throw E.invalidArgument("The initial parameters have \(p.components) '\(p.covarianceType.rawValue)' components, but the estimator asks for \(components) '\(covarianceType.rawValue)' components.")
            }
        }
        try initialParameters?.validate(components: components, features: X.columns, covarianceType: covarianceType)
        return (lo, hi)
    }
}

extension Double {
    /// The value when finite, else nil.
    var finiteOrNil: Double? { isFinite ? self : nil }
}

/// scikit-learn's checks (and texts) of the settings every family shares; `estimator` names it
/// and `regularization` is reg_covar or the pseudo-count.
func checkFitSettings(_ estimator: String, components: Int, tolerance: Double, regularization: (name: String, value: Double),
                      maxIterations: Int, initializations: Int, threads: Int?) throws {
    typealias E = GaussianMixtureError
    guard components >= 1 else { throw E.invalidArgument("The 'n_components' parameter of \(estimator) must be an int in the range [1, inf). Got \(components) instead.") }
    guard tolerance >= 0, tolerance.isFinite else { throw E.invalidArgument("The 'tol' parameter of \(estimator) must be a float in the range [0.0, inf). Got \(tolerance) instead.") }
    guard regularization.value >= 0, regularization.value.isFinite else {
        throw E.invalidArgument("The '\(regularization.name)' parameter of \(estimator) must be a float in the range [0.0, inf). Got \(regularization.value) instead.")
    }
    guard maxIterations >= 0 else { throw E.invalidArgument("The 'max_iter' parameter of \(estimator) must be an int in the range [0, inf). Got \(maxIterations) instead.") }
    guard initializations >= 1 else { throw E.invalidArgument("The 'n_init' parameter of \(estimator) must be an int in the range [1, inf). Got \(initializations) instead.") }
    if let t = threads, t < 1 || t > Resources.maximumThreads {
        throw E.invalidArgument("threads must be in [1, \(Resources.maximumThreads)] (got \(t)): more threads than cores only slow a fit down.")
    }
}

/// One finite, non-negative weight per row, not all 0, and at least `components` rows of
/// positive weight (all rows without weights).
func checkSampleWeights(_ weights: [Double]?, rows: Int, components: Int) throws {
    typealias E = GaussianMixtureError
    var samples = rows
    if let w = weights {
        guard w.count == rows else { throw E.invalidArgument("sample_weight has \(w.count) values, but X has \(rows) rows.") }
        for (row, value) in w.enumerated() where !(value >= 0 && value.isFinite) {
            throw E.invalidArgument("sample_weight[\(row)] = \(value): weights must be finite and non-negative.")
        }
        samples = w.lazy.filter { $0 > 0 }.count
        guard samples > 0 else { throw E.invalidArgument("sample_weight is zero for every row.") }
    }
    guard samples >= components else { throw E.tooFewSamples(samples: samples, components: components) }
}
