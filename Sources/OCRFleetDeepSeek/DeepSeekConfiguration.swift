import OCRFleetDocuments
import OCRFleetModel

/// How the DeepSeek-OCR engine talks to vLLM. Defaults follow vLLM's DeepSeek-OCR recipe
/// (docs/engines.md).
public struct DeepSeekConfiguration: Sendable {
    /// Base URLs of the OpenAI-compatible servers, e.g. `http://vllm:8000/v1`.
    public var endpoints: [String]
    /// The served model name (`--served-model-name`, else the model path).
    public var model: String
    /// Sent as `Authorization: Bearer …` when the server runs with `--api-key`.
    public var apiKey: String?
    /// Token budget of a page's answer.
    public var maxTokens: Int
    /// Budget of the one retry of a page cut off at `maxTokens`; capped by what the model's
    /// context leaves after the page's image tokens.
    public var retryMaxTokens: Int
    /// The n-gram repetition guard (`vllm_xargs`); nil leaves that argument out.
    public var ngramSize: Int?
    public var windowSize: Int?
    /// Tokens the guard may repeat (`<td>`, `</td>`); empty leaves the argument out, for
    /// vLLM releases that reject a list in `vllm_xargs`.
    public var whitelistTokenIDs: [Int]
    public var encoding: ImageEncoding
    /// Send colour bitmaps (else gray, a third of the bytes; text pages lose nothing).
    public var color: Bool
    /// Requests kept in flight across all jobs of the worker.
    public var maxInflight: Int
    public var healthInterval: Duration
    public var connectTimeout: Duration
    /// What page deadlines, back-offs (`Retry-After` among them), health-check intervals and
    /// the in-flight limit count time with; tests set one they move by hand.
    public var clock: FleetClock = .continuous

    public init(
        endpoints: [String],
        model: String = "deepseek-ai/DeepSeek-OCR",
        apiKey: String? = nil,
        maxTokens: Int = 4096,
        retryMaxTokens: Int = 8192,
        ngramSize: Int? = 30,
        windowSize: Int? = 90,
        whitelistTokenIDs: [Int] = [128821, 128822],
        encoding: ImageEncoding = .png(level: 1),
        color: Bool = false,
        maxInflight: Int = 32,
        healthInterval: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(5)
    ) {
        self.endpoints = endpoints
        self.model = model
        self.apiKey = apiKey
        self.maxTokens = maxTokens
        self.retryMaxTokens = retryMaxTokens
        self.ngramSize = ngramSize
        self.windowSize = windowSize
        self.whitelistTokenIDs = whitelistTokenIDs
        self.encoding = encoding
        self.color = color
        self.maxInflight = maxInflight
        self.healthInterval = healthInterval
        self.connectTimeout = connectTimeout
    }
}

/// The prompt length vLLM's DeepSeek-OCR processor gives an image (its
/// `get_num_image_tokens`: a 1024 px global view of 16×16 patches with a newline token per
/// row, plus 640 px tiles of 10×10 when the image is over 640 px on a side, 2 to 6 tiles
/// in the grid closest to the image's aspect ratio), used to keep a retry's token budget
/// inside the model's context.
public enum ImageTokens {
    public static func count(width: Int, height: Int) -> Int {
        let global = 16 * (16 + 1)
        guard width > 640 || height > 640 else { return global + 1 }
        let (columns, rows) = tiles(width: width, height: height)
        let local = columns > 1 || rows > 1 ? (rows * 10) * (columns * 10 + 1) : 0
        return global + local + 1
    }

    static func tiles(width: Int, height: Int, minimum: Int = 2, maximum: Int = 6, tile: Int = 640) -> (Int, Int) {
        var ratios: [(Int, Int)] = []
        for columns in 1...maximum {
            for rows in 1...maximum where columns * rows >= minimum && columns * rows <= maximum {
                ratios.append((columns, rows))
            }
        }
        ratios.sort { $0.0 * $0.1 < $1.0 * $1.1 }
        let aspect = Double(width) / Double(max(height, 1))
        var best = (1, 1)
        var bestDifference = Double.infinity
        for ratio in ratios {
            let difference = abs(aspect - Double(ratio.0) / Double(ratio.1))
            if difference < bestDifference {
                bestDifference = difference
                best = ratio
            } else if difference == bestDifference, Double(width * height) > 0.5 * Double(tile * tile * ratio.0 * ratio.1) {
                best = ratio
            }
        }
        return best
    }
}
