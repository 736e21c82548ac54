import Foundation
import FuzzDriver
import GMM

/// Fuzz targets for the parsers of untrusted files. Each input goes through the parser and, when
/// it parses, through what the CLI would do next (fit or evaluate, or write and read back).
/// Thrown errors are the expected outcome for bad input; a crash, a hang, an unbounded
/// allocation or a broken property (below) is a finding.
///
/// Built two ways (see `make fuzz`):
/// - with `-sanitize=fuzzer,address -DFUZZING` (and GMM_FUZZING for the C driver): a libFuzzer
///   binary; GMM_FUZZ_TARGET picks the target (npy, csv, model, checkpoint);
/// - normally: `gmm-fuzz TARGET FILE-OR-DIRECTORY...` replays inputs (the corpus and past
///   findings) through the same targets.
enum FuzzTarget: String, CaseIterable {
    case npy, csv, model, checkpoint

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .npy:
            guard let data = try? NPY.decode(bytes, path: "input.npy") else { return }
            switch data {
            case .float64(let X): fitSmall(X)
            case .float32(let X): fitSmall(X)
            }
        case .csv:
            guard let X = try? CSV.parse(bytes, name: "input.csv") else { return }
            fitSmall(X)
        case .model:
            guard let model = try? ModelFile.decode(Array(bytes), path: "input.json") else { return }
            // Property: what we write, we read back identically (the covariances are what a
            // model file is read from; factors given alone are turned into covariances first).
            let again = try? ModelFile.decode(Array(ModelFile.json(model, settings: nil).utf8), path: "again.json")
            let p = model.parameters, q = again?.parameters
            precondition(q?.weights == p.weights && q?.means == p.means && q?.covariances == p.covariances,
                         "a model did not survive a write and read")
            // Property: a valid model evaluates to a log-likelihood that is not NaN.
            let X = Matrix(rows: 3, columns: model.features, elements: (0..<(3 * model.features)).map { Double($0 % 5) - 2 })
            if let score = try? model.score(X) { precondition(!score.isNaN, "a valid model scored NaN") }
        case .checkpoint:
            guard let checkpoint = try? CheckpointFile.decode(Array(bytes), path: "input.json") else { return }
            let again = try? CheckpointFile.decode(Array(CheckpointFile.json(checkpoint).utf8), path: "again.json")
            precondition(again == checkpoint, "a checkpoint did not survive a write and read")
        }
    }

    /// Property: data that pass validation fit to a finite lower bound or fail with a typed error.
    private func fitSmall<E: GMMScalar>(_ X: Matrix<E>) {
        guard X.rows <= 4096 else { return }
        for k in [1, 2] {
            let gm = GaussianMixture(components: k, maxIterations: 5, seed: 1, threads: 1)
            if let model = try? gm.fit(X) {
                precondition(model.lowerBound.isFinite, "a fit ended with lower bound \(model.lowerBound)")
                precondition(model.parameters.covariances.allSatisfy(\.isFinite), "a fit ended with a non-finite covariance")
            }
        }
    }
}

/// The target named by GMM_FUZZ_TARGET (fuzzing) or the first argument (replay).
private let fuzzTarget = FuzzTarget(rawValue: ProcessInfo.processInfo.environment["GMM_FUZZ_TARGET"] ?? "")

@main
struct FuzzMain {
    static func main() throws {
        #if FUZZING
        guard fuzzTarget != nil else {
            print("set GMM_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        exit(gmm_fuzz_run_driver(CommandLine.argc, CommandLine.unsafeArgv) { data, size in
            fuzzTarget!.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
        #else
        try replay(CommandLine.arguments)
        #endif
    }

    static func replay(_ arguments: [String]) throws {
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
            print("usage: gmm-fuzz npy|csv|model|checkpoint FILE-OR-DIRECTORY...")
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst(2) {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let files = isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                data.withUnsafeBytes { target.run($0) }
                count += 1
            }
        }
        print("gmm-fuzz \(target.rawValue): \(count) inputs replayed, no finding")
    }
}
