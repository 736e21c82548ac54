import GMM
import Testing

@Suite("Errors")
struct ErrorTests {
    @Test func nanInputNamesRowAndColumn() {
        var X = blobs(n: 50, d: 3, k: 2, seed: 1)
        X[17, 2] = .nan
        #expect(throws: GaussianMixtureError.nonFiniteInput(row: 17, column: 2, isNaN: true)) {
            try GaussianMixture(components: 2).fit(X)
        }
        #expect("\(GaussianMixtureError.nonFiniteInput(row: 17, column: 2, isNaN: true))" == "Input X contains NaN at row 17, column 2.")
        X[17, 2] = 0
        X[3, 0] = -.infinity
        #expect(throws: GaussianMixtureError.nonFiniteInput(row: 3, column: 0, isNaN: false)) {
            try GaussianMixture(components: 2).fit(X)
        }
    }

    @Test func fewerSamplesThanComponents() {
        let X = blobs(n: 4, d: 2, k: 1, seed: 1)
        let error = GaussianMixtureError.tooFewSamples(samples: 4, components: 5)
        #expect(throws: error) { try GaussianMixture(components: 5).fit(X) }
        #expect(error.description == "Expected n_samples >= n_components but got n_components = 5, n_samples = 4")
        #expect(throws: GaussianMixtureError.notEnoughSamples(samples: 1)) {
            try GaussianMixture(components: 1).fit(Matrix([[1.0, 2.0]]))
        }
    }

    static let startCovariances: [CovarianceType: [Double]] = [
        .full: [4, 0, 0, 4, 1, 0, 0, 1], .diag: [4, 4, 1, 1], .spherical: [4, 1],
    ]

    @Test(arguments: [CovarianceType.full, .diag, .spherical])
    func collapsedComponentIsIllDefined(type: CovarianceType) throws {
        // Component 1 starts on ten identical points far from the rest: with reg_covar = 0
        // its covariance becomes exactly zero after the first M-step.
        var rows = (0..<40).map { i in [Double(i % 7), Double(i % 5)] }
        rows += Array(repeating: [1000.0, 1000.0], count: 10)
        let X = Matrix(rows)
        let d = 2
        let start = try GaussianMixtureParameters(
            weights: [0.8, 0.2], means: Matrix([[3.0, 2.0], [1000.0, 1000.0]]),
            covariances: Self.startCovariances[type]!, covarianceType: type)
        #expect(start.features == d)
        let error = GaussianMixtureError.illDefinedCovariance(component: 1)
        #expect(throws: error) {
            try GaussianMixture(components: 2, covarianceType: type, regCovar: 0, initialization: .parameters(start)).fit(X)
        }
        #expect(error.description == "Fitting the mixture model failed because some components have ill-defined empirical covariance (for instance caused by singleton or collapsed samples). Try to decrease the number of components, increase reg_covar, or scale the input data. (component 1)")
        // The default reg_covar keeps the same start well defined.
        _ = try GaussianMixture(components: 2, covarianceType: type, initialization: .parameters(start)).fit(X)
    }

    @Test(arguments: CovarianceType.allCases)
    func collapsedClustersWithoutRegularizationFail(type: CovarianceType) {
        // Two groups of identical points: k-means puts one component on each, with zero spread.
        let X = Matrix(Array(repeating: [2.0, -1.0, 0.5], count: 10) + Array(repeating: [3.0, 0.0, 1.0], count: 10))
        #expect(throws: GaussianMixtureError.illDefinedCovariance(component: type == .tied ? nil : 0)) {
            try GaussianMixture(components: 2, covarianceType: type, regCovar: 0, seed: 1).fit(X)
        }
        #expect("\(GaussianMixtureError.illDefinedCovariance(component: nil))".hasSuffix("(shared tied covariance)"))
    }

    @Test func identicalSamplesAreRejected() {
        let X = Matrix(Array(repeating: [2.0, -1.0, 0.5], count: 20))
        for type in CovarianceType.allCases {
            for reg in [0, 1e-6] {
                #expect(throws: GaussianMixtureError.identicalSamples(samples: 20)) {
                    try GaussianMixture(components: 1, covarianceType: type, regCovar: reg).fit(X)
                }
            }
        }
        #expect("\(GaussianMixtureError.identicalSamples(samples: 20))" == "All 20 samples of X are the same point; a Gaussian mixture needs samples that differ.")
        // float32 data too, and K > N is still reported first, as scikit-learn does.
        #expect(throws: GaussianMixtureError.identicalSamples(samples: 20)) {
            try GaussianMixture(components: 2).fit(Matrix(Array(repeating: [Float(1), 2], count: 20)))
        }
        #expect(throws: GaussianMixtureError.tooFewSamples(samples: 20, components: 30)) {
            try GaussianMixture(components: 30).fit(X)
        }
    }

    @Test func extremeMagnitudesAreRejectedWithTheirPlace() throws {
        var rows = blobs(n: 40, d: 3, k: 2, seed: 3).elements
        rows[3 * 17 + 1] = -1e300
        let X = Matrix(rows: 40, columns: 3, elements: rows)
        let error = GaussianMixtureError.valueTooLarge(row: 17, column: 1, value: -1e300)
        #expect(throws: error) { try GaussianMixture(components: 2).fit(X) }
        #expect("\(error)" == "Input X contains -1e+300 at row 17, column 1, beyond ±1e+140: squared distances would overflow double precision. Rescale the data.")
        // Evaluating a model on such data is refused the same way.
        let model = try GaussianMixture(components: 2, seed: 1).fit(blobs(n: 40, d: 3, k: 2, seed: 3))
        #expect(throws: error) { try model.predict(X) }
        #expect(throws: error) { try model.score(X) }
        // Large but safe values fit: the engine centres the data, so 1e100 offsets are fine.
        let shifted = Matrix(rows: 40, columns: 3, elements: blobs(n: 40, d: 3, k: 2, seed: 3).elements.map { $0 * 1e95 + 1e100 })
        let big = try GaussianMixture(components: 2, seed: 1).fit(shifted)
        #expect(big.lowerBound.isFinite && big.parameters.covariances.allSatisfy(\.isFinite))
        // Tiny spread: squared differences would underflow.
        let tiny = Matrix(rows: 40, columns: 3, elements: blobs(n: 40, d: 3, k: 2, seed: 3).elements.map { $0 * 1e-300 })
        #expect(throws: GaussianMixtureError.spreadTooSmall(spread: try #require(Self.largestRange(tiny)))) {
            try GaussianMixture(components: 2).fit(tiny)
        }
        #expect("\(GaussianMixtureError.spreadTooSmall(spread: 2e-300))" == "The features of X vary by at most 2e-300, below 1e-140: squared differences would underflow double precision. Rescale the data.")
        // Small but representable data fit normally (and give the same labels as rescaled data).
        let small = Matrix(rows: 40, columns: 3, elements: blobs(n: 40, d: 3, k: 2, seed: 3).elements.map { $0 * 1e-100 })
        let fitSmall = try GaussianMixture(components: 2, regCovar: 0, seed: 1).fit(small)
        let fitUnit = try GaussianMixture(components: 2, regCovar: 0, seed: 1).fit(blobs(n: 40, d: 3, k: 2, seed: 3))
        #expect(try fitSmall.predict(small) == fitUnit.predict(blobs(n: 40, d: 3, k: 2, seed: 3)))
    }

    @Test func float32OutliersBeyondFloat32SquaresStayFinite() throws {
        // Found by the npy fuzzer: 2.6e32 in float32 data is ~1e32 standard deviations out; its
        // squared distance overflows float32, so its block is redone in float64.
        var values = blobs(n: 200, d: 2, k: 2, seed: 8).elements.map { Float($0) }
        values[1] = 2.5840544e32
        let X32 = Matrix(rows: 200, columns: 2, elements: values)
        let X64 = Matrix(rows: 200, columns: 2, elements: values.map(Double.init))
        for type in CovarianceType.allCases {
            // (K = 1: with K = 2 the outlier gets a component of its own, whose variance is
            // below what doubles resolve at 2.6e32, an ill-defined covariance.)
            let model = try GaussianMixture(components: 1, covarianceType: type, maxIterations: 5, seed: 1).fit(X32)
            #expect(model.lowerBound.isFinite, "\(type)")
            let scores32 = try model.scoreSamples(X32), scores64 = try model.scoreSamples(X64)
            #expect(scores32.allSatisfy { $0.isFinite }, "\(type)")
            #expect(zip(scores32, scores64).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(type)")
            #expect(throws: GaussianMixtureError.illDefinedCovariance(component: 1)) {
                try GaussianMixture(components: 2, covarianceType: .diag, maxIterations: 5, seed: 1).fit(X32)
            }
        }
    }

    @Test func modelInputsFoundByTheFuzzerAreRejected() {
        // JSON forbids leading zeros; strtod would have read 0110 as 110.
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array("[0110]".utf8)) }
        do { _ = try JSONValue.parse(Array("[0110]".utf8)) } catch {
            #expect("\(error)" == "a number may not start with 0 followed by digits at byte 1")
        }
        #expect(throws: Never.self) { try JSONValue.parse(Array("[0, 0.5, -0, 10]".utf8)) }
        // Precisions whose covariance is below what doubles resolve: rejected as a model read
        // from that covariance would be, so a written model always reads back.
        let u = [2.9729470430729732e16, 1.061978377269695e17, 0, 1.483788983123791]
        let p = [u[0] * u[0] + u[1] * u[1], u[1] * u[3], u[1] * u[3], u[3] * u[3]]
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'precisions' should be symmetric, positive-definite, but component 0 is not positive-definite.")) {
            try GaussianMixtureParameters(weights: [1], means: Matrix([[0.5404905566812591, 0.8693216753501717]]), precisions: p, covarianceType: .full)
        }
    }

    static func largestRange(_ X: Matrix<Double>) -> Double? {
        (0..<X.columns).map { c in (0..<X.rows).map { X[$0, c] }.max()! - (0..<X.rows).map { X[$0, c] }.min()! }.max()
    }

    @Test func invalidSettingsAreRejected() {
        let X = blobs(n: 30, d: 2, k: 2, seed: 1)
        #expect(throws: GaussianMixtureError.invalidArgument("The 'n_components' parameter must be an int in the range [1, inf). Got 0 instead.")) {
            try GaussianMixture(components: 0).fit(X)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The 'tol' parameter must be a float in the range [0.0, inf). Got -1.0 instead.")) {
            try GaussianMixture(components: 1, tolerance: -1).fit(X)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The 'n_init' parameter must be an int in the range [1, inf). Got 0 instead.")) {
            try GaussianMixture(components: 1, initializations: 0).fit(X)
        }
    }

    @Test func modelAndDataDimensionsMustAgree() throws {
        let model = try GaussianMixture(components: 2, seed: 1).fit(blobs(n: 100, d: 3, k: 2, seed: 1))
        #expect(throws: GaussianMixtureError.featureMismatch(expected: 3, got: 2)) {
            try model.predict(blobs(n: 10, d: 2, k: 1, seed: 2))
        }
    }

    @Test func inconsistentParametersAreRejected() {
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'weights' should be normalized, but got sum(weights) = 0.9.")) {
            try GaussianMixtureParameters(weights: [0.5, 0.4], means: Matrix([[0.0], [1.0]]), covariances: [1, 1], covarianceType: .diag)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'covariances' should be symmetric, positive-definite, but component 0 is not positive-definite.")) {
            try GaussianMixtureParameters(weights: [1], means: Matrix([[0.0, 0.0]]), covariances: [1, 2, 2, 1], covarianceType: .full)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'covariances' should be symmetric, positive-definite, but component 1 is not symmetric ([0][1] = 0.5, [1][0] = 0.0).")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0, 0.0], [1, 1]]),
                                          covariances: [1, 0, 0, 1, 1, 0.5, 0, 1], covarianceType: .full)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'covariances' should be symmetric, positive-definite, but the shared tied matrix is not positive-definite.")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0, 0.0], [1, 1]]), covariances: [1, 0, 0, -1], covarianceType: .tied)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'covariances' should be symmetric, positive-definite, but component 1 is not positive-definite.")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0], [1]]), covariances: [1, 0], covarianceType: .spherical)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'covariances' contains a non-finite value (component 1).")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0], [1]]), covariances: [1, .nan], covarianceType: .diag)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'precisions' should be symmetric, positive-definite, but component 0 is not positive-definite.")) {
            try GaussianMixtureParameters(weights: [1], means: Matrix([[0.0, 0.0]]), precisions: [1, 2, 2, 1], covarianceType: .full)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'weights' should be in the range [0, 1], but got weights[0] = 1.5.")) {
            try GaussianMixtureParameters(weights: [1.5, -0.5], means: Matrix([[0.0], [1]]), covariances: [1, 1], covarianceType: .diag)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'means' should have the shape of (2, 1), but got (3, 1).")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0], [1], [2]]), covariances: [1, 1], covarianceType: .diag)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'covariances' for covariance type 'full' should have 8 values, but got 4.")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0, 0], [1, 1]]), covariances: [1, 0, 0, 1], covarianceType: .full)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'means' contains a non-finite value.")) {
            try GaussianMixtureParameters(weights: [1], means: Matrix([[Double.infinity]]), covariances: [1], covarianceType: .diag)
        }
    }
}
