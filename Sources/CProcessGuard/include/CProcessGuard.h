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

/* A pipe whose ends are closed on exec, so no other child inherits them (a child's own end
   is duplicated onto its stdin or stdout, which exec keeps). 0 or -1 with errno. */
int ocr_pipe(int *read_end, int *write_end);

#endif
