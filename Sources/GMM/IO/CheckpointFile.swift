/// The checkpoint file format "swift-gmm-checkpoint/1": JSON holding a `FitCheckpoint`.
/// Parameters use the model file's fields; 64-bit integers (seed, generator state, data hash)
/// are hexadecimal strings, since JSON numbers are doubles; every double is written with
/// shortest round-trip decimals, so a resumed fit starts from exactly the saved bits.
public enum CheckpointFile {
    public static let format = "swift-gmm-checkpoint/1"

    public static func json<P>(_ c: MixtureCheckpoint<P>) -> String {
        typealias M = ModelFile
        let s = c.settings
        func hex(_ v: UInt64) -> String { M.quote(String(v, radix: 16)) }
        func run(_ r: MixtureCheckpoint<P>.Run) -> String {
            M.object(r.parameters.checkpointFields + [
                ("lower_bound", M.number(r.lowerBound)),
                ("lower_bounds", M.list(r.lowerBounds)),
                ("converged", "\(r.converged)"),
                ("n_iter", "\(r.iterations)"),
            ], indent: "  ")
        }
        return M.object([
            ("format", M.quote(format)),
            ("settings", M.object([
                ("n_components", "\(s.components)"), ("covariance_type", M.quote(s.covarianceType.rawValue)),
                ("tol", M.number(s.tolerance)), ("reg_covar", M.number(s.regCovar)), ("max_iter", "\(s.maxIterations)"),
                ("n_init", "\(s.initializations)"), ("init", M.quote(s.initialization)), ("seed", hex(s.seed)),
                ("on_degenerate", M.quote(s.onDegenerate.rawValue)),
            ] + (s.family == "gaussian" ? [] : [("family", M.quote(s.family))])
              + (s.categories.isEmpty ? [] : [("categories", "[" + s.categories.map(String.init).joined(separator: ", ") + "]")])
              + (s.truncation == 0 ? [] : [("truncation", M.number(s.truncation))]),
               indent: "  ")),
            ("data", M.object([
                ("rows", "\(c.data.rows)"), ("columns", "\(c.data.columns)"),
                ("dtype", M.quote(c.data.float32 ? "float32" : "float64")), ("hash", hex(c.data.hash)),
            ], indent: "  ")),
            ("init_index", "\(c.initialization)"),
            ("generator_state", "[" + c.generatorState.map(hex).joined(separator: ", ") + "]"),
            ("current", run(c.current)),
            ("best", c.best.map(run) ?? "null"),
            ("reseeds", M.reseedList(c.reseeds)),
        ])
    }

    /// Writes a checkpoint atomically (a crash while saving leaves the previous one intact).
    public static func write<P>(_ checkpoint: MixtureCheckpoint<P>, to path: String) throws {
        try ModelFile.writeAtomically(json(checkpoint), to: path)
    }

    public static func read(_ path: String) throws -> FitCheckpoint {
        try decode(ModelFile.readFile(path), path: path)
    }

    /// A checkpoint of a fit of parameters `P` (e.g. `DiscreteMixtureParameters`).
    public static func read<P>(_ path: String, as: P.Type) throws -> MixtureCheckpoint<P> {
        try decode(ModelFile.readFile(path), path: path, as: P.self)
    }

