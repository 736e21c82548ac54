import CKernels

/// How the passes of a fit are split across the processes of a distributed job (MPI ranks):
/// each process holds the rows of a consecutive range of the pass's reduction slots (its
/// *row share*, `rowShare`), sums those slots over its rows, then every process gathers all
/// slot sums and finishes the pass as a single process would, so each gets the totals of the
/// whole pass, bit for bit, whatever the number of processes. Everything else a fit reads
/// from rows outside its share (seeding samples, rows that become means, checks) is fetched
/// from the process that holds them (`gather`), so a process may hold only its share.
public protocol PassDistribution: AnyObject, Sendable {
    /// This process's index (0 ..< size).
    var rank: Int { get }
    /// Number of processes.
    var size: Int { get }
    /// Every process's `counts[p]` doubles, concatenated in process order into `all` (an
    /// all-gather); this process's part is already in place at its offset in `all`.
    func allGather(_ all: UnsafeMutablePointer<Double>, counts: [Int])
}

extension PassDistribution {
    /// The rows process `p` holds of an `n`-row dataset: the rows of slots
    /// p·S/P ..< (p+1)·S/P of the layout S = `gmm_pass_share_slots(n)` (≤ 64 slots of whole
    /// 512-row units). At most S processes hold rows; the rest hold none.
    public func rowShare(_ n: Int, of p: Int? = nil) -> Range<Int> {
        if remote != nil { return 0..<0 }  // (a client of `RemoteRows` holds none)
        let p = p ?? rank
        let slots = gmm_pass_share_slots(n)
        let s0 = p * slots / size, s1 = (p + 1) * slots / size
        return gmm_pass_slot_first_row(n, slots, s0)..<gmm_pass_slot_first_row(n, slots, s1)
    }

    /// The process whose share holds row `row` of `n`.
    func owner(ofRow row: Int, rows n: Int) -> Int {
        var lo = 0, hi = size - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if rowShare(n, of: mid).lowerBound <= row { lo = mid } else { hi = mid - 1 }
        }
        return lo  // (a process with an empty share is followed by the one starting at its bound)
    }

    /// `width` doubles per index in `indices` (rows of an `n`-row dataset), each read by
    /// `read` on the process that holds the row, returned on every process in index order
    /// (a collective: every process calls it with the same indices).
    func gather(_ indices: [Int], rows n: Int, width: Int, read: (Int) -> [Double]) -> [Double] {
        if let remote {  // (a failure there is the remote side's to report; NaN meanwhile)
            return remote.read(indices) ?? [Double](repeating: .nan, count: indices.count * width)
        }
        let owners = indices.map { owner(ofRow: $0, rows: n) }
        var mine: [[Int]] = Array(repeating: [], count: size)  // positions in `indices`, per owner
        for (position, p) in owners.enumerated() { mine[p].append(position) }
        let counts = mine.map { $0.count * width }
        var offsets = [0]
        for c in counts { offsets.append(offsets.last! + c) }
        var all = [Double](repeating: 0, count: offsets.last!)
        for (j, position) in mine[rank].enumerated() {
            let values = read(indices[position])
            for i in 0..<width { all[offsets[rank] + j * width + i] = values[i] }
        }
        all.withUnsafeMutableBufferPointer { distribution(allGather: $0, counts: counts) }
        var out = [Double](repeating: 0, count: indices.count * width)
        for p in 0..<size {
            for (j, position) in mine[p].enumerated() {
                for i in 0..<width { out[position * width + i] = all[offsets[p] + j * width + i] }
            }
        }
        return out
    }

    private func distribution(allGather all: UnsafeMutableBufferPointer<Double>, counts: [Int]) {
        guard let base = all.baseAddress else { return }
        allGather(base, counts: counts)
    }

    /// Each process's `record` (the same length on every process), gathered in process order.
    public func gatherRecords(_ record: [Double]) -> [[Double]] {
        precondition(remote == nil, "gatherRecords: a collective needs the rows' own processes")
        let width = record.count
        var all = [Double](repeating: 0, count: width * size)
        for i in 0..<width { all[rank * width + i] = record[i] }
        all.withUnsafeMutableBufferPointer { distribution(allGather: $0, counts: [Int](repeating: width, count: size)) }
        return (0..<size).map { Array(all[($0 * width)..<(($0 + 1) * width)]) }
    }
}

/// `width` doubles per row `indices` of an `n`-row dataset, read by `read` here, or in a
/// distributed job by the process that holds each row (`PassDistribution.gather`).
func readRows(_ indices: [Int], rows n: Int, width: Int, distribution: PassDistribution?, read: (Int) -> [Double]) -> [Double] {
    guard let distribution, distribution.size > 1 else { return indices.flatMap(read) }
    return distribution.gather(indices, rows: n, width: width, read: read)
}

/// The processes' shares of a dataset's rows: the whole data for a single process.
func rowShare(_ n: Int, _ distribution: PassDistribution?) -> Range<Int> {
    guard let distribution, distribution.size > 1 else { return 0..<n }
    return distribution.rowShare(n)
}
