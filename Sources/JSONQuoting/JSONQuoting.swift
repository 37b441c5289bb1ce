/// A JSON string literal as serde_json writes it: `"` and `\` escaped, control characters as
/// their short escapes where JSON has them and `\u00xx` otherwise, everything else as it is.
/// Safetensors headers then match the Python package's byte for byte, and the lock file and the
/// engine's caches use the same rule; one module so that neither Tensor nor Pipeline needs the
/// other for it.
public func appendJSONQuoted(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    out += "\""
}

/// `text` as a JSON string literal (see `appendJSONQuoted`).
public func jsonQuoted(_ text: String) -> String {
    var out = ""
    appendJSONQuoted(text, to: &out)
    return out
}
