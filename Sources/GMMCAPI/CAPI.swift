// The C ABI (include/gmm.h) over the GMM library: opaque handles, status codes, per-handle error
// messages, caller-owned buffers read in place. Nothing here computes anything the library does
// not: each entry point converts its arguments, calls the library and maps errors to codes.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GMM

/// The library version gmm_version reports.
let libraryVersion = "0.1.0"
let abiVersion: Int32 = 1

// MARK: - Handles

/// What every handle has: the message of the last failure of each thread that used it (as
/// errno is per thread), C strings the handle owns. A thread's message changes only by that
/// thread's next call on the handle, so the pointer it read stays valid until then, however
/// many other threads use the same handle meanwhile.
class Handle {
    private var mutex = pthread_mutex_t()
    private var messages: [pthread_t: UnsafeMutablePointer<CChar>] = [:]
    nonisolated(unsafe) private static let empty: UnsafeMutablePointer<CChar> = strdup("")  // never written

    init() { pthread_mutex_init(&mutex, nil) }

    deinit {
        for m in messages.values { free(m) }
        pthread_mutex_destroy(&mutex)
    }

    func setError(_ text: String) {
        let me = pthread_self()
        let copy = text.isEmpty ? nil : strdup(text.split(separator: "\n").joined(separator: " "))
        pthread_mutex_lock(&mutex)
        let old = messages[me]
        messages[me] = copy
        pthread_mutex_unlock(&mutex)
        free(old)
    }

    var errorPointer: UnsafePointer<CChar> {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return UnsafePointer(messages[pthread_self()] ?? Self.empty)
    }
}

final class EstimatorHandle: Handle {
    var settings = GaussianMixture()
    /// The family (gmm_set_family) and the discrete families' settings.
    var family = MixtureFamily.gaussian
    var pseudoCount = DiscreteMixture.defaultPseudoCount
    var categories: [Int]?
    var given = InitialParameters()
    var progress: (@convention(c) (UnsafeMutableRawPointer?, Int64, Int64, Double, Double) -> Int32)?
    var progressUser: UnsafeMutableRawPointer?
    var checkpointPath: String?
    var checkpointEvery = 10
    var resumePath: String?
    /// gmm_request_stop's flag: set from any thread, read by the running fit between steps.
    private var stopMutex = pthread_mutex_t()
    private var stopFlag = false

    override init() {
        super.init()
        pthread_mutex_init(&stopMutex, nil)
        settings.seed = nil  // a random seed per fit unless set (scikit-learn's random_state=None)
    }

    deinit { pthread_mutex_destroy(&stopMutex) }

    /// Reads (and, with `consume`, clears) the stop request.
    func stopRequested(consume: Bool = false) -> Bool {
        pthread_mutex_lock(&stopMutex)
        defer { pthread_mutex_unlock(&stopMutex) }
        let value = stopFlag
        if consume { stopFlag = false }
        return value
    }

    func requestStop() {
        pthread_mutex_lock(&stopMutex)
        stopFlag = true
        pthread_mutex_unlock(&stopMutex)
    }
}

final class ModelHandle: Handle {
    /// A Gaussian model, or (exclusively) a discrete one.
    var model: FittedGaussianMixture?
    var discrete: FittedDiscreteMixture?

    /// Whichever is set.
    var any: (any FittedMixture)? { model ?? discrete }

    func set(_ fitted: any FittedMixture) {
        var fitted = fitted
        if fitted.threads == nil { fitted.threads = threadsSetting }
        model = fitted as? FittedGaussianMixture
        discrete = fitted as? FittedDiscreteMixture
    }

    /// gmm_model_set_threads's value, kept for models set or loaded later.
    var threadsSetting: Int?
    var threads: Int? { any?.threads ?? threadsSetting }
}

