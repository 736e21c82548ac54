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

    /// The precision matrices Σₖ⁻¹ = Uₖ Uₖᵀ in the covariance type's shape (scikit-learn's
    /// `precisions_`): full (K, d, d), tied (d, d), diag (K, d) and spherical (K) of 1/variance.
    public var precisions: [Double] {
        let d = features, U = precisionsCholesky
        switch covarianceType {
        case .diag, .spherical:
            return U.map { $0 * $0 }
        case .full, .tied:
            var P = [Double](repeating: 0, count: U.count)
            for b in 0..<(U.count / (d * d)) {
                let o = b * d * d
                for i in 0..<d {
                    for j in i..<d {
                        var s = 0.0
                        for p in j..<d { s += U[o + i * d + p] * U[o + j * d + p] }  // U upper triangular
                        P[o + i * d + j] = s
                        P[o + j * d + i] = s
                    }
                }
            }
            return P
        }
    }

    /// Parameters from weights, means and covariances. Throws `.illDefinedCovariance` when a
    /// covariance is not positive definite, `.invalidArgument` for inconsistent shapes.
    /// Throws `.invalidArgument` naming the component when a covariance is not finite,
    /// symmetric and positive definite, or when the shapes or weights are inconsistent.
    public init(weights: [Double], means: Matrix<Double>, covariances: [Double], covarianceType: CovarianceType) throws {
        try Self.checkShapes(weights: weights, means: means, values: covariances, covarianceType, name: "covariance")
        try Self.checkSymmetricFinite(covariances, covarianceType, components: weights.count, features: means.columns, name: "\(covarianceType.rawValue) covariance")
        do {
            try self.init(checkedShapesWeights: weights, means: means, covariances: covariances, covarianceType: covarianceType)
        } catch GaussianMixtureError.illDefinedCovariance(let k) {
            throw Self.notPositiveDefinite("\(covarianceType.rawValue) covariance", k)
        }
    }

    /// Parameters from weights, means and precision matrices (Σₖ⁻¹), as scikit-learn's
    /// `precisions_init`: full (K, d, d), tied (d, d), diag (K, d) and spherical (K) of
    /// 1/variance.
    public init(weights: [Double], means: Matrix<Double>, precisions: [Double], covarianceType: CovarianceType) throws {
        try Self.checkShapes(weights: weights, means: means, values: precisions, covarianceType, name: "precision")
        let K = weights.count, d = means.columns
        try Self.checkSymmetricFinite(precisions, covarianceType, components: K, features: d, name: "\(covarianceType.rawValue) precision")
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
                guard let ld else { throw Self.notPositiveDefinite("\(covarianceType.rawValue) precision", covarianceType == .full ? b : nil) }
                if covarianceType == .full { logDet[b] = ld } else { logDet = Array(repeating: ld, count: K) }
            }
        case .diag, .spherical:
            let perComponent = covarianceType == .diag ? d : 1
            for k in 0..<K {
                for j in 0..<perComponent {
                    let p = precisions[k * perComponent + j]
                    guard p > 0, p.isFinite else { throw Self.notPositiveDefinite("\(covarianceType.rawValue) precision", k) }
                    U[k * perComponent + j] = p.squareRoot()
                    cov[k * perComponent + j] = 1 / p
                    logDet[k] += Double(d / perComponent) * log(p.squareRoot())
                }
            }
        }
        // The covariances must pass the checks a model read from covariances passes, so a
        // model written and read back is the same model.
        do { _ = try Self(checkedShapesWeights: weights, means: means, covariances: cov, covarianceType: covarianceType) } catch GaussianMixtureError.illDefinedCovariance(let k) {
            throw Self.notPositiveDefinite("\(covarianceType.rawValue) precision", k)
        }
        self.init(covarianceType: covarianceType, weights: weights, means: means, covariances: cov,
                  precisionsCholesky: U, logDeterminants: logDet)
    }

    /// Parameters from weights, means and precision Cholesky factors (scikit-learn's
    /// `precisions_cholesky_`, in the covariance type's shape): the precisions U Uᵀ are
    /// formed and factorized again, so the stored factor is always the canonical one.
    public init(weights: [Double], means: Matrix<Double>, precisionsCholesky U: [Double], covarianceType: CovarianceType) throws {
        let K = weights.count, d = means.columns
        guard U.count == covarianceType.storageCount(components: K, features: d) else {
            throw Self.shapeError("precisions_cholesky", expected: Self.covarianceShape(covarianceType, components: K, features: d), got: [U.count])
        }
        if let bad = U.firstIndex(where: { !$0.isFinite }) {
            throw GaussianMixtureError.invalidArgument("The parameter 'precisions_cholesky' contains a non-finite value (value \(bad)).")
        }
        var P = [Double](repeating: 0, count: U.count)
        switch covarianceType {
        case .diag, .spherical:
            for i in U.indices { P[i] = U[i] * U[i] }
        case .full, .tied:
            for b in 0..<(U.count / (d * d)) {
                let o = b * d * d
                for i in 0..<d { for j in 0..<d { P[o + i * d + j] = (0..<d).reduce(0) { $0 + U[o + i * d + $1] * U[o + j * d + $1] } } }
            }
        }
        try self.init(weights: weights, means: means, precisions: P, covarianceType: covarianceType)
    }

    /// Factorizes covariances whose shapes are already known to be right (an M-step's, or
    /// checked ones). Fails exactly where scikit-learn's `_compute_precision_cholesky` does: a
    /// Cholesky pivot that is not positive (full, tied) or a variance that is not positive
    /// (diag, spherical). There is no further round-off floor: a component on a single point
    /// keeps the tiny variance the 10·eps in Nₖ leaves it, as scikit-learn's centred formula
    /// does (the M-step computes such variances accurately, see `GaussianEMFamily`).
    init(checkedShapesWeights weights: [Double], means: Matrix<Double>, covariances: [Double], covarianceType: CovarianceType) throws {
        let K = weights.count, d = means.columns
        var U = [Double](repeating: 0, count: covariances.count)
        var logDet = [Double](repeating: 0, count: K)
        switch covarianceType {
        case .full, .tied:
            for b in 0..<(covarianceType == .full ? K : 1) {
                let component: Int? = covarianceType == .full ? b : nil
                let o = b * d * d
                let ld: Double? = covariances.withUnsafeBufferPointer { c in
                    U.withUnsafeMutableBufferPointer { u in
                        LinearAlgebra.precisionCholesky(covariance: c.baseAddress! + o, d: d, into: u.baseAddress! + o)
                    }
                }
                guard let ld, ld.isFinite else { throw GaussianMixtureError.illDefinedCovariance(component: component) }
                if covarianceType == .full { logDet[b] = ld } else { logDet = Array(repeating: ld, count: K) }
            }
        case .diag, .spherical:
            let perComponent = covarianceType == .diag ? d : 1
            for k in 0..<K {
                for j in 0..<perComponent {
                    let v = covariances[k * perComponent + j]
                    // (1/v finite too: a precision of +inf would make every density NaN)
                    guard v > 0, v.isFinite, (1 / v).isFinite else { throw GaussianMixtureError.illDefinedCovariance(component: k) }
                    U[k * perComponent + j] = 1 / v.squareRoot()
                    logDet[k] += Double(d / perComponent) * log(U[k * perComponent + j])
                }
                guard logDet[k].isFinite else { throw GaussianMixtureError.illDefinedCovariance(component: k) }
            }
        }
        self.init(covarianceType: covarianceType, weights: weights, means: means, covariances: covariances,
                  precisionsCholesky: U, logDeterminants: logDet)
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
        let type = name.split(separator: " ").first.map(String.init) ?? ""
        let what = type == "diag" || type == "spherical" ? "should be positive" : "should be symmetric, positive-definite"
        return .invalidArgument("'\(name)' \(what) (\(component.map { "component \($0)" } ?? "the shared tied matrix")).")
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
                    throw GaussianMixtureError.invalidArgument("'\(name)' should be symmetric, positive-definite (\(type == .full ? "component \(b)" : "the shared tied matrix") is not symmetric: [\(i)][\(j)] = \(values[o + i * d + j]), [\(j)][\(i)] = \(values[o + j * d + i])).")
                }
            }
        }
    }

    /// scikit-learn's shape text: "(2,)", "(2, 3)".
    static func shapeText(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }

    static func shapeError(_ name: String, expected: [Int], got: [Int]) -> GaussianMixtureError {
        .invalidArgument("The parameter '\(name)' should have the shape of \(shapeText(expected)), but got \(shapeText(got))")
    }

    /// The shape scikit-learn expects of a covariance-like parameter: full (K, d, d), tied
    /// (d, d), diag (K, d), spherical (K,).
    public static func covarianceShape(_ type: CovarianceType, components K: Int, features d: Int) -> [Int] {
        switch type {
        case .full: return [K, d, d]
        case .tied: return [d, d]
        case .diag: return [K, d]
        case .spherical: return [K]
        }
    }

    /// True when every value is exactly a float32 number: weights written from a float32
    /// array, whose sum is then only accurate to float32 rounding.
    static func looksFloat32(_ values: [Double]) -> Bool {
        values.allSatisfy { Double(Float($0)) == $0 }
    }

    /// scikit-learn's `_check_weights`: shape (K,), values in [0, 1], sum 1 within 1e-8 (1e-6
    /// for float32 weights, recognised by every value being a float32 number).
    static func checkWeights(_ weights: [Double], components K: Int) throws {
        guard weights.count == K else { throw shapeError("weights", expected: [K], got: [weights.count]) }
        if let bad = weights.firstIndex(where: { !$0.isFinite }) {
            throw GaussianMixtureError.invalidArgument("The parameter 'weights' contains a non-finite value (weights[\(bad)] = \(weights[bad])).")
        }
        if let bad = weights.firstIndex(where: { !($0 >= 0 && $0 <= 1) }), let low = weights.min(), let high = weights.max() {
            // scikit-learn's text word for word (scripts and its tests match it), which labels the
            // minimum "max value" and the maximum "min value"; the detail says it right.
            throw GaussianMixtureError.invalidArgument("The parameter 'weights' should be in the range [0, 1], but got max value \(format5(low)), min value \(format5(high)) (scikit-learn's wording swaps them: the largest weight is \(high), the smallest \(low); weights[\(bad)] = \(weights[bad])).")
        }
        let total = weights.reduce(0, +)
        let atol = looksFloat32(weights) ? 1e-6 : 1e-8
        guard abs(1 - total) <= atol else {
            throw GaussianMixtureError.invalidArgument("The parameter 'weights' should be normalized, but got sum(weights) = \(format5(total)) (\(total)).")
        }
    }

    /// scikit-learn's `_check_means`: shape (K, d), finite values.
    static func checkMeans(_ means: Matrix<Double>, components K: Int, features d: Int) throws {
        guard means.rows == K, means.columns == d else { throw shapeError("means", expected: [K, d], got: [means.rows, means.columns]) }
        if let bad = means.elements.firstIndex(where: { !$0.isFinite }) {
            throw GaussianMixtureError.invalidArgument("The parameter 'means' contains a non-finite value (means[\(bad / d)][\(bad % d)]).")
        }
        if let bad = means.elements.firstIndex(where: { abs($0) > dataMagnitudeLimit }) {
            throw GaussianMixtureError.invalidArgument("The parameter 'means' contains \(means.elements[bad]) (means[\(bad / d)][\(bad % d)]), beyond ±\(dataMagnitudeLimit): squared distances would overflow double precision.")
        }
    }

    /// Shapes, finiteness and the weights' range and sum; `name` is "precision" or "covariance"
    /// (reported as scikit-learn does: 'full precision').
    private static func checkShapes(weights: [Double], means: Matrix<Double>, values: [Double],
                                    _ type: CovarianceType, name: String) throws {
        let K = weights.count, d = means.columns
        guard K >= 1, d >= 1 else {
            throw GaussianMixtureError.invalidArgument("Parameters need at least one component and one feature (got \(K) weights, \(d) features).")
        }
        try checkWeights(weights, components: K)
        try checkMeans(means, components: K, features: d)
        guard values.count == type.storageCount(components: K, features: d) else {
            throw shapeError("\(type.rawValue) \(name)", expected: covarianceShape(type, components: K, features: d), got: [values.count])
        }
    }
}

