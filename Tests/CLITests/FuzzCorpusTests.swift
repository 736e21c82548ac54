import Foundation
import Testing

/// The fuzzers' seed corpus and every past finding (Tests/Fuzz/Corpus) replayed through the
/// same targets `make fuzz` runs, without the fuzzing engine: none may crash or break a property.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    @Test(arguments: ["npy", "csv", "model", "checkpoint"])
    func corpusReplaysWithoutFinding(target: String) throws {
        let corpus = GMMBinary.packageRoot.appendingPathComponent("Tests/Fuzz/Corpus/\(target)")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
        #expect(inputs.count >= 4)
        let r = try GMMBinary.run([target, corpus.path], in: corpus, executable: GMMBinary.product("gmm-fuzz"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "gmm-fuzz \(target): \(inputs.count) inputs replayed, no finding\n")
    }
}
