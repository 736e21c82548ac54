#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starting parameters for EM (scikit-learn's `_initialize_parameters`). The heavy loops
/// (distances, Lloyd's assignment and the first M-step) run through the same C drivers as
/// EM: k-means is a hard-assignment pass of unit-precision diagonal Gaussians. Sample weights
/// carry through: weighted k-means++ and Lloyd, weighted first M-step.
struct Initializer {
    /// A Gaussian engine over the data (the fit's own for Gaussian mixtures; a diagonal one for
    /// the other families, whose starts come from the same k-means and random passes).
    let engine: PassEngine
    /// The Gaussian family whose first M-step `parameters` runs (nil for the other families,
    /// which take `firstMoments`).
    var family: GaussianEMFamily? = nil
    let threads: Int?
    let isa: KernelISA
    /// Called between k-means passes; throws to abandon the initialization (an interruption).
    var checkInterruption: () throws -> Void = {}

    /// Rows used for k-means++ seeding: all of them up to this count, a random sample beyond.
    static let seedingSampleLimit = 1 << 18
    /// Lloyd's iteration cap and relative tolerance, as scikit-learn's KMeans.
    static let kmeansMaxIterations = 300
    static let kmeansTolerance = 1e-4

    var data: DataSource { engine.data }
    var K: Int { engine.K }
    var d: Int { engine.d }

    /// The starting parameters: explicit ones as given; otherwise the method's responsibilities
    /// and one M-step, whose weights, means or covariances `given` pieces replace (scikit-learn's
    /// `_initialize`). When `given` is complete the method is not run (scikit-learn ≥ 1.4).
    /// Under `.reseed` a component that collapses in this first M-step keeps its mean and gets
    /// a typical covariance (recorded as iteration 0).
    func parameters(for method: InitializationMethod, given: InitialParameters? = nil,
                    rng: inout SeededGenerator) throws -> GaussianMixtureParameters {
        if case .parameters(let p) = method { return p }
        guard let family else { preconditionFailure("Initializer.parameters needs the Gaussian family") }
        let type = family.covarianceType
        if let given, given.isComplete {
            return try Self.assemble(given, type: type, estimate: nil, family: family)
        }
        let estimate = try estimate(for: method, rng: &rng)
        guard let given, !given.isEmpty else { return try family.factorize(estimate) }
        return try Self.assemble(given, type: type, estimate: estimate, family: family)
    }

    /// Given pieces over an estimate: each given piece replaces its estimate.
    private static func assemble(_ given: InitialParameters, type: CovarianceType, estimate: GaussianEstimate?,
                                 family: GaussianEMFamily) throws -> GaussianMixtureParameters {
        let K = family.engine.K, d = family.engine.d
        var e = estimate ?? GaussianEstimate(weights: [], means: [], covariances: [])
        if let w = given.weights { e.weights = w }
        if let m = given.means { e.means = m.elements }
        let means = Matrix(rows: K, columns: d, elements: e.means)
        if let p = given.precisions {
            return try GaussianMixtureParameters(weights: e.weights, means: means, precisions: p, covarianceType: type)
        }
        if let u = given.precisionsCholesky {
            return try GaussianMixtureParameters(weights: e.weights, means: means, precisionsCholesky: u, covarianceType: type)
        }
        if let c = given.covariances {
            return try GaussianMixtureParameters(weights: e.weights, means: means, covariances: c, covarianceType: type)
        }
        return try family.factorize(e)
    }

    /// The initialization method's responsibilities and the M-step from them (unfactorized).
    private func estimate(for method: InitializationMethod, rng: inout SeededGenerator) throws -> GaussianEstimate {
        let (stats, refine) = try statistics(for: method, rng: &rng)
        return family!.estimate(stats, refine: refine)
    }

    /// The method's responsibilities γ as raw first moments: Σₙ wₙγₙₖ and Σₙ wₙγₙₖ xₙ (K·d),
    /// all a family needs whose M-step reads only those (Bernoulli, categorical, Poisson).
    func firstMoments(for method: InitializationMethod, rng: inout SeededGenerator) throws -> (nk: [Double], sums: [Double]) {
        let (stats, _) = try statistics(for: method, rng: &rng)
        var sums = stats.s1
        for k in 0..<K { for i in 0..<d { sums[k * d + i] += stats.nk[k] * stats.shift[k * d + i] } }
        return (stats.nk, sums)
    }

