import Foundation
import Tensor

/// Watches (and may rewrite) activations at TransformerLens hook points during a forward.
///
/// At each hook point the forward copies the buffer into a `Tensor` with the hook's shape,
/// calls `hook(name, &tensor)` (which may replace values, e.g. for mean ablation), copies the
/// tensor back so later layers use it, and keeps it in the cache if `cacheNames` asks for it.
/// Training runs without an observer and pays nothing for this.
final class ActivationObserver {
    let cacheNames: Set<HookName>?
    let hook: ((HookName, inout Tensor) -> Void)?
    /// The hook points `hook` is called at; nil for all of them.
    let hookNames: Set<HookName>?
    var cache: [HookName: Tensor] = [:]

    init(cacheNames: Set<HookName>?, hook: ((HookName, inout Tensor) -> Void)?, hookNames: Set<HookName>? = nil) {
        self.cacheNames = cacheNames; self.hook = hook; self.hookNames = hookNames
    }

    /// Whether `hook` is called at `name`.
    func hooks(_ name: HookName) -> Bool {
        hook != nil && hookNames.map { $0.contains(name) } ?? true
    }

    /// Whether the forward must materialise `name` (e.g. `hook_result`, which training skips).
    func wants(_ name: HookName) -> Bool {
        hooks(name) || cacheNames.map { $0.contains(name) } ?? true
    }

    /// Visits the activation `name` stored at `base` as rows of `width` floats, `stride` apart.
    /// Returns whether the hook changed it.
    @discardableResult
    func visit(_ name: HookName, _ base: UnsafeMutablePointer<Float>, shape: [Int], width: Int? = nil, stride: Int? = nil) -> Bool {
        guard wants(name) else { return false }
        let count = shape.reduce(1, *)
        let width = width ?? count
        let stride = stride ?? width
        let rows = width == 0 ? 0 : count / width
        // One copy out, the hook edits it in place (the tensor is uniquely owned, so no
        // copy-on-write), then the rows are compared with the buffer and written back if changed.
        var tensor = Tensor(shape: shape, scalars: [Float](unsafeUninitializedCapacity: count) { out, initialized in
            if let out = out.baseAddress {
                for r in 0..<rows { (out + r * width).initialize(from: base + r * stride, count: width) }
                (out + rows * width).initialize(repeating: 0, count: count - rows * width)
            }
            initialized = count
        })
        var changed = false
        if let hook, hooks(name) {
            hook(name, &tensor)
            precondition(tensor.shape == shape, "hook changed the shape of \(name) from \(shape) to \(tensor.shape)")
            tensor.scalars.withUnsafeBufferPointer { edited in
                guard let edited = edited.baseAddress else { return }
                for r in 0..<rows where memcmp(edited + r * width, base + r * stride, width * MemoryLayout<Float>.size) != 0 {
                    changed = true
                    (base + r * stride).update(from: edited + r * width, count: width)
                }
            }
        }
        if cacheNames.map({ $0.contains(name) }) ?? true { cache[name] = tensor }
        return changed
    }
}
