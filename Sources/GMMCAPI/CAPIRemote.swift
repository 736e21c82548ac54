import GMM

// Rows held elsewhere (Dask): gmm_fit_remote runs the fit here and asks the caller for each
// pass's slot sums; gmm_remote_slot_sums computes them where the rows are. See gmm.h.

public typealias SlotSumsFn = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<Double>?, Int64, Int64, Int64, UnsafeMutablePointer<Double>?) -> Int32
public typealias ReadRowsFn = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<Int64>?, Int64, UnsafeMutablePointer<Double>?) -> Int32
public typealias RangesFn = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?,
                                     UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<Double>?) -> Int32

/// The caller's callbacks as `RemoteRows`; a failing callback is remembered (the fit stops).
final class CallbackRows: RemoteRows, @unchecked Sendable {
    let rows: Int
    let columns: Int
    let isFloat32: Bool
    let slotSumsFn: SlotSumsFn, readFn: ReadRowsFn, rangesFn: RangesFn
    let user: UnsafeMutableRawPointer?
    private(set) var failed = false

    init(rows: Int, columns: Int, float32: Bool, _ s: SlotSumsFn, _ r: ReadRowsFn, _ c: RangesFn, _ user: UnsafeMutableRawPointer?) {
        self.rows = rows; self.columns = columns; isFloat32 = float32
        slotSumsFn = s; readFn = r; rangesFn = c; self.user = user
    }

    func slotSums(_ description: [Double], slots: Range<Int>, into out: UnsafeMutablePointer<Double>) -> Bool {
        guard !failed else { return false }
        let status = description.withUnsafeBufferPointer {
            slotSumsFn(user, $0.baseAddress, Int64($0.count), Int64(slots.lowerBound), Int64(slots.upperBound), out)
        }
        if status != 0 { failed = true }
        return status == 0
    }

    func read(_ indices: [Int]) -> [Double]? {
        guard !failed else { return nil }
        var out = [Double](repeating: 0, count: indices.count * columns)
        let status = indices.map(Int64.init).withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { readFn(user, i.baseAddress, Int64(indices.count), $0.baseAddress) }
        }
        if status != 0 { failed = true; return nil }
        return out
    }

    func checkedRanges() throws -> (lo: [Double], hi: [Double]) {
        var lo = [Double](repeating: 0, count: columns), hi = lo
        var row: Int64 = -1, column: Int64 = -1, value = 0.0
        let status = rangesFn(user, &lo, &hi, &row, &column, &value)
        switch status {
        case 0: return (lo, hi)
        case 1: throw GaussianMixtureError.nonFiniteInput(row: Int(row), column: Int(column), isNaN: value.isNaN)
        case 2: throw GaussianMixtureError.valueTooLarge(row: Int(row), column: Int(column), value: value)
        default:
            failed = true
            throw CAPIError.value("the column ranges of the remote rows could not be computed (callback status \(status))")
        }
    }
}

@_cdecl("gmm_fit_remote")
public func gmm_fit_remote(_ p: OpaquePointer?, _ n: Int64, _ d: Int64, _ dtype: Int32,
                           _ slotSums: SlotSumsFn?, _ readRows: ReadRowsFn?, _ columnRanges: RangesFn?, _ user: UnsafeMutableRawPointer?,
                           _ sampleWeight: UnsafePointer<Double>?, _ warm: OpaquePointer?, _ out: OpaquePointer?) -> Int32 {
    let e = estimator(p)
    defer { _ = e?.stopRequested(consume: true) }
    return guarded(e) {
        guard let e, let target = modelHandle(out) else { throw CAPIError.value("out is NULL") }
        guard let slotSums, let readRows, let columnRanges else { throw CAPIError.value("a callback is NULL") }
        guard n >= 0, d >= 0, n <= Int64(1) << 50, d <= Int64(1) << 30 else { throw CAPIError.value("n_samples and n_features must be non-negative (got \(n), \(d))") }
        guard dtype == 0 || dtype == 1 else { throw CAPIError.value("dtype must be GMM_FLOAT64 (0) or GMM_FLOAT32 (1), got \(dtype)") }
        guard e.family == .gaussian else { throw CAPIError.value("gmm_fit_remote fits Gaussian mixtures (the family is \(e.family.rawValue))") }
        let weights = try sampleWeight.map { _ in try array(sampleWeight, n, "sample_weight") }
        let remote = CallbackRows(rows: Int(n), columns: Int(d), float32: dtype == 1, slotSums, readRows, columnRanges, user)
        let (X, distribution) = try remote.fitInputs()
        let model: FittedGaussianMixture
        do {
            model = try fitGaussian(e, X, weights, warm: modelHandle(warm), distribution: distribution, failed: { remote.failed })
        } catch where remote.failed {
            throw CAPIError.value("a remote pass failed (see the callback's own error); no model")
        }
        guard !remote.failed else { throw CAPIError.value("a remote pass failed (see the callback's own error); no model") }
        target.set(model)
        target.setError("")
    }
}

@_cdecl("gmm_share_slots")
public func gmm_share_slots(_ n: Int64) -> Int64 { n < 0 ? -1 : Int64(RemotePass.slots(rows: Int(n))) }

@_cdecl("gmm_slot_first_row")
public func gmm_slot_first_row(_ n: Int64, _ slot: Int64) -> Int64 {
    guard n >= 0, slot >= 0 else { return -1 }
    return Int64(RemotePass.firstRow(rows: Int(n), slot: Int(slot)))
}

@_cdecl("gmm_remote_slot_size")
public func gmm_remote_slot_size(_ description: UnsafePointer<Double>?, _ length: Int64) -> Int64 {
    guard let description, length >= 16, length < Int64(1) << 40,
          RemotePass.expectedLength(description, available: Int(length)) == Int(length) else { return -1 }
    return RemotePass.slotSize(Array(UnsafeBufferPointer(start: description, count: Int(length)))).map(Int64.init) ?? -1
}

@_cdecl("gmm_remote_slot_sums")
public func gmm_remote_slot_sums(_ description: UnsafePointer<Double>?, _ length: Int64, _ X: UnsafeRawPointer?, _ dtype: Int32,
                                 _ n: Int64, _ d: Int64, _ stride: Int64, _ sampleWeight: UnsafePointer<Double>?,
                                 _ firstRow: Int64, _ slotBegin: Int64, _ slotEnd: Int64, _ threads: Int32,
                                 _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guard let description, length >= 16, length < Int64(1) << 40, let X, let out, n > 0, d > 0, stride >= d,
          dtype == 0 || dtype == 1, firstRow >= 0, slotBegin >= 0, slotEnd > slotBegin, threads >= 0,
          RemotePass.expectedLength(description, available: Int(length)) == Int(length),
          description[2] == Double(d) else { return GMM_E_VALUE }
    let pass = Array(UnsafeBufferPointer(start: description, count: Int(length)))
    let status = RemotePass.slotSums(pass, X: X, rows: Int(n), rowStride: Int(stride), float32: dtype == 1, weights: sampleWeight,
                                     firstRow: Int(firstRow), slots: Int(slotBegin)..<Int(slotEnd), threads: threads, into: out)
    return status == 0 ? GMM_SUCCESS : GMM_E_VALUE
}

@_cdecl("gmm_normalized_weights")
public func gmm_normalized_weights(_ w: UnsafePointer<Double>?, _ n: Int64, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guard let w, let out, n >= 0 else { return GMM_E_VALUE }
    let normalized = RemotePass.normalizedWeights(Array(UnsafeBufferPointer(start: w, count: Int(n))))
    out.update(from: normalized, count: normalized.count)
    return GMM_SUCCESS
}
