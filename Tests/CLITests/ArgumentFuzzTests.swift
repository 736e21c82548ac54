import Foundation
import GMM
import Testing

/// A command-line fuzzer: every subcommand with generated argument lists — valid and invalid
/// option names and values (negative, zero, huge, NaN, empty, non-numeric), paths that are
/// missing, directories, devices, or the same as another argument — on small files. Each run
/// must end by itself (no signal, no hang: a time limit), with exit code 0, or 1 and exactly
/// one line on stderr, and leave every input file as it was (checksums before and after).
///
/// `make test` runs 2,000 cases from a fixed seed; `make fuzz` runs it for FUZZ_SECONDS
/// (GMM_ARGFUZZ_SECONDS) from a random seed (GMM_ARGFUZZ_SEED to repeat one).
@Suite("gmm command line, argument fuzzer")
struct ArgumentFuzzTests {
    /// One generated command line and what happened.
    struct Outcome: Sendable {
        let arguments: [String]
        let problem: String?
    }

    static let inputs = ["data.npy", "data32.npy", "data.csv", "w.npy", "model.json", "diag.json", "start.json", "ckpt.json"]
    static let outputs = ["o.json", "o.npy", "o.csv", "o.svg", "labels.npy", "proba.npy", "logp.csv", "c.json", "model2.json"]
    static let special = ["dir", "missing.npy", "nodir/o.json", "/dev/null", "-", "link.npy", ""]
    static let numbers = ["1", "2", "3", "0.5", "1e-3", "10", "0", "-1", "-0", "-2.5", "1e400", "nan", "inf", "-inf", "", " ", "abc",
                          "0x10", "9223372036854775807", "99999999999999999999", "1e-320", "1e15", "3j", "1,2", "1...4", "2-3", "256"]
    static let commands: [String: [String]] = [
        "fit": ["-k", "--covariance", "--tol", "--max-iter", "--n-init", "--init", "--init-model", "--warm-start", "--reg-covar", "--seed",
                "--threads", "--sample-weights", "--on-degenerate", "-o", "--checkpoint", "--checkpoint-every", "--resume", "--labels",
                "--json-progress", "-q", "--truncate"],
        "predict": ["-o", "--proba", "--threads"],
        "score": ["--per-sample", "--json", "--threads"],
        "sample": ["-n", "--seed", "-o", "--labels"],
        "select": ["-k", "--covariance", "--criterion", "--tol", "--max-iter", "--n-init", "--reg-covar", "--seed", "--threads", "-o",
                   "--plain-ranking", "-q", "--truncate", "--plot", "--table"],
        "info": [],
        "generate": ["-n", "-d", "-k", "--seed", "--spread", "--float32", "-o", "--labels", "--model"],
        "plot": ["-o", "--points", "--seed", "--uncertainty", "--image-shape"],
        "demo": ["--points", "--features", "--components", "--spread", "--covariance", "--max-iter", "--tol", "--seed", "--threads"],
    ]
    static let positionals: [String: [String]] = [
        "fit": ["data"], "predict": ["model", "data"], "score": ["model", "data"], "sample": ["model"], "select": ["data"],
        "info": ["model"], "generate": [], "plot": ["model", "data"], "demo": [],
    ]
    static let flags: Set<String> = ["--json-progress", "-q", "--json", "--float32", "--plain-ranking", "--uncertainty"]
    static let words = ["full", "diag", "tied", "spherical", "all", "kmeans", "k-means++", "random", "random-from-data", "reseed", "fail",
                        "bic", "aic", "bogus"]

