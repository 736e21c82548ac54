#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The model file format "swift-gmm/1": JSON with scikit-learn-shaped fields, so numpy users
/// can load it (`np.array(m["means"])`), plus how the fit went and its settings.
///
/// Fields: `format`, `covariance_type`, `n_components`, `n_features`, `weights` [K], `means`
/// [K][d], `covariances` (full [K][d][d], tied [d][d], diag [K][d], spherical [K]),
/// `precisions_cholesky` (same shapes, scikit-learn's `precisions_cholesky_`), `converged`,
/// `n_iter`, `lower_bound` (null when not finite), `lower_bounds` [n_iter], `reseeds`,
/// `sample_weight_sum` (N for unweighted data), `held_by_regularization` (components only
/// reg_covar holds up, see `RegularizationHold`), and the
/// fit settings `tol`, `reg_covar`, `max_iter`, `n_init`, `init`, `seed`. Numbers are written
/// with shortest round-trip decimals, so a saved model reloads bit for bit.
public enum ModelFile {
    public static let format = "swift-gmm/1"

    /// Fit settings recorded beside a model.
    public struct Settings: Sendable, Equatable {
        public var tol: Double
        public var regCovar: Double
        public var maxIter: Int
        public var nInit: Int
        public var initMethod: String
        public var seed: UInt64?
        /// τ of the truncated E-step, when the fit used one (written as "truncation").
        public var truncation: Double? = nil

        public init(tol: Double, regCovar: Double, maxIter: Int, nInit: Int, initMethod: String, seed: UInt64?) {
            self.tol = tol
            self.regCovar = regCovar
            self.maxIter = maxIter
            self.nInit = nInit
            self.initMethod = initMethod
            self.seed = seed
        }
    }

    /// The JSON text of a model.
    public static func json(_ model: FittedGaussianMixture, settings: Settings?) -> String {
        var extra: [(String, String)] = []
        if model.regCovar != nil && model.sampleWeightSum != nil { extra.append(("held_by_regularization", holdList(model.regularizationHolds))) }
        return object([("format", quote(format))] + parameterFields(model.parameters, cholesky: true)
                      + resultFields(model, sampleWeightSum: model.sampleWeightSum) + extra
                      + settingsFields(settings, regularization: "reg_covar"))
    }

    /// How the fit went: converged, n_iter, lower_bound(s), reseeds, sample_weight_sum.
    static func resultFields(_ model: any FittedMixture, sampleWeightSum: Double?) -> [(String, String)] {
        [("converged", "\(model.converged)"), ("n_iter", "\(model.iterations)"), ("lower_bound", number(model.lowerBound)),
         ("lower_bounds", list(model.lowerBounds)), ("reseeds", reseedList(model.reseeds))]
            + (sampleWeightSum.map { [("sample_weight_sum", number($0))] } ?? [])
    }

    /// The fit's settings; `regularization` names the regularization's field.
    static func settingsFields(_ settings: Settings?, regularization: String) -> [(String, String)] {
        guard let s = settings else { return [] }
        return [("tol", number(s.tol)), (regularization, number(s.regCovar)), ("max_iter", "\(s.maxIter)"),
                ("n_init", "\(s.nInit)"), ("init", quote(s.initMethod)), ("seed", s.seed.map { "\($0)" } ?? "null")]
            + (s.truncation.map { [("truncation", number($0))] } ?? [])
    }

    /// Writes a model atomically.
    public static func write(_ model: FittedGaussianMixture, settings: Settings?, to path: String) throws {
        try writeAtomically(json(model, settings: settings), to: path)
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        let out = try AtomicOutput(path: path)
        try out.write(text)
        try out.commit()
    }

    /// Reads a model: at least `covariance_type`, `weights`, `means` and `covariances` (or
    /// `precisions_cholesky`); fit results default to "not fitted here".
    public static func read(_ path: String) throws -> FittedGaussianMixture {
        try decode(readFile(path), path: path)
    }