func estimator(_ p: OpaquePointer?) -> EstimatorHandle? {
    p.map { Unmanaged<EstimatorHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

func modelHandle(_ p: OpaquePointer?) -> ModelHandle? {
    p.map { Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

// Codes (gmm.h's gmm_code).
let GMM_SUCCESS: Int32 = 0, GMM_E_VALUE: Int32 = 1, GMM_E_NUMERIC: Int32 = 2, GMM_E_NOT_FITTED: Int32 = 3
let GMM_E_MEMORY: Int32 = 4, GMM_E_IO: Int32 = 5, GMM_STOPPED: Int32 = 6, GMM_E_INTERNAL: Int32 = 7

/// Runs `body`, recording a failure's message on `handle` and returning its code.
func guarded(_ handle: Handle?, _ body: () throws -> Void) -> Int32 {
    guard let handle else { return GMM_E_VALUE }
    do {
        try body()
        handle.setError("")
        return GMM_SUCCESS
    } catch let error as GaussianMixtureError {
        handle.setError(error.description)
        switch error {
        case .illDefinedCovariance, .illDefinedComponent: return GMM_E_NUMERIC
        case .insufficientMemory: return GMM_E_MEMORY
        default: return GMM_E_VALUE
        }
    } catch let error as DataFileError {
        handle.setError(error.description)
        // A checkpoint that reads but belongs to another fit is a wrong value, not an I/O failure.
        if case .checkpoint = error { return GMM_E_VALUE }
        return GMM_E_IO
    } catch let error as CAPIError {
        handle.setError(error.message)
        return error.code
    } catch is FitInterrupted {
        handle.setError("The fit was stopped (by its progress callback or gmm_request_stop).")
        return GMM_STOPPED
    } catch {
        handle.setError("\(error)")
        return GMM_E_INTERNAL
    }
}

struct CAPIError: Error {
    let code: Int32
    let message: String
    static func value(_ message: String) -> CAPIError { CAPIError(code: GMM_E_VALUE, message: message) }
    static let notFitted = CAPIError(code: GMM_E_NOT_FITTED, message:
        "This GaussianMixture instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator.")
}

func string(_ p: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let p else { throw CAPIError.value("\(name) is NULL") }
    return String(cString: p)
}

func array(_ p: UnsafePointer<Double>?, _ count: Int64, _ name: String) throws -> [Double] {
    guard count >= 0 else { throw CAPIError.value("\(name): negative count \(count)") }
    guard let p else { throw CAPIError.value("\(name) is NULL") }
    return Array(UnsafeBufferPointer(start: p, count: Int(count)))
}

/// The caller's rows as a matrix view (no copy), after checking the shape arguments.
enum Rows {
    case float64(Matrix<Double>)
    case float32(Matrix<Float>)

    init(_ X: UnsafeRawPointer?, _ dtype: Int32, _ n: Int64, _ d: Int64, _ stride: Int64) throws {
        guard n >= 0, d >= 0 else { throw CAPIError.value("n_samples and n_features must be non-negative (got \(n), \(d))") }
        guard stride >= d || n <= 1 else { throw CAPIError.value("row_stride (\(stride)) must be at least n_features (\(d))") }
        // No buffer holds more than 2⁶⁰ bytes: larger shapes are mistakes (and would overflow).
        let (span, overflow) = n.multipliedReportingOverflow(by: max(stride, d, 1))
        guard !overflow, span <= Int64(1) << 57 else {
            throw CAPIError.value("n_samples × row_stride (\(n) × \(max(stride, d))) is larger than any buffer can be")
        }
        guard let X else {
            if n == 0 || d == 0 { self = .float64(Matrix(rows: Int(n), columns: Int(d))); return }
            throw CAPIError.value("X is NULL")
        }
        let rowStride = Int(max(stride, d))
        switch dtype {
        case 0: self = .float64(Matrix(viewing: X.assumingMemoryBound(to: Double.self), rows: Int(n), columns: Int(d), rowStride: rowStride))
        case 1: self = .float32(Matrix(viewing: X.assumingMemoryBound(to: Float.self), rows: Int(n), columns: Int(d), rowStride: rowStride))
        default: throw CAPIError.value("dtype must be GMM_FLOAT64 (0) or GMM_FLOAT32 (1), got \(dtype)")
        }
    }

    var rows: Int {
        switch self {
        case .float64(let m): return m.rows
        case .float32(let m): return m.rows
        }
    }

    var matrix: DataMatrix {
        switch self {
        case .float64(let m): return .float64(m)
        case .float32(let m): return .float32(m)
        }
    }
}

/// A Gaussian model (covariances, precisions, statistics).
func fitted(_ m: ModelHandle) throws -> FittedGaussianMixture {
    if let d = m.discrete { throw CAPIError.value("this is a \(d.family.rawValue) mixture: it has no covariances, precisions or Gaussian statistics") }
    guard let model = m.model else { throw CAPIError.notFitted }
    return model
}

/// A model of any family.
func fittedAny(_ m: ModelHandle) throws -> any FittedMixture {
    guard let model = m.any else { throw CAPIError.notFitted }
    return model
}

// MARK: - Versions

@_cdecl("gmm_abi_version")
public func gmm_abi_version() -> Int32 { abiVersion }

// Immutable after their (thread-safe, once) initialization.
nonisolated(unsafe) private let versionCString: UnsafeMutablePointer<CChar> = strdup(libraryVersion)

@_cdecl("gmm_version")
public func gmm_version() -> UnsafePointer<CChar> { UnsafePointer(versionCString) }

// MARK: - Estimator

@_cdecl("gmm_estimator_create")
public func gmm_estimator_create() -> OpaquePointer? {
    OpaquePointer(Unmanaged.passRetained(EstimatorHandle()).toOpaque())
}

@_cdecl("gmm_estimator_destroy")
public func gmm_estimator_destroy(_ p: OpaquePointer?) {
    guard let p else { return }
    Unmanaged<EstimatorHandle>.fromOpaque(UnsafeRawPointer(p)).release()
}

@_cdecl("gmm_estimator_error")
public func gmm_estimator_error(_ p: OpaquePointer?) -> UnsafePointer<CChar>? { estimator(p)?.errorPointer }

/// scikit-learn's parameter message.
func parameterError(_ name: String, _ kind: String, _ range: String, _ value: String) -> CAPIError {
    .value("The '\(name)' parameter of GaussianMixture must be \(kind) in the range \(range). Got \(value) instead.")
}

@_cdecl("gmm_set_n_components")
public func gmm_set_n_components(_ p: OpaquePointer?, _ k: Int64) -> Int32 {
    guarded(estimator(p)) {
        guard k >= 1 else { throw parameterError("n_components", "an int", "[1, inf)", "\(k)") }
        estimator(p)?.settings.components = Int(k)
    }
}

@_cdecl("gmm_set_covariance_type")
public func gmm_set_covariance_type(_ p: OpaquePointer?, _ type: UnsafePointer<CChar>?) -> Int32 {
    guarded(estimator(p)) {
        let name = try string(type, "covariance_type")
        guard let t = CovarianceType(rawValue: name) else {
            throw CAPIError.value("The 'covariance_type' parameter of GaussianMixture must be a str among {'diag', 'full', 'spherical', 'tied'}. Got '\(name)' instead.")
        }
        estimator(p)?.settings.covarianceType = t
    }
}

@_cdecl("gmm_set_tol")
public func gmm_set_tol(_ p: OpaquePointer?, _ tol: Double) -> Int32 {
    guarded(estimator(p)) {
        guard tol >= 0, tol.isFinite else { throw parameterError("tol", "a float", "[0.0, inf)", "\(tol)") }
        estimator(p)?.settings.tolerance = tol
    }
}

@_cdecl("gmm_set_reg_covar")
public func gmm_set_reg_covar(_ p: OpaquePointer?, _ reg: Double) -> Int32 {
    guarded(estimator(p)) {
        guard reg >= 0, reg.isFinite else { throw parameterError("reg_covar", "a float", "[0.0, inf)", "\(reg)") }
        estimator(p)?.settings.regCovar = reg
    }
}

@_cdecl("gmm_set_max_iter")
public func gmm_set_max_iter(_ p: OpaquePointer?, _ maxIter: Int64) -> Int32 {
    guarded(estimator(p)) {
        guard maxIter >= 0 else { throw parameterError("max_iter", "an int", "[0, inf)", "\(maxIter)") }
        estimator(p)?.settings.maxIterations = Int(maxIter)
    }
}

@_cdecl("gmm_set_n_init")
public func gmm_set_n_init(_ p: OpaquePointer?, _ nInit: Int64) -> Int32 {
    guarded(estimator(p)) {
        guard nInit >= 1 else { throw parameterError("n_init", "an int", "[1, inf)", "\(nInit)") }
        estimator(p)?.settings.initializations = Int(nInit)
    }
}

@_cdecl("gmm_set_init_params")
public func gmm_set_init_params(_ p: OpaquePointer?, _ method: UnsafePointer<CChar>?) -> Int32 {
    guarded(estimator(p)) {
        let name = try string(method, "init_params")
        let methods: [String: InitializationMethod] = ["kmeans": .kmeans, "k-means++": .kmeansPlusPlus, "random": .random,
                                                       "random_from_data": .randomFromData]
        guard let m = methods[name] else {
            throw CAPIError.value("The 'init_params' parameter of GaussianMixture must be a str among {'k-means++', 'kmeans', 'random', 'random_from_data'}. Got '\(name)' instead.")
        }
        estimator(p)?.settings.initialization = m
    }
}

@_cdecl("gmm_set_random_state")
public func gmm_set_random_state(_ p: OpaquePointer?, _ seed: UInt64) -> Int32 {
    guarded(estimator(p)) { estimator(p)?.settings.seed = seed }
}

@_cdecl("gmm_set_threads")
public func gmm_set_threads(_ p: OpaquePointer?, _ threads: Int32) -> Int32 {
    guarded(estimator(p)) {
        guard threads >= 0 && Int(threads) <= Resources.maximumThreads else {
            throw CAPIError.value("threads must be in [0, \(Resources.maximumThreads)] (0: OpenMP's default), got \(threads)")
        }
        estimator(p)?.settings.threads = threads == 0 ? nil : Int(threads)
    }
}

@_cdecl("gmm_set_on_degenerate")
public func gmm_set_on_degenerate(_ p: OpaquePointer?, _ policy: UnsafePointer<CChar>?) -> Int32 {
    guarded(estimator(p)) {
        let name = try string(policy, "on_degenerate")
        guard let value = DegeneratePolicy(rawValue: name) else { throw CAPIError.value("on_degenerate must be 'fail' or 'reseed', got '\(name)'") }
        estimator(p)?.settings.onDegenerate = value
    }
}

@_cdecl("gmm_set_truncation")
public func gmm_set_truncation(_ p: OpaquePointer?, _ tau: Double) -> Int32 {
    guarded(estimator(p)) {
        guard tau >= 0, tau < 1 else { throw parameterError("truncation", "a float", "[0.0, 1.0)", "\(tau)") }
        estimator(p)?.settings.truncation = tau > 0 ? tau : nil
    }
}

@_cdecl("gmm_set_weights_init")
public func gmm_set_weights_init(_ p: OpaquePointer?, _ w: UnsafePointer<Double>?, _ k: Int64) -> Int32 {
    guarded(estimator(p)) { estimator(p)?.given.weights = try w.map { _ in try array(w, k, "weights_init") } }
}

@_cdecl("gmm_set_means_init")
public func gmm_set_means_init(_ p: OpaquePointer?, _ m: UnsafePointer<Double>?, _ k: Int64, _ d: Int64) -> Int32 {
    guarded(estimator(p)) {
        guard let m else { estimator(p)?.given.means = nil; return }
        guard k >= 0, d >= 0 else { throw CAPIError.value("means_init: negative shape (\(k), \(d))") }
        let (total, overflow) = k.multipliedReportingOverflow(by: d)
        guard !overflow else { throw CAPIError.value("means_init: shape (\(k), \(d)) is too large") }
        estimator(p)?.given.means = Matrix(rows: Int(k), columns: Int(d), elements: try array(m, total, "means_init"))
    }
}

@_cdecl("gmm_set_precisions_init")
public func gmm_set_precisions_init(_ p: OpaquePointer?, _ values: UnsafePointer<Double>?, _ count: Int64) -> Int32 {
    guarded(estimator(p)) { estimator(p)?.given.precisions = try values.map { _ in try array(values, count, "precisions_init") } }
}

@_cdecl("gmm_set_covariances_init")
public func gmm_set_covariances_init(_ p: OpaquePointer?, _ values: UnsafePointer<Double>?, _ count: Int64) -> Int32 {
    guarded(estimator(p)) { estimator(p)?.given.covariances = try values.map { _ in try array(values, count, "covariances_init") } }
}

@_cdecl("gmm_set_progress")
public func gmm_set_progress(_ p: OpaquePointer?,
                             _ callback: (@convention(c) (UnsafeMutableRawPointer?, Int64, Int64, Double, Double) -> Int32)?,
                             _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded(estimator(p)) {
        estimator(p)?.progress = callback
        estimator(p)?.progressUser = user
    }
}

@_cdecl("gmm_set_checkpoint")
public func gmm_set_checkpoint(_ p: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ every: Int64) -> Int32 {
    guarded(estimator(p)) {
        let text = path.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let text else { estimator(p)?.checkpointPath = nil; return }  // off (every is then unused)
        guard every >= 1 else { throw CAPIError.value("checkpoint_every must be at least 1, got \(every)") }
        // Refused now rather than when the first checkpoint is due: a directory or a device, or
        // a directory that does not exist.
        try FilePaths.checkOutput(text)
        let slash = text.lastIndex(of: "/")
        let directory = slash.map { String(text[..<$0]) } ?? "."
        var info = stat()
        guard stat(directory.isEmpty ? "/" : directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw DataFileError.cannotWrite(path: text, reason: "its directory does not exist")
        }
        estimator(p)?.checkpointPath = text
        estimator(p)?.checkpointEvery = Int(every)
    }
}

@_cdecl("gmm_set_resume")
public func gmm_set_resume(_ p: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guarded(estimator(p)) {
        let text = path.map { String(cString: $0) }
        estimator(p)?.resumePath = text?.isEmpty == false ? text : nil
    }
}

@_cdecl("gmm_request_stop")
public func gmm_request_stop(_ p: OpaquePointer?) -> Int32 {
    // Deliberately not `guarded`: it must not overwrite the running fit's error message.
    guard let e = estimator(p) else { return GMM_E_VALUE }
    e.requestStop()
    return GMM_SUCCESS
}

@_cdecl("gmm_fit")
public func gmm_fit(_ p: OpaquePointer?, _ X: UnsafeRawPointer?, _ dtype: Int32, _ n: Int64, _ d: Int64, _ stride: Int64,
                    _ sampleWeight: UnsafePointer<Double>?, _ warm: OpaquePointer?, _ out: OpaquePointer?) -> Int32 {
    let e = estimator(p)
    defer { _ = e?.stopRequested(consume: true) }  // a request is used up by the fit it was made during
    return guarded(e) {
        guard let e, let target = modelHandle(out) else { throw CAPIError.value("out is NULL") }
        let rows = try Rows(X, dtype, n, d, stride)
        let weights = try sampleWeight.map { _ in try array(sampleWeight, n, "sample_weight") }
        if e.family != .gaussian {
            target.set(try fitDiscrete(e, rows, weights, warm: modelHandle(warm)))
            target.setError("")
            return
        }
        target.set(try fitGaussian(e, rows.matrix, weights, warm: modelHandle(warm)))
        target.setError("")
    }
}

/// The Gaussian fit of gmm_fit and gmm_fit_remote (`distribution`: where the passes run;
/// `failed`: the remote side's failure, which stops the fit).
func fitGaussian(_ e: EstimatorHandle, _ X: DataMatrix, _ weights: [Double]?, warm: ModelHandle?,
                 distribution: PassDistribution? = nil, failed: @escaping () -> Bool = { false }) throws -> FittedGaussianMixture {
    var gm = e.settings
    gm.initialParameters = e.given.isEmpty ? nil : e.given
    gm.distribution = distribution
    let previous = try warm.map { try fitted($0) }
    let resumed = try e.resumePath.map { try CheckpointFile.read($0) }
    if let previous, resumed != nil {  // a resumed warm start continues from its own state
        gm.initialization = .parameters(previous.parameters)
        gm.initialParameters = nil
        gm.initializations = 1
    }
    return try monitoredFit(e, failed: failed) { (monitor: FitMonitor, progress) in
        try gm.fit(X, resuming: resumed, continuing: previous, sampleWeights: weights, monitor: monitor, progress: progress)
    }
}

/// A progress callback's request to stop.
final class StopFlag: @unchecked Sendable { var stop = false }

/// Runs a fit with the estimator's progress callback, stop requests and checkpoints: a stop
/// saves the checkpoint (when set) and becomes GMM_STOPPED with a message naming it; a
/// checkpoint of another fit becomes GMM_E_VALUE naming the difference.
func monitoredFit<P: MixtureParameterSet, M>(_ e: EstimatorHandle, failed: @escaping () -> Bool = { false },
                                             _ body: (MixtureFitMonitor<P>, ((FitProgress) -> Void)?) throws -> M) throws -> M {
    // The callback's answer is kept here; the monitor stops the fit between iterations.
    let flag = StopFlag()
    let callback = e.progress, user = e.progressUser
    let progress: ((FitProgress) -> Void)? = callback.map { f in
        { p in if f(user, Int64(p.initialization), Int64(p.iteration), p.lowerBound, p.change) != 0 { flag.stop = true } }
    }
    let checkpointPath = e.checkpointPath
    let monitor = MixtureFitMonitor<P>(checkpointEvery: checkpointPath == nil ? 0 : e.checkpointEvery,
                                       saveCheckpoint: checkpointPath.map { path in { try CheckpointFile.write($0, to: path) } },
                                       shouldStop: { flag.stop || e.stopRequested() || failed() })
    do {
        return try body(monitor, progress)
    } catch let mismatch as CheckpointMismatch {
        throw CAPIError.value("\(e.resumePath ?? "the checkpoint"): cannot resume: \(mismatch)")
    } catch let stop as MixtureFitInterrupted<P> {
        guard let checkpointPath else { throw CAPIError(code: GMM_STOPPED, message: "The fit was stopped (by its progress callback or gmm_request_stop).") }
        guard let state = stop.checkpoint else {
            throw CAPIError(code: GMM_STOPPED, message: "The fit was stopped (by its progress callback or gmm_request_stop) during the initialization; no checkpoint was written.")
        }
        try CheckpointFile.write(state, to: checkpointPath)
        throw CAPIError(code: GMM_STOPPED, message: "The fit was stopped (by its progress callback or gmm_request_stop) after iteration "
            + "\(state.current.iterations) of initialization \(state.initialization); its state is saved in "
            + "\(checkpointPath) (resume from it to finish).")
    }
}

// MARK: - Model

@_cdecl("gmm_model_create")
public func gmm_model_create() -> OpaquePointer? {
    OpaquePointer(Unmanaged.passRetained(ModelHandle()).toOpaque())
}

@_cdecl("gmm_model_destroy")
public func gmm_model_destroy(_ p: OpaquePointer?) {
    guard let p else { return }
    Unmanaged<ModelHandle>.fromOpaque(UnsafeRawPointer(p)).release()
}

@_cdecl("gmm_model_error")
public func gmm_model_error(_ p: OpaquePointer?) -> UnsafePointer<CChar>? { modelHandle(p)?.errorPointer }

@_cdecl("gmm_model_is_fitted")
public func gmm_model_is_fitted(_ p: OpaquePointer?) -> Int32 { modelHandle(p)?.any == nil ? 0 : 1 }

nonisolated(unsafe) let typeNames: [String: UnsafeMutablePointer<CChar>] =
    Dictionary(uniqueKeysWithValues: (CovarianceType.allCases.map(\.rawValue) + MixtureFamily.allCases.map(\.rawValue)).map { ($0, strdup($0)) })

@_cdecl("gmm_model_shape")
public func gmm_model_shape(_ p: OpaquePointer?, _ k: UnsafeMutablePointer<Int64>?, _ d: UnsafeMutablePointer<Int64>?,
                            _ type: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let model = try fittedAny(m)
        k?.pointee = Int64(model.components)
        d?.pointee = Int64(model.features)
        let kind = (model as? FittedGaussianMixture)?.covarianceType.rawValue ?? model.family.rawValue
        type?.pointee = typeNames[kind].map { UnsafePointer($0) }
    }
}

@_cdecl("gmm_model_covariance_count")
public func gmm_model_covariance_count(_ p: OpaquePointer?) -> Int64 {
    guard let model = modelHandle(p)?.model else { return 0 }
    return Int64(model.covarianceType.storageCount(components: model.components, features: model.features))
}

/// Copies `values` into `out` after checking the model is fitted and `out` is given.
func copyOut(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ values: (FittedGaussianMixture) -> [Double]) -> Int32 {
    copyOutAny(p, out) { model in
        guard let g = model as? FittedGaussianMixture else {
            throw CAPIError.value("this is a \(model.family.rawValue) mixture: it has no covariances or precisions")
        }
        return values(g)
    }
}

/// The same for a value every family has.
func copyOutAny(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ values: (any FittedMixture) throws -> [Double]) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let model = try fittedAny(m)
        guard let out else { throw CAPIError.value("the output buffer is NULL") }
        let v = try values(model)
        v.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: v.count) }
    }
}

