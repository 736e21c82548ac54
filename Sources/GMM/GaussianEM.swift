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
    /// EM iteration whose M-step collapsed the component (from 1); 0 for the initial
    /// estimate (the initialization method's M-step).
    public let iteration: Int
    /// The component that collapsed; `nil` for the shared covariance of a tied model.
    public let component: Int?
    /// The data row it was moved to; `nil` when it kept its mean and only its covariance was
    /// reset (a collapse in the initial estimate, where the method placed the means, and the
    /// tied covariance).
    public let row: Int?

    public init(initialization: Int, iteration: Int, component: Int?, row: Int?) {
        self.initialization = initialization
        self.iteration = iteration
        self.component = component
        self.row = row
    }
}

/// Where the Gaussian family records re-seeds as the loop runs.
final class ReseedLog {
    var events: [ReseedEvent] = []
    var initialization = 0
    var iteration = 0

    /// True when the current start re-seeded a component in the M-step of `iteration`.
    func reseeded(inIteration iteration: Int) -> Bool {
        events.contains { $0.initialization == initialization && $0.iteration == iteration }
    }
}

/// Statistics of one pass, accumulated about `shift` (see `PassTotals`), copied out of the
/// pass workspace.
struct SufficientStatistics {
    var nk: [Double]
    var s1: [Double]
    var s2: [Double]
    var shift: [Double]

    init(_ totals: PassTotals, shift: [Double]) {
        nk = Array(totals.nk)
        s1 = Array(totals.s1)
        s2 = Array(totals.s2)
        self.shift = shift
    }

    init(nk: [Double], s1: [Double], s2: [Double], shift: [Double]) {
        self.nk = nk
        self.s1 = s1
        self.s2 = s2
        self.shift = shift
    }
}

/// The M-step's estimate before factorization: weights normalized, means, covariances in
/// scikit-learn's storage (reg_covar added).
struct GaussianEstimate {
    var weights: [Double]
    var means: [Double]
    var covariances: [Double]
}

/// The Gaussian family for the EM loop: the fused pass runs in the C drivers, the M-step
/// turns its shifted sufficient statistics into parameters.
///
/// With shift sₖ (the means of the E-step), G = Σₙ wₙγₙₖ, S1 = Σₙ wₙγₙₖ(xₙ − sₖ) and
/// S2 = Σₙ wₙγₙₖ(xₙ − sₖ)(xₙ − sₖ)ᵀ, scikit-learn's estimates (with Nₖ = G + 10·eps) are
///   m = (S1 − 10·eps·sₖ) / Nₖ,   μₖ = sₖ + m  (= (S1 + G sₖ) / Nₖ),   Cₖ = S2 − m S1ᵀ − S1 mᵀ + G m mᵀ,
///   full: Σₖ = Cₖ / Nₖ + reg·I,        tied: Σ = Σₖ Cₖ / Σₖ Nₖ + reg·I,
///   diag: σ²ₖ = diag(Cₖ) / Nₖ + reg,    spherical: the mean of the diag variances,
///   πₖ = Nₖ / Σⱼ Nⱼ.
/// Cₖ is exactly Σ wγ (x − μₖ)(x − μₖ)ᵀ rewritten about the shift, so no large terms cancel
/// while the shift is near the new mean (tied: Σₖ Cₖ equals scikit-learn's Σ x xᵀ −
/// Σₖ Nₖ μₖ μₖᵀ up to 10·eps·μμᵀ). When a component's mean moves far from its shift relative
/// to its spread (a component collapsing onto a few points), the terms of Cₖ are much larger
/// than Cₖ and its rounding error could decide whether it is positive: then the statistics
/// are accumulated once more about the new means (same responsibilities), which makes Cₖ a
/// sum of squares again. A covariance is ill-defined exactly where scikit-learn finds it so:
/// a Cholesky pivot or a variance that is not positive.
struct GaussianEMFamily: MixtureEMFamily {
    let engine: PassEngine
    let covarianceType: CovarianceType
    let regCovar: Double
    let policy: DegeneratePolicy
    let log: ReseedLog
    /// Σ wₙ (N when unweighted): the lower bound is the weighted mean log-likelihood.
    let weightSum: Double
    /// The data's per-feature variance, computed once when a re-seed needs it.
    let dataVariance: LazyBox<[Double]>
    /// τ of the truncated E-step (0: exact; see `GaussianMixture.truncation`).
    var truncation = 0.0

    /// Cᵢᵢ at most this fraction of the terms it is computed from triggers the accurate
    /// re-accumulation: its rounding error (eps × terms) would then exceed 1e-8 of it for
    /// float64 sums, 1e-3 for the float32 sums within blocks of float32 data. Ordinary
    /// iterations (a mean moving a few standard deviations) stay far below.
    var cancellationRatio: Double { engine.data.isFloat32 ? 1e-4 : 1e-8 }

    func reseeded(inIteration iteration: Int) -> Bool { log.reseeded(inIteration: iteration) }

