#ifndef OCRFLEET_NATIVEMESSAGES_INTERNAL_H
#define OCRFLEET_NATIVEMESSAGES_INTERNAL_H

/* Puts the routed poppler callback back after poppler-cpp replaced it (document loads). */
void ocr_native_messages_reroute_poppler();

#endif
