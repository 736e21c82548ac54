// gmm-bench: fixed-iteration EM fits (tol = 0, explicit start) timed per iteration, with the
// machine's FMA peak measured in the same run. `make bench` runs the grid.
//
//   gmm-bench grid [--quick] [--json FILE]   every workload in its own process (clean peak RSS)
//   gmm-bench scaling [--json FILE]          full, d = 16, K = 16, N from 100k to 10M
//   gmm-bench run N D K full|diag f64|f32 [ITERATIONS] [REPEATS] [TAU]   one workload, one JSON line (TAU: truncated EM)
//   gmm-bench peak [THREADS]                 FMA peak in GFLOP/s
import BenchSupport
import Foundation
import GMM

struct Workload: Codable {
    var n: Int, d: Int, k: Int, covariance: String, dtype: String
    var iterations = 20, repeats = 3
    /// τ of the truncated E-step (nil: exact EM).
    var truncation: Double? = nil
}

struct Measurement: Codable {
    var workload: Workload
    var secondsPerIteration: Double      // median over all timed iterations of all repeats
    var repeatMedians: [Double]
    var usefulGFLOP: Double              // per iteration
    var gflops: Double
    var threads: Int
    var lowerBound: Double
    var dataMB: Double
    var peakRSSMB: Double
}

func usefulFlops(_ w: Workload) -> Double {
    let n = Double(w.n), k = Double(w.k), d = Double(w.d)
    // One FMA = 2 flops. Full: d(d+1)/2 FMAs per point and component in the triangular
    // E-step product and as many in the symmetric M-step update. Diagonal: d each.
    return w.covariance == "full" ? 2 * n * k * d * (d + 1) : 4 * n * k * d
}

func peakRSSMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func median(_ x: [Double]) -> Double {
    let s = x.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Data drawn chunk by chunk straight into the element type (no float64 copy of float32 data).
func makeData<T: GMMScalar>(_: T.Type, _ w: Workload, truth: GaussianMixtureParameters) -> Matrix<T> {
    Matrix<T>(rows: w.n, columns: w.d) { out in
        truth.sampleChunks(w.n, seed: 7) { start, count, x, _ in
            for i in 0..<(count * w.d) { out[start * w.d + i] = T(x[i]) }
        }
    }
}

/// The true mixture, as parameters of the benchmarked covariance type: the explicit start.
func start(_ truth: GaussianMixtureParameters, _ type: CovarianceType) throws -> GaussianMixtureParameters {
    let K = truth.components, d = truth.features
    guard type == .diag else { return truth }
    let variances = (0..<K).flatMap { k in (0..<d).map { truth.covariances[k * d * d + $0 * d + $0] } }
    return try GaussianMixtureParameters(weights: truth.weights, means: truth.means, covariances: variances, covarianceType: .diag)
}

func run(_ w: Workload) throws -> Measurement {
    let type = CovarianceType(rawValue: w.covariance)!
    // Means uniform in [-spread, spread]^d (GMM_BENCH_SPREAD, default 2: heavily overlapping
    // components at large K; 10: SyntheticMixture's default, well separated).
    let spread = ProcessInfo.processInfo.environment["GMM_BENCH_SPREAD"].flatMap(Double.init) ?? 2
    let truth = SyntheticMixture(components: w.k, features: w.d, spread: spread, seed: 2026).parameters
    var gm = GaussianMixture(components: w.k, covarianceType: type, tolerance: 0, maxIterations: w.iterations,
                             initialization: .parameters(try start(truth, type)))
    gm.truncation = w.truncation
    var medians: [Double] = [], all: [Double] = []
    var bound = 0.0
    func time<T: GMMScalar>(_ X: Matrix<T>) throws {
        for _ in 0..<w.repeats {
            var seconds: [Double] = []
            let model = try gm.fit(X) { seconds.append($0.seconds) }
            medians.append(median(seconds))
            all += seconds
            bound = model.lowerBound
        }
    }
    let bytes: Double
    if w.dtype == "f32" {
        let X = makeData(Float.self, w, truth: truth)
        bytes = Double(X.rows * X.columns * 4)
        try time(X)
    } else {
        let X = makeData(Double.self, w, truth: truth)
        bytes = Double(X.rows * X.columns * 8)
        try time(X)
    }
    let s = median(all)
    return Measurement(workload: w, secondsPerIteration: s, repeatMedians: medians, usefulGFLOP: usefulFlops(w) / 1e9,
                       gflops: usefulFlops(w) / s / 1e9, threads: NativeRuntime.threadCount(), lowerBound: bound,
                       dataMB: bytes / 1048576, peakRSSMB: peakRSSMB())
}

/// Runs one workload in a child process, so its peak RSS is its own.
func runIsolated(_ w: Workload) throws -> Measurement {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    p.arguments = ["run", "\(w.n)", "\(w.d)", "\(w.k)", w.covariance, w.dtype, "\(w.iterations)", "\(w.repeats)"]
        + (w.truncation.map { ["\($0)"] } ?? [])
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw NSError(domain: "gmm-bench", code: Int(p.terminationStatus)) }
    return try JSONDecoder().decode(Measurement.self, from: data)
}

