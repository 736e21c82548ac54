#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Address space for a dataset's rows of which this process holds only some: the whole range
/// is reserved without access, and only the rows it holds are backed by memory. A read of any
/// other row faults, so a process that holds a share of the rows provably reads only that.
final class ReservedRows: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let length: Int

    init(bytes: Int, backing: Range<Int>) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        length = max(page, (bytes + page - 1) / page * page)
        guard let p = mmap(nil, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), p != MAP_FAILED else {
            throw GaussianMixtureError.insufficientMemory(what: "Address space for the rows of the data", required: Double(bytes), available: 0, advice: "use more processes")
        }
        base = p
        let lo = backing.lowerBound / page * page, hi = min(length, (backing.upperBound + page - 1) / page * page)
        if lo < hi, mprotect(base + lo, hi - lo, PROT_READ | PROT_WRITE) != 0 {
            munmap(base, length)
            throw GaussianMixtureError.insufficientMemory(what: "This process's rows of the data", required: Double(hi - lo), available: 0, advice: "use more processes")
        }
    }

    deinit { munmap(base, length) }
}

extension NPY {
    /// The .npy files `paths` read as one matrix: their rows one after another, in the order
    /// given. All must be float64 or all float32, with the same number of columns (a 1-D file
    /// is one column). `holding` maps the total row count to the rows this process needs (a
    /// distributed job's share, `PassDistribution.rowShare`): only those rows are read, from
    /// the files that hold them, and only they are backed by memory (reading any other row
    /// faults); nil reads every row (a single file is then memory-mapped, not copied).
    /// Throws `DataFileError` naming the first file that cannot be read or does not match.
    /// `rowCounts` receives each file's number of rows.
    public static func readShards(_ paths: [String], holding: ((Int) -> Range<Int>)? = nil, rowCounts: inout [Int]) throws -> DataMatrix {
        guard let first = paths.first else { throw DataFileError.cannotRead(path: "--shards", reason: "no files") }
        if paths.count == 1 && holding == nil {
            let X = try read(first)
            rowCounts = [X.rows]
            return X
        }
        var files: [(file: MappedFile, layout: Layout)] = []
        for path in paths {
            let file = try MappedFile(path: path)
            let layout = try self.layout(UnsafeRawBufferPointer(start: file.base, count: file.length), path: path)
            if let (_, head) = files.first {
                guard layout.float32 == head.float32 else {
                    throw DataFileError.shardMismatch(path: path, reason: "dtype \(layout.header.descr) differs from \(first)'s \(head.header.descr) (all shards must have one dtype)")
                }
                guard layout.columns == head.columns else {
                    throw DataFileError.shardMismatch(path: path, reason: "\(layout.columns) columns, but \(first) has \(head.columns) (all shards must have the same columns)")
                }
            }
            files.append((file, layout))
        }
        rowCounts = files.map { $0.layout.rows }
        let columns = files[0].layout.columns, float32 = files[0].layout.float32
        let element = float32 ? 4 : 8, rowBytes = columns * element
        var total = 0
        for (_, layout) in files {
            let (sum, overflow) = total.addingReportingOverflow(layout.rows)
            guard !overflow else { throw DataFileError.npyHeader(path: first, reason: "the shards hold more rows than can be counted") }
            total = sum
        }
        let share = holding?(total) ?? 0..<total
        precondition(share.lowerBound >= 0 && share.upperBound <= total, "readShards: the share lies outside the rows")
        let (bytes, overflow) = total.multipliedReportingOverflow(by: rowBytes)
        guard !overflow else { throw DataFileError.npyHeader(path: first, reason: "the shards hold more bytes than can be addressed") }
        let space = try ReservedRows(bytes: bytes, backing: (share.lowerBound * rowBytes)..<(share.upperBound * rowBytes))
        var start = 0
        for (file, layout) in files {
            let rows = start..<(start + layout.rows)
            let lo = max(rows.lowerBound, share.lowerBound), hi = min(rows.upperBound, share.upperBound)
            if lo < hi {
                let source = file.base + layout.header.dataOffset + (lo - start) * rowBytes
                (space.base + lo * rowBytes).copyMemory(from: source, byteCount: (hi - lo) * rowBytes)
            }
            start = rows.upperBound
        }
        func matrix<T: GMMScalar>(_: T.Type) -> Matrix<T> {
            Matrix(rows: total, columns: columns,
                   storage: AlignedStorage(borrowing: space.base.assumingMemoryBound(to: T.self), count: total * columns, owner: space))
        }
        return float32 ? .float32(matrix(Float.self)) : .float64(matrix(Double.self))
    }
}
