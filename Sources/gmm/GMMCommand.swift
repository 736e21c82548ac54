import ArgumentParser
import Foundation
import GMM

@main
struct GMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gmm",
        abstract: "Fit Gaussian mixture models by EM with vectorized, multithreaded kernels.",
        discussion: """
        Data files: .npy (float64/float32, memory-mapped) or CSV (comma, tab or whitespace; \
        optional header; '-' reads standard input). Outputs: .npy or .csv by extension, \
        written atomically. Models: JSON ("swift-gmm/1", scikit-learn-shaped fields).

        Examples:
          gmm generate -n 100000 -d 2 -k 3 --seed 1 -o X.npy --labels truth.npy
          gmm fit X.npy -k 3 -o model.json --labels labels.npy
          gmm predict model.json X.npy -o labels.npy --proba proba.npy
          gmm score model.json X.npy
          gmm select X.npy -k 1...8 --covariance all -o best.json
          gmm plot model.json X.npy -o fit.svg
        """,
        version: "swift-gmm 0.1.0" + (Cluster.builtWithMPI ? " (MPI)" : ""),
        subcommands: [Fit.self, Predict.self, Score.self, Sample.self, Select.self, Info.self,
                      Generate.self, Plot.self, Demo.self])

    /// Runs the command; data, model, option-value, usage and numerical errors become one line
    /// on stderr and exit code 1; SIGINT and SIGTERM stop it cleanly with exit code 130 or 143.
    static func main() {
        // A crash must never wait on a terminal: the Swift runtime's backtracer turns
        // interactive when attached to one, and it reads SWIFT_BACKTRACE only at start-up.
        // So, unless the user chose a setting, set a non-interactive one and start again.
        if getenv("SWIFT_BACKTRACE") == nil {
            setenv("SWIFT_BACKTRACE", "interactive=no", 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)  // returns only if it failed: go on as we are
        }
        Interruption.install()
        // An unknown GMM_ISA is ignored by the kernel dispatch: say so once, rather than leave
        // a typo (e.g. "AVX2") to pass for a forced choice.
        if let isa = ProcessInfo.processInfo.environment["GMM_ISA"], !["ref", "avx2", "avx512"].contains(isa) {
            printError("gmm: warning: GMM_ISA=\(isa) is not one of ref, avx2, avx512; using \(KernelISA.automatic.resolvedName)")
        }
        Cluster.start()
        do {
            var command = try parseAsRoot()
            try Cluster.check(command)
            try command.run()
            Cluster.finish()
        } catch let error as DataFileError {
            fail(error.description)
        } catch let error as GaussianMixtureError {
            fail(error.description)
        } catch let error as CommandError {
            fail(error.message)
        } catch let error as Interrupted {
            // (Every rank of a distributed job stops here together: finish MPI, then exit.)
            let signal = error.signal != 0 ? error.signal : SIGTERM
            if Cluster.isRoot { FileHandle.standardError.write(Data("gmm: \(error.message)\n".utf8)) }
            Cluster.finish()
            Foundation.exit(128 + signal)
        } catch is FitInterrupted {  // a fit outside `gmm fit` (select, demo): nothing to resume
            let error = Interrupted(signal: Interruption.pending, note: "no output written")
            FileHandle.standardError.write(Data("gmm: \(error.message)\n".utf8))
            Foundation.exit(128 + error.signal)
        } catch {
            // ArgumentParser's own errors: help and version as it prints them; usage mistakes
            // (unknown option, missing value) as one line and exit code 1, like all bad input.
            if exitCode(for: error) == .success { exit(withError: error) }
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("gmm: error: \(text) (see 'gmm help' and 'gmm help COMMAND')\n".utf8))
            Foundation.exit(1)
        }
    }

    static func fail(_ message: String) -> Never {
        let where_ = Cluster.size > 1 ? " (rank \(Cluster.rank) of \(Cluster.size))" : ""
        FileHandle.standardError.write(Data("gmm: error: \(message)\(where_)\n".utf8))
        Cluster.abort(1)
    }
}

/// A failure the command itself detects (bad option value, missing input), with its message.
struct CommandError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