    func step(from parameters: GaussianMixtureParameters) throws -> (meanLogLikelihood: Double, next: GaussianMixtureParameters) {
        let model = GaussianModelBuffers(parameters)
        let lowest = policy == .reseed ? engine.lowestCapacity : 0
        let totals = engine.run(model, mode: PassMode(accumulate: true, lowest: lowest, truncation: truncation))
        let logLikelihood = totals.logLikelihoodSum
        let rows = totals.lowestRows
        log.iteration += 1
        let next = try maximize(SufficientStatistics(totals, shift: model.means), reseedRows: rows) { shift in
            SufficientStatistics(engine.run(model, mode: PassMode(accumulate: true, shift: shift, truncation: truncation)), shift: shift)
        }
        return (logLikelihood / weightSum, next)
    }

    /// The M-step: estimate, then factorize; under `.reseed` collapsed components are moved
    /// to `reseedRows` in order (or, in the initial estimate, keep their means). `refine`
    /// re-accumulates the same responsibilities' statistics about another shift.
    func maximize(_ stats: SufficientStatistics, reseedRows: [Int] = [],
                  refine: ((_ shift: [Double]) -> SufficientStatistics)? = nil) throws -> GaussianMixtureParameters {
        try factorize(estimate(stats, refine: refine), reseedRows: reseedRows)
    }

    /// Weights, means and covariances from shifted statistics (see the type's comment).
    func estimate(_ stats: SufficientStatistics, refine: ((_ shift: [Double]) -> SufficientStatistics)? = nil) -> GaussianEstimate {
        Self.estimate(stats, components: engine.K, features: engine.d, covarianceType: covarianceType, regCovar: regCovar,
                      cancellationRatio: cancellationRatio, refine: refine)
    }

