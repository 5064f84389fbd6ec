import Foundation

/// What a presigned URL says of itself, read without contacting its store.
public enum PresignedURL {
    /// When the URL stops working: an S3 SigV4 URL's `X-Amz-Date` + `X-Amz-Expires`, or the
    /// gateway store's `expires` (Unix seconds, beside its `signature`). Nil for other URLs.
    public static func expiry(of url: String) -> Date? {
        if let expiry = S3Bucket.expiry(ofPresignedURL: url) { return expiry }
        guard let items = URLComponents(string: url)?.queryItems,
            items.contains(where: { $0.name == "signature" }),
            let seconds = items.first(where: { $0.name == "expires" })?.value.flatMap(Double.init)
        else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}
