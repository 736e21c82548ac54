import CKernels
import Foundation
import GMM
import Testing

/// Random inputs for one kernel call: a transposed block with zeroed padding, model
/// parameters with well-conditioned upper-triangular precision factors.
struct KernelCase {
    let d: Int, K: Int, B: Int, ld: Int
    var Xt: [Double], means: [Double], full: [Double], diag: [Double], logNorm: [Double], shift: [Double]

    init(d: Int, K: Int, B: Int, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        self.d = d; self.K = K; self.B = B
        ld = (B + 3) / 4 * 4 + 4  // wider than needed: kernels must respect ld
        Xt = [Double](repeating: 0, count: d * ld)
        for i in 0..<d { for n in 0..<B { Xt[i * ld + n] = 3 * rng.nextGaussian() + Double(i) } }
        means = (0..<K * d).map { _ in 3 * rng.nextGaussian() }
        full = [Double](repeating: 0, count: K * d * d)
        for k in 0..<K {
            for i in 0..<d {
                full[k * d * d + i * d + i] = 0.5 + rng.nextUnit()
                for j in (i + 1)..<max(i + 1, d) { full[k * d * d + i * d + j] = 0.3 * rng.nextGaussian() }
            }
        }
        diag = (0..<K * d).map { _ in 0.4 + rng.nextUnit() }
        logNorm = (0..<K).map { _ in -Double(d) + rng.nextGaussian() }
        shift = means.map { $0 + 0.1 * rng.nextGaussian() }
    }
}


/// Runs logprob → lse → accumulate with one kernel table. Each stage reads the reference
/// stage's output (`input`), so a difference points at one kernel, not at its predecessors.
func runKernels(_ c: KernelCase, _ table: UnsafePointer<gmm_kernel_table>, _ cov: gmm_covariance,
                input: (logp: [Double], resp: [Double])? = nil)
    -> (logp: [Double], resp: [Double], lse: [Double], nk: [Double], s1: [Double], s2: [Double], rawLogp: [Double], rawResp: [Double]) {
    var work = [Double](repeating: .nan, count: 2 * c.d * c.ld)
    var logp = [Double](repeating: .nan, count: c.K * c.ld)
    var lse = [Double](repeating: .nan, count: c.B)
    let params = cov == GMM_COV_FULL ? c.full : c.diag
    let logprob = withUnsafeBytes(of: table.pointee.logprob) { $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_logprob_fn>.stride, as: gmm_logprob_fn.self) }
    let accum = withUnsafeBytes(of: table.pointee.accum) { $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_accum_fn>.stride, as: gmm_accum_fn.self) }
    // With a prefetch hint (a stand-in for the driver's next block) and without: a hint
    // never changes a result.
    let nextRows = [Double](repeating: 1, count: 300 * c.d)
    nextRows.withUnsafeBytes { bytes in
        var hint = gmm_prefetch(addr: bytes.baseAddress, bytes: bytes.count)
        #expect(logprob(c.Xt, c.ld, c.B, c.d, c.K, c.means, params, c.logNorm, &work, &logp, c.ld, &hint) == GMM_OK)
    }
    var unhinted = [Double](repeating: .nan, count: c.K * c.ld)
    #expect(logprob(c.Xt, c.ld, c.B, c.d, c.K, c.means, params, c.logNorm, &work, &unhinted, c.ld, nil) == GMM_OK)
    #expect(unhinted.elementsEqual(logp) { $0.bitPattern == $1.bitPattern }, "prefetch hint changed logprob")
    let logpOut = logp
    if let input { logp = input.logp }
    #expect(table.pointee.lse(&logp, c.ld, c.B, c.K, &lse) == GMM_OK)
    let respOut = logp
    if let input { logp = input.resp }
    var nk = [Double](repeating: 0, count: c.K)
    var s1 = [Double](repeating: 0, count: c.K * c.d)
    var s2 = [Double](repeating: 0, count: cov == GMM_COV_FULL ? c.K * c.d * c.d : c.K * c.d)
    #expect(accum(c.Xt, c.ld, c.B, c.d, c.K, logp, c.ld, c.shift, &work, &nk, &s1, &s2) == GMM_OK)
    let valid = (0..<c.K).flatMap { k in (0..<c.B).map { k * c.ld + $0 } }
    return (valid.map { logpOut[$0] }, valid.map { respOut[$0] }, lse, nk, s1, s2, logpOut, respOut)
}

let parityDimensions = [1, 2, 3, 5, 7, 8, 9, 16, 17, 33]
let parityComponents = [1, 3, 16]
let parityBlockSizes = [1, 2, 5, 12, 13, 64, 255, 256]

@Suite("AVX2 kernels match the scalar reference", .enabled(if: gmm_kernels_avx2() != nil, "CPU without AVX2/FMA"))
struct KernelParityTests {
    @Test(arguments: parityDimensions, parityComponents)
    func fullCovarianceKernels(d: Int, K: Int) throws {
        try compare(d: d, K: K, cov: GMM_COV_FULL)
    }

    @Test(arguments: parityDimensions, parityComponents)
    func diagonalCovarianceKernels(d: Int, K: Int) throws {
        try compare(d: d, K: K, cov: GMM_COV_DIAG)
    }