    /// A model from the bytes of a model file; `path` names it in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> FittedGaussianMixture {
        func fail(_ reason: String) -> DataFileError { .model(path: path, reason: reason) }
        let m = try object(bytes, path: path)
        if let f = m["format"]?.string, f != format { throw fail("unsupported format '\(f)' (expected '\(format)')") }
        return FittedGaussianMixture(parameters: try parameters(m, fail),
                                     lowerBound: m["lower_bound"]?.number ?? -.infinity,
                                     lowerBounds: m["lower_bounds"]?.array?.compactMap(\.number) ?? [],
                                     converged: m["converged"]?.bool ?? false,
                                     iterations: m["n_iter"]?.int ?? 0,
                                     regCovar: m["reg_covar"]?.number.flatMap { $0 >= 0 && $0.isFinite ? $0 : nil },
                                     sampleWeightSum: m["sample_weight_sum"]?.number.flatMap { $0 > 0 && $0.isFinite ? $0 : nil })
    }

    /// The whole file; a clear error when it is missing, unreadable or empty.
    static func readFile(_ path: String) throws -> [UInt8] {
        try FilePaths.checkInput(path)
        let bytes = try FilePaths.readAll(path)
        guard !bytes.isEmpty else { throw DataFileError.empty(path: path) }
        return bytes
    }

    /// The top-level JSON object of a model or checkpoint file.
    static func object(_ bytes: [UInt8], path: String) throws -> JSONValue {
        let m: JSONValue
        do { m = try JSONValue.parse(bytes) } catch let e as JSONValue.ParseError {
            throw DataFileError.model(path: path, reason: "not valid JSON: \(e)")
        }
        guard case .object = m else { throw DataFileError.model(path: path, reason: "the top level must be a JSON object") }
        return m
    }

    /// A JSON (nested) list of numbers as numpy would read it: its shape and its values in
    /// row-major order.
    struct NDArray {
        let shape: [Int]
        let values: [Double]
    }

    /// The array in `value`; fails naming `name` when it is ragged or holds anything but
    /// finite numbers.
    static func ndarray(_ value: JSONValue, _ name: String, _ fail: (String) -> DataFileError) throws -> NDArray {
        switch value {
        case .number(let n):
            guard n.isFinite else { throw fail("'\(name)' must hold finite numbers only") }
            return NDArray(shape: [], values: [n])
        case .array(let items):
            let parts = try items.map { try ndarray($0, name, fail) }
            guard let first = parts.first else { return NDArray(shape: [0], values: []) }
            guard parts.allSatisfy({ $0.shape == first.shape }) else {
                throw fail("'\(name)' is ragged: its rows have different shapes")
            }
            return NDArray(shape: [items.count] + first.shape, values: parts.flatMap(\.values))
        default:
            throw fail("'\(name)' must hold finite numbers only")
        }
    }

    /// The parameter pieces of a model object, each checked against its shape with
    /// scikit-learn's messages: `weights` (K,), `means` (K, d), and one covariance form in the
    /// covariance type's shape, `covariances` (preferred, as this format writes it beside
    /// `precisions_cholesky`), `precisions` or `precisions_cholesky`. scikit-learn's names
    /// `weights_init`, `means_init` and `precisions_init` are accepted too. K and d come from
    /// the arguments when given (the fit's -k and the data), else from `n_components` and
    /// `n_features`, else from the pieces themselves.
    static func pieces(_ m: JSONValue, type: CovarianceType, components: Int?, features: Int?,
                       _ fail: (String) -> DataFileError) throws -> (pieces: InitialParameters, components: Int?, features: Int?) {
        func field(_ names: String...) -> (String, JSONValue)? {
            for n in names { if let v = m[n], v != .null { return (n, v) } }
            return nil
        }
        let weights = try field("weights", "weights_init").map { try ndarray($0.1, $0.0, fail) }
        let means = try field("means", "means_init").map { try ndarray($0.1, $0.0, fail) }
        // This format writes `precisions_cholesky` beside `covariances` (the same model); any
        // other two forms together are ambiguous.
        let forms = ["covariances", "precisions", "precisions_init"].filter { m[$0] != nil && m[$0] != .null }
        guard forms.count <= 1 else { throw fail("give one of '\(forms[0])' and '\(forms[1])'") }
        let covariance = try field("covariances", "precisions", "precisions_init", "precisions_cholesky").map {
            (name: $0.0, array: try ndarray($0.1, $0.0, fail))
        }
        let K = components ?? m["n_components"]?.int ?? weights?.shape.first ?? means?.shape.first
            ?? (type == .tied ? nil : covariance?.array.shape.first)
        let d = features ?? m["n_features"]?.int ?? (means?.shape.count == 2 ? means?.shape[1] : nil)
            ?? (type == .tied ? covariance?.array.shape.first : type == .spherical ? nil : covariance?.array.shape.last)
        for name in ["n_components", "n_features"] {
            if let v = m[name], v != .null, !(v.int.map { $0 >= 1 } ?? false) { throw fail("'\(name)' must be a positive integer") }
        }
        guard (K ?? 1) >= 1, (d ?? 1) >= 1 else { throw fail("the pieces hold no component or no feature") }
        if let n = m["n_components"]?.int, let K, n != K { throw fail("'n_components' is \(n), but the fit asks for \(K) components") }
        if let n = m["n_features"]?.int, let d, n != d { throw fail("'n_features' is \(n), but the data have \(d) features") }
        func check(_ a: NDArray, _ expected: [Int], _ name: String) throws {
            guard a.shape == expected else {
                throw fail("\(GaussianMixtureParameters.shapeError(name, expected: expected, got: a.shape))")
            }
        }
        var pieces = InitialParameters()
        do {
            if let weights, let K {
                try check(weights, [K], "weights")
                pieces.weights = weights.values
                try GaussianMixtureParameters.checkWeights(weights.values, components: K)
            }
            if let means, let K, let d {
                try check(means, [K, d], "means")
                pieces.means = Matrix(rows: K, columns: d, elements: means.values)
                try GaussianMixtureParameters.checkMeans(Matrix(rows: K, columns: d, elements: means.values), components: K, features: d)
            } else if let means {
                throw fail("\(GaussianMixtureParameters.shapeError("means", expected: [K ?? 0, d ?? 0], got: means.shape))")
            }
            if let (name, array) = covariance {
                guard let K, let d else { throw fail("'\(name)' needs 'weights' or 'means' to tell the number of components and features") }
                let expected = GaussianMixtureParameters.covarianceShape(type, components: K, features: d)
                let label = name.hasPrefix("precisions_cholesky") ? "precisions_cholesky"
                    : name.hasPrefix("precisions") ? "\(type.rawValue) precision" : "\(type.rawValue) covariance"
                try check(array, expected, label)
                switch name {
                case "covariances": pieces.covariances = array.values
                case "precisions_cholesky": pieces.precisionsCholesky = array.values
                default: pieces.precisions = array.values
                }
                try pieces.validate(components: K, features: d, covarianceType: type)
            }
        } catch let e as GaussianMixtureError {
            throw fail("\(e)")
        }
        return (pieces, K, d)
    }

    /// Complete parameters from an object's `covariance_type`, `weights`, `means` and
    /// `covariances` (or `precisions` or `precisions_cholesky`), checked for shape, finiteness,
    /// normalization and definiteness.
    static func parameters(_ m: JSONValue, _ fail: (String) -> DataFileError) throws -> GaussianMixtureParameters {
        let type = try covarianceType(m, fail)
        let (pieces, K, d) = try self.pieces(m, type: type, components: nil, features: nil, fail)
        guard let weights = pieces.weights else { throw fail("missing 'weights'") }
        guard let means = pieces.means, K != nil, d != nil else { throw fail("missing 'means'") }
        do {
            if let c = pieces.covariances {
                return try GaussianMixtureParameters(weights: weights, means: means, covariances: c, covarianceType: type)
            } else if let p = pieces.precisions {
                return try GaussianMixtureParameters(weights: weights, means: means, precisions: p, covarianceType: type)
            } else if let u = pieces.precisionsCholesky {
                return try GaussianMixtureParameters(weights: weights, means: means, precisionsCholesky: u, covarianceType: type)
            }
        } catch let e as GaussianMixtureError {
            throw fail("\(e)")
        }
        throw fail("needs 'covariances', 'precisions' or 'precisions_cholesky'")
    }

    static func covarianceType(_ m: JSONValue, _ fail: (String) -> DataFileError) throws -> CovarianceType {
        guard let typeName = m["covariance_type"]?.string else { throw fail("missing 'covariance_type'") }
        guard let type = CovarianceType(rawValue: typeName) else {
            throw fail("'covariance_type' must be full, tied, diag or spherical (got '\(typeName)')")
        }
        return type
    }

    /// The `covariance_type` a model or start file declares, or nil when it has none.
    public static func declaredCovarianceType(_ path: String) throws -> CovarianceType? {
        let m = try object(readFile(path), path: path)
        guard let t = m["covariance_type"], t != .null else { return nil }
        return try covarianceType(m) { .model(path: path, reason: $0) }
    }

    /// Initial values for a fit from a model file whose fields may be partial (scikit-learn's
    /// `weights_init`, `means_init`, `precisions_init`; see `pieces`), and the number of
    /// components: `K` when given, else the file's. `covariance_type` is optional; when present
    /// it must be `type`.
    public static func readInitialParameters(_ path: String, covarianceType type: CovarianceType, components K: Int?,
                                             features d: Int) throws -> (pieces: InitialParameters, components: Int?) {
        func fail(_ reason: String) -> DataFileError { .model(path: path, reason: reason) }
        let m = try object(readFile(path), path: path)
        if let t = m["covariance_type"], t != .null {
            let given = try covarianceType(m, fail)
            guard given == type else {
                throw fail("'covariance_type' is '\(given.rawValue)', but the fit asks for --covariance \(type.rawValue)")
            }
        }
        let (pieces, components, _) = try self.pieces(m, type: type, components: K, features: d, fail)
        guard !pieces.isEmpty else { throw fail("holds none of 'weights', 'means', 'covariances', 'precisions', 'precisions_cholesky'") }
        return (pieces, components)
    }

    /// The parameter fields of a model or checkpoint object.
    static func parameterFields(_ p: GaussianMixtureParameters, cholesky: Bool) -> [(String, String)] {
        let K = p.components, d = p.features, type = p.covarianceType
        var fields: [(String, String)] = [
            ("covariance_type", quote(type.rawValue)),
            ("n_components", "\(K)"),
            ("n_features", "\(d)"),
            ("weights", list(p.weights)),
            ("means", "[" + (0..<K).map { list(p.means.row($0)) }.joined(separator: ", ") + "]"),
            ("covariances", nested(p.covariances, type, K, d)),
        ]
        if cholesky { fields.append(("precisions_cholesky", nested(p.precisionsCholesky, type, K, d))) }
        return fields
    }

    private static func nested(_ values: [Double], _ type: CovarianceType, _ K: Int, _ d: Int) -> String {
        func matrix(_ o: Int) -> String { "[" + (0..<d).map { list(Array(values[(o + $0 * d)..<(o + ($0 + 1) * d)])) }.joined(separator: ", ") + "]" }
        switch type {
        case .full: return "[" + (0..<K).map { matrix($0 * d * d) }.joined(separator: ", ") + "]"
        case .tied: return matrix(0)
        case .diag: return "[" + (0..<K).map { list(Array(values[($0 * d)..<(($0 + 1) * d)])) }.joined(separator: ", ") + "]"
        case .spherical: return list(values)
        }
    }

    static func holdList(_ holds: [RegularizationHold]) -> String {
        "[" + holds.map { h in
            "{\"component\": \(h.component.map(String.init) ?? "null"), \"feature\": \(h.feature.map(String.init) ?? "null"), "
                + "\"variance\": \(number(h.variance)), \"points\": \(number(h.points)), \"reason\": \(quote(h.reason.rawValue))}"
        }.joined(separator: ", ") + "]"
    }

    static func reseedList(_ events: [ReseedEvent]) -> String {
        "[" + events.map {
            "{\"init\": \($0.initialization), \"iter\": \($0.iteration), \"component\": \($0.component.map(String.init) ?? "null"), \"row\": \($0.row.map(String.init) ?? "null")}"
        }.joined(separator: ", ") + "]"
    }

    /// A JSON object, one field per line.
    static func object(_ fields: [(String, String)], indent: String = "") -> String {
        "{\n" + fields.map { "\(indent)  \(quote($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n\(indent)}" + (indent.isEmpty ? "\n" : "")
    }

    static func list(_ values: [Double]) -> String { "[" + values.map(number).joined(separator: ", ") + "]" }
    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
    /// A JSON string literal: quote, backslash and control characters escaped (RFC 8259).
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