func table(_ results: [Measurement], peak: Double, peak1: Double) -> String {
    var lines = [String(format: "FMA peak measured in this run: %.1f GFLOP/s float64 on %d threads (%.1f on 1 thread); "
                        + "f32 rows are rated against twice that (8 lanes)", peak, NativeRuntime.threadCount(), peak1), "",
                 "| N | d | K | covariance | dtype | E-step | s/iteration | useful GFLOP/s | % of peak | peak RSS MB | data MB |",
                 "|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|"]
    for m in results {
        let w = m.workload
        lines.append(String(format: "| %d | %d | %d | %@ | %@ | %@ | %.4f | %.1f | %.0f%% | %.0f | %.0f |", w.n, w.d, w.k,
                            w.covariance as NSString, w.dtype as NSString,
                            (w.truncation.map { "truncated τ=\($0)" } ?? "exact") as NSString, m.secondsPerIteration, m.gflops,
                            100 * m.gflops / (w.dtype == "f32" ? 2 * peak : peak), m.peakRSSMB, m.dataMB))
    }
    return lines.joined(separator: "\n")
}

struct Report: Codable {
    var peakGFLOPS: Double
    var peakGFLOPS1Thread: Double
    var threads: Int
    var results: [Measurement]
}

func grid(_ workloads: [Workload], jsonPath: String?) throws {
    let peak = gmm_bench_fma_peak(0, 1.0), peak1 = gmm_bench_fma_peak(1, 1.0)
    var results: [Measurement] = []
    for w in workloads {
        FileHandle.standardError.write(Data("gmm-bench: N=\(w.n) d=\(w.d) K=\(w.k) \(w.covariance) \(w.dtype) …\n".utf8))
        let m = try runIsolated(w)
        FileHandle.standardError.write(Data(String(format: "  %.4f s/iteration, %.1f GFLOP/s, peak RSS %.0f MB\n",
                                                   m.secondsPerIteration, m.gflops, m.peakRSSMB).utf8))
        results.append(m)
    }
    print(table(results, peak: peak, peak1: peak1))
    if let jsonPath {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(Report(peakGFLOPS: peak, peakGFLOPS1Thread: peak1, threads: NativeRuntime.threadCount(),
                                  results: results)).write(to: URL(fileURLWithPath: jsonPath))
        FileHandle.standardError.write(Data("gmm-bench: results written to \(jsonPath)\n".utf8))
    }
}

let args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? { args.firstIndex(of: name).map { args[$0 + 1] } }
do {
    switch args.first {
    case "run":
        var w = Workload(n: Int(args[1])!, d: Int(args[2])!, k: Int(args[3])!, covariance: args[4], dtype: args[5])
        if args.count > 6 { w.iterations = Int(args[6])! }
        if args.count > 7 { w.repeats = Int(args[7])! }
        if args.count > 8 { w.truncation = Double(args[8])! }
        let encoder = JSONEncoder()
        print(String(decoding: try encoder.encode(try run(w)), as: UTF8.self))
    case "peak":
        print(String(format: "%.1f", gmm_bench_fma_peak(args.count > 1 ? Int32(args[1])! : 0, 1.0)))
    case "scaling":
        let ns = [100_000, 300_000, 1_000_000, 3_000_000, 10_000_000]
        try grid(ns.map { Workload(n: $0, d: 16, k: 16, covariance: "full", dtype: "f64", iterations: 10, repeats: 3) },
                 jsonPath: option("--json"))
    case "grid":
        let quick = args.contains("--quick")
        var workloads: [Workload] = []
        for n in quick ? [100_000] : [100_000, 1_000_000] {
            for d in [2, 16, 64] {
                for k in [4, 16, 64] {
                    for covariance in ["full", "diag"] {
                        for dtype in ["f64", "f32"] {
                            // The largest full workloads run fewer iterations (same per-iteration medians).
                            let heavy = usefulFlops(Workload(n: n, d: d, k: k, covariance: covariance, dtype: dtype)) > 5e10
                            workloads.append(Workload(n: n, d: d, k: k, covariance: covariance, dtype: dtype,
                                                      iterations: heavy ? 5 : 20, repeats: 3))
                        }
                    }
                }
            }
        }
        if !quick {  // rows users run (issue 17): a speaker-model size, image-patch priors in float32, d = 2
            // exact, then truncated (τ = 1e-8)
            for tau in [nil, 1e-8] as [Double?] {
                workloads.append(Workload(n: 1_000_000, d: 40, k: 512, covariance: "diag", dtype: "f64", iterations: 3, repeats: 3, truncation: tau))
                workloads.append(Workload(n: 1_000_000, d: 64, k: 128, covariance: "full", dtype: "f32", iterations: 2, repeats: 2, truncation: tau))
                workloads.append(Workload(n: 1_000_000, d: 2, k: 16, covariance: "full", dtype: "f64", iterations: 20, repeats: 3, truncation: tau))
            }
        }
        try grid(workloads, jsonPath: option("--json"))
    default:
        print("usage: gmm-bench grid [--quick] [--json FILE] | scaling [--json FILE] | run N D K full|diag f64|f32 [ITER] [REPEATS] [TAU] | peak [THREADS]")
    }
} catch {
    FileHandle.standardError.write(Data("gmm-bench: error: \(error)\n".utf8))
    exit(1)
}