    /// The method's responsibilities as statistics about a shift, with a way to accumulate
    /// them again about another shift (nil when they are exact as they are).
    private func statistics(for method: InitializationMethod, rng: inout SeededGenerator) throws
        -> (SufficientStatistics, refine: ((_ shift: [Double]) -> SufficientStatistics)?) {
        switch method {
        case .parameters:
            preconditionFailure("explicit parameters need no estimate")
        case .kmeansPlusPlus:
            let sample = seedingSample(rng: &rng)
            return (oneHot(rows: try kmeansPlusPlusRows(in: sample, rng: &rng).map { sample.rows?[$0] ?? $0 }), nil)
        case .randomFromData:
            var chosen = Set<Int>()
            var rows: [Int] = []
            while rows.count < K {
                let r = Int.random(in: 0..<data.rows, using: &rng)
                if weight(r) > 0, chosen.insert(r).inserted { rows.append(r) }
            }
            return (oneHot(rows: rows), nil)
        case .random:
            let shift = Array(repeating: columnMoments(of: data, weights: engine.weights, distribution: engine.distribution).mean,
                              count: K).flatMap { $0 }
            let unit = GaussianModelBuffers(centers: shift, d: d, K: K, covariance: engine.covariance)
            let seed = rng.next()
            let accumulate = { (shift: [Double]) in
                SufficientStatistics(engine.run(unit, mode: PassMode(accumulate: true, randomSeed: seed, shift: shift)), shift: shift)
            }
            return (accumulate(shift), accumulate)
        case .kmeans:
            // Seed and converge on the sample first; the full data then need few iterations.
            let sample = seedingSample(rng: &rng)
            let seeds = try kmeansPlusPlusRows(in: sample, rng: &rng).flatMap { sample.data.row($0) }
            var centers = try lloyd(on: sample.data, weights: sample.weights, from: seeds, rng: &rng)
            if sample.rows != nil { centers = try lloyd(on: data, weights: engine.weights, from: centers, rng: &rng) }
            let unit = GaussianModelBuffers(centers: centers, d: d, K: K, covariance: engine.covariance)
            let accumulate = { (shift: [Double]) in
                SufficientStatistics(engine.run(unit, mode: PassMode(accumulate: true, hard: true, shift: shift)), shift: shift)
            }
            return (accumulate(centers), accumulate)
        }
    }

    private func weight(_ row: Int) -> Double { engine.weights?[row] ?? 1 }

    /// One-hot responsibilities on the given rows: the M-step with Nₖ = wᵣ about the rows
    /// themselves (means ≈ the rows, covariances ≈ reg_covar·I, weights ∝ wᵣ).
    private func oneHot(rows: [Int]) -> SufficientStatistics {
        SufficientStatistics(nk: rows.map(weight), s1: [Double](repeating: 0, count: K * d),
                             s2: [Double](repeating: 0, count: engine.covariance.storageCount(components: K, features: d)),
                             shift: engine.rows(rows))
    }

    func columnMoments(of points: DataSource, weights: [Double]?, distribution: PassDistribution?) -> (mean: [Double], variance: [Double]) {
        GMM.columnMoments(of: points, weights: weights, threads: threads, isa: isa, distribution: distribution)
    }

    /// The rows k-means++ (and the first Lloyd iterations) work on: all of them up to
    /// `seedingSampleLimit`, else a uniform random sample of that size, with their weights.
    struct SeedingSample {
        let data: DataSource
        let weights: [Double]?
        /// Sample row → data row; nil when the sample is the data.
        let rows: [Int]?
    }

    /// In a distributed job the sample's rows are gathered from the processes that hold them
    /// (all rows, as stored, when the sample is the data).
    func seedingSample(rng: inout SeededGenerator) -> SeedingSample {
        let n = data.rows
        guard n > Self.seedingSampleLimit else {
            guard let distribution = engine.distribution, distribution.size > 1 else {
                return SeedingSample(data: data, weights: engine.weights, rows: nil)
            }
            let all = data.storedRows(Array(0..<n), distribution: distribution)
            return SeedingSample(data: DataSource(gathered: all, rows: n, like: data), weights: engine.weights, rows: nil)
        }
        let rows = (0..<Self.seedingSampleLimit).map { _ in Int.random(in: 0..<n, using: &rng) }
        let values = engine.rows(rows)
        let matrix = Matrix<Double>(rows: rows.count, columns: d) { out in
            for i in 0..<(rows.count * d) { out[i] = values[i] }
        }
        return SeedingSample(data: DataSource(matrix), weights: engine.weights.map { w in rows.map { w[$0] } }, rows: rows)
    }

