import Foundation
import GMM

/// |a − b| ≤ tol · max(|a|, |b|, 1): relative, with a unit floor for values near zero.
func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tol * max(abs(a), abs(b), 1)
}

/// Largest relative difference (unit floor) between two equally long sequences.
func maxRelativeDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double
where A.Element == Double, B.Element == Double {
    precondition(a.count == b.count, "length mismatch: \(a.count) vs \(b.count)")
    var worst = 0.0
    for (x, y) in zip(a, b) where x != y {
        worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1))
    }
    return worst
}

/// A scikit-learn parity fixture written by Fixtures/make_sklearn_fixtures.py.
struct SklearnFixture: Decodable {
    let covariance_type: String
    let n: Int, d: Int, k: Int
    let tol: Double, reg_covar: Double, max_iter: Int
    let X: [Double]
    let weights_init: [Double], means_init: [Double], precisions_init: [Double]
    let lower_bounds: [Double], lower_bound: Double, n_iter: Int, converged: Bool
    let weights: [Double], means: [Double], covariances: [Double], precisions_cholesky: [Double]
    let score: Double, score_samples: [Double], predict: [Int32], bic: Double, aic: Double
    let float32: Bool
    let sklearn_float32_lower_bounds: [Double]?

    static func load(_ name: String) throws -> SklearnFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sklearn_\(name).json")
        return try JSONDecoder().decode(SklearnFixture.self, from: Data(contentsOf: url))
    }

    var data: Matrix<Double> { Matrix(rows: n, columns: d, elements: X) }
    /// The same values as Float (exact for float32 fixtures).
    var data32: Matrix<Float> { Matrix(rows: n, columns: d, elements: X.map { Float($0) }) }
    var type: CovarianceType { CovarianceType(rawValue: covariance_type)! }

    func initialParameters() throws -> GaussianMixtureParameters {
        try GaussianMixtureParameters(weights: weights_init, means: Matrix(rows: k, columns: d, elements: means_init),
                                      precisions: precisions_init, covarianceType: type)
    }
}

/// Points from `k` well-separated seeded Gaussians.
func blobs(n: Int, d: Int, k: Int, seed: UInt64) -> Matrix<Double> {
    SyntheticMixture(components: k, features: d, seed: seed).sample(n, seed: seed &+ 7).points
}
