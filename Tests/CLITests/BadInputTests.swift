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
        var links: [String: String] = [:]     // symbolic links to make: name → target
        var hardLinks: [String: String] = [:]  // hard links to make: name → existing file
        var directories: [String] = []
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
             message: "gmm: error: x2.csv: X has 2 features, but GaussianMixture is expecting 3 features as input. (model m.json)"),
        Case(name: "unwritable output", files: [:], copies: ["f8_4x3.npy"],
             arguments: ["fit", "f8_4x3.npy", "-k", "1", "-o", "no/such/dir/out.json"],
             message: "gmm: error: no/such/dir/out.json: cannot write: No such file or directory"),
        Case(name: "bad model", files: ["m.json": "{\"covariance_type\": \"full\", \"weights\": [1]}", "x.csv": "1\n2\n"], copies: [],
             arguments: ["predict", "m.json", "x.csv", "-o", "out.npy"],
             message: "gmm: error: m.json: invalid model: missing 'means'"),
        Case(name: "collapsed component", files: ["two.csv": "1,1\n1,1\n1,1\n2,3\n2,3\n"], copies: [],
             arguments: ["fit", "two.csv", "-k", "2", "--reg-covar", "0", "-o", "out.json"],
             message: "gmm: error: Fitting the mixture model failed because some components have ill-defined empirical covariance"),
        Case(name: "one sample", files: ["one.csv": "1,2\n"], copies: [], arguments: ["fit", "one.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: one.csv: Found array with 1 sample(s) (shape=(1, 2)) while a minimum of 2 is required by GaussianMixture."),
        Case(name: "K < 1", files: ["x.csv": "1,2\n3,4\n"], copies: [], arguments: ["fit", "x.csv", "-k", "0", "-o", "out.json"],
             message: "gmm: error: -k: The 'n_components' parameter of GaussianMixture must be an int in the range [1, inf). Got 0 instead."),
        Case(name: "no features", files: [:], copies: ["zero_columns.npy"], arguments: ["fit", "zero_columns.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: zero_columns.npy: Found array with 0 feature(s) (shape=(5, 0)) while a minimum of 1 is required by GaussianMixture."),
        Case(name: "identical rows", files: ["same.csv": "1,1\n1,1\n1,1\n"], copies: [],
             arguments: ["fit", "same.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: same.csv: All 3 samples of X are the same point; a Gaussian mixture needs samples that differ."),
        Case(name: "value too large", files: ["big.csv": "1,2\n3,1e300\n5,6\n"], copies: [],
             arguments: ["fit", "big.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: big.csv: Input X contains 1e+300 at row 1, column 1, beyond ±1e+140: squared distances would overflow double precision. Rescale the data."),
        Case(name: "value too large to predict", files: ["m.json": threeFeatureModel, "big3.csv": "1,2,3\n-1e200,0,0\n"], copies: [],
             arguments: ["predict", "m.json", "big3.csv", "-o", "out.npy"],
             message: "gmm: error: big3.csv: Input X contains -1e+200 at row 1, column 0, beyond ±1e+140"),
        Case(name: "spread too small", files: ["tiny.csv": "1e-300,2e-300\n3e-300,1e-300\n0,0\n"], copies: [],
             arguments: ["fit", "tiny.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: tiny.csv: The features of X vary by at most 3e-300, below 1e-140: squared differences would underflow double precision. Rescale the data."),
        Case(name: "negative weight", files: ["x.csv": "1,2\n3,4\n5,7\n", "w.csv": "1\n-1\n1\n"], copies: [],
             arguments: ["fit", "x.csv", "-k", "1", "--sample-weights", "w.csv", "-o", "out.json"],
             message: "gmm: error: w.csv: the weight at row 1 is -1.0; weights must be finite and non-negative"),
        Case(name: "non-finite weight", files: ["x.csv": "1,2\n3,4\n5,7\n"], copies: ["inf_weights.npy"],
             arguments: ["fit", "x.csv", "-k", "1", "--sample-weights", "inf_weights.npy", "-o", "out.json"],
             message: "gmm: error: inf_weights.npy: the weight at row 2 is inf; weights must be finite and non-negative"),
        Case(name: "all-zero weights", files: ["x.csv": "1,2\n3,4\n5,7\n", "w.csv": "0\n0\n0\n"], copies: [],
             arguments: ["fit", "x.csv", "-k", "1", "--sample-weights", "w.csv", "-o", "out.json"],
             message: "gmm: error: w.csv: every sample weight is zero"),
        Case(name: "weights of the wrong length", files: ["x.csv": "1,2\n3,4\n5,7\n", "w.csv": "1\n2\n"], copies: [],
             arguments: ["fit", "x.csv", "-k", "1", "--sample-weights", "w.csv", "-o", "out.json"],
             message: "gmm: error: w.csv: 2 sample weights for 3 data rows"),
        Case(name: "model weights not normalized", files: ["m.json": Self.model(weights: "[0.5, 0.4]"), "x.csv": "1\n2\n"], copies: [],
             arguments: ["predict", "m.json", "x.csv", "-o", "out.npy"],
             message: "gmm: error: m.json: invalid model: The parameter 'weights' should be normalized, but got sum(weights) = 0.90000 (0.9)."),
        Case(name: "model covariance not positive definite", files: ["m.json": Self.model(covariances: "[[[1, 2], [2, 1]], [[1, 0], [0, 1]]]", d: 2), "x.csv": "1,2\n2,3\n"], copies: [],
             arguments: ["predict", "m.json", "x.csv", "-o", "out.npy"],
             message: "gmm: error: m.json: invalid model: 'full covariance' should be symmetric, positive-definite (component 0)."),
        Case(name: "model covariance not symmetric", files: ["m.json": Self.model(covariances: "[[[1, 0], [0, 1]], [[1, 0.5], [0, 1]]]", d: 2), "x.csv": "1,2\n2,3\n"], copies: [],
             arguments: ["predict", "m.json", "x.csv", "-o", "out.npy"],
             message: "gmm: error: m.json: invalid model: 'full covariance' should be symmetric, positive-definite (component 1 is not symmetric: [0][1] = 0.5, [1][0] = 0.0)."),
        Case(name: "model shape mismatch", files: ["m.json": Self.model(covariances: "[[[1, 0], [0, 1]]]", d: 2), "x.csv": "1,2\n2,3\n"], copies: [],
             arguments: ["predict", "m.json", "x.csv", "-o", "out.npy"],
             message: "gmm: error: m.json: invalid model: The parameter 'full covariance' should have the shape of (2, 2, 2), but got (1, 2, 2)"),
        Case(name: "model with a non-finite value", files: ["m.json": Self.model(weights: "[0.5, null]"), "x.csv": "1\n2\n"], copies: [],
             arguments: ["predict", "m.json", "x.csv", "-o", "out.npy"],
             message: "gmm: error: m.json: invalid model: 'weights' must hold finite numbers only"),
        Case(name: "bad checkpoint", files: ["c.json": "{}", "x.csv": "1\n2\n3\n"], copies: [],
             arguments: ["fit", "x.csv", "-k", "1", "-o", "out.json", "--resume", "c.json"],
             message: "gmm: error: c.json: invalid checkpoint: 'format' must be 'swift-gmm-checkpoint/1'"),
        Case(name: "checkpoint every 0", files: ["x.csv": "1\n2\n3\n"], copies: [],
             arguments: ["fit", "x.csv", "-k", "1", "-o", "out.json", "--checkpoint", "c.json", "--checkpoint-every", "0"],
             message: "gmm: error: --checkpoint-every: The value must be an int in the range [1, inf). Got 0 instead."),
    ] + numericOptionCases + scikitLearnTextCases + pathCases

    /// An output that is an input, or another output (through links too); paths that are not
    /// regular files. Nothing is read or written: one line, exit 1, every file untouched.
    static let pathCases: [Case] = {
        let x = ["x.csv": "1,2\n3,4\n5,7\n6,1\n"], m = ["m.json": model(covariances: "[[[1, 0], [0, 1]], [[1, 0], [0, 1]]]", d: 2)]
        let same = "an output must not overwrite an input"
        func c(_ name: String, _ files: [String: String], _ args: [String], _ message: String, links: [String: String] = [:],
               hard: [String: String] = [:], dirs: [String] = []) -> Case {
            Case(name: name, files: files, copies: [], arguments: args, message: "gmm: error: " + message, links: links, hardLinks: hard, directories: dirs)
        }
        return [
            c("fit -o over the data", x, ["fit", "x.csv", "-k", "2", "-o", "x.csv"], "-o names the same file as the data argument (x.csv): \(same)"),
            c("generate -o and --labels", [:], ["generate", "-n", "100", "-d", "2", "-k", "2", "--seed", "1", "-o", "x.npy", "--labels", "x.npy"],
              "-o and --labels name the same file (x.npy): each output needs its own file"),
            c("generate --model and -o", [:], ["generate", "-n", "10", "-d", "2", "-k", "2", "-o", "g.csv", "--model", "./g.csv"],
              "-o and --model name the same file (./g.csv)"),
            c("fit through a symbolic link", x, ["fit", "x.csv", "-k", "2", "-o", "link.csv"], "-o names the same file as the data argument (link.csv)",
              links: ["link.csv": "x.csv"]),
            c("fit through a hard link", x, ["fit", "x.csv", "-k", "2", "-o", "hard.csv"], "-o names the same file as the data argument (hard.csv)",
              hard: ["hard.csv": "x.csv"]),
            c("fit --labels over the weights", x.merging(["w.csv": "1\n1\n1\n1\n"]) { a, _ in a },
              ["fit", "x.csv", "-k", "1", "--sample-weights", "w.csv", "-o", "m.json", "--labels", "w.csv"],
              "--labels names the same file as --sample-weights (w.csv)"),
            c("fit --checkpoint over the data", x, ["fit", "x.csv", "-k", "1", "-o", "m.json", "--checkpoint", "x.csv"],
              "--checkpoint names the same file as the data argument (x.csv)"),
            c("fit -o over the start", x.merging(m) { a, _ in a }, ["fit", "x.csv", "--warm-start", "m.json", "-o", "m.json"],
              "-o names the same file as --warm-start (m.json)"),
            c("fit's default checkpoint over the data", x.merging(["x.checkpoint.json": "{}"]) { a, _ in a },
              ["fit", "x.checkpoint.json", "-k", "1", "-o", "x.json"], "the default checkpoint names the same file as the data argument (x.checkpoint.json)"),
            c("predict -o over the model", x.merging(m) { a, _ in a }, ["predict", "m.json", "x.csv", "-o", "m.json"],
              "-o names the same file as the model argument (m.json)"),
            c("predict --proba and -o", x.merging(m) { a, _ in a }, ["predict", "m.json", "x.csv", "-o", "p.csv", "--proba", "p.csv"],
              "-o and --proba name the same file (p.csv)"),
            c("score --per-sample over the data", x.merging(m) { a, _ in a }, ["score", "m.json", "x.csv", "--per-sample", "x.csv"],
              "--per-sample names the same file as the data argument (x.csv)"),
            c("sample -o over the model", m, ["sample", "m.json", "-n", "5", "-o", "m.json"], "-o names the same file as the model argument (m.json)"),
            c("sample --labels and -o", m, ["sample", "m.json", "-n", "5", "-o", "s.npy", "--labels", "s.npy"], "-o and --labels name the same file (s.npy)"),
            c("select -o over the data", x, ["select", "x.csv", "-k", "1", "-o", "x.csv"], "-o names the same file as the data argument (x.csv)"),
            c("plot -o over the model", x.merging(m) { a, _ in a }, ["plot", "m.json", "x.csv", "-o", "m.json"], "-o names the same file as the model argument (m.json)"),
            c("data is a directory", [:], ["fit", "d", "-k", "2", "-o", "m.json"], "d: cannot read: is a directory", dirs: ["d"]),
            c("data is a device", [:], ["fit", "/dev/zero", "-k", "2", "-o", "m.json"], "/dev/zero: cannot read: is not a regular file (a device)"),
            c("data is /dev/null", [:], ["fit", "/dev/null", "-k", "2", "-o", "m.json"], "/dev/null: cannot read: is not a regular file (a device)"),
            c("model is a directory", x, ["predict", "d", "x.csv", "-o", "l.npy"], "d: cannot read: is a directory", dirs: ["d"]),
            c("output is a directory", x, ["fit", "x.csv", "-k", "1", "-o", "d"], "d: cannot write: is a directory", dirs: ["d"]),
            c("output is a device", x, ["fit", "x.csv", "-k", "1", "-o", "/dev/null"], "/dev/null: cannot write: is not a regular file (a device)"),
            c("weights are a directory", x, ["fit", "x.csv", "-k", "1", "--sample-weights", "d", "-o", "m.json"], "d: cannot read: is a directory",
              dirs: ["d"]),
            c("threads beyond the cap", x, ["fit", "x.csv", "-k", "1", "--threads", "100000", "-o", "m.json"],
              "--threads: The value must be an int in the range [1, 256]. Got 100000 instead."),
        ]
    }()

    /// Every numeric option: a negative, zero or non-numeric value is one line in
    /// scikit-learn's parameter wording, exit code 1 (not ArgumentParser's usage text, 64).
    static let numericOptionCases: [Case] = {
        let fit = ["fit", "x.csv", "-o", "out.json"], select = ["select", "x.csv", "-k", "1", "-o", "out.json"]
        let rows: [([String], String)] = [
            (fit + ["-k", "-1"], "-k: The 'n_components' parameter of GaussianMixture must be an int in the range [1, inf). Got -1 instead."),
            (fit + ["-k", "two"], "-k: The 'n_components' parameter of GaussianMixture must be an int in the range [1, inf). Got 'two' instead."),
            (fit + ["-k", "1", "--tol", "-1"], "--tol: The 'tol' parameter of GaussianMixture must be a float in the range [0.0, inf). Got -1 instead."),
            (fit + ["-k", "1", "--tol", "abc"], "--tol: The 'tol' parameter of GaussianMixture must be a float in the range [0.0, inf). Got 'abc' instead."),
            (fit + ["-k", "1", "--tol", "nan"], "--tol: The 'tol' parameter of GaussianMixture must be a float in the range [0.0, inf). Got nan instead."),
            (fit + ["-k", "1", "--reg-covar", "-1"], "--reg-covar: The 'reg_covar' parameter of GaussianMixture must be a float in the range [0.0, inf). Got -1 instead."),
            (fit + ["-k", "1", "--max-iter", "-1"], "--max-iter: The 'max_iter' parameter of GaussianMixture must be an int in the range [0, inf). Got -1 instead."),
            (fit + ["-k", "1", "--n-init", "0"], "--n-init: The 'n_init' parameter of GaussianMixture must be an int in the range [1, inf). Got 0 instead."),
            (fit + ["-k", "1", "--seed", "-1"], "--seed: The 'random_state' parameter of GaussianMixture must be an int in the range [0, 18446744073709551615]. Got -1 instead."),
            (fit + ["-k", "1", "--threads", "-2"], "--threads: The value must be an int in the range [1, 256]. Got -2 instead."),
            (fit + ["-k", "1", "--checkpoint", "c.json", "--checkpoint-every", "-3"], "--checkpoint-every: The value must be an int in the range [1, inf). Got -3 instead."),
            (select + ["--tol", "-1e-3"], "--tol: The 'tol' parameter of GaussianMixture must be a float in the range [0.0, inf). Got -1e-3 instead."),
            (select + ["--max-iter", "-5"], "--max-iter: The 'max_iter' parameter of GaussianMixture must be an int in the range [0, inf). Got -5 instead."),
            (select + ["--n-init", "-1"], "--n-init: The 'n_init' parameter of GaussianMixture must be an int in the range [1, inf). Got -1 instead."),
            (select + ["--reg-covar", "-0.5"], "--reg-covar: The 'reg_covar' parameter of GaussianMixture must be a float in the range [0.0, inf). Got -0.5 instead."),
            (fit + ["-k", "1", "--truncate", "1"], "--truncate: The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0). Got 1 instead."),
            (fit + ["-k", "1", "--truncate", "0"], "--truncate: The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0). Got 0 instead."),
            (fit + ["-k", "1", "--truncate", "nan"], "--truncate: The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0). Got nan instead."),
            (fit + ["-k", "1", "--truncate", "1e-400"], "--truncate: The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0). Got 1e-400 instead."),
            (select + ["--truncate", "-1e-8"], "--truncate: The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0). Got -1e-8 instead."),
            (select + ["--truncate", "tiny"], "--truncate: The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0). Got 'tiny' instead."),
            (["fit", "x.csv", "-k", "1", "--family", "poisson", "--truncate", "1e-8", "-o", "out.json"],
             "--truncate: applies to Gaussian mixtures (this fit is --family poisson)"),
            (select + ["--seed", "x"], "--seed: The 'random_state' parameter of GaussianMixture must be an int in the range [0, 18446744073709551615]. Got 'x' instead."),
            (["predict", "m.json", "x1.csv", "-o", "out.npy", "--threads", "0"], "--threads: The value must be an int in the range [1, 256]. Got 0 instead."),
            (["score", "m.json", "x1.csv", "--threads", "-1"], "--threads: The value must be an int in the range [1, 256]. Got -1 instead."),
            (["sample", "m.json", "-n", "0", "-o", "out.npy"], "-n: Invalid value for 'n_samples': 0 . The sampling requires at least one sample."),
            (["sample", "m.json", "-n", "-3", "-o", "out.npy"], "-n: Invalid value for 'n_samples': -3 . The sampling requires at least one sample."),
            (["sample", "m.json", "-n", "5", "--seed", "-1", "-o", "out.npy"], "--seed: The 'random_state' parameter of GaussianMixture must be an int in the range [0, 18446744073709551615]. Got -1 instead."),
            (["generate", "-n", "0", "-d", "2", "-k", "1", "-o", "out.npy"], "-n: The value must be an int in the range [1, inf). Got 0 instead."),
            (["generate", "-n", "10", "-d", "-2", "-k", "1", "-o", "out.npy"], "-d: The value must be an int in the range [1, inf). Got -2 instead."),
            (["generate", "-n", "10", "-d", "2", "-k", "1", "--spread", "-1", "-o", "out.npy"], "--spread: The value must be a float in the range [0.0, inf). Got -1 instead."),
            (["plot", "m.json", "x1.csv", "-o", "out.svg", "--points", "-1"], "--points: The value must be an int in the range [1, inf). Got -1 instead."),
            (["demo", "--points", "-1"], "--points: The value must be an int in the range [1, inf). Got -1 instead."),
        ]
        let files = ["x.csv": "1,2\n3,4\n5,7\n", "x1.csv": "1\n2\n", "m.json": model()]
        return rows.map { Case(name: $0.0.joined(separator: " "), files: files, copies: [], arguments: $0.0, message: "gmm: error: " + $0.1) }
    }()

    /// Faults scikit-learn has a message for: its text, then where.
    static let scikitLearnTextCases: [Case] = [
        Case(name: "no samples to fit", files: [:], copies: ["zero_rows.npy"], arguments: ["fit", "zero_rows.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: zero_rows.npy: Found array with 0 sample(s) (shape=(0, 3)) while a minimum of 2 is required by GaussianMixture."),
        Case(name: "no samples to predict", files: ["m.json": threeFeatureModel], copies: ["zero_rows.npy"],
             arguments: ["predict", "m.json", "zero_rows.npy", "-o", "out.npy"],
             message: "gmm: error: zero_rows.npy: Found array with 0 sample(s) (shape=(0, 3)) while a minimum of 1 is required by GaussianMixture."),
        Case(name: "no features to score", files: ["m.json": threeFeatureModel], copies: ["zero_columns.npy"],
             arguments: ["score", "m.json", "zero_columns.npy"],
             message: "gmm: error: zero_columns.npy: Found array with 0 feature(s) (shape=(5, 0)) while a minimum of 1 is required by GaussianMixture."),
        Case(name: "wrong features to score", files: ["m.json": threeFeatureModel, "x1.csv": "1\n2\n"], copies: [],
             arguments: ["score", "m.json", "x1.csv"],
             message: "gmm: error: x1.csv: X has 1 features, but GaussianMixture is expecting 3 features as input. (model m.json)"),
        Case(name: "complex npy", files: [:], copies: ["complex.npy"], arguments: ["fit", "complex.npy", "-k", "1", "-o", "out.json"],
             message: "gmm: error: complex.npy: Complex data not supported (dtype '<c16')"),
        Case(name: "complex csv", files: ["c.csv": "1,2\n(1+2j),3\n"], copies: [], arguments: ["fit", "c.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: c.csv: Complex data not supported (line 2, column 1: '(1+2j)')"),
        Case(name: "init weights (2, 1)", files: ["x.csv": "1\n2\n3\n", "w.json": "{\"weights\": [[0.5], [0.5]]}"], copies: [],
             arguments: ["fit", "x.csv", "-k", "2", "--init-model", "w.json", "-o", "out.json"],
             message: "gmm: error: w.json: invalid model: The parameter 'weights' should have the shape of (2,), but got (2, 1)"),
        Case(name: "init weights for 3 components", files: ["x.csv": "1\n2\n3\n", "w.json": "{\"weights\": [0.2, 0.3, 0.5]}"], copies: [],
             arguments: ["fit", "x.csv", "-k", "2", "--init-model", "w.json", "-o", "out.json"],
             message: "gmm: error: w.json: invalid model: The parameter 'weights' should have the shape of (2,), but got (3,)"),
        Case(name: "init means (2, 3)", files: ["x.csv": "1\n2\n3\n", "m.json": "{\"means\": [[0, 1, 2], [3, 4, 5]]}"], copies: [],
             arguments: ["fit", "x.csv", "-k", "2", "--init-model", "m.json", "-o", "out.json"],
             message: "gmm: error: m.json: invalid model: The parameter 'means' should have the shape of (2, 1), but got (2, 3)"),
        Case(name: "init precisions shape", files: ["x.csv": "1\n2\n3\n", "p.json": "{\"precisions\": [1, 1]}"], copies: [],
             arguments: ["fit", "x.csv", "-k", "2", "--covariance", "diag", "--init-model", "p.json", "-o", "out.json"],
             message: "gmm: error: p.json: invalid model: The parameter 'diag precision' should have the shape of (2, 1), but got (2,)"),
        Case(name: "init precisions not positive", files: ["x.csv": "1\n2\n3\n", "p.json": "{\"precisions\": [[1], [0]]}"], copies: [],
             arguments: ["fit", "x.csv", "-k", "2", "--covariance", "diag", "--init-model", "p.json", "-o", "out.json"],
             message: "gmm: error: p.json: invalid model: 'diag precision' should be positive (component 1)."),
        Case(name: "init covariance type differs", files: ["x.csv": "1\n2\n3\n", "p.json": "{\"covariance_type\": \"full\", \"means\": [[0], [1]]}"], copies: [],
             arguments: ["fit", "x.csv", "-k", "2", "--covariance", "diag", "--init-model", "p.json", "-o", "out.json"],
             message: "gmm: error: p.json: invalid model: 'covariance_type' is 'full', but the fit asks for --covariance diag"),
        Case(name: "warm start and init model", files: ["x.csv": "1\n2\n3\n", "m.json": model()], copies: [],
             arguments: ["fit", "x.csv", "--warm-start", "m.json", "--init-model", "m.json", "-o", "out.json"],
             message: "gmm: error: --warm-start and --init-model: give one"),
        Case(name: "warm start of another size", files: ["x.csv": "1\n2\n3\n", "m.json": model()], copies: [],
             arguments: ["fit", "x.csv", "-k", "3", "--warm-start", "m.json", "-o", "out.json"],
             message: "gmm: error: m.json: the model has 2 'diag' components, but the fit asks for -k 3 --covariance diag"),
        Case(name: "no component count", files: ["x.csv": "1\n2\n3\n"], copies: [], arguments: ["fit", "x.csv", "-o", "out.json"],
             message: "gmm: error: -k: the number of components is required"),
        Case(name: "select negative K", files: ["x.csv": "1\n2\n3\n"], copies: [], arguments: ["select", "x.csv", "-k", "-2", "-o", "out.json"],
             message: "gmm: error: -k: The 'n_components' parameter of GaussianMixture must be an int in the range [1, inf). Got -2 instead."),
        Case(name: "select K range from 0", files: ["x.csv": "1\n2\n3\n"], copies: [], arguments: ["select", "x.csv", "-k", "0...3", "-o", "out.json"],
             message: "gmm: error: -k: The 'n_components' parameter of GaussianMixture must be an int in the range [1, inf). Got 0 instead."),
        Case(name: "two covariance forms", files: ["x.csv": "1\n2\n3\n", "p.json": "{\"covariances\": [1, 1], \"precisions\": [1, 1]}"], copies: [],
             arguments: ["fit", "x.csv", "-k", "2", "--covariance", "spherical", "--init-model", "p.json", "-o", "out.json"],
             message: "gmm: error: p.json: invalid model: give one of 'covariances' and 'precisions'"),
        Case(name: "checkpoint-every without checkpoint", files: ["x.csv": "1\n2\n3\n"], copies: [],
             arguments: ["fit", "x.csv", "-k", "1", "--checkpoint-every", "5", "-o", "out.json"],
             message: "gmm: error: --checkpoint-every: needs --checkpoint FILE"),
        Case(name: "header only", files: ["h.csv": "a,b\n"], copies: [], arguments: ["fit", "h.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: h.csv: no data rows (only a header line)"),
        Case(name: "complex first row", files: ["c.csv": "1+2j,2\n1,2\n3,4\n"], copies: [], arguments: ["fit", "c.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: c.csv: Complex data not supported (line 1, column 1: '1+2j')"),
        Case(name: "first row with an empty cell", files: ["e.csv": "1,\n1,2\n3,4\n"], copies: [], arguments: ["fit", "e.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: e.csv: line 1, column 2: '' is not a number"),
        Case(name: "hexadecimal cell", files: ["x.csv": "1,2\n0x10,2\n3,4\n"], copies: [], arguments: ["fit", "x.csv", "-k", "1", "-o", "out.json"],
             message: "gmm: error: x.csv: line 2, column 1: '0x10' is not a number"),
        Case(name: "hexadecimal option", files: ["x.csv": "1\n2\n3\n"], copies: [], arguments: ["fit", "x.csv", "-k", "1", "--tol", "0x10", "-o", "out.json"],
             message: "gmm: error: --tol: The 'tol' parameter of GaussianMixture must be a float in the range [0.0, inf). Got '0x10' instead."),
        Case(name: "select K beyond the samples", files: ["x.csv": "1\n2\n3\n"], copies: [], arguments: ["select", "x.csv", "-k", "1...100000", "-o", "out.json"],
             message: "gmm: error: -k: the range '1...100000' holds more than 10000 component counts"),
        Case(name: "select K > N", files: ["x.csv": "1\n2\n3\n"], copies: [], arguments: ["select", "x.csv", "-k", "1...5", "-o", "out.json"],
             message: "gmm: error: x.csv: Expected n_samples >= n_components but got n_components = 4, n_samples = 3"),
        Case(name: "start file with a negative component count", files: ["x.csv": "1,2\n3,4\n5,7\n", "t.json": "{\"n_components\": -3, \"precisions\": [[1, 0], [0, 1]]}"],
             copies: [], arguments: ["fit", "x.csv", "--covariance", "tied", "--init-model", "t.json", "-o", "out.json"],
             message: "gmm: error: t.json: invalid model: 'n_components' must be a positive integer"),
        Case(name: "start file with a huge component count", files: ["x.csv": "1,2\n3,4\n5,7\n", "t.json": "{\"n_components\": 4000000000000000, \"precisions\": [[1, 0], [0, 1]]}"],
             copies: [], arguments: ["fit", "x.csv", "--covariance", "tied", "--init-model", "t.json", "-o", "out.json"],
             message: "gmm: error: x.csv: Expected n_samples >= n_components but got n_components = 4000000000000000, n_samples = 3"),
        Case(name: "start means beyond 1e140", files: ["x.csv": "1\n2\n3\n", "m.json": "{\"means\": [[0], [1e200]]}"], copies: [],
             arguments: ["fit", "x.csv", "-k", "2", "--init-model", "m.json", "-o", "out.json"],
             message: "gmm: error: m.json: invalid model: The parameter 'means' contains 1e+200 (means[1][0]), beyond ±1e+140"),
        // Values a discrete family cannot model (issue 15): row and column named, no output.
        Case(name: "bernoulli value above 1", files: ["b.csv": "0,1\n1,1\n0,1.5\n"], copies: [],
             arguments: ["fit", "b.csv", "--family", "bernoulli", "-k", "1", "-o", "out.json"],
             message: "gmm: error: b.csv: Input X contains 1.5 at row 2, column 1: Bernoulli data must lie in [0, 1]."),
        Case(name: "bernoulli negative value", files: ["b.csv": "0,1\n-1,1\n"], copies: [],
             arguments: ["fit", "b.csv", "--family", "bernoulli", "-k", "1", "-o", "out.json"],
             message: "gmm: error: b.csv: Input X contains -1.0 at row 1, column 0: Bernoulli data must lie in [0, 1]."),
        Case(name: "poisson negative count", files: ["p.csv": "0,1\n3,-2\n"], copies: [],
             arguments: ["fit", "p.csv", "--family", "poisson", "-k", "1", "-o", "out.json"],
             message: "gmm: error: p.csv: Input X contains -2.0 at row 1, column 1: Poisson data must be non-negative integer counts (at most 2^53)."),
        Case(name: "poisson fractional count", files: ["p.csv": "0,1\n3,2.5\n"], copies: [],
             arguments: ["fit", "p.csv", "--family", "poisson", "-k", "1", "-o", "out.json"],
             message: "gmm: error: p.csv: Input X contains 2.5 at row 1, column 1: Poisson data must be non-negative integer counts (at most 2^53)."),
        Case(name: "categorical negative code", files: ["c.csv": "0,1\n-1,1\n"], copies: [],
             arguments: ["fit", "c.csv", "--family", "categorical", "-k", "1", "-o", "out.json"],
             message: "gmm: error: c.csv: Input X contains -1.0 at row 1, column 0: categorical codes must be non-negative integers."),
        Case(name: "categorical fractional code", files: ["c.csv": "0,1\n0.5,1\n"], copies: [],
             arguments: ["fit", "c.csv", "--family", "categorical", "-k", "1", "-o", "out.json"],
             message: "gmm: error: c.csv: Input X contains 0.5 at row 1, column 0: categorical codes must be non-negative integers."),
        Case(name: "categorical code beyond its categories", files: ["c.csv": "0,1\n1,2\n"], copies: [],
             arguments: ["fit", "c.csv", "--family", "categorical", "--categories", "2,2", "-k", "1", "-o", "out.json"],
             message: "gmm: error: c.csv: Input X contains 2.0 at row 1, column 1: categorical codes of feature 1 must be integers in [0, 1] (2 categories)."),
        Case(name: "discrete NaN", files: [:], copies: ["nan.npy"], arguments: ["fit", "nan.npy", "--family", "poisson", "-k", "1", "-o", "out.json"],
             message: "gmm: error: nan.npy: Input X contains NaN at row 2, column 0."),
        Case(name: "categories of the wrong length", files: ["c.csv": "0,1\n1,0\n"], copies: [],
             arguments: ["fit", "c.csv", "--family", "categorical", "--categories", "2", "-k", "1", "-o", "out.json"],
             message: "gmm: error: --categories: 1 category counts were given for the 2 features of c.csv"),
        Case(name: "unknown family", files: ["c.csv": "0,1\n1,0\n"], copies: [],
             arguments: ["fit", "c.csv", "--family", "gamma", "-k", "1", "-o", "out.json"],
             message: "gmm: error: --family: 'gamma' is not one of gaussian, bernoulli, categorical, poisson"),
        Case(name: "covariance for a discrete family", files: ["c.csv": "0,1\n1,0\n"], copies: [],
             arguments: ["fit", "c.csv", "--family", "bernoulli", "--covariance", "diag", "-k", "1", "-o", "out.json"],
             message: "gmm: error: --covariance: applies to Gaussian mixtures (this fit is --family bernoulli)"),
        Case(name: "negative pseudo-count", files: ["c.csv": "0,1\n1,0\n"], copies: [],
             arguments: ["fit", "c.csv", "--family", "bernoulli", "--pseudo-count", "-1", "-k", "1", "-o", "out.json"],
             message: "gmm: error: --pseudo-count: The 'pseudo_count' parameter"),
        Case(name: "code beyond a fitted model's categories", files: ["m.json": """
             {"format": "swift-gmm/1", "family": "categorical", "weights": [1], "categories": [2], "probabilities": [[[0.5, 0.5]]]}
             """, "c.csv": "0\n2\n"], copies: [],
             arguments: ["predict", "m.json", "c.csv", "-o", "labels.npy"],
             message: "gmm: error: c.csv: Input X contains 2.0 at row 1, column 0: categorical codes of feature 0 must be integers in [0, 1] (2 categories)."),
        Case(name: "bernoulli value beyond [0, 1] at scoring", files: ["m.json": """
             {"format": "swift-gmm/1", "family": "bernoulli", "weights": [1], "means": [[0.5]]}
             """, "b.csv": "0\n3\n"], copies: [],
             arguments: ["score", "m.json", "b.csv"],
             message: "gmm: error: b.csv: Input X contains 3.0 at row 1, column 0: Bernoulli data must lie in [0, 1]."),
    ]

    /// A two-component model file; `d` = 1 (diag) unless covariances are given for `d` = 2 (full).
    static func model(weights: String = "[0.5, 0.5]", covariances: String? = nil, d: Int = 1) -> String {
        let means = d == 1 ? "[[0], [1]]" : "[[0, 0], [1, 1]]"
        return "{\"covariance_type\": \"\(covariances == nil ? "diag" : "full")\", \"weights\": \(weights), \"means\": \(means), \"covariances\": \(covariances ?? "[[1], [1]]")}"
    }

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
        for (link, target) in c.links { try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(link).path, withDestinationPath: target) }
        for (link, target) in c.hardLinks { try FileManager.default.linkItem(at: dir.appendingPathComponent(target), to: dir.appendingPathComponent(link)) }
        for name in c.directories { try FileManager.default.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true) }
        let before = try listing(dir)
        let contents = try Self.contents(dir)
        let r = try GMMBinary.run(c.arguments, in: dir)
        #expect(r.status == 1, "exit code")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "one line on stderr, got: \(r.stderr)")
        #expect(r.stderr.hasPrefix(c.message) || r.stderr.contains(c.message), "stderr: \(r.stderr)")
        #expect(try listing(dir) == before, "no output or temporary file left")
        #expect(try Self.contents(dir) == contents, "every file untouched")
    }

    /// Every regular file's bytes in `dir` (links followed).
    static func contents(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            var isDirectory: ObjCBool = false
            let url = dir.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[name] = try Data(contentsOf: url)
            }
        }
        return out
    }

    /// Usage mistakes (unknown option, missing argument): one line, exit code 1.
    @Test(arguments: [["fit", "x.csv", "-k", "1", "-o", "o.json", "--bogus"], ["fit", "x.csv", "-k", "1"], ["sample", "m.json", "-n", "3", "--threads", "2", "-o", "s.npy"]])
    func usageMistakesAreOneLine(_ arguments: [String]) throws {
        let dir = try scratchDirectory()
        try write("1\n2\n3\n", "x.csv", in: dir)
        try write(Self.model(), "m.json", in: dir)
        let before = try listing(dir)
        let r = try GMMBinary.run(arguments, in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("gmm: error: ") && r.stderr.hasSuffix("(see 'gmm help' and 'gmm help COMMAND')\n"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(try listing(dir) == before)
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
        case "zero_columns.npy":
            bytes = NPY.header(descr: "<f8", shape: [5, 0])
        case "zero_rows.npy":
            bytes = NPY.header(descr: "<f8", shape: [0, 3])
        case "complex.npy":
            bytes = NPY.header(descr: "<c16", shape: [2, 1]) + [UInt8](repeating: 0, count: 32)
        case "inf_weights.npy":
            bytes = NPY.header(descr: "<f8", shape: [3])
            for v in [1.0, 2, .infinity] { withUnsafeBytes(of: v) { bytes += $0 } }
        case "huge.npy":
            bytes = NPY.header(descr: "<f8", shape: [1_000_000_000_000_000, 3]) + [UInt8](repeating: 0, count: 96)
        default:
            fatalError("unknown fixture \(name)")
        }
        try Data(bytes).write(to: dir.appendingPathComponent(name))
    }
}

/// Requests the machine cannot meet, paths that are not files, and what stays allowed.
@Suite("gmm command line, resources and paths")
struct ResourceAndPathTests {
    /// A 2-row CSV with 200,000 columns, full covariance: the fit would need terabytes. One line
    /// names the size, the memory available and what to change; nothing is allocated.
    @Test func memoryBeyondTheMachineIsRefusedUpFront() throws {
        let dir = try scratchDirectory()
        let row = (0..<200_000).map { String(Double($0 % 7)) }.joined(separator: ",")
        try write(row + "\n" + row.replacingOccurrences(of: "1.0", with: "2.0") + "\n", "wide.csv", in: dir)
        let r = try GMMBinary.run(["fit", "wide.csv", "-k", "1", "-o", "m.json"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("gmm: error: wide.csv: A fit of 1 'full' components to 2 × 200000 data needs "), "\(r.stderr)")
        #expect(r.stderr.contains(" of memory, but ") && r.stderr.contains(" is available: use fewer components, 'diag' covariances"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(try listing(dir) == ["wide.csv"])
        // float32 data, many components: the same refusal.
        let X = Matrix(rows: 2000, columns: 2000, elements: (0..<4_000_000).map { Float($0 % 13) })
        try NPY.write(X, to: dir.appendingPathComponent("x32.npy").path)
        let big = try GMMBinary.run(["fit", "x32.npy", "-k", "2000", "-o", "m.json"], in: dir)
        #expect(big.status == 1 && big.stderr.contains("needs ") && big.stderr.contains("of memory, but"), "\(big.stderr)")
        // The library throws the typed error.
        let wide = Matrix(rows: 2, columns: 200_000, elements: (0..<400_000).map { Double($0 % 7) })
        #expect(throws: GaussianMixtureError.self) { try GaussianMixture(components: 1).fit(wide) }
        do { _ = try GaussianMixture(components: 1).fit(wide) } catch GaussianMixtureError.insufficientMemory(_, let required, let available, _) {
            #expect(required > available)
        }
    }

    /// --threads beyond 256 is refused in one line; OMP_NUM_THREADS beyond it is capped (libomp
    /// would abort when it cannot create the threads), and the fit runs.
    @Test func threadCountsAreCapped() throws {
        let dir = try scratchDirectory()
        try write("1,2\n3,4\n5,7\n6,1\n2,2\n", "x.csv", in: dir)
        let r = try GMMBinary.run(["fit", "x.csv", "-k", "1", "-o", "m.json", "-q"], in: dir, environment: ["OMP_NUM_THREADS": "100000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(NativeRuntime.threadCount(requested: 100_000) == Resources.maximumThreads)
        #expect(throws: GaussianMixtureError.self) { try GaussianMixture(components: 1, threads: 100_000).fit(blobs(n: 10, d: 1, k: 1, seed: 1)) }
    }

    /// A FIFO is not read (it would block); an output that is the input's name refused before
    /// anything is read; `--resume C --checkpoint C` continues a checkpoint in place.
    @Test func fifoAndCheckpointInPlace() throws {
        let dir = try scratchDirectory()
        #expect(mkfifo(dir.appendingPathComponent("pipe").path, 0o644) == 0)
        let r = try GMMBinary.run(["fit", "pipe", "-k", "1", "-o", "m.json"], in: dir)
        #expect(r.status == 1 && r.stderr == "gmm: error: pipe: cannot read: is not a regular file (a FIFO)\n", "\(r.stderr)")
        try NPY.write(blobs(n: 3000, d: 2, k: 3, seed: 2), to: dir.appendingPathComponent("x.npy").path)
        let first = try GMMBinary.run(["fit", "x.npy", "-k", "3", "--seed", "1", "--tol", "0", "--max-iter", "4", "-o", "a.json",
                                       "--checkpoint", "c.json", "--checkpoint-every", "2", "-q"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let again = try GMMBinary.run(["fit", "x.npy", "-k", "3", "--seed", "1", "--tol", "0", "--max-iter", "4", "-o", "b.json",
                                       "--checkpoint", "c.json", "--checkpoint-every", "2", "--resume", "c.json", "-q"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("a.json")) == Data(contentsOf: dir.appendingPathComponent("b.json")))
    }
}
