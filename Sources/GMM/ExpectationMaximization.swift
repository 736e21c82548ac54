/// A family of mixture components that the EM loop can drive. Gaussian mixtures conform
/// today; Bernoulli or Poisson mixtures (or other covariance parametrizations) plug in by
/// conforming, without touching the loop.
protocol MixtureEMFamily {
    associatedtype Parameters
    /// One fused pass over the data: the E-step under `parameters` (whose mean log-likelihood
    /// is returned) with the sufficient statistics accumulated on the fly, then the M-step.
    func step(from parameters: Parameters) throws -> (meanLogLikelihood: Double, next: Parameters)
    /// True when the M-step of `iteration` (from 1) replaced a component instead of
    /// estimating it (a re-seed): the bounds on either side of it are not comparable.
    func reseeded(inIteration iteration: Int) -> Bool
}

extension MixtureEMFamily {
    func reseeded(inIteration iteration: Int) -> Bool { false }
}

/// The outcome of one EM run from one start.
struct EMRun<Parameters> {
    var parameters: Parameters
    var lowerBound: Double
    var lowerBounds: [Double]
    var converged: Bool
    var iterations: Int
}

/// scikit-learn's loop: `lower_bound` is the mean log-likelihood of the E-step of each
/// iteration (so it lags the parameters by one M-step), and the run has converged when
/// |lower_bound − previous| < tol (never across a re-seed). `run` is where to start: fresh parameters with a −∞ bound,
/// a warm start's bound as the first "previous" (scikit-learn's warm_start), or a run resumed
/// from a checkpoint, which continues with its next iteration. `afterIteration` may throw to
/// stop the loop (an interruption).
func expectationMaximization<F: MixtureEMFamily>(
    _ family: F, continuing start: EMRun<F.Parameters>, maxIterations: Int, tolerance: Double,
    afterIteration: (_ run: EMRun<F.Parameters>, _ change: Double, _ seconds: Double) throws -> Void
) throws -> EMRun<F.Parameters> {
    var run = start
    run.lowerBounds.reserveCapacity(min(maxIterations, 4096))  // max_iter may be huge; the trace grows as it runs
    let clock = ContinuousClock()
    while !run.converged && run.iterations < maxIterations {
        let started = clock.now
        // After a re-seed the parameters are not EM's: the next bound starts afresh (−∞), and
        // the iteration that re-seeded cannot converge (its parameters are the placeholder).
        let previous = run.iterations > 0 && family.reseeded(inIteration: run.iterations) ? -.infinity : run.lowerBound
        let (lowerBound, next) = try family.step(from: run.parameters)
        run.parameters = next
        run.lowerBound = lowerBound
        run.lowerBounds.append(lowerBound)
        run.iterations += 1
        let change = lowerBound - previous
        run.converged = abs(change) < tolerance && !family.reseeded(inIteration: run.iterations)
        try afterIteration(run, change, (clock.now - started).inSeconds)
    }
    return run
}

extension Duration {
    /// The duration as floating-point seconds.
    public var inSeconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