@_cdecl("gmm_model_weights")
public func gmm_model_weights(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?) -> Int32 { copyOutAny(p, out) { $0.weights } }

@_cdecl("gmm_model_means")
public func gmm_model_means(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?) -> Int32 { copyOutAny(p, out) { $0.means.elements } }

@_cdecl("gmm_model_covariances")
public func gmm_model_covariances(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?) -> Int32 { copyOut(p, out) { $0.covariances } }

@_cdecl("gmm_model_precisions")
public func gmm_model_precisions(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    copyOut(p, out) { $0.parameters.precisions }
}

@_cdecl("gmm_model_precisions_cholesky")
public func gmm_model_precisions_cholesky(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    copyOut(p, out) { $0.precisionsCholesky }
}

@_cdecl("gmm_model_fit_result")
public func gmm_model_fit_result(_ p: OpaquePointer?, _ lowerBound: UnsafeMutablePointer<Double>?, _ nIter: UnsafeMutablePointer<Int64>?,
                                 _ converged: UnsafeMutablePointer<Int32>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let model = try fittedAny(m)
        lowerBound?.pointee = model.lowerBound
        nIter?.pointee = Int64(model.iterations)
        converged?.pointee = model.converged ? 1 : 0
    }
}

@_cdecl("gmm_model_lower_bounds")
public func gmm_model_lower_bounds(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ capacity: Int64,
                                   _ count: UnsafeMutablePointer<Int64>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let bounds = try fittedAny(m).lowerBounds
        count?.pointee = Int64(bounds.count)
        guard capacity > 0 else { return }
        guard let out else { throw CAPIError.value("lower_bounds is NULL") }
        for (i, b) in bounds.prefix(Int(capacity)).enumerated() { out[i] = b }
    }
}

