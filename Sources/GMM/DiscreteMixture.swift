#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Bernoulli, categorical or Poisson mixture estimator, fitted by the same EM loop,
/// restarts, checkpoints and fused passes as `GaussianMixture`, with its conventions
/// (defaults, `tol` on the change of the mean log-likelihood, the best of `initializations`
/// starts kept, non-convergence reported in the result).
///
/// ```swift
/// var bm = DiscreteMixture(family: .bernoulli, components: 10)
/// bm.seed = 0
/// let model = try bm.fit(X)          // X: 0/1 values, one row per point
/// let labels = try model.predict(X)
/// ```
///
/// Data: Bernoulli values in [0, 1] (fractions act as soft counts), Poisson non-negative
/// integer counts, categorical integer codes 0 ..< Cᵢ per feature (`categories`, or each
/// column's largest code + 1). Rows are read in place, float64 or float32.
public struct DiscreteMixture: Sendable {
    public var family: MixtureFamily
    /// Number of mixture components K (`n_components`).
    public var components: Int
    /// Categories per feature (categorical; nil: each column's largest code + 1).
    public var categories: [Int]?
    /// The prior's pseudo-count α (see `DiscreteMStep`): keeps probabilities and rates away
    /// from 0 (and 1); 0 is plain maximum likelihood. Default 1e-6, as `reg_covar`.
    public var pseudoCount: Double
    /// Convergence threshold on the change of the mean log-likelihood (`tol`).
    public var tolerance: Double
    /// EM iterations per start (`max_iter`); 0 returns the initialization.
    public var maxIterations: Int
    /// Number of starts (`n_init`).
    public var initializations: Int
    /// How starts are made: k-means (on the data, the one-hot coding for categorical data),
    /// k-means++ seeds, random rows or random responsibilities, then one M-step.
    public var initialization: InitializationMethod
    /// Explicit starting parameters (all of them); overrides `initialization`.
    public var initialParameters: DiscreteMixtureParameters?
    public var seed: UInt64?
    public var threads: Int?
    public var isa: KernelISA
    public var onDegenerate: DegeneratePolicy
    /// A distributed job's split of the EM passes (see `GaussianMixture.distribution`).
    public var distribution: PassDistribution? = nil

    public static let defaultPseudoCount = 1e-6

    public init(family: MixtureFamily, components: Int = 1, categories: [Int]? = nil,
                pseudoCount: Double = DiscreteMixture.defaultPseudoCount, tolerance: Double = 1e-3,
                maxIterations: Int = 100, initializations: Int = 1, initialization: InitializationMethod = .kmeans,
                initialParameters: DiscreteMixtureParameters? = nil, seed: UInt64? = nil, threads: Int? = nil,
                isa: KernelISA = .automatic, onDegenerate: DegeneratePolicy = .fail) {
        self.family = family
        self.components = components
        self.categories = categories
        self.pseudoCount = pseudoCount
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.initializations = initializations
        self.initialization = initialization
        self.initialParameters = initialParameters
        self.seed = seed
        self.threads = threads
        self.isa = isa
        self.onDegenerate = onDegenerate
    }

