import Foundation
import GMM

/// Fit progress on stderr: a live line on a terminal, one line per iteration otherwise,
/// one JSON object per iteration with --json-progress, nothing with --quiet.
final class ProgressReporter {
    enum Mode { case human, json, quiet }
    private let mode: Mode
    private let maxIterations: Int
    private let live: Bool
    private var elapsed = 0.0
    private var lastInit = -1

    init(mode: Mode, maxIterations: Int) {
        self.mode = mode
        self.maxIterations = maxIterations
        live = isatty(STDERR_FILENO) != 0
    }

    func report(_ p: FitProgress) {
        guard p.iteration > 0 else { return }  // (a start announced before its initialization)
        switch mode {
        case .quiet:
            return
        case .json:
            let change = p.change.isFinite ? "\(p.change)" : "null"
            emit("{\"init\":\(p.initialization),\"iter\":\(p.iteration),\"lower_bound\":\(p.lowerBound),\"change\":\(change),\"seconds\":\(p.seconds)}\n")
        case .human:
            if p.initialization != lastInit { elapsed = 0; lastInit = p.initialization }
            elapsed += p.seconds
            let perIteration = elapsed / Double(p.iteration)
            let eta = perIteration * Double(maxIterations - p.iteration)
            let line = String(format: "init %d  iter %4d/%d  mean log-likelihood %.6f  change %.3e  %.3f s/iter  ETA %.1f s",
                              p.initialization, p.iteration, maxIterations, p.lowerBound, p.change, perIteration, eta)
            emit(live ? "\r\u{1B}[2K" + line : line + "\n")
        }
    }

    /// Ends a live line.
    func finish() { if mode == .human && live && lastInit >= 0 { emit("\n") } }

    private func emit(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
