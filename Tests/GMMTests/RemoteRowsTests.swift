import Foundation
import GMM
import CKernels
import Testing

/// Rows held in chunks on slot boundaries, as a Dask array's blocks on workers: each pass's
/// slots are summed chunk by chunk through `RemotePass.slotSums` from its description alone.
final class ChunkedRows<E: GMMScalar>: RemoteRows, @unchecked Sendable {
    let matrix: Matrix<E>
    let weights: [Double]?
    let chunks: [Range<Int>]  // slot ranges
    let slots: Int
    private(set) var passes = 0
    var failAfter = Int.max

    init(_ matrix: Matrix<E>, weights: [Double]?, chunks count: Int) {
        self.matrix = matrix
        self.weights = weights.map(RemotePass.normalizedWeights)
        let s = gmm_pass_share_slots(matrix.rows)
        slots = s
        chunks = (0..<count).map { ($0 * s / count)..<(($0 + 1) * s / count) }.filter { !$0.isEmpty }
    }

    var rows: Int { matrix.rows }
    var columns: Int { matrix.columns }
    var isFloat32: Bool { E.self == Float.self }

    func slotSums(_ description: [Double], slots range: Range<Int>, into out: UnsafeMutablePointer<Double>) -> Bool {
        passes += 1
        guard passes <= failAfter, let size = RemotePass.slotSize(description), range == 0..<slots else { return false }
        for chunk in chunks {
            let first = gmm_pass_slot_first_row(rows, slots, chunk.lowerBound), end = gmm_pass_slot_first_row(rows, slots, chunk.upperBound)
            // Each chunk only sees its own rows (a copy), as a worker would.
            let local = Matrix(rows: end - first, columns: columns, elements: Array(matrix.elements[(first * columns)..<(end * columns)]))
            let w = weights.map { Array($0[first..<end]) }
            let status = local.elements.withUnsafeBytes { x in
                (w ?? []).withUnsafeBufferPointer { wp in
                    RemotePass.slotSums(description, X: x.baseAddress!, rows: end - first, rowStride: columns, float32: isFloat32,
                                        weights: w == nil ? nil : wp.baseAddress, firstRow: first, slots: chunk, threads: 1,
                                        into: out + chunk.lowerBound * size)
                }
            }
            guard status == 0 else { return false }
        }
        return true
    }

    func read(_ indices: [Int]) -> [Double]? { indices.flatMap { r in (0..<columns).map { Double(matrix[r, $0]) } } }

    func checkedRanges() throws -> (lo: [Double], hi: [Double]) {
        var lo = [Double](repeating: .infinity, count: columns), hi = [Double](repeating: -.infinity, count: columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let v = Double(matrix[r, c])
                guard v.isFinite else { throw GaussianMixtureError.nonFiniteInput(row: r, column: c, isNaN: v.isNaN) }
                lo[c] = min(lo[c], v); hi[c] = max(hi[c], v)
            }
        }
        return (lo, hi)
    }
}

@Suite("A fit over remote rows (Dask's path) equals the in-memory fit")
struct RemoteRowsTests {
    static func fitRemote<E: GMMScalar>(_ gm: GaussianMixture, _ rows: ChunkedRows<E>, weights: [Double]? = nil) throws -> FittedGaussianMixture {
        let (data, distribution) = try rows.fitInputs()
        var remote = gm
        remote.distribution = distribution
        switch data {
        case .float64(let X): return try remote.fit(X, sampleWeights: weights)
        case .float32(let X): return try remote.fit(X, sampleWeights: weights)
        }
    }

    @Test(arguments: [InitializationMethod.kmeans, .kmeansPlusPlus, .random, .randomFromData])
    func everyStartAndCovarianceTypeGivesTheInMemoryModel(method: InitializationMethod) throws {
        let X = blobs(n: 25_000, d: 3, k: 3, seed: 12)
        let weights = (0..<X.rows).map { Double(1 + $0 % 4) * 0.3 }
        for type in CovarianceType.allCases {
            for w in [nil, weights] {
                let gm = GaussianMixture(components: 3, covarianceType: type, tolerance: 0, maxIterations: 5, initializations: 2,
                                         initialization: method, seed: 3)
                let single = try gm.fit(X, sampleWeights: w)
                let rows = ChunkedRows(X, weights: w, chunks: 5)
                let model = try Self.fitRemote(gm, rows, weights: w)
                #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds, "\(type) weighted: \(w != nil)")
                #expect(rows.passes >= 10)
            }
        }
    }

