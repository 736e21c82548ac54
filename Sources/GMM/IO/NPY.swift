#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file, unmapped when the last matrix using it goes.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let length: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DataFileError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DataFileError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw DataFileError.cannotRead(path: path, reason: "not a regular file") }
        length = Int(info.st_size)
        guard length > 0 else { throw DataFileError.empty(path: path) }
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw DataFileError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        base = p
    }

    deinit { munmap(base, length) }
}

/// NumPy's .npy format (versions 1–3): float64/float32 little-endian C-order arrays of one or
/// two dimensions are read by memory-mapping, without copying; outputs are written atomically.
public enum NPY {
    /// What a .npy header says.
    public struct Header: Equatable, Sendable {
        public let descr: String
        public let fortranOrder: Bool
        public let shape: [Int]
        /// Offset of the first data byte.
        public let dataOffset: Int
    }

    /// Reads a float64 or float32 array: shape (N, d) or (N,) (one feature). The matrix maps
    /// the file; nothing is copied unless the data are misaligned.
    public static func read(_ path: String) throws -> DataMatrix {
        let file = try MappedFile(path: path)
        let layout = try self.layout(UnsafeRawBufferPointer(start: file.base, count: file.length), path: path)
        let start = file.base + layout.header.dataOffset
        if layout.float32 {
            return .float32(matrix(Float.self, start, layout.rows, layout.columns, file))
        } else {
            return .float64(matrix(Double.self, start, layout.rows, layout.columns, file))
        }
    }

    /// What a whole .npy file holds, checked before any data are touched: a supported dtype
    /// and order, one or two dimensions, and a size the file really has.
    public struct Layout: Equatable, Sendable {
        public let header: Header
        public let rows: Int
        public let columns: Int
        public let float32: Bool
    }

    /// Parses and checks the header of the .npy file `bytes` (the whole file).
    public static func layout(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Layout {
        guard !bytes.isEmpty else { throw DataFileError.empty(path: path) }
        let header = try parseHeader(bytes, path: path)
        let itemSize: Int
        switch header.descr {
        case "<f8": itemSize = 8
        case "<f4": itemSize = 4
        default:
            if header.descr.dropFirst().hasPrefix("c") { throw DataFileError.complexData(path: path, what: "dtype '\(header.descr)'") }
            throw DataFileError.npyUnsupportedDType(path: path, descr: header.descr)
        }
        guard !header.fortranOrder || header.shape.count < 2 || header.shape[1] == 1 else {
            throw DataFileError.npyFortranOrder(path: path)
        }
        guard header.shape.count == 1 || header.shape.count == 2 else {
            throw DataFileError.npyHeader(path: path, reason: "expected a 1-D or 2-D array, got shape \(header.shape)")
        }
        let rows = header.shape[0], columns = header.shape.count == 2 ? header.shape[1] : 1
        // Check the promised size against the file before touching any data.
        let (count, overflow1) = rows.multipliedReportingOverflow(by: columns)
        let (needed, overflow2) = count.multipliedReportingOverflow(by: itemSize)
        let available = bytes.count - header.dataOffset
        guard !overflow1, !overflow2, needed <= available else {
            throw DataFileError.npyTruncated(path: path, expectedBytes: overflow1 || overflow2 ? Int.max : needed, actualBytes: available)
        }
        // Arrays with no rows or no columns pass: the command that uses them says what it needs
        // (scikit-learn's "Found array with 0 sample(s) …").
        return Layout(header: header, rows: rows, columns: columns, float32: itemSize == 4)
    }

    /// A .npy file held in memory, copied into a matrix.
    public static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> DataMatrix {
        let layout = try self.layout(bytes, path: path)
        let data = UnsafeRawBufferPointer(rebasing: bytes[layout.header.dataOffset...])
        func copy<T: GMMScalar>(_: T.Type) -> Matrix<T> {
            Matrix(rows: layout.rows, columns: layout.columns) { out in
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: data[..<(out.count * MemoryLayout<T>.stride)]))
            }
        }
        return layout.float32 ? .float32(copy(Float.self)) : .float64(copy(Double.self))
    }

    private static func matrix<T: GMMScalar>(_: T.Type, _ start: UnsafeMutableRawPointer, _ rows: Int, _ columns: Int,
                                             _ file: MappedFile) -> Matrix<T> {
        if Int(bitPattern: start) % MemoryLayout<T>.alignment == 0 {
            let storage = AlignedStorage(borrowing: start.assumingMemoryBound(to: T.self), count: rows * columns, owner: file)
            return Matrix(rows: rows, columns: columns, storage: storage)
        }
        return Matrix(rows: rows, columns: columns) { out in
            UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(start: start, count: rows * columns * MemoryLayout<T>.stride))
        }
    }

    /// Parses the magic string, version, header length and the header's Python dict literal.
    public static func parseHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Header {
        func fail(_ reason: String) -> DataFileError { .npyHeader(path: path, reason: reason) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing the \\x93NUMPY magic string") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("header cut short") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported format version \(major).\(bytes[7])")
        }
        guard headerLength <= bytes.count - headerStart else { throw fail("header length \(headerLength) runs past the end of the file") }
        let text = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        var dict = HeaderDictionary(text)
        let fields: [String: HeaderDictionary.Value]
        do { fields = try dict.parse() } catch let e as HeaderDictionary.Failure { throw fail(e.reason) }
        guard case .string(let descr)? = fields["descr"] else { throw fail("no 'descr' in the header") }
        guard case .bool(let fortran)? = fields["fortran_order"] else { throw fail("no 'fortran_order' in the header") }
        guard case .tuple(let shape)? = fields["shape"] else { throw fail("no 'shape' in the header") }
        return Header(descr: descr, fortranOrder: fortran, shape: shape, dataOffset: headerStart + headerLength)
    }

    /// The header bytes for an array (version 1.0, padded so the data start on 64 bytes).
    public static func header(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dict.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8)
    }

    /// Streams an array of known shape into `path` atomically.
    public final class Writer {
        private let output: AtomicOutput
        private let expectedBytes: Int
        private var writtenBytes = 0

        /// Throws `.insufficientDiskSpace` when the array would not fit on the file system
        /// (or its size overflows), before anything is written.
        public init(path: String, descr: String, shape: [Int]) throws {
            let itemSize = descr.hasSuffix("8") ? 8 : 4
            let bytes = shape.reduce(Double(itemSize)) { $0 * Double($1) }
            try DataFileError.requireDiskSpace(bytes, for: path)
            output = try AtomicOutput(path: path)
            expectedBytes = shape.reduce(1, *) * itemSize
            try output.write(NPY.header(descr: descr, shape: shape))
        }

        public func append(_ bytes: UnsafeRawBufferPointer) throws {
            writtenBytes += bytes.count
            precondition(writtenBytes <= expectedBytes, "NPY.Writer: more data than the shape holds")
            try output.write(bytes)
        }

        public func append<T>(_ values: [T]) throws {
            try values.withUnsafeBytes { try append($0) }
        }

        public func commit() throws {
            precondition(writtenBytes == expectedBytes, "NPY.Writer: \(writtenBytes) of \(expectedBytes) bytes written")
            try output.commit()
        }
    }

    /// Writes a whole matrix (float64 or float32) atomically.
    public static func write<T: GMMScalar>(_ matrix: Matrix<T>, to path: String, oneDimensional: Bool = false) throws {
        let writer = try Writer(path: path, descr: T.isFloat32 ? "<f4" : "<f8",
                                shape: oneDimensional ? [matrix.rows * matrix.columns] : [matrix.rows, matrix.columns])
        try matrix.withUnsafeBufferPointer { try writer.append(UnsafeRawBufferPointer($0)) }
        try writer.commit()
    }
}

