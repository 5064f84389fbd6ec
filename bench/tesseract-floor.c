/* The engine alone: Tesseract's C API in a loop over pages already decoded in memory, one
 * engine handle and one thread per core, with the worker's settings (automatic layout, the
 * page's resolution). ocrbench's floor for the Tesseract path: nothing a worker, a CLI or a
 * bus adds is in it.
 *   tesseract-floor THREADS PAGE.png...    prints {"pages": N, "seconds": S} */
#include <leptonica/allheaders.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <tesseract/capi.h>
#include <time.h>

static PIX **pages;
static int page_count;
static atomic_int next_page;
static pthread_barrier_t ready;

static void *recognise_pages(void *unused) {
    (void)unused;
    TessBaseAPI *api = TessBaseAPICreate();
    if (TessBaseAPIInit3(api, NULL, "eng") != 0) {
        fprintf(stderr, "tesseract-floor: cannot load eng\n");
        exit(1);
    }
    TessBaseAPISetPageSegMode(api, PSM_AUTO);
    pthread_barrier_wait(&ready); /* language data loaded before the clock starts */
    pthread_barrier_wait(&ready);
    for (int index; (index = atomic_fetch_add(&next_page, 1)) < page_count;) {
        TessBaseAPISetImage2(api, pages[index]);
        TessBaseAPISetSourceResolution(api, 300);
        if (TessBaseAPIRecognize(api, NULL) != 0) {
            fprintf(stderr, "tesseract-floor: page %d failed\n", index + 1);
            exit(1);
        }
        char *text = TessBaseAPIGetUTF8Text(api);
        TessDeleteText(text);
        TessBaseAPIClear(api);
    }
    TessBaseAPIEnd(api);
    TessBaseAPIDelete(api);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: tesseract-floor THREADS PAGE.png...\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    page_count = argc - 2;
    pages = calloc(page_count, sizeof(PIX *));
    for (int i = 0; i < page_count; i++) {
        if (!(pages[i] = pixRead(argv[i + 2]))) {
            fprintf(stderr, "tesseract-floor: cannot read %s\n", argv[i + 2]);
            return 1;
        }
    }
    pthread_t *workers = calloc(threads, sizeof(pthread_t));
    pthread_barrier_init(&ready, NULL, threads + 1);
    for (int i = 0; i < threads; i++) pthread_create(&workers[i], NULL, recognise_pages, NULL);
    pthread_barrier_wait(&ready);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pthread_barrier_wait(&ready);
    for (int i = 0; i < threads; i++) pthread_join(workers[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("{\"pages\": %d, \"seconds\": %.4f}\n", page_count,
           (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
    for (int i = 0; i < page_count; i++) pixDestroy(&pages[i]);
    return 0;
}
