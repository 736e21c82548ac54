#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How each component's covariance is parametrized (scikit-learn's `covariance_type`).
public enum CovarianceType: String, Sendable, CaseIterable, Codable {
    /// Each component has its own general covariance matrix.
    case full
    /// All components share one general covariance matrix.
    case tied
    /// Each component has its own diagonal covariance matrix.
    case diag
    /// Each component has its own single variance.
    case spherical

    /// Number of stored covariance (or precision-factor) values, in scikit-learn's shapes:
    /// full (K, d, d), tied (d, d), diag (K, d), spherical (K).
    public func storageCount(components K: Int, features d: Int) -> Int {
        switch self {
        case .full: return K * d * d
        case .tied: return d * d
        case .diag: return K * d
        case .spherical: return K
        }
    }

    /// Free parameters of a mixture (covariances, means and K-1 weights), as scikit-learn counts them.
    public func freeParameters(components K: Int, features d: Int) -> Int {
        let covariance: Int
        switch self {
        case .full: covariance = K * d * (d + 1) / 2
        case .tied: covariance = d * (d + 1) / 2
        case .diag: covariance = K * d
        case .spherical: covariance = K
        }
        return covariance + K * d + K - 1
    }

    /// The kernel family that evaluates this type: tied runs as full (U shared by all
    /// components), spherical as diagonal (one precision repeated over the features).
    var kernelFamily: CovarianceType { self == .full || self == .tied ? .full : .diag }
}

/// The parameters of a Gaussian mixture: weights πₖ, means μₖ and covariances Σₖ, together with
/// the precision Cholesky factors Uₖ (upper triangular, Uₖ Uₖᵀ = Σₖ⁻¹; scikit-learn's
/// `precisions_cholesky_`) that the kernels evaluate densities with.
///
/// Layouts (row-major, flat) follow scikit-learn's shapes: `covariances` and
/// `precisionsCholesky` hold K·d·d values for `.full`, d·d for `.tied`, K·d for `.diag`
/// (variances and 1/σ) and K for `.spherical`.
public struct GaussianMixtureParameters: Sendable, Equatable {
    public let covarianceType: CovarianceType
    public let weights: [Double]
    public let means: Matrix<Double>
    public let covariances: [Double]
    public let precisionsCholesky: [Double]
    /// Σᵢ log Uₖ[i,i] = −½ log det Σₖ per component.
    public let logDeterminants: [Double]

    public var components: Int { weights.count }
    public var features: Int { means.columns }

    /// Parameters from weights, means and covariances. Throws `.illDefinedCovariance` when a
    /// covariance is not positive definite, `.invalidArgument` for inconsistent shapes.
    /// Throws `.invalidArgument` naming the component when a covariance is not finite,
    /// symmetric and positive definite, or when the shapes or weights are inconsistent.
    public init(weights: [Double], means: Matrix<Double>, covariances: [Double], covarianceType: CovarianceType) throws {
        try Self.checkShapes(weights: weights, means: means, values: covariances, covarianceType, name: "covariances")
        try Self.checkSymmetricFinite(covariances, covarianceType, components: weights.count, features: means.columns, name: "covariances")
        do {
            try self.init(checkedShapesWeights: weights, means: means, covariances: covariances, covarianceType: covarianceType)
        } catch GaussianMixtureError.illDefinedCovariance(let k) {
            throw Self.notPositiveDefinite("covariances", k)
        }
    }

    /// Parameters from weights, means and precision matrices (Σₖ⁻¹), as scikit-learn's
    /// `precisions_init`: full (K, d, d), tied (d, d), diag (K, d) and spherical (K) of
    /// 1/variance.
    public init(weights: [Double], means: Matrix<Double>, precisions: [Double], covarianceType: CovarianceType) throws {
        try Self.checkShapes(weights: weights, means: means, values: precisions, covarianceType, name: "precisions")
        let K = weights.count, d = means.columns
        try Self.checkSymmetricFinite(precisions, covarianceType, components: K, features: d, name: "precisions")
        var U = [Double](repeating: 0, count: precisions.count)
        var cov = [Double](repeating: 0, count: precisions.count)
        var logDet = [Double](repeating: 0, count: K)
        switch covarianceType {
        case .full, .tied:
            for b in 0..<(covarianceType == .full ? K : 1) {
                let o = b * d * d
                let ld: Double? = precisions.withUnsafeBufferPointer { p in
                    U.withUnsafeMutableBufferPointer { u in
                        cov.withUnsafeMutableBufferPointer { c in
                            guard let ld = LinearAlgebra.precisionCholesky(precision: p.baseAddress! + o, d: d, into: u.baseAddress! + o),
                                  LinearAlgebra.covariance(precisionCholesky: u.baseAddress! + o, d: d, into: c.baseAddress! + o)
                            else { return nil }
                            return ld
                        }
                    }
                }
                guard let ld else { throw Self.notPositiveDefinite("precisions", covarianceType == .full ? b : nil) }
                if covarianceType == .full { logDet[b] = ld } else { logDet = Array(repeating: ld, count: K) }
            }
        case .diag, .spherical:
            let perComponent = covarianceType == .diag ? d : 1
            for k in 0..<K {
                for j in 0..<perComponent {
                    let p = precisions[k * perComponent + j]
                    guard p > 0, p.isFinite else { throw Self.notPositiveDefinite("precisions", k) }
                    U[k * perComponent + j] = p.squareRoot()
                    cov[k * perComponent + j] = 1 / p
                    logDet[k] += Double(d / perComponent) * log(p.squareRoot())
                }
            }
        }
        // The covariances must pass the checks a model read from covariances passes, so a
        // model written and read back is the same model.
        do { _ = try Self(checkedShapesWeights: weights, means: means, covariances: cov, covarianceType: covarianceType) } catch GaussianMixtureError.illDefinedCovariance(let k) {
            throw Self.notPositiveDefinite("precisions", k)
        }
        self.init(covarianceType: covarianceType, weights: weights, means: means, covariances: cov,
                  precisionsCholesky: U, logDeterminants: logDet)
    }

