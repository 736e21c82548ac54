import CKernels
import Foundation
import GMM
import Testing

/// The driver's shared-origin update (raw moments about the centre, re-centred once) must not
/// cost precision: a narrow component far from the centre would lose all its digits to
/// cancellation, so the driver falls back to per-component shifts for it.
@Suite("One-pass statistics keep their precision")
struct PassPrecisionTests {
    /// One accumulating pass over `X` (n × d) under the model; returns (nk, s1, s2, resp).
    func pass(_ X: [Double], n: Int, d: Int, K: Int, cov: gmm_covariance, means: [Double], precChol: [Double],
              logNorm: [Double], table: UnsafePointer<gmm_kernel_table>) -> (nk: [Double], s1: [Double], s2: [Double], resp: [Double]) {
        var resp = [Double](repeating: 0, count: n * K)
        let slots = gmm_pass_slot_count(n, d, K, cov, 1, 0)
        let size = gmm_pass_stats_size(d, K, cov, 1, 0)
        var stats = [Double](repeating: 0, count: slots * size)
        let scratchCount = gmm_pass_scratch_size(d, K, GMM_COV_FULL, 0)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchCount * 8, alignment: 64)
        defer { scratch.deallocate() }
        let status = means.withUnsafeBufferPointer { mu in
            precChol.withUnsafeBufferPointer { u in
                logNorm.withUnsafeBufferPointer { c in
                    X.withUnsafeBufferPointer { x in
                        resp.withUnsafeMutableBufferPointer { r in
                            var view = gmm_model_view(d: d, K: K, covariance: cov, means: mu.baseAddress,
                                                      prec_chol: u.baseAddress, log_norm: c.baseAddress)
                            var request = gmm_pass_request()
                            request.X = UnsafeRawPointer(x.baseAddress)
                            request.n = n
                            request.ldX = d
                            request.accumulate = 1
                            request.resp = r.baseAddress
                            request.kernels = table
                            return gmm_pass(&view, &request, &stats, scratch.assumingMemoryBound(to: Double.self))
                        }
                    }
                }
            }
        }
        #expect(status == GMM_OK)
        return (Array(stats[1..<1 + K]), Array(stats[1 + K..<1 + K + K * d]), Array(stats[1 + K + K * d..<size]), resp)
    }

    @Test(arguments: [false, true], [GMM_COV_FULL, GMM_COV_DIAG])
    func secondMomentsAboutTheMeansAreExact(farNarrowComponent: Bool, cov: gmm_covariance) throws {
        let full = cov == GMM_COV_FULL
        let d = 3, K = 8, per = 200, n = K * per
        var rng = SeededGenerator(seed: 11)
        var means = (0..<K * d).map { _ in 2 * rng.nextGaussian() }
        var sigma = [Double](repeating: 1, count: K)
        if farNarrowComponent {  // 1e3 away, 1e-6 wide: 1e17 squared standard deviations from the centre
            for i in 0..<d { means[(K - 1) * d + i] = 1000 + Double(i) }
            sigma[K - 1] = 1e-6
        }
        var X = [Double](repeating: 0, count: n * d)
        for k in 0..<K {
            for p in 0..<per {
                for i in 0..<d {
                    let noise: Double = sigma[k] * rng.nextGaussian()
                    X[(k * per + p) * d + i] = means[k * d + i] + noise
                }
            }
        }
        // Spherical components written as full precision factors U = I / sigma (diag: 1 / sigma).
        var U = [Double](repeating: 0, count: full ? K * d * d : K * d)
        for k in 0..<K { for i in 0..<d { U[full ? k * d * d + i * d + i : k * d + i] = 1 / sigma[k] } }
        let logNorm: [Double] = (0..<K).map { k in
            let logWeight: Double = log(1.0 / Double(K))
            return logWeight - Double(d) / 2 * log(2 * Double.pi) - Double(d) * log(sigma[k])
        }
        for table in [gmm_kernels_ref()!, gmm_kernels_avx2() ?? gmm_kernels_ref()!] {
            let r = pass(X, n: n, d: d, K: K, cov: cov, means: means, precChol: U, logNorm: logNorm, table: table)
            // Two-pass reference: sum_n g_nk (x_n - mu_k)(x_n - mu_k)^T, centred first.
            for k in 0..<K {
                var s2 = [Double](repeating: 0, count: d * d)
                for row in 0..<n {
                    let g = r.resp[row * K + k]
                    for i in 0..<d {
                        let a = X[row * d + i] - means[k * d + i]
                        for j in i..<d { s2[i * d + j] += g * a * (X[row * d + j] - means[k * d + j]) }
                    }
                }
                for i in 0..<d {
                    for j in i..<(full ? d : i + 1) {
                        let got = r.s2[full ? k * d * d + i * d + j : k * d + i], want = s2[i * d + j]
                        // Relative to the component's own spread: Nk * sigma_k^2.
                        let scale = max(r.nk[k], 1) * sigma[k] * sigma[k]
                        #expect(abs(got - want) <= 1e-10 * scale, "k=\(k) (\(i),\(j)): \(got) vs \(want), isa \(String(cString: table.pointee.isa))")
                    }
                }
            }
        }
    }
}
