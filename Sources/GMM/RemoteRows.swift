import CKernels

/// Rows held elsewhere — a Dask array's chunks on the workers of a cluster — for a fit run in
/// this process (the client). The fit is the ordinary one (initialization, restarts, EM,
/// convergence); its passes over the rows run where the rows are: this process sends each
/// pass's description (`RemotePass`) to the holders of the rows, each computes the partial
/// sums of the reduction slots its rows cover (`RemotePass.slotSums`, the C ABI's
/// `gmm_pass_slot_sums`), and this process reduces all slots in slot order, as a pass over the
/// whole data in one process does: the same model, bit for bit. Rows must be split on slot
/// boundaries (`gmm_pass_share_slots`, `gmm_pass_slot_first_row`).
///
/// A failure on the remote side (a lost worker) is the implementer's to record and report:
/// the calls return false, the fit's passes then carry NaN, and the implementer stops the fit
/// (its monitor) and raises its error.
public protocol RemoteRows: AnyObject, Sendable {
    /// Rows N and columns d of the whole data.
    var rows: Int { get }
    var columns: Int { get }
    /// True when the rows are float32 (the passes then run the float32 kernels).
    var isFloat32: Bool { get }
    /// The partial sums of slots `slots` (of the layout of `gmm_pass_share_slots(rows)`) of the
    /// pass `description`, slot after slot, into `out` (`slots.count` × the pass's slot size).
    func slotSums(_ description: [Double], slots: Range<Int>, into out: UnsafeMutablePointer<Double>) -> Bool
    /// Rows `indices` widened to Double, one after another (`indices.count` × d).
    func read(_ indices: [Int]) -> [Double]?
    /// Per column (minimum, maximum) of all rows; throws `.nonFiniteInput` or `.valueTooLarge`
    /// (beyond ±1e140) for the first offending value in row order.
    func checkedRanges() throws -> (lo: [Double], hi: [Double])
}

/// The distribution of a fit over `RemoteRows`: this process holds no rows.
final class RemoteDistribution: PassDistribution, @unchecked Sendable {
    let holder: RemoteRows
    init(_ holder: RemoteRows) { self.holder = holder }
    var rank: Int { 0 }
    var size: Int { 2 }  // (this process and the holders of the rows)
    func allGather(_ all: UnsafeMutablePointer<Double>, counts: [Int]) {
        preconditionFailure("RemoteDistribution: a collective needs the rows' own processes")
    }
}

extension PassDistribution {
    /// The rows' holder when this process holds none (a fit over `RemoteRows`).
    var remote: RemoteRows? { (self as? RemoteDistribution)?.holder }
}

/// One pass as a flat array of doubles (every integer exact), sent to the holders of the
/// rows: what `gmm_pass` needs besides the rows themselves.
///   [0] format 1, [1] n (all rows), [2] d, [3] K, [4] covariance (gmm_covariance),
///   [5] float32, [6] accumulate, [7] hard, [8] random_resp, [9] seed high 32 bits,
///   [10] seed low 32 bits, [11] widen, [12] lowest, [13] has shift, [14] has scale,
///   [15] weighted (the rows' sample weights, as `normalizedWeights` gives them),
///   then means (K·d), precision factors (K·d·d full, K·d diag, none linear), log-norms (K),
///   shift (K·d, if any), scale (d, if any).
public enum RemotePass {
    static let format = 1.0
    static let header = 16

    /// Sample weights as a fit uses them: scaled by the power of two that brings the largest
    /// into [1, 2) (exact). The holders of the rows pass these to `slotSums`.
    public static func normalizedWeights(_ weights: [Double]) -> [Double] { GaussianMixture.normalizedWeights(weights) }

