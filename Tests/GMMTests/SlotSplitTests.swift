import CKernels
import Foundation
import GMM
import Testing

/// A pass split by slots (each part reading only its rows, as a rank of a distributed fit
/// would), its slot sums gathered and finished, gives the whole pass's totals and per-row
/// outputs bit for bit, for any number of parts.
@Suite("Split passes equal the whole pass")
struct SlotSplitTests {
    struct Outcome: Equatable { var totals: [Double]; var lse: [Double] }

    /// One pass (parts = 1: a plain whole pass), or `parts` partial passes plus the finish.
    static func run(X: [Double], float32: Bool, n: Int, d: Int, K: Int, cov: gmm_covariance, means: [Double],
                    prec: [Double], logNorm: [Double], weights: [Double]?, lowest: Int, parts: Int) -> Outcome {
        let slots = gmm_pass_slot_count(n, d, K, cov, 1, lowest)
        let size = gmm_pass_stats_size(d, K, cov, 1, lowest)
        var stats = [Double](repeating: .nan, count: slots * size)
        var lse = [Double](repeating: .nan, count: n)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: gmm_pass_scratch_size(d, K, GMM_COV_FULL, 0) * 8, alignment: 64)
        defer { scratch.deallocate() }
        let X32 = X.map(Float.init)
        func call(_ mode: Int32, _ s0: Int, _ s1: Int) {
            let first = mode == GMM_SLOTS_PARTIAL ? gmm_pass_slot_first_row(n, slots, s0) : 0
            let status: gmm_status = means.withUnsafeBufferPointer { mu in prec.withUnsafeBufferPointer { u in
                logNorm.withUnsafeBufferPointer { c in X.withUnsafeBytes { x64 in X32.withUnsafeBytes { x32 in
                    (weights ?? []).withUnsafeBufferPointer { w in stats.withUnsafeMutableBufferPointer { st in
                        lse.withUnsafeMutableBufferPointer { l in
                            var view = gmm_model_view(d: d, K: K, covariance: cov, means: mu.baseAddress,
                                                      prec_chol: cov == GMM_COV_LINEAR ? nil : u.baseAddress, log_norm: c.baseAddress)
                            var request = gmm_pass_request()
                            let element = float32 ? 4 : 8
                            request.X = (float32 ? x32.baseAddress : x64.baseAddress).map { $0 + first * d * element }
                            request.x_float32 = float32 ? 1 : 0
                            request.n = n
                            request.ldX = d
                            request.accumulate = 1
                            request.lowest = lowest
                            request.weights = weights == nil ? nil : w.baseAddress! + first
                            request.lse = mode == GMM_SLOTS_FINISH ? nil : l.baseAddress! + first
                            request.slot_mode = mode
                            request.slot_begin = s0
                            request.slot_end = s1
                            let out = mode == GMM_SLOTS_PARTIAL ? st.baseAddress! + s0 * size : st.baseAddress!
                            return gmm_pass(&view, &request, out, scratch.assumingMemoryBound(to: Double.self))
                        }
                    } }
                } } } } }
            #expect(status == GMM_OK)
        }
        if parts == 1 {
            call(Int32(GMM_SLOTS_ALL), 0, 0)
        } else {
            // Parts of (nearly) equal slot counts, run in reverse order (order must not matter).
            let bounds = (0...parts).map { $0 * slots / parts }
            for p in (0..<parts).reversed() where bounds[p] < bounds[p + 1] { call(Int32(GMM_SLOTS_PARTIAL), bounds[p], bounds[p + 1]) }
            call(Int32(GMM_SLOTS_FINISH), 0, 0)
        }
        return Outcome(totals: Array(stats[0..<size]), lse: lse)
    }

    @Test(arguments: [GMM_COV_FULL, GMM_COV_DIAG, GMM_COV_LINEAR], [false, true])
    func anyNumberOfPartsGivesTheWholePass(cov: gmm_covariance, float32: Bool) {
        var rng = SeededGenerator(seed: 5)
        let n = 70_001, d = 5, K = 6  // many slots, a ragged last block
        let X = (0..<n * d).map { _ in cov == GMM_COV_LINEAR ? Double(Int(rng.nextUnit() * 6)) : 3 * rng.nextGaussian() }
        let means = (0..<K * d).map { _ in cov == GMM_COV_LINEAR ? -rng.nextUnit() : 2 * rng.nextGaussian() }
        var prec = [Double](repeating: 0, count: cov == GMM_COV_FULL ? K * d * d : K * d)
        for k in 0..<K {
            for i in 0..<d {
                if cov == GMM_COV_FULL {
                    prec[k * d * d + i * d + i] = 0.5 + rng.nextUnit()
                    for j in (i + 1)..<max(i + 1, d) { prec[k * d * d + i * d + j] = 0.2 * rng.nextGaussian() }
                } else {
                    prec[k * d + i] = 0.5 + rng.nextUnit()
                }
            }
        }
        let logNorm = (0..<K).map { _ in rng.nextGaussian() }
        let weights = (0..<n).map { _ in rng.nextUnit() * 2 }
        let slots = gmm_pass_slot_count(n, d, K, cov, 1, 4)
        #expect(slots > 8)
        for w in [nil, weights] {
            let whole = Self.run(X: X, float32: float32, n: n, d: d, K: K, cov: cov, means: means, prec: prec, logNorm: logNorm,
                                 weights: w, lowest: 4, parts: 1)
            #expect(whole.totals.allSatisfy(\.isFinite) && whole.lse.allSatisfy(\.isFinite))
            for parts in [2, 3, 5, slots] {
                let split = Self.run(X: X, float32: float32, n: n, d: d, K: K, cov: cov, means: means, prec: prec, logNorm: logNorm,
                                     weights: w, lowest: 4, parts: parts)
                #expect(split.totals.elementsEqual(whole.totals) { $0.bitPattern == $1.bitPattern }, "\(cov) f32 \(float32) parts \(parts) weights \(w != nil)")
                #expect(split.lse.elementsEqual(whole.lse) { $0.bitPattern == $1.bitPattern }, "per-row \(cov) parts \(parts)")
            }
        }
    }

    @Test func slotsCoverTheRowsInUnitsOf512() {
        for n in [1, 511, 512, 513, 100_000, 10_000_000] {
            let slots = gmm_pass_slot_count(n, 16, 16, GMM_COV_FULL, 1, 0)
            var previous = 0
            for s in 0...slots {
                let row = gmm_pass_slot_first_row(n, slots, s)
                #expect(row >= previous && (row % 512 == 0 || row == n))
                previous = row
            }
            #expect(gmm_pass_slot_first_row(n, slots, 0) == 0 && gmm_pass_slot_first_row(n, slots, slots) == n)
        }
    }
}
