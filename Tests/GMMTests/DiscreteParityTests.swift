import Foundation
import GMM
import Testing

/// Parity with an independent float64 NumPy implementation of each discrete family
/// (Fixtures/make_discrete_fixtures.py): the same data and start, 25 iterations; per-iteration
/// mean log-likelihoods to 1e-10 relative and final parameters to 1e-8.
@Suite("Discrete mixtures: NumPy parity")
struct DiscreteParityTests {
    struct Fixture: Decodable {
        let family: String, n: Int, d: Int, k: Int, pseudo_count: Double, categories: [Int]
        let X: [Double], weights_init: [Double], means_init: [Double]
        let lower_bounds: [Double], weights: [Double], means: [Double]
    }

    @Test(arguments: ["bernoulli", "categorical", "poisson"])
    func matchesNumPy(name: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/discrete_\(name).json")
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let family = try #require(MixtureFamily(rawValue: f.family))
        let D = f.means_init.count / f.k
        let start = try DiscreteMixtureParameters(family: family, weights: f.weights_init,
                                                  means: Matrix(rows: f.k, columns: D, elements: f.means_init), categories: f.categories)
        let X = Matrix(rows: f.n, columns: f.d, elements: f.X)
        for isa in [KernelISA.reference, .automatic] {
            var m = DiscreteMixture(family: family, components: f.k, pseudoCount: f.pseudo_count, tolerance: 0,
                                    maxIterations: f.lower_bounds.count, initialParameters: start, seed: 0)
            m.isa = isa
            let model = try m.fit(X)
            #expect(maxRelativeDifference(model.lowerBounds, f.lower_bounds) <= 1e-10, "\(name) \(isa): lower bounds")
            #expect(maxRelativeDifference(model.weights, f.weights) <= 1e-8, "\(name) \(isa): weights")
            #expect(maxRelativeDifference(model.means.elements, f.means) <= 1e-8, "\(name) \(isa): parameters")
            for (a, b) in zip(model.lowerBounds, model.lowerBounds.dropFirst()) { #expect(b >= a - 1e-12 * abs(a)) }
        }
    }
}
