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
}

