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
        #expect(throws: GaussianMixtureError.notEnoughSamples(samples: 1, features: 2, minimum: 2)) {
            try GaussianMixture(components: 1).fit(Matrix([[1.0, 2.0]]))
        }
    }

    static let startCovariances: [CovarianceType: [Double]] = [
        .full: [4, 0, 0, 4, 1, 0, 0, 1], .diag: [4, 4, 1, 1], .spherical: [4, 1],
    ]

    @Test(arguments: [CovarianceType.full, .diag, .spherical])
    func collapsedComponentIsIllDefined(type: CovarianceType) throws {
        // Component 1 starts on ten identical points at the origin, far from the rest: with
        // reg_covar = 0 its covariance becomes exactly zero after the first M-step (at the
        // origin even the 10·eps in Nₖ leaves no spread), ill-defined for every type.
        var rows = (0..<40).map { i in [Double(i % 7) + 1000, Double(i % 5) + 1000] }
        rows += Array(repeating: [0.0, 0.0], count: 10)
        let X = Matrix(rows)
        let d = 2
        let start = try GaussianMixtureParameters(
            weights: [0.8, 0.2], means: Matrix([[1003.0, 1002.0], [0.0, 0.0]]),
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
    func collapsedClustersWithoutRegularizationFail(type: CovarianceType) throws {
        // Two groups of identical points: k-means puts one component on each. Their only
        // spread is the 10·eps in Nₖ, (10·eps·x/Nₖ)² along x: one direction, so the full and
        // tied covariances are singular; in diag, the feature where the points are 0 has none
        // at all; spherical (the mean over features) keeps a tiny positive variance and goes
        // on, as scikit-learn's centred formula does.
        let X = Matrix(Array(repeating: [2.0, -1.0, 0.5], count: 10) + Array(repeating: [3.0, 0.0, 1.0], count: 10))
        let gm = GaussianMixture(components: 2, covarianceType: type, regCovar: 0, seed: 1)
        switch type {
        case .spherical:
            let model = try? gm.fit(X)
            #expect(model.map { $0.covariances.allSatisfy { $0 > 0 && $0 < 1e-29 } } == true)
        default:
            let component: Int? = type == .tied ? nil : type == .full ? 0 : model0Label(X)
            #expect(throws: GaussianMixtureError.illDefinedCovariance(component: component)) { try gm.fit(X) }
        }
        #expect("\(GaussianMixtureError.illDefinedCovariance(component: nil))".hasSuffix("(shared tied covariance)"))
    }

    /// The component k-means gives the points at [3, 0, 1] (the one whose diag variance is 0).
    private func model0Label(_ X: Matrix<Double>) -> Int {
        let means = (try? GaussianMixture(components: 2, covarianceType: .diag, regCovar: 1e-6, maxIterations: 0, seed: 1).fit(X))?.means
        return means.map { abs($0[0, 0] - 3) < 1e-9 ? 0 : 1 } ?? -1
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
            for k in [1, 2] {
                let model = try GaussianMixture(components: k, covarianceType: type, maxIterations: 5, seed: 1).fit(X32)
                #expect(model.lowerBound.isFinite, "\(type)")
                let scores32 = try model.scoreSamples(X32), scores64 = try model.scoreSamples(X64)
                #expect(scores32.allSatisfy { $0.isFinite }, "\(type)")
                #expect(zip(scores32, scores64).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(type)")
            }
        }
    }

    @Test func modelInputsFoundByTheFuzzerAreRejected() throws {
        // JSON forbids leading zeros; strtod would have read 0110 as 110.
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array("[0110]".utf8)) }
        do { _ = try JSONValue.parse(Array("[0110]".utf8)) } catch {
            #expect("\(error)" == "a number may not start with 0 followed by digits at byte 1")
        }
        #expect(throws: Never.self) { try JSONValue.parse(Array("[0, 0.5, -0, 10]".utf8)) }
        // Precisions with a variance of 1e-33 next to one of 6.25: positive definite, accepted
        // (as scikit-learn accepts them), and a model written from them reads back the same.
        let u = [2.9729470430729732e16, 1.061978377269695e17, 0, 1.483788983123791]
        let p = [u[0] * u[0] + u[1] * u[1], u[1] * u[3], u[1] * u[3], u[3] * u[3]]
        let parameters = try GaussianMixtureParameters(weights: [1], means: Matrix([[0.5404905566812591, 0.8693216753501717]]),
                                                       precisions: p, covarianceType: .full)
        let again = try ModelFile.decode(Array(ModelFile.json(FittedGaussianMixture(parameters: parameters), settings: nil).utf8), path: "m.json")
        #expect(again.parameters == parameters)
        // A precision singular to working precision (rank 1) is not positive definite.
        #expect(throws: GaussianMixtureError.invalidArgument("'full precision' should be symmetric, positive-definite (component 0).")) {
            try GaussianMixtureParameters(weights: [1], means: Matrix([[0.0, 0.0]]), precisions: [1, 3, 3, 9], covarianceType: .full)
        }
    }

    static func largestRange(_ X: Matrix<Double>) -> Double? {
        (0..<X.columns).map { c in (0..<X.rows).map { X[$0, c] }.max()! - (0..<X.rows).map { X[$0, c] }.min()! }.max()
    }

    @Test func invalidSettingsAreRejected() {
        let X = blobs(n: 30, d: 2, k: 2, seed: 1)
        #expect(throws: GaussianMixtureError.invalidArgument("The 'n_components' parameter of GaussianMixture must be an int in the range [1, inf). Got 0 instead.")) {
            try GaussianMixture(components: 0).fit(X)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The 'tol' parameter of GaussianMixture must be a float in the range [0.0, inf). Got -1.0 instead.")) {
            try GaussianMixture(components: 1, tolerance: -1).fit(X)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The 'n_init' parameter of GaussianMixture must be an int in the range [1, inf). Got 0 instead.")) {
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
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'weights' should be normalized, but got sum(weights) = 0.90000 (0.9).")) {
            try GaussianMixtureParameters(weights: [0.5, 0.4], means: Matrix([[0.0], [1.0]]), covariances: [1, 1], covarianceType: .diag)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("'full covariance' should be symmetric, positive-definite (component 0).")) {
            try GaussianMixtureParameters(weights: [1], means: Matrix([[0.0, 0.0]]), covariances: [1, 2, 2, 1], covarianceType: .full)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("'full covariance' should be symmetric, positive-definite (component 1 is not symmetric: [0][1] = 0.5, [1][0] = 0.0).")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0, 0.0], [1, 1]]),
                                          covariances: [1, 0, 0, 1, 1, 0.5, 0, 1], covarianceType: .full)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("'tied covariance' should be symmetric, positive-definite (the shared tied matrix).")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0, 0.0], [1, 1]]), covariances: [1, 0, 0, -1], covarianceType: .tied)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("'spherical covariance' should be positive (component 1).")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0], [1]]), covariances: [1, 0], covarianceType: .spherical)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'diag covariance' contains a non-finite value (component 1).")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0], [1]]), covariances: [1, .nan], covarianceType: .diag)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("'full precision' should be symmetric, positive-definite (component 0).")) {
            try GaussianMixtureParameters(weights: [1], means: Matrix([[0.0, 0.0]]), precisions: [1, 2, 2, 1], covarianceType: .full)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'weights' should be in the range [0, 1], but got max value -0.50000, min value 1.50000 (scikit-learn's wording swaps them: the largest weight is 1.5, the smallest -0.5; weights[0] = 1.5).")) {
            try GaussianMixtureParameters(weights: [1.5, -0.5], means: Matrix([[0.0], [1]]), covariances: [1, 1], covarianceType: .diag)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'means' should have the shape of (2, 1), but got (3, 1)")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0], [1], [2]]), covariances: [1, 1], covarianceType: .diag)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'full covariance' should have the shape of (2, 2, 2), but got (4,)")) {
            try GaussianMixtureParameters(weights: [0.5, 0.5], means: Matrix([[0.0, 0], [1, 1]]), covariances: [1, 0, 0, 1], covarianceType: .full)
        }
        #expect(throws: GaussianMixtureError.invalidArgument("The parameter 'means' contains a non-finite value (means[0][0]).")) {
            try GaussianMixtureParameters(weights: [1], means: Matrix([[Double.infinity]]), covariances: [1], covarianceType: .diag)
        }
    }
}
