#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Data checks of the discrete families, each failure naming the first bad value's row and
/// column (0-based): NaN or infinity; Bernoulli values outside [0, 1]; Poisson counts that
/// are negative, not integers or beyond 2⁵³; categorical codes that are negative, not
/// integers or not below the feature's number of categories.
enum DiscreteData {
    /// Largest count or code: every integer up to 2⁵³ is a double.
    static let largestInteger = 9_007_199_254_740_992.0
    /// Most categories in all (the one-hot coding's width D): a block of rows holds D values per row.
    static let maximumCategories = 65_536

    /// Validates `X` for `family` and returns the categories per feature (categorical: the
    /// `declared` ones, else each column's largest code + 1; empty for the other families).
    /// In a distributed job (`distribution`) each process scans its share of the rows and
    /// every process reports the same first bad value.
    static func check<Element: GMMScalar>(_ X: Matrix<Element>, family: MixtureFamily, declared: [Int]?,
                                          distribution: PassDistribution? = nil) throws -> [Int] {
        typealias E = GaussianMixtureError
        let (lo, hi) = try X.checkedRanges(distribution: distribution)
        let d = X.columns
        if let declared, family == .categorical {
            guard declared.count == d else {
                throw E.invalidArgument("\(declared.count) category counts were given for \(d) features.")
            }
            for (i, c) in declared.enumerated() where c < 1 || c > maximumCategories {
                throw E.invalidArgument("Feature \(i) must have between 1 and \(maximumCategories) categories (got \(c)).")
            }
            try checkTotal(declared, what: "declared")
        }
        func requirement(_ column: Int) -> (lo: Double, hi: Double, integer: Bool, text: String) {
            switch family {
            case .bernoulli: return (0, 1, false, "Bernoulli data must lie in [0, 1]")
            case .poisson: return (0, largestInteger, true, "Poisson data must be non-negative integer counts (at most 2^53)")
            case .categorical:
                if let declared {
                    return (0, Double(declared[column] - 1), true,
                            "categorical codes of feature \(column) must be integers in [0, \(declared[column] - 1)] (\(declared[column]) categories)")
                }
                return (0, largestInteger, true, "categorical codes must be non-negative integers")
            case .gaussian: return (-.infinity, .infinity, false, "")
            }
        }
        let rules = (0..<d).map(requirement)
        let rangeBad = (0..<d).contains { lo[$0] < rules[$0].lo || hi[$0] > rules[$0].hi }
        let needsIntegers = rules.contains { $0.integer }
        if rangeBad || needsIntegers {
            let x = X.storage.pointer, ld = X.rowStride
            func firstBad(_ rows: Range<Int>) -> (row: Int, column: Int, value: Double)? {
                for r in rows {
                    for c in 0..<d {
                        let v = Double(x[r * ld + c])
                        let rule = rules[c]
                        if v < rule.lo || v > rule.hi || (rule.integer && v != v.rounded(.towardZero)) { return (r, c, v) }
                    }
                }
                return nil
            }
            var bad: (row: Int, column: Int, value: Double)?
            if let distribution, distribution.size > 1 {
                // [row (-1: none), column, value] per process, gathered; the first in row order wins.
                let P = distribution.size, rank = distribution.rank
                var record = [Double](repeating: -1, count: 3 * P)
                if let b = firstBad(distribution.rowShare(X.rows)) {
                    record[3 * rank] = Double(b.row); record[3 * rank + 1] = Double(b.column); record[3 * rank + 2] = b.value
                }
                record.withUnsafeMutableBufferPointer { distribution.allGather($0.baseAddress!, counts: [Int](repeating: 3, count: P)) }
                if let p = (0..<P).first(where: { record[3 * $0] >= 0 }) {
                    let row = Int(record[3 * p]), column = Int(record[3 * p + 1])
                    bad = (row: row, column: column, value: record[3 * p + 2])
                }
            } else {
                bad = firstBad(0..<X.rows)
            }
            if let bad { throw E.invalidValue(row: bad.row, column: bad.column, value: bad.value, requirement: rules[bad.column].text) }
        }
        guard family == .categorical else { return [] }
        if let declared { return declared }
        for (i, top) in hi.enumerated() where top >= Double(maximumCategories) {
            throw E.invalidArgument("Feature \(i) has the code \(Int(top)): at most \(maximumCategories) categories are supported (recode the feature, or give --categories).")
        }
        let inferred = hi.map { Int($0) + 1 }
        try checkTotal(inferred, what: "found in the data")
        return inferred
    }

    /// The one-hot width Σ Cᵢ must stay within `maximumCategories`.
    static func checkTotal(_ categories: [Int], what: String) throws {
        var total = 0
        for c in categories {
            guard c >= 1 else { throw GaussianMixtureError.invalidArgument("Every feature needs at least 1 category (got \(c)).") }
            let (sum, overflow) = total.addingReportingOverflow(c)
            guard !overflow, sum <= maximumCategories else {
                throw GaussianMixtureError.invalidArgument("The categories \(what) add up to more than \(maximumCategories) (the one-hot coding's width): recode some features.")
            }
            total = sum
        }
    }

    /// −Σᵢ log xₙᵢ! of every row for Poisson data (nil for the other families): the part of
    /// each row's log-likelihood that no component changes, added to it inside the pass
    /// (before any sum, so a row with a huge count cannot round the others away).
    /// In a distributed job only the rows of this process's share are computed (the others are 0).
    static func rowTerms<Element: GMMScalar>(_ X: Matrix<Element>, family: MixtureFamily,
                                             distribution: PassDistribution? = nil) -> [Double]? {
        guard family == .poisson else { return nil }
        let x = X.storage.pointer, ld = X.rowStride, share = rowShare(X.rows, distribution)
        return (0..<X.rows).map { r in
            guard share.contains(r) else { return 0 }
            var row = 0.0
            for c in 0..<X.columns { row += LogFactorial.negative(Double(x[r * ld + c])) }
            return row
        }
    }
}

