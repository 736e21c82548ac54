import Foundation
import GMM
import Testing

@Suite("Float32 data, sample weights, warm start, sampling, degenerate components, selection")
struct ModelFeatureTests {
    /// scikit-learn #30382: float32 data with a large offset and a small spread. The expanded
    /// diag formula E[x²] − E[x]² in float32 cancels to garbage (≤ 0 here); the shifted float64
    /// accumulation gives the true variance.
    @Test func float32LargeOffsetSmallSpreadKeepsPositiveVariances() throws {
        var rng = SeededGenerator(seed: 30382)
        let n = 2000
        let values = (0..<n * 2).map { _ in Float(10_000 + 0.01 * rng.nextGaussian()) }
        let X = Matrix<Float>(rows: n, columns: 2, elements: values)
        // The expanded formula in float32, as scikit-learn computes diag covariances for float32 input.
        for i in 0..<2 {
            let column = (0..<n).map { values[$0 * 2 + i] }
            let mean = column.reduce(Float(0), +) / Float(n)
            let meanSquare = column.reduce(Float(0)) { $0 + $1 * $1 } / Float(n)
            let expanded = meanSquare - 2 * mean * mean + mean * mean
            let exact = exactVariance(column.map(Double.init))
            #expect(expanded <= 0 || abs(Double(expanded) - exact) > exact, "the data must defeat the expanded formula")
        }
        for type in [CovarianceType.diag, .spherical, .full, .tied] {
            let model = try GaussianMixture(components: 1, covarianceType: type, regCovar: 0, seed: 1).fit(X)
            for i in 0..<2 {
                let exact = exactVariance((0..<n).map { Double(values[$0 * 2 + i]) })
                let fitted: Double
                switch type {
                case .full, .tied: fitted = model.covariances[i * 2 + i]
                case .diag: fitted = model.covariances[i]
                case .spherical: fitted = model.covariances[0]
                }
                #expect(fitted > 0)
                if type != .spherical { #expect(abs(fitted - exact) <= 1e-5 * exact, "\(type) variance \(i)") }
            }
        }
    }

    func exactVariance(_ x: [Double]) -> Double {
        let mean = x.reduce(0, +) / Double(x.count)
        return x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
    }

    @Test(arguments: CovarianceType.allCases)
    func float32FitAgreesWithFloat64FitOnTheSameValues(type: CovarianceType) throws {
        let X = blobs(n: 3000, d: 5, k: 3, seed: 12)
        let X32 = Matrix<Float>(rows: X.rows, columns: X.columns, elements: X.elements.map { Float($0) })
        let X64 = Matrix<Double>(rows: X.rows, columns: X.columns, elements: X32.elements.map { Double($0) })
        let gm = GaussianMixture(components: 3, covarianceType: type, seed: 3)
        let a = try gm.fit(X32), b = try gm.fit(X64)
        // float32 arithmetic within blocks: float32-level agreement with the float64 fit.
        #expect(a.iterations == b.iterations)
        #expect(maxRelativeDifference(a.lowerBounds, b.lowerBounds) <= 1e-5)
        #expect(maxRelativeDifference(a.covariances, b.covariances) <= 1e-5)
        #expect(maxRelativeDifference(a.means.elements, b.means.elements) <= 1e-5)
        let same = zip(try a.predict(X32), try b.predict(X64)).filter { $0 == $1 }.count
        #expect(Double(same) / Double(X.rows) >= 0.999)
    }

    @Test(arguments: CovarianceType.allCases)
    func unitWeightsGiveTheUnweightedFitBitwise(type: CovarianceType) throws {
        let X = blobs(n: 2500, d: 3, k: 3, seed: 5)
        for initialization in [InitializationMethod.kmeans, .random, .randomFromData, .kmeansPlusPlus] {
            let gm = GaussianMixture(components: 3, covarianceType: type, maxIterations: 20, initialization: initialization, seed: 9)
            let plain = try gm.fit(X)
            let weighted = try gm.fit(X, sampleWeights: Array(repeating: 1, count: X.rows))
            #expect(plain.parameters == weighted.parameters, "\(type) \(initialization)")
            #expect(plain.lowerBounds == weighted.lowerBounds)
        }
    }

    @Test(arguments: CovarianceType.allCases)
    func integerWeightsEqualRepeatedRows(type: CovarianceType) throws {
        let X = blobs(n: 1200, d: 3, k: 3, seed: 6)
        let weights = (0..<X.rows).map { Double($0 % 4) }  // 0, 1, 2, 3: zero drops a row
        var repeated: [[Double]] = []
        for r in 0..<X.rows { for _ in 0..<Int(weights[r]) { repeated.append(X.row(r)) } }
        let start = try GaussianMixture(components: 3, covarianceType: type, maxIterations: 0, seed: 1).fit(X).parameters
        let gm = GaussianMixture(components: 3, covarianceType: type, tolerance: 0, maxIterations: 15, initialization: .parameters(start))
        let a = try gm.fit(X, sampleWeights: weights), b = try gm.fit(Matrix(repeated))
        #expect(maxRelativeDifference(a.lowerBounds, b.lowerBounds) <= 1e-12)
        #expect(maxRelativeDifference(a.weights, b.weights) <= 1e-12)
        #expect(maxRelativeDifference(a.means.elements, b.means.elements) <= 1e-12)
        #expect(maxRelativeDifference(a.covariances, b.covariances) <= 1e-12)
    }

    @Test func invalidWeightsAreRejected() {
        let X = blobs(n: 20, d: 2, k: 2, seed: 1)
        let gm = GaussianMixture(components: 2)
        #expect(throws: GaussianMixtureError.invalidArgument("sample_weight[3] = -1.0: weights must be finite and non-negative.")) {
            try gm.fit(X, sampleWeights: (0..<20).map { $0 == 3 ? -1 : 1 })
        }
        #expect(throws: GaussianMixtureError.invalidArgument("sample_weight is zero for every row.")) {
            try gm.fit(X, sampleWeights: Array(repeating: 0, count: 20))
        }
        #expect(throws: GaussianMixtureError.invalidArgument("sample_weight has 19 values, but X has 20 rows.")) {
            try gm.fit(X, sampleWeights: Array(repeating: 1, count: 19))
        }
        #expect(throws: GaussianMixtureError.tooFewSamples(samples: 1, components: 2)) {
            try gm.fit(X, sampleWeights: (0..<20).map { $0 == 0 ? 1 : 0 })
        }
        #expect(throws: GaussianMixtureError.invalidArgument("sample_weight[5] = nan: weights must be finite and non-negative.")) {
            try gm.fit(X, sampleWeights: (0..<20).map { $0 == 5 ? .nan : 1 })
        }
        #expect(throws: GaussianMixtureError.invalidArgument("sample_weight[0] = inf: weights must be finite and non-negative.")) {
            try gm.fit(X, sampleWeights: (0..<20).map { $0 == 0 ? .infinity : 1 })
        }
    }

    @Test func dataWithoutFeaturesIsRejected() {
        #expect(throws: GaussianMixtureError.noFeatures(samples: 5)) {
            try GaussianMixture(components: 1).fit(Matrix<Double>(rows: 5, columns: 0))
        }
        #expect("\(GaussianMixtureError.noFeatures(samples: 5))" == "Found array with 0 feature(s) (shape=(5, 0)) while a minimum of 1 is required by GaussianMixture.")
    }

    @Test(arguments: CovarianceType.allCases)
    func continuingAFitEqualsOneLongerFit(type: CovarianceType) throws {
        let X = blobs(n: 2000, d: 4, k: 4, seed: 13)
        let start = try GaussianMixture(components: 4, covarianceType: type, maxIterations: 0, initialization: .randomFromData, seed: 2).fit(X).parameters
        let gm = GaussianMixture(components: 4, covarianceType: type, tolerance: 0, maxIterations: 6, initialization: .parameters(start))
        let first = try gm.fit(X)
        let second = try gm.fit(X, continuing: first)
        var long = gm
        long.maxIterations = 12
        let whole = try long.fit(X)
        #expect(second.parameters == whole.parameters)
        #expect(first.lowerBounds + second.lowerBounds == whole.lowerBounds)
    }

    @Test func warmStartConvergesAgainstThePreviousBound() throws {
        let X = blobs(n: 2000, d: 2, k: 3, seed: 14)
        let gm = GaussianMixture(components: 3, tolerance: 1e-6, maxIterations: 500, seed: 1)
        let done = try gm.fit(X)
        #expect(done.converged)
        // Continuing a converged fit: the first change is measured against its lower bound.
        let again = try gm.fit(X, continuing: done)
        #expect(again.converged)
        #expect(again.iterations == 1)
    }

    @Test(arguments: CovarianceType.allCases)
    func samplesMatchTheModelMoments(type: CovarianceType) throws {
        let truth = SyntheticMixture(components: 3, features: 3, spread: 3, seed: 41).parameters
        let fitted = try GaussianMixture(components: 3, covarianceType: type, maxIterations: 5, seed: 2)
            .fit(truth.sample(3000, seed: 1).points)
        let n = 200_000, d = 3
        let (points, labels) = try fitted.sample(n, seed: 77)
        #expect(points.rows == n && labels.count == n)
        // Model moments: mean = Σ πμ, covariance = Σ π(Σₖ + μμᵀ) − mean·meanᵀ.
        let p = fitted.parameters
        var mean = [Double](repeating: 0, count: d)
        var second = [Double](repeating: 0, count: d * d)
        for k in 0..<3 {
            let cov = p.covarianceMatrix(component: k)
            for i in 0..<d {
                mean[i] += p.weights[k] * p.means[k, i]
                for j in 0..<d { second[i * d + j] += p.weights[k] * (cov[i * d + j] + p.means[k, i] * p.means[k, j]) }
            }
        }
        let modelCov = (0..<d * d).map { second[$0] - mean[$0 / d] * mean[$0 % d] }
        // Empirical moments and their standard errors (from the samples' own spread).
        let x = points.elements
        let empiricalMean = (0..<d).map { i in (0..<n).reduce(0.0) { $0 + x[$1 * d + i] } / Double(n) }
        for i in 0..<d {
            let se = (modelCov[i * d + i] / Double(n)).squareRoot()
            #expect(abs(empiricalMean[i] - mean[i]) <= 3 * se, "\(type) mean \(i)")
            for j in i..<d {
                let products = (0..<n).map { (x[$0 * d + i] - empiricalMean[i]) * (x[$0 * d + j] - empiricalMean[j]) }
                let c = products.reduce(0, +) / Double(n)
                let spread = (products.reduce(0) { $0 + ($1 - c) * ($1 - c) } / Double(n - 1)).squareRoot()
                #expect(abs(c - modelCov[i * d + j]) <= 3 * spread / Double(n).squareRoot(), "\(type) covariance \(i),\(j)")
            }
        }
        // Labels follow the weights; same seed, same draws; another seed, other draws.
        for k in 0..<3 {
            let share = Double(labels.lazy.filter { $0 == Int32(k) }.count) / Double(n)
            #expect(abs(share - p.weights[k]) <= 3 * (p.weights[k] * (1 - p.weights[k]) / Double(n)).squareRoot())
        }
        let again = try fitted.sample(n, seed: 77)
        #expect(again.points == points && again.labels == labels)
        #expect(try fitted.sample(100, seed: 78).points != fitted.sample(100, seed: 77).points)
    }

    @Test(arguments: [CovarianceType.full, .diag, .spherical])
    func reseedRecoversWhereFailRaises(type: CovarianceType) throws {
        // Two clusters; component 2 starts on a single point with a tiny covariance, so with
        // reg_covar = 0 it captures that point alone and collapses in the first M-step: a
        // rank-one covariance (full); at the origin, where even the 10·eps in Nₖ leaves no
        // spread, a zero variance (diag, spherical).
        var X = blobs(n: 600, d: 2, k: 2, seed: 31)
        if type != .full { X[0, 0] = 0; X[0, 1] = 0 }
        let lone = X.row(0)
        let tiny: [Double]
        switch type {
        case .full: tiny = [1, 0, 0, 1, 1, 0, 0, 1, 1e-8, 0, 0, 1e-8]
        case .diag: tiny = [1, 1, 1, 1, 1e-8, 1e-8]
        default: tiny = [1, 1, 1e-8]
        }
        let means = Matrix([[-5.0, 0], [5.0, 0], lone])
        let start = try GaussianMixtureParameters(weights: [0.45, 0.45, 0.1], means: means, covariances: tiny, covarianceType: type)
        var gm = GaussianMixture(components: 3, covarianceType: type, regCovar: 0, initialization: .parameters(start))
        #expect(throws: GaussianMixtureError.illDefinedCovariance(component: 2)) { try gm.fit(X) }
        gm.onDegenerate = .reseed
        let model = try gm.fit(X)
        #expect(model.lowerBound.isFinite)
        #expect(model.reseeds.count >= 1)
        #expect(model.reseeds.first?.component == 2 && model.reseeds.first?.iteration == 1)
        #expect(model.reseedCounts[2] >= 1 && model.reseedCounts[0] == 0)
        #expect(model.reseeds.allSatisfy { ($0.row ?? -1) >= 0 && ($0.row ?? -1) < X.rows })
        #expect(try model.score(X) > -.infinity)
    }

    @Test func bicPicksTheTrueNumberOfComponents() throws {
        let X = SyntheticMixture(components: 4, features: 2, spread: 10, seed: 404).sample(2000, seed: 405).points
        let selection = try GaussianMixture(seed: 1).select(X, components: Array(1...7), covarianceTypes: [.full, .diag], criterion: .bic)
        #expect(selection.best.components == 4)
        #expect(selection.ranking.count == 14)
        #expect(selection.ranking.first?.components == 4)
        let values = selection.ranking.compactMap(\.value)
        #expect(values == values.sorted())
        #expect(try close(selection.best.bic(X), values[0], 1e-12))
    }
}

