/// A family of mixture components that the EM loop can drive. Gaussian mixtures conform
/// today; Bernoulli or Poisson mixtures (or other covariance parametrizations) plug in by
/// conforming, without touching the loop.
protocol MixtureEMFamily {
    associatedtype Parameters
    /// One fused pass over the data: the E-step under `parameters` (whose mean log-likelihood
    /// is returned) with the sufficient statistics accumulated on the fly, then the M-step.
    func step(from parameters: Parameters) throws -> (meanLogLikelihood: Double, next: Parameters)
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
/// |lower_bound − previous| < tol. A warm start passes the previous fit's bound as the first
/// "previous" (scikit-learn's warm_start).
func expectationMaximization<F: MixtureEMFamily>(
    _ family: F, from start: F.Parameters, maxIterations: Int, tolerance: Double,
    initialLowerBound: Double = -.infinity,
    onIteration: (_ iteration: Int, _ lowerBound: Double, _ change: Double, _ seconds: Double) -> Void
) throws -> EMRun<F.Parameters> {
    var run = EMRun(parameters: start, lowerBound: initialLowerBound, lowerBounds: [], converged: false, iterations: 0)
    run.lowerBounds.reserveCapacity(maxIterations)
    let clock = ContinuousClock()
    for iteration in 1...max(1, maxIterations) where maxIterations > 0 {
        let started = clock.now
        let previous = run.lowerBound
        let (lowerBound, next) = try family.step(from: run.parameters)
        run.parameters = next
        run.lowerBound = lowerBound
        run.lowerBounds.append(lowerBound)
        run.iterations = iteration
        let change = lowerBound - previous
        onIteration(iteration, lowerBound, change, (clock.now - started).inSeconds)
        if abs(change) < tolerance {
            run.converged = true
            break
        }
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
