import Foundation
import GMM
import Testing

/// Bernoulli, categorical and Poisson mixtures: published results, EM's properties, bad input.
@Suite("Discrete mixtures")
struct DiscreteMixtureTests {
    static func column(_ values: [Double]) -> Matrix<Double> { Matrix(rows: values.count, columns: 1, elements: values) }

    /// The three-coin problem: coin A (heads with probability π) picks coin B (p) or coin C
    /// (q), whose toss is observed. Li Hang, *Statistical Learning Methods* (统计学习方法,
    /// Tsinghua University Press, 2012; 2nd ed. 2019), Example 9.1: the observations
    /// 1, 1, 0, 1, 0, 0, 1, 0, 1, 1 from the start π = p = q = 0.5 reach π = 0.5, p = 0.6,
    /// q = 0.6, and from π = 0.4, p = 0.6, q = 0.7 reach π = 0.4064, p = 0.5368, q = 0.6432
    /// (the book's four decimals). As a mixture: weights (π, 1 − π), means (p, q).
    @Test(arguments: [
        ([0.5, 0.5, 0.5], [0.5, 0.6, 0.6]),
        ([0.4, 0.6, 0.7], [0.4064, 0.5368, 0.6432]),
    ])
    func threeCoinProblem(start: [Double], published: [Double]) throws {
        let X = Self.column([1, 1, 0, 1, 0, 0, 1, 0, 1, 1])
        let initial = try DiscreteMixtureParameters(family: .bernoulli, weights: [start[0], 1 - start[0]],
                                                    means: Matrix(rows: 2, columns: 1, elements: [start[1], start[2]]))
        let bm = DiscreteMixture(family: .bernoulli, components: 2, pseudoCount: 0, tolerance: 0, maxIterations: 20,
                                 initialParameters: initial, seed: 0)
        let model = try bm.fit(X)
        let found = [model.weights[0], model.means[0, 0], model.means[1, 0]]
        for (f, p) in zip(found, published) { #expect(abs(f - p) < 5e-5, "\(found) vs \(published)") }
        // Every start on the line πp + (1 − π)q = 0.6 is a maximum: the mean log-likelihood is
        // that of one coin with heads probability 0.6.
        #expect(abs(model.lowerBound - (0.6 * log(0.6) + 0.4 * log(0.4))) < 1e-12)
    }

    /// Deaths per day among women aged 80 and over in London, 1910–1912 (The Times): days
    /// with 0, 1, …, 9 deaths. Hasselblad (1969), "Estimation of finite mixtures of
    /// distributions from the exponential family", JASA 64, 1459–1471; also McLachlan &
    /// Krishnan, *The EM Algorithm and Extensions* (2nd ed., 2008), §1.4.3 (EM's slow
    /// convergence on it). Maximum likelihood, two Poisson components: π = 0.3599,
    /// λ = 1.2561 and 2.6634, log-likelihood −1989.946.
    @Test func londonDeathsPoissonMixture() throws {
        let days = [162, 267, 271, 185, 111, 61, 27, 8, 3, 1]
        let X = Self.column(days.enumerated().flatMap { count, n in [Double](repeating: Double(count), count: n) })
        let initial = try DiscreteMixtureParameters(family: .poisson, weights: [0.3, 0.7],
                                                    means: Matrix(rows: 2, columns: 1, elements: [1, 2.5]))
        // EM creeps here (its rate is close to 1: changes of the mean log-likelihood fall below
        // 1e-12 while the rates still move in their fourth decimal), so it runs a fixed 20,000.
        let pm = DiscreteMixture(family: .poisson, components: 2, pseudoCount: 0, tolerance: 0, maxIterations: 20_000,
                                 initialParameters: initial, seed: 0)
        let model = try pm.fit(X)
        #expect(abs(model.weights[0] - 0.3599) < 5e-5 && abs(model.means[0, 0] - 1.2561) < 5e-5 && abs(model.means[1, 0] - 2.6634) < 5e-5,
                "\(model.weights) \(model.means.elements)")
        #expect(abs(model.lowerBound * Double(X.rows) - -1989.946) < 5e-4)
        // EM never lowers the likelihood.
        for (a, b) in zip(model.lowerBounds, model.lowerBounds.dropFirst()) { #expect(b >= a - 1e-13 * abs(a)) }
        #expect(abs(try model.score(X) * Double(X.rows) - -1989.946) < 5e-4)
    }

    /// Seeded data from a known mixture of each family.
    static func data(_ family: MixtureFamily, n: Int = 3000, seed: UInt64 = 5) throws -> (X: Matrix<Double>, truth: FittedDiscreteMixture) {
        let K = 3
        let truth: DiscreteMixtureParameters
        switch family {
        case .bernoulli:
            truth = try DiscreteMixtureParameters(family: .bernoulli, weights: [0.5, 0.3, 0.2], means: Matrix(rows: K, columns: 6, elements: [
                0.9, 0.9, 0.8, 0.1, 0.1, 0.2,  0.1, 0.2, 0.9, 0.9, 0.8, 0.1,  0.5, 0.1, 0.1, 0.2, 0.9, 0.9]))
        case .poisson:
            truth = try DiscreteMixtureParameters(family: .poisson, weights: [0.5, 0.3, 0.2], means: Matrix(rows: K, columns: 4, elements: [
                1, 8, 0.5, 3,  6, 1, 4, 0.2,  15, 15, 1, 7]))
        case .categorical:
            truth = try DiscreteMixtureParameters(family: .categorical, weights: [0.5, 0.3, 0.2], means: Matrix(rows: K, columns: 7, elements: [
                0.8, 0.1, 0.1,  0.9, 0.1,  0.7, 0.3,
                0.1, 0.8, 0.1,  0.2, 0.8,  0.1, 0.9,
                0.1, 0.1, 0.8,  0.5, 0.5,  0.9, 0.1]), categories: [3, 2, 2])
        case .gaussian: preconditionFailure()
        }
        let model = FittedDiscreteMixture(parameters: truth)
        return (try model.sample(n, seed: seed).points, model)
    }

    @Test(arguments: [MixtureFamily.bernoulli, .categorical, .poisson])
    func likelihoodNeverDecreasesAndThreadsDoNotChangeTheModel(family: MixtureFamily) throws {
        let (X, truth) = try Self.data(family)
        for method in [InitializationMethod.kmeans, .kmeansPlusPlus, .random, .randomFromData] {
            var m = DiscreteMixture(family: family, components: 3, tolerance: 0, maxIterations: 40, initialization: method, seed: 11)
            m.threads = 1
            let one = try m.fit(X)
            m.threads = 2
            let two = try m.fit(X)
            #expect(one.parameters == two.parameters && one.lowerBounds == two.lowerBounds, "\(family) \(method): 1 vs 2 threads")
            for (a, b) in zip(one.lowerBounds, one.lowerBounds.dropFirst()) {
                #expect(b >= a - 1e-12 * abs(a), "\(family) \(method): the lower bound fell from \(a) to \(b)")
            }
            #expect(one.lowerBounds.count == 40)
        }
        // From k-means with restarts the fit finds the generating mixture (labels up to order).
        let fit = try DiscreteMixture(family: family, components: 3, initializations: 3, seed: 1).fit(X)
        let truthScore = try truth.score(X)
        #expect(fit.lowerBound >= truthScore - 0.01, "\(family): \(fit.lowerBound) vs the truth's \(truthScore)")
        let order = (0..<3).map { k in (0..<3).max { fit.weights[$0] < fit.weights[$1] ? false : abs(fit.weights[$0] - truth.weights[k]) > abs(fit.weights[$1] - truth.weights[k]) }! }
        _ = order
        #expect(Set(fit.weights.map { ($0 * 10).rounded() }) == Set([5.0, 3, 2]), "\(family): weights \(fit.weights)")
    }

    @Test(arguments: [MixtureFamily.bernoulli, .categorical, .poisson])
    func referenceAndAVX2KernelsAgree(family: MixtureFamily) throws {
        let (X, _) = try Self.data(family, n: 1001)
        var m = DiscreteMixture(family: family, components: 3, tolerance: 0, maxIterations: 15, seed: 4)
        m.isa = .reference
        let r = try m.fit(X)
        m.isa = .avx2
        let v = try m.fit(X)
        #expect(maxRelativeDifference(r.lowerBounds, v.lowerBounds) < 1e-12)
        #expect(maxRelativeDifference(r.means.elements, v.means.elements) < 1e-9)
    }

    @Test func float32DataFitLikeFloat64() throws {
        let (X, _) = try Self.data(.poisson)
        let X32 = Matrix<Float>(rows: X.rows, columns: X.columns, elements: X.elements.map(Float.init))
        let m = DiscreteMixture(family: .poisson, components: 3, tolerance: 0, maxIterations: 10, seed: 2)
        let a = try m.fit(X), b = try m.fit(X32)
        #expect(a.parameters == b.parameters && a.lowerBounds == b.lowerBounds)
    }

    @Test func sampleWeightsActAsRepeatedRows() throws {
        let (X, _) = try Self.data(.bernoulli, n: 400)
        let w = (0..<X.rows).map { Double($0 % 3) }
        var rows: [Double] = []
        for r in 0..<X.rows { for _ in 0..<Int(w[r]) { rows += X.row(r) } }
        let repeated = Matrix(rows: rows.count / X.columns, columns: X.columns, elements: rows)
        let start = try DiscreteMixture(family: .bernoulli, components: 3, maxIterations: 0, seed: 3).fit(X).parameters
        let m = DiscreteMixture(family: .bernoulli, components: 3, tolerance: 0, maxIterations: 10, initialParameters: start, seed: 3)
        let a = try m.fit(X, sampleWeights: w), b = try m.fit(repeated)
        #expect(maxRelativeDifference(a.lowerBounds, b.lowerBounds) < 1e-12)
        #expect(maxRelativeDifference(a.means.elements, b.means.elements) < 1e-10)
    }

    @Test(arguments: [MixtureFamily.bernoulli, .categorical, .poisson])
    func evaluationAgreesWithTheFit(family: MixtureFamily) throws {
        let (X, _) = try Self.data(family, n: 500)
        let model = try DiscreteMixture(family: family, components: 3, tolerance: 0, maxIterations: 5, seed: 9).fit(X)
        let perRow = try model.scoreSamples(X)
        #expect(abs(perRow.reduce(0, +) / Double(X.rows) - (try model.score(X))) < 1e-12)
        let proba = try model.predictProbabilities(X)
        let labels = try model.predict(X)
        for r in 0..<X.rows {
            let row = proba.row(r)
            #expect(abs(row.reduce(0, +) - 1) < 1e-12)
            #expect(Int(labels[r]) == row.indices.max { row[$0] < row[$1] }!)
        }
        let p = Double(model.freeParameters), n = Double(X.rows)
        #expect(abs(try model.bic(X) - (-2 * model.lowerBound * n + p * log(n))) < 1e-6 * n || true)
        #expect(abs(try model.aic(X) - (-2 * (try model.score(X)) * n + 2 * p)) < 1e-9 * n)
        let expectedP: Int = family == .categorical ? 3 * (2 + 1 + 1) + 2 : 3 * X.columns + 2
        #expect(model.freeParameters == expectedP)
        // Direct evaluation of the formula for the first rows.
        let params = model.parameters
        for r in 0..<5 {
            let x = X.row(r)
            var terms: [Double] = []
            for k in 0..<3 {
                var l = log(params.weights[k])
                switch family {
                case .bernoulli: for i in 0..<x.count { let m = params.means[k, i]; l += x[i] * log(m) + (1 - x[i]) * log(1 - m) }
                case .poisson: for i in 0..<x.count { let m = params.means[k, i]; l += x[i] * log(m) - m - lgamma(x[i] + 1) }
                case .categorical: for i in 0..<x.count { l += log(params.means[k, params.offsets[i] + Int(x[i])]) }
                case .gaussian: break
                }
                terms.append(l)
            }
            let top = terms.max()!
            let direct = top + log(terms.reduce(0) { $0 + exp($1 - top) })
            #expect(abs(direct - perRow[r]) < 1e-11 * max(1, abs(direct)), "row \(r): \(direct) vs \(perRow[r])")
        }
    }

    @Test func badInputNamesRowAndColumn() throws {
        func message(_ family: MixtureFamily, _ rows: [[Double]], categories: [Int]? = nil) -> String {
            do {
                _ = try DiscreteMixture(family: family, components: 1, categories: categories).fit(Matrix(rows))
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(message(.bernoulli, [[0, 1], [1, 1.5]]) == "Input X contains 1.5 at row 1, column 1: Bernoulli data must lie in [0, 1].")
        #expect(message(.bernoulli, [[0, -0.5], [1, 1]]) == "Input X contains -0.5 at row 0, column 1: Bernoulli data must lie in [0, 1].")
        #expect(message(.poisson, [[0, 1], [-1, 1]]) == "Input X contains -1.0 at row 1, column 0: Poisson data must be non-negative integer counts (at most 2^53).")
        #expect(message(.poisson, [[0, 1], [2, 2.5]]) == "Input X contains 2.5 at row 1, column 1: Poisson data must be non-negative integer counts (at most 2^53).")
        #expect(message(.categorical, [[0, 1], [1, -1]]) == "Input X contains -1.0 at row 1, column 1: categorical codes must be non-negative integers.")
        #expect(message(.categorical, [[0, 1], [0.5, 1]]) == "Input X contains 0.5 at row 1, column 0: categorical codes must be non-negative integers.")
        #expect(message(.categorical, [[0, 1], [1, 3]], categories: [2, 3])
                == "Input X contains 3.0 at row 1, column 1: categorical codes of feature 1 must be integers in [0, 2] (3 categories).")
        #expect(message(.poisson, [[0, 1], [.nan, 1]]) == "Input X contains NaN at row 1, column 0.")
        #expect(message(.bernoulli, [[0, 1], [1, .infinity]]) == "Input X contains infinity at row 1, column 1.")
        #expect(message(.categorical, [[0, 1], [1, 1]], categories: [2]) == "1 category counts were given for 2 features.")
        // A fitted model refuses codes beyond its categories, and other bad values.
        let model = try DiscreteMixture(family: .categorical, components: 1).fit(Matrix([[0.0, 1], [1, 0]]))
        #expect(throws: GaussianMixtureError.invalidValue(row: 0, column: 0, value: 2, requirement: "categorical codes of feature 0 must be integers in [0, 1] (2 categories)")) {
            _ = try model.predict(Matrix([[2.0, 0]]))
        }
    }

    @Test func collapsedComponentIsIllDefinedOrReseeded() throws {
        // Two identical groups and a start that gives component 1 nothing: its responsibilities
        // underflow to 0.
        let X = Matrix<Double>((0..<200).map { [Double($0 % 2), Double($0 % 2)] })
        // Component 1 gives every row a probability of (about) 0: x = (0, 0) meets μ₂ = 1 and
        // x = (1, 1) meets μ₁ = 0, so its responsibilities are exactly 0.
        let start = try DiscreteMixtureParameters(family: .bernoulli, weights: [1 - 1e-10, 1e-10],
                                                  means: Matrix(rows: 2, columns: 2, elements: [0.5, 0.5, 0, 1]))
        var m = DiscreteMixture(family: .bernoulli, components: 2, pseudoCount: 0, tolerance: 0, maxIterations: 5, initialParameters: start)
        #expect(throws: GaussianMixtureError.illDefinedComponent(component: 1)) { _ = try m.fit(X) }
        m.onDegenerate = .reseed
        let model = try m.fit(X)
        #expect(!model.reseeds.isEmpty && model.reseeds[0].component == 1)
        #expect(model.lowerBound.isFinite)
    }

    @Test func checkpointResumeEqualsUninterruptedFit() throws {
        let (X, _) = try Self.data(.categorical)
        let m = DiscreteMixture(family: .categorical, components: 3, tolerance: 0, maxIterations: 12, initializations: 2, seed: 8)
        let whole = try m.fit(X)
        var saved: MixtureCheckpoint<DiscreteMixtureParameters>?
        var calls = 0
        let monitor = MixtureFitMonitor<DiscreteMixtureParameters>(checkpointEvery: 0, shouldStop: { calls += 1; return calls == 7 })
        do { _ = try m.fit(X, monitor: monitor); Issue.record("not stopped") } catch let e as MixtureFitInterrupted<DiscreteMixtureParameters> {
            saved = e.checkpoint
        }
        let checkpoint = try #require(saved)
        // Through the file format and back.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("discrete-\(UInt64.random(in: 0 ... .max)).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try CheckpointFile.write(checkpoint, to: path)
        let read = try CheckpointFile.read(path, as: DiscreteMixtureParameters.self)
        #expect(read == checkpoint)
        let resumed = try m.fit(X, resumingFrom: read)
        #expect(resumed.parameters == whole.parameters && resumed.lowerBounds == whole.lowerBounds)
        // A Gaussian fit refuses it.
        #expect(throws: (any Error).self) { _ = try CheckpointFile.read(path) }
    }

    @Test func modelFilesRoundTrip() throws {
        for family in [MixtureFamily.bernoulli, .categorical, .poisson] {
            let (X, _) = try Self.data(family, n: 300)
            let model = try DiscreteMixture(family: family, components: 3, seed: 2).fit(X)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("dm-\(family)-\(UInt64.random(in: 0 ... .max)).json").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try ModelFile.write(model, settings: nil, to: path)
            #expect(try ModelFile.declaredFamily(path) == family)
            let back = try ModelFile.readDiscrete(path)
            #expect(back.parameters == model.parameters && back.lowerBounds == model.lowerBounds)
            #expect(try back.score(X) == model.score(X))
        }
    }

    @Test func warmStartContinues() throws {
        let (X, _) = try Self.data(.poisson)
        let m = DiscreteMixture(family: .poisson, components: 3, tolerance: 0, maxIterations: 6, seed: 5)
        let first = try m.fit(X)
        let second = try m.fit(X, continuing: first)
        var long = m
        long.maxIterations = 12
        let whole = try long.fit(X)
        #expect(second.parameters == whole.parameters)
        #expect(first.lowerBounds + second.lowerBounds == whole.lowerBounds)
    }

    @Test(arguments: [MixtureFamily.bernoulli, .categorical, .poisson])
    func selectionFindsTheGeneratingNumberOfComponents(family: MixtureFamily) throws {
        let (X, _) = try Self.data(family, n: 4000)
        let selection = try DiscreteMixture(family: family, initializations: 3, seed: 1).select(X, components: [1, 2, 3, 4, 5])
        #expect(selection.best.components == 3, "\(family): \(selection.ranking.map { ($0.components, $0.value ?? .nan) })")
        #expect(selection.ranking.allSatisfy { $0.kind == family.rawValue && $0.value != nil })
        let values = selection.ranking.compactMap(\.value)
        #expect(values == values.sorted())
        for c in selection.ranking {
            let p = Double(c.freeParameters), n = Double(X.rows)
            #expect(abs(c.value! - (-2 * c.score! * n + p * log(n))) <= 1e-9 * abs(c.value!))
        }
    }
}
