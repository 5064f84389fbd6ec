import CTesseract

/// One page bitmap, as a Leptonica PIX (1, 8 or 32 bits per pixel, no colour map).
///
/// `@unchecked Sendable`: the PIX is never changed after construction and is destroyed only
/// in `deinit`; engines read it from one thread at a time.
public final class PageImage: @unchecked Sendable {
    /// The PIX, for the engines' C calls. Do not modify or destroy it.
    public let pix: UnsafeMutablePointer<PIX>
    public let width: Int
    public let height: Int
    /// Pixels per inch, as rendered or as recorded in the image (0 when unknown).
    public let resolution: Int

    /// Takes ownership of `pix`, normalising it to a depth every engine reads.
    public init?(taking pix: UnsafeMutablePointer<PIX>) {
        var owned: UnsafeMutablePointer<PIX>? = pix
        guard let normal = Self.normalised(pix) else {
            pixDestroy(&owned)
            return nil
        }
        if normal != pix { pixDestroy(&owned) }
        self.pix = normal
        width = Int(pixGetWidth(normal))
        height = Int(pixGetHeight(normal))
        resolution = Int(pixGetXRes(normal))
    }

    deinit {
        var owned: UnsafeMutablePointer<PIX>? = pix
        pixDestroy(&owned)
    }

    /// Colour maps, alpha and odd depths removed; 1, 8 and 32 bpp pass through.
    private static func normalised(_ pix: UnsafeMutablePointer<PIX>) -> UnsafeMutablePointer<PIX>? {
        var current = pix
        func replace(_ next: UnsafeMutablePointer<PIX>?) -> Bool {
            guard let next else { return false }
            if current != pix {
                var old: UnsafeMutablePointer<PIX>? = current
                pixDestroy(&old)
            }
            current = next
            return true
        }
        if pixGetColormap(current) != nil {
            guard replace(pixRemoveColormap(current, Int32(REMOVE_CMAP_BASED_ON_SRC))) else { return nil }
        }
        if pixGetDepth(current) == 32 && pixGetSpp(current) == 4 {
            guard replace(pixAlphaBlendUniform(current, 0xFFFF_FF00)) else { return nil }
        }
        switch pixGetDepth(current) {
        case 1, 8, 32: break
        default: guard replace(pixConvertTo8(current, 0)) else { return nil }
        }
        return current
    }
}
