// swift-tools-version:6.0
import Foundation
import PackageDescription

// Data flows one way: Tensor <- Transformer <- Analysis; Plot stands alone;
// Recipes turn analysis outputs into Plot figures; Pipeline sits on top; the CLI is thinnest.

// The numeric modules' SIMD16 loops (softmax, LayerNorm, AdamW) compile for this machine's vector
// units instead of baseline SSE2. Floating-point results do not change: Swift never fuses a
// multiply and an add on its own, and the lanes compute the same operations in the same order.
// REDERIVE_PORTABLE=1 leaves the flag out: for a binary that must run on other CPUs, or for a
// package that depends on these libraries by version (SwiftPM refuses unsafe flags there).
let portable = ProcessInfo.processInfo.environment["REDERIVE_PORTABLE"] == "1"
let numericSettings: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "native"], .when(platforms: [.linux]))]
let package = Package(
    name: "Rederive",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rederive", targets: ["rederive"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Transformer", targets: ["Transformer"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "Plot", targets: ["Plot"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Recipes", targets: ["Recipes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries from Debian packages, one shim each.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CPango", path: "Sources/CPango", pkgConfig: "pangocairo pangoft2 fontconfig",
                       providers: [.apt(["libpango1.0-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),

        // The one atomic file writer, below both Tensor and Plot (which must not depend on Tensor).
        .target(name: "AtomicFiles"),
        .target(name: "Tensor", dependencies: ["AtomicFiles", "CBLAS"], swiftSettings: numericSettings),
        .target(name: "Transformer", dependencies: ["Tensor", "CBLAS", .product(name: "Yams", package: "Yams")],
                swiftSettings: numericSettings),
        .target(name: "Analysis", dependencies: ["Tensor", "Transformer"], swiftSettings: numericSettings),
        .target(name: "Plot", dependencies: ["AtomicFiles", "CCairo", "CPango", "CPNG"],
                exclude: ["README.md", "Documentation"], resources: [.copy("Resources")]),
        .target(name: "Recipes", dependencies: ["Tensor", "Analysis", "Plot"]),
        .target(name: "Pipeline", dependencies: [
            "Tensor", "Plot",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Stages", dependencies: [
            "Pipeline", .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "rederive", dependencies: [
            "Tensor", "Transformer", "Analysis", "Plot", "Recipes", "Pipeline", "Stages",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // libFuzzer targets over the file readers and the analysis (Scripts/fuzz.sh).
        .executableTarget(name: "RederiveFuzz", dependencies: ["Tensor", "Transformer", "Analysis", "Pipeline"],
                          path: "Fuzz", exclude: ["Corpus"]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Tensor"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Transformer", "Tensor"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"]),
        .testTarget(name: "RecipesTests", dependencies: ["Recipes", "Plot", "Analysis", "Transformer", "Tensor"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Plot"]),
    ]
)
