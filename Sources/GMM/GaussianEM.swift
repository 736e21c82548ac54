/// What to do when a component's covariance becomes ill-defined during EM.
public enum DegeneratePolicy: String, Sendable, CaseIterable {
    /// Throw `.illDefinedCovariance(component:)` with scikit-learn's advice (the default).
    case fail
    /// Re-initialize the component at the point with the lowest likelihood (the worst
    /// explained one), with a typical covariance and an average weight, record it, continue.
    case reseed
}

/// A component re-seeded under `DegeneratePolicy.reseed`.
public struct ReseedEvent: Sendable, Equatable {
    /// Start index (0 ..< initializations).
    public let initialization: Int
    /// EM iteration whose M-step collapsed the component (from 1).
    public let iteration: Int
    /// The component that collapsed.
    public let component: Int
    /// The data row it was re-seeded at.
    public let row: Int
}

/// Where the Gaussian family records re-seeds as the loop runs.
final class ReseedLog {
    var events: [ReseedEvent] = []
    var initialization = 0
    var iteration = 0
}

/// The Gaussian family for the EM loop: the fused pass runs in the C drivers, the M-step
/// turns its shifted sufficient statistics into parameters.
///
/// With shift sₖ (the means of the E-step), G = Σₙ wₙγₙₖ, S1 = Σₙ wₙγₙₖ(xₙ − sₖ) and
/// S2 = Σₙ wₙγₙₖ(xₙ − sₖ)(xₙ − sₖ)ᵀ, scikit-learn's estimates (with Nₖ = G + 10·eps) are
///   μₖ = (S1 + G sₖ) / Nₖ,   m = μₖ − sₖ,   Cₖ = S2 − m S1ᵀ − S1 mᵀ + G m mᵀ,
///   full: Σₖ = Cₖ / Nₖ + reg·I,        tied: Σ = Σₖ Cₖ / Σₖ Nₖ + reg·I,
///   diag: σ²ₖ = diag(Cₖ) / Nₖ + reg,    spherical: the mean of the diag variances,
///   πₖ = Nₖ / Σⱼ Nⱼ.
/// Cₖ is exactly Σ wγ (x − μₖ)(x − μₖ)ᵀ rewritten about the shift, so no large terms cancel
/// (tied: Σₖ Cₖ equals scikit-learn's Σ x xᵀ − Σₖ Nₖ μₖ μₖᵀ up to 10·eps·μμᵀ).
struct GaussianEMFamily: MixtureEMFamily {
    let engine: PassEngine
    let covarianceType: CovarianceType
    let regCovar: Double
    let policy: DegeneratePolicy
    let log: ReseedLog
    /// Σ wₙ (N when unweighted): the lower bound is the weighted mean log-likelihood.
    let weightSum: Double

    func step(from parameters: GaussianMixtureParameters) throws -> (meanLogLikelihood: Double, next: GaussianMixtureParameters) {
        let model = GaussianModelBuffers(parameters)
        let totals = engine.run(model, mode: PassMode(accumulate: true, lowest: policy == .reseed ? engine.lowestCapacity : 0))
        log.iteration += 1
        let next = try maximize(nk: totals.nk, s1: totals.s1, s2: totals.s2, shift: model.means, reseedRows: totals.lowestRows)
        return (totals.logLikelihoodSum / weightSum, next)
    }

