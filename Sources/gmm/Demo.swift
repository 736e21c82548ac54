import ArgumentParser
import Foundation
import GMM

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a seeded synthetic dataset and fit it, printing progress and a summary.",
        discussion: "Example: gmm demo --points 1000000 --features 16 --components 16")

    @Option(parsing: .unconditional, help: "Number of points.") var points = "1000000"
    @Option(parsing: .unconditional, help: "Number of features d.") var features = "16"
    @Option(parsing: .unconditional, help: "Number of components K (data and model).") var components = "16"
    @Option(parsing: .unconditional, help: "Means are uniform in [-spread, spread]^d: smaller overlaps more.") var spread = "2.0"
    @Option(help: "Covariance type: full, diag, tied or spherical.") var covariance: String = "full"
    @Option(parsing: .unconditional, help: "Maximum EM iterations.") var maxIter = "100"
    @Option(parsing: .unconditional, help: "Convergence tolerance on the mean log-likelihood.") var tol = "1e-3"
    @Option(parsing: .unconditional, help: "Seed for data and fit.") var seed = "2026"
    @Option(parsing: .unconditional, help: "Threads (default: OpenMP's, OMP_NUM_THREADS).") var threads: String?

    func run() throws {
        let points = try OptionValue.int(self.points, option: "--points", minimum: 1)
        let features = try OptionValue.int(self.features, option: "--features", minimum: 1)
        let components = try OptionValue.int(self.components, option: "--components", parameter: "n_components", minimum: 1)
        let spread = try OptionValue.float(self.spread, option: "--spread", minimum: 0)
        let maxIter = try OptionValue.int(self.maxIter, option: "--max-iter", parameter: "max_iter", minimum: 0)
        let tol = try OptionValue.float(self.tol, option: "--tol", parameter: "tol")
        let seed = try OptionValue.seed(self.seed)
        let threads = try OptionValue.threads(self.threads)
        let type = try parseCovariance(covariance)
        // The data live in memory (8 bytes a value), then the fit's own needs.
        guard points >= 2 else { throw CommandError("--points: \(GaussianMixtureError.notEnoughSamples(samples: points, features: features, minimum: 2))") }
        guard points >= components else { throw CommandError("--points: \(GaussianMixtureError.tooFewSamples(samples: points, components: components))") }
        try SyntheticMixture.checkMemory(components: components, features: features, points: points)
        let clock = ContinuousClock()
        let t0 = clock.now
        let data = SyntheticMixture(components: components, features: features, spread: spread, seed: seed).sample(points, seed: seed &+ 1)
        let generated = (clock.now - t0)
        log("generated \(points) × \(features) points from \(components) random full-covariance components in \(format(generated.inSeconds, 2)) s")
        var gm = GaussianMixture(components: components, covarianceType: type, tolerance: tol, maxIterations: maxIter, seed: seed, threads: threads)
        gm.initialization = .kmeans
        let t1 = clock.now
        var emSeconds = 0.0
        let model = try gm.fit(data.points, monitor: stopOnSignal) { p in
            emSeconds += p.seconds
            log(String(format: "iter %3d  mean log-likelihood %.6f  change %.3e  %.3f s", p.iteration, p.lowerBound, p.change, p.seconds))
        }
        let total = (clock.now - t1).inSeconds
        if !model.converged { log("warning: \(nonConvergenceWarning)") }
        print("""
        swift-gmm demo
          data                 \(points) points, d = \(features), K = \(components) (seed \(seed))
          covariance           \(type.rawValue)
          iterations           \(model.iterations)
          converged            \(model.converged)
          mean log-likelihood  \(String(format: "%.6f", model.lowerBound))
          seconds / iteration  \(format(emSeconds / Double(max(1, model.iterations)), 4))
          fit seconds          \(format(total, 2)) (initialization \(format(total - emSeconds, 2)))
          threads              \(model.fitThreads) (OpenMP: \(NativeRuntime.builtWithOpenMP ? "yes" : "no"))
          kernel ISA           \(gm.isa.resolvedName)
        """)
    }

    private func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    private func format(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}
