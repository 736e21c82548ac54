import ArgumentParser
import Foundation
import GMM

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a Gaussian mixture to a data file and save the model as JSON.",
        discussion: """
        Defaults follow scikit-learn's GaussianMixture. Progress goes to stderr.

        Examples:
          gmm fit X.npy -k 16 -o model.json
          gmm fit X.csv -k 3 --covariance diag --n-init 5 --seed 7 -o model.json --labels labels.npy
          gmm fit X.npy -k 3 --init-model start.json --tol 0 --max-iter 50 -o model.json --json-progress
          gmm fit big.npy -k 16 --seed 1 -o model.json --checkpoint fit.ckpt.json --checkpoint-every 5
          gmm fit big.npy -k 16 --seed 1 -o model.json --resume fit.ckpt.json

        Ctrl-C (SIGINT) or SIGTERM stops the fit after the current iteration, saves a \
        checkpoint (to --checkpoint, else beside the output as NAME.checkpoint.json) and exits \
        with 130 or 143 without writing the model; rerun the same command with --resume to \
        finish it. A resumed fit ends with the same model, bit for bit, as an uninterrupted one \
        (same data, options and --threads).
        """)

    @Argument(help: "Data file (.npy, .csv, or - for CSV on stdin).") var data: String
    @Option(name: .short, help: "Number of components K.") var k: Int
    @Option(help: "Covariance type: full, diag, tied or spherical.") var covariance = "full"
    @Option(help: "Convergence threshold on the change of the mean log-likelihood.") var tol = 1e-3
    @Option(help: "Maximum EM iterations per initialization.") var maxIter = 100
    @Option(help: "Number of initializations; the best lower bound is kept.") var nInit = 1
    @Option(help: "Initialization: kmeans, k-means++, random or random-from-data.") var `init` = "kmeans"
    @Option(help: "Start from this model's parameters (JSON: covariance_type, weights, means, covariances or precisions_cholesky).") var initModel: String?
    @Option(help: "Added to the covariance diagonals.") var regCovar = 1e-6
    @Option(help: "Random seed (default: random).") var seed: UInt64?
    @Option(help: "Threads (default: OMP_NUM_THREADS or all cores).") var threads: Int?
    @Option(help: "One non-negative weight per row (.npy or one-column CSV).") var sampleWeights: String?
    @Option(help: "When a component collapses: fail or reseed.") var onDegenerate = "fail"
    @Option(name: .short, help: "Output model (JSON).") var output: String
    @Option(help: "Save the fit's state to this file every --checkpoint-every iterations and when interrupted.") var checkpoint: String?
    @Option(help: "Iterations between checkpoints (with --checkpoint).") var checkpointEvery = 10
    @Option(help: "Continue the fit saved in this checkpoint (same data and options).") var resume: String?
    @Option(help: "Also write the fitted labels of the data (.npy or .csv).") var labels: String?
    @Flag(help: "One JSON object per iteration on stderr.") var jsonProgress = false
    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false

    func run() throws {
        guard let policy = DegeneratePolicy(rawValue: onDegenerate) else {
            throw CommandError("--on-degenerate: '\(onDegenerate)' is not one of fail, reseed")
        }
        guard checkpointEvery >= 1 else { throw CommandError("--checkpoint-every must be at least 1 (got \(checkpointEvery))") }
        let resumed = try resume.map { try CheckpointFile.read($0) }
        var gm = GaussianMixture(components: k, covarianceType: try parseCovariance(covariance), tolerance: tol,
                                 regCovar: regCovar, maxIterations: maxIter, initializations: nInit,
                                 initialization: try parseInit(`init`),
                                 seed: seed ?? resumed?.settings.seed ?? UInt64.random(in: .min ... .max),
                                 threads: threads, onDegenerate: policy)
        if let path = initModel {
            let start = try ModelFile.read(path)
            guard start.covarianceType == gm.covarianceType, start.components == k else {
                throw CommandError("\(path): the start model has \(start.components) '\(start.covarianceType.rawValue)' components, but the fit asks for -k \(k) --covariance \(gm.covarianceType.rawValue)")
            }
            gm.initialization = .parameters(start.parameters)
        }
        let checkpointPath = checkpoint ?? Self.defaultCheckpointPath(output)
        try checkWritable(output)
        try checkWritable(labels)
        try checkWritable(checkpointPath)
        if let labels { _ = try OutputKind(labels) }
        let X = try loadData(data)
        let weights = try sampleWeights.map { try loadWeights($0, rows: X.rows) }
        try Interruption.check()
        let reporter = ProgressReporter(mode: quiet ? .quiet : jsonProgress ? .json : .human, maxIterations: maxIter)
        let monitor = FitMonitor(checkpointEvery: checkpoint == nil ? 0 : checkpointEvery,
                                 saveCheckpoint: { try CheckpointFile.write($0, to: checkpointPath) },
                                 shouldStop: { Interruption.pending != 0 })
        let model: FittedGaussianMixture
        do {
            model = try naming(data) { try X.fit(gm, weights: weights, resuming: resumed, monitor: monitor, progress: reporter.report) }
        } catch let stop as FitInterrupted {
            reporter.finish()
            guard let state = stop.checkpoint else { throw Interrupted(signal: Interruption.pending, note: "stopped during initialization; no output written") }
            try CheckpointFile.write(state, to: checkpointPath)
            throw Interrupted(signal: Interruption.pending, note: "stopped after iteration \(state.current.iterations) of initialization \(state.initialization); checkpoint saved to \(checkpointPath); no model written (rerun with --resume \(checkpointPath) to finish)")
        } catch let mismatch as CheckpointMismatch {
            throw CommandError("\(resume ?? ""): cannot resume: \(mismatch)")
        }
        reporter.finish()
        if !model.converged && maxIter > 0 && !quiet { printError("gmm: warning: \(nonConvergenceWarning)") }
        for event in model.reseeds where !quiet {
            printError("gmm: note: component \(event.component) collapsed in iteration \(event.iteration) (init \(event.initialization)); re-seeded at row \(event.row)")
        }
        let settings = ModelFile.Settings(tol: tol, regCovar: regCovar, maxIter: maxIter, nInit: nInit,
                                          initMethod: initModel == nil ? initName(gm.initialization) : "model", seed: gm.seed)
        let fittedLabels = try labels.map { _ in try model.predict(X) }  // the final E-step
        try Interruption.check("the fit finished but no model was written")
        try ModelFile.write(model, settings: settings, to: output)
        if let labels, let fittedLabels { try writeLabels(fittedLabels, to: labels) }
        if !quiet {
            printError("gmm: \(model.iterations) iterations, converged: \(model.converged ? "yes" : "no"), mean log-likelihood "
                + String(format: "%.6f", model.lowerBound) + ", model written to \(output)")
        }
    }

    /// model.json → model.checkpoint.json.
    static func defaultCheckpointPath(_ output: String) -> String {
        (output.lowercased().hasSuffix(".json") ? String(output.dropLast(5)) : output) + ".checkpoint.json"
    }
}