    func compare(d: Int, K: Int, cov: gmm_covariance) throws {
        let avx2 = try #require(gmm_kernels_avx2())
        for B in parityBlockSizes {
            let c = KernelCase(d: d, K: K, B: B, seed: UInt64(d * 1000 + K * 10 + B))
            let r = runKernels(c, gmm_kernels_ref(), cov)
            let v = runKernels(c, avx2, cov, input: (r.rawLogp, r.rawResp))
            let label = "d=\(d) K=\(K) B=\(B)"
            #expect(maxRelativeDifference(r.logp, v.logp) <= 1e-12, "log-densities \(label)")
            #expect(maxRelativeDifference(r.resp, v.resp) <= 1e-12, "responsibilities \(label)")
            #expect(maxRelativeDifference(r.lse, v.lse) <= 1e-12, "log-sum-exp \(label)")
            #expect(maxRelativeDifference(r.nk, v.nk) <= 1e-12, "N_k \(label)")
            #expect(maxRelativeDifference(r.s1, v.s1) <= 1e-12, "first moments \(label)")
            #expect(maxRelativeDifference(r.s2, v.s2) <= 1e-12, "second moments \(label)")
            #expect(r.logp.allSatisfy(\.isFinite) && r.s2.allSatisfy(\.isFinite), "finite outputs \(label)")
        }
    }