/// The M-step of the discrete families from the statistics of one pass: with
/// Nₖ = Σₙ wₙγₙₖ + 10·eps (scikit-learn's guard), Sₖ = Σₙ wₙγₙₖ xₙ and the pseudo-count α,
///
///     πₖ = Nₖ / Σⱼ Nⱼ
///     Bernoulli:    μₖᵢ = (Sₖᵢ + α) / (Nₖ + 2α)           (a Beta(1 + α, 1 + α) prior)
///     categorical:  θₖᵢc = (Sₖᵢc + α) / Σ_c' (Sₖᵢc' + α)   (a Dirichlet(1 + α) prior)
///     Poisson:      λₖᵢ = (Sₖᵢ + α) / (Nₖ + α)            (a Gamma(1 + α, α) prior)
///
/// (the posterior modes; α = 0 is maximum likelihood). A component whose Σₙ wₙγₙₖ is 0 has no
/// data to estimate it from: `.illDefinedComponent`, or under `.reseed` it is moved to one of
/// `reseedRows` (the worst explained points), halfway between that point and the data mean.
struct DiscreteMStep {
    let family: MixtureFamily
    let categories: [Int]
    let pseudoCount: Double
    let policy: DegeneratePolicy

    func callAsFunction(nk: UnsafeBufferPointer<Double>, sums: UnsafeBufferPointer<Double>, D: Int,
                        reseedRows: [Int] = [], row: (Int) -> [Double], dataMean: () -> [Double],
                        onReseed: (_ component: Int, _ row: Int?) -> Void) throws -> DiscreteMixtureParameters {
        let K = nk.count, eps10 = 10 * Double.ulpOfOne, a = pseudoCount
        var N = (0..<K).map { nk[$0] + eps10 }
        var S = Array(sums)
        var unused = reseedRows[...]
        for k in 0..<K where !(nk[k] > 0) {
            guard policy == .reseed else { throw GaussianMixtureError.illDefinedComponent(component: k) }
            // Half the worst-explained point, half the data mean, with the mean weight; in the
            // initial estimate (no likelihoods yet, so no worst point) the data mean.
            let r = unused.popFirst()
            let x = r.map(row), mean = dataMean()
            let w = N.reduce(0, +) / Double(K)
            N[k] = w
            for i in 0..<D { S[k * D + i] = w * (x.map { 0.5 * ($0[i] + mean[i]) } ?? mean[i]) }
            onReseed(k, r)
        }
        let total = N.reduce(0, +)
        let weights = N.map { $0 / total }
        var offsets = [0]
        for c in categories { offsets.append(offsets.last! + c) }
        let means = Matrix<Double>(rows: K, columns: D) { m in
            for k in 0..<K {
                switch family {
                case .bernoulli:
                    for i in 0..<D { m[k * D + i] = min(1, max(0, (S[k * D + i] + a) / (N[k] + 2 * a))) }
                case .poisson:
                    for i in 0..<D { m[k * D + i] = max(0, (S[k * D + i] + a) / (N[k] + a)) }
                case .categorical:
                    for j in 0..<categories.count {
                        let range = offsets[j]..<offsets[j + 1]
                        var sum = 0.0
                        for c in range { sum += max(0, S[k * D + c]) + a }
                        for c in range { m[k * D + c] = sum > 0 ? (max(0, S[k * D + c]) + a) / sum : 1 / Double(range.count) }
                    }
                case .gaussian:
                    preconditionFailure()
                }
            }
        }
        return DiscreteMixtureParameters(unchecked: family, weights: weights, means: means, categories: categories)
    }
}

/// A discrete family for the EM loop: one fused pass (E-step and Σγ, Σγx at once) through the
/// linear kernels, then `DiscreteMStep`.
struct DiscreteEMFamily: MixtureEMFamily {
    let engine: PassEngine
    let mstep: DiscreteMStep
    let log: ReseedLog
    /// Σ wₙ: the lower bound is the weighted mean log-likelihood.
    let weightSum: Double
    let dataMean: LazyBox<[Double]>

    func reseeded(inIteration iteration: Int) -> Bool { log.reseeded(inIteration: iteration) }

    func step(from parameters: DiscreteMixtureParameters) throws -> (meanLogLikelihood: Double, next: DiscreteMixtureParameters) {
        let (A, b) = parameters.linearForm()
        let lowest = mstep.policy == .reseed ? engine.lowestCapacity : 0
        let totals = engine.run(linear: A, b, mode: PassMode(accumulate: true, lowest: lowest))
        log.iteration += 1
        let iteration = log.iteration, start = log.initialization
        let next = try mstep(nk: totals.nk, sums: totals.s1, D: engine.d, reseedRows: totals.lowestRows,
                             row: { engine.rows([$0]) }, dataMean: { dataMean.value }) { k, r in
            log.events.append(ReseedEvent(initialization: start, iteration: iteration, component: k, row: r))
        }
        return (totals.logLikelihoodSum / weightSum, next)
    }

    /// The first parameters from an initialization's first moments.
    func parameters(nk: [Double], sums: [Double]) throws -> DiscreteMixtureParameters {
        try nk.withUnsafeBufferPointer { n in
            try sums.withUnsafeBufferPointer { s in
                try mstep(nk: n, sums: s, D: engine.d, row: { engine.rows([$0]) }, dataMean: { dataMean.value }) { k, r in
                    log.events.append(ReseedEvent(initialization: log.initialization, iteration: 0, component: k, row: r))
                }
            }
        }
    }
}
