/// The parameters of a mixture family the engine fits (Gaussian, or a discrete family): what
/// checkpoints and the shared restart loop need to know of them.
public protocol MixtureParameterSet: Sendable, Equatable {
    /// K.
    var components: Int { get }
    /// Columns of the data the parameters describe.
    var features: Int { get }
    /// The covariance type of a Gaussian mixture, the family's name otherwise ("bernoulli", …).
    var kind: String { get }
    /// The fields a checkpoint file stores them in (the model file's names).
    var checkpointFields: [(String, String)] { get }
    /// Parameters from a checkpoint run object; `fail` makes the error for a bad field.
    static func checkpointParameters(_ run: JSONValue, _ fail: (String) -> DataFileError) throws -> Self
}

/// A Gaussian mixture's checkpoint (see `MixtureCheckpoint`).
public typealias FitCheckpoint = MixtureCheckpoint<GaussianMixtureParameters>
/// A Gaussian mixture's monitor (see `MixtureFitMonitor`).
public typealias FitMonitor = MixtureFitMonitor<GaussianMixtureParameters>
/// A Gaussian fit stopped by its monitor (see `MixtureFitInterrupted`).
public typealias FitInterrupted = MixtureFitInterrupted<GaussianMixtureParameters>

/// A fit stopped between two EM iterations: everything needed to continue it and reach the
/// model an uninterrupted run reaches, bit for bit (same data, settings and thread count).
///
/// EM's state between iterations is the current parameters and lower bound; a fit with several
/// starts also needs the start it is in, the random generator's state after that start's
/// initialization, and the best finished start so far.
public struct MixtureCheckpoint<Parameters: MixtureParameterSet>: Sendable, Equatable {
    /// The settings that shape the fit's result; a resume must use the same.
    public struct Settings: Sendable, Equatable {
        public let components: Int
        public let covarianceType: CovarianceType
        public let tolerance: Double
        public let regCovar: Double
        public let maxIterations: Int
        public let initializations: Int
        /// The start: see `GaussianMixture.initializationName`.
        public let initialization: String
        public let seed: UInt64
        public let onDegenerate: DegeneratePolicy
        /// The family ("gaussian", "bernoulli", "categorical", "poisson"); for other families
        /// than Gaussian `covarianceType` is unused and `regCovar` holds the pseudo-count.
        public let family: String
        /// Categories per feature (categorical mixtures; empty otherwise).
        public let categories: [Int]
        /// τ of the truncated E-step (0: exact).
        public let truncation: Double

        /// The covariance type of a Gaussian fit, the family otherwise (as `MixtureParameterSet.kind`).
        public var kind: String { family == "gaussian" ? covarianceType.rawValue : family }

        public init(components: Int, covarianceType: CovarianceType, tolerance: Double, regCovar: Double,
                    maxIterations: Int, initializations: Int, initialization: String, seed: UInt64,
                    onDegenerate: DegeneratePolicy, family: String = "gaussian", categories: [Int] = [],
                    truncation: Double = 0) {
            self.family = family
            self.truncation = truncation
            self.categories = categories
            self.components = components
            self.covarianceType = covarianceType
            self.tolerance = tolerance
            self.regCovar = regCovar
            self.maxIterations = maxIterations
            self.initializations = initializations
            self.initialization = initialization
            self.seed = seed
            self.onDegenerate = onDegenerate
        }