    static func encode(_ view: gmm_model_view, _ request: gmm_pass_request) -> [Double] {
        let d = view.d, K = view.K
        var out: [Double] = [format, Double(request.n), Double(d), Double(K), Double(view.covariance.rawValue),
                             Double(request.x_float32), Double(request.accumulate), Double(request.hard), Double(request.random_resp),
                             Double(request.seed >> 32), Double(request.seed & 0xFFFF_FFFF), Double(request.widen), Double(request.lowest),
                             request.shift == nil ? 0 : 1, request.scale == nil ? 0 : 1, request.weights == nil ? 0 : 1]
        func append(_ p: UnsafePointer<Double>?, _ count: Int) { if let p { out.append(contentsOf: UnsafeBufferPointer(start: p, count: count)) } }
        append(view.means, K * d)
        append(view.prec_chol, precisionCount(view.covariance, d: d, K: K))
        append(view.log_norm, K)
        append(request.shift, K * d)
        append(request.scale, d)
        return out
    }

    private static func precisionCount(_ kind: gmm_covariance, d: Int, K: Int) -> Int {
        kind == GMM_COV_FULL ? K * d * d : kind == GMM_COV_DIAG ? K * d : 0
    }

    /// Slots of the layout every pass over n rows splits (`gmm_pass_share_slots`): at most 64.
    public static func slots(rows n: Int) -> Int { gmm_pass_share_slots(n) }

    /// The first row of slot `slot` of that layout (n for slot = `slots(rows:)`).
    public static func firstRow(rows n: Int, slot: Int) -> Int { gmm_pass_slot_first_row(n, gmm_pass_share_slots(n), slot) }

    /// A description's header, checked: every field an integer in its range, and the length
    /// the header implies (nil when it is not a description this engine makes).
    struct Header {
        let n, d, K, precisions, length: Int
        let kind: gmm_covariance
        let accumulate, lowest: Int
        let hasShift, hasScale, weighted: Bool
        var slotSize: Int { gmm_pass_stats_size(d, K, kind, Int32(accumulate), lowest) }
    }

    static func header(_ p: UnsafePointer<Double>, count: Int) -> Header? {
        guard count >= header, p[0] == format else { return nil }
        func field(_ i: Int, _ range: ClosedRange<Double>) -> Int? {
            let v = p[i]
            return v.isFinite && v == v.rounded() && range.contains(v) ? Int(v) : nil
        }
        let flag = 0.0...1.0, word = 0.0...4_294_967_295.0
        guard let n = field(1, 1...0x1p50), let d = field(2, 1...0x1p20), let K = field(3, 1...0x1p20),
              let kindRaw = field(4, 0...1), let accumulate = field(6, flag), let lowest = field(12, 0...0x1p20),
              field(5, flag) != nil, field(7, flag) != nil, field(8, flag) != nil, field(9, word) != nil, field(10, word) != nil,
              field(11, flag) != nil, let shift = field(13, flag), let scale = field(14, flag), let weighted = field(15, flag)
        else { return nil }
        let kind = gmm_covariance(UInt32(kindRaw))
        let (kd, o1) = K.multipliedReportingOverflow(by: d)
        let (kdd, o2) = kd.multipliedReportingOverflow(by: kind == GMM_COV_FULL ? d : 1)
        guard !o1, !o2, kdd <= 1 << 32 else { return nil }
        let length = header + kd + kdd + K + (shift == 1 ? kd : 0) + (scale == 1 ? d : 0)
        return Header(n: n, d: d, K: K, precisions: kdd, length: length, kind: kind, accumulate: accumulate, lowest: lowest,
                      hasShift: shift == 1, hasScale: scale == 1, weighted: weighted == 1)
    }

    /// Doubles per slot of the pass `description` (nil when it is not a description).
    public static func slotSize(_ description: [Double]) -> Int? {
        description.withUnsafeBufferPointer { p in
            p.baseAddress.flatMap { header($0, count: p.count) }.flatMap { $0.length == p.count ? $0.slotSize : nil }
        }
    }

    /// The expected length of the description starting at `p` (at least `header` doubles
    /// readable), or nil: lets a caller check a length before copying.
    public static func expectedLength(_ p: UnsafePointer<Double>, available: Int) -> Int? { header(p, count: available)?.length }

