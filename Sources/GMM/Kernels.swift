import CKernels

// The one file that talks to the C kernels: status codes become Swift errors here, and
// unsafe pointers stay inside the closures below.

/// Which kernel implementation a fit or evaluation uses.
public enum KernelISA: String, Sendable, CaseIterable {
    /// AVX-512 when the CPU has it, else AVX2/FMA, else the scalar reference (`GMM_ISA=ref`,
    /// `avx2` or `avx512` forces one).
    case automatic
    /// The scalar reference kernels (the specification).
    case reference
    /// The AVX2/FMA kernels; falls back to the reference when the CPU lacks them.
    case avx2
    /// The AVX-512 twins where they exist (E-steps, log-sum-exp, moments, float32 full statistics, the truncated E-step), AVX2 elsewhere; falls back to
    /// AVX2 (then the reference) when the CPU lacks AVX-512 F/VL/DQ. Results equal AVX2's bit
    /// for bit.
    case avx512

    var table: UnsafePointer<gmm_kernel_table> {
        switch self {
        case .automatic: return gmm_kernels_active()
        case .reference: return gmm_kernels_ref()
        case .avx2: return gmm_kernels_avx2() ?? gmm_kernels_ref()
        case .avx512: return gmm_kernels_avx512() ?? gmm_kernels_avx2() ?? gmm_kernels_ref()
        }
    }

    /// The name of the kernels this choice resolves to on this machine ("avx512", "avx2" or "ref").
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
    /// The kernel family in C terms (tied runs as full, spherical as diagonal).
    var native: gmm_covariance { kernelFamily == .full ? GMM_COV_FULL : GMM_COV_DIAG }
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
    /// Track this many rows with the lowest log-likelihood (for re-seeding).
    var lowest = 0
    /// float32 data through the float64 kernels (unit-precision distances: k-means++).
    var widen = false
    /// 0: the exact E-step; τ in (0, 1): the truncated E-step (CKernels/include/gmm_trunc.h).
    var truncation = 0.0
}

/// Optional per-point outputs of a pass (caller-owned, sized n, n·K and n).
struct PassOutputs {
    var responsibilities: UnsafeMutablePointer<Double>? = nil
    var logLikelihoods: UnsafeMutablePointer<Double>? = nil
    var labels: UnsafeMutablePointer<Int32>? = nil
}

/// Sufficient statistics returned by a pass (views into the workspace, valid until the next pass).
struct PassTotals {
    /// Σₙ wₙ log p(xₙ).
    let logLikelihoodSum: Double
    let nk: UnsafeBufferPointer<Double>
    let s1: UnsafeBufferPointer<Double>
    let s2: UnsafeBufferPointer<Double>
    /// Rows with the lowest log-likelihoods, ascending (only as many as were asked for and exist).
    let lowestRows: [Int]
}

/// A data matrix of either element type, seen by the kernels as raw rows.
struct DataSource: @unchecked Sendable {
    let rows: Int
    let columns: Int
    /// Elements from one row's start to the next's.
    let rowStride: Int
    let isFloat32: Bool
    let pointer: UnsafeRawPointer
    /// float32 data: per-feature powers of two that bring the spread of each feature's bulk
    /// into [1, 2) for the float32 kernels (see `gmm_pass_request.scale`); nil for float64 data.
    let columnScales: [Double]?
    private let owner: AnyObject  // keeps the matrix storage alive
    private let widenedRow: @Sendable (Int) -> [Double]
    /// One row's stored elements (codes for categorical data) widened to Double.
    private let storedRow: @Sendable (Int) -> [Double]
    /// Categorical codes: each row holds `codeOffsets.count - 1` integer codes, seen by the
    /// kernels (and by `row`) as their one-hot coding of `columns` = `codeOffsets.last`
    /// columns (see `gmm_pass_request.code_offsets`); nil for ordinary data.
    let codeOffsets: [Int64]?

    /// `ranges` are the per-column (minimum, maximum) when already known (float32 data need
    /// them for their scales; they are computed here otherwise). In a distributed job the
    /// scales' sample rows are gathered from the processes that hold them.
    init<Element: GMMScalar>(_ matrix: Matrix<Element>, ranges: (lo: [Double], hi: [Double])? = nil,
                             distribution: PassDistribution? = nil) {
        rows = matrix.rows
        columns = matrix.columns
        rowStride = matrix.rowStride
        isFloat32 = Element.isFloat32
        pointer = UnsafeRawPointer(matrix.storage.pointer)
        owner = matrix.storage
        widenedRow = { matrix.doubleRow($0) }
        storedRow = widenedRow
        columnScales = Element.isFloat32 && matrix.rows > 0 && matrix.columns > 0
            ? Self.bulkScales(matrix, ranges: ranges, distribution: distribution) : nil
        codeOffsets = nil
    }

