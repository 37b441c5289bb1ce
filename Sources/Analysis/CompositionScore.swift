import Tensor

/// How much a later head reads what an earlier head writes: ‖W_A W_B‖_F / (‖W_A‖_F ‖W_B‖_F)
/// (Elhage et al., "A Mathematical Framework for Transformer Circuits").
///
/// With TransformerLens's row-vector convention, an earlier head writes through its OV circuit
/// `W_OV = W_V W_O` ([d_model, d_model]) and a later head reads through `W_QK = W_Q W_Kᵀ`
/// (Q- and K-composition) or `W_OV` (V-composition):
/// - Q-composition: ‖W_OV(earlier) · W_QK(later)‖ — the earlier head's output feeds the query;
/// - K-composition: ‖W_OV(earlier) · W_QK(later)ᵀ‖ — … feeds the key;
/// - V-composition: ‖W_OV(earlier) · W_OV(later)‖ — … feeds the value.
/// LayerNorm in between is not folded in; it rescales every direction alike, so the ratio is
/// unaffected up to its weights.
public enum CompositionScore {
    public enum Kind: String, CaseIterable, Codable, Sendable { case q, k, v }

    /// ‖A B‖_F / (‖A‖_F ‖B‖_F), or 0 when either factor is zero.
    public static func score(_ a: Tensor, _ b: Tensor) -> Double {
        let denominator = a.norm() * b.norm()
        return denominator > 0 ? a.matmul(b).norm() / denominator : 0
    }

    /// The score of `kind` between an earlier head's OV circuit and a later head's circuits.
    public static func score(_ kind: Kind, earlierOV: Tensor, laterQK: Tensor, laterOV: Tensor) -> Double {
        switch kind {
        case .q: score(earlierOV, laterQK)
        case .k: score(earlierOV, laterQK.transposed())
        case .v: score(earlierOV, laterOV)
        }
    }
}
