import Foundation
import GMM
import Testing

/// The command-line examples of scikit-learn's cases (see GMMTests/SklearnCaseTests.swift for
/// the library side): re-seeded starts, float32 at extreme scales, warm-start chains, partial
/// start files, float32 models and outputs, and model selection that sees the regularization.
@Suite("gmm command line, scikit-learn's cases")
struct SklearnCaseCLITests {
    let dir: URL

    init() throws { dir = try scratchDirectory() }

    @discardableResult
    func gmm(_ args: String..., status: Int32 = 0) throws -> CLIResult {
        let r = try GMMBinary.run(args, in: dir)
        #expect(r.status == status, "gmm \(args.joined(separator: " ")): \(r.stderr)")
        return r
    }

    func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name))) as? [String: Any] ?? [:]
    }

    func save<T: GMMScalar>(_ m: Matrix<T>, _ name: String) throws {
        try NPY.write(m, to: dir.appendingPathComponent(name).path)
    }

    /// `gmm fit X.npy -k 2 --reg-covar 0 --on-degenerate reseed --init random-from-data
    /// --seed 0` on 40 points from N(0, I₂): the one-hot start's rank-one covariances are
    /// re-seeded (iteration 0), a note says so, and the model is finite; under `fail` the
    /// scikit-learn error stays.
    @Test(arguments: ["random-from-data", "k-means++"])
    func reseedCoversTheStart(method: String) throws {
        var rng = SeededGenerator(seed: 0)
        try save(Matrix(rows: 40, columns: 2, elements: (0..<80).map { _ in rng.nextGaussian() }), "X.npy")
        let failed = try gmm("fit", "X.npy", "-k", "2", "--reg-covar", "0", "--init", method, "--seed", "0", "-o", "m.json", status: 1)
        #expect(failed.stderr == "gmm: error: \(GaussianMixtureError.illDefinedCovariance(component: 0))\n")
        let r = try gmm("fit", "X.npy", "-k", "2", "--reg-covar", "0", "--on-degenerate", "reseed", "--init", method, "--seed", "0", "-o", "m.json")
        #expect(r.stderr.contains("gmm: note: component 0 collapsed in the initial estimate (init 0); its covariance reset to the data's spread"))
        let model = try json("m.json")
        let reseeds = model["reseeds"] as? [[String: Any]] ?? []
        #expect(reseeds.first?["iter"] as? Int == 0 && reseeds.first?["row"] is NSNull)
        #expect((model["lower_bound"] as? Double)?.isFinite == true)
    }

    /// 150 N(0, 1) and 100 N(3, 0.5²) values × 1e-22 or 1e-23 as float32, `--reg-covar 0`:
    /// the float32 fit equals the float64 fit of the same values to 1e-4 (it was 3.5 % off at
    /// 1e-22 and failed with a false "collapsed" at 1e-23).
    @Test(arguments: [-23.0, -22.0, 30.0])
    func float32AtExtremeScales(exponent: Double) throws {
        var rng = SeededGenerator(seed: 3)
        let values = (0..<250).map { Float(($0 < 150 ? rng.nextGaussian() : 3 + 0.5 * rng.nextGaussian()) * pow(10, exponent)) }
        try save(Matrix(rows: 250, columns: 1, elements: values), "x32.npy")
        try save(Matrix(rows: 250, columns: 1, elements: values.map(Double.init)), "x64.npy")
        try gmm("fit", "x32.npy", "-k", "2", "--reg-covar", "0", "--seed", "0", "-o", "m32.json", "-q")
        try gmm("fit", "x64.npy", "-k", "2", "--reg-covar", "0", "--seed", "0", "-o", "m64.json", "-q")
        let a = try ModelFile.read(dir.appendingPathComponent("m32.json").path)
        let b = try ModelFile.read(dir.appendingPathComponent("m64.json").path)
        #expect(zip(a.covariances, b.covariances).allSatisfy { abs($0 - $1) <= 1e-4 * abs($1) }, "\(a.covariances) vs \(b.covariances)")
        #expect(zip(a.means.elements, b.means.elements).allSatisfy { abs($0 - $1) <= 1e-4 * pow(10, exponent) })
    }

    /// `fit --max-iter 1 --init-model start.json`, then `--warm-start` chained: converged at the
    /// third one-iteration fit with scikit-learn's lower bound, and the progress shows finite
    /// changes (the previous lower bound is the first "previous").
    @Test func warmStartChainConverges() throws {
        try save(Matrix([[0.0], [1], [2], [10], [11], [12]]), "X.npy")
        try write("{\"weights\": [0.5, 0.5], \"means\": [[1], [11]], \"precisions\": [[[1]], [[1]]]}", "start.json", in: dir)
        try gmm("fit", "X.npy", "-k", "2", "--init-model", "start.json", "--max-iter", "1", "-o", "m1.json", "-q")
        var converged: [Bool] = []
        for i in 2...4 {
            let r = try gmm("fit", "X.npy", "--warm-start", "m\(i - 1).json", "--max-iter", "1", "-o", "m\(i).json", "--json-progress")
            let progress = r.stderr.split(separator: "\n").first { $0.hasPrefix("{") }.map(String.init) ?? ""
            let change = (try JSONSerialization.jsonObject(with: Data(progress.utf8)) as? [String: Any])?["change"]
            #expect(change is Double, "change \(String(describing: change)) must be finite")
            let m = try json("m\(i).json")
            converged.append(m["converged"] as? Bool ?? false)
            #expect(m["n_iter"] as? Int == 1 && m["init"] as? String == "warm-start")
            // (Our own JSON reader: Foundation's is not round-trip exact.)
            let bound = try ModelFile.read(dir.appendingPathComponent("m\(i).json").path).lowerBound
            if i >= 3 { #expect(abs(bound + 1.9093531597110982) <= 1e-15 * 1.91, "\(bound)") }
        }
        #expect(converged == [false, true, true])
    }

    /// Start files with any subset of weights, means and precisions (scikit-learn's shapes);
    /// with `--max-iter 0` the model is the start: given pieces as given, the rest from --init.
    @Test func partialStartFiles() throws {
        let X = blobs(n: 200, d: 2, k: 2, seed: 5)
        try save(X, "X.npy")
        try gmm("fit", "X.npy", "-k", "2", "--covariance", "diag", "--max-iter", "0", "--seed", "7", "-o", "plain.json", "-q")
        let plain = try ModelFile.read(dir.appendingPathComponent("plain.json").path)
        try write("{\"means\": [[1, 2], [3, 4]]}", "means.json", in: dir)
        try gmm("fit", "X.npy", "-k", "2", "--covariance", "diag", "--max-iter", "0", "--seed", "7", "--init-model", "means.json", "-o", "a.json", "-q")
        let a = try ModelFile.read(dir.appendingPathComponent("a.json").path)
        #expect(a.means == Matrix([[1.0, 2], [3, 4]]) && a.weights == plain.weights && a.covariances == plain.covariances)
        #expect(try json("a.json")["init"] as? String == "kmeans+model")
        // precisions (diag: 1/variance, shape (K, d)) and weights; K from the file.
        try write("{\"weights\": [0.25, 0.75], \"precisions\": [[4, 2], [1, 0.5]]}", "wp.json", in: dir)
        try gmm("fit", "X.npy", "--covariance", "diag", "--max-iter", "0", "--seed", "7", "--init-model", "wp.json", "-o", "b.json", "-q")
        let b = try ModelFile.read(dir.appendingPathComponent("b.json").path)
        #expect(b.weights == [0.25, 0.75] && b.covariances == [0.25, 0.5, 1, 2] && b.means == plain.means)
        #expect(b.iterations == 0 && !b.converged)
        // The file's covariance_type is the default --covariance.
        try gmm("fit", "X.npy", "--init-model", "plain.json", "--max-iter", "0", "-o", "d.json", "-q")
        #expect(try ModelFile.read(dir.appendingPathComponent("d.json").path).parameters == plain.parameters)
        // A whole model file still works as a start.
        try gmm("fit", "X.npy", "-k", "2", "--covariance", "diag", "--init-model", "b.json", "--max-iter", "0", "-o", "c.json", "-q")
        #expect(try ModelFile.read(dir.appendingPathComponent("c.json").path).parameters == b.parameters)
    }

    /// X = [[0.5], [3.0]], a component on each point, one iteration, every covariance type:
    /// scikit-learn goes on (not converged, with its warning); so do we.
    @Test(arguments: ["full", "tied", "diag", "spherical"])
    func singlePointComponentsGoOn(type: String) throws {
        try save(Matrix([[0.5], [3.0]]), "two.npy")
        let precisions = ["full": "[[[1e4]], [[1e4]]]", "tied": "[[1e4]]", "diag": "[[1e4], [1e4]]", "spherical": "[1e4, 1e4]"][type]!
        try write("{\"covariance_type\": \"\(type)\", \"weights\": [0.5, 0.5], \"means\": [[0.5], [3.0]], \"precisions\": \(precisions)}", "s.json", in: dir)
        let r = try gmm("fit", "two.npy", "-k", "2", "--covariance", type, "--reg-covar", "0", "--init-model", "s.json", "--max-iter", "1", "-o", "m.json")
        #expect(r.stderr.contains("gmm: warning: \(nonConvergenceWarning)"))
        let m = try ModelFile.read(dir.appendingPathComponent("m.json").path)
        #expect(!m.converged && m.iterations == 1 && m.lowerBound == 2.9930844722234737)
    }

    /// Weights written from float32 pass fit --init-model, score and predict; float32 data get
    /// float32 per-sample outputs (as scikit-learn returns them), equal to the float64 values
    /// rounded.
    @Test func float32ModelsAndOutputs() throws {
        let w = [Double(Float(0.1)), Double(Float(0.9))]  // sum 0.9999999776
        try write("{\"covariance_type\": \"diag\", \"weights\": [\(w[0]), \(w[1])], \"means\": [[0, 0], [4, 4]], \"covariances\": [[1, 1], [1, 1]]}", "m32.json", in: dir)
        let X = Matrix(rows: 100, columns: 2, elements: blobs(n: 100, d: 2, k: 2, seed: 4).elements.map { Float($0) })
        try save(X, "x32.npy")
        try gmm("fit", "x32.npy", "-k", "2", "--covariance", "diag", "--init-model", "m32.json", "-o", "f.json", "-q")
        try gmm("score", "m32.json", "x32.npy", "--per-sample", "logp.npy")
        try gmm("predict", "m32.json", "x32.npy", "-o", "labels.npy", "--proba", "proba.npy")
        let model = try ModelFile.read(dir.appendingPathComponent("m32.json").path)
        for (name, expected) in [("logp.npy", try model.scoreSamples(X)), ("proba.npy", try model.predictProbabilities(X).elements)] {
            guard case .float32(let values) = try NPY.read(dir.appendingPathComponent(name).path) else {
                Issue.record("\(name) is not float32")
                continue
            }
            #expect(values.elements == expected.map { Float($0) }, "\(name)")
        }
        // float64 data keep float64 outputs.
        try save(Matrix(rows: 100, columns: 2, elements: X.elements.map(Double.init)), "x64.npy")
        try gmm("score", "m32.json", "x64.npy", "--per-sample", "logp64.npy")
        guard case .float64 = try NPY.read(dir.appendingPathComponent("logp64.npy").path) else { Issue.record("logp64.npy"); return }
    }

    /// R's faithful data: `gmm select … --n-init 10 --seed 1 --tol 1e-8 --max-iter 2000`
    /// chooses tied K = 3 (BIC 2314.296, mclust's choice) and lists diag K = 7 (2241.364) after
    /// every regular model, naming its component held up by reg_covar; `--plain-ranking`
    /// keeps BIC's order; `fit` warns about the same component and `info` reports it.
    @Test func faithfulSelection() throws {
        let faithful = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GMMTests/Fixtures/faithful.csv")
        try FileManager.default.copyItem(at: faithful, to: dir.appendingPathComponent("faithful.csv"))
        let common = ["faithful.csv", "--n-init", "10", "--seed", "1", "--tol", "1e-8", "--max-iter", "2000"]
        let r = try GMMBinary.run(["select"] + common + ["-k", "1...9", "--covariance", "all", "-o", "best.json", "-q"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").dropFirst().map(String.init)
        #expect(rows.first?.hasPrefix("   1  3    tied                2314.296") == true, "\(rows.first ?? "")")
        let diag7 = rows.first { $0.contains("  7    diag ") } ?? ""
        #expect(diag7.contains("2241.364") && diag7.contains("held up by reg_covar: component 5, feature 1: variance 1e-06 held up by reg_covar (14 points)"), "\(diag7)")
        let heldIndex = rows.firstIndex { $0.contains("held up") } ?? rows.count
        #expect(heldIndex >= 30 && rows[heldIndex...].allSatisfy { $0.contains("held up") })
        let best = try ModelFile.read(dir.appendingPathComponent("best.json").path)
        #expect(best.covarianceType == .tied && best.components == 3)
        let plain = try GMMBinary.run(["select"] + common + ["-k", "3,7", "--covariance", "tied,diag", "-o", "p.json", "-q", "--plain-ranking"], in: dir)
        #expect(plain.stdout.split(separator: "\n").dropFirst().first?.hasPrefix("   1  7    diag") == true, "\(plain.stdout)")
        let fit = try GMMBinary.run(["fit"] + common + ["-k", "7", "--covariance", "diag", "-o", "d7.json"], in: dir)
        #expect(fit.stderr.contains("gmm: warning: component 5, feature 1: variance 1e-06 held up by reg_covar (14 points)"))
        let info = try GMMBinary.run(["info", "d7.json"], in: dir)
        #expect(info.stdout.contains("held up by reg_covar  component 5, feature 1: variance 1e-06 held up by reg_covar (14 points)"))
    }
}

/// Points from `k` well-separated seeded Gaussians (as GMMTests' helper).
func blobs(n: Int, d: Int, k: Int, seed: UInt64) -> Matrix<Double> {
    SyntheticMixture(components: k, features: d, seed: seed).sample(n, seed: seed &+ 7).points
}
