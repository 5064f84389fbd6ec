#ifndef OCRFLEET_CPROCESSGUARD_H
#define OCRFLEET_CPROCESSGUARD_H

/* Closes the calling process to other processes of its user: without CAP_SYS_PTRACE they can
   no longer ptrace it or read its /proc/<pid>/mem, environ or fd. The worker's children
   (LibreOffice, which a document drives) run as its user, and its environment holds
   credentials. Returns 0, or -1 with errno. */
int ocr_process_forbid_inspection(void);

/* Keeps the calling process, all its threads and whatever it starts off the network, with a
   seccomp filter an unprivileged process may install once it has no_new_privs: socket() fails
   with EACCES for every family but AF_UNIX, io_uring (which could open sockets past the
   filter) is missing, and ptrace and process_vm_readv/writev fail. Returns 0, or -1 with
   errno. */
int ocr_process_deny_network(void);

/* Whether the filter holds: network families refused, Unix sockets allowed. 0 when it does;
   otherwise writes why to stderr and returns 1. */
int ocr_process_check_network_denied(void);

/* Confines a process that is about to read hostile input: its own process group (so the
   parent can kill it and anything it starts at once), descriptors from 3 up closed, no core
   files, at most `cpu_seconds` of CPU (SIGXCPU, then SIGKILL 5 s later) and `address_space`
   bytes of address space (allocations past it fail). 0 or -1 with errno. */
int ocr_process_confine(long cpu_seconds, long address_space);

/* Writes to a pipe whose reader is gone fail with EPIPE instead of killing the process with
   SIGPIPE: the worker writes to children that may have died. 0 or -1 with errno. */
int ocr_process_ignore_broken_pipes(void);

/* Starts `ocr-document-child` at `path` with its limits in a process group of its own, its stdin
   and stdout pipes to the caller (*to_child, *from_child, close-on-exec here), stderr shared,
   every other descriptor closed, no signal blocked, and an environment of PATH,
   OMP_THREAD_LIMIT=1 and SWIFT_BACKTRACE=enable=no only (none of the worker's credentials; a
   crash ends it at once rather than in Swift's backtracer). `tessdata` may be NULL. Returns its
   pid, or -1 with errno. */
int ocr_document_child_spawn(const char *path, long cpu_seconds, long memory_mb, const char *tessdata,
                             int test_faults, int *to_child, int *from_child);

/* Waits for child `pid` to end (blocking) and returns its exit status (0-255), or minus the
   signal that ended it; -1000 with errno when it cannot be waited for. */
int ocr_child_reap(int pid);

#endif
