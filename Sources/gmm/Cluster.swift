import ArgumentParser
import Foundation
import GMM
#if MPI
import CMPI
#endif

/// The processes of an MPI job (the MPI package trait; without it, one process). Every rank
/// runs the same command on the same data: the EM passes are split across the ranks by slot
/// ranges (`PassDistribution`), so every rank holds the same model, bit for bit the
/// single-process one; rank 0 alone writes outputs and prints progress.
enum Cluster {
    nonisolated(unsafe) private(set) static var rank = 0
    nonisolated(unsafe) private(set) static var size = 1
    nonisolated(unsafe) private(set) static var distribution: PassDistribution?

    static var isRoot: Bool { rank == 0 }

    /// True in the build with the MPI package trait.
    static var builtWithMPI: Bool {
        #if MPI
        return true
        #else
        return false
        #endif
    }

    /// Refuses what would go wrong under mpirun: a build without MPI (every rank would run
    /// the whole command and write the same outputs), and commands that are not split across
    /// ranks (only fit and select are).
    static func check(_ command: ParsableCommand) throws {
        let environment = ProcessInfo.processInfo.environment
        let launched = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"].compactMap { environment[$0] }
        if !builtWithMPI, let size = Int(launched.first ?? ""), size > 1 {
            throw CommandError("this gmm was built without MPI, so under mpirun each of the \(size) ranks would run the whole command; build the MPI one with `make mpi` (.build-mpi/release/gmm)")
        }
        if size > 1, !(command is Fit || command is Select) {
            throw CommandError("only fit and select run across the ranks of mpirun; run gmm \(String(describing: type(of: command)).lowercased()) in one process")
        }
    }

    static func start() {
        #if MPI
        var provided: Int32 = 0
        guard MPI_Init_thread(nil, nil, gmm_mpi_thread_funneled(), &provided) == gmm_mpi_success() else { return }
        var r: Int32 = 0, s: Int32 = 1
        MPI_Comm_rank(gmm_mpi_comm_world(), &r)
        MPI_Comm_size(gmm_mpi_comm_world(), &s)
        rank = Int(r)
        size = Int(s)
        if size > 1 { distribution = MPIRanks(rank: rank, size: size) }
        #endif
    }

    /// The signal that stops the job (SIGINT or SIGTERM; 0: none): in a distributed job the
    /// largest any rank has received, so every rank stops after the same iteration (a rank that
    /// stopped alone would leave the others waiting in the next pass's all-gather).
    static var pendingSignal: Int32 {
        let mine = Interruption.pending
        guard let distribution, distribution.size > 1 else { return mine }
        var flags = [Double](repeating: 0, count: distribution.size)
        flags[distribution.rank] = Double(mine)
        flags.withUnsafeMutableBufferPointer { distribution.allGather($0.baseAddress!, counts: [Int](repeating: 1, count: $0.count)) }
        return Int32(flags.max() ?? 0)
    }

    /// Throws `failure(rank, its description, rank 0's)` on every rank when some rank's
    /// `values` differ from rank 0's (inputs every rank must read alike: data, weights).
    static func agree(_ values: [Double], describe: ([Double]) -> String, failure: (Int, String, String) -> Error) throws {
        guard let distribution, distribution.size > 1 else { return }
        let all = distribution.gatherRecords(values)
        if let p = all.firstIndex(where: { !$0.elementsEqual(all[0], by: { $0.bitPattern == $1.bitPattern }) }) {
            throw failure(p, describe(all[p]), describe(all[0]))
        }
    }

    /// Rank 0's value on every rank (e.g. a random seed, which every rank must share).
    static func shared(_ value: UInt64) -> UInt64 {
        #if MPI
        guard size > 1 else { return value }
        var v = value
        _ = MPI_Bcast(&v, 8, gmm_mpi_char(), 0, gmm_mpi_comm_world())
        return v
        #else
        return value
        #endif
    }

    /// Ends the job normally (every rank).
    static func finish() {
        #if MPI
        MPI_Finalize()
        #endif
    }

    /// Stops every rank after a failure on this one (a rank that exits alone would leave the
    /// others waiting in a collective).
    static func abort(_ code: Int32) -> Never {
        #if MPI
        if size > 1 { MPI_Abort(gmm_mpi_comm_world(), code) }
        #endif
        exit(code)
    }
}

#if MPI
/// The all-gather of slot sums over MPI_COMM_WORLD.
final class MPIRanks: PassDistribution, @unchecked Sendable {
    let rank: Int
    let size: Int

    init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    func allGather(_ all: UnsafeMutablePointer<Double>, counts: [Int]) {
        var counts32 = counts.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: counts.count)
        for p in 1..<max(1, counts.count) { displacements[p] = displacements[p - 1] + counts32[p - 1] }
        _ = MPI_Allgatherv(gmm_mpi_in_place(), 0, gmm_mpi_double(), all, &counts32, &displacements, gmm_mpi_double(),
                           gmm_mpi_comm_world())
    }
}
#endif