        /// The first setting that differs from `other` (this fit), as "name: checkpoint X, this fit Y".
        public func firstDifference(from other: Settings) -> String? {
            let pairs: [(String, String, String)] = [
                ("family", family, other.family),
                ("categories", "\(categories)", "\(other.categories)"),
                ("components", "\(components)", "\(other.components)"),
                ("covariance type", covarianceType.rawValue, other.covarianceType.rawValue),
                ("tol", "\(tolerance)", "\(other.tolerance)"),
                (family == "gaussian" ? "reg_covar" : "pseudo_count", "\(regCovar)", "\(other.regCovar)"),
                ("max_iter", "\(maxIterations)", "\(other.maxIterations)"),
                ("n_init", "\(initializations)", "\(other.initializations)"),
                ("init", initialization, other.initialization),
                ("seed", "\(seed)", "\(other.seed)"),
                ("on_degenerate", onDegenerate.rawValue, other.onDegenerate.rawValue),
                ("truncation", truncation == 0 ? "none (exact)" : "\(truncation)", other.truncation == 0 ? "none (exact)" : "\(other.truncation)"),
            ]
            return pairs.first { $0.1 != $0.2 }.map { "\($0.0): checkpoint \($0.1), this fit \($0.2)" }
        }
    }

    /// One EM run (one start) as far as it got.
    public struct Run: Sendable, Equatable {
        public let parameters: Parameters
        public let lowerBound: Double
        public let lowerBounds: [Double]
        public let converged: Bool
        public let iterations: Int

        public init(parameters: Parameters, lowerBound: Double, lowerBounds: [Double], converged: Bool, iterations: Int) {
            self.parameters = parameters
            self.lowerBound = lowerBound
            self.lowerBounds = lowerBounds
            self.converged = converged
            self.iterations = iterations
        }
    }

    public let settings: Settings
    /// Identifies the data (and sample weights) the fit ran on; see `DataFingerprint`.
    public let data: DataFingerprint
    /// The start in progress (0 ..< initializations).
    public let initialization: Int
    /// The random generator's state after this start's initialization.
    public let generatorState: [UInt64]
    /// This start, after `current.iterations` iterations.
    public let current: Run
    /// The best of the finished starts, if any.
    public let best: Run?
    /// Components re-seeded so far (under `DegeneratePolicy.reseed`).
    public let reseeds: [ReseedEvent]

    public init(settings: Settings, data: DataFingerprint, initialization: Int, generatorState: [UInt64],
                current: Run, best: Run?, reseeds: [ReseedEvent]) {
        self.settings = settings
        self.data = data
        self.initialization = initialization
        self.generatorState = generatorState
        self.current = current
        self.best = best
        self.reseeds = reseeds
    }
}

/// What a checkpoint remembers of the data: the shape, the element type and a hash of up to
/// 4096 evenly spaced rows (and of all sample weights), so a resume on other data is refused
/// without reading a multi-gigabyte file again.
public struct DataFingerprint: Sendable, Equatable, CustomStringConvertible {
    public let rows: Int
    public let columns: Int
    public let float32: Bool
    public let hash: UInt64

    public init(rows: Int, columns: Int, float32: Bool, hash: UInt64) {
        self.rows = rows
        self.columns = columns
        self.float32 = float32
        self.hash = hash
    }

    /// In a distributed job (`distribution`) the sampled rows are gathered from the processes
    /// that hold them: every process gets the single-process fingerprint.
    public init<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]?, distribution: PassDistribution? = nil) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        func mix(_ bits: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) { h = (h ^ ((bits >> UInt64(shift)) & 0xFF)) &* 0x100_0000_01b3 }
        }
        let sampled = min(X.rows, 4096)
        let rows = (0..<sampled).map { i in X.rows <= 4096 ? i : i * (X.rows - 1) / (sampled - 1) }
        let values = readRows(rows, rows: X.rows, width: X.columns, distribution: distribution, read: X.doubleRow)
        for (i, r) in rows.enumerated() {
            mix(UInt64(r))
            for c in 0..<X.columns { mix(values[i * X.columns + c].bitPattern) }
        }
        for w in sampleWeights ?? [] { mix(w.bitPattern) }
        self.init(rows: X.rows, columns: X.columns, float32: Element.self == Float.self, hash: h)
    }

    public var description: String {
        "\(rows) x \(columns) \(float32 ? "float32" : "float64"), hash \(String(hash, radix: 16))"
    }
}