    @Test(arguments: parityComponents)
    func hardAssignment(K: Int) throws {
        let avx2 = try #require(gmm_kernels_avx2())
        for B in parityBlockSizes {
            let c = KernelCase(d: 3, K: K, B: B, seed: UInt64(B * 31 + K))
            var outputs: [([Double], [Double], [Int32])] = []
            var work = [Double](repeating: 0, count: 2 * c.d * c.ld)
            var input = [Double](repeating: 0, count: c.K * c.ld)
            _ = gmm_kernels_ref().pointee.logprob.1!(c.Xt, c.ld, c.B, c.d, c.K, c.means, c.diag, c.logNorm, &work, &input, c.ld, nil)
            if B > 2 { for k in 0..<K { input[k * c.ld + 2] = -1 } }  // a tie: the first maximum wins
            for table in [gmm_kernels_ref()!, avx2] {
                var logp = input
                var best = [Double](repeating: 0, count: B), label = [Int32](repeating: -1, count: B)
                #expect(table.pointee.hard(&logp, c.ld, c.B, c.K, &best, &label) == GMM_OK)
                outputs.append((logp, best, label))
            }
            let (r, v) = (outputs[0], outputs[1])
            #expect(r.0 == v.0 && r.1 == v.1 && r.2 == v.2, "K=\(K) B=\(B)")
            for n in 0..<c.ld {
                let column = (0..<K).map { r.0[$0 * c.ld + n] }
                #expect(column.reduce(0, +) == (n < B ? 1 : 0))
                if n < B { #expect(column[Int(r.2[n])] == 1) }
            }
            if B > 2 { #expect(r.2[2] == 0) }
        }
    }

    /// The float32 block loader: AVX2 equals the reference bit for bit, with and without
    /// per-feature power-of-two scales, and both report a (scaled) centred value beyond
    /// GMM_F32_SAFE (its block must then run in float64).
    @Test(arguments: parityDimensions)
    func float32BlockLoadingAndItsRangeReport(d: Int) throws {
        let avx2 = try #require(gmm_kernels_avx2())
        var rng = SeededGenerator(seed: UInt64(d) + 99)
        for rows in parityBlockSizes {
            let ldX = d + 1, ldx = (rows + 7) / 8 * 8 + 8
            var x32 = (0..<rows * ldX).map { _ in Float(100 + rng.nextGaussian()) }
            let center = (0..<d).map { _ in 100 + rng.nextGaussian() }
            let powers = (0..<d).map { i in Double(sign: .plus, exponent: (i % 5) * 7 - 14, significand: 1) }
            for far in [false, true] {
                if far { x32[(rows - 1) * ldX + d - 1] = -2e18 }  // the last value: tails of both loops
                for scale in [nil, powers] {
                    // Scaled by 2^-14 the far value is no longer beyond GMM_F32_SAFE (7e17).
                    let beyond = far && (scale?[d - 1] ?? 1) * 2e18 > 7e17
                    var outputs: [[Float]] = []
                    for table in [gmm_kernels_ref()!, avx2] {
                        var Xt = [Float](repeating: .nan, count: d * ldx)
                        let status = scale.withOptionalBuffer { table.pointee.load32(x32, ldX, rows, d, center, $0, GMM_F32_SAFE, &Xt, ldx) }
                        #expect(status == (beyond ? GMM_F32_RANGE : GMM_OK), "d=\(d) rows=\(rows)")
                        outputs.append(Xt)
                    }
                    #expect(outputs[0] == outputs[1], "d=\(d) rows=\(rows)")
                    let last = Double(x32[(rows - 1) * ldX + d - 1]) - center[d - 1]
                    #expect(outputs[1][(d - 1) * ldx + rows - 1] == Float(last * (scale?[d - 1] ?? 1)))
                    if let scale {  // scaling by powers of two commutes with rounding to float32
                        for i in 0..<d { #expect(outputs[1][i * ldx] == Float(Double(x32[i]) - center[i]) * Float(scale[i])) }
                    }
                }
            }
        }
    }

    @Test(arguments: parityDimensions)
    func blockLoadingTransposesAndWidens(d: Int) throws {
        let avx2 = try #require(gmm_kernels_avx2())
        var rng = SeededGenerator(seed: UInt64(d))
        for rows in parityBlockSizes {
            let ldX = d + 3, ldx = (rows + 3) / 4 * 4 + 4
            let x64 = (0..<rows * ldX).map { _ in 100 + rng.nextGaussian() }
            let x32 = x64.map { Float($0) }
            let center = (0..<d).map { _ in 100 + rng.nextGaussian() }
            for (load, values) in [(\gmm_kernel_table.load_f64, x64.map { $0 }), (\gmm_kernel_table.load_f32, x32.map { Double($0) })] {
                for shift in [nil, center] {
                    var outputs: [[Double]] = []
                    for table in [gmm_kernels_ref()!, avx2] {
                        var Xt = [Double](repeating: .nan, count: d * ldx)
                        let status = load == \gmm_kernel_table.load_f64
                            ? table.pointee[keyPath: load]!(x64, ldX, rows, d, shift, &Xt, ldx)
                            : table.pointee[keyPath: load]!(x32, ldX, rows, d, shift, &Xt, ldx)
                        #expect(status == GMM_OK)
                        outputs.append(Xt)
                    }
                    #expect(outputs[0] == outputs[1], "d=\(d) rows=\(rows)")
                    for i in 0..<d {
                        for r in 0..<ldx {
                            #expect(outputs[1][i * ldx + r] == (r < rows ? values[r * ldX + i] - (shift?[i] ?? 0) : 0))
                        }
                    }
                }
            }
        }
    }

    /// float32 kernels: AVX2 and reference agree to float32 precision, and both agree with
    /// the float64 kernels on the same (float-representable, centred) block.
    @Test(arguments: parityDimensions, parityComponents)
    func float32Kernels(d: Int, K: Int) throws {
        let avx2 = try #require(gmm_kernels_avx2())
        let ref = gmm_kernels_ref()!
        for B in [1, 7, 8, 13, 64, 255, 256] {
            let c = KernelCase(d: d, K: K, B: B, seed: UInt64(d * 977 + K * 13 + B))
            let ld32 = (c.ld + 7) / 8 * 8
            // The same block as floats, and as doubles holding those float values.
            var X32 = [Float](repeating: 0, count: c.d * ld32)
            var X64 = [Double](repeating: 0, count: c.d * c.ld)
            for i in 0..<c.d { for n in 0..<B { X32[i * ld32 + n] = Float(c.Xt[i * c.ld + n]); X64[i * c.ld + n] = Double(X32[i * ld32 + n]) } }
            for cov in [GMM_COV_FULL, GMM_COV_DIAG] {
                let params = cov == GMM_COV_FULL ? c.full : c.diag
                var work32 = [Float](repeating: 0, count: c.d * c.d + 4 * ld32 + 2 * c.d)
                var work64 = [Double](repeating: 0, count: 2 * c.d * c.ld)
                var outputs: [[Double]] = []
                for table in [ref, avx2] {
                    var logp = [Double](repeating: .nan, count: c.K * c.ld)
                    let f = withUnsafeBytes(of: table.pointee.logprob32) { $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_logprob32_fn>.stride, as: gmm_logprob32_fn.self) }
                    X64.withUnsafeBytes { next in  // any readable bytes serve as the hint
                        var hint = gmm_prefetch(addr: next.baseAddress, bytes: next.count)
                        #expect(f(X32, ld32, B, c.d, c.K, c.means, params, c.logNorm, &work32, &logp, c.ld, &hint) == GMM_OK)
                    }
                    outputs.append((0..<c.K).flatMap { k in (0..<B).map { logp[k * c.ld + $0] } })
                }
                var logp64 = [Double](repeating: .nan, count: c.K * c.ld)
                let f64 = withUnsafeBytes(of: ref.pointee.logprob) { $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_logprob_fn>.stride, as: gmm_logprob_fn.self) }
                _ = f64(X64, c.ld, B, c.d, c.K, c.means, params, c.logNorm, &work64, &logp64, c.ld, nil)
                let exact = (0..<c.K).flatMap { k in (0..<B).map { logp64[k * c.ld + $0] } }
                #expect(maxRelativeDifference(outputs[0], outputs[1]) <= 1e-5, "logprob32 d=\(d) K=\(K) B=\(B)")
                #expect(maxRelativeDifference(outputs[1], exact) <= 1e-5, "logprob32 vs float64")
                // Accumulation from the same responsibilities.
                var gamma = logp64
                var lse = [Double](repeating: 0, count: B)
                _ = ref.pointee.lse(&gamma, c.ld, B, c.K, &lse)
                var sums: [[Double]] = []
                for table in [ref, avx2] {
                    var nk = [Double](repeating: 0, count: c.K), s1 = [Double](repeating: 0, count: c.K * c.d)
                    var s2 = [Double](repeating: 0, count: cov == GMM_COV_FULL ? c.K * c.d * c.d : c.K * c.d)
                    let a = withUnsafeBytes(of: table.pointee.accum32) { $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_accum32_fn>.stride, as: gmm_accum32_fn.self) }
                    #expect(a(X32, ld32, B, c.d, c.K, gamma, c.ld, c.shift, &work32, &nk, &s1, &s2) == GMM_OK)
                    sums.append(nk + s1 + s2)
                }
                var nk = [Double](repeating: 0, count: c.K), s1 = [Double](repeating: 0, count: c.K * c.d)
                var s2 = [Double](repeating: 0, count: cov == GMM_COV_FULL ? c.K * c.d * c.d : c.K * c.d)
                let a64 = withUnsafeBytes(of: ref.pointee.accum) { $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_accum_fn>.stride, as: gmm_accum_fn.self) }
                _ = a64(X64, c.ld, B, c.d, c.K, gamma, c.ld, c.shift, &work64, &nk, &s1, &s2)
                // Statistics are sums of O(B) terms: compare on the scale of the sum of magnitudes.
                let scale = Double(B) * 100
                #expect(zip(sums[0], sums[1]).allSatisfy { abs($0 - $1) <= 1e-5 * scale }, "accum32 d=\(d) K=\(K) B=\(B)")
                #expect(zip(sums[1], nk + s1 + s2).allSatisfy { abs($0 - $1) <= 1e-5 * scale }, "accum32 vs float64")
            }
        }
    }

    /// The shared-origin moments kernels: AVX2 against their scalar twins, and (re-centred on
    /// the shifts) against the per-component accumulation they replace in the driver.
    @Test(arguments: parityDimensions, parityComponents)
    func sharedOriginMoments(d: Int, K: Int) throws {
        let avx2 = try #require(gmm_kernels_avx2())
        let ref = gmm_kernels_ref()!
        for cov in [GMM_COV_FULL, GMM_COV_DIAG] {
            let s2Count = cov == GMM_COV_FULL ? K * d * d : K * d
            for B in parityBlockSizes {
                var c = KernelCase(d: d, K: K, B: B, seed: UInt64(d * 733 + K * 17 + B))
                // Responsibilities: any non-negative weights, zero on the padding columns.
                var rng = SeededGenerator(seed: UInt64(B))
                var gamma = [Double](repeating: 0, count: K * c.ld)
                for k in 0..<K { for n in 0..<B { gamma[k * c.ld + n] = rng.nextUnit() } }
                // The driver's coordinates: the block centred near the components.
                for i in 0..<d { for n in 0..<B { c.Xt[i * c.ld + n] -= Double(i) } }
                var results: [[Double]] = []
                for table in [ref, avx2] {
                    let moments = withUnsafeBytes(of: table.pointee.moments) { $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_moments_fn>.stride, as: gmm_moments_fn.self) }
                    var work = [Double](repeating: .nan, count: 2 * d * c.ld)
                    var nk = [Double](repeating: 0, count: K), s1 = [Double](repeating: 0, count: K * d)
                    var s2 = [Double](repeating: 0, count: s2Count)
                    #expect(moments(c.Xt, c.ld, B, d, K, gamma, c.ld, &work, &nk, &s1, &s2) == GMM_OK)
                    results.append(nk + s1 + s2)
                    gmm_moments_recentre(cov, d, K, c.shift, nk, &s1, &s2)
                    results.append(nk + s1 + s2)
                }
                let accum = withUnsafeBytes(of: ref.pointee.accum) { $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_accum_fn>.stride, as: gmm_accum_fn.self) }
                var work = [Double](repeating: 0, count: 2 * d * c.ld)
                var nk = [Double](repeating: 0, count: K), s1 = [Double](repeating: 0, count: K * d)
                var s2 = [Double](repeating: 0, count: s2Count)
                #expect(accum(c.Xt, c.ld, B, d, K, gamma, c.ld, c.shift, &work, &nk, &s1, &s2) == GMM_OK)
                let label = "\(cov == GMM_COV_FULL ? "full" : "diag") d=\(d) K=\(K) B=\(B)"
                #expect(maxRelativeDifference(results[0], results[2]) <= 1e-12, "moments AVX2 vs reference \(label)")
                // Sums of B terms: compare on the scale of their magnitudes (~ B * 10^2).
                let scale = Double(B) * 100
                for r in [results[1], results[3]] {
                    #expect(zip(r, nk + s1 + s2).allSatisfy { abs($0 - $1) <= 1e-13 * scale }, "re-centred vs accum \(label)")
                }
            }
        }
    }

    @Test func responsibilitiesPadWithZerosAndRowsSumToOne() throws {
        let avx2 = try #require(gmm_kernels_avx2())
        for table in [gmm_kernels_ref()!, avx2] {
            let c = KernelCase(d: 3, K: 5, B: 13, seed: 9)
            var work = [Double](repeating: 0, count: 2 * c.d * c.ld)
            var logp = [Double](repeating: 0, count: c.K * c.ld)
            var lse = [Double](repeating: 0, count: c.B)
            _ = table.pointee.logprob.0!(c.Xt, c.ld, c.B, c.d, c.K, c.means, c.full, c.logNorm, &work, &logp, c.ld, nil)
            _ = table.pointee.lse(&logp, c.ld, c.B, c.K, &lse)
            for n in 0..<c.ld {
                let sum = (0..<c.K).reduce(0.0) { $0 + logp[$1 * c.ld + n] }
                if n < c.B { #expect(abs(sum - 1) < 1e-14) } else { #expect(sum == 0) }
            }
        }
    }

    @Test func firstNonFiniteValueIsFound() {
        for float32 in [false, true] {
            for (count, bad) in [(1, 0), (5000, 4097), (10000, 9999), (3, -1), (70000, 12345)] {
                var x = (0..<count).map { Double($0) * 1e-3 }
                if bad >= 0 { x[bad] = bad % 2 == 0 ? .infinity : .nan }
                let found = float32 ? x.map { Float($0) }.withUnsafeBufferPointer { gmm_first_nonfinite($0.baseAddress, 1, count) }
                                    : x.withUnsafeBufferPointer { gmm_first_nonfinite($0.baseAddress, 0, count) }
                #expect(found == bad)
            }
        }
    }

    /// The float32-exponential log-sum-exp: AVX2 (8 lanes, scalar tail) against the reference
    /// (expf) and against the float64 kernel, on awkward block sizes.
    @Test(arguments: parityComponents)
    func float32LogSumExp(K: Int) throws {
        let avx2 = try #require(gmm_kernels_avx2())
        let ref = gmm_kernels_ref()!
        var rng = SeededGenerator(seed: UInt64(K) + 7)
        for B in [1, 3, 7, 8, 9, 15, 16, 17, 64, 255, 256] {
            let ld = (B + 3) / 4 * 4 + 4
            let logp = (0..<K * ld).map { _ in -30 * rng.nextUnit() - 5 * rng.nextGaussian() - 20 }
            var results: [([Double], [Double])] = []
            for f in [ref.pointee.lse32!, avx2.pointee.lse32!, ref.pointee.lse!] {
                var g = logp, lse = [Double](repeating: .nan, count: B)
                #expect(f(&g, ld, B, K, &lse) == GMM_OK)
                for k in 0..<K { for n in B..<ld { #expect(g[k * ld + n] == 0, "padding K=\(K) B=\(B)") } }
                results.append((g, lse))
            }
            for (a, b, tol) in [(0, 1, 1e-6), (1, 2, 2e-6)] {
                #expect(zip(results[a].0, results[b].0).allSatisfy { abs($0 - $1) <= tol * max(abs($1), 1e-3) }, "resp K=\(K) B=\(B)")
                #expect(zip(results[a].1, results[b].1).allSatisfy { abs($0 - $1) <= tol * max(abs($1), 1) }, "lse K=\(K) B=\(B)")
            }
        }
        // Two components 0 and −t: lse = log(1 + e^−t), and −∞ everywhere gives a non-finite lse.
        let ts = stride(from: 0.0, through: 80.0, by: 0.37).map { $0 }
        let ld = (ts.count + 3) / 4 * 4
        var g = [Double](repeating: 0, count: 2 * ld)
        for (n, t) in ts.enumerated() { g[ld + n] = -t }
        var lse = [Double](repeating: 0, count: ts.count)
        #expect(avx2.pointee.lse32(&g, ld, ts.count, 2, &lse) == GMM_OK)
        for (n, t) in ts.enumerated() {
            #expect(abs(lse[n] - log1p(exp(-t))) <= 2e-7, "lse at t=\(t)")
            // Relative error of e^−t from rounding t to float32: about t · 6e-8.
            #expect(abs(g[ld + n] - exp(-t) / (1 + exp(-t))) <= 2e-7 * (1 + t) * exp(-t) / (1 + exp(-t)), "resp at t=\(t)")
        }
        var none = [Double](repeating: -.infinity, count: 16), out = [Double](repeating: 0, count: 8)
        #expect(avx2.pointee.lse32(&none, 8, 8, 2, &out) == GMM_OK)
        #expect(out.allSatisfy { !$0.isFinite })
    }

    @Test func vectorExpAndLogAreAccurateOverTheirRanges() throws {
        let avx2 = try #require(gmm_kernels_avx2())
        // Two components with log-densities 0 and -t: lse = log(1 + e^-t), resp = e^-t/(1+e^-t).
        let ts = stride(from: 0.0, through: 740.0, by: 0.37).map { $0 }
        let ld = (ts.count + 3) / 4 * 4
        var logp = [Double](repeating: 0, count: 2 * ld)
        for (n, t) in ts.enumerated() { logp[ld + n] = -t }
        var lse = [Double](repeating: 0, count: ts.count)
        #expect(avx2.pointee.lse(&logp, ld, ts.count, 2, &lse) == GMM_OK)
        for (n, t) in ts.enumerated() {
            let e = exp(-t)
            #expect(close(lse[n], log1p(e), 1e-15), "lse at t=\(t)")
            let resp = logp[ld + n]
            if t < 708 {
                #expect(abs(resp - e / (1 + e)) <= 1e-14 * e / (1 + e), "resp at t=\(t)")
            } else {
                #expect(resp <= 1e-307, "resp below the normal range at t=\(t)")  // flushed to 0
            }
        }
        // NaN log-densities propagate instead of turning into a plausible number; a component
        // of weight 0 (log-density -inf) gets a responsibility of exactly 0.
        var bad: [Double] = [0, 0, 0, 0, -1, .nan, -800, -.infinity]
        var badLse = [Double](repeating: 0, count: 4)
        #expect(avx2.pointee.lse(&bad, 4, 4, 2, &badLse) == GMM_OK)
        #expect(badLse[1].isNaN && bad[5].isNaN)
        #expect(badLse[0].isFinite && badLse[2] == 0 && bad[6] == 0 && bad[2] == 1)
        #expect(badLse[3] == 0 && bad[7] == 0 && bad[3] == 1)
    }
}

@Suite("Small linear algebra")
struct LinearAlgebraTests {
    @Test(arguments: [1, 2, 3, 7, 16])
    func precisionCholeskyInvertsTheCovariance(d: Int) throws {
        var rng = SeededGenerator(seed: UInt64(d))
        let a = (0..<d * d).map { _ in rng.nextGaussian() }
        var cov = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { cov[i * d + j] = (0..<d).reduce(0.0) { $0 + a[i * d + $1] * a[j * d + $1] } / Double(d) + (i == j ? 0.5 : 0) } }
        var U = [Double](repeating: 0, count: d * d), logDet = 0.0
        #expect(gmm_precision_cholesky_from_covariance(cov, d, &U, &logDet) == GMM_OK)
        // U upper triangular, and Uᵀ Σ U = I.
        for i in 0..<d { for j in 0..<i { #expect(U[i * d + j] == 0) } }
        for i in 0..<d {
            for j in 0..<d {
                var s = 0.0
                for p in 0..<d { for q in 0..<d { s += U[p * d + i] * cov[p * d + q] * U[q * d + j] } }
                #expect(abs(s - (i == j ? 1 : 0)) < 1e-12)
            }
        }
        #expect(close(logDet, (0..<d).reduce(0.0) { $0 + log(U[$1 * d + $1]) }, 1e-14))
        // Back to the covariance, and the same factor from the precision matrix.
        var back = [Double](repeating: 0, count: d * d)
        #expect(gmm_covariance_from_precision_cholesky(U, d, &back) == GMM_OK)
        #expect(maxRelativeDifference(back, cov) < 1e-12)
        var prec = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { prec[i * d + j] = (0..<d).reduce(0.0) { $0 + U[i * d + $1] * U[j * d + $1] } } }
        var V = [Double](repeating: 0, count: d * d), logDet2 = 0.0
        #expect(gmm_precision_cholesky_from_precision(prec, d, &V, &logDet2) == GMM_OK)
        #expect(maxRelativeDifference(U, V) < 1e-10)
        #expect(close(logDet, logDet2, 1e-12))
    }

    @Test func notPositiveDefiniteIsReported() {
        let cov: [Double] = [1, 2, 2, 1]
        var U = [Double](repeating: 0, count: 4), logDet = 0.0
        #expect(gmm_precision_cholesky_from_covariance(cov, 2, &U, &logDet) == GMM_ERR_NOT_PD)
        #expect(gmm_precision_cholesky_from_covariance([0.0], 1, &U, &logDet) == GMM_ERR_NOT_PD)
    }
}

extension Optional where Wrapped == [Double] {
    /// The array's base address (nil for nil) for the duration of `body`.
    func withOptionalBuffer<R>(_ body: (UnsafePointer<Double>?) -> R) -> R {
        guard let self else { return body(nil) }
        return self.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

/// The AVX-512 twins run the AVX2 kernels' per-point arithmetic on 8 points per vector: their
/// outputs equal the AVX2 kernels' bit for bit, on every size and block tail, and they write
/// nothing outside a block's padded points.
@Suite("AVX-512 kernels equal the AVX2 kernels", .enabled(if: gmm_kernels_avx512() != nil, "CPU without AVX-512 F/VL/DQ"))
struct AVX512ParityTests {
    @Test(arguments: [1, 2, 3, 5, 7, 8, 9, 16, 17, 33, 40], [1, 3, 5, 7, 9, 17, 33])
    func diagonalLogDensities(d: Int, K: Int) throws {
        try logDensities(d: d, K: K, cov: GMM_COV_DIAG)
    }

    @Test(arguments: [1, 2, 3, 5, 6, 7, 11, 12, 13, 17, 33, 64], [1, 3, 5, 7, 9, 17, 33])
    func fullLogDensities(d: Int, K: Int) throws {
        try logDensities(d: d, K: K, cov: GMM_COV_FULL)
    }

    func logDensities(d: Int, K: Int, cov: gmm_covariance) throws {
        let avx512 = try #require(gmm_kernels_avx512()), avx2 = try #require(gmm_kernels_avx2())
        #expect(String(cString: avx512.pointee.isa) == "avx512")
        for B in [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 15, 16, 17, 31, 33, 64, 100, 255, 256] {
            let c = KernelCase(d: d, K: K, B: B, seed: UInt64(d * 7919 + K * 31 + B))
            func run(_ table: UnsafePointer<gmm_kernel_table>) -> [Double] {
                var work = [Double](repeating: .nan, count: 2 * c.d * c.ld)
                var logp = [Double](repeating: -12345, count: c.K * c.ld)  // a canary beyond the padded points
                let fn = cov == GMM_COV_FULL ? table.pointee.logprob.0! : table.pointee.logprob.1!
                let status = fn(c.Xt, c.ld, c.B, c.d, c.K, c.means, cov == GMM_COV_FULL ? c.full : c.diag, c.logNorm, &work, &logp, c.ld, nil)
                #expect(status == GMM_OK)
                return logp
            }
            let wide = run(avx512), narrow = run(avx2), reference = run(gmm_kernels_ref())
            let padded = (B + 3) / 4 * 4
            let label = "d=\(d) K=\(K) B=\(B)"
            for k in 0..<K {
                for n in 0..<c.ld {
                    let i = k * c.ld + n
                    if n < padded {
                        #expect(wide[i].bitPattern == narrow[i].bitPattern, "\(label) k=\(k) n=\(n)")
                    } else {
                        #expect(wide[i] == -12345, "\(label): wrote beyond the padded points (k=\(k) n=\(n))")
                    }
                }
            }
            let valid = (0..<K).flatMap { k in (0..<B).map { k * c.ld + $0 } }
            #expect(maxRelativeDifference(valid.map { reference[$0] }, valid.map { wide[$0] }) <= 1e-12, "\(label)")
        }
    }

    /// float32 log-densities on 16 points per vector: the AVX2 kernels' bits, every tail.
    @Test(arguments: [1, 2, 3, 5, 6, 7, 9, 13, 17, 33, 64], [1, 3, 5, 7, 9, 17])
    func float32LogDensities(d: Int, K: Int) throws {
        let avx512 = try #require(gmm_kernels_avx512()), avx2 = try #require(gmm_kernels_avx2())
        for B in [1, 7, 8, 9, 15, 16, 17, 24, 31, 33, 64, 100, 255, 256, 511, 512] {
            let c = KernelCase(d: d, K: K, B: B, seed: UInt64(d * 577 + K * 11 + B))
            let ld32 = (c.ld + 7) / 8 * 8, padded = (B + 7) / 8 * 8
            var X32 = [Float](repeating: 0, count: c.d * ld32)
            for i in 0..<c.d { for n in 0..<B { X32[i * ld32 + n] = Float(c.Xt[i * c.ld + n]) } }
            for cov in [GMM_COV_FULL, GMM_COV_DIAG] {
                func run(_ table: UnsafePointer<gmm_kernel_table>) -> [Double] {
                    var work32 = [Float](repeating: .nan, count: c.d * c.d + 2 * c.d + 32)  // the contract's size
                    var logp = [Double](repeating: -12345, count: c.K * c.ld)
                    let f = cov == GMM_COV_FULL ? table.pointee.logprob32.0! : table.pointee.logprob32.1!
                    #expect(f(X32, ld32, B, c.d, c.K, c.means, cov == GMM_COV_FULL ? c.full : c.diag, c.logNorm, &work32, &logp, c.ld, nil) == GMM_OK)
                    return logp
                }
                let wide = run(avx512), narrow = run(avx2)
                let label = "d=\(d) K=\(K) B=\(B) \(cov == GMM_COV_FULL ? "full" : "diag")"
                // The statistics from the same responsibilities (6-row tiles against 3-row ones).
                var rng = SeededGenerator(seed: UInt64(B * 7 + K))
                let gamma = (0..<K * c.ld).map { q in q % c.ld < B ? (q % 5 == 0 ? 1e-41 : rng.nextUnit()) : 0 }
                func stats(_ table: UnsafePointer<gmm_kernel_table>) -> [Double] {
                    var work32 = [Float](repeating: .nan, count: (1 + min(c.d, 6)) * ld32)
                    var nk = [Double](repeating: 0, count: K), s1 = [Double](repeating: 0, count: K * d)
                    var s2 = [Double](repeating: 0, count: cov == GMM_COV_FULL ? K * d * d : K * d)
                    let a = cov == GMM_COV_FULL ? table.pointee.accum32.0! : table.pointee.accum32.1!
                    #expect(a(X32, ld32, B, d, K, gamma, c.ld, c.shift, &work32, &nk, &s1, &s2) == GMM_OK)
                    return nk + s1 + s2
                }
                #expect(stats(avx512).elementsEqual(stats(avx2)) { $0.bitPattern == $1.bitPattern }, "statistics \(label)")
                for k in 0..<K {
                    for n in 0..<c.ld {
                        let i = k * c.ld + n
                        if n < padded { #expect(wide[i].bitPattern == narrow[i].bitPattern, "\(label) k=\(k) n=\(n)") }
                        else { #expect(wide[i] == -12345, "\(label): wrote beyond the padded points") }
                    }
                }
            }
        }
    }

    /// Shared-origin moments (4-component tiles in the 32 registers): the AVX2 kernels'
    /// statistics bit for bit, for every component count around the tile sizes and every tail.
    @Test(arguments: [1, 2, 3, 5, 7, 8, 9, 16, 17, 33], [1, 2, 3, 4, 5, 6, 7, 9, 17, 33])
    func sharedOriginMoments(d: Int, K: Int) throws {
        let avx512 = try #require(gmm_kernels_avx512()), avx2 = try #require(gmm_kernels_avx2())
        for B in [1, 3, 4, 5, 8, 13, 64, 127, 256] {
            let c = KernelCase(d: d, K: K, B: B, seed: UInt64(d * 613 + K * 17 + B))
            var rng = SeededGenerator(seed: UInt64(B + 5 * K))
            var gamma = [Double](repeating: 0, count: K * c.ld)
            for k in 0..<K { for n in 0..<B { gamma[k * c.ld + n] = rng.nextUnit() } }
            for cov in [GMM_COV_FULL, GMM_COV_DIAG] {
                let s2count = cov == GMM_COV_FULL ? K * d * d : K * d
                func run(_ table: UnsafePointer<gmm_kernel_table>) -> [Double] {
                    var work = [Double](repeating: .nan, count: 2 * d * c.ld)
                    var nk = [Double](repeating: 0.25, count: K), s1 = [Double](repeating: 0.5, count: K * d)
                    var s2 = [Double](repeating: 0.75, count: s2count)
                    let fn = cov == GMM_COV_FULL ? table.pointee.moments.0! : table.pointee.moments.1!
                    #expect(fn(c.Xt, c.ld, B, d, K, gamma, c.ld, &work, &nk, &s1, &s2) == GMM_OK)
                    return nk + s1 + s2
                }
                let wide = run(avx512), narrow = run(avx2), reference = run(gmm_kernels_ref())
                let label = "d=\(d) K=\(K) B=\(B) \(cov == GMM_COV_FULL ? "full" : "diag")"
                #expect(wide.elementsEqual(narrow) { $0.bitPattern == $1.bitPattern }, "\(label)")
                let upper = (0..<wide.count).filter { q in
                    let base = K + K * d
                    guard cov == GMM_COV_FULL, q >= base else { return true }
                    let e = (q - base) % (d * d)
                    return e / d <= e % d
                }
                #expect(maxRelativeDifference(upper.map { reference[$0] }, upper.map { wide[$0] }) <= 1e-12, "\(label) vs reference")
            }
        }
    }

    /// Responsibilities and log-sum-exp: the same lanes' arithmetic as AVX2's, bit for bit,
    /// including far-apart log-densities (exp underflow), ties and segments past 512 points.
    @Test(arguments: [1, 2, 3, 5, 7, 9, 17, 33])
    func logSumExpAndResponsibilities(K: Int) throws {
        let avx512 = try #require(gmm_kernels_avx512()), avx2 = try #require(gmm_kernels_avx2())
        for B in [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 15, 16, 17, 31, 33, 64, 100, 255, 256, 511, 512] {
            var rng = SeededGenerator(seed: UInt64(B * 131 + K))
            let ld = (B + 3) / 4 * 4 + 4
            var input = [Double](repeating: 0, count: K * ld)
            for k in 0..<K { for n in 0..<ld { input[k * ld + n] = n < (B + 3) / 4 * 4 ? 40 * rng.nextGaussian() - (n % 7 == 0 ? 800 : 0) : 0 } }
            if B > 3 && K > 1 { input[ld + 3] = input[3] }  // a tie
            func run(_ table: UnsafePointer<gmm_kernel_table>) -> ([Double], [Double]) {
                var logp = input
                var lse = [Double](repeating: -777, count: B + 9)  // canaries past B
                #expect(table.pointee.lse(&logp, ld, B, K, &lse) == GMM_OK)
                return (logp, lse)
            }
            let wide = run(avx512), narrow = run(avx2)
            #expect(wide.0.elementsEqual(narrow.0) { $0.bitPattern == $1.bitPattern }, "responsibilities B=\(B) K=\(K)")
            #expect(wide.1.elementsEqual(narrow.1) { $0.bitPattern == $1.bitPattern }, "log-sum-exp B=\(B) K=\(K)")
            #expect(wide.1[B...].allSatisfy { $0 == -777 }, "wrote past B (B=\(B) K=\(K))")
        }
    }

    @Test(arguments: CovarianceType.allCases)
    func fitsEqualTheAVX2FitsBitForBit(type: CovarianceType) throws {
        for (n, d, k) in [(5_003, 3, 4), (20_000, 40, 7)] {
            let X = blobs(n: n, d: d, k: k, seed: UInt64(n + d))
            let narrow = try GaussianMixture(components: k, covarianceType: type, tolerance: 0, maxIterations: 6, seed: 3, isa: .avx2).fit(X)
            let wide = try GaussianMixture(components: k, covarianceType: type, tolerance: 0, maxIterations: 6, seed: 3, isa: .avx512).fit(X)
            #expect(wide.parameters == narrow.parameters && wide.lowerBounds == narrow.lowerBounds, "\(type) \(n)x\(d)")
            let X32 = Matrix<Float>(rows: X.rows, columns: X.columns, elements: X.elements.map(Float.init))
            let narrow32 = try GaussianMixture(components: k, covarianceType: type, tolerance: 0, maxIterations: 6, seed: 3, isa: .avx2).fit(X32)
            let wide32 = try GaussianMixture(components: k, covarianceType: type, tolerance: 0, maxIterations: 6, seed: 3, isa: .avx512).fit(X32)
            #expect(wide32.parameters == narrow32.parameters && wide32.lowerBounds == narrow32.lowerBounds, "float32 \(type) \(n)x\(d)")
        }
    }
}