    /// Factorizes covariances whose shapes are already known to be right (an M-step's, or
    /// checked ones). Fails where scikit-learn's factorization does, and also where a variance
    /// is below the rounding floor (16·eps·|μ|)²: the M-step's 10·eps in Nₖ leaves such
    /// round-off variances on a component collapsed onto identical points, which scikit-learn's
    /// expanded formula happens to turn into ≤ 0 and the shifted one faithfully keeps.
    init(checkedShapesWeights weights: [Double], means: Matrix<Double>, covariances: [Double], covarianceType: CovarianceType) throws {
        let K = weights.count, d = means.columns
        var U = [Double](repeating: 0, count: covariances.count)
        var logDet = [Double](repeating: 0, count: K)
        // Largest |μ| per feature over the components that share a covariance block.
        func meanScale(_ k: Int?, _ i: Int) -> Double {
            k.map { abs(means[$0, i]) } ?? (0..<K).reduce(0) { max($0, abs(means[$1, i])) }
        }
        switch covarianceType {
        case .full, .tied:
            for b in 0..<(covarianceType == .full ? K : 1) {
                let component: Int? = covarianceType == .full ? b : nil
                let o = b * d * d
                for i in 0..<d where !(covariances[o + i * d + i] > Self.roundingFloor(mean: meanScale(component, i))) {
                    throw GaussianMixtureError.illDefinedCovariance(component: component)
                }
                let ld: Double? = covariances.withUnsafeBufferPointer { c in
                    U.withUnsafeMutableBufferPointer { u in
                        LinearAlgebra.precisionCholesky(covariance: c.baseAddress! + o, d: d, into: u.baseAddress! + o)
                    }
                }
                guard let ld else { throw GaussianMixtureError.illDefinedCovariance(component: component) }
                if covarianceType == .full { logDet[b] = ld } else { logDet = Array(repeating: ld, count: K) }
            }
        case .diag, .spherical:
            let perComponent = covarianceType == .diag ? d : 1
            for k in 0..<K {
                for j in 0..<perComponent {
                    let v = covariances[k * perComponent + j]
                    let scale = perComponent == d ? abs(means[k, j]) : (0..<d).reduce(0) { max($0, abs(means[k, $1])) }
                    guard v > Self.roundingFloor(mean: scale), v.isFinite else {
                        throw GaussianMixtureError.illDefinedCovariance(component: k)
                    }
                    U[k * perComponent + j] = 1 / v.squareRoot()
                    logDet[k] += Double(d / perComponent) * log(U[k * perComponent + j])
                }
            }
        }
        self.init(covarianceType: covarianceType, weights: weights, means: means, covariances: covariances,
                  precisionsCholesky: U, logDeterminants: logDet)
    }

    /// Variances at or below this are round-off, not spread (and always ≤ 0 is).
    static func roundingFloor(mean: Double) -> Double {
        let r = 16 * Double.ulpOfOne * mean
        return r * r
    }

    init(covarianceType: CovarianceType, weights: [Double], means: Matrix<Double>, covariances: [Double],
         precisionsCholesky: [Double], logDeterminants: [Double]) {
        self.covarianceType = covarianceType
        self.weights = weights
        self.means = means
        self.covariances = covariances
        self.precisionsCholesky = precisionsCholesky
        self.logDeterminants = logDeterminants
    }

