#ifndef OCRFLEET_CNATIVEMESSAGES_H
#define OCRFLEET_CNATIVEMESSAGES_H

/* Native libraries' own messages, handed to the worker instead of printed on stderr, so it
   can count them per document and log one line (NativeMessageLog in OCRFleetDocuments). */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { OCR_NATIVE_INFO = 0, OCR_NATIVE_WARNING = 1, OCR_NATIVE_ERROR = 2 } ocr_native_severity;

/* Receives one message: library ("poppler", "leptonica", "stderr"), category
   ("syntax_warning", "error", …), an ocr_native_severity and the text (no newline). Called
   on whichever thread the library runs on: it must be thread-safe. */
typedef void (*ocr_native_sink)(const char *library, const char *category, int severity, const char *text);

/* From now on, poppler's and Leptonica's messages go to sink, not stderr. poppler-cpp puts
   its own handler back whenever it opens a document; CPoppler reinstalls this one after. */
void ocr_native_messages_route(ocr_native_sink sink);

/* For a process whose stdout and stderr are nobody's (the document's child): both become
   a pipe read by a thread of this library, each line passed to the sink as library
   "stderr", category "output". 0, or -1 with errno. */
int ocr_native_messages_capture_stderr(void);

/* Waits until every line written to the captured stderr so far has reached the sink (at
   most a second); nothing when stderr is not captured. */
void ocr_native_messages_sync(void);

#ifdef __cplusplus
}
#endif

#endif
