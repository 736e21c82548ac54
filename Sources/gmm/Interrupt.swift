import Foundation
import GMM
import Synchronization

/// The signal (SIGINT or SIGTERM) that asked the command to stop; 0 while none has.
private let pendingSignal = Atomic<Int32>(0)

/// Ctrl-C and `kill` stop a command between steps instead of killing it mid-write: the first
/// signal is recorded and long loops (EM iterations, streamed blocks) check it, so outputs are
/// either complete or absent and a fit saves a checkpoint. A second signal stops at once.
enum Interruption {
    static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM] {
            let previous = Glibc.signal(sig) { sig in
                // Only async-signal-safe work here: an atomic exchange, signal and raise.
                if pendingSignal.exchange(sig, ordering: .relaxed) != 0 {
                    _ = Glibc.signal(sig, SIG_DFL)
                    _ = raise(sig)
                }
            }
            // A signal the parent set to be ignored (a background job's SIGINT) stays ignored.
            if let previous, unsafeBitCast(previous, to: Int.self) == 1 /* SIG_IGN */ { _ = Glibc.signal(sig, SIG_IGN) }
            sigaddset(&set, sig)
        }
        // A parent may have blocked them (the mask is inherited); a blocked signal never arrives.
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The pending signal, 0 if none.
    static var pending: Int32 { pendingSignal.load(ordering: .relaxed) }

    /// Throws `Interrupted` once a signal has arrived.
    static func check(_ note: String = "no output written") throws {
        if pending != 0 { throw Interrupted(signal: pending, note: note) }
    }
}

/// A command stopped by a signal; exits with 128 + the signal number, as shells expect.
struct Interrupted: Error {
    let signal: Int32
    let note: String
    var name: String { signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)" }
    var message: String { "interrupted by \(name); \(note)" }
}

/// A monitor that only stops a fit when a signal arrives (fits with nothing to resume).
var stopOnSignal: FitMonitor { FitMonitor(shouldStop: { Interruption.pending != 0 }) }
