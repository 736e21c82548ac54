#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A component whose fit the regularization, not the data, holds up.
///
/// With `reg_covar` > 0 a component can settle on a few points that share one value in some
/// direction (a rounded or integer-valued feature, say). Its variance there is then
/// `reg_covar` itself, its density at those points is huge, and the likelihood, hence BIC,
/// rewards a model the data do not support. mclust declines such fits (it reports no BIC for
/// singular covariances); we keep them but flag them:
/// - `.regularization`: the smallest eigenvalue of the covariance is at most
///   `GaussianMixture.regularizationHoldFactor` × `reg_covar`, i.e. at least half of the
///   variance in that direction is `reg_covar` (the empirical part is an eigenvalue of
///   Σ − reg·I, so the test is whether Σ − 2·reg·I fails to be positive definite);
/// - `.fewPoints`: fewer effective points (Nₖ = Σₙ wₙγₙₖ) than a covariance of this type
///   needs to be non-singular: d + 1 for full, 2 for diag and spherical (tied pools all
///   components and is judged by its eigenvalues only).
public struct RegularizationHold: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case regularization
        case fewPoints = "few-points"
    }

    /// The component (`nil`: the shared covariance of a tied model).
    public let component: Int?
    /// The feature most involved: the largest entry of the eigenvector of the smallest
    /// eigenvalue (the feature itself for diag; `nil` for spherical and for `.fewPoints`).
    public let feature: Int?
    /// The smallest variance (eigenvalue) of the covariance, reg_covar included.
    public let variance: Double
    /// Effective points of the component (of all the data for tied).
    public let points: Double
    public let reason: Reason

    public init(component: Int?, feature: Int?, variance: Double, points: Double, reason: Reason) {
        self.component = component
        self.feature = feature
        self.variance = variance
        self.points = points
        self.reason = reason
    }

    public var description: String {
        let who = component.map { "component \($0)" } ?? "the tied covariance"
        let rounded = points >= 1e15 ? "\(points)" : points >= 9.95 ? String(Int(points.rounded())) : String((points * 10).rounded() / 10)
        switch reason {
        case .regularization:
            return "\(who)" + (feature.map { ", feature \($0)" } ?? "") + ": variance \(Float(variance)) held up by reg_covar (\(rounded) points)"
        case .fewPoints:
            return "\(who): \(rounded) effective points, too few for its covariance"
        }
    }
}

extension GaussianMixture {
    /// A variance within this factor of reg_covar is held up by the regularization.
    public static let regularizationHoldFactor = 2.0
}

extension GaussianMixtureParameters {
    /// The components the regularization holds up (see `RegularizationHold`), for a model
    /// fitted with `regCovar` to data of total sample weight `samples` (N when unweighted).
    public func regularizationHolds(regCovar: Double, samples: Double) -> [RegularizationHold] {
        let K = components, d = features
        let threshold = GaussianMixture.regularizationHoldFactor * regCovar
        var holds: [RegularizationHold] = []
        func points(_ k: Int) -> Double { weights[k] * samples }
        switch covarianceType {
        case .diag:
            for k in 0..<K {
                let variances = Array(covariances[(k * d)..<((k + 1) * d)])
                let (i, v) = variances.enumerated().min { $0.element < $1.element }.map { ($0.offset, $0.element) }!
                if regCovar > 0 && v <= threshold {
                    holds.append(RegularizationHold(component: k, feature: i, variance: v, points: points(k), reason: .regularization))
                } else if points(k) < 2 {
                    holds.append(RegularizationHold(component: k, feature: nil, variance: v, points: points(k), reason: .fewPoints))
                }
            }
        case .spherical:
            for k in 0..<K {
                let v = covariances[k]
                if regCovar > 0 && v <= threshold {
                    holds.append(RegularizationHold(component: k, feature: nil, variance: v, points: points(k), reason: .regularization))
                } else if points(k) < 2 {
                    holds.append(RegularizationHold(component: k, feature: nil, variance: v, points: points(k), reason: .fewPoints))
                }
            }
        case .full, .tied:
            for b in 0..<(covarianceType == .full ? K : 1) {
                let o = b * d * d
                let sigma = Array(covariances[o..<(o + d * d)])
                let u = Array(precisionsCholesky[o..<(o + d * d)])
                let (vector, smallest) = Self.smallestEigenpair(covariance: sigma, precisionCholesky: u, d: d)
                let component: Int? = covarianceType == .full ? b : nil
                let n = component.map(points) ?? samples
                if regCovar > 0 && Self.notPositiveDefinite(sigma, shiftedBy: threshold, d: d) {
                    let feature = vector.indices.max { abs(vector[$0]) < abs(vector[$1]) }
                    holds.append(RegularizationHold(component: component, feature: feature, variance: smallest, points: n,
                                                    reason: .regularization))
                } else if let component, n < Double(d + 1) {
                    holds.append(RegularizationHold(component: component, feature: nil, variance: smallest, points: n, reason: .fewPoints))
                }
            }
        }
        return holds
    }

    /// True when Σ − t·I is not positive definite (its Cholesky factorization fails).
    static func notPositiveDefinite(_ sigma: [Double], shiftedBy t: Double, d: Int) -> Bool {
        var shifted = sigma
        for i in 0..<d { shifted[i * d + i] -= t }
        var u = [Double](repeating: 0, count: d * d)
        return shifted.withUnsafeBufferPointer { c in
            u.withUnsafeMutableBufferPointer { LinearAlgebra.precisionCholesky(covariance: c.baseAddress!, d: d, into: $0.baseAddress!) }
        } == nil
    }

    /// The eigenvector of Σ's smallest eigenvalue and that eigenvalue, by inverse iteration
    /// with Σ⁻¹ = U Uᵀ (O(d²) a step; fast exactly when the smallest eigenvalue stands apart,
    /// the case that matters here).
    static func smallestEigenpair(covariance sigma: [Double], precisionCholesky u: [Double], d: Int) -> ([Double], Double) {
        var x = (0..<d).map { 1 / (Double($0) + 1).squareRoot() }  // not orthogonal to any axis
        var y = [Double](repeating: 0, count: d)
        for _ in 0..<100 {
            // y = U (Uᵀ x)
            var t = [Double](repeating: 0, count: d)
            for j in 0..<d { for i in 0...j { t[j] += u[i * d + j] * x[i] } }
            for i in 0..<d { y[i] = 0; for j in i..<d { y[i] += u[i * d + j] * t[j] } }
            let norm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0, norm.isFinite else { break }
            let next = y.map { $0 / norm }
            let moved = zip(next, x).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            x = next
            if moved < 1e-20 { break }
        }
        var rayleigh = 0.0
        for i in 0..<d { for j in 0..<d { rayleigh += x[i] * sigma[i * d + j] * x[j] } }
        return (x, rayleigh)
    }
}
