import Spelling

/// How many stages a pipeline may expand to, checked before the rows of a matrix are built: a
/// matrix of four 1000-value lists is 10^12 stages, which took 17 GB before anything said so.
/// The limit is far above any sweep a machine or a cluster runs (a 1000-stage pipeline's no-op
/// make takes milliseconds; 100,000 stages are already a day of scheduling).
enum StageCount {
    static let limit = 100_000

    /// Throws when one declaration's matrix (or foreach) expands to more than `limit` stages,
    /// showing the product and its factors.
    static func check(_ count: some BinaryInteger, factors: [Int], of stage: String, what: String = "matrix",
                      at location: SourceLocation) throws(PipelineError) {
        try check(Double(count), factors: factors, of: stage, what: what, at: location)
    }

    static func check(_ count: Double, factors: [Int], of stage: String, what: String = "matrix",
                      at location: SourceLocation) throws(PipelineError) {
        guard count > Double(limit) else { return }
        let product = factors.count > 1 ? " (" + factors.map(String.init).joined(separator: " x ") + ")" : ""
        throw PipelineError(.tooLarge, at: location,
                            "\(what) of stage \(stage) expands to \(describe(count)) stages (limit \(limit.grouped))\(product)",
                            hint: "split the sweep into several stages or pipelines, or narrow it with -S for one run")
    }

    /// The whole pipeline, expansions of every declaration together.
    static func checkTotal(_ count: Int, at location: SourceLocation) throws(PipelineError) {
        guard count > limit else { return }
        throw PipelineError(.tooLarge, at: location,
                            "the pipeline expands to more than \(limit.grouped) stages by this declaration",
                            hint: "split it into several pipelines")
    }

    /// 1000000 as "10^6", 1234567 as "1,234,567", 1.5e13 as "about 1.5 x 10^13".
    static func describe(_ count: Double) -> String {
        if count < 1e15, count == count.rounded() {
            let exact = Int(count)
            var power = 0, rest = exact
            while rest >= 10 && rest % 10 == 0 { rest /= 10; power += 1 }
            if rest == 1 && power >= 6 { return "10^\(power)" }
            return exact.grouped
        }
        var power = 0, mantissa = count
        while mantissa >= 10 { mantissa /= 10; power += 1 }
        return "about \((mantissa * 10).rounded() / 10) x 10^\(power)"
    }
}
