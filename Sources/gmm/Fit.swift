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
    @Option(name: .short, parsing: .unconditional, help: "Number of components K (default: the --warm-start or --init-model model's).") var k: String?
    @Option(help: "Covariance type: full, diag, tied or spherical (default: the start model's, else full).") var covariance: String?
    @Option(parsing: .unconditional, help: "Convergence threshold on the change of the mean log-likelihood.") var tol = "1e-3"
    @Option(parsing: .unconditional, help: "Maximum EM iterations per initialization (0: return the initialization).") var maxIter = "100"
    @Option(parsing: .unconditional, help: "Number of initializations; the best lower bound is kept.") var nInit = "1"
    @Option(help: "Initialization: kmeans, k-means++, random or random-from-data.") var `init` = "kmeans"
    @Option(help: "Initial values (scikit-learn's weights_init, means_init, precisions_init): a JSON object with any of 'weights', 'means' and one of 'covariances', 'precisions', 'precisions_cholesky' (a model file works); missing pieces come from --init. Its 'covariance_type' is the default --covariance.")
    var initModel: String?
    @Option(help: "Continue this fitted model (scikit-learn's warm_start): one start from its parameters, no re-initialization, its lower bound as the first previous value of the convergence test.")
    var warmStart: String?
    @Option(parsing: .unconditional, help: "Added to the covariance diagonals.") var regCovar = "1e-6"
    @Option(parsing: .unconditional, help: "Random seed (default: random).") var seed: String?
    @Option(parsing: .unconditional, help: "Threads (default: OMP_NUM_THREADS or all cores).") var threads: String?
    @Option(help: "One non-negative weight per row (.npy or one-column CSV).") var sampleWeights: String?
    @Option(help: "When a component collapses: fail or reseed.") var onDegenerate = "fail"
    @Option(name: .short, help: "Output model (JSON).") var output: String
    @Option(help: "Save the fit's state to this file every --checkpoint-every iterations and when interrupted.") var checkpoint: String?
    @Option(parsing: .unconditional, help: "Iterations between checkpoints (with --checkpoint).") var checkpointEvery = "10"
    @Option(help: "Continue the fit saved in this checkpoint (same data and options).") var resume: String?
    @Option(help: "Also write the fitted labels of the data (.npy or .csv).") var labels: String?
    @Flag(help: "One JSON object per iteration on stderr.") var jsonProgress = false
    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false

    func run() throws {
        guard let policy = DegeneratePolicy(rawValue: onDegenerate) else {
            throw CommandError("--on-degenerate: '\(onDegenerate)' is not one of fail, reseed")
        }
        let tol = try OptionValue.float(self.tol, option: "--tol", parameter: "tol")
        let regCovar = try OptionValue.float(self.regCovar, option: "--reg-covar", parameter: "reg_covar")
        let maxIter = try OptionValue.int(self.maxIter, option: "--max-iter", parameter: "max_iter", minimum: 0)
        let nInit = try OptionValue.int(self.nInit, option: "--n-init", parameter: "n_init", minimum: 1)
        let seedValue = try seed.map { try OptionValue.seed($0) }
        let threads = try OptionValue.threads(self.threads)
        let checkpointEvery = try OptionValue.int(self.checkpointEvery, option: "--checkpoint-every", minimum: 1)
        if checkpoint == nil && self.checkpointEvery != "10" {
            throw CommandError("--checkpoint-every: needs --checkpoint FILE (periodic checkpoints go there)")
        }
        var components = try k.map { try OptionValue.int($0, option: "-k", parameter: "n_components", minimum: 1) }
        let method = try parseInit(`init`)
        guard warmStart == nil || initModel == nil else {
            throw CommandError("--warm-start and --init-model: give one (--warm-start continues a fitted model; --init-model gives initial values)")
        }
        try checkDistinct(inputs: [("the data argument", data), ("--sample-weights", sampleWeights), ("--init-model", initModel),
                                   ("--warm-start", warmStart), ("--resume", resume)],
                          outputs: [("-o", output), ("--labels", labels),
                                    (checkpoint == nil ? "the default checkpoint" : "--checkpoint", checkpoint ?? Self.defaultCheckpointPath(output))],
                          allowed: [("--resume", checkpoint == nil ? "the default checkpoint" : "--checkpoint")])  // continuing a checkpoint in place
        let resumed = try resume.map { try CheckpointFile.read($0) }
        let previous = try warmStart.map { try ModelFile.read($0) }
        let type = try covariance.map(parseCovariance) ?? previous?.covarianceType
            ?? initModel.flatMap { try ModelFile.declaredCovarianceType($0) } ?? .full
        if let previous, let path = warmStart {
            guard previous.covarianceType == type, previous.components == (components ?? previous.components) else {
                throw CommandError("\(path): the model has \(previous.components) '\(previous.covarianceType.rawValue)' components, but the fit asks for -k \(components ?? previous.components) --covariance \(type.rawValue)")
            }
            components = previous.components
        }
        let checkpointPath = checkpoint ?? Self.defaultCheckpointPath(output)
        try checkWritable(output)
        try checkWritable(labels)
        try checkWritable(checkpointPath)
        if let labels { _ = try OutputKind(labels) }
        let X = try loadData(data)
        var given: InitialParameters?
        if let path = initModel {
            let read = try ModelFile.readInitialParameters(path, covarianceType: type, components: components, features: X.columns)
            given = read.pieces
            components = read.components
        }
        guard let K = components else {
            throw CommandError("-k: the number of components is required (or give --warm-start or --init-model with the model's)")
        }
        let weights = try sampleWeights.map { try loadWeights($0, rows: X.rows) }
        var gm = GaussianMixture(components: K, covarianceType: type, tolerance: tol,
                                 regCovar: regCovar, maxIterations: maxIter, initializations: nInit,
                                 initialization: method,
                                 seed: seedValue ?? resumed?.settings.seed ?? UInt64.random(in: .min ... .max),
                                 threads: threads, onDegenerate: policy, initialParameters: given)
        if let previous, resumed != nil {  // the resumed run continues; its settings must match a warm start's
            gm.initialization = .parameters(previous.parameters)
            gm.initialParameters = nil
            gm.initializations = 1
        }
        try Interruption.check()
        let reporter = ProgressReporter(mode: quiet ? .quiet : jsonProgress ? .json : .human, maxIterations: maxIter)
        let monitor = FitMonitor(checkpointEvery: checkpoint == nil ? 0 : checkpointEvery,
                                 saveCheckpoint: { try CheckpointFile.write($0, to: checkpointPath) },
                                 shouldStop: { Interruption.pending != 0 })
        let model: FittedGaussianMixture
        do {
            model = try naming(data) {
                try X.fit(gm, weights: weights, continuing: resumed == nil ? previous : nil, resuming: resumed,
                          monitor: monitor, progress: reporter.report)
            }
        } catch let stop as FitInterrupted {
            reporter.finish()
            guard let state = stop.checkpoint else { throw Interrupted(signal: Interruption.pending, note: "stopped during initialization; no output written") }
            try CheckpointFile.write(state, to: checkpointPath)
            throw Interrupted(signal: Interruption.pending, note: "stopped after iteration \(state.current.iterations) of initialization \(state.initialization); checkpoint saved to \(checkpointPath); no model written (rerun with --resume \(checkpointPath) to finish)")
        } catch let mismatch as CheckpointMismatch {
            throw CommandError("\(resume ?? ""): cannot resume: \(mismatch)")
        } catch let e as GaussianMixtureError {
            // The start's faults are the start file's.
            if case .invalidArgument(let text) = e, let path = initModel ?? warmStart { throw CommandError("\(path): \(text)") }
            throw e
        }
        reporter.finish()
        if !model.converged && maxIter > 0 && !quiet { printError("gmm: warning: \(nonConvergenceWarning)") }
        for event in model.reseeds.prefix(10) where !quiet {
            let what = event.component.map { "component \($0)" } ?? "the shared tied covariance"
            let stage = event.iteration == 0 ? "in the initial estimate" : "in iteration \(event.iteration)"
            let action = event.row.map { "re-seeded at row \($0)" } ?? "its covariance reset to the data's spread"
            printError("gmm: note: \(what) collapsed \(stage) (init \(event.initialization)); \(action)")
        }
        if model.reseeds.count > 10 && !quiet {
            printError("gmm: note: \(model.reseeds.count - 10) more re-seeds (all are in the model's 'reseeds'); the data may not support \(model.components) components without reg_covar")
        }
        for hold in model.regularizationHolds where !quiet {
            printError("gmm: warning: \(hold) (its likelihood, and BIC, flatter the model; consider fewer components or a larger reg_covar)")
        }
        let methodName = gmm.initName(method)
        let recordedInit = previous != nil ? "warm-start" : given.map { $0.isComplete ? "model" : "\(methodName)+model" } ?? methodName
        let settings = ModelFile.Settings(tol: tol, regCovar: regCovar, maxIter: maxIter, nInit: previous == nil ? nInit : 1,
                                          initMethod: recordedInit, seed: gm.seed)
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