    /// Fits the mixture to `X`. `sampleWeights` weight every sum (Nₖ = Σ wγ, …; the lower
    /// bound is the weighted mean log-likelihood). Throws `GaussianMixtureError` for invalid
    /// settings or data (`.invalidValue` names the row and column) and for a component left
    /// without data (`.illDefinedComponent`, unless `onDegenerate` is `.reseed`).
    public func fit<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]? = nil,
                                         monitor: MixtureFitMonitor<DiscreteMixtureParameters>? = nil,
                                         progress: ((FitProgress) -> Void)? = nil) throws -> FittedDiscreteMixture {
        try run(X, sampleWeights: sampleWeights, previous: nil, resume: nil, monitor: monitor, progress: progress)
    }

    /// Continues `previous` on `X` (`warm_start`): one start from its parameters, its lower
    /// bound the first "previous" value of the convergence test.
    public func fit<Element: GMMScalar>(_ X: Matrix<Element>, continuing previous: FittedDiscreteMixture,
                                         sampleWeights: [Double]? = nil,
                                         monitor: MixtureFitMonitor<DiscreteMixtureParameters>? = nil,
                                         progress: ((FitProgress) -> Void)? = nil) throws -> FittedDiscreteMixture {
        var warm = self
        warm.initialParameters = previous.parameters
        warm.initializations = 1
        warm.categories = previous.parameters.family == .categorical ? previous.parameters.categories : categories
        return try warm.run(X, sampleWeights: sampleWeights, previous: previous, resume: nil, monitor: monitor, progress: progress)
    }

    /// Continues a fit from `checkpoint` on the same data with the same settings (a nil seed
    /// takes the checkpoint's); the result equals the uninterrupted fit's bit for bit.
    public func fit<Element: GMMScalar>(_ X: Matrix<Element>, resumingFrom checkpoint: MixtureCheckpoint<DiscreteMixtureParameters>,
                                         sampleWeights: [Double]? = nil,
                                         monitor: MixtureFitMonitor<DiscreteMixtureParameters>? = nil,
                                         progress: ((FitProgress) -> Void)? = nil) throws -> FittedDiscreteMixture {
        try run(X, sampleWeights: sampleWeights, previous: nil, resume: checkpoint, monitor: monitor, progress: progress)
    }

    /// The start's name in checkpoints (see `GaussianMixture.initializationName`).
    public var initializationName: String {
        if let p = initialParameters { return "parameters:" + String(p.digest, radix: 16).leftPadded(16) }
        switch initialization {
        case .kmeans: return "kmeans"
        case .kmeansPlusPlus: return "k-means++"
        case .random: return "random"
        case .randomFromData: return "random-from-data"
        case .parameters(let p): return "parameters:" + String(p.digest, radix: 16).leftPadded(16)
        }
    }

    private func validate<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]?) throws -> [Int] {
        typealias E = GaussianMixtureError
        let name = family.estimatorName
        guard family != .gaussian else { throw E.invalidArgument("DiscreteMixture fits bernoulli, categorical or poisson mixtures; use GaussianMixture.") }
        try checkFitSettings(name, components: components, tolerance: tolerance, regularization: ("pseudo_count", pseudoCount),
                             maxIterations: maxIterations, initializations: initializations, threads: threads)
        if case .parameters = initialization {
            throw E.invalidArgument("Give a discrete mixture's starting values as initialParameters.")
        }
        guard X.rows >= 2 else { throw E.notEnoughSamples(samples: X.rows, features: X.columns, minimum: 2) }
        guard X.columns >= 1 else { throw E.noFeatures(samples: X.rows) }
        let categories = try DiscreteData.check(X, family: family, declared: initialParameters.map { $0.family == .categorical ? $0.categories : nil } ?? self.categories,
                                                distribution: distribution)
        try checkSampleWeights(sampleWeights, rows: X.rows, components: components)
        if let p = initialParameters {
            guard p.family == family else { throw E.invalidArgument("The initial parameters are those of a \(p.family.rawValue) mixture, but the estimator fits a \(family.rawValue) mixture.") }
            guard p.components == components else { throw GaussianMixtureParameters.shapeError("weights", expected: [components], got: [p.components]) }
            guard p.features == X.columns else {
                throw E.invalidArgument("X has \(X.columns) features, but \(name) is expecting \(p.features) features as input.")
            }
        }
        return categories
    }

    private func run<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]?, previous: FittedDiscreteMixture?,
                                          resume: MixtureCheckpoint<DiscreteMixtureParameters>?,
                                          monitor: MixtureFitMonitor<DiscreteMixtureParameters>?,
                                          progress: ((FitProgress) -> Void)?) throws -> FittedDiscreteMixture {
        let categories = try validate(X, sampleWeights: sampleWeights)
        let source = family == .categorical ? DataSource(codes: X, categories: categories) : DataSource(X, distribution: distribution)
        let D = source.columns, n = Double(X.rows), K = Double(components)
        try Resources.requireMemory(MemoryPlan.engine(rows: n, features: Double(D), components: K, type: .diag, threads: threads) * 2
                                    + 8 * 4 * K * Double(D) + (family == .poisson ? 8 * n : 0),
                                    for: "A fit of \(components) \(family.rawValue) components to \(X.rows) × \(D) \(family == .categorical ? "one-hot " : "")data",
                                    advice: "use fewer components\(family == .categorical ? " or fewer categories" : "")")
        let settings = MixtureCheckpoint<DiscreteMixtureParameters>.Settings(
            components: components, covarianceType: .diag, tolerance: tolerance, regCovar: pseudoCount,
            maxIterations: maxIterations, initializations: initializations, initialization: initializationName,
            seed: seed ?? resume?.settings.seed ?? UInt64.random(in: .min ... .max), onDegenerate: onDegenerate,
            family: family.rawValue, categories: categories)
        let fingerprint = resume != nil || monitor != nil ? DataFingerprint(X, sampleWeights: sampleWeights, distribution: distribution) : nil
        let weights = sampleWeights.map(GaussianMixture.normalizedWeights)
        // The pseudo-count is in units of (weighted) rows: scaled as the weights are (by a power
        // of two, exact), so weights w and c·w give the same fit as rows repeated w times.
        let scale = zip(sampleWeights ?? [], weights ?? []).first { $0.0 > 0 }.map { $0.1 / $0.0 } ?? 1
        // (At most 1e300: a pseudo-count that large, or weights so small that it becomes that
        // large, already puts every estimate at the prior's mode; beyond, 2α would overflow.)
        let alpha = pseudoCount == 0 ? 0 : min(pseudoCount * scale, 1e300)
        let (threads, isa) = (self.threads, self.isa)
        let log = ReseedLog()
        let engine = PassEngine(data: source, weights: weights, components: components, covariance: .diag, threads: threads,
                                isa: isa, lowestCapacity: onDegenerate == .reseed ? min(components, X.rows) : 0, linear: true)
        engine.rowTerms = DiscreteData.rowTerms(X, family: self.family, distribution: distribution)
        try engine.distribute(distribution)
        let distribution = self.distribution
        let family = DiscreteEMFamily(
            engine: engine, mstep: DiscreteMStep(family: self.family, categories: categories, pseudoCount: alpha, policy: onDegenerate),
            log: log, weightSum: weights.map { $0.reduce(0, +) } ?? n,
            dataMean: LazyBox { columnMoments(of: source, weights: weights, threads: threads, isa: isa, distribution: distribution).mean })
        let (method, given) = (initialization, initialParameters)
        // The starts of a Gaussian fit, on the data (categorical: its one-hot coding): one
        // engine for every start, made only when a start needs it.
        let starter = LazyBox { () -> PassEngine in
            let engine = PassEngine(data: source, weights: weights, components: self.components, covariance: .diag, threads: threads, isa: isa)
            engine.distributeChecked(distribution)
            return engine
        }
        let run = try fitStarts(family, settings: settings, fingerprint: fingerprint, resuming: resume,
                                warmLowerBound: previous?.lowerBound, log: log, monitor: monitor, progress: progress) { rng, check in
            if let given { return given }
            var initializer = Initializer(engine: starter.value, threads: threads, isa: isa)
            initializer.checkInterruption = check
            let (nk, sums) = try initializer.firstMoments(for: method, rng: &rng)
            return try family.parameters(nk: nk, sums: sums)
        }
        return FittedDiscreteMixture(parameters: run.parameters, lowerBound: run.lowerBound, lowerBounds: run.lowerBounds,
                                     converged: run.converged, iterations: run.iterations, reseeds: log.events,
                                     threads: threads, isa: isa, pseudoCount: pseudoCount,
                                     sampleWeightSum: (sampleWeights.map { $0.reduce(0, +) } ?? n).finiteOrNil)
    }
}