    private static func notPositiveDefinite(_ name: String, _ component: Int?) -> GaussianMixtureError {
        .invalidArgument("The parameter '\(name)' should be symmetric, positive-definite, but \(component.map { "component \($0)" } ?? "the shared tied matrix") is not positive-definite.")
    }

    /// Every value finite; full and tied matrices symmetric to numpy's allclose (rtol 1e-5,
    /// atol 1e-8), as scikit-learn checks precisions_init.
    private static func checkSymmetricFinite(_ values: [Double], _ type: CovarianceType, components K: Int, features d: Int,
                                             name: String) throws {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let per = values.count / (type == .tied ? 1 : K)
            let which = type == .tied ? "the shared tied matrix" : "component \(bad / per)"
            throw GaussianMixtureError.invalidArgument("The parameter '\(name)' contains a non-finite value (\(which)).")
        }
        guard type == .full || type == .tied else { return }
        for b in 0..<(type == .full ? K : 1) {
            let o = b * d * d
            for i in 0..<d {
                for j in (i + 1)..<max(i + 1, d) where abs(values[o + i * d + j] - values[o + j * d + i]) > 1e-8 + 1e-5 * abs(values[o + j * d + i]) {
                    throw GaussianMixtureError.invalidArgument("The parameter '\(name)' should be symmetric, positive-definite, but \(type == .full ? "component \(b)" : "the shared tied matrix") is not symmetric ([\(i)][\(j)] = \(values[o + i * d + j]), [\(j)][\(i)] = \(values[o + j * d + i])).")
                }
            }
        }
    }

    private static func checkShapes(weights: [Double], means: Matrix<Double>, values: [Double],
                                    _ type: CovarianceType, name: String) throws {
        let K = weights.count, d = means.columns
        guard K >= 1, d >= 1 else {
            throw GaussianMixtureError.invalidArgument("Parameters need at least one component and one feature (got \(K) weights, \(d) features).")
        }
        guard means.rows == K else {
            throw GaussianMixtureError.invalidArgument("The parameter 'means' should have the shape of (\(K), \(d)), but got (\(means.rows), \(d)).")
        }
        guard values.count == type.storageCount(components: K, features: d) else {
            throw GaussianMixtureError.invalidArgument("The parameter '\(name)' for covariance type '\(type.rawValue)' should have \(type.storageCount(components: K, features: d)) values, but got \(values.count).")
        }
        for (k, w) in weights.enumerated() where !(w >= 0 && w <= 1) {
            throw GaussianMixtureError.invalidArgument("The parameter 'weights' should be in the range [0, 1], but got weights[\(k)] = \(w).")
        }
        let total = weights.reduce(0, +)
        guard abs(1 - total) <= 1e-8 else {
            throw GaussianMixtureError.invalidArgument("The parameter 'weights' should be normalized, but got sum(weights) = \(total).")
        }
        guard means.elements.allSatisfy(\.isFinite) else {
            throw GaussianMixtureError.invalidArgument("The parameter 'means' contains a non-finite value.")
        }
    }
}

/// Flat buffers the kernels read: means, precision factors (tied expanded to one copy per
/// component, spherical to one value per feature) and the per-component constant
/// log πₖ − d/2 log 2π + Σ log Uₖ[i,i].
struct GaussianModelBuffers {
    let d: Int
    let K: Int
    let covariance: CovarianceType  // the kernel family: .full or .diag
    let means: [Double]
    let precisionCholesky: [Double]
    let logNorm: [Double]

    init(_ p: GaussianMixtureParameters) {
        d = p.features
        K = p.components
        covariance = p.covarianceType.kernelFamily
        means = p.means.elements
        switch p.covarianceType {
        case .full, .diag: precisionCholesky = p.precisionsCholesky
        case .tied: precisionCholesky = Array((0..<K).map { _ in p.precisionsCholesky }.joined())
        case .spherical: precisionCholesky = p.precisionsCholesky.flatMap { Array(repeating: $0, count: p.features) }
        }
        let halfLog2Pi = 0.5 * Double(d) * log(2 * Double.pi)
        logNorm = (0..<K).map { log(p.weights[$0]) - halfLog2Pi + p.logDeterminants[$0] }
    }

    /// Unit-precision model with zero constants: log-density = −½‖x − cₖ‖², for k-means.
    init(centers: [Double], d: Int, K: Int, covariance: CovarianceType) {
        self.d = d
        self.K = K
        self.covariance = covariance.kernelFamily
        means = centers
        var U = [Double](repeating: 0, count: self.covariance.storageCount(components: K, features: d))
        switch self.covariance {
        case .full: for k in 0..<K { for i in 0..<d { U[k * d * d + i * d + i] = 1 } }
        default: for i in U.indices { U[i] = 1 }
        }
        precisionCholesky = U
        logNorm = [Double](repeating: 0, count: K)
    }
}
