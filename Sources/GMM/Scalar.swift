import CKernels

/// Element types the engine reads data in. Float data are fitted in place, never converted as
/// a whole: each block is centred in float64 and rounded to float32, the E-step and the sums
/// within a block run in float32 on 8 lanes, and sums across blocks and all parameters are
/// float64 (results agree with a float64 fit of the same values to about 1e-7).
public protocol GMMScalar: BinaryFloatingPoint, Sendable {
    /// True for 32-bit storage.
    static var isFloat32: Bool { get }
}

extension Double: GMMScalar {
    public static var isFloat32: Bool { false }
}

extension Float: GMMScalar {
    public static var isFloat32: Bool { true }
}

/// The largest |x| accepted in data: squared distances of such values, summed over up to
/// 10¹² points, stay below the largest double.
public let dataMagnitudeLimit = 1e140

/// The smallest spread accepted (the largest per-feature max − min): below it, squared
/// differences fall into the subnormal range and variances underflow to 0.
public let dataSpreadLimit = 1e-140

extension Matrix where Element: GMMScalar {
    /// Per-column (minimum, maximum), from one pass that also checks the values are finite:
    /// throws `.nonFiniteInput` naming the first NaN or infinite value (row and column 0-based).
    func checkedRanges() throws -> (lo: [Double], hi: [Double]) {
        var lo = [Double](repeating: 0, count: columns), hi = lo
        guard rows > 0, columns > 0 else { return (lo, hi) }
        let status = gmm_column_ranges(storage.pointer, Element.isFloat32 ? 1 : 0, rows, columns, rowStride, &lo, &hi)
        if status == GMM_ERR_NONFINITE {
            for r in 0..<rows {
                for c in 0..<columns where !self[r, c].isFinite {
                    throw GaussianMixtureError.nonFiniteInput(row: r, column: c, isNaN: self[r, c].isNaN)
                }
            }
        }
        precondition(status == GMM_OK || status == GMM_ERR_NONFINITE, "gmm_column_ranges: \(status)")
        return (lo, hi)
    }

    /// `checkedRanges()` of a distributed job: each process scans only its share of the rows
    /// (`PassDistribution.rowShare`), the shares' ranges (or the first non-finite value)
    /// are all-gathered, and every process gets the same ranges, or throws the same error (the
    /// first bad row), as one process scanning everything would.
    func checkedRanges(distribution: PassDistribution?) throws -> (lo: [Double], hi: [Double]) {
        guard let distribution, distribution.size > 1 else { return try checkedRanges() }
        if let remote = distribution.remote { return try remote.checkedRanges() }  // (with the magnitude check)
        let P = distribution.size, rank = distribution.rank, d = columns, stride = 4 + 2 * d
        let share = distribution.rowShare(rows), begin = share.lowerBound, end = share.upperBound
        var record = [Double](repeating: 0, count: P * stride)
        // [rows scanned, bad row (-1: none), bad column, is NaN, lo..., hi...]
        record[rank * stride] = Double(end - begin)
        record[rank * stride + 1] = -1
        if begin < end {
            do {
                let (lo, hi) = try self.rows(begin..<end).checkedRanges()
                for i in 0..<d { record[rank * stride + 4 + i] = lo[i]; record[rank * stride + 4 + d + i] = hi[i] }
            } catch GaussianMixtureError.nonFiniteInput(let row, let column, let isNaN) {
                record[rank * stride + 1] = Double(begin + row)
                record[rank * stride + 2] = Double(column)
                record[rank * stride + 3] = isNaN ? 1 : 0
            }
        }
        record.withUnsafeMutableBufferPointer { distribution.allGather($0.baseAddress!, counts: [Int](repeating: stride, count: P)) }
        var lo = [Double](repeating: .infinity, count: d), hi = [Double](repeating: -.infinity, count: d)
        for p in 0..<P {
            let r = record[(p * stride)..<((p + 1) * stride)].map { $0 }
            if r[1] >= 0 { throw GaussianMixtureError.nonFiniteInput(row: Int(r[1]), column: Int(r[2]), isNaN: r[3] == 1) }
            guard r[0] > 0 else { continue }
            for i in 0..<d { lo[i] = Swift.min(lo[i], r[4 + i]); hi[i] = Swift.max(hi[i], r[4 + d + i]) }
        }
        return (lo, hi)
    }

    /// Throws `.valueTooLarge` naming the first value beyond ±`dataMagnitudeLimit`, given the
    /// column ranges from `checkedRanges()`.
    /// In a distributed job each process scans its share and all report the first in row order.
    func checkMagnitude(_ ranges: (lo: [Double], hi: [Double]), distribution: PassDistribution? = nil) throws {
        guard zip(ranges.lo, ranges.hi).contains(where: { max(-$0, $1) > dataMagnitudeLimit }), distribution?.remote == nil else { return }
        func first(_ share: Range<Int>) -> [Double] {  // [row (-1: none), column, value]
            for r in share {
                for c in 0..<columns where abs(Double(self[r, c])) > dataMagnitudeLimit { return [Double(r), Double(c), Double(self[r, c])] }
            }
            return [-1, 0, 0]
        }
        let found = first(GMM.rowShare(rows, distribution))
        let records = distribution.map { $0.size > 1 ? $0.gatherRecords(found) : [found] } ?? [found]
        if let r = records.first(where: { $0[0] >= 0 }) {
            throw GaussianMixtureError.valueTooLarge(row: Int(r[0]), column: Int(r[1]), value: r[2])
        }
    }

    /// Row `index` widened to Double.
    func doubleRow(_ index: Int) -> [Double] { row(index).map { Double($0) } }
}
