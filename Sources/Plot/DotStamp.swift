import CCairo
import Foundation

/// Antialiased round dots for raster output, pre-rendered as alpha masks at 4 × 4 sub-pixel
/// offsets. Stamping a mask is several times faster than tessellating a circle per point, and
/// a quarter-pixel offset is invisible. Cheap to create; made per scatter mark.
final class DotStamp {
    static let phases = 4
    private var masks: [OpaquePointer] = []
    private let margin: Int

    init?(diameter: Double) {
        guard diameter.isFinite, diameter > 0, diameter < 200 else { return nil }
        margin = Int((diameter / 2).rounded(.up)) + 1
        let side = Int32(2 * margin + 1)
        for py in 0..<Self.phases {
            for px in 0..<Self.phases {
                let mask = cairo_image_surface_create(CAIRO_FORMAT_A8, side, side)!
                let cr = cairo_create(mask)!
                let cx = Double(margin) + Double(px) / Double(Self.phases)
                let cy = Double(margin) + Double(py) / Double(Self.phases)
                cairo_arc(cr, cx, cy, diameter / 2, 0, 2 * .pi)
                cairo_fill(cr)
                cairo_destroy(cr)
                masks.append(mask)
            }
        }
    }

    deinit {
        for mask in masks { cairo_surface_destroy(mask) }
    }

    /// Paints the current source through a dot centred at device position (x, y); the context's
    /// matrix must be the identity.
    func draw(on cr: OpaquePointer, x: Double, y: Double) {
        let n = Double(Self.phases)
        let qx = (x * n).rounded(.down), qy = (y * n).rounded(.down)
        let ix = (qx / n).rounded(.down), iy = (qy / n).rounded(.down)
        let phaseX = Int(qx - ix * n), phaseY = Int(qy - iy * n)
        cairo_mask_surface(cr, masks[phaseY * Self.phases + phaseX], ix - Double(margin), iy - Double(margin))
    }
}
