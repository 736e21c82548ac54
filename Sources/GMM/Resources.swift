#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CKernels

/// What the machine can give a command, and what a command will ask of it, computed before
/// anything large is allocated: a request that cannot be met is refused with one typed error
/// (`GaussianMixtureError.insufficientMemory`, `DataFileError.insufficientDiskSpace`) instead
/// of a crash in the allocator. Sizes are Doubles so that absurd requests cannot overflow.
public enum Resources {
    /// Most threads a pass runs (`GMM_MAX_THREADS`): libomp aborts when it cannot create the
    /// threads it is asked for, and beyond the cores more threads only slow a fit down.
    public static let maximumThreads = Int(GMM_MAX_THREADS)

    /// Bytes of memory this process can use: /proc/meminfo's MemAvailable, or the cgroup's
    /// limit when that is lower; nil when neither can be read.
    public static var availableMemory: Double? {
        var best: Double?
        if let text = readText("/proc/meminfo") {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, let kib = Double(fields[1]) { best = kib * 1024 }
            }
        }
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = readText(path), let limit = Double(text.trimmingCharacters(in: " \n")), limit > 0 {
                best = min(best ?? limit, limit)
            }
        }
        return best
    }

    /// Free bytes on the file system that will hold `path` (its directory); nil when unknown.
    public static func freeDiskSpace(for path: String) -> Double? {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        var info = statvfs()
        guard statvfs(directory.isEmpty ? "/" : directory, &info) == 0 else { return nil }
        return Double(info.f_bavail) * Double(info.f_frsize)
    }

    /// "640.1 GB", "3.2 MB" (decimal units).
    public static func format(bytes: Double) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = bytes, unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        if unit == 0 { return "\(Int(value)) bytes" }
        if value >= 1000 { return "\(bytes) bytes" }
        return "\((value * 10).rounded() / 10) \(units[unit])"
    }

    /// Throws `.insufficientMemory` when `bytes` exceed the available memory.
    static func requireMemory(_ bytes: Double, for what: String, advice: String) throws {
        if let available = availableMemory, bytes > available {
            throw GaussianMixtureError.insufficientMemory(what: what, required: bytes, available: available, advice: advice)
        }
    }

    private static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > 1 << 20 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}

/// The memory one pass engine and a model take (see CKernels/parallel/pass.c), in bytes.
struct MemoryPlan {
    /// Values one covariance-like array holds: K·d² (full; tied is expanded to K copies for
    /// the kernels), K·d (diag; spherical is expanded to d values a component).
    static func covarianceValues(_ type: CovarianceType, components K: Double, features d: Double) -> Double {
        type.kernelFamily == .full ? K * d * d : K * d
    }

    /// A pass engine: reduction slots of statistics, the shared and per-thread scratch.
    static func engine(rows n: Double, features d: Double, components K: Double, type: CovarianceType,
                       threads: Int?, lowest: Double = 0) -> Double {
        let s2 = covarianceValues(type, components: K, features: d)
        let statsSize = 1 + K + K * d + s2 + 2 * lowest
        let blocks = (n / (d > 32 ? 128 : 256)).rounded(.up)
        let cap = max(4, (Double(16 << 20) / (statsSize * 8)).rounded(.down))
        let slots = max(1, min(64, cap, blocks))
        let ld = (d > 32 ? 128.0 : 512.0) + 4 + 8
        let perThread = d * ld * 3 + K * ld + 2 * ld
        let threadCount = Double(min(Resources.maximumThreads, max(1, threads ?? NativeRuntime.threadCount())))
        let shared = d + 2 * K * d + s2
        return 8 * (slots * statsSize + shared + threadCount * perThread)
    }

    /// A model and the copies the EM loop keeps of it (parameters, factors, kernel buffers, the
    /// M-step's estimate and statistics, the best start's and a checkpoint's).
    static func model(features d: Double, components K: Double, type: CovarianceType) -> Double {
        8 * (8 * covarianceValues(type, components: K, features: d) + 8 * K * d + 8 * K)
    }
}

extension GaussianMixture {
    /// Bytes a fit of `rows` × `features` data allocates besides the data themselves: the pass
    /// engine, the model and its copies, the initialization (k-means on up to 2¹⁸ sampled rows)
    /// and the fitted labels. `fit` refuses with `.insufficientMemory` when this exceeds the
    /// available memory.
    public func estimatedFitMemory(rows: Int, features: Int) -> Double {
        let n = Double(rows), d = Double(features), K = Double(components)
        let lowest = onDegenerate == .reseed ? min(K, n) : 0
        let engine = MemoryPlan.engine(rows: n, features: d, components: K, type: covarianceType, threads: threads, lowest: lowest)
        let model = MemoryPlan.model(features: d, components: K, type: covarianceType)
        let sample = min(n, Double(Initializer.seedingSampleLimit))
        let initialization = 8 * (sample * d + 4 * sample) + MemoryPlan.engine(rows: sample, features: d, components: K, type: .diag, threads: threads)
        return engine + model + initialization + 4 * n
    }

    /// Advice for a request too large: what to change.
    func memoryAdvice(features d: Int) -> String {
        switch covarianceType {
        case .full, .tied:
            let values = Double(components) * Double(d) * Double(d)
            return "use fewer components, 'diag' covariances (K·d values instead of K·d² = \(values < 1e15 ? String(Int(values)) : "\(values)")), or fewer features"
        case .diag, .spherical:
            return "use fewer components or fewer features"
        }
    }
}

extension SyntheticMixture {
    /// Bytes building a synthetic mixture takes (its full covariances, factors and scratch).
    public static func estimatedMemory(components K: Int, features d: Int) -> Double {
        8 * (4 * Double(K) * Double(d) * Double(d) + 2 * Double(K) * Double(d))
    }

    /// Throws `.insufficientMemory` when a synthetic mixture of this size (plus `extra` bytes)
    /// cannot be built in the available memory.
    public static func checkMemory(components K: Int, features d: Int, points n: Int? = nil) throws {
        let what = n.map { "\($0) × \(d) points from a synthetic mixture of \(K) components" }
            ?? "A synthetic mixture of \(K) full-covariance components in \(d) features"
        try Resources.requireMemory(estimatedMemory(components: K, features: d) + 8 * Double(n ?? 0) * Double(d),
                                    for: what, advice: n == nil ? "use fewer components or features" : "use fewer points, features or components")
    }
}

extension Resources {
    /// Throws `.insufficientMemory` for `bytes` of `what` (for the command line's own arrays).
    public static func checkMemory(_ bytes: Double, for what: String, advice: String) throws {
        try requireMemory(bytes, for: what, advice: advice)
    }
}