/// Watches a fit between iterations: saves checkpoints every `checkpointEvery` iterations
/// (0: never) and stops the fit when `shouldStop` says so, throwing `MixtureFitInterrupted`.
public struct MixtureFitMonitor<Parameters: MixtureParameterSet> {
    public var checkpointEvery: Int
    public var saveCheckpoint: ((MixtureCheckpoint<Parameters>) throws -> Void)?
    public var shouldStop: () -> Bool

    public init(checkpointEvery: Int = 0, saveCheckpoint: ((MixtureCheckpoint<Parameters>) throws -> Void)? = nil,
                shouldStop: @escaping () -> Bool = { false }) {
        self.checkpointEvery = checkpointEvery
        self.saveCheckpoint = saveCheckpoint
        self.shouldStop = shouldStop
    }
}

/// Thrown when a `FitMonitor` stops a fit. `checkpoint` is where it stopped (`nil` when it
/// stopped during an initialization, before any EM iteration of the first start).
public struct MixtureFitInterrupted<Parameters: MixtureParameterSet>: Error, Sendable {
    public let checkpoint: MixtureCheckpoint<Parameters>?
}

/// Why a checkpoint cannot continue this fit.
public enum CheckpointMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    case settings(String)
    case data(expected: DataFingerprint, got: DataFingerprint)
    case malformed(String)

    public var description: String {
        switch self {
        case .settings(let difference):
            return "the checkpoint was made with other settings (\(difference))"
        case .data(let expected, let got):
            return "the checkpoint was made on other data (\(expected); this data: \(got))"
        case .malformed(let reason):
            return "the checkpoint is inconsistent: \(reason)"
        }
    }
}

extension MixtureCheckpoint.Run {
    init(_ run: EMRun<Parameters>) {
        self.init(parameters: run.parameters, lowerBound: run.lowerBound, lowerBounds: run.lowerBounds,
                  converged: run.converged, iterations: run.iterations)
    }
}

extension EMRun where Parameters: MixtureParameterSet {
    init(_ run: MixtureCheckpoint<Parameters>.Run) {
        self.init(parameters: run.parameters, lowerBound: run.lowerBound, lowerBounds: run.lowerBounds,
                  converged: run.converged, iterations: run.iterations)
    }
}

extension MixtureCheckpoint {
    /// Checks what the settings alone imply: the start index, the generator state and the
    /// runs' shapes and iteration counts.
    func checkConsistency() throws {
        func fail(_ reason: String) -> CheckpointMismatch { .malformed(reason) }
        guard initialization >= 0, initialization < settings.initializations else {
            throw fail("start \(initialization) of \(settings.initializations)")
        }
        guard SeededGenerator(state: generatorState) != nil else { throw fail("the random generator state is not 4 non-zero words") }
        for (name, run) in [("current", current), ("best", best)] {
            guard let run else { continue }
            let p = run.parameters
            guard p.components == settings.components, p.kind == settings.kind, p.features == data.columns else {
                throw fail("the \(name) parameters have \(p.components) '\(p.kind)' components of \(p.features) features")
            }
            guard run.iterations >= 0, run.iterations <= settings.maxIterations, run.lowerBounds.count == run.iterations else {
                throw fail("the \(name) run has \(run.iterations) iterations and \(run.lowerBounds.count) lower bounds (max_iter \(settings.maxIterations))")
            }
        }
        for event in reseeds {
            guard event.component.map({ $0 >= 0 && $0 < settings.components }) ?? true,
                  event.row.map({ $0 >= 0 && $0 < data.rows }) ?? true,
                  event.initialization >= 0, event.initialization < settings.initializations, event.iteration >= 0 else {
                throw fail("a re-seed names component \(event.component.map(String.init) ?? "null"), row \(event.row.map(String.init) ?? "null") of start \(event.initialization)")
            }
        }
    }
}