/// The Python literal in a .npy header: {'key': value, ...} with string, bool and int-tuple values.
struct HeaderDictionary {
    enum Value: Equatable { case string(String), bool(Bool), tuple([Int]) }
    struct Failure: Error { let reason: String }
    private let chars: [Character]
    private var i = 0

    init(_ text: String) { chars = Array(text) }

    mutating func parse() throws -> [String: Value] {
        var out: [String: Value] = [:]
        skipSpace()
        guard take("{") else { throw Failure(reason: "the header is not a dict") }
        while true {
            skipSpace()
            if take("}") { return out }
            guard let key = string() else { throw Failure(reason: "expected a quoted key at offset \(i)") }
            skipSpace()
            guard take(":") else { throw Failure(reason: "expected ':' after '\(key)'") }
            skipSpace()
            guard let value = value() else { throw Failure(reason: "unreadable value for '\(key)'") }
            out[key] = value
            skipSpace()
            if take(",") { continue }
            skipSpace()
            if take("}") { return out }
            throw Failure(reason: "expected ',' or '}' at offset \(i)")
        }
    }

    private mutating func value() -> Value? {
        if let s = string() { return .string(s) }
        if word("True") { return .bool(true) }
        if word("False") { return .bool(false) }
        guard take("(") else { return nil }
        var items: [Int] = []
        while true {
            skipSpace()
            if take(")") { return .tuple(items) }
            var digits = ""
            while i < chars.count, chars[i].isASCII, chars[i].isNumber, digits.count < 19 { digits.append(chars[i]); i += 1 }
            if i < chars.count, chars[i].isNumber { return nil }  // more than 18 digits: no real array
            guard let n = Int(digits) else { return nil }
            items.append(n)
            skipSpace()
            if take(",") { continue }
            skipSpace()
            guard take(")") else { return nil }
            return .tuple(items)
        }
    }

    private mutating func string() -> String? {
        guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { return nil }
        let quote = chars[i]
        var j = i + 1
        while j < chars.count, chars[j] != quote { j += 1 }
        guard j < chars.count else { return nil }
        let s = String(chars[(i + 1)..<j])
        i = j + 1
        return s
    }

    private mutating func word(_ w: String) -> Bool {
        let w = Array(w)
        guard i + w.count <= chars.count, Array(chars[i..<(i + w.count)]) == w else { return false }
        i += w.count
        return true
    }

    private mutating func take(_ c: Character) -> Bool {
        guard i < chars.count, chars[i] == c else { return false }
        i += 1
        return true
    }

    private mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
}
