#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The component families a mixture can have.
public enum MixtureFamily: String, Sendable, CaseIterable {
    /// Multivariate normal components (`GaussianMixture`).
    case gaussian
    /// Independent Bernoulli features: xᵢ ∈ {0, 1} (values in [0, 1] count as soft counts).
    case bernoulli
    /// Independent categorical features: xᵢ an integer code in 0 ..< Cᵢ.
    case categorical
    /// Independent Poisson counts: xᵢ ∈ {0, 1, 2, …}.
    case poisson
}

/// Parameters of a Bernoulli, categorical or Poisson mixture (features independent given the
/// component):
///
///     Bernoulli:    log p(x | k) = Σᵢ xᵢ log μₖᵢ + (1 − xᵢ) log(1 − μₖᵢ)
///     categorical:  log p(x | k) = Σᵢ log θₖᵢ[xᵢ]
///     Poisson:      log p(x | k) = Σᵢ xᵢ log λₖᵢ − λₖᵢ − log xᵢ!
///
/// `means` is K × D: the Bernoulli probabilities μ, the Poisson rates λ (D = d), or the
/// categorical probabilities θ with feature i's categories in columns `offsets[i] ..<
/// offsets[i+1]` (D = Σ Cᵢ). A probability or rate of exactly 0 is evaluated as the smallest
/// positive double (log ≈ −744.4), so every log-probability stays finite; that is the only
/// departure from plain maximum likelihood with a pseudo-count of 0.
public struct DiscreteMixtureParameters: Sendable, Equatable {
    public let family: MixtureFamily
    /// Mixing weights πₖ (K, summing to 1).
    public let weights: [Double]
    /// K × D probabilities or rates (see above).
    public let means: Matrix<Double>
    /// Categories Cᵢ per feature (categorical; empty for the other families).
    public let categories: [Int]

    /// Checks the shapes and values (weights non-negative summing to 1 within 1e-6,
    /// probabilities in [0, 1] and, per categorical feature, summing to 1 within 1e-6, rates
    /// finite and non-negative); throws `.invalidArgument` naming the first problem.
    public init(family: MixtureFamily, weights: [Double], means: Matrix<Double>, categories: [Int] = []) throws {
        typealias E = GaussianMixtureError
        guard family != .gaussian else { throw E.invalidArgument("DiscreteMixtureParameters: the family must be bernoulli, categorical or poisson") }
        let K = weights.count
        guard K >= 1, means.rows == K else {
            throw E.invalidArgument("The parameter 'means' should have the shape of (\(K), n_features), but got (\(means.rows), \(means.columns))")
        }
        if family == .categorical {
            try DiscreteData.checkTotal(categories, what: "given")
            guard !categories.isEmpty, categories.allSatisfy({ $0 >= 1 }), categories.reduce(0, +) == means.columns else {
                throw E.invalidArgument("The categorical probabilities have \(means.columns) columns, but the categories \(categories) add up to \(categories.reduce(0, +)).")
            }
        } else {
            guard categories.isEmpty else { throw E.invalidArgument("Only categorical mixtures have categories.") }
            guard means.columns >= 1 else { throw E.invalidArgument("The parameter 'means' has no feature.") }
        }
        for (k, w) in weights.enumerated() where !(w >= 0 && w <= 1) {
            throw E.invalidArgument("The parameter 'weights' should be in the range [0, 1], but got weights[\(k)] = \(w)")
        }
        let total = weights.reduce(0, +)
        guard abs(1 - total) <= 1e-6 else {
            throw E.invalidArgument("The parameter 'weights' should be normalized, but got sum(weights) = \(format5(total))")
        }
        let name = family == .poisson ? "rate" : "probability"
        for k in 0..<K {
            for i in 0..<means.columns {
                let v = means[k, i]
                let ok = family == .poisson ? (v >= 0 && v.isFinite) : (v >= 0 && v <= 1)
                guard ok else {
                    throw E.invalidArgument("Component \(k), column \(i): the \(name) \(v) is not \(family == .poisson ? "finite and non-negative" : "in [0, 1]").")
                }
            }
        }
        if family == .poisson {
            for k in 0..<K {
                let total = (0..<means.columns).reduce(0.0) { $0 + means[k, $1] }
                guard total <= 1e300 else {
                    throw E.invalidArgument("Component \(k): the rates add up to \(total), beyond what a log-likelihood can hold.")
                }
            }
        }
        if family == .categorical {
            var start = 0
            for (i, c) in categories.enumerated() {
                for k in 0..<K {
                    let s = (start..<(start + c)).reduce(0.0) { $0 + means[k, $1] }
                    guard abs(1 - s) <= 1e-6 else {
                        throw E.invalidArgument("Component \(k), feature \(i): the category probabilities add up to \(s), not 1.")
                    }
                }
                start += c
            }
        }
        self.family = family
        self.weights = weights
        self.means = means
        self.categories = categories
    }