@_cdecl("gmm_model_set_parameters")
public func gmm_model_set_parameters(_ p: OpaquePointer?, _ type: UnsafePointer<CChar>?, _ k: Int64, _ d: Int64,
                                     _ weights: UnsafePointer<Double>?, _ means: UnsafePointer<Double>?,
                                     _ covariances: UnsafePointer<Double>?) -> Int32 {
    setParameters(p, type, k, d, weights, means, covariances, "covariances") { w, m, c, t in
        try GaussianMixtureParameters(weights: w, means: m, covariances: c, covarianceType: t)
    }
}

@_cdecl("gmm_model_set_parameters_cholesky")
public func gmm_model_set_parameters_cholesky(_ p: OpaquePointer?, _ type: UnsafePointer<CChar>?, _ k: Int64, _ d: Int64,
                                              _ weights: UnsafePointer<Double>?, _ means: UnsafePointer<Double>?,
                                              _ precisionsCholesky: UnsafePointer<Double>?) -> Int32 {
    setParameters(p, type, k, d, weights, means, precisionsCholesky, "precisions_cholesky") { w, m, u, t in
        try GaussianMixtureParameters(weights: w, means: m, precisionsCholesky: u, covarianceType: t)
    }
}

/// A model from weights, means and one covariance form (`make` builds the parameters).
func setParameters(_ p: OpaquePointer?, _ type: UnsafePointer<CChar>?, _ k: Int64, _ d: Int64,
                   _ weights: UnsafePointer<Double>?, _ means: UnsafePointer<Double>?, _ values: UnsafePointer<Double>?, _ name: String,
                   _ make: ([Double], Matrix<Double>, [Double], CovarianceType) throws -> GaussianMixtureParameters) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let typeName = try string(type, "covariance_type")
        guard let t = CovarianceType(rawValue: typeName) else { throw CAPIError.value("covariance_type must be full, tied, diag or spherical (got '\(typeName)')") }
        guard k >= 1, d >= 1, k < (1 << 31), d < (1 << 31) else { throw CAPIError.value("n_components and n_features must be positive (got \(k), \(d))") }
        let (dd, o1) = d.multipliedReportingOverflow(by: d), (kdd, o2) = k.multipliedReportingOverflow(by: d * d)
        guard !o1, !o2, (t == .full ? kdd : dd) <= Int64(1) << 34, k * d <= Int64(1) << 34 else {
            throw CAPIError.value("n_components \(k) and n_features \(d) make parameters larger than any buffer can be")
        }
        let count = t.storageCount(components: Int(k), features: Int(d))
        let parameters = try make(try array(weights, k, "weights"),
                                  Matrix(rows: Int(k), columns: Int(d), elements: try array(means, k * d, "means")),
                                  try array(values, Int64(count), name), t)
        m.set(FittedGaussianMixture(parameters: parameters, threads: m.threads))
    }
}