    /// Rows gathered from another source (`storedWidth` stored elements per row, widened to
    /// Double in `stored`), kept in that source's element type and seen as it is seen (its
    /// scales, its categorical coding): a pass over them equals one over the same rows there.
    init(gathered stored: [Double], rows count: Int, like other: DataSource) {
        let width = other.storedWidth
        func matrix<T: GMMScalar>(_: T.Type) -> Matrix<T> {
            Matrix<T>(rows: count, columns: width) { out in for i in 0..<(count * width) { out[i] = T(stored[i]) } }
        }
        let m32 = other.isFloat32 ? matrix(Float.self) : nil, m64 = other.isFloat32 ? nil : matrix(Double.self)
        rows = count
        columns = other.columns
        rowStride = width
        isFloat32 = other.isFloat32
        if let m32 {
            pointer = UnsafeRawPointer(m32.storage.pointer); owner = m32.storage; storedRow = { m32.doubleRow($0) }
        } else {
            pointer = UnsafeRawPointer(m64!.storage.pointer); owner = m64!.storage; storedRow = { m64!.doubleRow($0) }
        }
        columnScales = other.columnScales
        codeOffsets = other.codeOffsets
        if let offsets = other.codeOffsets {
            let coded = other.columns, read = storedRow
            widenedRow = { r in
                var out = [Double](repeating: 0, count: coded)
                for (j, code) in read(r).enumerated() { out[Int(offsets[j]) + Int(code)] = 1 }
                return out
            }
        } else {
            widenedRow = storedRow
        }
    }

    /// Elements stored per row (the number of codes for categorical data, else `columns`).
    var storedWidth: Int { codeOffsets.map { $0.count - 1 } ?? columns }

    /// Rows `indices` as stored (codes for categorical data), widened to Double, one after
    /// another; in a distributed job each row is read by the process that holds it.
    func storedRows(_ indices: [Int], distribution: PassDistribution?) -> [Double] {
        readRows(indices, rows: rows, width: storedWidth, distribution: distribution, read: storedRow)
    }

    /// Rows `indices` widened to Double (one-hot for categorical data), one after another;
    /// in a distributed job each row is read by the process that holds it.
    func rows(_ indices: [Int], distribution: PassDistribution?) -> [Double] {
        readRows(indices, rows: rows, width: columns, distribution: distribution, read: widenedRow)
    }

    /// Categorical codes (validated: integers in [0, categories[j])) seen as their one-hot
    /// coding: `columns` is the sum of `categories`.
    init<Element: GMMScalar>(codes matrix: Matrix<Element>, categories: [Int]) {
        precondition(categories.count == matrix.columns, "DataSource: one category count per column")
        var offsets: [Int64] = [0]
        for c in categories { offsets.append(offsets.last! + Int64(c)) }
        rows = matrix.rows
        columns = Int(offsets.last!)
        rowStride = matrix.rowStride
        isFloat32 = Element.isFloat32
        pointer = UnsafeRawPointer(matrix.storage.pointer)
        owner = matrix.storage
        columnScales = nil
        codeOffsets = offsets
        storedRow = { matrix.doubleRow($0) }
        let width = Int(offsets.last!), starts = offsets
        widenedRow = { r in
            var out = [Double](repeating: 0, count: width)
            for (j, code) in matrix.doubleRow(r).enumerated() { out[Int(starts[j]) + Int(code)] = 1 }
            return out
        }
    }

    /// Rows the bulk of each feature is measured on (evenly spaced, so deterministic).
    static let scaleSampleRows = 4096

