/* ocr-office-sandbox: runs a command (LibreOffice) that must never reach the network.

   A seccomp filter, which an unprivileged process may install on itself once it has
   no_new_privs, and which every process it starts inherits: socket() fails with EACCES for
   every family but AF_UNIX (LibreOffice talks to itself over Unix sockets), io_uring (which
   could open sockets past the filter) is missing, and the command cannot ptrace or read or
   write other processes' memory. Descriptors other than stdin, stdout and stderr are closed,
   so no socket is inherited. Unlike a network namespace (`unshare -rn`), this needs no user
   namespace, so it works under Kubernetes' RuntimeDefault seccomp profile with every
   capability dropped.

     ocr-office-sandbox --check          exit 0 when the filter holds here
     ocr-office-sandbox /path/cmd ARGS   exec cmd under the filter (exit 126 if it cannot) */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "CProcessGuard.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: ocr-office-sandbox --check | ocr-office-sandbox /path/to/command [arguments]\n");
        return 2;
    }
    if (ocr_process_deny_network() != 0) {
        fprintf(stderr, "ocr-office-sandbox: cannot install the seccomp filter: %s\n", strerror(errno));
        return 126;
    }
    if (strcmp(argv[1], "--check") == 0) return ocr_process_check_network_denied();
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        for (int fd = 3; fd < 65536; ++fd) close(fd);
    }
    execv(argv[1], argv + 1);
    fprintf(stderr, "ocr-office-sandbox: cannot run %s: %s\n", argv[1], strerror(errno));
    return 126;
}
