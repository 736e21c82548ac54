#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What every fitted mixture offers, whatever its family: the evaluation methods the command
/// line and the bindings call without knowing the family.
public protocol FittedMixture: Sendable {
    var family: MixtureFamily { get }
    var components: Int { get }
    /// Columns of the data it evaluates.
    var features: Int { get }
    /// Free parameters p (BIC, AIC).
    var freeParameters: Int { get }
    /// Threads used to evaluate (`nil`: OpenMP's default).
    var threads: Int? { get set }
    var lowerBound: Double { get set }
    var converged: Bool { get }
    var iterations: Int { get }
    var reseeds: [ReseedEvent] { get }
    /// Per-iteration lower bounds of the best start.
    var lowerBounds: [Double] { get }
    /// Mixing weights (K).
    var weights: [Double] { get }
    /// K × D: Gaussian means, Bernoulli probabilities, Poisson rates, or categorical probabilities.
    var means: Matrix<Double> { get }
    /// Writes the labels of X's rows into `labels` (X.rows entries).
    func predict<Element: GMMScalar>(_ X: Matrix<Element>, into labels: UnsafeMutableBufferPointer<Int32>) throws
    /// Writes the responsibilities (X.rows × K, row-major) into `responsibilities`.
    func predictProbabilities<Element: GMMScalar>(_ X: Matrix<Element>, into responsibilities: UnsafeMutableBufferPointer<Double>) throws
    /// Writes log p(xₙ) of each row into `logLikelihoods` (X.rows entries).
    func scoreSamples<Element: GMMScalar>(_ X: Matrix<Element>, into logLikelihoods: UnsafeMutableBufferPointer<Double>) throws
    /// `n` seeded draws and their components.
    func sample(_ n: Int, seed: UInt64) throws -> (points: Matrix<Double>, labels: [Int32])
    /// Mean log-likelihood per row.
    func score<Element: GMMScalar>(_ X: Matrix<Element>) throws -> Double
}

extension FittedMixture {
    /// Most probable component of each row.
    public func predict<Element: GMMScalar>(_ X: Matrix<Element>) throws -> [Int32] {
        var labels = [Int32](repeating: 0, count: X.rows)
        try labels.withUnsafeMutableBufferPointer { try predict(X, into: $0) }
        return labels
    }

    /// Responsibilities: an N×K matrix whose rows sum to 1.
    public func predictProbabilities<Element: GMMScalar>(_ X: Matrix<Element>) throws -> Matrix<Double> {
        try Resources.requireMemory(8 * Double(X.rows) * Double(components), for: "An N × K matrix of responsibilities (\(X.rows) × \(components))",
                                    advice: "predict in chunks of rows (the command line streams them)")
        var out = Matrix<Double>(rows: X.rows, columns: components)
        try out.withUnsafeMutableBufferPointer { try predictProbabilities(X, into: $0) }
        return out
    }

    /// log p(xₙ) of each row.
    public func scoreSamples<Element: GMMScalar>(_ X: Matrix<Element>) throws -> [Double] {
        var out = [Double](repeating: 0, count: X.rows)
        try out.withUnsafeMutableBufferPointer { try scoreSamples(X, into: $0) }
        return out
    }

    /// Bayesian information criterion: −2·score·N + p·ln N.
    public func bic<Element: GMMScalar>(_ X: Matrix<Element>) throws -> Double { criterion(.bic, score: try score(X), rows: X.rows) }

    /// Akaike information criterion: −2·score·N + 2p.
    public func aic<Element: GMMScalar>(_ X: Matrix<Element>) throws -> Double { criterion(.aic, score: try score(X), rows: X.rows) }

    /// BIC (−2·score·N + p·ln N) or AIC (−2·score·N + 2p) from a mean log-likelihood over `rows` points.
    public func criterion(_ criterion: SelectionCriterion, score: Double, rows: Int) -> Double {
        let n = Double(rows), p = Double(freeParameters)
        return -2 * score * n + (criterion == .bic ? p * log(n) : 2 * p)
    }
}

extension FittedGaussianMixture: FittedMixture {
    public var family: MixtureFamily { .gaussian }
}

extension FittedDiscreteMixture: FittedMixture {}

extension ModelFile {
    /// Writes a model of any family atomically.
    public static func write(_ model: any FittedMixture, settings: Settings?, to path: String) throws {
        if let g = model as? FittedGaussianMixture { try write(g, settings: settings, to: path) }
        else if let d = model as? FittedDiscreteMixture { try write(d, settings: settings, to: path) }
    }
}

extension ModelFile {
    /// A model file of any family (`family` names it; Gaussian when absent).
    public static func readAny(_ path: String) throws -> any FittedMixture {
        let bytes = try readFile(path)
        let family = try self.family(object(bytes, path: path)) { .model(path: path, reason: $0) }
        return family == .gaussian ? try decode(bytes, path: path) : try decodeDiscrete(bytes, path: path)
    }
}

/// Throws `.invalidArgument` when a caller's output buffer has another length than expected.
func requireCount(_ count: Int, _ expected: Int, _ name: String) throws {
    guard count == expected else { throw GaussianMixtureError.invalidArgument("\(name) has \(count) entries; expected \(expected)") }
}

/// The estimators of every family (`GaussianMixture`, `DiscreteMixture`), for code that fits
/// whichever it is given.
public protocol MixtureEstimator {
    associatedtype Parameters: MixtureParameterSet
    associatedtype Fitted: FittedMixture
    func fit<Element: GMMScalar>(_ X: Matrix<Element>, sampleWeights: [Double]?, monitor: MixtureFitMonitor<Parameters>?,
                                 progress: ((FitProgress) -> Void)?) throws -> Fitted
    func fit<Element: GMMScalar>(_ X: Matrix<Element>, continuing previous: Fitted, sampleWeights: [Double]?,
                                 monitor: MixtureFitMonitor<Parameters>?, progress: ((FitProgress) -> Void)?) throws -> Fitted
    func fit<Element: GMMScalar>(_ X: Matrix<Element>, resumingFrom checkpoint: MixtureCheckpoint<Parameters>, sampleWeights: [Double]?,
                                 monitor: MixtureFitMonitor<Parameters>?, progress: ((FitProgress) -> Void)?) throws -> Fitted
}

extension GaussianMixture: MixtureEstimator {}
extension DiscreteMixture: MixtureEstimator {}

extension MixtureEstimator {
    /// A fit, a warm start (`continuing`) or a resumed fit (`resuming`, which wins), of data of
    /// either element type.
    public func fit(_ X: DataMatrix, resuming checkpoint: MixtureCheckpoint<Parameters>?, continuing previous: Fitted?,
                    sampleWeights: [Double]?, monitor: MixtureFitMonitor<Parameters>?,
                    progress: ((FitProgress) -> Void)?) throws -> Fitted {
        func run<E: GMMScalar>(_ M: Matrix<E>) throws -> Fitted {
            if let checkpoint { return try fit(M, resumingFrom: checkpoint, sampleWeights: sampleWeights, monitor: monitor, progress: progress) }
            if let previous { return try fit(M, continuing: previous, sampleWeights: sampleWeights, monitor: monitor, progress: progress) }
            return try fit(M, sampleWeights: sampleWeights, monitor: monitor, progress: progress)
        }
        switch X {
        case .float64(let M): return try run(M)
        case .float32(let M): return try run(M)
        }
    }
}
