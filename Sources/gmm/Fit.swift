import ArgumentParser
import Foundation
import GMM

struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a mixture (Gaussian, or Bernoulli, categorical or Poisson with --family) to a data file and save the model as JSON.",
        discussion: """
        Defaults follow scikit-learn's GaussianMixture. Progress goes to stderr.

        Examples:
          gmm fit X.npy -k 16 -o model.json
          gmm fit X.csv -k 3 --covariance diag --n-init 5 --seed 7 -o model.json --labels labels.npy
          gmm fit X.npy -k 3 --init-model start.json --tol 0 --max-iter 50 -o model.json --json-progress
          gmm fit big.npy -k 16 --seed 1 -o model.json --checkpoint fit.ckpt.json --checkpoint-every 5
          gmm fit big.npy -k 16 --seed 1 -o model.json --resume fit.ckpt.json
          gmm fit binary.npy --family bernoulli -k 10 --n-init 3 -o model.json
          gmm fit answers.csv --family categorical --categories 3,4,2 -k 4 -o model.json

        Ctrl-C (SIGINT) or SIGTERM stops the fit after the current iteration, saves a \
        checkpoint (to --checkpoint, else beside the output as NAME.checkpoint.json) and exits \
        with 130 or 143 without writing the model; rerun the same command with --resume to \
        finish it. A resumed fit ends with the same model, bit for bit, as an uninterrupted one \
        (same data, options and --threads).
        """)

    @Argument(help: "Data file (.npy, .csv, or - for CSV on stdin); or give --shards.") var data: String?
    @Option(help: "Instead of a data file: .npy files read, in byte order of their names, as one dataset of their rows one after another (a glob pattern such as 'part-*.npy', quoted; one dtype and column count). Under mpirun each rank reads only the rows it fits.")
    var shards: String?
    @Option(help: "Component family: gaussian, bernoulli (values in [0, 1]), categorical (integer codes) or poisson (counts) (default: the --warm-start or --init-model model's, else gaussian).") var family: String?
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
    @Option(parsing: .unconditional, help: "Bernoulli, categorical, Poisson: the prior's pseudo-count, keeping probabilities and rates off 0 (0: maximum likelihood).") var pseudoCount = "1e-6"
    @Option(help: "Categorical: categories per feature, e.g. 3,2,5 (default: each column's largest code + 1).") var categories: String?
    @Option(parsing: .unconditional, help: "Random seed (default: random).") var seed: String?
    @Option(parsing: .unconditional, help: "Threads (default: OMP_NUM_THREADS or all cores).") var threads: String?
    @Option(help: "One non-negative weight per row (.npy or one-column CSV).") var sampleWeights: String?
    @Option(help: "When a component collapses: fail or reseed.") var onDegenerate = "fail"
    @Option(parsing: .unconditional, help: "Truncated EM for large K: per point, drop components whose responsibility is below TAU times the largest (proven from partial distances, not evaluated in full), e.g. 1e-8 (default: exact EM).") var truncate: String?
    @Option(name: .short, help: "Output model (JSON).") var output: String
    @Option(help: "Save the fit's state to this file every --checkpoint-every iterations and when interrupted.") var checkpoint: String?
    @Option(parsing: .unconditional, help: "Iterations between checkpoints (with --checkpoint).") var checkpointEvery = "10"
    @Option(help: "Continue the fit saved in this checkpoint (same data and options).") var resume: String?
    @Option(help: "Also write the fitted labels of the data (.npy or .csv).") var labels: String?
    @Flag(help: "One JSON object per iteration on stderr.") var jsonProgress = false
    @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false

    func run() throws {
        // The family: as given, else the start model's (as -k and --covariance), else Gaussian.
        let named = try (warmStart ?? initModel).flatMap { try ModelFile.namedFamily($0) }
        guard let family = self.family.map({ MixtureFamily(rawValue: $0.lowercased()) }) ?? .some(named ?? .gaussian) else {
            throw CommandError("--family: '\(self.family ?? "")' is not one of gaussian, bernoulli, categorical, poisson")
        }
        guard let policy = DegeneratePolicy(rawValue: onDegenerate) else {
            throw CommandError("--on-degenerate: '\(onDegenerate)' is not one of fail, reseed")
        }
        let tol = try OptionValue.float(self.tol, option: "--tol", parameter: "tol")
        let regCovar = try OptionValue.float(self.regCovar, option: "--reg-covar", parameter: "reg_covar")
        let maxIter = try OptionValue.int(self.maxIter, option: "--max-iter", parameter: "max_iter", minimum: 0)
        let nInit = try OptionValue.int(self.nInit, option: "--n-init", parameter: "n_init", minimum: 1)
        let seedValue = try seed.map { try OptionValue.seed($0) }
        let threads = try OptionValue.threads(self.threads)
        let truncation = try OptionValue.truncation(truncate)
        let checkpointEvery = try OptionValue.int(self.checkpointEvery, option: "--checkpoint-every", minimum: 1)
        if checkpoint == nil && self.checkpointEvery != "10" {
            throw CommandError("--checkpoint-every: needs --checkpoint FILE (periodic checkpoints go there)")
        }
        var components = try k.map { try OptionValue.int($0, option: "-k", parameter: "n_components", minimum: 1) }
        let method = try parseInit(`init`)
        guard warmStart == nil || initModel == nil else {
            throw CommandError("--warm-start and --init-model: give one (--warm-start continues a fitted model; --init-model gives initial values)")
        }
        let input = try DataInput(data: data, shards: shards)
        if !input.shards.isEmpty, labels != nil, Cluster.size > 1 {
            throw CommandError("--labels: not with --shards under mpirun (no rank holds every row); write them afterwards with gmm predict")
        }
        try checkDistinct(inputs: input.inputs + [("--sample-weights", sampleWeights), ("--init-model", initModel),
                                   ("--warm-start", warmStart), ("--resume", resume)],
                          outputs: [("-o", output), ("--labels", labels),
                                    (checkpoint == nil ? "the default checkpoint" : "--checkpoint", checkpoint ?? Self.defaultCheckpointPath(output))],
                          allowed: [("--resume", checkpoint == nil ? "the default checkpoint" : "--checkpoint")])  // continuing a checkpoint in place
        if family != .gaussian {
            return try fitDiscrete(family, input: input, policy: policy, tol: tol, maxIter: maxIter, nInit: nInit, seed: seedValue, threads: threads,
                                   checkpointEvery: checkpointEvery, components: components, method: method)
        }
        guard categories == nil else { throw CommandError("--categories: applies to --family categorical") }
        for (option, path) in [("--warm-start", warmStart), ("--init-model", initModel)] {
            if let path, let f = try ModelFile.namedFamily(path), f != .gaussian {
                throw CommandError("\(path): the model is a \(f.rawValue) mixture, but the fit asks for a Gaussian one (\(option); give --family \(f.rawValue))")
            }
        }
        guard pseudoCount == "1e-6" else { throw CommandError("--pseudo-count: applies to --family bernoulli, categorical or poisson (Gaussian mixtures take --reg-covar)") }
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
        let (checkpointPath, X) = try outputsCheckedThenData(input)
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
                                 seed: Cluster.shared(seedValue ?? resumed?.settings.seed ?? UInt64.random(in: .min ... .max)),
                                 threads: threads, onDegenerate: policy, initialParameters: given)
        gm.distribution = Cluster.distribution
        gm.truncation = truncation
        if let previous, resumed != nil {  // the resumed run continues; its settings must match a warm start's
            gm.initialization = .parameters(previous.parameters)
            gm.initialParameters = nil
            gm.initializations = 1
        }
        if case let signal = Cluster.pendingSignal, signal != 0 { throw Interrupted(signal: signal, note: "no output written") }
        let reporter = ProgressReporter(mode: quiet || !Cluster.isRoot ? .quiet : jsonProgress ? .json : .human, maxIterations: maxIter)
        let model: FittedGaussianMixture = try monitored(reporter, checkpointPath: checkpointPath, every: checkpointEvery) {
            (monitor: FitMonitor) in
            try input.named {
                try gm.fit(X, resuming: resumed, continuing: previous, sampleWeights: weights, monitor: monitor, progress: reporter.report)
            }
        }
        reportOutcome(model, maxIter: maxIter)
        for hold in model.regularizationHolds where !quiet {
            printError("gmm: warning: \(hold) (its likelihood, and BIC, flatter the model; consider fewer components or a larger reg_covar)")
        }
        let methodName = gmm.initName(method)
        let recordedInit = previous != nil ? "warm-start" : given.map { $0.isComplete ? "model" : "\(methodName)+model" } ?? methodName
        var settings = ModelFile.Settings(tol: tol, regCovar: regCovar, maxIter: maxIter, nInit: previous == nil ? nInit : 1,
                                          initMethod: recordedInit, seed: gm.seed)
        settings.truncation = truncation
        try finish(model, X) { try ModelFile.write(model, settings: settings, to: output) }
    }

    /// Runs `body` with a monitor that saves checkpoints and stops on SIGINT/SIGTERM; an
    /// interruption saves the checkpoint and exits, a checkpoint of another fit is one line,
    /// and a start file's invalid values are named by its path.
    func monitored<P, M>(_ reporter: ProgressReporter, checkpointPath: String, every: Int,
                         _ body: (MixtureFitMonitor<P>) throws -> M) throws -> M {
        let monitor = MixtureFitMonitor<P>(checkpointEvery: checkpoint == nil ? 0 : every,
                                           saveCheckpoint: { if Cluster.isRoot { try CheckpointFile.write($0, to: checkpointPath) } },
                                           shouldStop: { Cluster.pendingSignal != 0 })
        do {
            let model = try body(monitor)
            reporter.finish()
            return model
        } catch let stop as MixtureFitInterrupted<P> {
            reporter.finish()
            guard let state = stop.checkpoint else { throw Interrupted(signal: Cluster.pendingSignal, note: "stopped during initialization; no output written") }
            if Cluster.isRoot { try CheckpointFile.write(state, to: checkpointPath) }
            throw Interrupted(signal: Cluster.pendingSignal, note: "stopped after iteration \(state.current.iterations) of initialization \(state.initialization); checkpoint saved to \(checkpointPath); no model written (rerun with --resume \(checkpointPath) to finish)")
        } catch let mismatch as CheckpointMismatch {
            throw CommandError("\(resume ?? ""): cannot resume: \(mismatch)")
        } catch let e as GaussianMixtureError {
            // The start's faults are the start file's.
            if case .invalidArgument(let text) = e, let path = initModel ?? warmStart { throw CommandError("\(path): \(text)") }
            throw e
        }
    }

    /// Warnings and notes of a finished fit (non-convergence, re-seeds).
    func reportOutcome(_ model: any FittedMixture, maxIter: Int) {
        guard !quiet, Cluster.isRoot else { return }
        if !model.converged && maxIter > 0 { printError("gmm: warning: \(nonConvergenceWarning)") }
        let gaussian = model.family == .gaussian
        for event in model.reseeds.prefix(10) {
            let what = event.component.map { "component \($0)" } ?? "the shared tied covariance"
            let stage = event.iteration == 0 ? "in the initial estimate" : "in iteration \(event.iteration)"
            let action = event.row.map { "re-seeded at row \($0)" } ?? "its covariance reset to the data's spread"
            printError("gmm: note: \(what) \(gaussian ? "collapsed" : "was left without data") \(stage) (init \(event.initialization)); \(action)")
        }
        if model.reseeds.count > 10 {
            printError("gmm: note: \(model.reseeds.count - 10) more re-seeds (all are in the model's 'reseeds'); the data may not support \(model.components) components\(gaussian ? " without reg_covar" : "")")
        }
    }

    /// The labels (a final E-step), the model written by `write`, then the labels file.
    func finish(_ model: any FittedMixture, _ X: DataMatrix, write: () throws -> Void) throws {
        guard Cluster.isRoot else { return }  // rank 0 writes; every rank holds the same model
        let fittedLabels = try labels.map { _ in try model.predict(X) }
        try Interruption.check("the fit finished but no model was written")
        try write()
        if let labels, let fittedLabels { try writeLabels(fittedLabels, to: labels) }
        if !quiet {
            printError("gmm: \(model.iterations) iterations, converged: \(model.converged ? "yes" : "no"), mean log-likelihood "
                + String(format: "%.6f", model.lowerBound) + ", model written to \(output)")
        }
    }

    /// The checkpoint path (--checkpoint or the default beside -o), after checking that every
    /// output can be written; then the data.
    func outputsCheckedThenData(_ input: DataInput) throws -> (checkpoint: String, data: DataMatrix) {
        let checkpointPath = checkpoint ?? Self.defaultCheckpointPath(output)
        try checkWritable(output)
        try checkWritable(labels)
        try checkWritable(checkpointPath)
        if let labels { _ = try OutputKind(labels) }
        return (checkpointPath, try input.load())
    }

    /// `gmm fit --family bernoulli|categorical|poisson`.
    func fitDiscrete(_ family: MixtureFamily, input: DataInput, policy: DegeneratePolicy, tol: Double, maxIter: Int, nInit: Int, seed: UInt64?,
                     threads: Int?, checkpointEvery: Int, components: Int?, method: InitializationMethod) throws {
        guard covariance == nil else { throw CommandError("--covariance: applies to Gaussian mixtures (this fit is --family \(family.rawValue))") }
        guard regCovar == "1e-6" else { throw CommandError("--reg-covar: applies to Gaussian mixtures (--family \(family.rawValue) takes --pseudo-count)") }
        guard truncate == nil else { throw CommandError("--truncate: applies to Gaussian mixtures (this fit is --family \(family.rawValue))") }
        let alpha = try OptionValue.float(pseudoCount, option: "--pseudo-count", parameter: "pseudo_count")
        let declared = try parseCategories(categories, family: family)
        let resumed = try resume.map { try CheckpointFile.read($0, as: DiscreteMixtureParameters.self) }
        func start(_ path: String) throws -> FittedDiscreteMixture {
            // A file naming no family is read as this fit's (a start of weights and means).
            let found = try ModelFile.namedFamily(path) ?? family
            guard found == family else { throw CommandError("\(path): the model is a \(found.rawValue) mixture, but the fit asks for --family \(family.rawValue)") }
            let model = try ModelFile.readDiscrete(path, assumed: family)
            if let declared, model.parameters.categories != declared {
                throw CommandError("--categories: \(declared.map(String.init).joined(separator: ",")) differ from the model's \(model.parameters.categories.map(String.init).joined(separator: ",")) (\(path))")
            }
            return model
        }
        let previous = try warmStart.map(start)
        let given = try initModel.map(start)?.parameters
        let K = components ?? previous?.components ?? given?.components
        guard let K else { throw CommandError("-k: the number of components is required (or give --warm-start or --init-model with the model's)") }
        for (option, p) in [("--warm-start", previous?.parameters), ("--init-model", given)] {
            if let p, p.components != K { throw CommandError("\(option): the model has \(p.components) components, but the fit asks for -k \(K)") }
        }
        let (checkpointPath, X) = try outputsCheckedThenData(input)
        if let declared, declared.count != X.columns {
            throw CommandError("--categories: \(declared.count) category counts were given for the \(X.columns) features of \(input.label)")
        }
        let weights = try sampleWeights.map { try loadWeights($0, rows: X.rows) }
        var dm = DiscreteMixture(family: family, components: K, categories: declared, pseudoCount: alpha, tolerance: tol,
                                 maxIterations: maxIter, initializations: nInit, initialization: method, initialParameters: given,
                                 seed: Cluster.shared(seed ?? resumed?.settings.seed ?? UInt64.random(in: .min ... .max)), threads: threads,
                                 onDegenerate: policy)
        dm.distribution = Cluster.distribution
        if case let signal = Cluster.pendingSignal, signal != 0 { throw Interrupted(signal: signal, note: "no output written") }
        let reporter = ProgressReporter(mode: quiet || !Cluster.isRoot ? .quiet : jsonProgress ? .json : .human, maxIterations: maxIter)
        let model: FittedDiscreteMixture = try monitored(reporter, checkpointPath: checkpointPath, every: checkpointEvery) {
            (monitor: MixtureFitMonitor<DiscreteMixtureParameters>) in
            try input.named {
                try dm.fit(X, resuming: resumed, continuing: previous, sampleWeights: weights, monitor: monitor, progress: reporter.report)
            }
        }
        reportOutcome(model, maxIter: maxIter)
        let methodName = gmm.initName(method)
        let settings = ModelFile.Settings(tol: tol, regCovar: alpha, maxIter: maxIter, nInit: previous == nil ? nInit : 1,
                                          initMethod: previous != nil ? "warm-start" : given != nil ? "model" : methodName, seed: dm.seed)
        try finish(model, X) { try ModelFile.write(model, settings: settings, to: output) }
    }

    /// model.json → model.checkpoint.json.
    static func defaultCheckpointPath(_ output: String) -> String {
        (output.lowercased().hasSuffix(".json") ? String(output.dropLast(5)) : output) + ".checkpoint.json"
    }
}
