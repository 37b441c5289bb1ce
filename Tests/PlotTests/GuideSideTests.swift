import Foundation
import Plot
import XCTest

/// Axes on the far sides, legends on every outside side, and panels of their own sizes: each
/// guide lands on its side with nothing overlapping (the layout audit), and a panel's requested
/// size keeps its proportions to its neighbours'.
final class GuideSideTests: XCTestCase {
    func panel(_ legend: LegendPlacement, title: String? = "Loss") -> Panel {
        var p = Panel(title: title, xLabel: "step", yLabel: "loss",
                      marks: [.line(y: [3, 2, 1.5, 1.2], label: "train"), .line(y: [3.1, 2.4, 2, 1.9], label: "validation")],
                      legend: legend)
        p.xAxisSide = .top
        p.yAxisSide = .right
        return p
    }

    func testFarSideAxesKeepTheirLabelsOutsideThePlot() throws {
        let layout = try Renderer.layout(Figure(panel(.outsideRight), size: .inches(6, 4)))
        XCTAssertEqual(layout.findings, [])
        let p = try XCTUnwrap(layout.panels.first)
        XCTAssertFalse(p.x.tickLabels.isEmpty)
        XCTAssertTrue(p.x.tickLabels.allSatisfy { $0.bounds.maxY <= p.plot.minY })
        // Top to bottom: title, x label, x tick labels, plot.
        let xLabel = try XCTUnwrap(p.x.label), title = try XCTUnwrap(p.title)
        XCTAssertLessThanOrEqual(xLabel.bounds.maxY, p.x.tickLabels.map(\.bounds.minY).min() ?? 0)
        XCTAssertLessThanOrEqual(title.bounds.maxY, xLabel.bounds.minY)
        // Left to right: plot, y tick labels, y label, legend.
        XCTAssertTrue(p.y.tickLabels.allSatisfy { $0.bounds.minX >= p.plot.maxX })
        let yLabel = try XCTUnwrap(p.y.label)
        XCTAssertGreaterThanOrEqual(yLabel.bounds.minX, p.y.tickLabels.map(\.bounds.maxX).max() ?? 0)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(p.legend).rect.minX, yLabel.bounds.maxX)
    }

    func testOutsideLegendsOnEachSideStayClear() throws {
        for placement in [LegendPlacement.outsideLeft, .outsideAbove, .outsideBelow] {
            let layout = try Renderer.layout(Figure(panel(placement), size: .inches(6, 4)))
            XCTAssertEqual(layout.findings, [], "\(placement)")
            let p = try XCTUnwrap(layout.panels.first), legend = try XCTUnwrap(p.legend).rect
            switch placement {
            case .outsideLeft: XCTAssertLessThanOrEqual(legend.maxX, p.plot.minX)
            case .outsideAbove:
                // Between the x axis (on top) and the title.
                XCTAssertLessThanOrEqual(legend.maxY, try XCTUnwrap(p.x.label).bounds.minY)
                XCTAssertGreaterThanOrEqual(legend.minY, try XCTUnwrap(p.title).bounds.maxY)
            default: XCTAssertGreaterThanOrEqual(legend.minY, p.plot.maxY)
            }
        }
    }

    func testPanelsKeepTheirRequestedSizesProportions() throws {
        var wide = Panel(marks: [.line(y: [1, 2])]), small = Panel(marks: [.line(y: [2, 1])]), free = Panel(marks: [.line(y: [1, 1])])
        wide.plotSize = Size(width: 300, height: 200)
        small.plotSize = Size(width: 100, height: 100)
        let layout = try Renderer.layout(Figure(size: .points(700, 600), grid: [[wide, small], [free]]))
        XCTAssertEqual(layout.findings, [])
        let plots = layout.panels.map(\.plot)
        XCTAssertEqual(plots[1].width / plots[0].width, 1.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(plots[1].height / plots[0].height, 1.0 / 2, accuracy: 1e-9)
        XCTAssertEqual(plots[1].minY, plots[0].minY, accuracy: 1e-9)
        // A panel that asks nothing takes its column's and row's full share.
        XCTAssertEqual(plots[2].width, plots[0].width, accuracy: 1e-9)
        XCTAssertEqual(plots[2].minX, plots[0].minX, accuracy: 1e-9)
    }
}
