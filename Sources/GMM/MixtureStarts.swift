/// The restarts around the EM loop, shared by every family (scikit-learn's `fit_predict`
/// orchestration): `n_init` starts from a seeded generator, each initialized and run to
/// convergence by `expectationMaximization`, the one with the highest final lower bound kept;
/// checkpoints between iterations and resumption from them; interruption between iterations
/// and between the initialization's passes.
///
/// - `settings`: what shapes the result (a resume must match them); its seed seeds the starts.
/// - `fingerprint`: the data's (needed when resuming or monitoring).
/// - `warmLowerBound`: a warm start's lower bound, the first "previous" value of its
///   convergence test (scikit-learn's `warm_start`).
/// - `initialize(rng, checkInterruption)`: a start's parameters; it calls `checkInterruption`
///   between long passes.
func fitStarts<F: MixtureEMFamily>(
    _ family: F, settings: MixtureCheckpoint<F.Parameters>.Settings, fingerprint: DataFingerprint?,
    resuming resume: MixtureCheckpoint<F.Parameters>?, warmLowerBound: Double?, log: ReseedLog,
    monitor: MixtureFitMonitor<F.Parameters>?, progress: ((FitProgress) -> Void)?,
    initialize: (inout SeededGenerator, _ checkInterruption: @escaping () throws -> Void) throws -> F.Parameters
) throws -> EMRun<F.Parameters> where F.Parameters: MixtureParameterSet {
    typealias Checkpoint = MixtureCheckpoint<F.Parameters>
    var rng = SeededGenerator(seed: settings.seed)
    var best: EMRun<F.Parameters>?
    if let resume {
        if let difference = resume.settings.firstDifference(from: settings) { throw CheckpointMismatch.settings(difference) }
        if let fingerprint, resume.data != fingerprint { throw CheckpointMismatch.data(expected: resume.data, got: fingerprint) }
        try resume.checkConsistency()
        rng = SeededGenerator(state: resume.generatorState)!
        best = resume.best.map(EMRun.init)
        log.events = resume.reseeds
    }
    let box = Reference<Checkpoint?>(nil)  // the end of the previous start
    // k-means on big data takes a while: stop between its passes too.
    let shouldStop = monitor?.shouldStop
    let checkInterruption: () throws -> Void = {
        if let shouldStop, shouldStop() { throw MixtureFitInterrupted(checkpoint: box.value) }
    }
    for start in (resume?.initialization ?? 0)..<settings.initializations {
        log.initialization = start
        let initial: EMRun<F.Parameters>
        if let resume, start == resume.initialization {
            initial = EMRun(resume.current)
            log.iteration = resume.current.iterations
        } else {
            try checkInterruption()
            // A start begins: iteration 0 (its initialization runs next).
            progress?(FitProgress(initialization: start, iteration: 0, lowerBound: -.infinity, change: .nan, seconds: 0))
            log.iteration = 0
            initial = EMRun(parameters: try initialize(&rng, checkInterruption), lowerBound: warmLowerBound ?? -.infinity,
                            lowerBounds: [], converged: false, iterations: 0)
        }
        let generatorState = rng.state, bestBefore = best
        func checkpoint(_ run: EMRun<F.Parameters>) -> Checkpoint {
            Checkpoint(settings: settings, data: fingerprint!, initialization: start, generatorState: generatorState,
                       current: Checkpoint.Run(run), best: bestBefore.map(Checkpoint.Run.init), reseeds: log.events)
        }
        let run = try expectationMaximization(family, continuing: initial, maxIterations: settings.maxIterations,
                                              tolerance: settings.tolerance) { run, change, seconds in
            progress?(FitProgress(initialization: start, iteration: run.iterations, lowerBound: run.lowerBound,
                                  change: change, seconds: seconds))
            guard let monitor else { return }
            if monitor.checkpointEvery > 0, run.iterations % monitor.checkpointEvery == 0, let save = monitor.saveCheckpoint {
                try save(checkpoint(run))
            }
            if monitor.shouldStop() { throw MixtureFitInterrupted(checkpoint: checkpoint(run)) }
        }
        if monitor != nil { box.value = checkpoint(run) }
        // scikit-learn's rule, including its preference for the latest start while every
        // bound is still −∞ (max_iter = 0).
        if let kept = best, !(run.lowerBound > kept.lowerBound || kept.lowerBound == -.infinity) { continue }
        best = run
    }
    return best!
}

/// A mutable value shared with closures.
final class Reference<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}
