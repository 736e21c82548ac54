import CKernels

// The one file that talks to the C kernels: status codes become Swift errors here, and
// unsafe pointers stay inside the closures below.

/// Which kernel implementation a fit or evaluation uses.
public enum KernelISA: String, Sendable, CaseIterable {
    /// AVX2/FMA when the CPU has it (unless `GMM_ISA=ref`), else the scalar reference.
    case automatic
    /// The scalar reference kernels (the specification).
    case reference
    /// The AVX2/FMA kernels; falls back to the reference when the CPU lacks them.
    case avx2

    var table: UnsafePointer<gmm_kernel_table> {
        switch self {
        case .automatic: return gmm_kernels_active()
        case .reference: return gmm_kernels_ref()
        case .avx2: return gmm_kernels_avx2() ?? gmm_kernels_ref()
        }
    }

    /// The name of the kernels this choice resolves to on this machine ("avx2" or "ref").
    public var resolvedName: String { String(cString: table.pointee.isa) }
}

/// Facts about the native layer, for reports and tests.
public enum NativeRuntime {
    /// True when the kernels were compiled with OpenMP.
    public static var builtWithOpenMP: Bool { gmm_built_with_openmp() != 0 }
    /// Threads a pass uses for a requested count (`nil`: OpenMP's default, `OMP_NUM_THREADS`).
    public static func threadCount(requested: Int? = nil) -> Int { Int(gmm_pass_thread_count(Int32(requested ?? 0))) }
    /// Runs a parallel region and returns how many distinct threads took part.
    public static func parallelProbe(threads: Int? = nil) -> Int { Int(gmm_parallel_probe(Int32(threads ?? 0))) }
}

extension CovarianceType {
    var native: gmm_covariance {
        switch self {
        case .full: return GMM_COV_FULL
        case .diag: return GMM_COV_DIAG
        }
    }
}

enum LinearAlgebra {
    /// U with U Uᵀ = Σ⁻¹ and Σ log Uᵢᵢ, or nil when Σ is not positive definite.
    static func precisionCholesky(covariance: UnsafePointer<Double>, d: Int, into U: UnsafeMutablePointer<Double>) -> Double? {
        var logDet = 0.0
        return gmm_precision_cholesky_from_covariance(covariance, d, U, &logDet) == GMM_OK ? logDet : nil
    }

    /// U with U Uᵀ = P (upper triangular), or nil when P is not positive definite.
    static func precisionCholesky(precision: UnsafePointer<Double>, d: Int, into U: UnsafeMutablePointer<Double>) -> Double? {
        var logDet = 0.0
        return gmm_precision_cholesky_from_precision(precision, d, U, &logDet) == GMM_OK ? logDet : nil
    }

    /// Σ = (U Uᵀ)⁻¹; false when U has a non-positive diagonal.
    static func covariance(precisionCholesky U: UnsafePointer<Double>, d: Int, into cov: UnsafeMutablePointer<Double>) -> Bool {
        gmm_covariance_from_precision_cholesky(U, d, cov) == GMM_OK
    }
}

/// What one pass over the data computes besides its totals.
struct PassMode {
    var accumulate = false
    var hard = false
    var randomSeed: UInt64? = nil
    var shift: [Double]? = nil
}

/// Optional per-point outputs of a pass (caller-owned, sized n, n·K and n).
struct PassOutputs {
    var responsibilities: UnsafeMutablePointer<Double>? = nil
    var logLikelihoods: UnsafeMutablePointer<Double>? = nil
    var labels: UnsafeMutablePointer<Int32>? = nil
}

/// Sufficient statistics returned by a pass (views into the workspace, valid until the next pass).
struct PassTotals {
    let logLikelihoodSum: Double
    let nk: UnsafeBufferPointer<Double>
    let s1: UnsafeBufferPointer<Double>
    let s2: UnsafeBufferPointer<Double>
}

/// A dataset bound to preallocated pass buffers: every pass of a fit reuses them, so the
/// iteration loop allocates nothing of size N or N·K.
final class PassEngine {
    let data: Matrix<Double>
    let d: Int
    let K: Int
    let covariance: CovarianceType
    let threads: Int32
    let kernels: UnsafePointer<gmm_kernel_table>
    private let stats: AlignedStorage<Double>
    private let scratch: AlignedStorage<Double>
    /// Distinct threads that took part in the latest pass.
    private(set) var lastThreadsUsed = 0

    init(data: Matrix<Double>, components: Int, covariance: CovarianceType, threads: Int?, isa: KernelISA) {
        self.data = data
        d = data.columns
        K = components
        self.covariance = covariance
        self.threads = Int32(threads ?? 0)
        kernels = isa.table
        let n = data.rows
        let (dd, kk, cov) = (d, K, covariance.native)
        let statsCount = [Int32(0), 1].map { accumulate in
            gmm_pass_slot_count(n, dd, kk, cov, accumulate) * gmm_pass_stats_size(dd, kk, cov, accumulate)
        }.max()!
        stats = AlignedStorage(count: statsCount)
        let workers = Int(gmm_pass_thread_count(self.threads))
        scratch = AlignedStorage(count: workers * gmm_pass_thread_scratch_size(d, K))
    }

    /// One pass of `model` over the data (see gmm_pass in CKernels/include/gmm_driver.h).
    func run(_ model: GaussianModelBuffers, mode: PassMode = PassMode(), outputs: PassOutputs = PassOutputs()) -> PassTotals {
        precondition(model.d == d && model.K == K && model.covariance == covariance, "PassEngine: model shape mismatch")
        var threadsUsed: Int32 = 0
        let status: gmm_status = data.withUnsafeBufferPointer { x in
            model.means.withUnsafeBufferPointer { mu in
                model.precisionCholesky.withUnsafeBufferPointer { u in
                    model.logNorm.withUnsafeBufferPointer { c in
                        (mode.shift ?? []).withUnsafeBufferPointer { shift in
                            var view = gmm_model_view(d: d, K: K, covariance: covariance.native,
                                                      means: mu.baseAddress, prec_chol: u.baseAddress,
                                                      log_norm: c.baseAddress)
                            var request = gmm_pass_request()
                            request.X = x.baseAddress
                            request.n = data.rows
                            request.ldX = d
                            request.accumulate = mode.accumulate ? 1 : 0
                            request.hard = mode.hard ? 1 : 0
                            request.random_resp = mode.randomSeed == nil ? 0 : 1
                            request.seed = mode.randomSeed ?? 0
                            request.shift = mode.shift == nil ? nil : shift.baseAddress
                            request.resp = outputs.responsibilities
                            request.lse = outputs.logLikelihoods
                            request.labels = outputs.labels
                            request.threads = threads
                            request.kernels = kernels
                            return withUnsafeMutablePointer(to: &threadsUsed) { used in
                                request.threads_used = used
                                return gmm_pass(&view, &request, stats.pointer, scratch.pointer)
                            }
                        }
                    }
                }
            }
        }
        precondition(status == GMM_OK, "gmm_pass rejected its arguments (status \(status.rawValue))")
        lastThreadsUsed = Int(threadsUsed)
        let s2Count = covariance == .full ? K * d * d : K * d
        let base = stats.pointer
        return PassTotals(
            logLikelihoodSum: base[0],
            nk: UnsafeBufferPointer(start: base + 1, count: mode.accumulate ? K : 0),
            s1: UnsafeBufferPointer(start: base + 1 + K, count: mode.accumulate ? K * d : 0),
            s2: UnsafeBufferPointer(start: base + 1 + K + K * d, count: mode.accumulate ? s2Count : 0))
    }
}