@_cdecl("gmm_model_set_threads")
public func gmm_model_set_threads(_ p: OpaquePointer?, _ threads: Int32) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        guard threads >= 0 && Int(threads) <= Resources.maximumThreads else {
            throw CAPIError.value("threads must be in [0, \(Resources.maximumThreads)] (0: OpenMP's default), got \(threads)")
        }
        m.threadsSetting = threads == 0 ? nil : Int(threads)
        m.model?.threads = m.threadsSetting
        m.discrete?.threads = m.threadsSetting
    }
}

/// Evaluates `body` on the caller's rows.
func evaluate(_ p: OpaquePointer?, _ X: UnsafeRawPointer?, _ dtype: Int32, _ n: Int64, _ d: Int64, _ stride: Int64,
              _ body: (any FittedMixture, Rows) throws -> Void) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let model = try fittedAny(m)
        try body(model, try Rows(X, dtype, n, d, stride))
    }
}

@_cdecl("gmm_predict")
public func gmm_predict(_ p: OpaquePointer?, _ X: UnsafeRawPointer?, _ dtype: Int32, _ n: Int64, _ d: Int64, _ stride: Int64,
                        _ labels: UnsafeMutablePointer<Int64>?) -> Int32 {
    evaluate(p, X, dtype, n, d, stride) { model, rows in
        guard let labels else { throw CAPIError.value("labels is NULL") }
        // The kernels write 32-bit labels: into the first half of the caller's int64 buffer,
        // then widened in place from the last (entry i's 8 bytes cover 32-bit entries 2i and
        // 2i + 1 ≥ i, already read), so no N-sized scratch is allocated.
        let count = Int(n)
        try UnsafeMutableRawPointer(labels).withMemoryRebound(to: Int32.self, capacity: count) { narrow in
            let l = UnsafeMutableBufferPointer(start: narrow, count: count)
            switch rows {
            case .float64(let x): try model.predict(x, into: l)
            case .float32(let x): try model.predict(x, into: l)
            }
        }
        var i = count - 1
        while i >= 0 {
            let v = UnsafeRawPointer(labels).load(fromByteOffset: 4 * i, as: Int32.self)
            labels[i] = Int64(v)
            i -= 1
        }
    }
}