    @Test func float32AndASampledSeedingGiveTheInMemoryModel() throws {
        let X = Matrix<Float>(rows: 280_000, columns: 2, elements: blobs(n: 280_000, d: 2, k: 4, seed: 1).elements.map { Float($0) })
        let gm = GaussianMixture(components: 4, covarianceType: .full, tolerance: 0, maxIterations: 3, seed: 8)
        let single = try gm.fit(X)
        let model = try Self.fitRemote(gm, ChunkedRows(X, weights: nil, chunks: 3))
        #expect(model.parameters == single.parameters && model.lowerBounds == single.lowerBounds)
    }

    @Test func badValuesAndLostChunksFail() throws {
        var values = blobs(n: 5_000, d: 2, k: 2, seed: 3).elements
        values[2 * 4_321 + 1] = .infinity
        let gm = GaussianMixture(components: 2, seed: 1)
        #expect(throws: GaussianMixtureError.nonFiniteInput(row: 4_321, column: 1, isNaN: false)) {
            _ = try Self.fitRemote(gm, ChunkedRows(Matrix(rows: 5_000, columns: 2, elements: values), weights: nil, chunks: 2))
        }
        // A lost chunk: the passes carry NaN from then on, and the fit fails rather than ending with a model.
        let rows = ChunkedRows(blobs(n: 5_000, d: 2, k: 2, seed: 3), weights: nil, chunks: 2)
        rows.failAfter = 3
        #expect(throws: (any Error).self) { _ = try Self.fitRemote(GaussianMixture(components: 2, tolerance: 0, maxIterations: 20, seed: 1), rows) }
    }

    @Test func aPassDescriptionForOtherRowsIsRefused() throws {
        let X = blobs(n: 3_000, d: 2, k: 2, seed: 3)
        let description: [Double] = [1, 3000, 2, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]
        var out = [Double](repeating: 0, count: 64)
        let status = X.elements.withUnsafeBytes { x in
            RemotePass.slotSums(description, X: x.baseAddress!, rows: 100, rowStride: 2, float32: false, weights: nil, firstRow: 0,
                                slots: 0..<1, threads: 1, into: &out)
        }
        #expect(status != 0, "100 rows are not the rows of slot 0 of 3000")
    }

    /// Descriptions with any header field out of range (NaN, infinite, huge, negative,
    /// fractional) are refused, never trapped on.
    @Test func descriptionsWithBadFieldsAreRefused() throws {
        let X = blobs(n: 3_000, d: 2, k: 2, seed: 3)
        let good: [Double] = [1, 3000, 2, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]
        #expect(RemotePass.slotSize(good) != nil)
        var out = [Double](repeating: 0, count: 1 << 12)
        let rows = RemotePass.firstRow(rows: 3000, slot: 1)
        for field in 1..<16 {
            for bad in [Double.nan, .infinity, -.infinity, 1e300, 0x1p63, 1e10, -1, 0.5] {
                var d = good
                d[field] = bad
                let size = RemotePass.slotSize(d)
                let status = X.elements.withUnsafeBytes { x in
                    RemotePass.slotSums(d, X: x.baseAddress!, rows: rows, rowStride: 2, float32: false, weights: nil, firstRow: 0,
                                        slots: 0..<1, threads: 1, into: &out)
                }
                // (Some values are valid for some fields, e.g. 0.5 nowhere, -1 nowhere, 1e10 only as n.)
                if size == nil { #expect(status != 0, "field \(field) = \(bad)") }
            }
        }
        for length in [0, 5, 15, 16, 20, 22] {
            #expect(RemotePass.slotSize(Array(good.prefix(length)) + (length > 21 ? [0] : [])) == nil || length == 21)
        }
    }
}