    /// The partial sums of slots `slots` of the pass `description` over the rows of
    /// `X` — rows firstRow ..< firstRow + rows of the whole data, which must be exactly the
    /// rows of those slots — with their sample weights (`normalizedWeights`; nil when the
    /// pass is unweighted), into `out`
    /// (`slots.count` × `slotSize`). Returns a gmm status code (GMM_OK = 0).
    public static func slotSums(_ description: [Double], X: UnsafeRawPointer, rows: Int, rowStride: Int, float32: Bool,
                                weights: UnsafePointer<Double>?, firstRow: Int, slots: Range<Int>, threads: Int32,
                                into out: UnsafeMutablePointer<Double>) -> Int32 {
        guard let h = description.withUnsafeBufferPointer({ p in p.baseAddress.flatMap { header($0, count: p.count) } }),
              h.length == description.count, (description[5] != 0) == float32, rowStride >= h.d, h.weighted == (weights != nil),
              h.lowest <= h.K else {
            return Int32(GMM_ERR_ARGUMENT.rawValue)
        }
        let (n, d, K, kind, precisions, hasShift, hasScale) = (h.n, h.d, h.K, h.kind, h.precisions, h.hasShift, h.hasScale)
        let total = gmm_pass_share_slots(n)
        let slotCount = gmm_pass_slot_count(n, d, K, kind, Int32(h.accumulate), h.lowest)
        guard slotCount == total, slots.lowerBound < slots.upperBound, slots.upperBound <= total,
              gmm_pass_slot_first_row(n, total, slots.lowerBound) == firstRow,
              gmm_pass_slot_first_row(n, total, slots.upperBound) == firstRow + rows else {
            return Int32(GMM_ERR_ARGUMENT.rawValue)
        }
        let scratch = AlignedStorage<Double>(count: gmm_pass_scratch_size(d, K, kind, threads))
        return description.withUnsafeBufferPointer { p -> Int32 in
            let base = p.baseAddress!
            var at = header
            func take(_ count: Int) -> UnsafePointer<Double> { defer { at += count }; return base + at }
            let means = take(K * d), prec = take(precisions), logNorm = take(K)
            let shift = hasShift ? take(K * d) : nil, scale = hasScale ? take(d) : nil
            var view = gmm_model_view(d: d, K: K, covariance: kind, means: means, prec_chol: prec, log_norm: logNorm)
            var request = gmm_pass_request()
            request.X = X
            request.x_float32 = float32 ? 1 : 0
            request.n = n
            request.ldX = rowStride
            request.weights = weights
            request.accumulate = Int32(description[6])
            request.hard = Int32(description[7])
            request.random_resp = Int32(description[8])
            request.seed = UInt64(description[9]) << 32 | UInt64(description[10])
            request.widen = Int32(description[11])
            request.lowest = h.lowest
            request.shift = shift
            request.scale = scale
            request.threads = threads
            request.kernels = KernelISA.automatic.table
            request.slot_mode = Int32(GMM_SLOTS_PARTIAL)
            request.slot_begin = slots.lowerBound
            request.slot_end = slots.upperBound
            return Int32(gmm_pass(&view, &request, out, scratch.pointer).rawValue)
        }
    }
}

extension RemoteRows {
    /// What a fit over these rows takes (any `fit` of `GaussianMixture`, with `distribution`
    /// set to the second value): a data matrix of their shape and element type whose rows are
    /// not in this process (address space that is never backed: reading a row faults), and
    /// the distribution that runs the fit's passes where the rows are.
    public func fitInputs() throws -> (data: DataMatrix, distribution: PassDistribution) {
        let element = isFloat32 ? 4 : 8
        let (count, o1) = rows.multipliedReportingOverflow(by: columns)
        let (bytes, o2) = count.multipliedReportingOverflow(by: element)
        guard rows >= 0, columns >= 0, !o1, !o2 else { throw GaussianMixtureError.invalidArgument("The remote rows' shape (\(rows), \(columns)) is too large.") }
        let space = try ReservedRows(bytes: bytes, backing: 0..<0)
        func matrix<T: GMMScalar>(_: T.Type) -> Matrix<T> {
            Matrix(rows: rows, columns: columns,
                   storage: AlignedStorage(borrowing: space.base.assumingMemoryBound(to: T.self), count: count, owner: space))
        }
        return (isFloat32 ? .float32(matrix(Float.self)) : .float64(matrix(Double.self)), RemoteDistribution(self))
    }
}
