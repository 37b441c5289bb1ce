/// Pango markup (an XML dialect) for text that must be shown literally.
public enum Markup {
    /// `text` with `&`, `<`, `>` and `"` as entities, so stage names, captions and paths are drawn
    /// as written. The same escaping serves HTML.
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 38 || $0 == 60 || $0 == 62 || $0 == 34 }) else { return text }   // & < > "
        return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
