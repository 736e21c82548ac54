/// Information criterion used to rank models (lower is better).
public enum SelectionCriterion: String, Sendable, CaseIterable {
    case bic
    case aic
}

/// One candidate of a model-selection grid.
public struct SelectionCandidate: Sendable {
    public let components: Int
    /// The covariance type of a Gaussian candidate (unused, `.diag`, for the other families).
    public let covarianceType: CovarianceType
    /// The candidate's family.
    public var family: MixtureFamily = .gaussian
    /// The covariance type of a Gaussian candidate, else the family ("full", "bernoulli", …).
    public var kind: String { family == .gaussian ? covarianceType.rawValue : family.rawValue }
    /// The criterion's value on the data, or nil when the fit failed.
    public let value: Double?
    /// Mean log-likelihood of the fitted model on the data.
    public let score: Double?
    public let converged: Bool
    public let iterations: Int
    /// Why the fit failed (e.g. an ill-defined covariance), if it did.
    public let failure: String?
    /// Components that only the regularization holds up (ranked after every regular
    /// candidate unless the selection keeps the plain ranking).
    public let holds: [RegularizationHold]
    /// Free parameters of the candidate model.
    public let freeParameters: Int

    /// True when the regularization holds up one of its components.
    public var isHeldByRegularization: Bool { !holds.isEmpty }
}

/// The result of a model-selection grid: every candidate, ranked, and the best model.
public struct ModelSelection: Sendable {
    public let criterion: SelectionCriterion
    /// Candidates in ascending order of the criterion, those held up by the regularization
    /// after the regular ones (unless `plainRanking`), failed fits last, in grid order.
    public let ranking: [SelectionCandidate]
    /// The best model (the first of `ranking`).
    public let best: FittedGaussianMixture
}

extension GaussianMixture {
    /// Fits every (component count × covariance type) of the grid on the same data with this
    /// estimator's other settings, and ranks them by BIC or AIC. A candidate whose fit fails
    /// (too few samples, an ill-defined covariance) is listed with its error, not thrown;
    /// when every candidate fails the first error is thrown. A `monitor` that stops a fit
    /// stops the whole selection (its `FitInterrupted` is rethrown).
    ///
    /// Candidates with a component that only the regularization holds up (see
    /// `RegularizationHold`) rank after every regular one, as mclust declines such fits;
    /// `plainRanking` ranks by the criterion alone.
    public func select<Element: GMMScalar>(_ X: Matrix<Element>, components grid: [Int],
                                            covarianceTypes: [CovarianceType] = CovarianceType.allCases,
                                            criterion: SelectionCriterion = .bic, plainRanking: Bool = false,
                                            sampleWeights: [Double]? = nil, monitor: FitMonitor? = nil,
                                            progress: ((SelectionCandidate) -> Void)? = nil) throws -> ModelSelection {
        guard !grid.isEmpty, !covarianceTypes.isEmpty else {
            throw GaussianMixtureError.invalidArgument("Model selection needs at least one component count and one covariance type.")
        }
        var candidates: [(SelectionCandidate, FittedGaussianMixture?)] = []
        var firstError: Error?
        for type in covarianceTypes {
            for k in grid {
                var estimator = self
                estimator.components = k
                estimator.covarianceType = type
                let candidate: SelectionCandidate
                var model: FittedGaussianMixture?
                do {
                    let fitted = try estimator.fit(X, sampleWeights: sampleWeights, monitor: monitor)
                    let score = try fitted.score(X, distribution: distribution)
                    let value = fitted.information(criterion, score: score, rows: X.rows)
                    candidate = SelectionCandidate(components: k, covarianceType: type, value: value, score: score,
                                                   converged: fitted.converged, iterations: fitted.iterations, failure: nil,
                                                   holds: fitted.regularizationHolds, freeParameters: fitted.freeParameters)
                    model = fitted
                } catch let stop as FitInterrupted {
                    throw stop
                } catch {
                    firstError = firstError ?? error
                    candidate = SelectionCandidate(components: k, covarianceType: type, value: nil, score: nil,
                                                   converged: false, iterations: 0, failure: "\(error)", holds: [],
                                                   freeParameters: type.freeParameters(components: k, features: X.columns))
                }
                progress?(candidate)
                candidates.append((candidate, model))
            }
        }
        let ranked = rankCandidates(candidates, plainRanking: plainRanking)
        guard let best = ranked.first?.1 else { throw firstError! }
        return ModelSelection(criterion: criterion, ranking: ranked.map(\.0), best: best)
    }
}

