#ifndef OCRFLEET_CPROCESSGUARD_H
#define OCRFLEET_CPROCESSGUARD_H

/* Closes the calling process to other processes of its user: without CAP_SYS_PTRACE they can
   no longer ptrace it or read its /proc/<pid>/mem, environ or fd. The worker's children
   (LibreOffice, which a document drives) run as its user, and its environment holds
   credentials. Returns 0, or -1 with errno. */
int ocr_process_forbid_inspection(void);

#endif
