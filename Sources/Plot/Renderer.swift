import CCairo
import Foundation

/// Renders figures: layout with Pango measurement, then the Cairo drawing pass, then encoding.
///
/// Outputs are deterministic: the same figure on the same machine gives the same bytes (fonts
/// are bundled and loaded privately, PDF dates are fixed).
public enum Renderer {
    /// Written into PNG "Software" and PDF "Creator" entries.
    public static let software = "Rederive Plot (Cairo, Pango, libpng)"
    /// Fixed PDF creation and modification dates, so that two renders give the same bytes.
    public static let pdfDate = "2000-01-01T00:00:00Z"

    static func engine() throws -> PangoText {
        try PangoText.shared.get()
    }

    /// The layout that rendering would use, measured with the bundled fonts.
    public static func layout(_ figure: Figure) throws -> FigureLayout {
        try Layout.figure(figure, measurer: engine())
    }

    /// Renders to an image surface and hands its pixels to `body`.
    static func withImage<T>(_ figure: Figure, _ body: (UnsafePointer<UInt8>, Int, Int, Int) throws -> T) throws -> T {
        let text = try engine()
        let layout = try Layout.figure(figure, measurer: text)
        let (width, height) = try figure.pixelSize()
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))!
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface), "creating a \(width) x \(height) image")
        let cr = cairo_create(surface)!
        defer { cairo_destroy(cr) }
        let scale = figure.dpi / 72
        cairo_scale(cr, scale, scale)
        text.lock.lock()
        CairoPainter(cr: cr, text: text, target: .raster, pixelsPerPoint: scale).draw(layout)
        text.lock.unlock()
        try check(cairo_status(cr), "drawing the figure")
        cairo_surface_flush(surface)
        let data = cairo_image_surface_get_data(surface)!
        return try body(UnsafePointer(data), width, height, Int(cairo_image_surface_get_stride(surface)))
    }

    /// PNG bytes at the figure's DPI, with pHYs and tEXt "Software" and (if given) "Source".
    public static func png(_ figure: Figure, source: String? = nil) throws -> [UInt8] {
        try withImage(figure) { pixels, width, height, stride in
            try PNGEncoder.encode(pixels: pixels, width: width, height: height, stride: stride,
                                  dpi: figure.dpi, software: software, source: source)
        }
    }

    /// The rendered pixels, decoded to straight RGBA.
    public static func raster(_ figure: Figure) throws -> Raster {
        try withImage(figure) { pixels, width, height, stride in
            var rgba = [UInt8](repeating: 0, count: width * height * 4)
            for y in 0..<height {
                let row = UnsafeRawPointer(pixels + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<width {
                    let p = row[x]
                    let a = UInt32(p >> 24)
                    func channel(_ v: UInt32) -> UInt8 {
                        a == 0 ? 0 : UInt8(min(255, (v * 255 + a / 2) / a))
                    }
                    let i = (y * width + x) * 4
                    rgba[i] = channel((p >> 16) & 0xff)
                    rgba[i + 1] = channel((p >> 8) & 0xff)
                    rgba[i + 2] = channel(p & 0xff)
                    rgba[i + 3] = UInt8(a)
                }
            }
            return Raster(width: width, height: height, rgba: rgba)
        }
    }

    /// One PDF with a page per figure (a slide deck, say), each page at its figure's size.
    /// Vector, fonts embedded (subset), heatmaps with /Interpolate false, fixed dates.
    public static func pdf(_ figures: [Figure], title: String? = nil) throws -> [UInt8] {
        guard let first = figures.first else { throw PlotError.emptyDocument }
        let text = try engine()
        let layouts = try figures.map { try Layout.figure($0, measurer: text) }
        let sink = ByteSink()
        let size = first.resolvedSize
        let surface = cairo_pdf_surface_create_for_stream(ByteSink.write, Unmanaged.passUnretained(sink).toOpaque(),
                                                          size.width, size.height)!
        try check(cairo_surface_status(surface), "creating a PDF surface")
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, pdfDate)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, pdfDate)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, software)
        if let title = title ?? first.suptitle {
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, PangoText.plainText(title))
        }
        let cr = cairo_create(surface)!
        text.lock.lock()
        for (figure, layout) in zip(figures, layouts) {
            let s = figure.resolvedSize
            cairo_pdf_surface_set_size(surface, s.width, s.height)
            CairoPainter(cr: cr, text: text, target: .pdf, pixelsPerPoint: 1).draw(layout)
            cairo_show_page(cr)
        }
        text.lock.unlock()
        let status = cairo_status(cr)
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        let finishStatus = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        try check(status, "drawing the PDF")
        try check(finishStatus, "finishing the PDF")
        return sink.bytes
    }

    public static func pdf(_ figure: Figure) throws -> [UInt8] { try pdf([figure]) }

    /// SVG bytes; heatmap cells are rectangles so that they stay crisp in every viewer.
    public static func svg(_ figure: Figure) throws -> [UInt8] {
        let text = try engine()
        let layout = try Layout.figure(figure, measurer: text)
        let sink = ByteSink()
        let size = figure.resolvedSize
        let surface = cairo_svg_surface_create_for_stream(ByteSink.write, Unmanaged.passUnretained(sink).toOpaque(),
                                                          size.width, size.height)!
        try check(cairo_surface_status(surface), "creating an SVG surface")
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PT)
        let cr = cairo_create(surface)!
        text.lock.lock()
        CairoPainter(cr: cr, text: text, target: .svg, pixelsPerPoint: 1).draw(layout)
        text.lock.unlock()
        let status = cairo_status(cr)
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        cairo_surface_destroy(surface)
        try check(status, "drawing the SVG")
        return sink.bytes
    }

    static func check(_ status: cairo_status_t, _ during: String) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw PlotError.cairo(status: String(cString: cairo_status_to_string(status)), during: during)
        }
    }
}

/// Collects the bytes a Cairo stream surface writes.
final class ByteSink {
    var bytes: [UInt8] = []

    static let write: cairo_write_func_t = { closure, data, length in
        guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }
}

extension Figure {
    /// Renders to PNG and writes it atomically. `source` goes into a tEXt "Source" entry.
    public func writePNG(to path: String, source: String? = nil) throws {
        try AtomicWrite.write(Renderer.png(self, source: source), to: path)
    }

    public func writePDF(to path: String) throws {
        try AtomicWrite.write(Renderer.pdf(self), to: path)
    }

    public func writeSVG(to path: String) throws {
        try AtomicWrite.write(Renderer.svg(self), to: path)
    }

    /// Writes by extension: .png, .pdf or .svg.
    public func write(to path: String, source: String? = nil) throws {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "png": try writePNG(to: path, source: source)
        case "pdf": try writePDF(to: path)
        case "svg": try writeSVG(to: path)
        default: throw PlotError.write(path: path, reason: "unknown extension; use .png, .pdf or .svg")
        }
    }
}

/// Writes several figures as the pages of one PDF, e.g. a slide deck.
public func writePDF(_ figures: [Figure], to path: String, title: String? = nil) throws {
    try AtomicWrite.write(Renderer.pdf(figures, title: title), to: path)
}
