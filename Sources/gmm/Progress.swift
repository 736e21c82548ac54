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

    private func emit(_ s: String) {
        // Under mpirun, stderr is a pipe that mpirun stops draining once it is signalled: a
        // progress line that would block is dropped (and none is written after a signal), so
        // rank 0 reaches the end of the iteration, agrees on the stop and saves the checkpoint.
        if Cluster.size > 1 {
            guard Interruption.pending == 0 else { return }
            var ready = pollfd(fd: STDERR_FILENO, events: Int16(POLLOUT), revents: 0)
            guard poll(&ready, 1, 0) == 1, ready.revents & Int16(POLLOUT) != 0 else { return }
        }
        FileHandle.standardError.write(Data(s.utf8))
    }
}
