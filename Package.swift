// swift-tools-version:6.0
import PackageDescription

// Data flows one way: Tensor <- Transformer <- Analysis; Plot stands alone;
// Recipes turn analysis outputs into Plot figures; Pipeline sits on top; the CLI is thinnest.

// One binary for every CPU: nothing is compiled for this machine's vector units. The matrix
// products (CKernels) choose their instruction set at run time, and every path gives the same
// bits, so checkpoints and figures do not depend on the CPU that made them.
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
        .library(name: "VegaLite", targets: ["VegaLite"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries from Debian packages, one shim each.
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
                       providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CPango", path: "Sources/CPango", pkgConfig: "pangocairo pangoft2 fontconfig",
                       providers: [.apt(["libpango1.0-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),

        // Our own matrix-product kernels (portable, AVX2, AVX-512), chosen at run time.
        .target(name: "CKernels", path: "Sources/CKernels"),

        // exp, log, erf and powers from IEEE operations alone: the same bits on every CPU.
        .target(name: "Reproducible"),

        // The one atomic file writer, below both Tensor and Plot (which must not depend on Tensor).
        .target(name: "AtomicFiles"),

        // JSON string literals as serde_json writes them, for safetensors headers and the lock file.
        .target(name: "JSONQuoting"),

        // "Did you mean": the closest name to a misspelt one, for every reader of names a user types.
        .target(name: "Spelling"),

        // The alias-bomb guard every reader of a user's YAML asks first.
        .target(name: "SafeYAML", dependencies: ["Spelling", .product(name: "Yams", package: "Yams")]),

        .target(name: "Tensor", dependencies: ["AtomicFiles", "CKernels", "JSONQuoting", "Reproducible"]),
        .target(name: "Transformer", dependencies: ["AtomicFiles", "JSONQuoting", "SafeYAML", "Spelling", "Tensor", "CKernels", "Reproducible", .product(name: "Yams", package: "Yams")]),
        .target(name: "Analysis", dependencies: ["AtomicFiles", "Tensor", "Transformer", "Reproducible"]),
        .target(name: "Plot", dependencies: ["AtomicFiles", "CCairo", "CPango", "CPNG", "JSONQuoting", "Reproducible"],
                exclude: ["README.md", "Documentation"], resources: [.copy("Resources")]),
        .target(name: "Recipes", dependencies: ["AtomicFiles", "Tensor", "Transformer", "Analysis", "Plot", "Reproducible"]),
        // Vega-Lite specs and their data -> Figure values (a pure translation); Yams reads JSON and YAML specs.
        .target(name: "VegaLite", dependencies: ["AtomicFiles", "Plot", "Reproducible", "SafeYAML", .product(name: "Yams", package: "Yams")],
                exclude: ["LICENSE"]),
        .target(name: "Report", dependencies: ["AtomicFiles", "Tensor", "Transformer", "Analysis", "Plot", "Recipes"]),
        .target(name: "Pipeline", dependencies: [
            "AtomicFiles", "JSONQuoting", "SafeYAML", "Spelling",
            .product(name: "Yams", package: "Yams"),
        ]),
        // What the pipeline tools draw or compare as pictures: `check`'s image and array
        // comparisons, the drawn stage graph.
        .target(name: "PipelineGraphics", dependencies: ["AtomicFiles", "JSONQuoting", "Pipeline", "Tensor", "Plot"]),
        // The study's stage kinds: typed jobs of the modules that do the work, run as child processes.
        .target(name: "Stages", dependencies: [
            "Analysis", "AtomicFiles", "Pipeline", "Plot", "Recipes", "SafeYAML", "Spelling", "Transformer", "VegaLite", .product(name: "Yams", package: "Yams"),
        ], exclude: ["CodeSources.txt"], plugins: ["CodeFingerprints"]),
        // Stage code versions: a hash of the source each stage kind is built from.
        .executableTarget(name: "CodeFingerprintTool"),
        .plugin(name: "CodeFingerprints", capability: .buildTool(), dependencies: ["CodeFingerprintTool"]),
        .executableTarget(name: "rederive", dependencies: [
            "AtomicFiles", "Tensor", "Transformer", "Analysis", "Plot", "Recipes", "Report", "Pipeline", "PipelineGraphics", "Spelling", "Stages", "VegaLite",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // libFuzzer targets over the file readers and the analysis (Scripts/fuzz.sh).
        .executableTarget(name: "RederiveFuzz", dependencies: ["AtomicFiles", "Tensor", "Transformer", "Analysis", "Pipeline", "VegaLite"],
                          path: "Fuzz", exclude: ["Corpus"]),

        .testTarget(name: "TensorTests", dependencies: ["AtomicFiles", "Tensor", "Reproducible", "CKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TransformerTests", dependencies: ["AtomicFiles", "Transformer", "Tensor"]),
        .testTarget(name: "AnalysisTests", dependencies: ["AtomicFiles", "Analysis", "Transformer", "Tensor", "Pipeline"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"]),
        .testTarget(name: "RecipesTests", dependencies: ["AtomicFiles", "Recipes", "Plot", "Analysis", "Transformer", "Tensor"]),
        .testTarget(name: "ReportTests", dependencies: ["AtomicFiles", "Report", "Analysis", "Transformer", "Tensor", "Plot"]),
        // Fixtures are read in place (#filePath), not copied into a bundle.
        .testTarget(name: "VegaLiteTests", dependencies: ["VegaLite", "Plot"], exclude: ["Fixtures"]),
        // The command line itself: each stage kind's job spelled as arguments and parsed back.
        .testTarget(name: "RederiveTests", dependencies: ["rederive", "Analysis", "Plot", "Recipes", "Stages", "Transformer", "VegaLite"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "PipelineGraphics", "Plot", .product(name: "Yams", package: "Yams")]),
    ]
)
