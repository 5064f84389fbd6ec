#define _GNU_SOURCE
#include "CProcessGuard.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define GUARD_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define GUARD_ARCH AUDIT_ARCH_AARCH64
#else
#error "CProcessGuard knows the system calls of x86_64 and aarch64 only"
#endif

int ocr_process_forbid_inspection(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RETURN(value) BPF_STMT(BPF_RET | BPF_K, (value))
#define DENY(number, error) \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (number), 0, 1), RETURN(SECCOMP_RET_ERRNO | (error))

int ocr_process_deny_network(void) {
    struct sock_filter filter[] = {
        /* Another architecture's system call numbers mean other calls: refuse them all. */
        LOAD(arch),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GUARD_ARCH, 1, 0),
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
    /* TSYNC: a Swift process may have started threads before it confines itself. */
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program) == 0 ? 0 : -1;
}

int ocr_process_check_network_denied(void) {
    const int refused[] = {AF_INET, AF_INET6, AF_NETLINK, AF_PACKET};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; ++i) {
        int fd = socket(refused[i], SOCK_DGRAM, 0);
        if (fd >= 0 || errno != EACCES) {
            fprintf(stderr, "socket family %d is not refused\n", refused[i]);
            return 1;
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        fprintf(stderr, "Unix sockets are refused: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    return 0;
}

int ocr_process_confine(long cpu_seconds, long address_space) {
    if (setpgid(0, 0) != 0) return -1;
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        for (int fd = 3; fd < 65536; ++fd) close(fd);
    }
    struct rlimit none = {0, 0};
    struct rlimit cpu = {(rlim_t)cpu_seconds, (rlim_t)cpu_seconds + 5};
    struct rlimit memory = {(rlim_t)address_space, (rlim_t)address_space};
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;
    if (setrlimit(RLIMIT_CPU, &cpu) != 0) return -1;
    return setrlimit(RLIMIT_AS, &memory);
}

int ocr_process_ignore_broken_pipes(void) { return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0; }

int ocr_pipe(int *read_end, int *write_end) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) return -1;
    *read_end = ends[0];
    *write_end = ends[1];
    return 0;
}