/// Views of caller memory: rows with a stride are read in place and fit exactly as the same
/// values stored contiguously.
@Suite("Strided views of caller memory")
struct StridedViewTests {
    @Test(arguments: CovarianceType.allCases)
    func stridedRowsFitAsContiguousRows(type: CovarianceType) throws {
        let X = blobs(n: 700, d: 3, k: 3, seed: 12)
        let stride = 5
        var padded = [Double](repeating: .nan, count: 700 * stride)  // NaN in the gaps: never read
        for r in 0..<700 { for c in 0..<3 { padded[r * stride + c] = X[r, c] } }
        let gm = GaussianMixture(components: 3, covarianceType: type, seed: 4)
        let reference = try gm.fit(X)
        try padded.withUnsafeBufferPointer { p in
            let view = Matrix(viewing: p.baseAddress!, rows: 700, columns: 3, rowStride: stride)
            #expect(!view.isContiguous && view == X)
            let model = try gm.fit(view)
            #expect(model.parameters == reference.parameters && model.lowerBounds == reference.lowerBounds)
            #expect(try model.scoreSamples(view) == reference.scoreSamples(X))
            #expect(try model.predict(view.rows(100..<300)) == reference.predict(X.rows(100..<300)))
            // float32 through the same view machinery.
            let padded32 = padded.map { Float($0) }
            try padded32.withUnsafeBufferPointer { q in
                let view32 = Matrix(viewing: q.baseAddress!, rows: 700, columns: 3, rowStride: stride)
                let contiguous32 = Matrix(rows: 700, columns: 3, elements: X.elements.map { Float($0) })
                let a = try gm.fit(view32), b = try gm.fit(contiguous32)
                #expect(a.parameters == b.parameters)
            }
        }
    }

    @Test func matricesPrintTheirValues() {
        #expect("\(Matrix([[0.5], [3.0]]))" == "Matrix<Double> 2 × 1 [[0.5], [3.0]]")
        #expect("\(Matrix<Float>(rows: 1, columns: 9))".hasSuffix("[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, …]]"))
    }
}