    /// Per feature, 2⁻ᵉ with 2ᵉ ≤ spread < 2ᵉ⁺¹, where the spread is that of the bulk: the 5 %
    /// to 95 % range of up to 4096 evenly spaced rows (the whole range if that is 0; 1 for a
    /// constant feature). The bulk, not the range: a few far outliers must not push the rest
    /// of a feature down to where float32 squares underflow (their blocks run in float64).
    static func bulkScales<Element: GMMScalar>(_ matrix: Matrix<Element>, ranges: (lo: [Double], hi: [Double])?,
                                               distribution: PassDistribution? = nil) -> [Double] {
        let n = matrix.rows, d = matrix.columns, m = min(n, scaleSampleRows)
        let sampled = (0..<m).map { $0 * n / m }
        let sample = readRows(sampled, rows: n, width: d, distribution: distribution, read: matrix.doubleRow)
        return (0..<d).map { i -> Double in
                var column = (0..<m).map { sample[$0 * d + i] }
                column.sort()
                var spread = column[(m * 95) / 100 == m ? m - 1 : (m * 95) / 100] - column[(m * 5) / 100]
                if !(spread > 0) {
                    let (lo, hi) = ranges.map { ($0.lo[i], $0.hi[i]) } ?? (column.first!, column.last!)
                    spread = hi - lo
                }
                guard spread > 0, spread.isFinite else { return 1 }
                return Double(sign: .plus, exponent: -spread.exponent, significand: 1)
        }
    }

    /// One row widened to Double.
    func row(_ index: Int) -> [Double] { widenedRow(index) }
}

/// A dataset (and optional sample weights) bound to preallocated pass buffers: every pass of a
/// fit reuses them, so the iteration loop allocates nothing of size N or N·K.
final class PassEngine {
    let data: DataSource
    let weights: [Double]?
    /// Per-row terms added to each row's log-likelihood (Poisson's −Σ log x!), or nil.
    var rowTerms: [Double]?
    /// Set for the fit's main data in a distributed job (`distribute`): passes without per-row
    /// outputs are split across the processes (see `PassDistribution`).
    private(set) var distribution: PassDistribution?
    let d: Int
    let K: Int
    /// The kernel family (.full or .diag) of the Gaussian models this engine runs.
    let covariance: CovarianceType
    /// The pass kind: GMM_COV_FULL or GMM_COV_DIAG, or GMM_COV_LINEAR for the linear families.
    let native: gmm_covariance
    let threads: Int32
    let kernels: UnsafePointer<gmm_kernel_table>
    let lowestCapacity: Int
    private let stats: AlignedStorage<Double>
    private let scratch: AlignedStorage<Double>
    /// Distinct threads that took part in the latest pass.
    private(set) var lastThreadsUsed = 0
    /// Each row's label in the latest truncated pass, tried first by the next one (the
    /// previous iteration's best component: speed only, never a result; gmm_trunc.h).
    private var truncationHints: [Int32] = []

    init(data: DataSource, weights: [Double]? = nil, components: Int, covariance: CovarianceType,
         threads: Int?, isa: KernelISA, lowestCapacity: Int = 0, linear: Bool = false) {
        self.data = data
        self.weights = weights
        d = data.columns
        K = components
        self.covariance = covariance.kernelFamily
        native = linear ? GMM_COV_LINEAR : covariance.native
        self.threads = Int32(threads ?? 0)
        self.lowestCapacity = lowestCapacity
        kernels = isa.table
        let (n, dd, kk, cov) = (data.rows, d, K, native)
        let statsCount = [Int32(0), 1].flatMap { accumulate in
            [0, lowestCapacity].map { lowest in
                gmm_pass_slot_count(n, dd, kk, cov, accumulate, lowest) * gmm_pass_stats_size(dd, kk, cov, accumulate, lowest)
            }
        }.max()!
        stats = AlignedStorage(count: statsCount)
        scratch = AlignedStorage(count: gmm_pass_scratch_size(d, K, cov, self.threads))
    }

    convenience init<Element: GMMScalar>(data: Matrix<Element>, components: Int, covariance: CovarianceType,
                                         threads: Int?, isa: KernelISA) {
        self.init(data: DataSource(data), components: components, covariance: covariance, threads: threads, isa: isa)
    }

    /// One pass of `model` over the data (see gmm_pass in CKernels/include/gmm_driver.h).
    func run(_ model: GaussianModelBuffers, mode: PassMode = PassMode(), outputs: PassOutputs = PassOutputs()) -> PassTotals {
        precondition(model.d == d && model.K == K && model.covariance == covariance && native != GMM_COV_LINEAR,
                     "PassEngine: model shape mismatch")
        return pass(means: model.means, precisionCholesky: model.precisionCholesky, logNorm: model.logNorm, kind: covariance.native,
                    mode: mode, outputs: outputs)
    }

