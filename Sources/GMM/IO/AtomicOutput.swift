#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written in full or not at all: bytes go to a temporary file beside the target,
/// which `commit()` flushes (fsync) and renames over the target. A writer that is dropped
/// (or fails) before `commit()` removes its temporary file, so no partial output is left.
public final class AtomicOutput {
    public let path: String
    /// Where the file lands (`path`).
    private let target: String
    private let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var committed = false
    private let directory: String
    private static let bufferSize = 1 << 20

    /// Refuses a target that is a directory, a device, a FIFO or a socket (a rename would
    /// replace it). A symbolic link at `path` is replaced by the file, as `sed -i` does: the
    /// file it pointed to is never modified through it.
    public init(path: String) throws {
        self.path = path
        try FilePaths.checkOutput(path)
        let target = path
        self.target = target
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { String(target[..<$0]) } ?? "."
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        guard !name.isEmpty else { throw DataFileError.cannotWrite(path: path, reason: "no file name") }
        self.directory = directory.isEmpty ? "/" : directory
        temporaryPath = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataFileError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > Self.bufferSize { try flush() }
        if bytes.count >= Self.bufferSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Flushes, syncs and renames the temporary file to `path`.
    public func commit() throws {
        try flush()
        guard fsync(fd) == 0 else { throw failure() }
        close(fd)
        fd = -1
        guard rename(temporaryPath, target) == 0 else { throw failure() }
        committed = true
        // Make the rename itself durable (best effort: some file systems refuse a directory fsync).
        let directory = open(self.directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    private func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure() }
            offset += n
        }
    }

    private func failure() -> DataFileError {
        DataFileError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }
}