@_cdecl("gmm_predict_proba")
public func gmm_predict_proba(_ p: OpaquePointer?, _ X: UnsafeRawPointer?, _ dtype: Int32, _ n: Int64, _ d: Int64, _ stride: Int64,
                              _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    evaluate(p, X, dtype, n, d, stride) { model, rows in
        guard let out else { throw CAPIError.value("responsibilities is NULL") }
        let r = UnsafeMutableBufferPointer(start: out, count: Int(n) * model.components)
        switch rows {
        case .float64(let x): try model.predictProbabilities(x, into: r)
        case .float32(let x): try model.predictProbabilities(x, into: r)
        }
    }
}

@_cdecl("gmm_score_samples")
public func gmm_score_samples(_ p: OpaquePointer?, _ X: UnsafeRawPointer?, _ dtype: Int32, _ n: Int64, _ d: Int64, _ stride: Int64,
                              _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    evaluate(p, X, dtype, n, d, stride) { model, rows in
        guard let out else { throw CAPIError.value("log_likelihoods is NULL") }
        let s = UnsafeMutableBufferPointer(start: out, count: Int(n))
        switch rows {
        case .float64(let x): try model.scoreSamples(x, into: s)
        case .float32(let x): try model.scoreSamples(x, into: s)
        }
    }
}