    /// One pass of a linear family's log-densities A x + b (A: K×d row-major, b: K).
    func run(linear A: [Double], _ b: [Double], mode: PassMode = PassMode(), outputs: PassOutputs = PassOutputs()) -> PassTotals {
        precondition(A.count == K * d && b.count == K && native == GMM_COV_LINEAR && !mode.hard, "PassEngine: linear model shape mismatch")
        return pass(means: A, precisionCholesky: [], logNorm: b, kind: GMM_COV_LINEAR, mode: mode, outputs: outputs)
    }

    /// Splits this engine's passes across the processes of `distribution` (nil: none). Throws
    /// when the statistics of its passes, or of the k-means (K diagonal components) and
    /// column-moment (one component) passes a fit runs on the same data, are too large for the
    /// shared slot layout (more than 8 MiB per slot: a coarser layout, whose slots would
    /// straddle the processes' shares).
    func distribute(_ distribution: PassDistribution?) throws {
        if let distribution, distribution.size > 1 {
            let n = data.rows, shared = gmm_pass_share_slots(n)
            for (k, kind, lowest) in [(K, native, lowestCapacity), (K, GMM_COV_DIAG, 0), (1, GMM_COV_DIAG, 0)]
            where gmm_pass_slot_count(n, d, k, kind, 1, lowest) != shared {
                let kib = gmm_pass_stats_size(d, k, kind, 1, lowest) * 8 / 1024
                throw GaussianMixtureError.invalidArgument(
                    "A distributed fit needs at most 8 MiB of statistics per reduction slot; \(k) component(s) of \(d) features need \(kib) KiB. Fit fewer components or features per job.")
            }
        }
        self.distribution = distribution
    }

    /// `distribute` for a one-component or k-means engine over data whose fit engine was
    /// distributed (which checked their layouts).
    func distributeChecked(_ distribution: PassDistribution?) {
        precondition(distribution == nil || K == 1 || native == GMM_COV_DIAG, "PassEngine: unchecked layout")
        self.distribution = distribution
        if let distribution, distribution.size > 1 {
            precondition(gmm_pass_slot_count(data.rows, d, K, native, 1, lowestCapacity) == gmm_pass_share_slots(data.rows),
                         "PassEngine: the fit engine's check covers this layout")
        }
    }

    /// Rows `indices` of the data widened to Double (fetched from the processes that hold
    /// them in a distributed job).
    func rows(_ indices: [Int]) -> [Double] { data.rows(indices, distribution: distribution) }

    /// This process's slots over its rows, all processes' slot sums gathered, then the finish:
    /// the whole pass's totals in `stats` (see gmm_pass_request.slot_mode).
    private func distributedPass(_ view: inout gmm_model_view, _ request: inout gmm_pass_request, _ distribution: PassDistribution,
                                 kind: gmm_covariance, mode: PassMode) -> gmm_status {
        let n = data.rows, P = distribution.size
        let accumulate: Int32 = mode.accumulate ? 1 : 0
        let slots = gmm_pass_slot_count(n, d, K, kind, accumulate, mode.lowest)
        let size = gmm_pass_stats_size(d, K, kind, accumulate, mode.lowest)
        precondition(slots == gmm_pass_share_slots(n), "PassEngine: a distributed pass needs the shared slot layout")
        let bounds = (0...P).map { $0 * slots / P }  // (the slots of each process's rowShare)
        let (s0, s1) = (bounds[distribution.rank], bounds[distribution.rank + 1])
        if let remote = distribution.remote {  // every slot summed where the rows are
            if !remote.slotSums(RemotePass.encode(view, request), slots: 0..<slots, into: stats.pointer) {
                stats.pointer.update(repeating: .nan, count: slots * size)
            }
        } else {
            if s0 < s1 {
                let first = gmm_pass_slot_first_row(n, slots, s0)
                let element = data.isFloat32 ? 4 : 8
                var part = request
                part.slot_mode = Int32(GMM_SLOTS_PARTIAL)
                part.slot_begin = s0
                part.slot_end = s1
                part.X = request.X.map { $0 + first * data.rowStride * element }
                part.weights = request.weights.map { $0 + first }
                part.row_terms = request.row_terms.map { $0 + first }
                part.truncate_hint = request.truncate_hint.map { $0 + first }
                let status = gmm_pass(&view, &part, stats.pointer + s0 * size, scratch.pointer)
                guard status == GMM_OK else { return status }
            }
            distribution.allGather(stats.pointer, counts: (0..<P).map { (bounds[$0 + 1] - bounds[$0]) * size })
        }
        var finish = request
        finish.slot_mode = Int32(GMM_SLOTS_FINISH)
        return gmm_pass(&view, &finish, stats.pointer, scratch.pointer)
    }