    /// The M-step of the type's comment, for K components of d features (no data needed: the
    /// distributed fit's M-step from summed statistics uses it too).
    static func estimate(_ stats: SufficientStatistics, components K: Int, features d: Int, covarianceType type: CovarianceType,
                         regCovar: Double, cancellationRatio: Double,
                         refine: ((_ shift: [Double]) -> SufficientStatistics)? = nil) -> GaussianEstimate {
        let eps10 = 10 * Double.ulpOfOne
        let (nkSums, s1, s2, shift) = (stats.nk, stats.s1, stats.s2, stats.shift)
        var weights = [Double](repeating: 0, count: K)
        var means = [Double](repeating: 0, count: K * d)
        var covariances = [Double](repeating: 0, count: type.storageCount(components: K, features: d))
        var m = [Double](repeating: 0, count: d)
        var cancelled = false
        // Cᵢᵢ against the size of the terms it is computed from.
        let ratio = cancellationRatio
        func check(_ c: Double, _ terms: Double) { if terms > 0 && !(c > ratio * terms) { cancelled = true } }
        for k in 0..<K {
            let G = nkSums[k], nk = G + eps10
            weights[k] = nk
            for i in 0..<d {
                // m = μ − s directly: (S1 + G s)/Nₖ − s = (S1 − 10·eps·s)/Nₖ, with no rounding
                // of μ in it (it matters where μ − s is tiny: a component on a single point).
                let s = shift[k * d + i]
                m[i] = (s1[k * d + i] - eps10 * s) / nk
                means[k * d + i] = s + m[i]
            }
            switch type {
            case .full, .tied:
                let o = k * d * d, target = type == .full ? k * d * d : 0
                for i in 0..<d {
                    for j in i..<d {
                        let scatter = s2[o + i * d + j] - m[i] * s1[k * d + j] - s1[k * d + i] * m[j] + G * m[i] * m[j]
                        if j == i { check(scatter, abs(s2[o + i * d + i]) + 2 * abs(m[i] * s1[k * d + i]) + G * m[i] * m[i]) }
                        let c = type == .full ? scatter / nk : scatter  // tied: divided by Σ Nₖ below
                        covariances[target + i * d + j] += c
                        if j != i { covariances[target + j * d + i] += c }
                    }
                }
            case .diag, .spherical:
                for i in 0..<d {
                    let s1i = s1[k * d + i]
                    let scatter = s2[k * d + i] - 2 * m[i] * s1i + G * m[i] * m[i]
                    check(scatter, abs(s2[k * d + i]) + 2 * abs(m[i] * s1i) + G * m[i] * m[i])
                    let v = scatter / nk + regCovar
                    if type == .diag { covariances[k * d + i] = v } else { covariances[k] += v / Double(d) }
                }
            }
        }
        if cancelled, let refine {
            return estimate(refine(means), components: K, features: d, covarianceType: type, regCovar: regCovar,
                            cancellationRatio: cancellationRatio, refine: nil)
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
        let total = weights.reduce(0, +)
        return GaussianEstimate(weights: weights.map { $0 / total }, means: means, covariances: covariances)
    }

    /// Precision Cholesky factors of an estimate. Under `.reseed`, a collapsed component is
    /// moved to the next of `reseedRows` with an average weight and a typical covariance, or,
    /// in the initial estimate (iteration 0), keeps its mean and gets the typical covariance;
    /// a collapsed tied covariance is replaced by the data's per-feature variances.
    func factorize(_ estimate: GaussianEstimate, reseedRows: [Int] = []) throws -> GaussianMixtureParameters {
        let K = engine.K, d = engine.d
        var e = estimate
        var unusedRows = reseedRows[...]
        let initial = log.iteration == 0
        var reseeded = Set<Int?>()  // a second collapse of the same component: its reset did not help
        while true {
            do {
                return try GaussianMixtureParameters(checkedShapesWeights: e.weights,
                                                     means: Matrix(rows: K, columns: d, elements: e.means),
                                                     covariances: e.covariances, covarianceType: covarianceType)
            } catch GaussianMixtureError.illDefinedCovariance(let component) where policy == .reseed && !reseeded.contains(component) {
                reseeded.insert(component)
                if let k = component {
                    guard initial || !unusedRows.isEmpty else { throw GaussianMixtureError.illDefinedCovariance(component: k) }
                    let row = initial ? nil : unusedRows.removeFirst()
                    reseed(k, at: row, &e)
                    log.events.append(ReseedEvent(initialization: log.initialization, iteration: log.iteration, component: k, row: row))
                } else {
                    // Tied: nothing to move; the shared covariance restarts from the data's spread.
                    let variance = dataVariance.value
                    guard variance.allSatisfy({ $0 + regCovar > 0 }) else { throw GaussianMixtureError.illDefinedCovariance(component: nil) }
                    for i in 0..<d { for j in 0..<d { e.covariances[i * d + j] = i == j ? variance[i] + regCovar : 0 } }
                    log.events.append(ReseedEvent(initialization: log.initialization, iteration: log.iteration, component: nil, row: nil))
                }
            }
        }
    }

    /// Moves component k to data row `row` (if given) with an average weight, and gives it a
    /// diagonal covariance of the typical per-feature variance of the healthy components (the
    /// data's own variance when none is healthy).
    private func reseed(_ k: Int, at row: Int?, _ e: inout GaussianEstimate) {
        let K = engine.K, d = engine.d
        if let row {
            let x = engine.rows([row])
            for i in 0..<d { e.means[k * d + i] = x[i] }
            e.weights[k] = 1 / Double(K)
            let total = e.weights.reduce(0, +)
            for j in 0..<K { e.weights[j] /= total }
        }
        func variance(_ j: Int, _ i: Int) -> Double {
            switch covarianceType {
            case .full: return e.covariances[j * d * d + i * d + i]
            case .diag: return e.covariances[j * d + i]
            case .spherical: return e.covariances[j]
            case .tied: return e.covariances[i * d + i]
            }
        }
        // Healthy: a covariance that factorizes on its own and whose variances are more than
        // reg_covar and more than round-off next to the data's spread.
        let spread = dataVariance.value
        let healthy = (0..<K).filter { j in
            j != k && factorizes(j, e) && (0..<d).allSatisfy {
                variance(j, $0) > regCovar && variance(j, $0) > 1e-12 * spread[$0] && variance(j, $0).isFinite
            }
        }
        // (A feature constant in the data has no spread to give: it keeps the (10·eps·μ)² a
        // component of identical points has there, as the M-step would leave it.)
        let typical: [Double] = (0..<d).map { i in
            let base = healthy.isEmpty ? spread[i] + regCovar : healthy.reduce(0) { $0 + variance($1, i) } / Double(healthy.count)
            let artefact = 10 * Double.ulpOfOne * e.means[k * d + i]
            return max(base, artefact * artefact)
        }
        switch covarianceType {
        case .full:
            for i in 0..<d { for j in 0..<d { e.covariances[k * d * d + i * d + j] = i == j ? typical[i] : 0 } }
        case .diag:
            for i in 0..<d { e.covariances[k * d + i] = typical[i] }
        case .spherical:
            e.covariances[k] = typical.reduce(0, +) / Double(d)
        case .tied:
            break  // handled by the caller
        }
    }
}

extension GaussianEMFamily {
    /// Whether component j's covariance in `e` factorizes by itself.
    func factorizes(_ j: Int, _ e: GaussianEstimate) -> Bool {
        let d = engine.d
        switch covarianceType {
        case .full:
            let block = Array(e.covariances[(j * d * d)..<((j + 1) * d * d)])
            return (try? GaussianMixtureParameters(checkedShapesWeights: [1], means: Matrix(rows: 1, columns: d),
                                                   covariances: block, covarianceType: .full)) != nil
        case .tied:
            return (try? GaussianMixtureParameters(checkedShapesWeights: [1], means: Matrix(rows: 1, columns: d),
                                                   covariances: e.covariances, covarianceType: .tied)) != nil
        case .diag:
            return (0..<d).allSatisfy { e.covariances[j * d + $0] > 0 && e.covariances[j * d + $0].isFinite }
        case .spherical:
            return e.covariances[j] > 0 && e.covariances[j].isFinite
        }
    }
}

/// A value computed on first use (a reference, so copies of a struct share it).
final class LazyBox<Value> {
    private var stored: Value?
    private let make: () -> Value
    init(_ make: @escaping () -> Value) { self.make = make }
    var value: Value {
        if let stored { return stored }
        let v = make()
        stored = v
        return v
    }
}
