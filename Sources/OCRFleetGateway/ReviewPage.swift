import Crypto
import Foundation
import OCRFleetAPI
import OpenAPIRuntime

extension Gateway {
    /// `GET /review`: the review page. It holds no data: the script asks for a token, keeps it
    /// in the tab's `sessionStorage` and calls the `/v1/reviews` API with it.
    public func reviewPage(_ input: Operations.ReviewPage.Input) async throws -> Operations.ReviewPage.Output {
        // The policy header is `ReviewPageHeaders`'s: the generated server would encode it.
        .ok(.init(body: .textHtmlCharsetUtf8(HTTPBody(ReviewPage.html))))
    }

    /// `GET /review/app.js`: the page's script.
    public func reviewScript(_ input: Operations.ReviewScript.Input) async throws -> Operations.ReviewScript.Output {
        .ok(.init(body: .textJavascriptCharsetUtf8(HTTPBody(ReviewPageScript.source))))
    }
}

/// The review page: plain HTML with its style inline, under a Content-Security-Policy that
/// allows nothing but this gateway's own script, that one style block (by its hash), images
/// and requests to this origin, so an item's text can never run as code.
enum ReviewPage {
    static let style = """
        body { font: 15px/1.4 system-ui, sans-serif; margin: 0; }
        #desk:not([hidden]) { display: grid; grid-template-columns: 22rem 1fr; min-height: 90vh; }
        #sign-in { padding: 1rem; }
        header { background: #223; color: #fff; padding: .5rem 1rem; display: flex; gap: 1rem; align-items: center; }
        header h1 { font-size: 1rem; margin: 0; flex: 1; }
        nav { border-right: 1px solid #ccc; padding: .5rem; overflow: auto; }
        nav ol { list-style: none; padding: 0; margin: 0; }
        nav button { width: 100%; text-align: left; font: 13px monospace; background: none; border: 0; padding: .25rem; cursor: pointer; }
        nav button:hover { background: #eef; }
        main { padding: 1rem; }
        #error { margin: .5rem 1rem; background: #fdd; color: #700; padding: .5rem 1rem; border: 1px solid #c99; white-space: pre-wrap; }
        #item-crop { max-width: 100%; border: 1px solid #999; }
        pre { background: #f4f4f4; padding: .5rem; white-space: pre-wrap; word-break: break-word; }
        mark { background: #ff6; }
        dl { display: grid; grid-template-columns: 8rem 1fr; gap: .25rem 1rem; }
        dt { color: #555; }
        kbd { border: 1px solid #999; border-radius: 3px; padding: 0 .3rem; font-size: 12px; }
        textarea { width: 100%; font: 14px monospace; }
        """

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ocrfleet review</title>
        <style>\(style)</style>
        </head>
        <body>
        <header><h1>ocrfleet review</h1><span id="who"></span><button type="button" id="sign-out">sign out</button></header>
        <p id="error" role="alert" hidden></p>
        <form id="sign-in" hidden>
        <p>The token is kept in this tab only (sessionStorage) and sent as a bearer token.</p>
        <label>Token <input id="token" type="password" autocomplete="off"></label>
        <label>Reviewer <input id="reviewer" autocomplete="username" maxlength="64"></label>
        <button type="submit">Start</button>
        </form>
        <div id="desk" hidden>
        <nav><p>Open items: <span id="queue-count">0</span> <button type="button" id="next">claim next (n)</button></p><ol id="queue"></ol></nav>
        <main>
        <p id="status" role="status"></p>
        <p><kbd>n</kbd> next <kbd>c</kbd> confirm <kbd>e</kbd> edit, <kbd>Enter</kbd> save <kbd>r</kbd> reject</p>
        <section id="item" hidden>
        <h2 id="item-id"></h2>
        <dl>
        <dt>field</dt><dd id="item-where"></dd>
        <dt>state</dt><dd id="item-state"></dd>
        <dt>reasons</dt><dd id="item-reasons"></dd>
        <dt>why</dt><dd id="item-message"></dd>
        <dt>confidence</dt><dd id="item-confidence"></dd>
        </dl>
        <img id="item-crop" alt="the cited region of the page" hidden>
        <h3>Value</h3>
        <pre id="item-value"></pre>
        <div id="edit" hidden><label>Corrected value (JSON; Enter saves, Shift+Enter a new line, Escape cancels)
        <textarea id="edit-value" rows="3"></textarea></label></div>
        <label>Note <input id="note" maxlength="2000"></label>
        <h3>Text around it</h3>
        <pre id="item-context"></pre>
        </section>
        </main>
        </div>
        <script src="/review/app.js"></script>
        </body>
        </html>

        """

    static let contentSecurityPolicy: String = {
        let digest = Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString()
        return [
            "default-src 'none'", "script-src 'self'", "style-src 'sha256-\(digest)'", "img-src 'self'",
            "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }()
}