    private func pass(means: [Double], precisionCholesky: [Double], logNorm: [Double], kind: gmm_covariance,
                      mode: PassMode, outputs: PassOutputs) -> PassTotals {
        precondition(mode.lowest <= lowestCapacity, "PassEngine: lowest-row capacity exceeded")
        var threadsUsed: Int32 = 0
        if mode.truncation > 0 && truncationHints.count != data.rows { truncationHints = [Int32](repeating: -1, count: data.rows) }
        let status: gmm_status = truncationHints.withUnsafeMutableBufferPointer { hints in
         means.withUnsafeBufferPointer { mu in
            precisionCholesky.withUnsafeBufferPointer { u in
                logNorm.withUnsafeBufferPointer { c in
                    (mode.shift ?? []).withUnsafeBufferPointer { shift in
                        (weights ?? []).withUnsafeBufferPointer { w in
                         (rowTerms ?? []).withUnsafeBufferPointer { terms in
                          (data.columnScales ?? []).withUnsafeBufferPointer { scales in
                           (data.codeOffsets ?? []).withUnsafeBufferPointer { offsets in
                            var view = gmm_model_view(d: d, K: K, covariance: kind,
                                                      means: mu.baseAddress, prec_chol: u.baseAddress,
                                                      log_norm: c.baseAddress)
                            var request = gmm_pass_request()
                            request.X = data.pointer
                            request.x_float32 = data.isFloat32 ? 1 : 0
                            request.n = data.rows
                            request.ldX = data.rowStride
                            request.code_offsets = data.codeOffsets == nil ? nil : offsets.baseAddress
                            request.code_columns = (data.codeOffsets?.count ?? 1) - 1
                            request.weights = weights == nil ? nil : w.baseAddress
                            request.row_terms = rowTerms == nil ? nil : terms.baseAddress
                            request.accumulate = mode.accumulate ? 1 : 0
                            request.hard = mode.hard ? 1 : 0
                            request.random_resp = mode.randomSeed == nil ? 0 : 1
                            request.seed = mode.randomSeed ?? 0
                            request.widen = mode.widen ? 1 : 0
                            request.lowest = mode.lowest
                            request.truncate = mode.truncation
                            request.truncate_hint = mode.truncation > 0 ? hints.baseAddress : nil
                            request.shift = mode.shift == nil ? nil : shift.baseAddress
                            request.scale = data.columnScales == nil ? nil : scales.baseAddress
                            request.resp = outputs.responsibilities
                            request.lse = outputs.logLikelihoods
                            request.labels = outputs.labels
                            request.threads = threads
                            request.kernels = kernels
                            return withUnsafeMutablePointer(to: &threadsUsed) { used in
                                request.threads_used = used
                                let wholeRows = outputs.responsibilities != nil || outputs.logLikelihoods != nil || outputs.labels != nil
                                guard let distribution, distribution.size > 1, !wholeRows else {
                                    return gmm_pass(&view, &request, stats.pointer, scratch.pointer)
                                }
                                return distributedPass(&view, &request, distribution, kind: kind, mode: mode)
                            }
                           }
                          }
                         }
                        }
                    }
                }
            }
         }
        }
        precondition(status == GMM_OK, "gmm_pass rejected its arguments (status \(status.rawValue))")
        lastThreadsUsed = Int(threadsUsed)
        let base = stats.pointer
        let accumulated = mode.accumulate ? K + K * d + (kind == GMM_COV_LINEAR ? 0 : covariance.storageCount(components: K, features: d)) : 0
        let lowest = base + 1 + accumulated
        return PassTotals(
            logLikelihoodSum: base[0],
            nk: UnsafeBufferPointer(start: base + 1, count: mode.accumulate ? K : 0),
            s1: UnsafeBufferPointer(start: base + 1 + K, count: mode.accumulate ? K * d : 0),
            s2: UnsafeBufferPointer(start: base + 1 + K + K * d, count: mode.accumulate ? accumulated - K - K * d : 0),
            lowestRows: (0..<mode.lowest).compactMap { p in lowest[2 * p + 1] >= 0 ? Int(lowest[2 * p + 1]) : nil })
    }
}