/// `%.5f`, as scikit-learn prints weights in its messages (C's formatting, as Python's).
func format5(_ x: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 400)  // %.5f of the largest double: 316 characters
    let written = withVaList([x]) { vsnprintf(&buffer, buffer.count, "%.5f", $0) }
    return String(decoding: buffer.prefix(max(0, min(Int(written), buffer.count - 1))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Initial values for some or all of the parameters: scikit-learn's `weights_init`,
/// `means_init` and `precisions_init` (here also `covariances` or `precisions_cholesky`
/// instead of precisions). The pieces that are missing come from the initialization method:
/// its responsibilities, one M-step, then each given piece replaces its estimate (the
/// covariances the M-step estimates are about its own means, as scikit-learn's are). When
/// weights, means and a covariance form are all given the method is not run.
///
/// Shapes (row-major, flat): `weights` (K,), `means` (K, d), and the covariance forms in
/// scikit-learn's shapes for the covariance type: full (K, d, d), tied (d, d), diag (K, d),
/// spherical (K,); `precisions` are the inverses of the covariances (1/variance for diag and
/// spherical), `precisionsCholesky` scikit-learn's `precisions_cholesky_`.
public struct InitialParameters: Sendable, Equatable {
    public var weights: [Double]?
    public var means: Matrix<Double>?
    public var covariances: [Double]?
    public var precisions: [Double]?
    public var precisionsCholesky: [Double]?

    public init(weights: [Double]? = nil, means: Matrix<Double>? = nil, covariances: [Double]? = nil,
                precisions: [Double]? = nil, precisionsCholesky: [Double]? = nil) {
        self.weights = weights
        self.means = means
        self.covariances = covariances
        self.precisions = precisions
        self.precisionsCholesky = precisionsCholesky
    }

    /// Every piece of a complete model.
    public init(_ p: GaussianMixtureParameters) {
        self.init(weights: p.weights, means: p.means, covariances: p.covariances)
    }

    /// True when no piece is given.
    public var isEmpty: Bool { weights == nil && means == nil && covarianceForms == 0 }

    /// True when weights, means and one covariance form are given: no method needs to run.
    public var isComplete: Bool { weights != nil && means != nil && covarianceForms == 1 }

    private var covarianceForms: Int {
        [covariances != nil, precisions != nil, precisionsCholesky != nil].filter { $0 }.count
    }

    /// Checks every given piece against K components, d features and the covariance type,
    /// with scikit-learn's messages (`_check_weights`, `_check_means`, `_check_precisions`).
    public func validate(components K: Int, features d: Int, covarianceType type: CovarianceType) throws {
        typealias P = GaussianMixtureParameters
        guard covarianceForms <= 1 else {
            throw GaussianMixtureError.invalidArgument("Give at most one of the initial 'covariances', 'precisions' and 'precisions_cholesky'.")
        }
        if let weights { try P.checkWeights(weights, components: K) }
        if let means { try P.checkMeans(means, components: K, features: d) }
        let expected = P.covarianceShape(type, components: K, features: d)
        for (name, values) in [("\(type.rawValue) precision", precisions), ("\(type.rawValue) covariance", covariances),
                               ("precisions_cholesky", precisionsCholesky)] {
            guard let values else { continue }
            guard values.count == type.storageCount(components: K, features: d) else {
                throw P.shapeError(name, expected: expected, got: [values.count])
            }
            // Each block on its own (no K-sized arrays: K has not been checked against the data yet).
            let blocks = type == .tied ? 1 : K, per = values.count / blocks
            let single: CovarianceType = type == .tied ? .full : type
            for b in 0..<blocks {
                let block = Array(values[(b * per)..<((b + 1) * per)])
                do {
                    let unit = Matrix<Double>(rows: 1, columns: d)
                    switch name {
                    case "precisions_cholesky": _ = try P(weights: [1], means: unit, precisionsCholesky: block, covarianceType: single)
                    case _ where name.hasSuffix("precision"): _ = try P(weights: [1], means: unit, precisions: block, covarianceType: single)
                    default: _ = try P(weights: [1], means: unit, covariances: block, covarianceType: single)
                    }
                } catch GaussianMixtureError.invalidArgument(let text) {
                    // Name the component (or the tied matrix) and the type as given.
                    let which = type == .tied ? "the shared tied matrix" : "component \(b)"
                    throw GaussianMixtureError.invalidArgument(text.replacing("'\(single.rawValue) ", with: "'\(type.rawValue) ")
                        .replacing("component 0", with: which))
                }
            }
        }
    }

    /// The parameters these pieces and an estimate for the missing ones make: each given piece
    /// replaces its estimate.
    func completed(with estimate: GaussianMixtureParameters?) throws -> GaussianMixtureParameters {
        guard let weights = weights ?? estimate?.weights, let means = means ?? estimate?.means else {
            preconditionFailure("InitialParameters.completed: an estimate is needed for the missing pieces")
        }
        let type = estimate?.covarianceType
        if let precisions, let type { return try GaussianMixtureParameters(weights: weights, means: means, precisions: precisions, covarianceType: type) }
        if let precisionsCholesky, let type {
            return try GaussianMixtureParameters(weights: weights, means: means, precisionsCholesky: precisionsCholesky, covarianceType: type)
        }
        if let covariances, let type { return try GaussianMixtureParameters(weights: weights, means: means, covariances: covariances, covarianceType: type) }
        guard let estimate else { preconditionFailure("InitialParameters.completed: no covariance") }
        return try GaussianMixtureParameters(checkedShapesWeights: weights, means: means, covariances: estimate.covariances,
                                             covarianceType: estimate.covarianceType)
    }
}

/// FNV-1a over the bit patterns of labelled arrays: a digest that tells start values apart.
func startDigest(_ parts: [(String, [Double])]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    for (label, values) in parts {
        for b in label.utf8 { mix(b) }
        for v in values { var bits = v.bitPattern; for _ in 0..<8 { mix(UInt8(truncatingIfNeeded: bits)); bits >>= 8 } }
    }
    return h
}

extension GaussianMixtureParameters {
    /// A digest of the weights, means and covariances (see `GaussianMixture.initializationName`).
    public var digest: UInt64 {
        startDigest([(covarianceType.rawValue, []), ("weights", weights), ("means", means.elements), ("covariances", covariances)])
    }
}

extension InitialParameters {
    /// A digest of the given pieces (see `GaussianMixture.initializationName`).
    public var digest: UInt64 {
        startDigest([("weights", weights ?? []), ("means", means?.elements ?? []), ("covariances", covariances ?? []),
                     ("precisions", precisions ?? []), ("precisions_cholesky", precisionsCholesky ?? [])])
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
