import Foundation
import GMM
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// P "ranks" as threads of this process, each fitting with its own estimator, joined by an
/// all-gather over shared memory: the stand-in for MPI ranks (the MPI build's ranks do the
/// same through MPI_Allgatherv).
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private var barrier = pthread_barrier_t()
    private var shared: [Double] = []
    private let lock = NSLock()
    /// All-gathers made (so a test knows the passes really were split).
    private(set) var gathers = 0

    init(size: Int) {
        self.size = size
        pthread_barrier_init(&barrier, nil, UInt32(size))
    }

    deinit { pthread_barrier_destroy(&barrier) }

    final class Rank: PassDistribution, @unchecked Sendable {
        let group: ThreadRanks
        let rank: Int
        var size: Int { group.size }
        init(_ group: ThreadRanks, _ rank: Int) { self.group = group; self.rank = rank }

        func allGather(_ all: UnsafeMutablePointer<Double>, counts: [Int]) {
            let offset = counts.prefix(rank).reduce(0, +), total = counts.reduce(0, +)
            group.lock.lock()
            if group.shared.count < total { group.shared = [Double](repeating: 0, count: total) }
            if rank == 0 { group.gathers += 1 }
            group.lock.unlock()
            group.wait()
            group.lock.lock()
            for i in 0..<counts[rank] { group.shared[offset + i] = all[offset + i] }
            group.lock.unlock()
            group.wait()
            group.lock.lock()
            for i in 0..<total { all[i] = group.shared[i] }
            group.lock.unlock()
            group.wait()
        }
    }

    func wait() { pthread_barrier_wait(&barrier) }

    /// Runs `body(rank)` on `size` threads at once and returns their results in rank order.
    final class Box<R>: @unchecked Sendable { var results: [Result<R, Error>?]; init(_ n: Int) { results = Array(repeating: nil, count: n) } }

    func run<R>(_ body: @escaping @Sendable (Rank) throws -> R) -> [Result<R, Error>] {
        let box = Box<R>(size)
        let group = DispatchGroup()
        for r in 0..<size {
            let rank = Rank(self, r)
            let thread = Thread {
                let result = Result { try body(rank) }
                self.lock.lock()
                box.results[r] = result
                self.lock.unlock()
                group.leave()
            }
            thread.stackSize = 8 << 20
            group.enter()
            thread.start()
        }
        group.wait()
        return box.results.map { $0! }
    }
}

@Suite("Distributed fits equal the single-process fit")
struct DistributedFitTests {
    @Test(arguments: [2, 3, 5])
    func gaussianRanksGiveTheSameModelBitForBit(ranks: Int) throws {
        let X = blobs(n: 40_000, d: 4, k: 3, seed: 21)
        for type in [CovarianceType.full, .diag] {
            var setup = GaussianMixture(components: 3, covarianceType: type, tolerance: 0, maxIterations: 8, initializations: 2, seed: 4)
            setup.threads = 1
            let gm = setup
            let single = try gm.fit(X)
            let group = ThreadRanks(size: ranks)
            let results = group.run { rank -> FittedGaussianMixture in
                var local = gm
                local.distribution = rank
                return try local.fit(X)
            }
            #expect(group.gathers >= 16, "every EM pass is split (\(group.gathers) gathers)")
            for (r, result) in results.enumerated() {
                let model = try result.get()
                #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds, "\(type) rank \(r) of \(ranks)")
            }
        }
    }

    @Test func discreteRanksGiveTheSameModelBitForBit() throws {
        let truth = try DiscreteMixtureParameters(family: .poisson, weights: [0.5, 0.5], means: Matrix(rows: 2, columns: 3, elements: [1, 6, 2, 7, 1, 4]))
        let X = try FittedDiscreteMixture(parameters: truth).sample(30_000, seed: 2).points
        var setup = DiscreteMixture(family: .poisson, components: 2, tolerance: 0, maxIterations: 6, seed: 3)
        setup.threads = 1
        let dm = setup
        let single = try dm.fit(X)
        let results = ThreadRanks(size: 3).run { rank -> FittedDiscreteMixture in
            var local = dm
            local.distribution = rank
            return try local.fit(X)
        }
        for result in results {
            let model = try result.get()
            #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds)
        }
    }

