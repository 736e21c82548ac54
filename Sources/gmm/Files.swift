import Foundation
import GMM

/// Loads a data file: .npy by its magic string (memory-mapped, element type kept), anything
/// else as delimited text; "-" reads CSV from standard input.
func loadData(_ path: String) throws -> DataMatrix {
    if path == "-" { return .float64(try CSV.read(path)) }
    try FilePaths.checkInput(path)
    if path.lowercased().hasSuffix(".npy") || hasNPYMagic(path) { return try NPY.read(path) }
    return .float64(try CSV.read(path))
}

private func hasNPYMagic(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let head = handle.readData(ofLength: 6)
    return head == Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59])
}

/// Loads one non-negative weight per row from a 1-D .npy or a one-column CSV.
func loadWeights(_ path: String, rows: Int) throws -> [Double] {
    let data = try loadData(path)
    guard data.columns == 1 || data.rows == 1 else {
        throw CommandError("\(path): sample weights must be one column (got \(data.rows) x \(data.columns))")
    }
    let w = data.doubleElements
    guard w.count == rows else { throw CommandError("\(path): \(w.count) sample weights for \(rows) data rows") }
    if let row = w.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
        throw CommandError("\(path): the weight at row \(row) is \(w[row]); weights must be finite and non-negative")
    }
    guard w.contains(where: { $0 > 0 }) else { throw CommandError("\(path): every sample weight is zero") }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for v in w { hash = (hash ^ v.bitPattern) &* 0x100_0000_01b3 }
    try Cluster.agree([Double(w.count), Double(hash >> 32), Double(hash & 0xFFFF_FFFF)]) { r in
        "\(Int(r[0])) weights (hash \(String(UInt64(r[1]) << 32 | UInt64(r[2]), radix: 16)))"
    } failure: { p, theirs, ours in
        CommandError("\(path): rank \(p) reads \(theirs), rank 0 reads \(ours): every rank must read the same sample weights")
    }
    return w
}

enum OutputKind {
    case npy, csv

    init(_ path: String) throws {
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") { self = .npy } else if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") || lower.hasSuffix(".tsv") {
            self = .csv
        } else {
            throw CommandError("\(path): unknown output type (use a .npy or .csv file name)")
        }
    }
}

/// Fails early, before any long computation, if `path` cannot be written (or is a directory
/// or device, which the final rename would replace or fail on).
func checkWritable(_ path: String?) throws {
    guard let path else { return }
    try FilePaths.checkOutput(path)
    _ = try AtomicOutput(path: path)  // creates and removes a temporary file beside the target
}

/// Stops before anything is read or computed when an output is the same file as an input or
/// another output (one line naming both options and the path).
func checkDistinct(inputs: [(String, String?)], outputs: [(String, String?)], allowed: [(String, String)] = []) throws {
    try FilePaths.checkDistinct(inputs: inputs.map { FilePaths.Role($0.0, $0.1) },
                                outputs: outputs.map { FilePaths.Role($0.0, $0.1) }, allowed: allowed)
}

/// Streams rows of doubles or integer labels into a .npy or .csv output, atomically.
final class ArrayWriter {
    enum Element { case float64, float32, int64 }
    private enum Sink { case npy(NPY.Writer), csv(AtomicOutput) }
    private let sink: Sink
    private let columns: Int
    private let element: Element

    /// `columns == nil` writes a 1-D array.
    init(path: String, rows: Int, columns: Int?, element: Element = .float64) throws {
        self.columns = columns ?? 1
        self.element = element
        switch try OutputKind(path) {
        case .npy:
            let descr = element == .int64 ? "<i8" : element == .float32 ? "<f4" : "<f8"
            sink = .npy(try NPY.Writer(path: path, descr: descr, shape: columns.map { [rows, $0] } ?? [rows]))
        case .csv:
            // About 25 characters a value (shortest round-trip decimals and a separator).
            try DataFileError.requireDiskSpace(25 * Double(rows) * Double(columns ?? 1), for: path)
            sink = .csv(try AtomicOutput(path: path))
        }
    }

