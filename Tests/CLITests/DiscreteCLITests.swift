import Foundation
import GMM
import Testing

/// `gmm fit --family …` and the commands that read a discrete model: the same results as the
/// library, files as documented, checkpoints that resume to the uninterrupted model.
@Suite("gmm command line, discrete families")
struct DiscreteCLITests {
    static func data(_ family: MixtureFamily) throws -> Matrix<Double> {
        let p: DiscreteMixtureParameters
        switch family {
        case .bernoulli:
            p = try DiscreteMixtureParameters(family: .bernoulli, weights: [0.6, 0.4],
                                              means: Matrix(rows: 2, columns: 3, elements: [0.9, 0.8, 0.1, 0.1, 0.3, 0.9]))
        case .poisson:
            p = try DiscreteMixtureParameters(family: .poisson, weights: [0.6, 0.4], means: Matrix(rows: 2, columns: 2, elements: [1, 9, 7, 2]))
        default:
            p = try DiscreteMixtureParameters(family: .categorical, weights: [0.6, 0.4],
                                              means: Matrix(rows: 2, columns: 5, elements: [0.8, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.8, 0.2, 0.8]),
                                              categories: [3, 2])
        }
        return try FittedDiscreteMixture(parameters: p).sample(800, seed: 3).points
    }

    @Test(arguments: [MixtureFamily.bernoulli, .categorical, .poisson])
    func fitPredictScoreSampleAgreeWithTheLibrary(family: MixtureFamily) throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let X = try Self.data(family)
        try NPY.write(X, to: dir.appendingPathComponent("x.npy").path)
        let fit = try GMMBinary.run(["fit", "x.npy", "--family", family.rawValue, "-k", "2", "--seed", "4", "--n-init", "2",
                                     "-o", "m.json", "--labels", "fit-labels.csv", "-q"], in: dir)
        #expect(fit.status == 0, "\(fit.stderr)")
        let library = try DiscreteMixture(family: family, components: 2, initializations: 2, seed: 4).fit(X)
        let model = try ModelFile.readDiscrete(dir.appendingPathComponent("m.json").path)
        #expect(model.parameters == library.parameters && model.lowerBounds == library.lowerBounds)
        let json = try String(contentsOf: dir.appendingPathComponent("m.json"), encoding: .utf8)
        #expect(json.contains("\"family\": \"\(family.rawValue)\""))
        #expect(json.contains(family == .categorical ? "\"probabilities\"" : "\"means\""))
        #expect(json.contains("\"pseudo_count\": 1e-06"))
        #expect(try GMMBinary.run(["predict", "m.json", "x.npy", "-o", "labels.csv", "--proba", "proba.npy"], in: dir).status == 0)
        func lines(_ name: String) throws -> [String] {
            try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let expected = try library.predict(X).map { "\($0)" }
        #expect(try lines("labels.csv") == expected)
        #expect(try lines("fit-labels.csv") == expected)
        guard case .float64(let proba) = try NPY.read(dir.appendingPathComponent("proba.npy").path) else { Issue.record("proba"); return }
        #expect(proba.elements == (try library.predictProbabilities(X)).elements)
        let score = try GMMBinary.run(["score", "m.json", "x.npy", "--json"], in: dir)
        #expect(score.stdout.contains("\"score\": \(try library.score(X))"), "\(score.stdout)")
        #expect(score.stdout.contains("\"bic\": \(try library.bic(X))"), "\(score.stdout)")
        #expect(try GMMBinary.run(["sample", "m.json", "-n", "50", "--seed", "2", "-o", "s.npy"], in: dir).status == 0)
        guard case .float64(let s) = try NPY.read(dir.appendingPathComponent("s.npy").path) else { Issue.record("samples"); return }
        #expect(s.elements == (try library.sample(50, seed: 2)).points.elements)
        let info = try GMMBinary.run(["info", "m.json"], in: dir)
        #expect(info.stdout.contains("family               \(family.rawValue)"))
        // Every family has its picture (CLITests.discreteFamilyPictures checks their content).
        let plot = try GMMBinary.run(["plot", "m.json", "x.npy", "-o", "p.svg"], in: dir)
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(try String(contentsOf: dir.appendingPathComponent("p.svg"), encoding: .utf8).contains("\(family.rawValue) mixture on x.npy"))
    }

    @Test func checkpointResumeAndWarmStartFinishTheSameFit() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try NPY.write(try Self.data(.poisson), to: dir.appendingPathComponent("x.npy").path)
        let common = ["x.npy", "--family", "poisson", "-k", "2", "--seed", "5", "--tol", "0", "--max-iter", "12", "-q"]
        #expect(try GMMBinary.run(["fit"] + common + ["-o", "whole.json"], in: dir).status == 0)
        // A periodic checkpoint (after iteration 5, then 10) continued to the end.
        #expect(try GMMBinary.run(["fit"] + common + ["-o", "a.json", "--checkpoint", "c.json", "--checkpoint-every", "5"], in: dir).status == 0)
        let resumed = try GMMBinary.run(["fit"] + common + ["-o", "resumed.json", "--resume", "c.json"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let whole = try ModelFile.readDiscrete(dir.appendingPathComponent("whole.json").path)
        #expect(try ModelFile.readDiscrete(dir.appendingPathComponent("resumed.json").path).parameters == whole.parameters)
        // A Gaussian fit refuses the discrete checkpoint, and another family's start.
        let wrong = try GMMBinary.run(["fit", "x.npy", "-k", "2", "--seed", "5", "-o", "g.json", "--resume", "c.json"], in: dir)
        #expect(wrong.status == 1 && wrong.stderr.contains("it is the checkpoint of a poisson mixture fit"))
        let other = try GMMBinary.run(["fit", "x.npy", "--family", "bernoulli", "-k", "2", "-o", "b.json", "--warm-start", "whole.json"], in: dir)
        #expect(other.status == 1 && other.stderr == "gmm: error: whole.json: the model is a poisson mixture, but the fit asks for --family bernoulli\n")
        // A warm start continues: 6 + 6 iterations equal 12.
        let six = common.map { $0 == "12" ? "6" : $0 }
        #expect(try GMMBinary.run(["fit"] + six + ["-o", "first.json"], in: dir).status == 0)
        #expect(try GMMBinary.run(["fit"] + six + ["-o", "second.json", "--warm-start", "first.json"], in: dir).status == 0)
        #expect(try ModelFile.readDiscrete(dir.appendingPathComponent("second.json").path).parameters == whole.parameters)
    }

    @Test func selectRanksComponentCountsOfAFamily() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let X = try Self.data(.bernoulli)
        try NPY.write(X, to: dir.appendingPathComponent("x.npy").path)
        let r = try GMMBinary.run(["select", "x.npy", "--family", "bernoulli", "-k", "1...3", "--seed", "2", "-o", "best.json", "-q"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let library = try DiscreteMixture(family: .bernoulli, seed: 2).select(X, components: [1, 2, 3])
        #expect(try ModelFile.readDiscrete(dir.appendingPathComponent("best.json").path).parameters == library.best.parameters)
        #expect(r.stdout.split(separator: "\n").count == 4 && r.stdout.contains("bernoulli"))
        let bad = try GMMBinary.run(["select", "x.npy", "--family", "bernoulli", "-k", "2", "--covariance", "diag", "-o", "b.json"], in: dir)
        #expect(bad.status == 1 && bad.stderr == "gmm: error: --covariance: applies to Gaussian mixtures (this selection is --family bernoulli)\n")
    }
}

