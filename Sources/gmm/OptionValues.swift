import ArgumentParser
import Foundation
import GMM

/// Numeric option values. They are declared as text (parsed unconditionally, so `--tol -1`
/// reaches us instead of being taken for an option) and converted here, so a bad value gets
/// one line in scikit-learn's parameter wording and exit code 1:
///   gmm: error: --tol: The 'tol' parameter of GaussianMixture must be a float in the range [0.0, inf). Got -1 instead.
enum OptionValue {
    /// The value as it was typed when it is a number, else quoted (scikit-learn prints repr).
    private static func got(_ text: String) -> String {
        (Double(text) != nil && !text.lowercased().contains("x")) || Int(text) != nil ? text : "'\(text)'"
    }

    private static func subject(_ parameter: String?, _ option: String) -> String {
        parameter.map { "\(option): The '\($0)' parameter of GaussianMixture" } ?? "\(option): The value"
    }

    /// A finite float in [minimum, maximum) (or (minimum, …) when `open`), e.g. `tol`.
    static func float(_ text: String, option: String, parameter: String? = nil, minimum: Double = 0,
                      open: Bool = false, maximum: Double = .infinity) throws -> Double {
        let range = "\(open ? "(" : "[")\(minimum), \(maximum == .infinity ? "inf)" : "\(maximum)]")"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.lowercased().contains("x"), let v = Double(trimmed), v.isFinite,
              open ? v > minimum : v >= minimum, v <= maximum else {
            throw CommandError("\(subject(parameter, option)) must be a float in the range \(range). Got \(got(text)) instead.")
        }
        return v
    }

    /// τ of the truncated E-step: a float in (0, 1).
    static func truncation(_ text: String?) throws -> Double? {
        guard let text else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.lowercased().contains("x"), let v = Double(trimmed), v > 0, v < 1 else {
            throw CommandError("--truncate: The 'truncation' parameter of GaussianMixture must be a float in the range (0.0, 1.0). Got \(got(text)) instead.")
        }
        return v
    }

    /// An integer in [minimum, maximum], e.g. `max_iter`.
    static func int(_ text: String, option: String, parameter: String? = nil, minimum: Int, maximum: Int? = nil) throws -> Int {
        let range = "[\(minimum), \(maximum.map { "\($0)]" } ?? "inf)")"
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= minimum, v <= (maximum ?? .max) else {
            throw CommandError("\(subject(parameter, option)) must be an int in the range \(range). Got \(got(text)) instead.")
        }
        return v
    }

    /// A random seed: an integer in [0, 2⁶⁴ − 1] (scikit-learn's `random_state`, wider).
    static func seed(_ text: String, option: String = "--seed") throws -> UInt64 {
        guard let v = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
            throw CommandError("\(option): The 'random_state' parameter of GaussianMixture must be an int in the range [0, \(UInt64.max)]. Got \(got(text)) instead.")
        }
        return v
    }

    /// A thread count: 1 … `Resources.maximumThreads` (256), or nil for OpenMP's default.
    static func threads(_ text: String?) throws -> Int? {
        try text.map { try int($0, option: "--threads", minimum: 1, maximum: Resources.maximumThreads) }
    }
}
