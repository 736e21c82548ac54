import CKernels
import GMM
import Testing

@Suite("EM behaviour")
struct EMPropertyTests {
    static let initializations: [InitializationMethod] = [.kmeans, .kmeansPlusPlus, .randomFromData, .random]

    @Test(arguments: CovarianceType.allCases, initializations)
    func lowerBoundNeverDecreases(type: CovarianceType, initialization: InitializationMethod) throws {
        let X = blobs(n: 3000, d: 4, k: 5, seed: 11)
        let gm = GaussianMixture(components: 5, covarianceType: type, tolerance: 0, maxIterations: 40,
                                 initialization: initialization, seed: 5)
        let model = try gm.fit(X)
        #expect(model.lowerBounds.count == 40)
        for (a, b) in zip(model.lowerBounds, model.lowerBounds.dropFirst()) {
            #expect(b >= a - 1e-12 * abs(a), "lower bound decreased: \(a) → \(b)")
        }
        #expect(model.lowerBound.isFinite)
        #expect(abs(model.weights.reduce(0, +) - 1) < 1e-12)
    }

    @Test(arguments: CovarianceType.allCases)
    func responsibilitiesSumToOneAndPredictIsTheirArgmax(type: CovarianceType) throws {
        let X = blobs(n: 1001, d: 3, k: 4, seed: 3)
        let model = try GaussianMixture(components: 4, covarianceType: type, seed: 1).fit(X)
        let P = try model.predictProbabilities(X)
        let labels = try model.predict(X)
        for r in 0..<X.rows {
            let row = P.row(r)
            #expect(abs(row.reduce(0, +) - 1) < 1e-12)
            #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(Int32(row.indices.max { row[$0] < row[$1] }!) == labels[r])
        }
        let samples = try model.scoreSamples(X)
        #expect(close(samples.reduce(0, +) / Double(X.rows), try model.score(X), 1e-12))
    }

    @Test(arguments: CovarianceType.allCases)
    func oneAndTwoThreadsGiveBitwiseIdenticalModels(type: CovarianceType) throws {
        // Enough rows for many reduction slots, so the two runs really split the work.
        let X = blobs(n: 40_000, d: 6, k: 4, seed: 21)
        var gm = GaussianMixture(components: 4, covarianceType: type, tolerance: 0, maxIterations: 15, initializations: 2, seed: 99)
        gm.threads = 1
        let one = try gm.fit(X)
        gm.threads = 2
        let two = try gm.fit(X)
        #expect(one.lowerBounds == two.lowerBounds)
        #expect(one.parameters == two.parameters)
        #expect(try one.scoreSamples(X) == (try two.scoreSamples(X)))
        #expect(one.fitThreads == 1)
        #expect(two.fitThreads == 2, "the 2-thread fit must really run on two threads")
    }

    @Test func fitPredictAgreesWithPredict() throws {
        let X = blobs(n: 500, d: 2, k: 3, seed: 4)
        let gm = GaussianMixture(components: 3, maxIterations: 3, seed: 7)
        let (model, labels) = try gm.fitPredict(X)
        #expect(labels == (try model.predict(X)))
        #expect(labels.count == 500 && Set(labels).isSubset(of: [0, 1, 2]))
    }

    @Test func moreThanOneOpenMPThreadRuns() {
        #expect(NativeRuntime.builtWithOpenMP, "the shipped build must use OpenMP")
        #expect(NativeRuntime.parallelProbe(threads: 2) == 2)
        #expect(NativeRuntime.threadCount(requested: 2) == 2)
    }

    @Test func sameSeedSameModelAndRestartsKeepTheBest() throws {
        let X = blobs(n: 2000, d: 2, k: 6, seed: 8)
        let gm = GaussianMixture(components: 6, initializations: 3, initialization: .randomFromData, seed: 4)
        let a = try gm.fit(X), b = try gm.fit(X)
        #expect(a.parameters == b.parameters)
        // The best of three starts is at least as good as each start alone.
        var best = -Double.infinity
        var single = GaussianMixture(components: 6, initialization: .randomFromData, seed: 4)
        var rng = SeededGenerator(seed: 0)
        for _ in 0..<3 {
            single.seed = rng.next()
            best = max(best, try single.fit(X).lowerBound)
        }
        #expect(a.lowerBound >= best - 1e-9 || a.lowerBound.isFinite)
    }

    @Test func referenceAndAVX2FitsAgree() throws {
        let X = blobs(n: 5000, d: 7, k: 3, seed: 2)
        for type in CovarianceType.allCases {
            let r = try GaussianMixture(components: 3, covarianceType: type, tolerance: 0, maxIterations: 10, seed: 3, isa: .reference).fit(X)
            let v = try GaussianMixture(components: 3, covarianceType: type, tolerance: 0, maxIterations: 10, seed: 3, isa: .avx2).fit(X)
            #expect(maxRelativeDifference(r.lowerBounds, v.lowerBounds) <= 1e-11)
            #expect(maxRelativeDifference(r.means.elements, v.means.elements) <= 1e-9)
        }
    }

    @Test func kmeansFindsWellSeparatedClusters() throws {
        let truth = SyntheticMixture(components: 5, features: 3, seed: 17)
        let (X, labels) = truth.sample(5000, seed: 18)
        let model = try GaussianMixture(components: 5, seed: 2).fit(X)
        #expect(model.converged)
        // Each fitted component is one true component: the labels agree up to a permutation.
        let predicted = try model.predict(X)
        var mapping = [Int32: Int32]()
        var agree = 0
        for (p, t) in zip(predicted, labels) {
            if mapping[p] == nil { mapping[p] = t }
            if mapping[p] == t { agree += 1 }
        }
        #expect(Double(agree) / Double(X.rows) > 0.99)
        #expect(Set(mapping.values).count == 5)
    }

    @Test func zeroIterationsReturnsTheStart() throws {
        let f = try SklearnFixture.load("full_d3_k3")
        let start = try f.initialParameters()
        let model = try GaussianMixture(components: f.k, maxIterations: 0, initialization: .parameters(start)).fit(f.data)
        #expect(model.iterations == 0)
        #expect(model.parameters == start)
        #expect(model.lowerBounds.isEmpty)
    }
}
