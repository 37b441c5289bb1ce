/// Comparing two renders of a figure by their pixels, and showing where they differ.
public enum ImageDifference {
    /// Three panels side by side: the baseline, the new render, and their absolute difference
    /// amplified `gain` times (white where they agree, darker where they differ). Renders of
    /// different sizes are placed top-left on a white canvas of the larger size.
    public static func triptych(baseline: Raster, new: Raster, gain: Double = 10, gap: Int = 8) -> Raster {
        let (w, h) = (max(baseline.width, new.width), max(baseline.height, new.height))
        let width = 3 * w + 2 * gap
        var out = [UInt8](repeating: 255, count: width * h * 4)
        func place(_ raster: Raster, at x0: Int) {
            for y in 0..<raster.height {
                for x in 0..<raster.width {
                    let (s, d) = ((y * raster.width + x) * 4, (y * width + x0 + x) * 4)
                    for c in 0..<4 { out[d + c] = raster.rgba[s + c] }
                }
            }
        }
        place(baseline, at: 0)
        place(new, at: w + gap)
        for y in 0..<h {
            for x in 0..<w {
                let d = (y * width + 2 * (w + gap) + x) * 4
                let inBoth = x < baseline.width && y < baseline.height && x < new.width && y < new.height
                var worst = 255.0
                if inBoth {
                    let (i, j) = ((y * baseline.width + x) * 4, (y * new.width + x) * 4)
                    worst = (0..<3).map { abs(Double(baseline.rgba[i + $0]) - Double(new.rgba[j + $0])) }.max() ?? 0
                }
                let level = UInt8(max(0, 255 - min(255, worst * gain)))
                // Differences in red, so small ones stand out against the white of agreement.
                out[d] = 255
                out[d + 1] = level
                out[d + 2] = level
                out[d + 3] = 255
            }
        }
        return Raster(width: width, height: h, rgba: out)
    }
}