    /// Most categories in all for a categorical mixture (the one-hot coding's width).
    public static var maximumCategories: Int { DiscreteData.maximumCategories }

    /// Internal: values the M-step produced (already in range).
    init(unchecked family: MixtureFamily, weights: [Double], means: Matrix<Double>, categories: [Int]) {
        self.family = family
        self.weights = weights
        self.means = means
        self.categories = categories
    }

    public var components: Int { weights.count }
    /// Columns of the data: d (one code per categorical feature).
    public var features: Int { family == .categorical ? categories.count : means.columns }
    /// D: columns of `means` (Σ Cᵢ for categorical mixtures).
    public var codedColumns: Int { means.columns }
    /// First column of each categorical feature's categories in `means`, and D at the end.
    public var offsets: [Int] {
        var o = [0]
        for c in categories { o.append(o.last! + c) }
        return o
    }

    /// Free parameters p (for BIC and AIC): K − 1 weights plus K·d probabilities or rates, or
    /// K·Σ(Cᵢ − 1) category probabilities.
    public var freeParameters: Int {
        let perComponent = family == .categorical ? categories.reduce(0) { $0 + $1 - 1 } : means.columns
        return components * perComponent + components - 1
    }

    /// log of a probability or rate, with 0 evaluated as the smallest positive double.
    static func log0(_ p: Double) -> Double { p > 0 ? log(p) : logSmallest }
    /// log(4.9e-324) ≈ −744.44.
    static let logSmallest = log(Double.leastNonzeroMagnitude)

    /// The log-densities as a linear form (see gmm_linear.h): log πₖ p(x | k) = bₖ + Σᵢ Aₖᵢ xᵢ
    /// (+ −Σ log xᵢ! for Poisson data, the same for every component). A is K × D row-major.
    func linearForm() -> (A: [Double], b: [Double]) {
        let K = components, D = codedColumns
        var A = [Double](repeating: 0, count: K * D), b = [Double](repeating: 0, count: K)
        for k in 0..<K {
            var c = Self.log0(weights[k])
            for i in 0..<D {
                let p = means[k, i]
                switch family {
                case .bernoulli:
                    let l1 = Self.log0(1 - p)  // (1 − p is exact for p ≥ 0.5, and p's rounding is below its own ulp otherwise)
                    A[k * D + i] = Self.log0(p) - l1
                    c += l1
                case .categorical:
                    A[k * D + i] = Self.log0(p)
                case .poisson:
                    A[k * D + i] = Self.log0(p)
                    c -= p
                case .gaussian:
                    preconditionFailure()
                }
            }
            b[k] = c
        }
        return (A, b)
    }

    /// A digest of the values (see `GaussianMixture.initializationName`).
    public var digest: UInt64 {
        startDigest([(family.rawValue, categories.map(Double.init)), ("weights", weights), ("means", means.elements)])
    }
}

extension DiscreteMixtureParameters: MixtureParameterSet {
    public var kind: String { family.rawValue }

    public var checkpointFields: [(String, String)] { ModelFile.discreteParameterFields(self) }

    public static func checkpointParameters(_ run: JSONValue, _ fail: (String) -> DataFileError) throws -> Self {
        try ModelFile.discreteParameters(run, fail)
    }
}

/// −log x! of one count, from a table for small counts (exact to the last bit of lgamma).
enum LogFactorial {
    static let table: [Double] = (0..<4096).map { -lgamma(Double($0) + 1) }
    @inline(__always) static func negative(_ x: Double) -> Double {
        x < 4096 ? table[Int(x)] : -lgamma(x + 1)
    }
}
