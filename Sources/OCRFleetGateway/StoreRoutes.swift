import Foundation
import HTTPTypes
import Hummingbird
import OCRFleetContent

/// `GET` / `PUT /v1/store/{key}?expires=…&signature=…`: the local store behind the presigned
/// URLs the gateway issues. A plain route, not a generated operation: keys hold slashes
/// (`tenants/alpha/sources/inv-1/source`), which an OpenAPI path parameter cannot match, so
/// the router's catch-all takes the rest of the path as the key, its slashes as they are or
/// percent-encoded (docs/api.md). The document describes it as `/v1/store/{key}`.
struct StoreRoutes {
    static let path = "/v1/store/**"
    static let methods: [HTTPRequest.Method] = [.get, .put]

    let gateway: Gateway

    func add(to router: Router<GatewayRequestContext>) {
        router.get(RouterPath(Self.path)) { request, context in try await read(request, context: context) }
        router.put(RouterPath(Self.path)) { request, context in try await write(request, context: context) }
    }

    /// The store and the key a request names, when its signature for `method` holds.
    func signedKey(
        _ request: Request,
        _ context: GatewayRequestContext,
        _ method: LocalStore.Method
    ) throws(APIError) -> (LocalStore, String) {
        guard let store = gateway.store.local else { throw APIError.notFound("this gateway keeps its files in S3") }
        let key = context.parameters.getCatchAll().joined(separator: "/").removingPercentEncoding ?? ""
        let query = request.uri.queryParameters
        guard
            store.verify(
                method,
                objectKey: key,
                expires: query["expires"].map { String($0).removingPercentEncoding ?? String($0) },
                signature: query["signature"].map { String($0).removingPercentEncoding ?? String($0) }
            )
        else {
            throw APIError(.forbidden, code: "forbidden", "the URL's signature is invalid or has expired")
        }
        return (store, key)
    }

    func read(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let (store, key) = try signedKey(request, context, .get)
        let path = store.path(for: key)
        guard FileManager.default.fileExists(atPath: path) else { throw APIError.notFound("no object \(key)") }
        let body = try await FileIO().loadFile(path: path, context: context)
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }

    func write(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let (store, key) = try signedKey(request, context, .put)
        let path = store.path(for: key)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        _ = try await MultipartUpload.write(
            request.body.map { ArraySlice($0.readableBytesView) },
            to: path,
            maxBytes: gateway.configuration.maxUploadBytes
        )
        return Response(status: .ok)
    }
}
