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
/// semantics (copy on write). Rows are data points, columns are features.
public struct Matrix<Element: BinaryFloatingPoint & Sendable>: Sendable {
    /// Number of rows (points).
    public let rows: Int
    /// Number of columns (features).
    public let columns: Int
    var storage: AlignedStorage<Element>

    /// A zero-filled `rows` × `columns` matrix.
    public init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
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

    public subscript(row: Int, column: Int) -> Element {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            return storage.pointer[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            makeUnique()
            storage.pointer[row * columns + column] = newValue
        }
    }

    /// The elements of one row.
    public func row(_ index: Int) -> [Element] {
        precondition(index >= 0 && index < rows, "Matrix row out of range")
        return Array(UnsafeBufferPointer(start: storage.pointer + index * columns, count: columns))
    }

    /// All elements, row-major.
    public var elements: [Element] { Array(UnsafeBufferPointer(start: storage.pointer, count: rows * columns)) }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: rows * columns))
    }

    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: rows * columns))
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) || storage.isBorrowed { storage = storage.copy() }
    }

    init(rows: Int, columns: Int, storage: AlignedStorage<Element>) {
        precondition(storage.count >= rows * columns, "Matrix: storage too small")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// Rows `range` as a matrix that shares this one's memory (no copy).
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "Matrix row range out of bounds")
        let view = AlignedStorage(borrowing: storage.pointer + range.lowerBound * columns,
                                  count: range.count * columns, owner: storage)
        return Matrix(rows: range.count, columns: columns, storage: view)
    }
}

extension Matrix: Equatable {
    public static func == (a: Matrix, b: Matrix) -> Bool {
        a.rows == b.rows && a.columns == b.columns
            && (a.storage === b.storage || a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.elementsEqual(y) } })
    }
}
