import CKernels
import Foundation
import GMM
import Testing

/// The truncated E-step (CKernels/include/gmm_trunc.h): its bound checked against exact
/// log-densities, its twins against the reference, and truncated fits for determinism and
/// closeness to exact EM.
@Suite("Truncated E-step")
struct TruncatedEStepTests {
    struct Output {
        var gamma: [Double]   // B x K, dense (0 where not kept)
        var lse: [Double]     // B
        var labels: [Int32]
        var lanes: Int
    }

    static func tables() -> [(String, UnsafePointer<gmm_kernel_table>)] {
        [("ref", gmm_kernels_ref())] + (gmm_kernels_avx2().map { [("avx2", $0)] } ?? [])
            + (gmm_kernels_avx512().map { [("avx512", $0)] } ?? [])
    }

    static func truncated(_ c: KernelCase, _ table: UnsafePointer<gmm_kernel_table>, _ cov: gmm_covariance, tau: Double,
                          hint: [Int32]? = nil) -> Output {
        let fn = withUnsafeBytes(of: table.pointee.logprob_trunc) {
            $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_logprob_trunc_fn>.stride, as: gmm_logprob_trunc_fn.self)
        }
        let params = cov == GMM_COV_FULL ? c.full : c.diag
        // Canaries past every buffer's contract: a kernel writing beyond them is caught.
        var work = [Double](repeating: .nan, count: gmm_trunc_work_size(c.ld, c.d) + 16)
        var logp = [Double](repeating: .nan, count: c.K * c.ld + 16)
        var active = [Int32](repeating: -7, count: c.K * c.ld + 16)
        var count = [Int32](repeating: -7, count: c.ld + 16)
        var lse = [Double](repeating: .nan, count: c.B + 16)
        var labels = [Int32](repeating: -7, count: c.B + 16)
        var lanes = 0
        #expect(fn(c.Xt, c.ld, c.B, c.d, c.K, c.means, params, c.logNorm, Foundation.log(tau), &work, &logp, c.ld,
                   &active, &count, &lanes, hint) == GMM_OK)
        #expect(table.pointee.trunc_resp(&logp, c.ld, c.B, c.K, Foundation.log(tau), active, count, lanes, &lse, &labels) == GMM_OK)
        #expect(logp[(c.K * c.ld)...].allSatisfy(\.isNaN) && lse[c.B...].allSatisfy(\.isNaN) && labels[c.B...].allSatisfy { $0 == -7 },
                "wrote past its outputs")
        var gamma = [Double](repeating: 0, count: c.B * c.K)
        for n in 0..<c.B {
            let g = n / lanes
            for i in 0..<Int(count[g]) {
                let k = Int(active[g * c.K + i])
                gamma[n * c.K + k] = logp[k * c.ld + n]
            }
        }
        return Output(gamma: gamma, lse: Array(lse[0..<c.B]), labels: Array(labels[0..<c.B]), lanes: lanes)
    }

    /// Exact log-densities l[n][k] from the reference kernel.
    static func exact(_ c: KernelCase, _ cov: gmm_covariance) -> [[Double]] {
        var work = [Double](repeating: 0, count: 2 * c.d * c.ld)
        var logp = [Double](repeating: 0, count: c.K * c.ld)
        let params = cov == GMM_COV_FULL ? c.full : c.diag
        let status = cov == GMM_COV_FULL
            ? gmm_logprob_full_ref(c.Xt, c.ld, c.B, c.d, c.K, c.means, params, c.logNorm, &work, &logp, c.ld, nil)
            : gmm_logprob_diag_ref(c.Xt, c.ld, c.B, c.d, c.K, c.means, params, c.logNorm, &work, &logp, c.ld, nil)
        #expect(status == GMM_OK)
        return (0..<c.B).map { n in (0..<c.K).map { logp[$0 * c.ld + n] } }
    }

    /// The bound, point by point, from exact log-densities: every dropped component's
    /// responsibility is below τ times the point's largest, every component at or above it is
    /// kept, the kept ones are the exact responsibilities renormalized, the dropped mass
    /// (computed exactly) is at most (K - 1) τ of the largest, and the point's term lies within
    /// log(1 + (K - 1) τ) below its exact log-likelihood. Every twin gives the reference's
    /// bits.
    @Test(arguments: [1, 2, 3, 5, 7, 9, 17, 33, 40], [1, 3, 5, 7, 9, 17, 33])
    func boundHoldsAndTwinsAgree(d: Int, K: Int) throws {
        for B in [1, 3, 4, 5, 8, 13, 64, 127, 256] {
            for cov in [GMM_COV_FULL, GMM_COV_DIAG] {
                for tau in [1e-3, 1e-8] {
                    var c = KernelCase(d: d, K: K, B: B, seed: UInt64(d * 7919 + K * 31 + B))
                    // Spread the components so that points see both kept and dropped ones.
                    c.means = c.means.map { 3 * $0 }
                    let label = "d=\(d) K=\(K) B=\(B) \(cov == GMM_COV_FULL ? "full" : "diag") tau=\(tau)"
                    let l = Self.exact(c, cov)
                    let ref = Self.truncated(c, gmm_kernels_ref(), cov, tau: tau)
                    var dropped = 0
                    for n in 0..<B {
                        let m = l[n].max()!
                        let lse = m + Foundation.log(l[n].reduce(0) { $0 + Foundation.exp($1 - m) })
                        var droppedMass = 0.0
                        var keptSum = 0.0
                        for k in 0..<K {
                            let g = ref.gamma[n * K + k], relative = Foundation.exp(l[n][k] - m)
                            if g == 0 {
                                dropped += 1
                                #expect(relative < tau * (1 + 1e-9), "\(label): point \(n) dropped component \(k) at \(relative) of the largest")
                                droppedMass += Foundation.exp(l[n][k] - lse)
                            } else {
                                keptSum += Foundation.exp(l[n][k] - m)
                            }
                            if relative >= tau * (1 + 1e-9) { #expect(g > 0, "\(label): point \(n) lost component \(k)") }
                        }
                        for k in 0..<K where ref.gamma[n * K + k] > 0 {
                            #expect(close(ref.gamma[n * K + k], Foundation.exp(l[n][k] - m) / keptSum, 1e-10), "\(label): gamma[\(n)][\(k)]")
                        }
                        let largest = Foundation.exp(m - lse)
                        #expect(droppedMass <= Double(K - 1) * tau * largest * (1 + 1e-9), "\(label): point \(n) dropped mass \(droppedMass)")
                        #expect(ref.lse[n] <= lse + 1e-10 * abs(lse) + 1e-12, "\(label): point \(n) term above the log-likelihood")
                        #expect(ref.lse[n] >= lse - Foundation.log1p(Double(K - 1) * tau) - 1e-10 * abs(lse) - 1e-12,
                                "\(label): point \(n) term \(ref.lse[n]) vs \(lse)")
                        #expect(Int(ref.labels[n]) == l[n].firstIndex(of: m)!, "\(label): label of point \(n)")
                    }
                    if K > 1 && B >= 64 && tau == 1e-8 && d >= 3 { #expect(dropped > 0, "\(label): the case drops nothing") }
                    // Hints (valid, out of range, the worst component) change only the work.
                    var rng = SeededGenerator(seed: UInt64(B * 3 + K))
                    let hint = (0..<B).map { n -> Int32 in
                        n % 5 == 0 ? -1 : n % 7 == 0 ? Int32(K + 3) : n % 3 == 0 ? Int32(l[n].firstIndex(of: l[n].min()!)!)
                            : Int32(Int(rng.nextUnit() * Double(K)) % K)
                    }
                    for (name, table) in Self.tables() {
                        let h = Self.truncated(c, table, cov, tau: tau, hint: hint)
                        #expect(h.gamma.elementsEqual(ref.gamma) { $0.bitPattern == $1.bitPattern }, "\(name) hinted responsibilities \(label)")
                        #expect(h.lse.elementsEqual(ref.lse) { $0.bitPattern == $1.bitPattern } && h.labels == ref.labels, "\(name) hinted \(label)")
                    }
                    for (name, table) in Self.tables().dropFirst() {
                        let v = Self.truncated(c, table, cov, tau: tau)
                        #expect(v.lanes == (name == "avx2" ? 4 : 8))
                        #expect(v.gamma.elementsEqual(ref.gamma) { $0.bitPattern == $1.bitPattern }, "\(name) responsibilities \(label)")
                        #expect(v.lse.elementsEqual(ref.lse) { $0.bitPattern == $1.bitPattern }, "\(name) lower-bound terms \(label)")
                        #expect(v.labels == ref.labels, "\(name) labels \(label)")
                    }
                }
            }
        }
    }

    /// The truncated statistics equal the dense reference accumulation of the same
    /// responsibilities, and every twin gives the reference's bits.
    @Test(arguments: [1, 3, 8, 17], [1, 5, 33])
    func sparseStatisticsEqualDense(d: Int, K: Int) throws {
        for B in [1, 5, 64, 131] {
            for cov in [GMM_COV_FULL, GMM_COV_DIAG] {
                var c = KernelCase(d: d, K: K, B: B, seed: UInt64(d * 131 + K * 7 + B))
                c.means = c.means.map { 3 * $0 }
                let table = Self.tables().last!.1
                let fn = withUnsafeBytes(of: table.pointee.logprob_trunc) {
                    $0.load(fromByteOffset: Int(cov.rawValue) * MemoryLayout<gmm_logprob_trunc_fn>.stride, as: gmm_logprob_trunc_fn.self)
                }
                let params = cov == GMM_COV_FULL ? c.full : c.diag
                var work = [Double](repeating: 0, count: max(gmm_trunc_work_size(c.ld, c.d), 2 * c.d * c.ld))
                var logp = [Double](repeating: .nan, count: c.K * c.ld)
                var active = [Int32](repeating: 0, count: c.K * c.ld)
                var count = [Int32](repeating: 0, count: c.ld)
                var lse = [Double](repeating: 0, count: c.B)
                var lanes = 0
                let lt = Foundation.log(1e-6)
                #expect(fn(c.Xt, c.ld, c.B, c.d, c.K, c.means, params, c.logNorm, lt, &work, &logp, c.ld, &active, &count, &lanes, nil) == GMM_OK)
                #expect(table.pointee.trunc_resp(&logp, c.ld, c.B, c.K, lt, active, count, lanes, &lse, nil) == GMM_OK)
                let weights = (0..<c.B).map { Double(($0 * 7) % 5) / 2 }  // some zero
                var dense = [Double](repeating: 0, count: c.K * c.ld)
                for n in 0..<c.B {
                    let g = n / lanes
                    for i in 0..<Int(count[g]) { let k = Int(active[g * c.K + i]); dense[k * c.ld + n] = logp[k * c.ld + n] * weights[n] }
                }
                let s2count = cov == GMM_COV_FULL ? c.K * c.d * c.d : c.K * c.d
                // Each twin's statistics: the reference's bits (points reach each component in
                // ascending order whatever the grouping).
                var runs: [(String, [Double], [Double], [Double])] = []
                for (name, t) in Self.tables() {
                    var nk = [Double](repeating: 0, count: c.K), s1 = [Double](repeating: 0, count: c.K * c.d)
                    var s2 = [Double](repeating: 0, count: s2count)
                    var scratch = [Double](repeating: .nan, count: (Int(GMM_TRUNC_LANES_MAX) + 1) * c.d)
                    #expect(t.pointee.trunc_accum(c.Xt, c.ld, c.B, c.d, c.K, cov, logp, c.ld, active, count, lanes, weights, c.shift,
                                                  &scratch, &nk, &s1, &s2) == GMM_OK)
                    runs.append((name, nk, s1, s2))
                }
                for r in runs.dropFirst() {
                    #expect(r.1 == runs[0].1 && r.2 == runs[0].2 && r.3 == runs[0].3, "\(r.0) statistics d=\(d) K=\(K) B=\(B)")
                }
                let (nk, s1, s2) = (runs[0].1, runs[0].2, runs[0].3)
                var rnk = [Double](repeating: 0, count: c.K), rs1 = [Double](repeating: 0, count: c.K * c.d), rs2 = [Double](repeating: 0, count: s2count)
                let status = cov == GMM_COV_FULL
                    ? gmm_accum_full_ref(c.Xt, c.ld, c.B, c.d, c.K, dense, c.ld, c.shift, &work, &rnk, &rs1, &rs2)
                    : gmm_accum_diag_ref(c.Xt, c.ld, c.B, c.d, c.K, dense, c.ld, c.shift, &work, &rnk, &rs1, &rs2)
                #expect(status == GMM_OK)
                let label = "d=\(d) K=\(K) B=\(B) \(cov == GMM_COV_FULL ? "full" : "diag")"
                #expect(maxRelativeDifference(nk, rnk) <= 1e-12, "N_k \(label)")
                #expect(maxRelativeDifference(s1, rs1) <= 1e-11, "first moments \(label)")
                let upper = cov == GMM_COV_FULL ? (0..<s2count).filter { ($0 % (c.d * c.d)) / c.d <= $0 % c.d } : Array(0..<s2count)
                #expect(maxRelativeDifference(upper.map { s2[$0] }, upper.map { rs2[$0] }) <= 1e-11, "second moments \(label)")
            }
        }
    }

    @Test func invalidThresholdsAreRefused() {
        let c = KernelCase(d: 3, K: 2, B: 4, seed: 1)
        var work = [Double](repeating: 0, count: gmm_trunc_work_size(c.ld, c.d))
        var logp = [Double](repeating: 0, count: c.K * c.ld)
        var active = [Int32](repeating: 0, count: c.K * c.ld), count = [Int32](repeating: 0, count: c.ld)
        var lanes = 0
        for (_, table) in Self.tables() {
            for lt in [0.0, 1.0, .nan] {
                #expect(table.pointee.logprob_trunc.1!(c.Xt, c.ld, c.B, c.d, c.K, c.means, c.diag, c.logNorm, lt, &work, &logp, c.ld,
                                                       &active, &count, &lanes, nil) == GMM_ERR_ARGUMENT)
            }
        }
    }

    /// Well-separated data, many components: what truncation is for.
    static let data = SyntheticMixture(components: 24, features: 6, spread: 6, seed: 5).sample(6000, seed: 9).points

    static func fit(_ type: CovarianceType, truncation: Double?, threads: Int, data: Matrix<Double> = data,
                    tol: Double = 1e-3) throws -> FittedGaussianMixture {
        var gm = GaussianMixture(components: 24, covarianceType: type, tolerance: tol, seed: 11, threads: threads)
        gm.truncation = truncation
        return try gm.fit(data)
    }

    /// 1 and 2 threads give the same truncated model bit for bit, for every covariance type.
    @Test(arguments: CovarianceType.allCases)
    func truncatedFitsAreThreadIndependent(type: CovarianceType) throws {
        let one = try Self.fit(type, truncation: 1e-8, threads: 1), two = try Self.fit(type, truncation: 1e-8, threads: 2)
        #expect(one.parameters == two.parameters)
        #expect(one.lowerBounds.elementsEqual(two.lowerBounds) { $0.bitPattern == $1.bitPattern })
        // float32 data (run in float64 arithmetic on this path)
        let X32 = Matrix<Float>(rows: Self.data.rows, columns: Self.data.columns, elements: Self.data.elements.map(Float.init))
        var gm = GaussianMixture(components: 24, covarianceType: type, seed: 11, threads: 1)
        gm.truncation = 1e-8
        let a = try gm.fit(X32)
        gm.threads = 2
        let b = try gm.fit(X32)
        #expect(a.parameters == b.parameters)
    }

    /// From the same start, a truncated fit ends within 1e-6 relative of the exact fit's mean
    /// log-likelihood (scored exactly), in the same number of iterations ± 1, and the exact path
    /// is untouched by the option's existence (nil gives the default estimator's model).
    @Test(arguments: CovarianceType.allCases)
    func truncatedFitsTrackExactEM(type: CovarianceType) throws {
        let exact = try Self.fit(type, truncation: nil, threads: 2)
        var plain = GaussianMixture(components: 24, covarianceType: type, seed: 11, threads: 2)
        plain.tolerance = 1e-3
        #expect(try plain.fit(Self.data).parameters == exact.parameters)
        let truncated = try Self.fit(type, truncation: 1e-8, threads: 2)
        let se = try exact.score(Self.data), st = try truncated.score(Self.data)
        #expect(abs(se - st) <= 1e-6 * abs(se), "\(type): exact \(se), truncated \(st)")
        #expect(abs(exact.iterations - truncated.iterations) <= 1, "\(type): \(exact.iterations) vs \(truncated.iterations) iterations")
        // Its lower bound is a lower bound: at most the exact mean log-likelihood of its model.
        #expect(truncated.lowerBound <= (try truncated.score(Self.data)) + 1e-12)
        // The truncated lower bound never decreases (up to rounding), as EM's.
        for (a, b) in zip(truncated.lowerBounds, truncated.lowerBounds.dropFirst()) { #expect(b >= a - 1e-9 * abs(a)) }
    }

    @Test func invalidTruncationIsRefused() throws {
        for bad in [0.0, 1.0, -1e-8, 2, .nan, .infinity] {
            var gm = GaussianMixture(components: 2, seed: 1)
            gm.truncation = bad
            #expect {
                try gm.fit(Self.data)
            } throws: { error in
                "\(error)" == "The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0) or None. Got \(bad) instead."
            }
        }
    }
}
