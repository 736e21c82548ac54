#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the commands check about the paths they are given, before reading or computing
/// anything: inputs must be regular files (a directory, device, FIFO or socket gets one true
/// line), outputs must not be anything but a regular file or a new name, and no output may be
/// the same file as an input or as another output — through symbolic or hard links too.
public enum FilePaths {
    /// The identity of an existing file (device and inode, links followed).
    struct Identity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    static func identity(_ path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// "is a directory", "is not a regular file (a device, FIFO or socket)" for what is there,
    /// nil for a regular file or nothing (links followed).
    static func notRegular(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory"
        case S_IFCHR, S_IFBLK: return "is not a regular file (a device)"
        case S_IFIFO: return "is not a regular file (a FIFO)"
        case S_IFSOCK: return "is not a regular file (a socket)"
        default: return "is not a regular file"
        }
    }

    /// Checks an input path ("-" is standard input and passes): it must exist, be a regular
    /// file and be readable. Throws `DataFileError.cannotRead` with the true reason.
    public static func checkInput(_ path: String) throws {
        guard path != "-" else { return }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DataFileError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        if let reason = notRegular(path) { throw DataFileError.cannotRead(path: path, reason: reason) }
        guard access(path, R_OK) == 0 else { throw DataFileError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Checks an output path: if something is there it must be a regular file (a directory or
    /// a device would be replaced by the rename, or the rename fail after all the work).
    public static func checkOutput(_ path: String) throws {
        if let reason = notRegular(path) { throw DataFileError.cannotWrite(path: path, reason: reason) }
    }

    /// The absolute path `path` will have once written: its directory resolved (links
    /// followed), then its name; nil when the directory does not exist.
    static func futurePath(_ path: String) -> String? {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let resolved = realpath(directory.isEmpty ? "/" : directory, nil) else { return nil }
        defer { free(resolved) }
        let base = String(cString: resolved)
        return (base == "/" ? "" : base) + "/" + name
    }

    /// A path given to a command, with the option (or argument) that named it.
    public struct Role: Sendable {
        public let option: String
        public let path: String
        public init(_ option: String, _ path: String?) {
            self.option = option
            self.path = path ?? ""
        }
    }

    /// Stops with one line when an output is the same file as an input or as another output
    /// (existing files compared by device and inode, new ones by their resolved path).
    /// `allowed` lists (input option, output option) pairs that may name the same file, such
    /// as continuing a checkpoint in place. Empty paths and "-" are skipped.
    public static func checkDistinct(inputs: [Role], outputs: [Role], allowed: [(String, String)] = []) throws {
        func key(_ path: String) -> String? {
            if let id = identity(path) { return "inode:\(id.device):\(id.inode)" }
            return futurePath(path).map { "path:" + $0 }
        }
        let ins = inputs.filter { !$0.path.isEmpty && $0.path != "-" }
        let outs = outputs.filter { !$0.path.isEmpty }
        var seen: [(Role, String)] = []
        for output in outs {
            guard let k = key(output.path) else { continue }
            for input in ins where key(input.path) == k && !allowed.contains(where: { $0.0 == input.option && $0.1 == output.option }) {
                throw DataFileError.sameFile(path: output.path, first: input.option, second: output.option, bothOutputs: false)
            }
            if let (other, _) = seen.first(where: { $0.1 == k }) {
                throw DataFileError.sameFile(path: output.path, first: other.option, second: output.option, bothOutputs: true)
            }
            seen.append((output, k))
        }
    }
}

extension FilePaths {
    /// The whole of a regular file (after `checkInput`), or of standard input for "-", read
    /// with read(2): no Foundation in the library, so libgmm stays small.
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DataFileError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { if path != "-" { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DataFileError.cannotRead(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
