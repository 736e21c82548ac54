import Foundation
import GMM
import Testing

/// Real signals sent to a running `gmm`: a fit stops after its current iteration and saves a
/// checkpoint, other commands stop without output, and a resumed fit ends bit for bit where an
/// uninterrupted one does.
@Suite("gmm command line, interruption and resume")
struct InterruptionTests {
    /// Starts `gmm` with stderr going to a file, and returns the process and that file.
    func start(_ arguments: [String], in dir: URL) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = GMMBinary.url
        process.arguments = arguments
        process.currentDirectoryURL = dir
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, errURL)
    }

    /// Waits (up to a minute) until the file contains `text`.
    func wait(for text: String, in file: URL) throws -> Bool {
        for _ in 0..<6000 {
            if String(decoding: try Data(contentsOf: file), as: UTF8.self).contains(text) { return true }
            usleep(10_000)
        }
        return false
    }

    @Test func sigintStopsAFitWithACheckpointAndResumeEndsBitwiseEqual() throws {
        let dir = try scratchDirectory()
        #expect(try GMMBinary.run(["generate", "-n", "100000", "-d", "8", "-k", "6", "--seed", "3", "-o", "X.npy"], in: dir).status == 0)
        let fit = ["fit", "X.npy", "-k", "8", "--seed", "5", "--tol", "0", "--max-iter", "300", "--threads", "2"]
        let full = try GMMBinary.run(fit + ["-o", "full.json", "-q"], in: dir)
        #expect(full.status == 0, "\(full.stderr)")

        let (process, errURL) = try start(fit + ["-o", "part.json", "--json-progress"], in: dir)
        defer { try? FileManager.default.removeItem(at: errURL) }
        #expect(try wait(for: "\"iter\":3,", in: errURL), "the fit reached iteration 3")
        process.interrupt()  // SIGINT
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        let last = stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("gmm: interrupted by SIGINT; stopped after iteration "), "\(last)")
        #expect(last.hasSuffix("checkpoint saved to part.checkpoint.json; no model written (rerun with --resume part.checkpoint.json to finish)"))
        // No model, no temporary file: only the checkpoint is new.
        #expect(try listing(dir) == ["X.npy", "full.json", "part.checkpoint.json"])
        let checkpoint = try CheckpointFile.read(dir.appendingPathComponent("part.checkpoint.json").path)
        #expect(checkpoint.current.iterations >= 3 && checkpoint.current.iterations < 300)

        let mismatch = try GMMBinary.run(["fit", "X.npy", "-k", "7", "--tol", "0", "--max-iter", "300", "-o", "part.json",
                                          "--resume", "part.checkpoint.json"], in: dir)
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr == "gmm: error: part.checkpoint.json: cannot resume: the checkpoint was made with other settings (components: checkpoint 8, this fit 7)\n")

        // The seed comes from the checkpoint when --seed is left out.
        let resumed = try GMMBinary.run(Array(fit.filter { $0 != "--seed" && $0 != "5" }) + ["-o", "part.json", "-q", "--resume", "part.checkpoint.json"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("part.json")) == Data(contentsOf: dir.appendingPathComponent("full.json")),
                "the resumed fit's model file equals the uninterrupted one byte for byte")
    }

    @Test func sigtermStopsAStreamingCommandWithoutOutput() throws {
        let dir = try scratchDirectory()
        // 50 million rows: far longer than the signal takes to arrive.
        let (process, errURL) = try start(["generate", "-n", "50000000", "-d", "4", "-k", "3", "-o", "big.npy", "--labels", "labels.npy"], in: dir)
        defer { try? FileManager.default.removeItem(at: errURL) }
        usleep(300_000)
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 143)
        #expect(String(decoding: try Data(contentsOf: errURL), as: UTF8.self) == "gmm: interrupted by SIGTERM; no output written\n")
        #expect(try listing(dir).isEmpty, "no output or temporary file left")
    }
}
