import OCRFleetModel

/// How to reach the instruction model that extracts and classifies. The worker fills it from
/// `OCR_LLM_URL` (`endpoints`, comma-separated base URLs), `OCR_LLM_MODEL`, `OCR_LLM_API_KEY`,
/// `OCR_LLM_MAX_INFLIGHT`, `OCR_LLM_TIMEOUT_S` and `OCR_LLM_MAX_TOKENS`; the defaults are below.
public struct LanguageModelConfiguration: Sendable {
    /// OpenAI-compatible base URLs, `http://host:8000/v1`; requests go to the least busy
    /// healthy one, and fail over to another when one refuses or is down.
    public var endpoints: [String]
    /// The served model's name, as `GET /v1/models` lists it.
    public var model: String
    /// Sent as `Authorization: Bearer <key>` when set (vLLM's `--api-key`).
    public var apiKey: String?
    /// Requests out at once across every caller; lowered while the servers push back.
    public var maxInflight: Int
    /// How long one answer may take, retries after 429/503 included.
    public var requestTimeout: Duration
    /// The answer's token budget.
    public var maxTokens: Int
    /// Ask for token log-probabilities, for confidences.
    public var logprobs: Bool
    public var healthInterval: Duration
    public var connectTimeout: Duration
    /// Injected by tests; the engine's waits and deadlines read it.
    public var clock: FleetClock = .continuous

    public init(
        endpoints: [String],
        model: String = "Qwen/Qwen2.5-7B-Instruct",
        apiKey: String? = nil,
        maxInflight: Int = 16,
        requestTimeout: Duration = .seconds(120),
        maxTokens: Int = 2048,
        logprobs: Bool = true,
        healthInterval: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(5)
    ) {
        self.endpoints = endpoints
        self.model = model
        self.apiKey = apiKey
        self.maxInflight = maxInflight
        self.requestTimeout = requestTimeout
        self.maxTokens = maxTokens
        self.logprobs = logprobs
        self.healthInterval = healthInterval
        self.connectTimeout = connectTimeout
    }
}
