#include "CNativeMessages.h"
#include "NativeMessages.h"

#include <poppler/cpp/poppler-global.h>

#include <Error.h>

#include <leptonica/allheaders.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace {

std::atomic<ocr_native_sink> routedSink{nullptr};

void send(const char *library, const char *category, int severity, const std::string &text) {
    if (auto sink = routedSink.load()) sink(library, category, severity, text.c_str());
}

void popplerCore(ErrorCategory category, Goffset, const char *message) {
    const char *name = "internal";
    int severity = OCR_NATIVE_ERROR;
    switch (category) {
    case errSyntaxWarning: name = "syntax_warning", severity = OCR_NATIVE_WARNING; break;
    case errSyntaxError: name = "syntax_error"; break;
    case errConfig: name = "config"; break;
    case errCommandLine: name = "command_line", severity = OCR_NATIVE_WARNING; break;
    case errIO: name = "io"; break;
    case errNotAllowed: name = "not_allowed", severity = OCR_NATIVE_INFO; break;
    case errUnimplemented: name = "unimplemented", severity = OCR_NATIVE_WARNING; break;
    case errInternal: break;
    }
    send("poppler", name, severity, message ? message : "");
}

/* What poppler-cpp hands on while it opens a document, its category already dropped. */
void popplerCpp(const std::string &message, void *) { send("poppler", "open", OCR_NATIVE_ERROR, message); }

/* Leptonica's messages start "Error in f: ", "Warning in f: " or "Info in f: ". */
void leptonica(const char *message) {
    std::string text = message ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.rfind("Error", 0) == 0) send("leptonica", "error", OCR_NATIVE_ERROR, text);
    else if (text.rfind("Warning", 0) == 0) send("leptonica", "warning", OCR_NATIVE_WARNING, text);
    else send("leptonica", "info", OCR_NATIVE_INFO, text);
}

/* The captured stderr: its reader thread, and the marker lines `sync` waits for. */
struct Capture {
    std::mutex lock;
    std::condition_variable seen;
    unsigned long written = 0;
    unsigned long read = 0;
    bool reading = false;
};
Capture capture;
const char syncMarker[] = "\x01ocrfleet-sync";
constexpr size_t maxLine = 1024;

void line(const std::string &text) {
    size_t marker = text.find(syncMarker);
    // A library's unfinished line may run into the marker: it is a line of its own.
    if (marker != 0) send("stderr", "output", OCR_NATIVE_WARNING, text.substr(0, marker));
    if (marker == std::string::npos) return;
    std::lock_guard<std::mutex> guard(capture.lock);
    capture.read = std::strtoul(text.c_str() + marker + sizeof syncMarker - 1, nullptr, 10);
    capture.seen.notify_all();
}

void readLines(int fd) {
    std::string pending;
    bool overlong = false;
    char buffer[4096];
    for (;;) {
        ssize_t count = read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        for (ssize_t i = 0; i < count; ++i) {
            if (buffer[i] == '\n') {
                if (!overlong) line(pending);
                pending.clear();
                overlong = false;
            } else if (pending.size() < maxLine) {
                pending.push_back(buffer[i]);
            } else if (!overlong) {
                // A line longer than any message: one message, cut.
                line(pending);
                overlong = true;
            }
        }
    }
    std::lock_guard<std::mutex> guard(capture.lock);
    capture.reading = false;
    capture.seen.notify_all();
}

}  // namespace

void ocr_native_messages_reroute_poppler() {
    if (routedSink.load()) setErrorCallback(popplerCore);
}

extern "C" void ocr_native_messages_route(ocr_native_sink sink) {
    routedSink.store(sink);
    poppler::set_debug_error_function(popplerCpp, nullptr);
    setErrorCallback(popplerCore);
    leptSetStderrHandler(leptonica);
}

extern "C" int ocr_native_messages_capture_stderr(void) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) return -1;
    if (dup2(ends[1], STDOUT_FILENO) < 0 || dup2(ends[1], STDERR_FILENO) < 0) {
        close(ends[0]);
        close(ends[1]);
        return -1;
    }
    close(ends[1]);
    capture.reading = true;
    std::thread(readLines, ends[0]).detach();
    return 0;
}

extern "C" void ocr_native_messages_sync(void) {
    std::unique_lock<std::mutex> guard(capture.lock);
    if (!capture.reading) return;
    unsigned long marker = ++capture.written;
    guard.unlock();
    fflush(stdout);
    fflush(stderr);
    char text[64];
    int length = snprintf(text, sizeof text, "%s%lu\n", syncMarker, marker);
    if (write(STDERR_FILENO, text, (size_t)length) != length) return;
    guard.lock();
    capture.seen.wait_for(guard, std::chrono::seconds(1), [&] { return !capture.reading || capture.read >= marker; });
}
