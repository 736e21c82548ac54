/// Model files of Bernoulli, categorical and Poisson mixtures: the same format
/// ("swift-gmm/1") with `family` naming the family, `weights` [K], and
///   Bernoulli, Poisson: `means` [K][d] (the probabilities or the rates);
///   categorical: `categories` [d] and `probabilities` [K][d][Cᵢ] (ragged: feature i has Cᵢ);
/// then the fit's results and settings as for Gaussian models, with `pseudo_count` for
/// `reg_covar`. A file without `family` is a Gaussian model.
extension ModelFile {
    /// The family a model file declares (`gaussian` when it names none).
    public static func declaredFamily(_ path: String) throws -> MixtureFamily {
        try namedFamily(path) ?? .gaussian
    }

    /// The family a model or start file names, or nil when it names none.
    public static func namedFamily(_ path: String) throws -> MixtureFamily? {
        let m = try object(readFile(path), path: path)
        guard m["family"] != nil else { return nil }
        return try family(m) { .model(path: path, reason: $0) }
    }

    static func family(_ m: JSONValue, _ fail: (String) -> DataFileError) throws -> MixtureFamily {
        guard let value = m["family"], value != .null else { return .gaussian }
        guard let name = value.string, let f = MixtureFamily(rawValue: name) else {
            throw fail("'family' must be gaussian, bernoulli, categorical or poisson")
        }
        return f
    }

    static func discreteParameterFields(_ p: DiscreteMixtureParameters) -> [(String, String)] {
        let K = p.components
        var fields: [(String, String)] = [
            ("family", quote(p.family.rawValue)),
            ("n_components", "\(K)"),
            ("n_features", "\(p.features)"),
            ("weights", list(p.weights)),
        ]
        if p.family == .categorical {
            let o = p.offsets
            fields.append(("categories", "[" + p.categories.map(String.init).joined(separator: ", ") + "]"))
            fields.append(("probabilities", "[" + (0..<K).map { k in
                "[" + (0..<p.categories.count).map { i in list((o[i]..<o[i + 1]).map { p.means[k, $0] }) }.joined(separator: ", ") + "]"
            }.joined(separator: ", ") + "]"))
        } else {
            fields.append(("means", "[" + (0..<K).map { list(p.means.row($0)) }.joined(separator: ", ") + "]"))
        }
        return fields
    }

    /// `assumed`: the family of a start file that names none (`weights` and `means` alone).
    static func discreteParameters(_ m: JSONValue, assumed: MixtureFamily? = nil, _ fail: (String) -> DataFileError) throws -> DiscreteMixtureParameters {
        let family = m["family"] == nil ? (assumed ?? .gaussian) : try self.family(m, fail)
        guard family != .gaussian else { throw fail("'family' must be bernoulli, categorical or poisson here") }
        guard let w = m["weights"]?.array else { throw fail("missing 'weights'") }
        let weights = try w.map { v -> Double in
            guard let x = v.number, x.isFinite else { throw fail("'weights' must hold finite numbers") }
            return x
        }
        let K = weights.count
        guard K >= 1 else { throw fail("'weights' is empty") }
        func numbers(_ v: JSONValue, _ name: String) throws -> [Double] {
            guard let items = v.array else { throw fail("'\(name)' must be a list of lists of numbers") }
            return try items.map { x in
                guard let n = x.number, n.isFinite else { throw fail("'\(name)' must hold finite numbers") }
                return n
            }
        }
        do {
            if family == .categorical {
                guard let c = m["categories"]?.array else { throw fail("missing 'categories'") }
                let categories = try c.map { v -> Int in
                    guard let n = v.int, n >= 1 else { throw fail("'categories' must hold positive integers") }
                    return n
                }
                try DiscreteData.checkTotal(categories, what: "in 'categories'")
                guard let rows = m["probabilities"]?.array, rows.count == K else {
                    throw fail("'probabilities' must be a list of \(K) components")
                }
                var values: [Double] = []
                for component in rows {
                    guard let features = component.array, features.count == categories.count else {
                        throw fail("'probabilities' must hold \(categories.count) features per component")
                    }
                    for (i, f) in features.enumerated() {
                        let p = try numbers(f, "probabilities")
                        guard p.count == categories[i] else { throw fail("'probabilities' of feature \(i) must have \(categories[i]) categories") }
                        values += p
                    }
                }
                return try DiscreteMixtureParameters(family: family, weights: weights,
                                                     means: Matrix(rows: K, columns: categories.reduce(0, +), elements: values),
                                                     categories: categories)
            }
            guard let rows = m["means"]?.array, rows.count == K else { throw fail("'means' must be a list of \(K) components") }
            let lists = try rows.map { try numbers($0, "means") }
            let d = lists[0].count
            guard d >= 1, lists.allSatisfy({ $0.count == d }) else { throw fail("'means' must have the same number of features in every component") }
            return try DiscreteMixtureParameters(family: family, weights: weights, means: Matrix(rows: K, columns: d, elements: lists.flatMap { $0 }))
        } catch let e as GaussianMixtureError {
            throw fail("\(e)")
        }
    }

    /// The JSON text of a discrete model.
    public static func json(_ model: FittedDiscreteMixture, settings: Settings?) -> String {
        object([("format", quote(format))] + discreteParameterFields(model.parameters)
               + resultFields(model, sampleWeightSum: model.sampleWeightSum) + settingsFields(settings, regularization: "pseudo_count"))
    }

    /// Writes a discrete model atomically.
    public static func write(_ model: FittedDiscreteMixture, settings: Settings?, to path: String) throws {
        try writeAtomically(json(model, settings: settings), to: path)
    }

    /// Reads a Bernoulli, categorical or Poisson model.
    /// Reads a discrete model; a file naming no family is read as an `assumed` one (a start
    /// file of `weights` and `means`).
    public static func readDiscrete(_ path: String, assumed: MixtureFamily? = nil) throws -> FittedDiscreteMixture {
        try decodeDiscrete(readFile(path), path: path, assumed: assumed)
    }

    public static func decodeDiscrete(_ bytes: [UInt8], path: String, assumed: MixtureFamily? = nil) throws -> FittedDiscreteMixture {
        func fail(_ reason: String) -> DataFileError { .model(path: path, reason: reason) }
        let m = try object(bytes, path: path)
        if let f = m["format"]?.string, f != format { throw fail("unsupported format '\(f)' (expected '\(format)')") }
        return FittedDiscreteMixture(parameters: try discreteParameters(m, assumed: assumed, fail),
                                     lowerBound: m["lower_bound"]?.number ?? -.infinity,
                                     lowerBounds: m["lower_bounds"]?.array?.compactMap(\.number) ?? [],
                                     converged: m["converged"]?.bool ?? false,
                                     iterations: m["n_iter"]?.int ?? 0,
                                     pseudoCount: m["pseudo_count"]?.number.flatMap { $0 >= 0 && $0.isFinite ? $0 : nil },
                                     sampleWeightSum: m["sample_weight_sum"]?.number.flatMap { $0 > 0 && $0.isFinite ? $0 : nil })
    }
}
