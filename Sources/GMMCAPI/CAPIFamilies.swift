// The C ABI's Bernoulli, categorical and Poisson mixtures (gmm.h, "Families"): the estimator's
// family settings, the discrete fit, and the accessors only those models have.
import GMM

@_cdecl("gmm_set_family")
public func gmm_set_family(_ p: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    guarded(estimator(p)) {
        let text = try string(name, "family")
        guard let family = MixtureFamily(rawValue: text) else {
            throw CAPIError.value("family must be gaussian, bernoulli, categorical or poisson (got '\(text)')")
        }
        estimator(p)?.family = family
    }
}

@_cdecl("gmm_set_pseudo_count")
public func gmm_set_pseudo_count(_ p: OpaquePointer?, _ alpha: Double) -> Int32 {
    guarded(estimator(p)) {
        guard alpha >= 0, alpha.isFinite else {
            throw CAPIError.value("The 'pseudo_count' parameter must be a float in the range [0.0, inf). Got \(alpha) instead.")
        }
        estimator(p)?.pseudoCount = alpha
    }
}

@_cdecl("gmm_set_categories")
public func gmm_set_categories(_ p: OpaquePointer?, _ categories: UnsafePointer<Int64>?, _ count: Int64) -> Int32 {
    guarded(estimator(p)) {
        guard count >= 0 else { throw CAPIError.value("n_features must be non-negative (got \(count))") }
        guard let categories, count > 0 else { estimator(p)?.categories = nil; return }
        let values = (0..<Int(count)).map { Int(categories[$0]) }
        guard values.allSatisfy({ $0 >= 1 && $0 <= 1 << 24 }) else {
            throw CAPIError.value("every feature needs between 1 and 16777216 categories (got \(values))")
        }
        estimator(p)?.categories = values
    }
}

/// A Bernoulli, categorical or Poisson fit with the estimator's settings.
func fitDiscrete(_ e: EstimatorHandle, _ rows: Rows, _ weights: [Double]?, warm: ModelHandle?) throws -> FittedDiscreteMixture {
    let s = e.settings
    guard s.truncation == nil else { throw CAPIError.value("truncation applies to Gaussian mixtures (this is a \(e.family.rawValue) mixture)") }
    guard e.given.covariances == nil, e.given.precisions == nil, e.given.precisionsCholesky == nil else {
        throw CAPIError.value("a \(e.family.rawValue) mixture has no precisions or covariances to start from")
    }
    var start: DiscreteMixtureParameters?
    if e.given.weights != nil || e.given.means != nil {
        guard let w = e.given.weights, let m = e.given.means else {
            throw CAPIError.value("a \(e.family.rawValue) mixture starts from weights_init and means_init together")
        }
        let categories = e.family == .categorical ? (e.categories ?? []) : []
        do {
            start = try DiscreteMixtureParameters(family: e.family, weights: w, means: m, categories: categories)
        } catch let error as GaussianMixtureError {
            throw CAPIError.value("the start: \(error)" + (e.family == .categorical && e.categories == nil ? " (give the categories with gmm_set_categories)" : ""))
        }
    }
    let method = start == nil ? s.initialization : .kmeans
    let dm = DiscreteMixture(family: e.family, components: s.components, categories: e.categories, pseudoCount: e.pseudoCount,
                             tolerance: s.tolerance, maxIterations: s.maxIterations, initializations: s.initializations,
                             initialization: method, initialParameters: start, seed: s.seed, threads: s.threads, isa: s.isa,
                             onDegenerate: s.onDegenerate)
    var previous: FittedDiscreteMixture?
    if let warm {
        guard let d = warm.discrete, d.family == e.family else {
            throw CAPIError.value("warm_start: the model is not a fitted \(e.family.rawValue) mixture")
        }
        previous = d
    }
    let resumed = try e.resumePath.map { try CheckpointFile.read($0, as: DiscreteMixtureParameters.self) }
    return try monitoredFit(e) { (monitor: MixtureFitMonitor<DiscreteMixtureParameters>, progress) in
        try dm.fit(rows.matrix, resuming: resumed, continuing: previous, sampleWeights: weights, monitor: monitor, progress: progress)
    }
}

@_cdecl("gmm_model_family")
public func gmm_model_family(_ p: OpaquePointer?, _ family: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        family?.pointee = typeNames[try fittedAny(m).family.rawValue].map { UnsafePointer($0) }
    }
}

@_cdecl("gmm_model_coded_features")
public func gmm_model_coded_features(_ p: OpaquePointer?) -> Int64 {
    guard let model = modelHandle(p)?.any else { return 0 }
    return Int64(model.means.columns)
}

@_cdecl("gmm_model_categories")
public func gmm_model_categories(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        guard let d = try fittedAny(m) as? FittedDiscreteMixture, d.family == .categorical else {
            throw CAPIError.value("only categorical mixtures have categories")
        }
        guard let out else { throw CAPIError.value("categories is NULL") }
        for (i, c) in d.parameters.categories.enumerated() { out[i] = Int64(c) }
    }
}

@_cdecl("gmm_model_set_discrete")
public func gmm_model_set_discrete(_ p: OpaquePointer?, _ family: UnsafePointer<CChar>?, _ k: Int64, _ d: Int64,
                                   _ categories: UnsafePointer<Int64>?, _ weights: UnsafePointer<Double>?,
                                   _ means: UnsafePointer<Double>?) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        let name = try string(family, "family")
        guard let f = MixtureFamily(rawValue: name), f != .gaussian else {
            throw CAPIError.value("family must be bernoulli, categorical or poisson (got '\(name)')")
        }
        guard k >= 1, d >= 1, k < (1 << 31), d < (1 << 31) else { throw CAPIError.value("n_components and n_features must be positive (got \(k), \(d))") }
        var cats: [Int] = []
        if f == .categorical {
            guard let categories else { throw CAPIError.value("categories is NULL") }
            cats = (0..<Int(d)).map { Int(categories[$0]) }
            guard cats.allSatisfy({ $0 >= 1 && $0 <= 1 << 24 }) else { throw CAPIError.value("every feature needs between 1 and 16777216 categories") }
        }
        let D = f == .categorical ? cats.reduce(0, +) : Int(d)
        guard f != .categorical || D <= DiscreteMixtureParameters.maximumCategories else {
            throw CAPIError.value("the categories add up to \(D), more than \(DiscreteMixtureParameters.maximumCategories)")
        }
        let (values, overflow) = Int64(D).multipliedReportingOverflow(by: k)
        guard !overflow, values <= Int64(1) << 34, D < 1 << 31 else {
            throw CAPIError.value("n_components \(k) and \(D) columns make parameters larger than any buffer can be")
        }
        let parameters = try DiscreteMixtureParameters(family: f, weights: try array(weights, k, "weights"),
                                                       means: Matrix(rows: Int(k), columns: D, elements: try array(means, k * Int64(D), "means")),
                                                       categories: cats)
        m.set(FittedDiscreteMixture(parameters: parameters, threads: m.threads))
    }
}

@_cdecl("gmm_model_set_lower_bound")
public func gmm_model_set_lower_bound(_ p: OpaquePointer?, _ lowerBound: Double) -> Int32 {
    let m = modelHandle(p)
    return guarded(m) {
        guard let m else { return }
        _ = try fittedAny(m)
        guard !lowerBound.isNaN, lowerBound < .infinity else { throw CAPIError.value("lower_bound must be finite or -inf (got \(lowerBound))") }
        m.model?.lowerBound = lowerBound
        m.discrete?.lowerBound = lowerBound
    }
}
