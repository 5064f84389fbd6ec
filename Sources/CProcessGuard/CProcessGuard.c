#include "CProcessGuard.h"

#include <sys/prctl.h>

int ocr_process_forbid_inspection(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
