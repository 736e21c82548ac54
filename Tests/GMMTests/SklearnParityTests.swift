import GMM
import Testing

/// Fits from scikit-learn's explicit start with tol = 0 and compares the whole trajectory
/// (fixtures from Fixtures/make_sklearn_fixtures.py, scikit-learn 1.9.1).
@Suite("scikit-learn parity")
struct SklearnParityTests {
    static let fixtures = ["full_d3_k3", "full_d5_k4", "diag_d4_k3", "diag_d2_k5"]

    @Test(arguments: fixtures, KernelISA.allCases)
    func trajectoryAndFinalParametersMatch(name: String, isa: KernelISA) throws {
        let f = try SklearnFixture.load(name)
        let gm = GaussianMixture(components: f.k, covarianceType: f.type, tolerance: f.tol, regCovar: f.reg_covar,
                                 maxIterations: f.max_iter, initialization: .parameters(try f.initialParameters()),
                                 isa: isa)
        let model = try gm.fit(f.data)
        #expect(model.iterations == f.n_iter)
        #expect(model.converged == f.converged)
        #expect(model.lowerBounds.count == f.lower_bounds.count)
        #expect(maxRelativeDifference(model.lowerBounds, f.lower_bounds) <= 1e-10, "per-iteration lower bound")
        #expect(close(model.lowerBound, f.lower_bound, 1e-10))
        #expect(maxRelativeDifference(model.weights, f.weights) <= 1e-8, "weights")
        #expect(maxRelativeDifference(model.means.elements, f.means) <= 1e-8, "means")
        #expect(maxRelativeDifference(model.covariances, f.covariances) <= 1e-8, "covariances")
        #expect(maxRelativeDifference(model.precisionsCholesky, f.precisions_cholesky) <= 1e-8, "precisions_cholesky")
    }

    @Test(arguments: fixtures)
    func evaluationMatches(name: String) throws {
        let f = try SklearnFixture.load(name)
        let gm = GaussianMixture(components: f.k, covarianceType: f.type, tolerance: f.tol, regCovar: f.reg_covar,
                                 maxIterations: f.max_iter, initialization: .parameters(try f.initialParameters()))
        let model = try gm.fit(f.data)
        #expect(close(try model.score(f.data), f.score, 1e-9))
        #expect(maxRelativeDifference(try model.scoreSamples(f.data), f.score_samples) <= 1e-9)
        #expect(try model.predict(f.data) == f.predict)
        #expect(close(try model.bic(f.data), f.bic, 1e-9))
        #expect(close(try model.aic(f.data), f.aic, 1e-9))
    }
}