    /// Appends rows of values (narrowed to float32 when the output is float32).
    func append(_ values: UnsafeBufferPointer<Double>) throws {
        switch sink {
        case .npy(let w):
            if element == .float32 { try w.append(values.map { Float($0) }) } else { try w.append(UnsafeRawBufferPointer(values)) }
        case .csv(let out):
            var text = ""
            for r in 0..<(values.count / columns) {
                text += (0..<columns).map { c -> String in
                    let v = values[r * columns + c]
                    return element == .float32 ? "\(Float(v))" : "\(v)"
                }.joined(separator: ",") + "\n"
            }
            try out.write(text)
        }
    }

    func append(labels: [Int32]) throws {
        switch sink {
        case .npy(let w): try w.append(labels.map(Int64.init))
        case .csv(let out): try out.write(labels.map { "\($0)\n" }.joined())
        }
    }

    func commit() throws {
        switch sink {
        case .npy(let w): try w.commit()
        case .csv(let out): try out.commit()
        }
    }
}

func writeMatrix(_ m: Matrix<Double>, to path: String) throws {
    let w = try ArrayWriter(path: path, rows: m.rows, columns: m.columns)
    try m.withUnsafeBufferPointer { try w.append($0) }
    try w.commit()
}

func writeVector(_ v: [Double], to path: String) throws {
    let w = try ArrayWriter(path: path, rows: v.count, columns: nil)
    try v.withUnsafeBufferPointer { try w.append($0) }
    try w.commit()
}

func writeLabels(_ labels: [Int32], to path: String) throws {
    let w = try ArrayWriter(path: path, rows: labels.count, columns: nil, element: .int64)
    try w.append(labels: labels)
    try w.commit()
}

/// Checks data before a model evaluates them: at least one row (scikit-learn's
/// `ensure_min_samples=1`) and the model's number of features.
func checkEvaluable(_ X: DataMatrix, _ path: String, _ model: any FittedMixture, _ modelPath: String) throws {
    guard X.rows >= 1 else {
        throw CommandError("\(path): \(GaussianMixtureError.notEnoughSamples(samples: 0, features: X.columns, minimum: 1))")
    }
    guard X.columns >= 1 else { throw CommandError("\(path): \(GaussianMixtureError.noFeatures(samples: X.rows))") }
    guard X.columns == model.features else {
        throw CommandError("\(path): \(GaussianMixtureError.featureMismatch(expected: model.features, got: X.columns)) (model \(modelPath))")
    }
}

extension DataMatrix {
    /// Per-sample outputs take the data's precision, as scikit-learn returns them.
    var outputElement: ArrayWriter.Element {
        if case .float32 = self { return .float32 }
        return .float64
    }
}

/// Rows per chunk when streaming evaluations to files.
let streamChunkRows = 1 << 16

/// Library errors about data gain the file's name.
func naming<R>(_ path: String, _ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as GaussianMixtureError {
        switch e {
        case .nonFiniteInput, .featureMismatch, .tooFewSamples, .notEnoughSamples, .noFeatures, .valueTooLarge, .identicalSamples, .spreadTooSmall,
             .insufficientMemory, .invalidValue:
            throw CommandError("\(path): \(e)")
        default:
            throw e
        }
    }
}


extension FittedMixture {
    func predict(_ X: DataMatrix) throws -> [Int32] {
        switch X {
        case .float64(let m): return try predict(m)
        case .float32(let m): return try predict(m)
        }
    }

    func predictProbabilities(_ X: DataMatrix) throws -> Matrix<Double> {
        switch X {
        case .float64(let m): return try predictProbabilities(m)
        case .float32(let m): return try predictProbabilities(m)
        }
    }

    func scoreSamples(_ X: DataMatrix) throws -> [Double] {
        switch X {
        case .float64(let m): return try scoreSamples(m)
        case .float32(let m): return try scoreSamples(m)
        }
    }