@_cdecl("gmm_score")
public func gmm_score(_ p: OpaquePointer?, _ X: UnsafeRawPointer?, _ dtype: Int32, _ n: Int64, _ d: Int64, _ stride: Int64,
                      _ score: UnsafeMutablePointer<Double>?, _ bic: UnsafeMutablePointer<Double>?, _ aic: UnsafeMutablePointer<Double>?) -> Int32 {
    evaluate(p, X, dtype, n, d, stride) { model, rows in
        let s: Double
        switch rows {
        case .float64(let x): s = try model.score(x)
        case .float32(let x): s = try model.score(x)
        }
        score?.pointee = s
        bic?.pointee = model.criterion(.bic, score: s, rows: rows.rows)
        aic?.pointee = model.criterion(.aic, score: s, rows: rows.rows)
    }
}

@_cdecl("gmm_sample")
public func gmm_sample(_ p: OpaquePointer?, _ n: Int64, _ seed: UInt64, _ X: UnsafeMutablePointer<Double>?,
                       _ labels: UnsafeMutablePointer<Int64>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let any = try fittedAny(m)
        guard n >= 1 else { throw CAPIError.value("Invalid value for 'n_samples': \(n) . The sampling requires at least one sample.") }
        guard let X else { throw CAPIError.value("X is NULL") }
        let d = any.features
        guard let model = any as? FittedGaussianMixture else {
            let (points, l) = try any.sample(Int(n), seed: seed)
            points.withUnsafeBufferPointer { X.update(from: $0.baseAddress!, count: Int(n) * d) }
            if let labels { for i in 0..<Int(n) { labels[i] = Int64(l[i]) } }
            return
        }
        model.parameters.sampleChunks(Int(n), seed: seed) { start, count, points, chunkLabels in
            (X + start * d).update(from: points.baseAddress!, count: count * d)
            if let labels { for i in 0..<count { labels[start + i] = Int64(chunkLabels[i]) } }
        }
    }
}