/// Candidates in ascending order of the criterion: those held up by the regularization after
/// the regular ones (unless `plainRanking`), failed fits last, ties and failures in grid order.
func rankCandidates<M>(_ candidates: [(SelectionCandidate, M?)], plainRanking: Bool) -> [(SelectionCandidate, M?)] {
        candidates.enumerated().sorted { a, b in
            let heldA = !plainRanking && a.element.0.isHeldByRegularization, heldB = !plainRanking && b.element.0.isHeldByRegularization
            if heldA != heldB, a.element.0.value != nil, b.element.0.value != nil { return !heldA }
            switch (a.element.0.value, b.element.0.value) {
            case let (x?, y?): return x < y || (x == y && a.offset < b.offset)
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.offset < b.offset
            }
        }.map(\.element)
}

/// A model-selection result for Bernoulli, categorical or Poisson mixtures.
public struct DiscreteModelSelection: Sendable {
    public let criterion: SelectionCriterion
    /// Candidates in ascending order of the criterion, failed fits last.
    public let ranking: [SelectionCandidate]
    public let best: FittedDiscreteMixture
}

extension DiscreteMixture {
    /// Fits every component count of `grid` with this estimator's other settings and ranks the
    /// fits by BIC or AIC (free parameters: `DiscreteMixtureParameters.freeParameters`). A
    /// failed candidate is listed with its error; when all fail the first error is thrown; a
    /// monitor's stop stops the selection.
    public func select<Element: GMMScalar>(_ X: Matrix<Element>, components grid: [Int], criterion: SelectionCriterion = .bic,
                                            sampleWeights: [Double]? = nil,
                                            monitor: MixtureFitMonitor<DiscreteMixtureParameters>? = nil,
                                            progress: ((SelectionCandidate) -> Void)? = nil) throws -> DiscreteModelSelection {
        guard !grid.isEmpty else { throw GaussianMixtureError.invalidArgument("Model selection needs at least one component count.") }
        var candidates: [(SelectionCandidate, FittedDiscreteMixture?)] = []
        var firstError: Error?
        for k in grid {
            var estimator = self
            estimator.components = k
            var candidate: SelectionCandidate
            var model: FittedDiscreteMixture?
            do {
                let fitted = try estimator.fit(X, sampleWeights: sampleWeights, monitor: monitor)
                let score = try fitted.score(X, distribution: distribution)
                candidate = SelectionCandidate(components: k, covarianceType: .diag, value: fitted.criterion(criterion, score: score, rows: X.rows),
                                               score: score, converged: fitted.converged, iterations: fitted.iterations,
                                               failure: nil, holds: [], freeParameters: fitted.freeParameters)
                model = fitted
            } catch let stop as MixtureFitInterrupted<DiscreteMixtureParameters> {
                throw stop
            } catch {
                firstError = firstError ?? error
                candidate = SelectionCandidate(components: k, covarianceType: .diag, value: nil, score: nil, converged: false,
                                               iterations: 0, failure: "\(error)", holds: [], freeParameters: 0)
            }
            candidate.family = family
            progress?(candidate)
            candidates.append((candidate, model))
        }
        let ranked = rankCandidates(candidates, plainRanking: true)
        guard let best = ranked.first?.1 else { throw firstError! }
        return DiscreteModelSelection(criterion: criterion, ranking: ranked.map(\.0), best: best)
    }
}