    func score(_ X: DataMatrix) throws -> Double {
        switch X {
        case .float64(let m): return try score(m)
        case .float32(let m): return try score(m)
        }
    }
}

/// Parses component counts: "4", "1...10", "1..10", "2-6" or "2,4,8"; each count must be an
/// int ≥ 1 (scikit-learn's n_components message names the first that is not).
func parseComponents(_ text: String) throws -> [Int] {
    func int(_ s: Substring) throws -> Int {
        let item = s.trimmingCharacters(in: .whitespaces)
        guard Int(item) != nil || Double(item) != nil else {
            throw CommandError("-k: '\(text)' is not a component count, a range like 1...10, or a list like 2,4,8")
        }
        return try OptionValue.int(item, option: "-k", parameter: "n_components", minimum: 1)
    }
    if text.hasPrefix("-"), Double(text) != nil { return [try int(Substring(text))] }  // a negative count
    for separator in ["...", "..", "-"] {
        if let r = text.range(of: separator) {
            let a = try int(text[..<r.lowerBound]), b = try int(text[r.upperBound...])
            guard a <= b else { throw CommandError("-k: empty range '\(text)'") }
            guard b - a < 10_000 else { throw CommandError("-k: the range '\(text)' holds more than 10000 component counts") }
            return Array(a...b)
        }
    }
    return try text.split(separator: ",").map(int)
}

/// --categories "3,2,5": one count ≥ 1 per feature, for --family categorical only.
func parseCategories(_ text: String?, family: MixtureFamily) throws -> [Int]? {
    try text.map { text in
        guard family == .categorical else { throw CommandError("--categories: applies to --family categorical") }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map {
            try OptionValue.int(String($0), option: "--categories", minimum: 1)
        }
    }
}

func parseCovariance(_ text: String) throws -> CovarianceType {
    guard let t = CovarianceType(rawValue: text.lowercased()) else {
        throw CommandError("--covariance: '\(text)' is not one of full, diag, tied, spherical")
    }
    return t
}

func parseInit(_ text: String) throws -> InitializationMethod {
    switch text.lowercased() {
    case "kmeans", "k-means": return .kmeans
    case "k-means++", "kmeans++": return .kmeansPlusPlus
    case "random": return .random
    case "random-from-data", "random_from_data": return .randomFromData
    default: throw CommandError("--init: '\(text)' is not one of kmeans, k-means++, random, random-from-data")
    }
}

func initName(_ method: InitializationMethod) -> String {
    switch method {
    case .kmeans: return "kmeans"
    case .kmeansPlusPlus: return "k-means++"
    case .random: return "random"
    case .randomFromData: return "random_from_data"
    case .parameters: return "parameters"
    }
}

