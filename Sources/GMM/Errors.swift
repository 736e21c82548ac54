/// What can go wrong when fitting or evaluating a Gaussian mixture. Data and numerical
/// failures are thrown; the messages follow scikit-learn's wording (with the location added)
/// so that its users recognise them.
public enum GaussianMixtureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A covariance matrix stopped being positive definite (or a variance became ≤ 0);
    /// `nil` names the shared covariance of a tied model.
    case illDefinedCovariance(component: Int?)
    /// A component of a Bernoulli, categorical or Poisson mixture was left with no data
    /// (every responsibility 0), so nothing estimates it.
    case illDefinedComponent(component: Int)
    /// A value the family cannot model (row and column 0-based): Bernoulli data outside
    /// [0, 1], Poisson counts that are negative or not integers, categorical codes out of range.
    case invalidValue(row: Int, column: Int, value: Double, requirement: String)
    /// Fewer samples than components.
    case tooFewSamples(samples: Int, components: Int)
    /// Fewer rows than a method needs (2 to fit, 1 to evaluate); `features` gives the shape.
    case notEnoughSamples(samples: Int, features: Int, minimum: Int)
    /// Data with no feature (shape (n, 0)).
    case noFeatures(samples: Int)
    /// A NaN or infinite value in the input; row and column are 0-based.
    case nonFiniteInput(row: Int, column: Int, isNaN: Bool)
    /// A value beyond ±`dataMagnitudeLimit` (row and column 0-based).
    case valueTooLarge(row: Int, column: Int, value: Double)
    /// Every row of the data is the same point.
    case identicalSamples(samples: Int)
    /// The data vary by less than `dataSpreadLimit` in every feature.
    case spreadTooSmall(spread: Double)
    /// The data have a different number of features than the model or the start parameters.
    case featureMismatch(expected: Int, got: Int)
    /// A configuration value or explicit parameter that cannot be used.
    case invalidArgument(String)
    /// `what` needs `required` bytes of memory but only `available` are free; `advice` says
    /// what to change.
    case insufficientMemory(what: String, required: Double, available: Double, advice: String)

    /// scikit-learn's advice for an ill-defined covariance.
    public static let illDefinedAdvice =
        "Fitting the mixture model failed because some components have ill-defined empirical covariance (for instance caused by singleton or collapsed samples). Try to decrease the number of components, increase reg_covar, or scale the input data."

    public var description: String {
        switch self {
        case .illDefinedCovariance(let k):
            return "\(Self.illDefinedAdvice) (\(k.map { "component \($0)" } ?? "shared tied covariance"))"
        case .illDefinedComponent(let k):
            return "Fitting the mixture model failed because component \(k) is ill-defined: no sample is assigned to it (all its responsibilities are 0). Try to decrease the number of components, use another initialization or on_degenerate='reseed'."
        case .invalidValue(let r, let c, let v, let requirement):
            return "Input X contains \(v) at row \(r), column \(c): \(requirement)."
        case .tooFewSamples(let n, let k):
            return "Expected n_samples >= n_components but got n_components = \(k), n_samples = \(n)"
        case .notEnoughSamples(let n, let d, let minimum):
            return "Found array with \(n) sample(s) (shape=(\(n), \(d))) while a minimum of \(minimum) is required by GaussianMixture."
        case .noFeatures(let n):
            return "Found array with 0 feature(s) (shape=(\(n), 0)) while a minimum of 1 is required by GaussianMixture."
        case .nonFiniteInput(let r, let c, let isNaN):
            return "Input X contains \(isNaN ? "NaN" : "infinity") at row \(r), column \(c)."
        case .valueTooLarge(let r, let c, let v):
            return "Input X contains \(v) at row \(r), column \(c), beyond ±\(dataMagnitudeLimit): squared distances would overflow double precision. Rescale the data."
        case .identicalSamples(let n):
            return "All \(n) samples of X are the same point; a Gaussian mixture needs samples that differ."
        case .spreadTooSmall(let spread):
            return "The features of X vary by at most \(spread), below \(dataSpreadLimit): squared differences would underflow double precision. Rescale the data."
        case .featureMismatch(let expected, let got):
            return "X has \(got) features, but GaussianMixture is expecting \(expected) features as input."
        case .invalidArgument(let message):
            return message
        case .insufficientMemory(let what, let required, let available, let advice):
            return "\(what) needs \(Resources.format(bytes: required)) of memory, but \(Resources.format(bytes: available)) is available: \(advice)."
        }
    }
}

/// scikit-learn's warning text when the best initialization did not converge.
public let nonConvergenceWarning =
    "Best performing initialization did not converge. Try different init parameters, or increase max_iter, tol, or check for degenerate data."
