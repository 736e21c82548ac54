import GMM
import Testing

@Suite("Checkpoint and resume")
struct CheckpointTests {
    /// Stops a fit after its `stopAt`-th EM iteration (counted across starts), then resumes it
    /// from the checkpoint after a round trip through the checkpoint file's JSON.
    func interruptAndResume<E: GMMScalar>(_ gm: GaussianMixture, _ X: Matrix<E>, weights: [Double]? = nil,
                                          stopAt: Int) throws -> FittedGaussianMixture {
        var iterations = 0
        let stopping = FitMonitor(shouldStop: { iterations >= stopAt })
        var saved: FitCheckpoint?
        do {
            _ = try gm.fit(X, sampleWeights: weights, monitor: stopping) { if $0.iteration > 0 { iterations += 1 } }
            Issue.record("the fit was not interrupted at iteration \(stopAt)")
        } catch let stop as FitInterrupted {
            saved = stop.checkpoint
        }
        let checkpoint = try #require(saved)
        #expect(checkpoint.current.iterations >= 1, "stopped after an iteration, not during an initialization")
        let decoded = try CheckpointFile.decode(Array(CheckpointFile.json(checkpoint).utf8), path: "c.json")
        #expect(decoded == checkpoint, "the checkpoint file round-trips exactly")
        var resumed = gm
        resumed.seed = nil  // taken from the checkpoint
        return try resumed.fit(X, resumingFrom: decoded, sampleWeights: weights)
    }

    func expectSameFit(_ a: FittedGaussianMixture, _ b: FittedGaussianMixture, _ label: String) {
        #expect(a.parameters == b.parameters, "parameters \(label)")
        #expect(a.lowerBounds == b.lowerBounds && a.lowerBound == b.lowerBound, "lower bounds \(label)")
        #expect(a.iterations == b.iterations && a.converged == b.converged, "iterations \(label)")
        #expect(a.reseeds == b.reseeds, "reseeds \(label)")
    }

    @Test(arguments: CovarianceType.allCases)
    func resumedFitEqualsTheUninterruptedOneBitwise(type: CovarianceType) throws {
        let X = blobs(n: 3000, d: 3, k: 4, seed: 11)
        // Three starts of up to 8 iterations: stops land inside the first, second and last start
        // and right at a start's end.
        let gm = GaussianMixture(components: 4, covarianceType: type, tolerance: 1e-6, maxIterations: 8, initializations: 3, seed: 9)
        var total = 0  // EM iterations over all starts
        let reference = try gm.fit(X) { if $0.iteration > 0 { total += 1 } }
        #expect(total > 12)
        for stop in [1, 5, 7, 8, 9, total / 2, total - 1, total] {
            expectSameFit(try interruptAndResume(gm, X, stopAt: stop), reference, "\(type) stopped at \(stop) of \(total)")
        }
    }

    @Test func resumeWorksForFloat32WeightsAndReseeds() throws {
        let X32 = Matrix(rows: 2000, columns: 2, elements: blobs(n: 2000, d: 2, k: 3, seed: 4).elements.map { Float($0) })
        let weights = (0..<2000).map { Double($0 % 4) }
        let gm = GaussianMixture(components: 3, tolerance: 0, maxIterations: 12, initializations: 2, initialization: .randomFromData, seed: 3)
        expectSameFit(try interruptAndResume(gm, X32, weights: weights, stopAt: 7), try gm.fit(X32, sampleWeights: weights), "float32 weighted")

        // The degenerate start of the re-seeding test: component 2 collapses in iteration 1 and
        // is re-seeded; the events are carried through the checkpoint.
        var Y = blobs(n: 600, d: 2, k: 2, seed: 31)
        Y[0, 0] = 0
        Y[0, 1] = 0  // at the origin its collapse leaves no spread at all
        let start = try GaussianMixtureParameters(weights: [0.45, 0.45, 0.1], means: Matrix([[-5.0, 0], [5.0, 0], Y.row(0)]),
                                                  covariances: [1, 1, 1, 1, 1e-8, 1e-8], covarianceType: .diag)
        let reseeding = GaussianMixture(components: 3, covarianceType: .diag, tolerance: 0, regCovar: 0, maxIterations: 10,
                                        initialization: .parameters(start), seed: 1, onDegenerate: .reseed)
        let reference = try reseeding.fit(Y)
        #expect(reference.reseeds.first?.iteration == 1)
        expectSameFit(try interruptAndResume(reseeding, Y, stopAt: 4), reference, "reseeded")
    }

