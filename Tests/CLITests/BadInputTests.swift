import Foundation
import GMM
import Testing

/// Each bad input: exit code 1, exactly one line on stderr naming the problem, and no output
/// file (nor temporary file) left behind.
@Suite("gmm command line, bad input")
struct BadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let files: [String: String]          // text files to create
        let copies: [String]                 // numpy fixtures to copy in
        let arguments: [String]
        let message: String                  // the stderr line must contain this
        var description: String { name }
    }

    static let threeFeatureModel = """
    {"covariance_type": "diag", "weights": [0.5, 0.5], "means": [[0, 0, 0], [1, 1, 1]], "covariances": [[1, 1, 1], [1, 1, 1]]}
    """

    static let cases: [Case] = [
        Case(name: "missing file", files: [:], copies: [], arguments: ["fit", "nope.npy", "-k", "2", "-o", "out.json"],
             message: "gmm: error: nope.npy: cannot read: No such file or directory"),
        Case(name: "empty csv", files: ["empty.csv": ""], copies: [], arguments: ["fit", "empty.csv", "-k", "2", "-o", "out.json"],
             message: "gmm: error: empty.csv: no data (the file is empty)"),
        Case(name: "empty npy", files: ["empty.npy": ""], copies: [], arguments: ["fit", "empty.npy", "-k", "2", "-o", "out.json"],
             message: "gmm: error: empty.npy: no data (the file is empty)"),
        Case(name: "ragged row", files: ["ragged.csv": "x,y,z\n1,2,3\n4,5,6\n7,8\n"], copies: [],
             arguments: ["fit", "ragged.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: ragged.csv: line 4 has 2 values, expected 3 (as on the first data line)"),
        Case(name: "non-numeric cell", files: ["bad.csv": "1,2\n3,abc\n5,6\n"], copies: [],
             arguments: ["fit", "bad.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: bad.csv: line 2, column 2: 'abc' is not a number"),
        Case(name: "NaN in csv", files: ["nan.csv": "1,2\n3,4\nnan,6\n"], copies: [],
             arguments: ["fit", "nan.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: nan.csv: line 3, column 1: 'nan' is not a finite number (NaN and infinity cannot be fitted)"),
        Case(name: "infinity in csv", files: ["inf.csv": "1,2\n3,-inf\n5,6\n"], copies: [],
             arguments: ["fit", "inf.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: inf.csv: line 2, column 2: '-inf' is not a finite number"),
        Case(name: "NaN in npy", files: [:], copies: ["nan.npy"], arguments: ["fit", "nan.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: nan.npy: Input X contains NaN at row 2, column 0."),
        Case(name: "truncated npy", files: [:], copies: ["truncated.npy"], arguments: ["fit", "truncated.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: truncated.npy: truncated .npy: the header promises 96 data bytes but the file holds 50"),
        Case(name: "huge npy header", files: [:], copies: ["huge.npy"], arguments: ["fit", "huge.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: huge.npy: truncated .npy: the header promises 24000000000000000 data bytes but the file holds 96"),
        Case(name: "unsupported dtype", files: [:], copies: ["i8_4x3.npy"], arguments: ["fit", "i8_4x3.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: i8_4x3.npy: unsupported .npy dtype '<i8' (supported: '<f8' float64 and '<f4' float32, little-endian)"),
        Case(name: "big-endian", files: [:], copies: ["f8_bigendian.npy"], arguments: ["fit", "f8_bigendian.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: f8_bigendian.npy: unsupported .npy dtype '>f8'"),
        Case(name: "Fortran order", files: [:], copies: ["f8_fortran.npy"], arguments: ["fit", "f8_fortran.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: f8_fortran.npy: .npy arrays in Fortran order are not supported (save np.ascontiguousarray(X))"),
        Case(name: "not an npy", files: ["fake.npy": "hello, world\n"], copies: [], arguments: ["fit", "fake.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: fake.npy: not a valid .npy file: missing the \\x93NUMPY magic string"),
        Case(name: "K > N", files: [:], copies: ["f8_4x3.npy"], arguments: ["fit", "f8_4x3.npy", "-k", "10", "-o", "out.json"],
             message: "gmm: error: f8_4x3.npy: Expected n_samples >= n_components but got n_components = 10, n_samples = 4"),
        Case(name: "dimension mismatch", files: ["m.json": threeFeatureModel, "x2.csv": "1,2\n3,4\n"], copies: [],
             arguments: ["predict", "m.json", "x2.csv", "-o", "out.npy"],
             message: "gmm: error: x2.csv: the data have 2 features, but the model m.json expects 3"),
        Case(name: "unwritable output", files: [:], copies: ["f8_4x3.npy"],
             arguments: ["fit", "f8_4x3.npy", "-k", "1", "-o", "no/such/dir/out.json"],
             message: "gmm: error: no/such/dir/out.json: cannot write: No such file or directory"),
        Case(name: "bad model", files: ["m.json": "{\"covariance_type\": \"full\", \"weights\": [1]}", "x.csv": "1\n2\n"], copies: [],
             arguments: ["predict", "m.json", "x.csv", "-o", "out.npy"],
             message: "gmm: error: m.json: invalid model: 'means' must be a list of 1 rows (one per weight)"),
        Case(name: "collapsed component", files: ["two.csv": "1,1\n1,1\n1,1\n2,3\n2,3\n"], copies: [],
             arguments: ["fit", "two.csv", "-k", "2", "--reg-covar", "0", "-o", "out.json"],
             message: "gmm: error: Fitting the mixture model failed because some components have ill-defined empirical covariance"),
    ]

    @Test(arguments: cases)
    func failsCleanly(_ c: Case) throws {
        let dir = try scratchDirectory()
        for (name, text) in c.files { try write(text, name, in: dir) }
        for name in c.copies {
            let source = fixtures.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: source.path) {
                try FileManager.default.copyItem(at: source, to: dir.appendingPathComponent(name))
            } else {
                try Self.make(name, in: dir)
            }
        }
        let before = try listing(dir)
        let r = try GMMBinary.run(c.arguments, in: dir)
        #expect(r.status == 1, "exit code")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "one line on stderr, got: \(r.stderr)")
        #expect(r.stderr.hasPrefix(c.message) || r.stderr.contains(c.message), "stderr: \(r.stderr)")
        #expect(try listing(dir) == before, "no output or temporary file left")
    }

    /// Hostile .npy files made on the fly.
    static func make(_ name: String, in dir: URL) throws {
        var bytes: [UInt8]
        switch name {
        case "nan.npy":
            bytes = NPY.header(descr: "<f8", shape: [3, 2])
            for v in [1.0, 2, 3, 4, .nan, 6] { withUnsafeBytes(of: v) { bytes += $0 } }
        case "truncated.npy":
            bytes = NPY.header(descr: "<f8", shape: [4, 3]) + [UInt8](repeating: 0, count: 50)
        case "huge.npy":
            bytes = NPY.header(descr: "<f8", shape: [1_000_000_000_000_000, 3]) + [UInt8](repeating: 0, count: 96)
        default:
            fatalError("unknown fixture \(name)")
        }
        try Data(bytes).write(to: dir.appendingPathComponent(name))
    }
}