    @Test func everyRankReportsTheFirstBadValueFoundInAnyShare() throws {
        var values = blobs(n: 9_000, d: 2, k: 2, seed: 3).elements
        values[2 * 7_000 + 1] = .nan  // in the last of three shares
        values[2 * 8_000] = .infinity
        let X = Matrix(rows: 9_000, columns: 2, elements: values)
        let results = ThreadRanks(size: 3).run { rank -> FittedGaussianMixture in
            var gm = GaussianMixture(components: 2, seed: 1)
            gm.distribution = rank
            return try gm.fit(X)
        }
        for result in results {
            #expect(throws: GaussianMixtureError.nonFiniteInput(row: 7_000, column: 1, isNaN: true)) { _ = try result.get() }
        }
    }

    @Test func discreteValueChecksAgreeAcrossRanks() throws {
        var values = [Double](repeating: 1, count: 6_000 * 2)
        for i in stride(from: 0, to: values.count, by: 3) { values[i] = 0 }
        values[2 * 4_500] = 2.5  // in the last of three shares
        let X = Matrix(rows: 6_000, columns: 2, elements: values)
        let results = ThreadRanks(size: 3).run { rank -> FittedDiscreteMixture in
            var pm = DiscreteMixture(family: .poisson, components: 2, seed: 1)
            pm.distribution = rank
            return try pm.fit(X)
        }
        let expected = GaussianMixtureError.invalidValue(row: 4_500, column: 0, value: 2.5,
                                                         requirement: "Poisson data must be non-negative integer counts (at most 2^53)")
        for result in results { #expect(throws: expected) { _ = try result.get() } }
    }

    /// `X` as a process holding only `share` sees it: every other row NaN (a read outside the
    /// share would change the model or fail the fit).
    static func holding<E: GMMScalar>(_ X: Matrix<E>, _ share: Range<Int>) -> Matrix<E> {
        let d = X.columns
        return Matrix(rows: X.rows, columns: d, elements: X.elements.enumerated().map { share.contains($0.offset / d) ? $0.element : .nan })
    }

    /// Fits `fit` on `ranks` thread-ranks, each holding only its share of `X`, and returns the models.
    static func fitOnShares<E: GMMScalar, R: Sendable>(_ X: Matrix<E>, ranks: Int,
                                                        _ fit: @escaping @Sendable (Matrix<E>, PassDistribution) throws -> R) throws -> [R] {
        let shares = (0..<ranks).map { r in ThreadRanks.Rank(ThreadRanks(size: ranks), r).rowShare(X.rows) }
        #expect(shares.map(\.count).reduce(0, +) == X.rows && shares.allSatisfy { !$0.isEmpty })
        let copies = shares.map { holding(X, $0) }
        return try ThreadRanks(size: ranks).run { rank in try fit(copies[rank.rank], rank) }.map { try $0.get() }
    }

    @Test(arguments: [InitializationMethod.kmeans, .kmeansPlusPlus, .random, .randomFromData])
    func ranksHoldingOnlyTheirRowsGiveTheSameModel(method: InitializationMethod) throws {
        let X = blobs(n: 20_000, d: 3, k: 3, seed: 8)
        let weights = (0..<X.rows).map { Double($0 % 5) / 2 }
        for type in CovarianceType.allCases {
            var gm = GaussianMixture(components: 3, covarianceType: type, tolerance: 0, maxIterations: 4, initialization: method, seed: 6)
            gm.threads = 1
            let setup = gm
            let single = try setup.fit(X, sampleWeights: weights)
            let checkpoints = CheckpointBox()
            let models = try Self.fitOnShares(X, ranks: 3) { local, rank in
                var gm = setup
                gm.distribution = rank
                let monitor = FitMonitor(checkpointEvery: 2, saveCheckpoint: { checkpoints.add($0.data) })
                return try gm.fit(local, sampleWeights: weights, monitor: monitor)
            }
            for model in models { #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds, "\(type)") }
            #expect(checkpoints.all.allSatisfy { $0 == DataFingerprint(X, sampleWeights: weights) } && !checkpoints.all.isEmpty)
        }
    }

    @Test func float32RanksHoldingOnlyTheirRowsGiveTheSameModel() throws {
        let X = Matrix<Float>(rows: 30_000, columns: 4, elements: blobs(n: 30_000, d: 4, k: 4, seed: 2).elements.map { Float($0) })
        var gm = GaussianMixture(components: 4, covarianceType: .full, tolerance: 0, maxIterations: 5, initializations: 2, seed: 3)
        gm.threads = 1
        let setup = gm
        let single = try setup.fit(X)
        for model in try Self.fitOnShares(X, ranks: 2, { local, rank in var gm = setup; gm.distribution = rank; return try gm.fit(local) }) {
            #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds)
        }
    }

    /// Beyond 2¹⁸ rows k-means++ seeds on a random sample, gathered row by row from the ranks.
    @Test func aSampledSeedingGathersItsRows() throws {
        let X = blobs(n: 300_000, d: 2, k: 3, seed: 5)
        var gm = GaussianMixture(components: 3, covarianceType: .diag, tolerance: 0, maxIterations: 2, seed: 1)
        gm.threads = 1
        let setup = gm
        let single = try setup.fit(X)
        for model in try Self.fitOnShares(X, ranks: 3, { local, rank in var gm = setup; gm.distribution = rank; return try gm.fit(local) }) {
            #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds)
        }
    }

    @Test(arguments: [MixtureFamily.bernoulli, .categorical, .poisson])
    func discreteRanksHoldingOnlyTheirRowsGiveTheSameModel(family: MixtureFamily) throws {
        let rng = SyntheticRows(seed: 4)
        let X = Matrix<Double>(rows: 12_000, columns: 3, elements: (0..<36_000).map { i -> Double in
            switch family {
            case .bernoulli: return rng.uniform(i) < (i % 3 == 0 ? 0.8 : 0.3) ? 1 : 0
            case .categorical: return Double(Int(rng.uniform(i) * Double(2 + i % 3)))
            default: return Double(Int(rng.uniform(i) * Double(1 + (i / 3) % 7)))
            }
        })
        for method in [InitializationMethod.kmeans, .random, .randomFromData] {
            var dm = DiscreteMixture(family: family, components: 3, tolerance: 0, maxIterations: 4, initialization: method, seed: 2)
            dm.threads = 1
            let setup = dm
            let single = try setup.fit(X)
            for model in try Self.fitOnShares(X, ranks: 3, { local, rank in var dm = setup; dm.distribution = rank; return try dm.fit(local) }) {
                #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds, "\(family) \(method)")
            }
        }
    }

    /// float32 data of the discrete families: their scales' sample rows are gathered too.
    @Test(arguments: [MixtureFamily.bernoulli, .poisson])
    func float32DiscreteRanksHoldingOnlyTheirRowsGiveTheSameModel(family: MixtureFamily) throws {
        let rng = SyntheticRows(seed: 9)
        let X = Matrix<Float>(rows: 9_000, columns: 2, elements: (0..<18_000).map { i -> Float in
            family == .bernoulli ? (rng.uniform(i) < (i % 2 == 0 ? 0.8 : 0.3) ? 1 : 0) : Float(Int(rng.uniform(i) * Double(1 + (i / 2) % 9)))
        })
        var dm = DiscreteMixture(family: family, components: 2, tolerance: 0, maxIterations: 4, seed: 2)
        dm.threads = 1
        let setup = dm
        let single = try setup.fit(X)
        for model in try Self.fitOnShares(X, ranks: 3, { local, rank in var dm = setup; dm.distribution = rank; return try dm.fit(local) }) {
            #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds, "\(family)")
        }
    }

    @Test func selectionScoresOnlyTheRanksRows() throws {
        let X = blobs(n: 15_000, d: 2, k: 3, seed: 9)
        var gm = GaussianMixture(tolerance: 1e-3, maxIterations: 20, seed: 4)
        gm.threads = 1
        let setup = gm
        let single = try setup.select(X, components: [2, 3, 4], covarianceTypes: [.full, .diag])
        for selection in try Self.fitOnShares(X, ranks: 2, { local, rank in
            var gm = setup; gm.distribution = rank; return try gm.select(local, components: [2, 3, 4], covarianceTypes: [.full, .diag])
        }) {
            #expect(selection.ranking.map { "\($0)" } == single.ranking.map { "\($0)" } && selection.best.parameters == single.best.parameters)
        }
    }
}

final class CheckpointBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var all: [DataFingerprint] = []
    func add(_ f: DataFingerprint) { lock.lock(); all.append(f); lock.unlock() }
}

/// Deterministic uniform numbers by index (a hash), for test data.
struct SyntheticRows: Sendable {
    let seed: UInt64
    func uniform(_ i: Int) -> Double {
        var z = seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}
