import CKernels
import GMM
import Testing

/// The kernels of the linear families (Bernoulli, categorical, Poisson; gmm_linear.h): AVX2
/// against the scalar reference on awkward sizes and block tails, the reference against a
/// direct evaluation, and the one-hot loader of categorical codes.
@Suite("Linear-family kernels", .enabled(if: gmm_kernels_avx2() != nil, "CPU without AVX2/FMA"))
struct LinearKernelTests {
    static let sizes = [1, 3, 5, 17, 33]
    static let blocks = [1, 2, 3, 5, 12, 13, 64, 255, 256]

    /// A block of count-like data (0…9, as Poisson data; Bernoulli's 0/1 are a special case),
    /// finite A and b, responsibilities that sum to 1 per point, zero padding.
    struct Case {
        let D: Int, K: Int, B: Int, ld: Int
        var Xt: [Double], A: [Double], b: [Double], g: [Double]
        init(D: Int, K: Int, B: Int, seed: UInt64) {
            var rng = SeededGenerator(seed: seed)
            self.D = D; self.K = K; self.B = B
            ld = (B + 3) / 4 * 4 + 4
            Xt = [Double](repeating: 0, count: D * ld)
            for i in 0..<D { for n in 0..<B { Xt[i * ld + n] = Double(Int(rng.nextUnit() * 10)) } }
            A = (0..<K * D).map { _ in -3 * rng.nextUnit() }
            b = (0..<K).map { _ in rng.nextGaussian() }
            g = [Double](repeating: 0, count: K * ld)
            for n in 0..<B {
                let u = (0..<K).map { _ in rng.nextUnit() + 0.01 }
                let s = u.reduce(0, +)
                for k in 0..<K { g[k * ld + n] = u[k] / s }
            }
        }
    }

    static func run(_ c: Case, _ table: UnsafePointer<gmm_kernel_table>) -> (logp: [Double], nk: [Double], s1: [Double]) {
        var logp = [Double](repeating: .nan, count: c.K * c.ld)
        #expect(table.pointee.linear_logprob(c.Xt, c.ld, c.B, c.D, c.K, c.A, c.b, &logp, c.ld) == GMM_OK)
        var nk = [Double](repeating: 0.5, count: c.K), s1 = [Double](repeating: 0.25, count: c.K * c.D)  // accumulates onto these
        #expect(table.pointee.linear_accum(c.Xt, c.ld, c.B, c.D, c.K, c.g, c.ld, &nk, &s1) == GMM_OK)
        return ((0..<c.K).flatMap { k in (0..<c.B).map { logp[k * c.ld + $0] } }, nk, s1)
    }

    @Test(arguments: sizes, sizes)
    func avx2MatchesTheReference(D: Int, K: Int) throws {
        let avx2 = try #require(gmm_kernels_avx2())
        for B in Self.blocks {
            let c = Case(D: D, K: K, B: B, seed: UInt64(D * 10_000 + K * 100 + B))
            let r = Self.run(c, gmm_kernels_ref()), v = Self.run(c, avx2)
            let label = "D=\(D) K=\(K) B=\(B)"
            #expect(maxRelativeDifference(r.logp, v.logp) <= 1e-13, "log-densities \(label)")
            #expect(maxRelativeDifference(r.nk, v.nk) <= 1e-13, "N_k \(label)")
            #expect(maxRelativeDifference(r.s1, v.s1) <= 1e-13, "Σγx \(label)")
            // The reference is the formula, evaluated directly.
            for k in 0..<K {
                for n in 0..<B {
                    var direct = c.b[k]
                    for i in 0..<D { direct += c.A[k * D + i] * c.Xt[i * c.ld + n] }
                    #expect(r.logp[k * B + n] == direct, "reference log-density \(label)")
                }
                #expect(abs(r.nk[k] - (0.5 + (0..<B).map { c.g[k * c.ld + $0] }.reduce(0, +))) <= 1e-13 * Double(B))
            }
        }
    }

    @Test func bitwiseAcrossRepeatedCalls() throws {
        let avx2 = try #require(gmm_kernels_avx2())
        let c = Case(D: 17, K: 9, B: 255, seed: 3)
        let a = Self.run(c, avx2), b = Self.run(c, avx2)
        #expect(a.logp == b.logp && a.nk == b.nk && a.s1 == b.s1)
    }

    @Test(arguments: [false, true])
    func oneHotLoaderExpandsCodes(float32: Bool) {
        // Three categorical features with 2, 3 and 1 categories: D = 6.
        let offsets: [Int64] = [0, 2, 5, 6]
        let codes: [[Double]] = [[1, 2, 0], [0, 0, 0], [1, 1, 0]]
        let rows = codes.count, d = 3, ldX = 4, ld = 8
        var X = [Double](repeating: 99, count: rows * ldX)  // column 3 is outside the row: never read
        for r in 0..<rows { for j in 0..<d { X[r * ldX + j] = codes[r][j] } }
        let center: [Double] = [0.5, 0.5, 1, 0, 0, 1]
        var Xt = [Double](repeating: .nan, count: 6 * ld)
        let status: gmm_status = float32
            ? X.map(Float.init).withUnsafeBytes { gmm_load_block_codes($0.baseAddress, 1, ldX, rows, d, offsets, center, &Xt, ld) }
            : X.withUnsafeBytes { gmm_load_block_codes($0.baseAddress, 0, ldX, rows, d, offsets, center, &Xt, ld) }
        #expect(status == GMM_OK)
        for r in 0..<rows {
            var expected = [Double](repeating: 0, count: 6)
            for j in 0..<d { expected[Int(offsets[j]) + Int(codes[r][j])] = 1 }
            for i in 0..<6 { #expect(Xt[i * ld + r] == expected[i] - center[i], "row \(r) column \(i)") }
        }
        for i in 0..<6 { for r in rows..<ld { #expect(Xt[i * ld + r] == 0, "padding") } }
        // Invalid codes are refused (the library checks them before any pass).
        for bad in [-1.0, 2.0, 0.5, .nan] {
            var Y = X
            Y[0] = bad
            let e = Y.withUnsafeBytes { gmm_load_block_codes($0.baseAddress, 0, ldX, rows, d, offsets, nil, &Xt, ld) }
            #expect(e == GMM_ERR_ARGUMENT, "code \(bad)")
        }
    }
}
