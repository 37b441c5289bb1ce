import CCairo
import CPango
import Foundation

/// Text through Pango with the bundled DejaVu Sans, loaded by a private fontconfig configuration
/// so that output depends neither on the user's fonts nor on their fontconfig settings.
///
/// Creating the font map is expensive (about 10 ms), so there is one per process, `shared`.
/// Pango objects are not thread-safe: every use holds `lock`.
public final class PangoText: TextMeasuring, @unchecked Sendable {
    /// The process-wide instance. Fails only if the bundled fonts are missing.
    public static let shared: Result<PangoText, PlotError> = {
        do { return .success(try PangoText()) } catch let error as PlotError { return .failure(error) } catch {
            return .failure(.fonts("\(error)"))
        }
    }()

    let lock = NSLock()
    private let fontMap: UnsafeMutablePointer<PangoFontMap>
    let context: OpaquePointer
    private var extentCache: [CacheKey: TextExtent] = [:]
    private var descriptions: [TextStyle: OpaquePointer] = [:]

    private struct CacheKey: Hashable {
        var markup: String
        var style: TextStyle
    }

    /// The bundled font files.
    public static func fontPaths() throws -> [String] {
        try ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"].map(PlotResources.path)
    }

    init() throws {
        guard let config = FcConfigCreate() else { throw PlotError.fonts("FcConfigCreate failed") }
        for path in try Self.fontPaths() {
            guard FileManager.default.fileExists(atPath: path), FcConfigAppFontAddFile(config, path) != 0 else {
                FcConfigDestroy(config)
                throw PlotError.fonts("fontconfig could not load \(path)")
            }
        }
        let map = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT)!
        pango_fc_font_map_set_config(rederive_pango_fc_font_map(map), config)
        FcConfigDestroy(config)
        fontMap = map
        context = pango_font_map_create_context(map)
        let options = cairo_font_options_create()
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        pango_cairo_context_set_font_options(context, options)
        cairo_font_options_destroy(options)
        pango_context_set_round_glyph_positions(context, 0)
        // One Pango point per user-space unit, so that markup sizes are in our points.
        pango_cairo_context_set_resolution(context, 72)
    }

    public func measure(_ markup: String, style: TextStyle) -> TextExtent {
        lock.lock()
        defer { lock.unlock() }
        return measureLocked(markup, style: style)
    }

    func measureLocked(_ markup: String, style: TextStyle) -> TextExtent {
        let key = CacheKey(markup: markup, style: style)
        if let cached = extentCache[key] { return cached }
        let layout = makeLayout(markup, style: style)
        defer { rederive_g_object_unref(UnsafeMutableRawPointer(layout)) }
        var logical = PangoRectangle()
        pango_layout_get_extents(layout, nil, &logical)
        let scale = Double(rederive_pango_scale())
        let extent = TextExtent(width: Double(logical.width) / scale, height: Double(logical.height) / scale)
        if extentCache.count > 20_000 { extentCache.removeAll(keepingCapacity: true) }
        extentCache[key] = extent
        return extent
    }

    /// A new layout (caller unrefs). Invalid markup falls back to the literal text.
    func makeLayout(_ markup: String, style: TextStyle) -> OpaquePointer {
        let layout = pango_layout_new(context)!
        pango_layout_set_font_description(layout, description(for: style))
        // Lines of a wrapped label are centred on one another (a single line is unaffected).
        pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER)
        var error: UnsafeMutablePointer<GError>? = nil
        let markup = Self.expandScripts(markup, size: style.size)
        if pango_parse_markup(markup, -1, 0, nil, nil, nil, &error) != 0 {
            pango_layout_set_markup(layout, markup, -1)
        } else {
            g_error_free(error)
            pango_layout_set_text(layout, markup, -1)
        }
        return layout
    }

    /// The text of `markup` without its tags (the markup itself if it does not parse), e.g. for
    /// PDF metadata.
    public static func plainText(_ markup: String) -> String {
        var text: UnsafeMutablePointer<CChar>? = nil
        var error: UnsafeMutablePointer<GError>? = nil
        guard pango_parse_markup(markup, -1, 0, nil, &text, nil, &error) != 0, let text else {
            if let error { g_error_free(error) }
            return markup
        }
        defer { g_free(text) }
        return String(cString: text)
    }

    /// Pango's own <sup> and <sub> scale from a default size rather than from the layout's
    /// absolute size, so they are rewritten as spans with explicit size and rise.
    static func expandScripts(_ markup: String, size: Double) -> String {
        guard markup.contains("<su"), size.isFinite, size > 0, size < 10_000 else { return markup }
        let small = Int((0.7 * size * 1024).rounded())
        let up = Int((0.4 * size * 1024).rounded()), down = Int((-0.2 * size * 1024).rounded())
        return markup
            .replacingOccurrences(of: "<sup>", with: "<span size=\"\(small)\" rise=\"\(up)\">")
            .replacingOccurrences(of: "</sup>", with: "</span>")
            .replacingOccurrences(of: "<sub>", with: "<span size=\"\(small)\" rise=\"\(down)\">")
            .replacingOccurrences(of: "</sub>", with: "</span>")
    }

    private func description(for style: TextStyle) -> OpaquePointer {
        if let found = descriptions[style] { return found }
        let description = pango_font_description_new()!
        pango_font_description_set_family(description, "DejaVu Sans")
        pango_font_description_set_weight(description, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_font_description_set_absolute_size(description, style.size * Double(rederive_pango_scale()))
        descriptions[style] = description
        return description
    }

    /// Draws `markup` with its box's `anchor` at (x, y) in user space, rotated by `angle`
    /// radians (counter-clockwise visually for positive angles as Cairo's y points down: pass
    /// −π/2 for a y-axis label that reads upwards). Call with `lock` held.
    func drawLocked(_ markup: String, style: TextStyle, cairo cr: OpaquePointer, x: Double, y: Double,
                    anchor: Anchor, angle: Double = 0) {
        let layout = makeLayout(markup, style: style)
        defer { rederive_g_object_unref(UnsafeMutableRawPointer(layout)) }
        var logical = PangoRectangle()
        pango_layout_get_extents(layout, nil, &logical)
        let scale = Double(rederive_pango_scale())
        let w = Double(logical.width) / scale, h = Double(logical.height) / scale
        let (fx, fy) = anchor.fractions
        cairo_save(cr)
        cairo_translate(cr, x, y)
        if angle != 0 { cairo_rotate(cr, angle) }
        cairo_move_to(cr, -fx * w - Double(logical.x) / scale, -fy * h - Double(logical.y) / scale)
        pango_cairo_show_layout(cr, layout)
        cairo_restore(cr)
    }

    /// Prepares the shared context for drawing on `cr`. Call with `lock` held.
    func attachLocked(to cr: OpaquePointer) {
        pango_cairo_update_context(cr, context)
    }
}

extension Anchor {
    /// The anchor's position on the box as fractions of width and height from the top-left.
    var fractions: (Double, Double) {
        switch self {
        case .center: return (0.5, 0.5)
        case .left: return (0, 0.5)
        case .right: return (1, 0.5)
        case .top: return (0.5, 0)
        case .bottom: return (0.5, 1)
        case .topLeft: return (0, 0)
        case .topRight: return (1, 0)
        case .bottomLeft: return (0, 1)
        case .bottomRight: return (1, 1)
        }
    }
}
