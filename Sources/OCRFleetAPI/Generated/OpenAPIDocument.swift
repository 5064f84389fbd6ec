// Generated from openapi.yaml (sha256 3b652e35effb3cd1136a7d0ae827ef2b39a0ef337fccf46f6ba9b13bdc5da93f) by scripts/generate-api.sh.
// swift-format-ignore-file
/// The gateway's OpenAPI document as JSON, served at `/openapi.json`.
public enum OpenAPIDocument {
    public static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "ocrfleet gateway",
  "version": "1.0.0",
  "description": "Submit OCR jobs to the fleet, follow them and fetch their markdown. See docs/api.md."
 },
 "components": {
  "responses": {
   "Unauthorized": {
    "description": "No valid bearer token.",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "RateLimited": {
    "description": "Over the token's rate limit (`rate_limited`), or too many failed authentications from this address (`auth_throttled`), or, on event streams, the tenant holds OCR_MAX_EVENT_STREAMS already (`too_many_streams`), or, on submissions and retries, the tenant has OCR_TENANT_MAX_QUEUED jobs waiting or running (`tenant_queue_full`).",
    "headers": {
     "Retry-After": {
      "schema": {
       "type": "integer"
      }
     }
    },
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "Unavailable": {
    "description": "NATS unreachable or the job streams not ready yet (`unavailable`); try again.",
    "headers": {
     "Retry-After": {
      "schema": {
       "type": "integer"
      }
     }
    },
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "NoSuchJob": {
    "description": "No such job of the caller's tenant (another tenant's job answers exactly the same).",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "BadSignature": {
    "description": "Bad or expired signature.",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "NoSuchReview": {
    "description": "No such review item of the caller's tenant (another tenant's item answers exactly the same).",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "ReviewConflict": {
    "description": "The item is not the caller's to decide or release: another reviewer holds it (`claimed`), the caller's claim ran out and someone else took it (`claim_expired`), the caller holds no claim (`not_claimed`), or it is decided already (`already_decided`).",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    }
   },
   "ReviewItemAnswer": {
    "description": "The item, with `crop_url` when it has a crop.",
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/ReviewItem"
      }
     }
    }
   }
  },
  "parameters": {
   "StoreKey": {
    "name": "key",
    "in": "path",
    "required": true,
    "schema": {
     "type": "string"
    }
   },
   "Expires": {
    "name": "expires",
    "in": "query",
    "required": true,
    "schema": {
     "type": "integer"
    }
   },
   "Signature": {
    "name": "signature",
    "in": "query",
    "required": true,
    "schema": {
     "type": "string"
    }
   },
   "ReviewIDPath": {
    "name": "id",
    "in": "path",
    "required": true,
    "schema": {
     "$ref": "#/components/schemas/ReviewID"
    }
   },
   "Reviewer": {
    "name": "X-Reviewer",
    "in": "header",
    "required": false,
    "schema": {
     "type": "string",
     "pattern": "^[^\\x00-\\x08\\x0a-\\x1f\\x7f]{0,64}$"
    },
    "description": "Who reviews, within the token's tenant (absent or blank, `token-` and the first 8 hex digits of the token's SHA-256; `anonymous` on a gateway without tokens). docs/security.md says what it is trusted for."
   }
  },
  "securitySchemes": {
   "bearer": {
    "type": "http",
    "scheme": "bearer",
    "description": "A token of OCR_API_TOKENS; none when the gateway runs without tokens on loopback. A token belongs to one tenant, which sees only its own jobs, under its own job ids."
   }
  },
  "schemas": {
   "Error": {
    "type": "object",
    "required": [
     "error"
    ],
    "properties": {
     "error": {
      "type": "object",
      "required": [
       "code",
       "message"
      ],
      "properties": {
       "code": {
        "type": "string"
       },
       "message": {
        "type": "string"
       },
       "field": {
        "type": "string"
       }
      }
     }
    }
   },
   "Engine": {
    "type": "string",
    "enum": [
     "auto",
     "deepseek",
     "tesseract"
    ]
   },
   "Mode": {
    "type": "string",
    "enum": [
     "ocr",
     "text",
     "hybrid"
    ]
   },
   "Resolution": {
    "type": "string",
    "enum": [
     "tiny",
     "small",
     "base",
     "large",
     "gundam"
    ]
   },
   "Prompt": {
    "type": "string",
    "enum": [
     "markdown",
     "free"
    ]
   },
   "PageErrorPolicy": {
    "type": "string",
    "enum": [
     "mark",
     "fail"
    ]
   },
   "HeaderFooterPolicy": {
    "type": "string",
    "description": "What becomes of a PDF's running headers, footers and page numbers in the markdown (`mark`, HTML comments where they stand, or `drop`).",
    "enum": [
     "mark",
     "drop"
    ]
   },
   "Priority": {
    "type": "string",
    "description": "The lane the job waits in (docs/lanes.md); `interactive` is taken first, `batch` (backfills, replays) still gets a share of every worker's pulls.",
    "enum": [
     "interactive",
     "batch"
    ]
   },
   "ChunkStrategy": {
    "type": "string",
    "description": "Where chunks begin and end (`page`, `heading` or `tokens` windows).",
    "enum": [
     "page",
     "heading",
     "tokens"
    ]
   },
   "ChunkOptions": {
    "type": "object",
    "description": "Cut the markdown into `chunks.jsonl` too (docs/output.md); every field optional.",
    "properties": {
     "strategy": {
      "$ref": "#/components/schemas/ChunkStrategy"
     },
     "size": {
      "type": "integer",
      "minimum": 16,
      "maximum": 8192,
      "description": "Most tokens in a chunk (default: 512)."
     },
     "overlap": {
      "type": "integer",
      "minimum": 0,
      "description": "Tokens a split chunk repeats from the one before, at most half of size (default: 64)."
     }
    }
   },
   "ChunksSummary": {
    "type": "object",
    "description": "Where the job's chunks.jsonl went and what it holds.",
    "required": [
     "url",
     "bytes",
     "count",
     "sha256"
    ],
    "properties": {
     "url": {
      "type": "string"
     },
     "bytes": {
      "type": "integer"
     },
     "count": {
      "type": "integer"
     },
     "sha256": {
      "type": "string"
     }
    }
   },
   "ClassifyLabel": {
    "type": "object",
    "required": [
     "name"
    ],
    "properties": {
     "name": {
      "type": "string",
      "minLength": 1,
      "maxLength": 64,
      "description": "What the label is called in results, on one line; unique in the job."
     },
     "description": {
      "type": "string",
      "maxLength": 1000,
      "description": "What the model reads to tell the labels apart."
     }
    }
   },
   "ClassifyOptions": {
    "type": "object",
    "description": "Label each page and the document (extraction.json's `classification`, docs/extraction.md).",
    "required": [
     "labels"
    ],
    "properties": {
     "labels": {
      "type": "array",
      "minItems": 2,
      "maxItems": 100,
      "items": {
       "$ref": "#/components/schemas/ClassifyLabel"
      }
     }
    }
   },
   "SplitOptions": {
    "type": "object",
    "description": "Cut the document into sections of consecutive pages with the same page label; needs classify.",
    "properties": {
     "extract_each": {
      "type": "boolean",
      "description": "With extract: extract each section on its own instead of the whole document (default: false)."
     }
    }
   },
   "ExtractOptions": {
    "type": "object",
    "description": "Extract a JSON Schema's values with citations (extraction.json's `extraction`, docs/extraction.md).",
    "required": [
     "schema"
    ],
    "properties": {
     "schema": {
      "type": "object",
      "description": "A JSON Schema (draft 2020-12) in the subset docs/extraction.md lists, at most 256 KiB; a schema outside it is `400 invalid_job` whose message names the JSON pointer of the problem."
     },
     "instructions": {
      "type": "string",
      "maxLength": 4000,
      "description": "What to extract, in words, for the model."
     }
    }
   },
   "ExtractionSummary": {
    "type": "object",
    "description": "Where the job's extraction.json went and what it says in brief.",
    "required": [
     "url",
     "bytes",
     "sha256"
    ],
    "properties": {
     "url": {
      "type": "string"
     },
     "bytes": {
      "type": "integer"
     },
     "sha256": {
      "type": "string"
     },
     "label": {
      "type": "string",
      "description": "The document's label, with classify."
     },
     "label_confidence": {
      "type": "number"
     },
     "sections": {
      "type": "integer",
      "description": "Sections found, with split."
     },
     "fields_filled": {
      "type": "integer",
      "description": "With extract, fields with a value (over every section's with extract_each)."
     },
     "fields_total": {
      "type": "integer"
     },
     "lowest_confidence": {
      "type": "number",
      "description": "The lowest confidence (0-1) of a filled field."
     },
     "failed": {
      "type": "array",
      "description": "The stages that gave no result; the others' results stand and the job completed.",
      "items": {
       "$ref": "#/components/schemas/FailedStage"
      }
     }
    }
   },
   "FailedStage": {
    "type": "object",
    "required": [
     "stage",
     "code",
     "message"
    ],
    "properties": {
     "stage": {
      "type": "string",
      "description": "`classify` or `extract` (with `extract_each`, the first section that failed)."
     },
     "code": {
      "$ref": "#/components/schemas/ErrorCode"
     },
     "message": {
      "type": "string"
     }
    }
   },
   "ErrorCode": {
    "type": "string",
    "enum": [
     "invalid_job",
     "source_not_found",
     "source_too_large",
     "unsupported_format",
     "corrupt_document",
     "encrypted_document",
     "document_crashed",
     "source_unreachable",
     "engine_unavailable",
     "engine_timeout",
     "model_invalid_output",
     "result_upload_failed",
     "result_rejected",
     "worker_lost",
     "cancelled",
     "internal"
    ]
   },
   "Phase": {
    "type": "string",
    "enum": [
     "queued",
     "running",
     "retrying",
     "completed",
     "failed",
     "cancelled"
    ]
   },
   "Options": {
    "type": "object",
    "properties": {
     "engine": {
      "$ref": "#/components/schemas/Engine"
     },
     "mode": {
      "$ref": "#/components/schemas/Mode"
     },
     "pages": {
      "$ref": "#/components/schemas/PageRanges"
     },
     "languages": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "resolution": {
      "$ref": "#/components/schemas/Resolution"
     },
     "prompt": {
      "$ref": "#/components/schemas/Prompt"
     },
     "timeout_s": {
      "type": "integer",
      "minimum": 1
     },
     "password": {
      "type": "string"
     },
     "on_page_error": {
      "$ref": "#/components/schemas/PageErrorPolicy"
     },
     "headers_footers": {
      "$ref": "#/components/schemas/HeaderFooterPolicy"
     },
     "priority": {
      "$ref": "#/components/schemas/Priority"
     },
     "chunk": {
      "$ref": "#/components/schemas/ChunkOptions"
     },
     "classify": {
      "$ref": "#/components/schemas/ClassifyOptions"
     },
     "split": {
      "$ref": "#/components/schemas/SplitOptions"
     },
     "extract": {
      "$ref": "#/components/schemas/ExtractOptions"
     },
     "review": {
      "$ref": "#/components/schemas/ReviewOptions"
     }
    }
   },
   "ReviewOptions": {
    "type": "object",
    "description": "Send uncertain, anomalous and sampled values to people (docs/review.md); needs extract.",
    "properties": {
     "threshold": {
      "type": "number",
      "minimum": 0,
      "maximum": 1,
      "description": "A filled field whose confidence is under it goes to review (default: 0.8)."
     },
     "label_thresholds": {
      "type": "object",
      "maxProperties": 100,
      "additionalProperties": {
       "type": "number",
       "minimum": 0,
       "maximum": 1
      },
      "description": "Per document (or section) label; overrides threshold."
     },
     "sample_rate": {
      "type": "number",
      "minimum": 0,
      "maximum": 1,
      "description": "The share of confident fields sampled for calibration (default: 0.05)."
     },
     "page_threshold": {
      "type": "number",
      "minimum": 0,
      "maximum": 100,
      "description": "A page whose engine confidence is under it goes to review."
     },
     "rules": {
      "type": "array",
      "maxItems": 100,
      "items": {
       "$ref": "#/components/schemas/ReviewRule"
      }
     }
    }
   },
   "ReviewRule": {
    "type": "object",
    "description": "An anomaly check on one field; one or more of pattern, minimum/maximum, not_after/not_before.",
    "required": [
     "name",
     "field"
    ],
    "properties": {
     "name": {
      "type": "string",
      "minLength": 1,
      "maxLength": 64
     },
     "label": {
      "type": "string"
     },
     "field": {
      "type": "string",
      "description": "A JSON pointer into the values; `*` for every element of an array."
     },
     "pattern": {
      "type": "string"
     },
     "minimum": {
      "type": "number"
     },
     "maximum": {
      "type": "number"
     },
     "not_after": {
      "type": "string"
     },
     "not_before": {
      "type": "string"
     }
    }
   },
   "Source": {
    "type": "object",
    "required": [
     "url"
    ],
    "properties": {
     "url": {
      "type": "string",
      "format": "uri"
     },
     "content_type": {
      "type": "string"
     },
     "filename": {
      "type": "string"
     },
     "size": {
      "type": "integer"
     },
     "sha256": {
      "type": "string"
     }
    }
   },
   "ResultTarget": {
    "type": "object",
    "required": [
     "url"
    ],
    "properties": {
     "url": {
      "type": "string",
      "format": "uri"
     },
     "content_type": {
      "type": "string"
     },
     "layout_url": {
      "type": "string",
      "format": "uri"
     },
     "chunks_url": {
      "type": "string",
      "format": "uri",
      "description": "Where chunks.jsonl is PUT; required with options.chunk."
     },
     "extraction_url": {
      "type": "string",
      "format": "uri",
      "description": "Where extraction.json is PUT; required with options.classify, split or extract."
     }
    }
   },
   "Submission": {
    "type": "object",
    "required": [
     "source"
    ],
    "properties": {
     "job_id": {
      "$ref": "#/components/schemas/JobID"
     },
     "source": {
      "$ref": "#/components/schemas/Source"
     },
     "result": {
      "$ref": "#/components/schemas/ResultTarget"
     },
     "options": {
      "$ref": "#/components/schemas/Options"
     },
     "metadata": {
      "type": "object",
      "additionalProperties": {
       "type": "string"
      }
     },
     "callback_url": {
      "type": "string",
      "format": "uri"
     }
    }
   },
   "Accepted": {
    "type": "object",
    "required": [
     "job_id",
     "state",
     "status_url",
     "result_url"
    ],
    "properties": {
     "job_id": {
      "type": "string"
     },
     "state": {
      "$ref": "#/components/schemas/Phase"
     },
     "status_url": {
      "type": "string"
     },
     "result_url": {
      "type": "string"
     }
    }
   },
   "ResultSummary": {
    "type": "object",
    "properties": {
     "url": {
      "type": "string"
     },
     "bytes": {
      "type": "integer"
     },
     "sha256": {
      "type": "string"
     }
    }
   },
   "JobError": {
    "type": "object",
    "properties": {
     "code": {
      "$ref": "#/components/schemas/ErrorCode"
     },
     "message": {
      "type": "string"
     },
     "retryable": {
      "type": "boolean"
     }
    }
   },
   "JobState": {
    "type": "object",
    "required": [
     "job_id",
     "state",
     "attempts",
     "updated_at"
    ],
    "properties": {
     "job_id": {
      "type": "string"
     },
     "state": {
      "$ref": "#/components/schemas/Phase"
     },
     "attempts": {
      "type": "integer"
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "updated_at": {
      "type": "string",
      "format": "date-time"
     },
     "started_at": {
      "type": "string",
      "format": "date-time"
     },
     "finished_at": {
      "type": "string",
      "format": "date-time"
     },
     "pages_done": {
      "type": "integer"
     },
     "pages_total": {
      "type": "integer"
     },
     "format": {
      "type": "string"
     },
     "engine": {
      "type": "string"
     },
     "worker": {
      "type": "string"
     },
     "result": {
      "$ref": "#/components/schemas/ResultSummary"
     },
     "error": {
      "$ref": "#/components/schemas/JobError"
     },
     "failed_attempts": {
      "type": "integer",
      "description": "Attempts that failed through the job itself; attempts whose worker was lost are not counted."
     },
     "completion": {
      "$ref": "#/components/schemas/JobCompletion"
     },
     "review": {
      "type": "object",
      "description": "With options.review, the review as the job ended (GET /v1/reviews for where it is now).",
      "required": [
       "needs_review",
       "open",
       "items"
      ],
      "properties": {
       "needs_review": {
        "type": "boolean"
       },
       "open": {
        "type": "integer"
       },
       "items": {
        "type": "integer"
       }
      }
     },
     "metadata": {
      "type": "object",
      "additionalProperties": {
       "type": "string"
      }
     }
    }
   },
   "JobCompletion": {
    "type": "object",
    "description": "The completed event's data, once the job completed.",
    "required": [
     "result",
     "pages",
     "pages_failed",
     "engine",
     "duration_ms",
     "timings_ms",
     "usage"
    ],
    "properties": {
     "result": {
      "$ref": "#/components/schemas/ResultSummary"
     },
     "pages": {
      "type": "integer"
     },
     "pages_failed": {
      "type": "array",
      "items": {
       "type": "integer"
      }
     },
     "pages_incomplete": {
      "type": "array",
      "items": {
       "type": "integer"
      }
     },
     "page_confidence": {
      "type": "array",
      "description": "The engine's mean word confidence (0-100) of each page it reported one for (Tesseract), in page order.",
      "items": {
       "type": "object",
       "required": [
        "page",
        "confidence"
       ],
       "properties": {
        "page": {
         "type": "integer"
        },
        "confidence": {
         "type": "number"
        }
       }
      }
     },
     "pages_low_confidence": {
      "type": "array",
      "description": "Pages read with a confidence under the worker's OCR_LOW_CONFIDENCE; their markdown opens with `<!-- low confidence: N -->`.",
      "items": {
       "type": "integer"
      }
     },
     "engine": {
      "type": "string"
     },
     "duration_ms": {
      "type": "integer"
     },
     "timings_ms": {
      "type": "object",
      "additionalProperties": {
       "type": "integer"
      }
     },
     "usage": {
      "type": "object",
      "properties": {
       "pages_ocr": {
        "type": "integer"
       },
       "pages_text": {
        "type": "integer"
       }
      }
     },
     "layout": {
      "type": "string"
     },
     "chunks": {
      "$ref": "#/components/schemas/ChunksSummary"
     },
     "extraction": {
      "$ref": "#/components/schemas/ExtractionSummary"
     },
     "review": {
      "type": "object",
      "description": "With options.review, whether values wait for people, how many items and why (docs/review.md).",
      "required": [
       "needs_review",
       "items"
      ],
      "properties": {
       "needs_review": {
        "type": "boolean"
       },
       "items": {
        "type": "integer"
       },
       "reasons": {
        "type": "object",
        "additionalProperties": {
         "type": "integer"
        }
       },
       "omitted": {
        "type": "integer",
        "description": "Planned items past the 1,000 one job queues, left out (pages first); absent when none were."
       }
      }
     }
    }
   },
   "JobList": {
    "type": "object",
    "required": [
     "jobs"
    ],
    "properties": {
     "jobs": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/JobState"
      }
     },
     "next": {
      "type": "string"
     },
     "next_url": {
      "type": "string"
     }
    }
   },
   "Purged": {
    "type": "object",
    "description": "What purging a job removed. Objects outside this gateway's store (a result URL of the caller's own) are not the gateway's to remove.",
    "required": [
     "job_id",
     "objects",
     "events",
     "dead_letters",
     "review_items",
     "cached_messages"
    ],
    "properties": {
     "job_id": {
      "type": "string"
     },
     "objects": {
      "type": "integer",
      "description": "Objects of the job in this gateway's store (source, results, layout, chunks, extraction, reviewed versions)."
     },
     "events": {
      "type": "integer"
     },
     "dead_letters": {
      "type": "integer"
     },
     "review_items": {
      "type": "integer"
     },
     "cached_messages": {
      "type": "integer",
      "description": "Messages of the job's results kept in the result cache (OCR_CACHE) for reuse by later jobs with the same source bytes and options."
     }
    }
   },
   "Queue": {
    "type": "object",
    "required": [
     "jobs",
     "max_backlog"
    ],
    "properties": {
     "jobs": {
      "type": "integer"
     },
     "max_backlog": {
      "type": "integer"
     }
    }
   },
   "JobID": {
    "type": "string",
    "pattern": "^[A-Za-z0-9_=-]{1,200}$",
    "description": "A job id, the caller's idempotency key. With tokens, the tenant's name and `=` count against the 200 characters (`alpha`'s ids have at most 194)."
   },
   "PageRanges": {
    "type": "string",
    "minLength": 1,
    "pattern": "^ *[1-9][0-9]{0,8}(-([1-9][0-9]{0,8})?)? *(, *[1-9][0-9]{0,8}(-([1-9][0-9]{0,8})?)? *)*$",
    "description": "1-based page ranges such as `1-3,7,10-` (an open end runs to the last page). A range must not end before it starts; one that starts past the last page fails the job as `invalid_job`."
   },
   "ReviewID": {
    "type": "string",
    "pattern": "^[A-Za-z0-9_=-]{1,200}\\.[1-9][0-9]{0,5}$",
    "description": "A review item's id, `<job_id>.<n>` (the caller's job id, n from 1 in document order)."
   },
   "ReviewState": {
    "type": "string",
    "enum": [
     "open",
     "claimed",
     "confirmed",
     "corrected",
     "rejected"
    ]
   },
   "ReviewAction": {
    "type": "string",
    "enum": [
     "confirm",
     "correct",
     "reject"
    ]
   },
   "ReviewReason": {
    "type": "string",
    "enum": [
     "low_confidence",
     "validation_failed",
     "anomaly",
     "sampled",
     "low_confidence_page"
    ]
   },
   "ReviewClaim": {
    "type": "object",
    "required": [
     "reviewer",
     "until"
    ],
    "properties": {
     "reviewer": {
      "type": "string"
     },
     "until": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "ReviewDecision": {
    "type": "object",
    "required": [
     "action",
     "reviewer",
     "at"
    ],
    "properties": {
     "action": {
      "$ref": "#/components/schemas/ReviewAction"
     },
     "value": {
      "description": "The corrected value (`correct`)."
     },
     "note": {
      "type": "string"
     },
     "reviewer": {
      "type": "string"
     },
     "at": {
      "type": "string",
      "format": "date-time"
     }
    }
   },
   "ReviewItem": {
    "type": "object",
    "description": "A field or page waiting for (or given) a person's decision (docs/review.md).",
    "required": [
     "id",
     "job_id",
     "tenant",
     "kind",
     "reasons",
     "message",
     "context",
     "crop",
     "created_at",
     "state"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "job_id": {
      "type": "string"
     },
     "tenant": {
      "type": "string"
     },
     "label": {
      "type": [
       "string",
       "null"
      ]
     },
     "section": {
      "type": [
       "integer",
       "null"
      ]
     },
     "kind": {
      "type": "string",
      "enum": [
       "field",
       "page"
      ]
     },
     "pointer": {
      "type": "string",
      "description": "The field's JSON pointer in the extracted values (`field` items)."
     },
     "page": {
      "type": "integer",
      "description": "The 1-based page (`page` items)."
     },
     "value": {
      "description": "The value as extracted; a page's markdown for `page` items."
     },
     "confidence": {
      "type": "number"
     },
     "reasons": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/ReviewReason"
      }
     },
     "rule": {
      "type": "string"
     },
     "message": {
      "type": "string"
     },
     "citation": {
      "type": "object",
      "description": "Where the value was read (page, box, text, markdown_range; docs/extraction.md)."
     },
     "context": {
      "type": "string",
      "description": "Up to about 600 characters of the document's markdown around the citation."
     },
     "crop": {
      "type": "boolean",
      "description": "Whether a PNG of the cited region is stored."
     },
     "crop_url": {
      "type": "string",
      "description": "A presigned URL of the crop, valid for 15 minutes, that needs no token (an `<img>` can show it); only on an item read alone, claimed or decided, and only when `crop` is true."
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "state": {
      "$ref": "#/components/schemas/ReviewState"
     },
     "claim": {
      "$ref": "#/components/schemas/ReviewClaim"
     },
     "decision": {
      "$ref": "#/components/schemas/ReviewDecision"
     }
    }
   },
   "ReviewList": {
    "type": "object",
    "required": [
     "items"
    ],
    "properties": {
     "items": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/ReviewItem"
      }
     },
     "next": {
      "type": "string",
      "description": "Give as `after` for the next page."
     },
     "next_url": {
      "type": "string"
     }
    }
   },
   "ReviewAuditRecord": {
    "type": "object",
    "description": "One claim, release, takeover or decision on a review item (docs/review.md#audit-trail).",
    "required": [
     "item",
     "job_id",
     "tenant",
     "reviewer",
     "at",
     "action",
     "before",
     "after"
    ],
    "properties": {
     "item": {
      "type": "string"
     },
     "job_id": {
      "type": "string"
     },
     "tenant": {
      "type": "string"
     },
     "reviewer": {
      "type": "string"
     },
     "at": {
      "type": "string",
      "format": "date-time"
     },
     "action": {
      "type": "string",
      "enum": [
       "claim",
       "release",
       "takeover",
       "confirm",
       "correct",
       "reject"
      ]
     },
     "before": {
      "description": "The value before a decision; for claims and releases, the item's state."
     },
     "after": {
      "description": "The value after a decision (null for reject); for claims and releases, the item's state."
     },
     "note": {
      "type": "string"
     }
    }
   },
   "ReviewAuditTrail": {
    "type": "object",
    "required": [
     "records"
    ],
    "properties": {
     "records": {
      "type": "array",
      "description": "Oldest first.",
      "items": {
       "$ref": "#/components/schemas/ReviewAuditRecord"
      }
     }
    }
   },
   "ReviewVerdict": {
    "type": "object",
    "description": "A reviewer's decision on a claimed item.",
    "required": [
     "action"
    ],
    "properties": {
     "action": {
      "$ref": "#/components/schemas/ReviewAction"
     },
     "value": {
      "description": "The right value (`correct` only, and required there); it must validate against the field's schema."
     },
     "note": {
      "type": "string",
      "maxLength": 2000
     }
    }
   }
  }
 },
 "security": [
  {
   "bearer": []
  }
 ],
 "paths": {
  "/v1/jobs": {
   "post": {
    "operationId": "submitJob",
    "summary": "Submit a job: JSON with URLs, a file as the body, or a multipart upload.",
    "parameters": [
     {
      "name": "job_id",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/JobID"
      },
      "description": "Job id (default: generated)."
     },
     {
      "name": "filename",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "Original file name."
     },
     {
      "name": "engine",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/Engine"
      },
      "description": "Engine."
     },
     {
      "name": "mode",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/Mode"
      },
      "description": "Recognition mode."
     },
     {
      "name": "pages",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/PageRanges"
      },
      "description": "Pages, 1-based ranges such as 1-3,7."
     },
     {
      "name": "languages",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "Tesseract languages, eng+deu or eng,deu."
     },
     {
      "name": "resolution",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/Resolution"
      },
      "description": "DeepSeek-OCR resolution."
     },
     {
      "name": "prompt",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/Prompt"
      },
      "description": "DeepSeek-OCR prompt."
     },
     {
      "name": "on_page_error",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/PageErrorPolicy"
      },
      "description": "What a page that cannot be recognised does to the job."
     },
     {
      "name": "headers_footers",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/HeaderFooterPolicy"
      },
      "description": "Running headers, footers and page numbers of PDF text layers marked or left out."
     },
     {
      "name": "priority",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/Priority"
      },
      "description": "The job's lane."
     },
     {
      "name": "chunk",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/ChunkStrategy"
      },
      "description": "Cut the markdown into chunks.jsonl too, by this strategy (GET /v1/jobs/{id}/chunks)."
     },
     {
      "name": "chunk_size",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 16,
       "maximum": 8192
      },
      "description": "Most tokens in a chunk (with chunk)."
     },
     {
      "name": "chunk_overlap",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 0
      },
      "description": "Tokens a split chunk repeats from the one before (with chunk)."
     },
     {
      "name": "split",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "enum": [
        "true",
        "extract_each"
       ]
      },
      "description": "Cut the document into sections by page label (needs a classify form field), `extract_each` to extract each section on its own. Labels and a schema do not go in a URL; send them as form fields."
     },
     {
      "name": "password",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "PDF password."
     },
     {
      "name": "timeout_s",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 1
      },
      "description": "Time limit of one attempt."
     },
     {
      "name": "callback_url",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string",
       "format": "uri"
      },
      "description": "Where the job's last event is POSTed (webhooks)."
     },
     {
      "name": "traceparent",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "A W3C trace context; the job's spans continue the caller's trace."
     }
    ],
    "requestBody": {
     "required": true,
     "description": "The file as the body (`application/octet-stream`, any content type but the two below, or none), JSON with URLs, or a multipart upload.",
     "content": {
      "application/octet-stream": {
       "schema": {
        "type": "string",
        "format": "binary"
       }
      },
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Submission"
       }
      },
      "multipart/form-data": {
       "schema": {
        "type": "object",
        "required": [
         "file"
        ],
        "properties": {
         "file": {
          "type": "string",
          "format": "binary"
         },
         "options": {
          "type": "string",
          "description": "Options as a JSON object."
         },
         "engine": {
          "type": "string"
         },
         "mode": {
          "type": "string"
         },
         "pages": {
          "type": "string"
         },
         "languages": {
          "type": "string"
         },
         "resolution": {
          "type": "string"
         },
         "prompt": {
          "type": "string"
         },
         "on_page_error": {
          "type": "string"
         },
         "headers_footers": {
          "type": "string"
         },
         "priority": {
          "type": "string"
         },
         "chunk": {
          "type": "string"
         },
         "chunk_size": {
          "type": "string"
         },
         "chunk_overlap": {
          "type": "string"
         },
         "classify": {
          "type": "string",
          "description": "The labels as JSON: `[{\"name\": …, \"description\": …}]` or `{\"labels\": […]}`."
         },
         "split": {
          "type": "string",
          "description": "`true` or `extract_each`."
         },
         "extract": {
          "type": "string",
          "description": "The schema as JSON, a field or a file part."
         },
         "instructions": {
          "type": "string",
          "description": "What to extract, in words (with extract)."
         },
         "password": {
          "type": "string"
         },
         "timeout_s": {
          "type": "string"
         }
        },
        "description": "A `file` part, an optional `options` part (a JSON object), option fields of the query parameters' names, and `classify`, `extract` and `instructions`. At most 32 parts, 16 header lines and 8 KiB of headers a part, 64 KiB a field but `extract`, which may have the schema's 256 KiB."
       },
       "encoding": {
        "file": {
         "contentType": "*/*"
        },
        "classify": {
         "contentType": "*/*"
        },
        "extract": {
         "contentType": "*/*"
        }
       }
      },
      "*/*": {
       "schema": {
        "type": "string",
        "format": "binary"
       }
      }
     }
    },
    "responses": {
     "202": {
      "description": "Accepted and queued.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Accepted"
        }
       }
      },
      "links": {
       "GetJob": {
        "operationId": "getJob",
        "parameters": {
         "id": "$response.body#/job_id"
        }
       },
       "FollowJob": {
        "operationId": "followJob",
        "parameters": {
         "id": "$response.body#/job_id"
        }
       },
       "GetResult": {
        "operationId": "getResult",
        "parameters": {
         "id": "$response.body#/job_id"
        }
       },
       "GetLayout": {
        "operationId": "getLayout",
        "parameters": {
         "id": "$response.body#/job_id"
        }
       },
       "GetChunks": {
        "operationId": "getChunks",
        "parameters": {
         "id": "$response.body#/job_id"
        }
       },
       "GetExtraction": {
        "operationId": "getExtraction",
        "parameters": {
         "id": "$response.body#/job_id"
        }
       },
       "CancelJob": {
        "operationId": "cancelJob",
        "parameters": {
         "id": "$response.body#/job_id"
        }
       },
       "RetryJob": {
        "operationId": "retryJob",
        "parameters": {
         "id": "$response.body#/job_id"
        }
       }
      }
     },
     "200": {
      "description": "The same request was made before under this job_id: the job as it is now; nothing was queued again.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Accepted"
        }
       }
      }
     },
     "409": {
      "description": "The job_id is taken by a different request of this tenant (`job_exists`).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "400": {
      "description": "Invalid job; `field` names the culprit.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "413": {
      "description": "Upload over OCR_MAX_UPLOAD_BYTES.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "description": "NATS unreachable, streams not ready, the backlog over OCR_MAX_BACKLOG (`backlog`), or the same request still being put in place (`in_progress`); with Retry-After.",
      "headers": {
       "Retry-After": {
        "schema": {
         "type": "integer"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   },
   "get": {
    "operationId": "listJobs",
    "summary": "Jobs by their latest update, newest first.",
    "parameters": [
     {
      "name": "state",
      "in": "query",
      "schema": {
       "$ref": "#/components/schemas/Phase"
      }
     },
     {
      "name": "limit",
      "in": "query",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 1000,
       "default": 100
      }
     },
     {
      "name": "before",
      "in": "query",
      "schema": {
       "type": "string",
       "pattern": "^[1-9][0-9]{0,18}$"
      },
      "description": "The previous page's `next`."
     }
    ],
    "responses": {
     "200": {
      "description": "A page of jobs.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JobList"
        }
       }
      }
     },
     "400": {
      "description": "A bad parameter.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/jobs/{id}": {
   "get": {
    "operationId": "getJob",
    "summary": "A job's state.",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,200}$"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "The state.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/JobState"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchJob"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   },
   "delete": {
    "operationId": "cancelJob",
    "summary": "Cancel a queued or running job; with purge=true, remove an ended job and everything kept of it.",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,200}$"
      }
     },
     {
      "name": "purge",
      "in": "query",
      "description": "Remove the ended job (completed, failed or cancelled) with its source, results, layout, chunks, extraction, events, dead letters, review records and state. The job id is free afterwards.",
      "schema": {
       "type": "boolean"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "Purged; what was removed.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Purged"
        }
       }
      }
     },
     "202": {
      "description": "Cancel requested.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Accepted"
        }
       }
      }
     },
     "400": {
      "description": "A bad parameter.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchJob"
     },
     "409": {
      "description": "Already final (`already_final`), or, with purge=true, not ended yet (`job_not_ended`).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/jobs/{id}/retry": {
   "post": {
    "operationId": "retryJob",
    "summary": "Run a failed job again from its dead letter, with its URLs into the caller's part of this gateway's store signed afresh.",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,200}$"
      }
     }
    ],
    "responses": {
     "202": {
      "description": "Queued again.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Accepted"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchJob"
     },
     "409": {
      "description": "The job is not failed (`job_not_failed`: running, completed, cancelled, or queued again by another retry), or has no dead letter (`no_dead_letter`).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "422": {
      "description": "A URL of the job that this gateway does not sign has expired (`url_expired`); `field` names it.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "description": "NATS unreachable (`unavailable`), or the backlog over OCR_MAX_BACKLOG (`backlog`, with Retry-After).",
      "headers": {
       "Retry-After": {
        "schema": {
         "type": "integer"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/jobs/{id}/result": {
   "get": {
    "operationId": "getResult",
    "summary": "The markdown of a completed job, or a redirect to it.",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,200}$"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "The markdown.",
      "content": {
       "text/markdown; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "302": {
      "description": "Where the result is (S3 or the job's own result URL).",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchJob"
     },
     "409": {
      "description": "Not completed yet (`not_ready`).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/jobs/{id}/layout": {
   "get": {
    "operationId": "getLayout",
    "summary": "The layout sidecar of a completed job.",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,200}$"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "Blocks with boxes per page.",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "302": {
      "description": "Where the layout is (S3).",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "404": {
      "description": "No such job, or no layout.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/jobs/{id}/chunks": {
   "get": {
    "operationId": "getChunks",
    "summary": "The chunks.jsonl of a completed job that asked for chunks.",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,200}$"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "One JSON object per chunk and line (docs/output.md).",
      "content": {
       "application/jsonl": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "302": {
      "description": "Where the chunks are (S3).",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "404": {
      "description": "No such job, or no chunks (not asked for, or not completed).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/jobs/{id}/extraction": {
   "get": {
    "operationId": "getExtraction",
    "summary": "The extraction.json of a completed job that asked for classify, split or extract; with review, a version.",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,200}$"
      }
     },
     {
      "name": "version",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 1000000
      },
      "description": "Which version: 1 is the worker's, each finished review adds one (default: the newest)."
     }
    ],
    "responses": {
     "200": {
      "description": "The document's label and page labels, its sections and the extracted values with their citations and confidences (docs/extraction.md); reviewed versions mark the fields a person decided.",
      "headers": {
       "OCRFleet-Extraction-Version": {
        "schema": {
         "type": "integer"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     },
     "302": {
      "description": "Where extraction.json is (S3).",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "400": {
      "description": "A bad parameter.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "404": {
      "description": "No such job, or no extraction (not asked for, or not completed), or no such version.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/jobs/{id}/events": {
   "get": {
    "operationId": "followJob",
    "summary": "The job's events as server-sent events: history, then live until its last event.",
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,200}$"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "`text/event-stream`: each event is `id` (the CloudEvent id), `event` (its kind) and `data` (the CloudEvent, JSON); a `: keep-alive` comment every OCR_SSE_KEEPALIVE_S while none comes. A `progress` event with `stage` (`chunk`, `classify`, `split`, `extract`) goes out as a stage after recognition starts.",
      "headers": {
       "Cache-Control": {
        "schema": {
         "type": "string"
        }
       },
       "X-Accel-Buffering": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "text/event-stream": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchJob"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/queue": {
   "get": {
    "operationId": "getQueue",
    "summary": "Jobs in OCR_JOBS and the backlog limit.",
    "responses": {
     "200": {
      "description": "Queue depth.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Queue"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/reviews": {
   "get": {
    "operationId": "listReviews",
    "summary": "The caller's tenant's review items, oldest first.",
    "parameters": [
     {
      "name": "state",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/ReviewState"
      },
      "description": "Only items in this state (default: every state)."
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 1000,
       "default": 100
      },
      "description": "Items on the page."
     },
     {
      "name": "after",
      "in": "query",
      "required": false,
      "schema": {
       "$ref": "#/components/schemas/ReviewID"
      },
      "description": "The previous page's `next`."
     }
    ],
    "responses": {
     "200": {
      "description": "A page of items.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ReviewList"
        }
       }
      }
     },
     "400": {
      "description": "A bad parameter.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/reviews/claim": {
   "post": {
    "operationId": "claimNextReview",
    "summary": "Claim the next open item of the caller's tenant for OCR_REVIEW_LEASE_S.",
    "parameters": [
     {
      "$ref": "#/components/parameters/Reviewer"
     }
    ],
    "responses": {
     "200": {
      "$ref": "#/components/responses/ReviewItemAnswer"
     },
     "204": {
      "description": "No item is open."
     },
     "400": {
      "description": "A bad X-Reviewer.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/reviews/{id}": {
   "get": {
    "operationId": "getReview",
    "summary": "A review item.",
    "parameters": [
     {
      "$ref": "#/components/parameters/ReviewIDPath"
     }
    ],
    "responses": {
     "200": {
      "$ref": "#/components/responses/ReviewItemAnswer"
     },
     "404": {
      "$ref": "#/components/responses/NoSuchReview"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   },
   "post": {
    "operationId": "decideReview",
    "summary": "Confirm, correct or reject a claimed item; the last decision of a job makes its extraction's next version and publishes `reviewed`.",
    "parameters": [
     {
      "$ref": "#/components/parameters/ReviewIDPath"
     },
     {
      "$ref": "#/components/parameters/Reviewer"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ReviewVerdict"
       }
      }
     }
    },
    "responses": {
     "200": {
      "$ref": "#/components/responses/ReviewItemAnswer"
     },
     "400": {
      "description": "A bad body or X-Reviewer (`invalid_review`, `field` naming what).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchReview"
     },
     "409": {
      "$ref": "#/components/responses/ReviewConflict"
     },
     "422": {
      "description": "A correction that does not validate against the field's schema (`invalid_correction`).",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/reviews/{id}/claim": {
   "post": {
    "operationId": "claimReview",
    "summary": "Claim this item for OCR_REVIEW_LEASE_S (again, to extend a claim the caller holds).",
    "parameters": [
     {
      "$ref": "#/components/parameters/ReviewIDPath"
     },
     {
      "$ref": "#/components/parameters/Reviewer"
     }
    ],
    "responses": {
     "200": {
      "$ref": "#/components/responses/ReviewItemAnswer"
     },
     "400": {
      "description": "A bad X-Reviewer.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchReview"
     },
     "409": {
      "$ref": "#/components/responses/ReviewConflict"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/reviews/{id}/release": {
   "post": {
    "operationId": "releaseReview",
    "summary": "Give a claimed item back to the queue undecided.",
    "parameters": [
     {
      "$ref": "#/components/parameters/ReviewIDPath"
     },
     {
      "$ref": "#/components/parameters/Reviewer"
     }
    ],
    "responses": {
     "200": {
      "$ref": "#/components/responses/ReviewItemAnswer"
     },
     "400": {
      "description": "A bad X-Reviewer.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchReview"
     },
     "409": {
      "$ref": "#/components/responses/ReviewConflict"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/reviews/{id}/audit": {
   "get": {
    "operationId": "getReviewAudit",
    "summary": "The item's audit trail, oldest first; who claimed, released, took over and decided it, when, with the value before and after.",
    "parameters": [
     {
      "$ref": "#/components/parameters/ReviewIDPath"
     }
    ],
    "responses": {
     "200": {
      "description": "The item's records.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ReviewAuditTrail"
        }
       }
      }
     },
     "404": {
      "$ref": "#/components/responses/NoSuchReview"
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/v1/reviews/{id}/crop": {
   "get": {
    "operationId": "getReviewCrop",
    "summary": "The item's crop, through its presigned URL.",
    "parameters": [
     {
      "$ref": "#/components/parameters/ReviewIDPath"
     }
    ],
    "responses": {
     "302": {
      "description": "The presigned URL of the crop (`crop_url`).",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "404": {
      "description": "No such item of the caller's tenant, or it has no crop.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "503": {
      "$ref": "#/components/responses/Unavailable"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "429": {
      "$ref": "#/components/responses/RateLimited"
     }
    }
   }
  },
  "/review": {
   "get": {
    "operationId": "reviewPage",
    "summary": "The review page (HTML; it asks for a token and uses the API above).",
    "security": [],
    "responses": {
     "200": {
      "description": "The page.",
      "headers": {
       "Content-Security-Policy": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "text/html; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/review/app.js": {
   "get": {
    "operationId": "reviewScript",
    "summary": "The review page's script.",
    "security": [],
    "responses": {
     "200": {
      "description": "The script.",
      "content": {
       "text/javascript; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/review/crops/{id}": {
   "get": {
    "operationId": "reviewCrop",
    "summary": "A review item's crop (PNG) through a presigned URL (`crop_url`).",
    "security": [],
    "parameters": [
     {
      "name": "id",
      "in": "path",
      "required": true,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9_=-]{1,250}\\.[1-9][0-9]{0,5}$"
      }
     },
     {
      "$ref": "#/components/parameters/Expires"
     },
     {
      "$ref": "#/components/parameters/Signature"
     }
    ],
    "responses": {
     "200": {
      "description": "The PNG.",
      "content": {
       "image/png": {
        "schema": {
         "type": "string",
         "format": "binary"
        }
       }
      }
     },
     "400": {
      "description": "An `expires` that is no whole number.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     },
     "403": {
      "$ref": "#/components/responses/BadSignature"
     },
     "404": {
      "description": "No such crop.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/v1/store/{key}": {
   "get": {
    "operationId": "storeGet",
    "summary": "Read an object of the local store through a presigned URL.",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/StoreKey"
     },
     {
      "$ref": "#/components/parameters/Expires"
     },
     {
      "$ref": "#/components/parameters/Signature"
     }
    ],
    "responses": {
     "200": {
      "description": "The object.",
      "content": {
       "application/octet-stream": {
        "schema": {
         "type": "string",
         "format": "binary"
        }
       }
      }
     },
     "403": {
      "$ref": "#/components/responses/BadSignature"
     },
     "404": {
      "description": "No such object, or the gateway keeps its files in S3.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   },
   "put": {
    "operationId": "storePut",
    "summary": "Write an object of the local store through a presigned URL.",
    "security": [],
    "parameters": [
     {
      "$ref": "#/components/parameters/StoreKey"
     },
     {
      "$ref": "#/components/parameters/Expires"
     },
     {
      "$ref": "#/components/parameters/Signature"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/octet-stream": {
       "schema": {
        "type": "string",
        "format": "binary"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "Stored."
     },
     "403": {
      "$ref": "#/components/responses/BadSignature"
     },
     "413": {
      "description": "Over OCR_MAX_UPLOAD_BYTES.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Error"
        }
       }
      }
     }
    }
   }
  },
  "/healthz": {
   "get": {
    "operationId": "health",
    "summary": "Alive.",
    "security": [],
    "responses": {
     "200": {
      "description": "ok",
      "content": {
       "text/plain; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/readyz": {
   "get": {
    "operationId": "ready",
    "summary": "NATS connected and job streams present.",
    "security": [],
    "responses": {
     "200": {
      "description": "ready",
      "content": {
       "text/plain; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     },
     "503": {
      "description": "What is missing.",
      "content": {
       "text/plain; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/metrics": {
   "get": {
    "operationId": "metrics",
    "summary": "Prometheus metrics of this replica.",
    "security": [],
    "responses": {
     "200": {
      "description": "Prometheus text exposition format 0.0.4.",
      "content": {
       "text/plain; version=0.0.4; charset=utf-8": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/openapi.json": {
   "get": {
    "operationId": "openapi",
    "summary": "This document.",
    "security": [],
    "responses": {
     "200": {
      "description": "OpenAPI 3.1",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    }
   }
  }
 }
}
"""#
}
