#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Matrix storage: 64-byte aligned memory it owns, or memory it borrows (a memory-mapped
/// file, rows of another matrix) and keeps alive through `owner`. Borrowed memory is never
/// written: a matrix copies it before its first mutation.
final class AlignedStorage<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int
    let isBorrowed: Bool
    private let owner: AnyObject?

    init(count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(1, count) * MemoryLayout<Element>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("swift-gmm: cannot allocate \(bytes) bytes")
        }
        pointer = raw.bindMemory(to: Element.self, capacity: max(1, count))
        isBorrowed = false
        owner = nil
    }

    init(borrowing pointer: UnsafeMutablePointer<Element>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        isBorrowed = true
        self.owner = owner
    }

    func copy() -> AlignedStorage {
        let other = AlignedStorage(count: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit { if !isBorrowed { free(pointer) } }
}

/// A dense row-major matrix of floating-point values in 64-byte aligned memory, with value
/// semantics (copy on write). Rows are data points, columns are features. A matrix may also be a
/// view of rows someone else owns (a memory-mapped file, a caller's buffer with a row stride):
/// such a view is read in place and copied, contiguously, before its first mutation.
public struct Matrix<Element: BinaryFloatingPoint & Sendable>: Sendable {
    /// Number of rows (points).
    public let rows: Int
    /// Number of columns (features).
    public let columns: Int
    /// Elements from the start of one row to the start of the next (≥ `columns`).
    public private(set) var rowStride: Int
    var storage: AlignedStorage<Element>

    /// True when the rows follow each other with no gap (`rowStride == columns`).
    public var isContiguous: Bool { rowStride == columns || rows <= 1 }

    /// A zero-filled `rows` × `columns` matrix.
    public init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        rowStride = columns
        storage = AlignedStorage(count: rows * columns)
        storage.pointer.initialize(repeating: 0, count: rows * columns)
    }

    /// A matrix from row-major `elements` (`rows * columns` of them).
    public init(rows: Int, columns: Int, elements: [Element]) {
        precondition(elements.count == rows * columns,
                     "Matrix(rows: \(rows), columns: \(columns)) needs \(rows * columns) elements, got \(elements.count)")
        self.init(rows: rows, columns: columns)
        elements.withUnsafeBufferPointer { e in
            if let base = e.baseAddress, !e.isEmpty { storage.pointer.update(from: base, count: e.count) }
        }
    }

    /// A matrix from an array of equally long rows.
    public init(_ rowArrays: [[Element]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "All rows must have the same length")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    /// A matrix filled by calling `body` on a zeroed buffer (row-major).
    public init(rows: Int, columns: Int, _ body: (UnsafeMutableBufferPointer<Element>) throws -> Void) rethrows {
        self.init(rows: rows, columns: columns)
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: rows * columns))
    }

    /// A view of `rows` rows of `columns` values that the caller owns, row i starting at
    /// `base + i·rowStride`: nothing is copied. The caller keeps the memory alive and
    /// unchanged while the view (or a copy of it) is used; `owner`, if given, is retained for
    /// as long. This is how the C ABI and the Python package fit caller buffers in place.
    public init(viewing base: UnsafePointer<Element>, rows: Int, columns: Int, rowStride: Int, owner: AnyObject? = nil) {
        precondition(rows >= 0 && columns >= 0 && rowStride >= columns, "Matrix view: bad shape or stride")
        self.rows = rows
        self.columns = columns
        self.rowStride = rows <= 1 ? columns : rowStride
        let count = rows == 0 ? 0 : (rows - 1) * rowStride + columns
        storage = AlignedStorage(borrowing: UnsafeMutablePointer(mutating: base), count: count, owner: owner ?? ViewOwner())
    }

    public subscript(row: Int, column: Int) -> Element {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            return storage.pointer[row * rowStride + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            makeUnique()
            storage.pointer[row * rowStride + column] = newValue
        }
    }

    /// The elements of one row.
    public func row(_ index: Int) -> [Element] {
        precondition(index >= 0 && index < rows, "Matrix row out of range")
        return Array(UnsafeBufferPointer(start: storage.pointer + index * rowStride, count: columns))
    }

    /// All elements, row-major.
    public var elements: [Element] {
        if isContiguous { return Array(UnsafeBufferPointer(start: storage.pointer, count: rows * columns)) }
        return (0..<rows).flatMap { row($0) }
    }

    /// The elements, row-major and contiguous (a strided view is copied for the call).
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        if isContiguous { return try body(UnsafeBufferPointer(start: storage.pointer, count: rows * columns)) }
        return try elements.withUnsafeBufferPointer(body)
    }

    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: rows * columns))
    }

    /// Owned, contiguous storage before a mutation (views and shared storage are copied).
    private mutating func makeUnique() {
        if !isContiguous {
            let copy = AlignedStorage<Element>(count: rows * columns)
            for r in 0..<rows { (copy.pointer + r * columns).initialize(from: storage.pointer + r * rowStride, count: columns) }
            storage = copy
            rowStride = columns
        } else if !isKnownUniquelyReferenced(&storage) || storage.isBorrowed {
            storage = storage.copy()
        }
    }

    init(rows: Int, columns: Int, storage: AlignedStorage<Element>, rowStride: Int? = nil) {
        let stride = rowStride ?? columns
        precondition(rows == 0 || storage.count >= (rows - 1) * stride + columns, "Matrix: storage too small")
        self.rows = rows
        self.columns = columns
        self.rowStride = rows <= 1 ? columns : stride
        self.storage = storage
    }

    /// Rows `range` as a matrix that shares this one's memory (no copy).
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "Matrix row range out of bounds")
        let count = range.isEmpty ? 0 : (range.count - 1) * rowStride + columns
        let view = AlignedStorage(borrowing: storage.pointer + range.lowerBound * rowStride, count: count, owner: storage)
        return Matrix(rows: range.count, columns: columns, storage: view, rowStride: rowStride)
    }
}

/// Keeps nothing alive: the owner of a view whose caller keeps its memory.
final class ViewOwner {}

extension Matrix: Equatable {
    public static func == (a: Matrix, b: Matrix) -> Bool {
        guard a.rows == b.rows && a.columns == b.columns else { return false }
        if a.storage === b.storage && a.rowStride == b.rowStride { return true }
        return (0..<a.rows).allSatisfy { r in
            (0..<a.columns).allSatisfy { c in a.storage.pointer[r * a.rowStride + c] == b.storage.pointer[r * b.rowStride + c] }
        }
    }
}

extension Matrix: CustomStringConvertible {
    /// The values, row by row (at most 8 rows and 8 columns, with "…" for the rest), e.g.
    /// "Matrix<Double> 2 × 1 [[0.5], [3.0]]".
    public var description: String {
        func rowText(_ r: Int) -> String {
            let shown = (0..<min(columns, 8)).map { "\(self[r, $0])" }
            return "[" + shown.joined(separator: ", ") + (columns > 8 ? ", …" : "") + "]"
        }
        let shown = (0..<min(rows, 8)).map(rowText)
        return "Matrix<\(Element.self)> \(rows) × \(columns) [" + shown.joined(separator: ", ") + (rows > 8 ? ", …" : "") + "]"
    }
}
