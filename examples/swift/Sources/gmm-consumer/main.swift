// Fits a Gaussian mixture to a .npy file with swift-gmm and writes the model in the `gmm`
// command line's JSON format, so the two can be compared byte for byte.
//
//     gmm-consumer DATA.npy K COVARIANCE_TYPE SEED MODEL.json
import GMM

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    let line = Array("gmm-consumer: error: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

let args = CommandLine.arguments
guard args.count == 6 else {
    fail("usage: gmm-consumer DATA.npy K COVARIANCE_TYPE SEED MODEL.json")
}
guard let k = Int(args[2]), k > 0 else { fail("K must be a positive integer, not '\(args[2])'") }
guard let type = CovarianceType(rawValue: args[3]) else {
    fail("COVARIANCE_TYPE must be full, tied, diag or spherical, not '\(args[3])'")
}
guard let seed = UInt64(args[4]) else { fail("SEED must be a non-negative integer, not '\(args[4])'") }

do {
    var gm = GaussianMixture(components: k, covarianceType: type)
    gm.seed = seed
    let model: FittedGaussianMixture
    var clock = timespec()
    clock_gettime(CLOCK_MONOTONIC, &clock)
    let start = Double(clock.tv_sec) + Double(clock.tv_nsec) * 1e-9
    switch try NPY.read(args[1]) {
    case .float64(let X): model = try gm.fit(X)
    case .float32(let X): model = try gm.fit(X)
    }
    clock_gettime(CLOCK_MONOTONIC, &clock)
    let seconds = Double(clock.tv_sec) + Double(clock.tv_nsec) * 1e-9 - start
    let settings = ModelFile.Settings(tol: gm.tolerance, regCovar: gm.regCovar, maxIter: gm.maxIterations,
                                      nInit: gm.initializations, initMethod: "kmeans", seed: seed)
    try ModelFile.write(model, settings: settings, to: args[5])
    print("weights:", model.weights)
    print("means:", model.means)        // matrices print their values
    print("iterations: \(model.iterations), converged: \(model.converged), lower bound: \(model.lowerBound)")
    print("fit seconds: \(seconds), OpenMP: \(NativeRuntime.builtWithOpenMP), threads: \(NativeRuntime.threadCount()), kernels: \(KernelISA.automatic.resolvedName)")
} catch {
    fail("\(error)")
}