    /// The M-step from statistics accumulated about `shift` (K·d). Under `.reseed`, components
    /// that fail are moved to `reseedRows` in order.
    func maximize(nk nkSums: UnsafeBufferPointer<Double>, s1: UnsafeBufferPointer<Double>,
                  s2: UnsafeBufferPointer<Double>, shift: [Double], reseedRows: [Int] = []) throws -> GaussianMixtureParameters {
        let K = engine.K, d = engine.d, type = covarianceType
        let eps10 = 10 * Double.ulpOfOne
        var weights = [Double](repeating: 0, count: K)
        var means = [Double](repeating: 0, count: K * d)
        var covariances = [Double](repeating: 0, count: type.storageCount(components: K, features: d))
        var m = [Double](repeating: 0, count: d)
        for k in 0..<K {
            let G = nkSums[k], nk = G + eps10
            weights[k] = nk
            for i in 0..<d {
                let s = shift[k * d + i]
                means[k * d + i] = (s1[k * d + i] + G * s) / nk
                m[i] = means[k * d + i] - s
            }
            switch type {
            case .full, .tied:
                let o = k * d * d, target = type == .full ? k * d * d : 0
                for i in 0..<d {
                    for j in i..<d {
                        let scatter = s2[o + i * d + j] - m[i] * s1[k * d + j] - s1[k * d + i] * m[j] + G * m[i] * m[j]
                        let c = type == .full ? scatter / nk : scatter  // tied: divided by Σ Nₖ below
                        covariances[target + i * d + j] += c
                        if j != i { covariances[target + j * d + i] += c }
                    }
                }
            case .diag, .spherical:
                for i in 0..<d {
                    let s1i = s1[k * d + i]
                    let v = (s2[k * d + i] - 2 * m[i] * s1i + G * m[i] * m[i]) / nk + regCovar
                    if type == .diag { covariances[k * d + i] = v } else { covariances[k] += v / Double(d) }
                }
            }
        }
        switch type {
        case .full:
            for k in 0..<K { for i in 0..<d { covariances[k * d * d + i * d + i] += regCovar } }
        case .tied:
            let total = weights.reduce(0, +)
            for i in covariances.indices { covariances[i] /= total }
            for i in 0..<d { covariances[i * d + i] += regCovar }
        case .diag, .spherical:
            break
        }
        var unusedRows = reseedRows[...]
        while true {
            let total = weights.reduce(0, +)
            do {
                return try GaussianMixtureParameters(checkedShapesWeights: weights.map { $0 / total },
                                                     means: Matrix(rows: K, columns: d, elements: means),
                                                     covariances: covariances, covarianceType: type)
            } catch GaussianMixtureError.illDefinedCovariance(let component?) where policy == .reseed && !unusedRows.isEmpty {
                let row = unusedRows.removeFirst()
                reseed(component, at: row, weights: &weights, means: &means, covariances: &covariances)
                log.events.append(ReseedEvent(initialization: log.initialization, iteration: log.iteration,
                                              component: component, row: row))
            }
        }
    }

    /// Moves component k to data row `row` with an average weight and a diagonal covariance
    /// of the typical per-feature variance of the other components.
    private func reseed(_ k: Int, at row: Int, weights: inout [Double], means: inout [Double], covariances: inout [Double]) {
        let K = engine.K, d = engine.d
        let x = engine.data.row(row)
        for i in 0..<d { means[k * d + i] = x[i] }
        weights[k] = weights.reduce(0, +) / Double(K)
        func variance(_ j: Int, _ i: Int) -> Double {
            switch covarianceType {
            case .full: return covariances[j * d * d + i * d + i]
            case .diag: return covariances[j * d + i]
            case .spherical: return covariances[j]
            case .tied: return covariances[i * d + i]
            }
        }
        let others = (0..<K).filter { j in j != k && (0..<d).allSatisfy { variance(j, $0) > regCovar && variance(j, $0).isFinite } }
        let typical = (0..<d).map { i -> Double in
            others.isEmpty ? 1 : others.reduce(0) { $0 + variance($1, i) } / Double(others.count)
        }
        switch covarianceType {
        case .full:
            for i in 0..<d { for j in 0..<d { covariances[k * d * d + i * d + j] = i == j ? typical[i] : 0 } }
        case .diag:
            for i in 0..<d { covariances[k * d + i] = typical[i] }
        case .spherical:
            covariances[k] = typical.reduce(0, +) / Double(d)
        case .tied:
            break  // a shared covariance has no component to move
        }
    }
}
