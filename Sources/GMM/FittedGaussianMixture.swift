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
    public let lowerBound: Double
    /// Per-iteration lower bounds of the best start (`lower_bounds_`).
    public let lowerBounds: [Double]
    /// Whether the best start converged (`converged_`).
    public let converged: Bool
    /// EM iterations of the best start (`n_iter_`).
    public let iterations: Int
    /// Distinct threads that took part in the fit's last pass over the data (0 when the
    /// model was not fitted here).
    public let fitThreads: Int
    /// Threads used to evaluate (`nil`: OpenMP's default).
    public var threads: Int?
    /// Kernel implementation used to evaluate.
    public var isa: KernelISA

    public init(parameters: GaussianMixtureParameters, lowerBound: Double = -.infinity, lowerBounds: [Double] = [],
                converged: Bool = false, iterations: Int = 0, fitThreads: Int = 0, threads: Int? = nil,
                isa: KernelISA = .automatic) {
        self.parameters = parameters
        self.lowerBound = lowerBound
        self.lowerBounds = lowerBounds
        self.converged = converged
        self.iterations = iterations
        self.fitThreads = fitThreads
        self.threads = threads
        self.isa = isa
    }

    public var covarianceType: CovarianceType { parameters.covarianceType }
    public var components: Int { parameters.components }
    public var features: Int { parameters.features }
    public var weights: [Double] { parameters.weights }
    public var means: Matrix<Double> { parameters.means }
    public var covariances: [Double] { parameters.covariances }
    public var precisionsCholesky: [Double] { parameters.precisionsCholesky }

    /// Most probable component of each row.
    public func predict(_ X: Matrix<Double>) throws -> [Int32] {
        var labels = [Int32](repeating: 0, count: X.rows)
        try labels.withUnsafeMutableBufferPointer { l in
            _ = try evaluate(X, PassOutputs(labels: l.baseAddress))
        }
        return labels
    }

    /// Responsibilities: an N×K matrix whose rows sum to 1.
    public func predictProbabilities(_ X: Matrix<Double>) throws -> Matrix<Double> {
        var out = Matrix<Double>(rows: X.rows, columns: components)
        try out.withUnsafeMutableBufferPointer { r in
            _ = try evaluate(X, PassOutputs(responsibilities: r.baseAddress))
        }
        return out
    }

    /// log Σₖ πₖ N(xₙ | μₖ, Σₖ) per row.
    public func scoreSamples(_ X: Matrix<Double>) throws -> [Double] {
        var out = [Double](repeating: 0, count: X.rows)
        try out.withUnsafeMutableBufferPointer { s in
            _ = try evaluate(X, PassOutputs(logLikelihoods: s.baseAddress))
        }
        return out
    }

    /// Mean log-likelihood per row.
    public func score(_ X: Matrix<Double>) throws -> Double {
        try evaluate(X, PassOutputs()) / Double(X.rows)
    }

    /// Bayesian information criterion: −2·score·N + p·ln N.
    public func bic(_ X: Matrix<Double>) throws -> Double {
        -2 * (try score(X)) * Double(X.rows) + Double(freeParameters) * log(Double(X.rows))
    }

    /// Akaike information criterion: −2·score·N + 2p.
    public func aic(_ X: Matrix<Double>) throws -> Double {
        -2 * (try score(X)) * Double(X.rows) + 2 * Double(freeParameters)
    }

    /// Number of free parameters p.
    public var freeParameters: Int { covarianceType.freeParameters(components: components, features: features) }

    /// One pass over X; returns the sum of per-row log-likelihoods.
    private func evaluate(_ X: Matrix<Double>, _ outputs: PassOutputs) throws -> Double {
        guard X.columns == features else { throw GaussianMixtureError.featureMismatch(expected: features, got: X.columns) }
        guard X.rows > 0 else { return 0 }
        try X.checkFinite()
        let engine = PassEngine(data: X, components: components, covariance: covarianceType, threads: threads, isa: isa)
        return engine.run(GaussianModelBuffers(parameters), outputs: outputs).logLikelihoodSum
    }
}