    /// The small files every run may read (and must not change).
    static func makeFiles(in dir: URL) throws {
        var rng = SeededGenerator(seed: 1)
        let X = Matrix(rows: 60, columns: 2, elements: (0..<120).map { i in (i / 2 < 30 ? 0 : 6) + rng.nextGaussian() })
        try NPY.write(X, to: dir.appendingPathComponent("data.npy").path)
        try NPY.write(Matrix(rows: 60, columns: 2, elements: X.elements.map { Float($0) }), to: dir.appendingPathComponent("data32.npy").path)
        try Data((0..<60).map { "\(X[$0, 0]),\(X[$0, 1])\n" }.joined().utf8).write(to: dir.appendingPathComponent("data.csv"))
        try NPY.write(Matrix(rows: 60, columns: 1, elements: (0..<60).map { Double($0 % 3) + 0.5 }), to: dir.appendingPathComponent("w.npy").path,
                      oneDimensional: true)
        let model = try GaussianMixture(components: 2, seed: 1).fit(X)
        try ModelFile.write(model, settings: nil, to: dir.appendingPathComponent("model.json").path)
        let diag = try GaussianMixture(components: 3, covarianceType: .diag, seed: 1).fit(X)
        try ModelFile.write(diag, settings: nil, to: dir.appendingPathComponent("diag.json").path)
        try Data("{\"means\": [[0, 0], [6, 6]]}".utf8).write(to: dir.appendingPathComponent("start.json"))
        var saved: FitCheckpoint?
        _ = try GaussianMixture(components: 2, tolerance: 0, maxIterations: 4, seed: 3)
            .fit(X, monitor: FitMonitor(checkpointEvery: 2, saveCheckpoint: { saved = $0 }))
        if let saved { try CheckpointFile.write(saved, to: dir.appendingPathComponent("ckpt.json").path) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("dir"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.npy").path, withDestinationPath: "data.npy")
    }

    /// A generated command line: mostly well-formed (so runs reach the numerics), with wrong
    /// names, values and paths mixed in.
    static func generate(_ rng: inout SeededGenerator) -> [String] {
        func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
        func chance(_ p: Double) -> Bool { rng.nextUnit() < p }
        let names = commands.keys.sorted()
        let command = chance(0.02) ? pick(["bogus", "help", ""]) : pick(names)
        var args = [command]
        for role in positionals[command] ?? [] {
            if chance(0.15) { args.append(pick(special + inputs + outputs)); continue }
            args.append(role == "model" ? pick(["model.json", "diag.json"]) : pick(["data.npy", "data32.npy", "data.csv", "link.npy"]))
        }
        func value(for option: String) -> String {
            if chance(0.12) { return pick(numbers + special) }
            switch option {
            case "-o", "--labels", "--proba", "--per-sample", "--checkpoint", "--model":
                if chance(0.15) { return pick(inputs + ["link.npy"]) }  // an output over an input: must be refused
                return pick(outputs)
            case "--init-model", "--warm-start", "--resume", "--sample-weights":
                return chance(0.7) ? pick(option == "--sample-weights" ? ["w.npy"] : option == "--resume" ? ["ckpt.json"] : ["model.json", "diag.json", "start.json"])
                    : pick(inputs + special)
            case "--covariance", "--init", "--on-degenerate", "--criterion":
                return pick(words)
            case "-k": return command == "select" ? pick(["1...3", "2,3", "1", "2", "0...2", "-1", "100"]) : pick(["1", "2", "3", "0", "-2", "100", "x"])
            case "-n", "--points": return pick(["1", "5", "100", "0", "-3", "9223372036854775807", "1e15", "x"])
            case "-d", "--features", "--components": return pick(["1", "2", "3", "0", "-1", "9223372036854775807", "1000000000000"])
            case "--threads": return pick(["1", "2", "0", "-1", "256", "257", "100000"])
            case "--max-iter": return pick(["0", "1", "5", "20", "-1", "9223372036854775807"])
            case "--n-init": return pick(["1", "2", "0", "-1"])
            default: return pick(numbers)
            }
        }
        let options = commands[command] ?? []
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            let option = chance(0.05) ? pick(["--bogus", "-x", "--tol=", "-k-1", "--"]) : options.isEmpty ? "--bogus" : pick(options)
            args.append(option)
            if !flags.contains(option) && !option.hasSuffix("=") && chance(0.97) { args.append(value(for: option)) }
        }
        // Keep runs short: demo defaults to a million points.
        if command == "demo" && !args.contains("--points") { args += ["--points", "300", "--features", "2", "--components", "2"] }
        if command == "fit" && !args.contains("-k") && chance(0.8) { args += ["-k", "2"] }
        if ["fit", "select"].contains(command) && !args.contains("-o") && chance(0.8) { args += ["-o", "o.json"] }
        if ["predict", "sample", "generate", "plot"].contains(command) && !args.contains("-o") && chance(0.8) {
            args += ["-o", command == "plot" ? "o.svg" : "o.npy"]
        }
        if command == "generate" { for (o, v) in [("-n", "50"), ("-d", "2"), ("-k", "2")] where !args.contains(o) { args += [o, v] } }
        if command == "sample" && !args.contains("-n") { args += ["-n", "20"] }
        // A huge --n-init is a legitimate request for endless restarts, and a huge --max-iter one
        // to iterate until convergence: keep the restarts few and give a tol that converges
        // (with tol 0 such a fit would rightly run for ever).
        for i in args.indices.dropLast() where args[i] == "--n-init" && args[i + 1].count >= 10 { args[i + 1] = "3" }
        if let i = args.firstIndex(of: "--max-iter"), i + 1 < args.count, args[i + 1].count >= 10 {
            var j = 0
            while j < args.count { if args[j] == "--tol" { args.removeSubrange(j..<min(j + 2, args.count)) } else { j += 1 } }
            args += ["--tol", "1e-3"]
        }
        return args
    }

    static func checksum(_ url: URL) -> String {
        guard let data = try? Data(contentsOf: url) else { return "unreadable" }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return "\(data.count):\(h)"
    }

    static let outputOptions: Set<String> = ["-o", "--labels", "--proba", "--per-sample", "--checkpoint", "--model"]

    /// The files this command line must leave as they are: those it reads, and those it does
    /// not name as an output (a file named only as an output may be replaced: that is -o's job).
    static func protected(_ arguments: [String]) -> [String] {
        var named: Set<String> = [], asOutput: Set<String> = []
        for (i, a) in arguments.enumerated() where i > 0 {
            if outputOptions.contains(arguments[i - 1]) { asOutput.insert(a) } else { named.insert(a) }
        }
        if named.contains("link.npy") { named.insert("data.npy") }  // the link reads data.npy
        return inputs.filter { named.contains($0) || !asOutput.contains($0) }
    }

    /// Runs one command line in `dir` within `limit` seconds; returns the problem, if any.
    static func check(_ arguments: [String], in dir: URL, limit: Double) throws -> String? {
        let before = Dictionary(uniqueKeysWithValues: protected(arguments).map { ($0, checksum(dir.appendingPathComponent($0))) })
        let process = Process()
        process.executableURL = GMMBinary.url
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.environment = ProcessInfo.processInfo.environment.merging(["OMP_NUM_THREADS": "1"]) { $1 }
        let errURL = dir.appendingPathComponent(".stderr"), outURL = dir.appendingPathComponent(".stdout")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let err = try FileHandle(forWritingTo: errURL), out = try FileHandle(forWritingTo: outURL)
        process.standardError = err
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        var problem: String?
        if process.isRunning {
            process.terminate()
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            problem = "no exit within \(limit) s"
        }
        process.waitUntilExit()
        try err.close()
        try out.close()
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        if problem == nil {
            if process.terminationReason == .uncaughtSignal {
                problem = "signal \(process.terminationStatus): \(stderr.prefix(300))"
            } else if process.terminationStatus == 1 {
                let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true)
                if lines.count != 1 || !stderr.hasPrefix("gmm: error: ") { problem = "exit 1 with stderr: \(stderr.prefix(600))" }
            } else if process.terminationStatus != 0 {
                problem = "exit \(process.terminationStatus): \(stderr.prefix(300))"
            }
        }
        for (name, sum) in before where checksum(dir.appendingPathComponent(name)) != sum {
            problem = (problem.map { $0 + "; " } ?? "") + "input \(name) changed"
        }
        // Outputs go; inputs a run replaced (named only as its output) are made again.
        for name in outputs + ["missing.npy", ".stderr", ".stdout"] { try? FileManager.default.removeItem(at: dir.appendingPathComponent(name)) }
        if inputs.contains(where: { !protected(arguments).contains($0) }) {
            for name in inputs + ["link.npy"] { try? FileManager.default.removeItem(at: dir.appendingPathComponent(name)) }
            try? FileManager.default.removeItem(at: dir.appendingPathComponent("dir"))
            try makeFiles(in: dir)
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        if leftovers.contains(where: { $0.contains(".tmp-") }) { problem = (problem.map { $0 + "; " } ?? "") + "temporary file left" }
        return problem
    }

    /// Runs `count` cases (or until `seconds` pass) on two workers; returns every problem.
    static func fuzz(seed: UInt64, count: Int, seconds: Double?) throws -> (cases: Int, problems: [Outcome]) {
        let root = try scratchDirectory()
        let workers = 2
        let results = Results()
        let end = seconds.map { Date().addingTimeInterval($0) }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            do {
                let dir = root.appendingPathComponent("w\(w)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try makeFiles(in: dir)
                var rng = SeededGenerator(seed: seed &+ UInt64(w) &* 0x9E37_79B9)
                var i = w
                while end.map({ Date() < $0 }) ?? (i < count) {
                    let args = generate(&rng)
                    results.add(args, try check(args, in: dir, limit: 30))
                    i += workers
                }
            } catch {
                results.fail(error)
            }
        }
        try? FileManager.default.removeItem(at: root)
        return try results.summary()
    }

    /// What the workers found, behind a lock.
    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var problems: [Outcome] = []
        private var done = 0
        private var setupError: Error?

        func add(_ arguments: [String], _ problem: String?) {
            lock.lock(); defer { lock.unlock() }
            done += 1
            if let problem { problems.append(Outcome(arguments: arguments, problem: problem)) }
        }

        func fail(_ error: Error) {
            lock.lock(); defer { lock.unlock() }
            setupError = error
        }

        func summary() throws -> (cases: Int, problems: [Outcome]) {
            lock.lock(); defer { lock.unlock() }
            if let setupError { throw setupError }
            return (done, problems)
        }
    }

    @Test func generatedCommandLinesNeverCrashHangOrTouchInputs() throws {
        let env = ProcessInfo.processInfo.environment
        let seconds = env["GMM_ARGFUZZ_SECONDS"].flatMap(Double.init)
        let seed = env["GMM_ARGFUZZ_SEED"].flatMap(UInt64.init) ?? (seconds == nil ? 2026 : UInt64.random(in: 0...UInt64.max))
        let (cases, problems) = try Self.fuzz(seed: seed, count: 2000, seconds: seconds)
        print("argument fuzzer: seed \(seed), \(cases) command lines, \(problems.count) problems")
        #expect(cases >= (seconds == nil ? 2000 : 1))
        for p in problems.prefix(20) {
            Issue.record("gmm \(p.arguments.map { $0.isEmpty || $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")): \(p.problem ?? "")")
        }
    }
}