@_cdecl("gmm_model_save")
public func gmm_model_save(_ p: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        try ModelFile.write(try fittedAny(m), settings: nil, to: try string(path, "path"))
    }
}

@_cdecl("gmm_model_load")
public func gmm_model_load(_ p: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        var loaded = try ModelFile.readAny(try string(path, "path"))
        loaded.threads = m.threads
        m.set(loaded)
    }
}

// MARK: - Distributed building blocks

@_cdecl("gmm_model_statistics_count")
public func gmm_model_statistics_count(_ p: OpaquePointer?) -> Int64 {
    guard let model = modelHandle(p)?.model else { return 0 }
    return Int64(PartialStatistics.count(components: model.components, features: model.features, covarianceType: model.covarianceType))
}

@_cdecl("gmm_partial_statistics")
public func gmm_partial_statistics(_ p: OpaquePointer?, _ X: UnsafeRawPointer?, _ dtype: Int32, _ n: Int64, _ d: Int64, _ stride: Int64,
                                   _ sampleWeight: UnsafePointer<Double>?, _ statistics: UnsafeMutablePointer<Double>?,
                                   _ logLikelihoodSum: UnsafeMutablePointer<Double>?, _ weightSum: UnsafeMutablePointer<Double>?) -> Int32 {
    evaluate(p, X, dtype, n, d, stride) { any, rows in
        guard let model = any as? FittedGaussianMixture else {
            throw CAPIError.value("partial statistics are computed for Gaussian mixtures (this is a \(any.family.rawValue) mixture)")
        }
        guard let statistics else { throw CAPIError.value("statistics is NULL") }
        let weights = try sampleWeight.map { _ in try array(sampleWeight, n, "sample_weight") }
        let s: PartialStatistics
        switch rows {
        case .float64(let x): s = try model.parameters.partialStatistics(x, sampleWeights: weights, threads: model.threads)
        case .float32(let x): s = try model.parameters.partialStatistics(x, sampleWeights: weights, threads: model.threads)
        }
        s.values.withUnsafeBufferPointer { statistics.update(from: $0.baseAddress!, count: $0.count) }
        logLikelihoodSum?.pointee = s.logLikelihoodSum
        weightSum?.pointee = s.weightSum
    }
}

@_cdecl("gmm_maximize")
public func gmm_maximize(_ p: OpaquePointer?, _ statistics: UnsafePointer<Double>?, _ regCovar: Double) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let model = try fitted(m)
        let count = PartialStatistics.count(components: model.components, features: model.features, covarianceType: model.covarianceType)
        let values = try array(statistics, Int64(count), "statistics")
        let total = values.prefix(model.components).reduce(0, +)
        guard total > 0, total.isFinite else {
            throw CAPIError.value("the statistics hold no weight (the N_k add up to \(total)): every partition was empty or weighted 0")
        }
        let next = try model.parameters.maximized(from: PartialStatistics(values: values, logLikelihoodSum: 0, weightSum: 0), regCovar: regCovar)
        m.set(FittedGaussianMixture(parameters: next, threads: model.threads))
    }
}