    /// Greedy k-means++ (as scikit-learn: 2 + ⌊ln K⌋ candidates per step, keep the one that
    /// lowers the weighted potential most; draws ∝ w·D²). Returns row indices into the sample.
    func kmeansPlusPlusRows(in sample: SeedingSample, rng: inout SeededGenerator) throws -> [Int] {
        let candidates = sample.data
        let m = candidates.rows
        let w: [Double] = sample.weights ?? [Double](repeating: 1, count: m)
        let one = PassEngine(data: candidates, components: 1, covariance: .diag, threads: threads, isa: isa)
        var distances = [Double](repeating: 0, count: m)
        var trial = [Double](repeating: 0, count: m)
        var cumulative = [Double](repeating: 0, count: m)
        // Squared distances of every candidate row to row `r`, via log N = −½‖x − c‖².
        func squaredDistances(to r: Int, into out: inout [Double]) {
            let model = GaussianModelBuffers(centers: candidates.row(r), d: d, K: 1, covariance: .diag)
            out.withUnsafeMutableBufferPointer { o in
                _ = one.run(model, mode: PassMode(widen: true), outputs: PassOutputs(logLikelihoods: o.baseAddress))
                for i in 0..<m { o[i] = max(0, -2 * o[i]) }
            }
        }
        // A row drawn with probability ∝ mass[i] (uniformly among positive weights if all mass is 0).
        func draw(_ mass: (Int) -> Double) -> Int {
            var total = 0.0
            for i in 0..<m { total += mass(i); cumulative[i] = total }
            guard total > 0 else { return draw { w[$0] > 0 ? 1 : 0 } }
            let target = rng.nextUnit() * total
            var lo = 0, hi = m - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] <= target { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        var chosen = [draw { w[$0] }]
        squaredDistances(to: chosen[0], into: &distances)
        let trials = 2 + Int(log(Double(K)))
        var bestDistances = distances
        while chosen.count < K {
            try checkInterruption()  // K seeds of 2 + ln K passes each: minutes for large K
            var bestRow = -1, bestPotential = Double.infinity
            for _ in 0..<trials {
                let row = draw { w[$0] * distances[$0] }
                squaredDistances(to: row, into: &trial)
                var potential = 0.0
                for i in 0..<m { trial[i] = min(trial[i], distances[i]); potential += w[i] * trial[i] }
                // (The first trial is kept even if every potential is +∞ or NaN.)
                if bestRow < 0 || potential < bestPotential { bestPotential = potential; bestRow = row; swap(&bestDistances, &trial) }
            }
            chosen.append(bestRow)
            swap(&distances, &bestDistances)
        }
        return chosen
    }

    /// Lloyd's iterations on `points` from `start` (K·d) with hard-assignment passes; stops
    /// when the squared center shift is below 1e-4 × the mean feature variance (scikit-learn's
    /// rule). An emptied cluster is moved to a random point.
    func lloyd(on points: DataSource, weights: [Double]?, from start: [Double], rng: inout SeededGenerator) throws -> [Double] {
        let kmeans = PassEngine(data: points, weights: weights, components: K, covariance: .diag, threads: threads, isa: isa)
        // Lloyd's passes over the fit's data are split like its EM passes (a distributed job).
        let distribution = points.pointer == data.pointer && points.rows == data.rows ? engine.distribution : nil
        try kmeans.distribute(distribution)
        let variance = columnMoments(of: points, weights: weights, distribution: distribution).variance
        let tolerance = Self.kmeansTolerance * variance.reduce(0, +) / Double(d)
        var centers = start
        for _ in 0..<Self.kmeansMaxIterations {
            try checkInterruption()
            let model = GaussianModelBuffers(centers: centers, d: d, K: K, covariance: .diag)
            let t = kmeans.run(model, mode: PassMode(accumulate: true, hard: true))
            var next = centers
            for k in 0..<K {
                if t.nk[k] > 0 {
                    for i in 0..<d { next[k * d + i] = centers[k * d + i] + t.s1[k * d + i] / t.nk[k] }
                } else {
                    var r = Int.random(in: 0..<points.rows, using: &rng)
                    while (weights?[r] ?? 1) == 0 { r = Int.random(in: 0..<points.rows, using: &rng) }
                    let x = points.rows([r], distribution: distribution)
                    for i in 0..<d { next[k * d + i] = x[i] }
                }
            }
            var shift = 0.0
            for i in 0..<centers.count { shift += (next[i] - centers[i]) * (next[i] - centers[i]) }
            centers = next
            if shift <= tolerance { break }
        }
        return centers
    }
}

/// Per-feature (weighted) mean and population variance, from one K = 1 pass about the first row
/// (split across the processes of `distribution`, if any).
func columnMoments(of points: DataSource, weights: [Double]?, threads: Int?, isa: KernelISA,
                   distribution: PassDistribution? = nil) -> (mean: [Double], variance: [Double]) {
    let d = points.columns
    let one = PassEngine(data: points, weights: weights, components: 1, covariance: .diag, threads: threads, isa: isa)
    one.distributeChecked(distribution)
    let shift = points.rows([0], distribution: distribution)
    let t = one.run(GaussianModelBuffers(centers: shift, d: d, K: 1, covariance: .diag),
                    mode: PassMode(accumulate: true, hard: true, shift: shift))
    let n = t.nk[0]
    let mean = (0..<d).map { shift[$0] + t.s1[$0] / n }
    let variance = (0..<d).map { i -> Double in
        let m = t.s1[i] / n
        return max(0, t.s2[i] / n - m * m)
    }
    return (mean, variance)
}