func printError(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

/// The data of `fit` and `select`: one file (the data argument), or .npy shards (`--shards
/// PATTERN`: the matching files in byte order of their names, read as one dataset of their
/// rows one after another). Under mpirun each rank reads only its share of the rows.
final class DataInput {
    /// The file or the pattern, for messages.
    let label: String
    /// The shard files (empty for a single file).
    let shards: [String]
    private let file: String?
    /// First row of each shard in the whole dataset (after `load`).
    private var starts: [Int] = []

    init(data: String?, shards pattern: String?) throws {
        switch (data, pattern) {
        case (let path?, nil):
            file = path; label = path; shards = []
        case (nil, let pattern?):
            file = nil; label = pattern
            shards = try Self.expand(pattern)
        case (nil, nil):
            throw CommandError("missing the data: give a data file, or --shards PATTERN")
        case (_?, _?):
            throw CommandError("--shards: give the data file or --shards PATTERN, not both")
        }
    }

    /// For `checkDistinct`: the data argument, or each shard.
    var inputs: [(String, String?)] {
        file.map { [("the data argument", $0)] } ?? shards.map { ("--shards", $0) }
    }

    private static func expand(_ pattern: String) throws -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        let status = glob(pattern, 0, nil, &found)
        guard status == 0 else {
            throw CommandError(status == GLOB_NOMATCH ? "--shards: no file matches '\(pattern)'" : "--shards: cannot list the files of '\(pattern)'")
        }
        let paths = (0..<Int(found.gl_pathc)).compactMap { found.gl_pathv[$0].map { String(cString: $0) } }
        let sorted = paths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        // Numbered names that are not zero-padded read 10 before 2: say so (the order is the data's).
        let numbers = sorted.map { path in path.split(whereSeparator: { !$0.isNumber }).last.map(String.init) }
        if Cluster.isRoot, numbers.allSatisfy({ $0 != nil }), Set(numbers.map { $0!.count }).count > 1 {
            let numeric = sorted.enumerated().sorted { (Int(numbers[$0.offset]!) ?? 0, $0.offset) < (Int(numbers[$1.offset]!) ?? 0, $1.offset) }.map(\.element)
            if numeric != sorted {
                printError("gmm: note: --shards reads the files in byte order of their names (\(sorted[0]), \(sorted[1]), …), which here is not their numeric order; zero-pad the numbers if the rows' order matters")
            }
        }
        return sorted
    }

    func load() throws -> DataMatrix {
        let X: DataMatrix
        if let file {
            X = try loadData(file)
        } else {
            for path in shards { try FilePaths.checkInput(path) }
            var sizes: [Int] = []
            X = try NPY.readShards(shards, holding: Cluster.distribution.map { d in { d.rowShare($0) } }, rowCounts: &sizes)
            starts = sizes.reduce(into: [0]) { $0.append($0.last! + $1) }
        }
        // Every rank must see the same data (a shared file system): the same file names, rows,
        // columns and dtype (a rank of other data would exchange sums of another size).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (file.map { [$0] } ?? shards).map({ ($0 as NSString).lastPathComponent }).joined(separator: "\n").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let float32: Bool = { if case .float32 = X { return true } else { return false } }()
        try Cluster.agree([Double(max(1, shards.count)), Double(X.rows), Double(X.columns), float32 ? 1 : 0, Double(hash >> 32), Double(hash & 0xFFFF_FFFF)]) { r in
            "\(Int(r[0])) file(s) of \(Int(r[1])) x \(Int(r[2])) \(r[3] == 1 ? "float32" : "float64")"
        } failure: { p, theirs, ours in
            CommandError("\(self.label): rank \(p) sees \(theirs), rank 0 sees \(ours)\(theirs == ours ? " (with other file names)" : ""): every rank must see the same data")
        }
        return X
    }

    /// Runs `body`; a library error about the data names the file, and for shards the shard
    /// and its own row.
    func named<R>(_ body: () throws -> R) throws -> R {
        guard file == nil else { return try naming(label, body) }
        do { return try body() } catch let e as GaussianMixtureError {
            func locate(_ row: Int) -> (String, Int) {
                let i = max(0, (starts.lastIndex { $0 <= row } ?? 0))
                return i < shards.count ? (shards[i], row - starts[i]) : (label, row)
            }
            switch e {
            case .nonFiniteInput(let row, let column, let isNaN):
                let (path, local) = locate(row)
                throw CommandError("\(path): \(GaussianMixtureError.nonFiniteInput(row: local, column: column, isNaN: isNaN))")
            case .valueTooLarge(let row, let column, let value):
                let (path, local) = locate(row)
                throw CommandError("\(path): \(GaussianMixtureError.valueTooLarge(row: local, column: column, value: value))")
            case .invalidValue(let row, let column, let value, let requirement):
                let (path, local) = locate(row)
                throw CommandError("\(path): \(GaussianMixtureError.invalidValue(row: local, column: column, value: value, requirement: requirement))")
            default:
                return try naming(label, { throw e })
            }
        }
    }
}
