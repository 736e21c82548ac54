import Foundation

/// The model file format "swift-gmm/1": JSON with scikit-learn-shaped fields, so numpy users
/// can load it (`np.array(m["means"])`), plus how the fit went and its settings.
///
/// Fields: `format`, `covariance_type`, `n_components`, `n_features`, `weights` [K], `means`
/// [K][d], `covariances` (full [K][d][d], tied [d][d], diag [K][d], spherical [K]),
/// `precisions_cholesky` (same shapes, scikit-learn's `precisions_cholesky_`), `converged`,
/// `n_iter`, `lower_bound` (null when not finite), `lower_bounds` [n_iter], `reseeds`, and the
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
        var fields: [(String, String)] = [("format", quote(format))] + parameterFields(model.parameters, cholesky: true) + [
            ("converged", "\(model.converged)"),
            ("n_iter", "\(model.iterations)"),
            ("lower_bound", number(model.lowerBound)),
            ("lower_bounds", list(model.lowerBounds)),
            ("reseeds", reseedList(model.reseeds)),
        ]
        if let s = settings {
            fields += [("tol", number(s.tol)), ("reg_covar", number(s.regCovar)), ("max_iter", "\(s.maxIter)"),
                       ("n_init", "\(s.nInit)"), ("init", quote(s.initMethod)), ("seed", s.seed.map { "\($0)" } ?? "null")]
        }
        return object(fields)
    }

    /// Writes a model atomically.
    public static func write(_ model: FittedGaussianMixture, settings: Settings?, to path: String) throws {
        let out = try AtomicOutput(path: path)
        try out.write(json(model, settings: settings))
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
                                     iterations: m["n_iter"]?.int ?? 0)
    }

    /// The whole file; a clear error when it is missing, unreadable or empty.
    static func readFile(_ path: String) throws -> [UInt8] {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw DataFileError.cannotRead(path: path, reason: FileManager.default.fileExists(atPath: path)
                                           ? "permission denied or not a file" : "No such file or directory")
        }
        guard !bytes.isEmpty else { throw DataFileError.empty(path: path) }
        return Array(bytes)
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

    /// Parameters from an object's `covariance_type`, `weights`, `means` and `covariances` (or
    /// `precisions_cholesky`), checked for shape, finiteness, normalization and definiteness.
    static func parameters(_ m: JSONValue, _ fail: (String) -> DataFileError) throws -> GaussianMixtureParameters {
        guard let typeName = m["covariance_type"]?.string else { throw fail("missing 'covariance_type'") }
        guard let type = CovarianceType(rawValue: typeName) else {
            throw fail("'covariance_type' must be full, tied, diag or spherical (got '\(typeName)')")
        }
        let weights = try numbers(m["weights"], "weights", fail)
        let K = weights.count
        guard K >= 1 else { throw fail("'weights' is empty") }
        guard let meanRows = m["means"]?.array, meanRows.count == K else { throw fail("'means' must be a list of \(K) rows (one per weight)") }
        let means = try meanRows.enumerated().map { try numbers($0.element, "means[\($0.offset)]", fail) }
        let d = means[0].count
        guard d >= 1, means.allSatisfy({ $0.count == d }) else { throw fail("'means' rows must all have the same, non-zero length") }
        if let n = m["n_features"]?.int, n != d { throw fail("'n_features' is \(n) but the means have \(d) features") }
        if let n = m["n_components"]?.int, n != K { throw fail("'n_components' is \(n) but there are \(K) weights") }
        let meanMatrix = Matrix(rows: K, columns: d, elements: means.flatMap { $0 })
        let expected = type.storageCount(components: K, features: d)
        do {
            if let covariances = m["covariances"] {
                let cov = try flatten(covariances, "covariances", fail)
                guard cov.count == expected else { throw fail("'covariances' for '\(typeName)' needs \(expected) values, got \(cov.count)") }
                return try GaussianMixtureParameters(weights: weights, means: meanMatrix, covariances: cov, covarianceType: type)
            } else if let factors = m["precisions_cholesky"] {
                let u = try flatten(factors, "precisions_cholesky", fail)
                guard u.count == expected else { throw fail("'precisions_cholesky' for '\(typeName)' needs \(expected) values, got \(u.count)") }
                return try GaussianMixtureParameters(weights: weights, means: meanMatrix,
                                                     precisions: precisions(fromCholesky: u, type, K, d), covarianceType: type)
            } else {
                throw fail("needs 'covariances' or 'precisions_cholesky'")
            }
        } catch let e as GaussianMixtureError {
            throw fail("\(e)")
        }
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

    /// P = U Uᵀ per block (any square factor works: the kernels' own U is rebuilt from P).
    private static func precisions(fromCholesky u: [Double], _ type: CovarianceType, _ K: Int, _ d: Int) -> [Double] {
        switch type {
        case .diag, .spherical:
            return u.map { $0 * $0 }
        case .full, .tied:
            var p = [Double](repeating: 0, count: u.count)
            for b in 0..<(u.count / (d * d)) {
                let o = b * d * d
                for i in 0..<d { for j in 0..<d { p[o + i * d + j] = (0..<d).reduce(0) { $0 + u[o + i * d + $1] * u[o + j * d + $1] } } }
            }
            return p
        }
    }

    static func numbers(_ value: JSONValue?, _ name: String, _ fail: (String) -> DataFileError) throws -> [Double] {
        guard let list = value?.array else { throw fail("'\(name)' must be a list of numbers") }
        return try list.map { item in
            guard let n = item.number, n.isFinite else { throw fail("'\(name)' must hold finite numbers only") }
            return n
        }
    }

    private static func flatten(_ value: JSONValue, _ name: String, _ fail: (String) -> DataFileError) throws -> [Double] {
        switch value {
        case .number(let n):
            guard n.isFinite else { throw fail("'\(name)' must hold finite numbers only") }
            return [n]
        case .array(let list):
            return try list.flatMap { try flatten($0, name, fail) }
        default:
            throw fail("'\(name)' must be a (nested) list of numbers")
        }
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

    static func reseedList(_ events: [ReseedEvent]) -> String {
        "[" + events.map {
            "{\"init\": \($0.initialization), \"iter\": \($0.iteration), \"component\": \($0.component), \"row\": \($0.row)}"
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
