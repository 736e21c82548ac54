/// Problems with input or output files, each naming the file and, where it applies, the
/// line, column or row. Messages are one line, for command-line use.
public enum DataFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case empty(path: String)
    /// A delimited file with a header line and no data rows.
    case headerOnly(path: String)
    /// Complex numbers (a complex .npy dtype, or a CSV cell such as 1+2j); `what` says which.
    case complexData(path: String, what: String)
    case raggedRow(path: String, line: Int, expected: Int, got: Int)
    case notANumber(path: String, line: Int, column: Int, text: String)
    case nonFinite(path: String, line: Int, column: Int, text: String)
    case npyHeader(path: String, reason: String)
    case npyTruncated(path: String, expectedBytes: Int, actualBytes: Int)
    case npyUnsupportedDType(path: String, descr: String)
    case npyFortranOrder(path: String)
    case cannotWrite(path: String, reason: String)
    /// An output of `required` bytes would not fit in the `available` bytes of its file system.
    case insufficientDiskSpace(path: String, required: Double, available: Double)
    /// An output names the same file as an input (`first`) or as another output.
    case sameFile(path: String, first: String, second: String, bothOutputs: Bool)
    case model(path: String, reason: String)
    /// A shard that does not match the first (dtype, columns).
    case shardMismatch(path: String, reason: String)
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .empty(let path):
            return "\(path): no data (the file is empty)"
        case .headerOnly(let path):
            return "\(path): no data rows (only a header line)"
        case .complexData(let path, let what):
            return "\(path): Complex data not supported (\(what))"
        case .raggedRow(let path, let line, let expected, let got):
            return "\(path): line \(line) has \(got) values, expected \(expected) (as on the first data line)"
        case .notANumber(let path, let line, let column, let text):
            return "\(path): line \(line), column \(column): '\(text)' is not a number"
        case .nonFinite(let path, let line, let column, let text):
            return "\(path): line \(line), column \(column): '\(text)' is not a finite number (NaN and infinity cannot be fitted)"
        case .npyHeader(let path, let reason):
            return "\(path): not a valid .npy file: \(reason)"
        case .npyTruncated(let path, let expected, let actual):
            return "\(path): truncated .npy: the header promises \(expected) data bytes but the file holds \(actual)"
        case .npyUnsupportedDType(let path, let descr):
            return "\(path): unsupported .npy dtype '\(descr)' (supported: '<f8' float64 and '<f4' float32, little-endian)"
        case .npyFortranOrder(let path):
            return "\(path): .npy arrays in Fortran order are not supported (save np.ascontiguousarray(X))"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .insufficientDiskSpace(let path, let required, let available):
            return "\(path): cannot write: the output needs \(Resources.format(bytes: required)), but its file system has \(Resources.format(bytes: available)) free"
        case .sameFile(let path, let first, let second, let bothOutputs):
            return bothOutputs
                ? "\(first) and \(second) name the same file (\(path)): each output needs its own file"
                : "\(second) names the same file as \(first) (\(path)): an output must not overwrite an input"
        case .shardMismatch(let path, let reason):
            return "\(path): \(reason)"
        case .model(let path, let reason):
            return "\(path): invalid model: \(reason)"
        case .checkpoint(let path, let reason):
            return "\(path): invalid checkpoint: \(reason)"
        }
    }
}

/// A data matrix in the element type it was stored in.
public enum DataMatrix: Sendable {
    case float64(Matrix<Double>)
    case float32(Matrix<Float>)

    public var rows: Int {
        switch self {
        case .float64(let m): return m.rows
        case .float32(let m): return m.rows
        }
    }

    public var columns: Int {
        switch self {
        case .float64(let m): return m.columns
        case .float32(let m): return m.columns
        }
    }

    /// Rows `range` without copying.
    public func rows(_ range: Range<Int>) -> DataMatrix {
        switch self {
        case .float64(let m): return .float64(m.rows(range))
        case .float32(let m): return .float32(m.rows(range))
        }
    }

    /// All values as Double (copies).
    public var doubleElements: [Double] {
        switch self {
        case .float64(let m): return m.elements
        case .float32(let m): return m.elements.map(Double.init)
        }
    }
}

extension DataFileError {
    /// Throws `.insufficientDiskSpace` when `bytes` exceed the free space where `path` goes
    /// (or the size cannot be represented).
    public static func requireDiskSpace(_ bytes: Double, for path: String) throws {
        let limit = Double(Int.max) / 2
        if bytes > limit { throw insufficientDiskSpace(path: path, required: bytes, available: Resources.freeDiskSpace(for: path) ?? 0) }
        if let free = Resources.freeDiskSpace(for: path), bytes > free {
            throw insufficientDiskSpace(path: path, required: bytes, available: free)
        }
    }
}