    @Test func checkpointsAreSavedEveryNIterations() throws {
        let X = blobs(n: 1000, d: 2, k: 2, seed: 5)
        var saved: [FitCheckpoint] = []
        let monitor = FitMonitor(checkpointEvery: 3, saveCheckpoint: { saved.append($0) })
        let model = try GaussianMixture(components: 2, tolerance: 0, maxIterations: 10, initializations: 2, seed: 2).fit(X, monitor: monitor)
        #expect(saved.map(\.current.iterations) == [3, 6, 9, 3, 6, 9])
        #expect(saved.map(\.initialization) == [0, 0, 0, 1, 1, 1])
        #expect(saved[3].best?.iterations == 10 && saved[0].best == nil)
        // Resuming from any saved checkpoint ends at the same model.
        for checkpoint in [saved[1], saved[4]] {
            expectSameFit(try GaussianMixture(components: 2, tolerance: 0, maxIterations: 10, initializations: 2)
                .fit(X, resumingFrom: checkpoint), model, "from iteration \(checkpoint.current.iterations)")
        }
    }

    @Test func interruptionDuringInitializationHasNothingToSave() throws {
        let X = blobs(n: 500, d: 2, k: 2, seed: 5)
        do {
            _ = try GaussianMixture(components: 2, seed: 1).fit(X, monitor: FitMonitor(shouldStop: { true }))
            Issue.record("not interrupted")
        } catch let stop as FitInterrupted {
            #expect(stop.checkpoint == nil)
        }
        // Within k-means: the check before the start passes, the first Lloyd pass's stops it.
        var checks = 0
        do {
            _ = try GaussianMixture(components: 2, seed: 1).fit(X, monitor: FitMonitor(shouldStop: { checks += 1; return checks == 2 }))
            Issue.record("not interrupted")
        } catch let stop as FitInterrupted {
            #expect(stop.checkpoint == nil && checks == 2)
        }
    }

    @Test func resumeRefusesOtherSettingsOrData() throws {
        let X = blobs(n: 800, d: 2, k: 2, seed: 5)
        var saved: FitCheckpoint?
        _ = try GaussianMixture(components: 2, tolerance: 0, maxIterations: 4, seed: 2)
            .fit(X, monitor: FitMonitor(checkpointEvery: 2, saveCheckpoint: { saved = $0 }))
        let checkpoint = try #require(saved)
        #expect(throws: CheckpointMismatch.settings("components: checkpoint 2, this fit 3")) {
            try GaussianMixture(components: 3, tolerance: 0, maxIterations: 4).fit(X, resumingFrom: checkpoint)
        }
        #expect(throws: CheckpointMismatch.settings("seed: checkpoint 2, this fit 7")) {
            try GaussianMixture(components: 2, tolerance: 0, maxIterations: 4, seed: 7).fit(X, resumingFrom: checkpoint)
        }
        let other = blobs(n: 800, d: 2, k: 2, seed: 6)
        #expect(throws: CheckpointMismatch.data(expected: checkpoint.data, got: DataFingerprint(other, sampleWeights: nil))) {
            try GaussianMixture(components: 2, tolerance: 0, maxIterations: 4).fit(other, resumingFrom: checkpoint)
        }
        #expect("\(CheckpointMismatch.settings("components: checkpoint 2, this fit 3"))"
                == "the checkpoint was made with other settings (components: checkpoint 2, this fit 3)")
    }

    @Test func malformedCheckpointFilesAreRejected() throws {
        let X = blobs(n: 300, d: 2, k: 2, seed: 5)
        var saved: FitCheckpoint?
        _ = try GaussianMixture(components: 2, tolerance: 0, maxIterations: 2, seed: 2)
            .fit(X, monitor: FitMonitor(checkpointEvery: 1, saveCheckpoint: { saved = $0 }))
        let good = CheckpointFile.json(try #require(saved))
        func error(_ text: String) -> String {
            do { _ = try CheckpointFile.decode(Array(text.utf8), path: "c.json"); return "no error" } catch { return "\(error)" }
        }
        #expect(error(String(good.prefix(good.count / 2))).hasPrefix("c.json: invalid checkpoint: not valid JSON: "))
        #expect(error(good.replacingOccurrences(of: "swift-gmm-checkpoint/1", with: "swift-gmm/1"))
                == "c.json: invalid checkpoint: 'format' must be 'swift-gmm-checkpoint/1'")
        #expect(error(good.replacingOccurrences(of: "\"init_index\": 0", with: "\"init_index\": 5"))
                == "c.json: invalid checkpoint: the checkpoint is inconsistent: start 5 of 1")
        #expect(error(good.replacingOccurrences(of: "\"seed\": \"2\"", with: "\"seed\": \"xyz\""))
                == "c.json: invalid checkpoint: 'seed' must be a hexadecimal string of at most 16 digits")
        #expect(error(good.replacingOccurrences(of: "\"n_iter\": 2", with: "\"n_iter\": 3"))
                == "c.json: invalid checkpoint: the checkpoint is inconsistent: the current run has 3 iterations and 2 lower bounds (max_iter 2)")
        #expect(error(good.replacingOccurrences(of: "\"weights\": [", with: "\"weights\": [7, "))
                == "c.json: invalid checkpoint: 'current': The parameter 'weights' should have the shape of (2,), but got (3,)")
    }
}