    /// A checkpoint from the bytes of a checkpoint file; `path` names it in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> FitCheckpoint {
        try decode(bytes, path: path, as: GaussianMixtureParameters.self)
    }

    /// A checkpoint of parameters `P` from the bytes of a checkpoint file.
    public static func decode<P>(_ bytes: [UInt8], path: String, as: P.Type) throws -> MixtureCheckpoint<P> {
        func fail(_ reason: String) -> DataFileError { .checkpoint(path: path, reason: reason) }
        let m: JSONValue
        do { m = try ModelFile.object(bytes, path: path) } catch DataFileError.model(_, let reason) { throw fail(reason) }
        guard m["format"]?.string == format else { throw fail("'format' must be '\(format)'") }
        func int(_ o: JSONValue?, _ name: String) throws -> Int {
            guard let v = o?[name]?.int else { throw fail("'\(name)' must be an integer") }
            return v
        }
        func double(_ o: JSONValue?, _ name: String) throws -> Double {
            guard let v = o?[name]?.number, v.isFinite else { throw fail("'\(name)' must be a finite number") }
            return v
        }
        func string(_ o: JSONValue?, _ name: String) throws -> String {
            guard let v = o?[name]?.string else { throw fail("'\(name)' must be a string") }
            return v
        }
        func hex(_ value: JSONValue?, _ name: String) throws -> UInt64 {
            guard let text = value?.string, !text.isEmpty, text.count <= 16, let v = UInt64(text, radix: 16) else {
                throw fail("'\(name)' must be a hexadecimal string of at most 16 digits")
            }
            return v
        }
        let s = m["settings"], data = m["data"]
        guard let type = CovarianceType(rawValue: try string(s, "covariance_type")) else { throw fail("unknown 'covariance_type'") }
        guard let policy = DegeneratePolicy(rawValue: try string(s, "on_degenerate")) else { throw fail("unknown 'on_degenerate'") }
        let initialization = try string(s, "init")
        // A method name, with "+start:" and 16 hex digits for given values; or "parameters:" and
        // 16 hex digits (see GaussianMixture.initializationName).
        let methods = ["kmeans", "k-means++", "random", "random-from-data"]
        func digest(_ text: Substring) -> Bool { text.count == 16 && UInt64(text, radix: 16) != nil }
        let parts = initialization.split(separator: "+", maxSplits: 1)
        let valid = initialization.hasPrefix("parameters:") ? digest(initialization.dropFirst("parameters:".count))
            : methods.contains(String(parts.first ?? "")) && (parts.count == 1 || (parts[1].hasPrefix("start:") && digest(parts[1].dropFirst(6))))
        guard valid else {
            throw fail("'init' must be kmeans, k-means++, random or random-from-data (with +start:DIGEST), or parameters:DIGEST")
        }
        let family: String = s?["family"] == nil ? "gaussian" : try string(s, "family")
        guard ["gaussian", "bernoulli", "categorical", "poisson"].contains(family) else { throw fail("unknown 'family'") }
        guard (family == "gaussian") == (P.self == GaussianMixtureParameters.self) else {
            throw fail("it is the checkpoint of a \(family) mixture fit, not of this fit's family")
        }
        var categories: [Int] = []
        if let list = s?["categories"] {
            guard let items = list.array else { throw fail("'categories' must be a list") }
            categories = try items.map { guard let c = $0.int, c >= 1 else { throw fail("'categories' must hold positive integers") }; return c }
        }
        let truncation = s?["truncation"] == nil ? 0 : try double(s, "truncation")
        guard truncation >= 0 && truncation < 1 else { throw fail("'truncation' must be in [0, 1)") }
        let settings = MixtureCheckpoint<P>.Settings(
            components: try int(s, "n_components"), covarianceType: type, tolerance: try double(s, "tol"),
            regCovar: try double(s, "reg_covar"), maxIterations: try int(s, "max_iter"), initializations: try int(s, "n_init"),
            initialization: initialization, seed: try hex(s?["seed"], "seed"), onDegenerate: policy,
            family: family, categories: categories, truncation: truncation)
        let dtype = try string(data, "dtype")
        guard dtype == "float32" || dtype == "float64" else { throw fail("'dtype' must be float32 or float64") }
        let fingerprint = DataFingerprint(rows: try int(data, "rows"), columns: try int(data, "columns"),
                                          float32: dtype == "float32", hash: try hex(data?["hash"], "hash"))
        guard let words = m["generator_state"]?.array else { throw fail("'generator_state' must be a list") }
        let state = try words.map { try hex($0, "generator_state") }
        func run(_ value: JSONValue?, _ name: String) throws -> MixtureCheckpoint<P>.Run {
            guard let r = value, case .object = r else { throw fail("'\(name)' must be an object") }
            let parameters = try P.checkpointParameters(r) { fail("'\(name)': \($0)") }
            guard let bounds = r["lower_bounds"]?.array else { throw fail("'\(name).lower_bounds' must be a list") }
            let lowerBounds = try bounds.map { b -> Double in
                guard let v = b.number, v.isFinite else { throw fail("'\(name).lower_bounds' must hold finite numbers") }
                return v
            }
            guard let converged = r["converged"]?.bool else { throw fail("'\(name).converged' must be true or false") }
            let bound: Double
            switch r["lower_bound"] {
            case .null?: bound = -.infinity
            case .number(let v)? where v.isFinite: bound = v
            default: throw fail("'\(name).lower_bound' must be a finite number or null")
            }
            return MixtureCheckpoint<P>.Run(parameters: parameters, lowerBound: bound, lowerBounds: lowerBounds,
                                     converged: converged, iterations: try int(r, "n_iter"))
        }
        let best: MixtureCheckpoint<P>.Run? = m["best"] == .null ? nil : try run(m["best"], "best")
        guard let events = m["reseeds"]?.array else { throw fail("'reseeds' must be a list") }
        let reseeds = try events.map { e in
            ReseedEvent(initialization: try int(e, "init"), iteration: try int(e, "iter"),
                        component: e["component"] == .null ? nil : try int(e, "component"),
                        row: e["row"] == .null ? nil : try int(e, "row"))
        }
        let checkpoint = MixtureCheckpoint<P>(settings: settings, data: fingerprint, initialization: try int(m, "init_index"),
                                       generatorState: state, current: try run(m["current"], "current"), best: best,
                                       reseeds: reseeds)
        do { try checkpoint.checkConsistency() } catch let e as CheckpointMismatch { throw fail("\(e)") }
        return checkpoint
    }
}

extension GaussianMixtureParameters: MixtureParameterSet {
    public var kind: String { covarianceType.rawValue }
    public var checkpointFields: [(String, String)] { ModelFile.parameterFields(self, cholesky: false) }
    public static func checkpointParameters(_ run: JSONValue, _ fail: (String) -> DataFileError) throws -> Self {
        try ModelFile.parameters(run, fail)
    }
}