extension MixtureFamily {
    /// The estimator's name in messages (scikit-learn style).
    public var estimatorName: String {
        switch self {
        case .gaussian: return "GaussianMixture"
        case .bernoulli: return "BernoulliMixture"
        case .categorical: return "CategoricalMixture"
        case .poisson: return "PoissonMixture"
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// A fitted Bernoulli, categorical or Poisson mixture and its evaluation methods (one
/// streamed pass each; no N×K array unless asked for).
public struct FittedDiscreteMixture: Sendable {
    public let parameters: DiscreteMixtureParameters
    /// Mean log-likelihood of the last E-step of the best start (`lower_bound_`).
    public var lowerBound: Double
    /// Per-iteration lower bounds of the best start (`lower_bounds_`).
    public let lowerBounds: [Double]
    public let converged: Bool
    public let iterations: Int
    public let reseeds: [ReseedEvent]
    public var threads: Int?
    public var isa: KernelISA
    /// The fit's pseudo-count (nil when unknown).
    public var pseudoCount: Double?
    /// Σ wₙ of the data it was fitted to (N when unweighted; nil when unknown).
    public var sampleWeightSum: Double?

    public init(parameters: DiscreteMixtureParameters, lowerBound: Double = -.infinity, lowerBounds: [Double] = [],
                converged: Bool = false, iterations: Int = 0, reseeds: [ReseedEvent] = [], threads: Int? = nil,
                isa: KernelISA = .automatic, pseudoCount: Double? = nil, sampleWeightSum: Double? = nil) {
        self.parameters = parameters
        self.lowerBound = lowerBound
        self.lowerBounds = lowerBounds
        self.converged = converged
        self.iterations = iterations
        self.reseeds = reseeds
        self.threads = threads
        self.isa = isa
        self.pseudoCount = pseudoCount
        self.sampleWeightSum = sampleWeightSum
    }

    public var family: MixtureFamily { parameters.family }
    public var components: Int { parameters.components }
    public var features: Int { parameters.features }
    public var weights: [Double] { parameters.weights }
    public var means: Matrix<Double> { parameters.means }
    public var freeParameters: Int { parameters.freeParameters }

    public func predict<Element: GMMScalar>(_ X: Matrix<Element>, into labels: UnsafeMutableBufferPointer<Int32>) throws {
        try requireCount(labels.count, X.rows, "labels")
        _ = try evaluate(X, PassOutputs(labels: labels.baseAddress))
    }

    public func predictProbabilities<Element: GMMScalar>(_ X: Matrix<Element>, into responsibilities: UnsafeMutableBufferPointer<Double>) throws {
        try requireCount(responsibilities.count, X.rows * components, "responsibilities")
        _ = try evaluate(X, PassOutputs(responsibilities: responsibilities.baseAddress))
    }

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

    private func evaluate<Element: GMMScalar>(_ X: Matrix<Element>, _ outputs: PassOutputs,
                                              distribution: PassDistribution? = nil) throws -> Double {
        guard X.rows >= 1 else { throw GaussianMixtureError.notEnoughSamples(samples: X.rows, features: X.columns, minimum: 1) }
        guard X.columns >= 1 else { throw GaussianMixtureError.noFeatures(samples: X.rows) }
        guard X.columns == features else {
            throw GaussianMixtureError.invalidArgument("X has \(X.columns) features, but \(family.estimatorName) is expecting \(features) features as input.")
        }
        if let t = threads, t < 1 || t > Resources.maximumThreads {
            throw GaussianMixtureError.invalidArgument("threads must be in [1, \(Resources.maximumThreads)] (got \(t)): more threads than cores only slow a pass down.")
        }
        _ = try DiscreteData.check(X, family: family, declared: family == .categorical ? parameters.categories : nil,
                                   distribution: distribution)
        let source = family == .categorical ? DataSource(codes: X, categories: parameters.categories) : DataSource(X, distribution: distribution)
        let engine = PassEngine(data: source, components: components, covariance: .diag, threads: threads, isa: isa, linear: true)
        engine.rowTerms = DiscreteData.rowTerms(X, family: family, distribution: distribution)
        try engine.distribute(distribution)
        let (A, b) = parameters.linearForm()
        return engine.run(linear: A, b, outputs: outputs).logLikelihoodSum
    }

    /// `n` seeded draws and their components: a component from the weights, then each feature
    /// from its Bernoulli, categorical or Poisson distribution. Categorical draws are codes.
    public func sample(_ n: Int, seed: UInt64) throws -> (points: Matrix<Double>, labels: [Int32]) {
        guard n >= 1 else {
            throw GaussianMixtureError.invalidArgument("Invalid value for 'n_samples': \(n) . The sampling requires at least one sample.")
        }
        var rng = SeededGenerator(seed: seed)
        let p = parameters, K = components, d = features, D = p.codedColumns, offsets = p.offsets
        var labels = [Int32](repeating: 0, count: n)
        let points = Matrix<Double>(rows: n, columns: d) { out in
            for r in 0..<n {
                var u = rng.nextUnit(), k = 0
                while k < K - 1 && u >= p.weights[k] { u -= p.weights[k]; k += 1 }
                labels[r] = Int32(k)
                for i in 0..<d {
                    switch p.family {
                    case .bernoulli: out[r * d + i] = rng.nextUnit() < p.means[k, i] ? 1 : 0
                    case .poisson: out[r * d + i] = poissonDraw(p.means[k, i], &rng)
                    case .categorical:
                        var v = rng.nextUnit(), c = offsets[i]
                        while c < offsets[i + 1] - 1 && v >= p.means[k, c] { v -= p.means[k, c]; c += 1 }
                        out[r * d + i] = Double(c - offsets[i])
                    case .gaussian: preconditionFailure()
                    }
                }
            }
        }
        _ = D
        return (points, labels)
    }
}

/// A Poisson draw: inversion by sequential search for small rates, Hörmann's PTRS
/// (transformed rejection with squeeze, 1993) beyond, and the normal approximation for rates
/// beyond 1e12 (where it is exact to far below a count's spacing), capped at 2⁵³.
func poissonDraw(_ lambda: Double, _ rng: inout SeededGenerator) -> Double {
    guard lambda > 0 else { return 0 }
    if lambda < 30 {
        var k = 0.0, p = exp(-lambda), s = p
        let u = rng.nextUnit()
        while u > s && k < 10_000 { k += 1; p *= lambda / k; s += p }
        return k
    }
    if lambda > 1e12 {
        return min(DiscreteData.largestInteger, max(0, (lambda + lambda.squareRoot() * rng.nextGaussian()).rounded()))
    }
    let slam = lambda.squareRoot(), loglam = log(lambda)
    let b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b, invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2)
    while true {
        let u = rng.nextUnit() - 0.5, v = rng.nextUnit()
        let us = 0.5 - abs(u)
        let k = floor((2 * a / us + b) * u + lambda + 0.43)
        if us >= 0.07 && v <= vr { return k }
        if k < 0 || (us < 0.013 && v > us) { continue }
        if log(v) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1) { return k }
    }
}
