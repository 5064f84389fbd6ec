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
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#else
#error "ocr-office-sandbox knows the system calls of x86_64 and aarch64 only"
#endif

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RETURN(value) BPF_STMT(BPF_RET | BPF_K, (value))
#define DENY(number, error) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (number), 0, 1), RETURN(SECCOMP_RET_ERRNO | (error))

static int install_filter(void) {
    struct sock_filter filter[] = {
        /* Another architecture's system call numbers mean other calls: refuse them all. */
        LOAD(arch),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
        RETURN(SECCOMP_RET_KILL_PROCESS),
        LOAD(nr),
#if defined(__x86_64__)
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1),
        RETURN(SECCOMP_RET_ERRNO | ENOSYS),
#endif
        /* socket(domain, ...): the kernel reads domain as an int, the low half of args[0]. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4),
        LOAD(args[0]),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
        RETURN(SECCOMP_RET_ALLOW),
        RETURN(SECCOMP_RET_ERRNO | EACCES),
        DENY(__NR_io_uring_setup, ENOSYS),
        DENY(__NR_io_uring_enter, ENOSYS),
        DENY(__NR_io_uring_register, ENOSYS),
        DENY(__NR_ptrace, EPERM),
        DENY(__NR_process_vm_readv, EPERM),
        DENY(__NR_process_vm_writev, EPERM),
        RETURN(SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {.len = sizeof filter / sizeof filter[0], .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
}

/* The filter refuses the network families and leaves Unix sockets alone. */
static int check(void) {
    const int refused[] = {AF_INET, AF_INET6, AF_NETLINK, AF_PACKET};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; ++i) {
        int fd = socket(refused[i], SOCK_DGRAM, 0);
        if (fd >= 0 || errno != EACCES) {
            fprintf(stderr, "ocr-office-sandbox: socket family %d is not refused\n", refused[i]);
            return 1;
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        fprintf(stderr, "ocr-office-sandbox: Unix sockets are refused: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: ocr-office-sandbox --check | ocr-office-sandbox /path/to/command [arguments]\n");
        return 2;
    }
    if (install_filter() != 0) {
        fprintf(stderr, "ocr-office-sandbox: cannot install the seccomp filter: %s\n", strerror(errno));
        return 126;
    }
    if (strcmp(argv[1], "--check") == 0) return check();
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        for (int fd = 3; fd < 65536; ++fd) close(fd);
    }
    execv(argv[1], argv + 1);
    fprintf(stderr, "ocr-office-sandbox: cannot run %s: %s\n", argv[1], strerror(errno));
    return 126;
}
