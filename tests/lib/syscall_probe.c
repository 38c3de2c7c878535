/* syscall_probe: makes syscalls busybox has no applet for and prints how
 * each ended, one line per call: "keyctl EPERM", "getpid ok". Built static
 * by container_baseline.bats and run inside a container to see what its
 * seccomp profile denies. Arguments are harmless: nothing succeeds in
 * changing anything that outlives the container. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char* name, long rc) {
  if (rc >= 0) {
    printf("%s ok\n", name);
  } else if (errno == EPERM) {
    printf("%s EPERM\n", name);
  } else {
    printf("%s errno=%d\n", name, errno);
  }
}

static void* thread_main(void* arg) { return arg; }

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const char* n = argv[i];
    long rc;
    errno = 0;
    if (!strcmp(n, "keyctl")) {
      rc = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
    } else if (!strcmp(n, "add_key")) {
      rc = syscall(SYS_add_key, "user", "berth-probe", "x", 1, -3);
    } else if (!strcmp(n, "request_key")) {
      rc = syscall(SYS_request_key, "user", "berth-probe", NULL, 0);
    } else if (!strcmp(n, "unshare")) {
      rc = syscall(SYS_unshare, CLONE_NEWUSER);
    } else if (!strcmp(n, "mount")) {
      rc = syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
    } else if (!strcmp(n, "bpf")) {
      rc = syscall(SYS_bpf, 0, NULL, 0);
    } else if (!strcmp(n, "open_by_handle_at")) {
      rc = syscall(SYS_open_by_handle_at, -1, NULL, 0);
    } else if (!strcmp(n, "kexec_load")) {
      rc = syscall(SYS_kexec_load, 0, 0, NULL, 0);
    } else if (!strcmp(n, "init_module")) {
      rc = syscall(SYS_init_module, NULL, 0, "");
    } else if (!strcmp(n, "clone_newns")) {
      /* raw clone with a namespace flag: the child (if any) exits at once */
      rc = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
      if (rc == 0) _exit(0);
    } else if (!strcmp(n, "thread")) {
      /* glibc tries clone3 first; the profile answers ENOSYS so that it
       * falls back to clone, whose flags seccomp can check */
      pthread_t t;
      int err = pthread_create(&t, NULL, thread_main, NULL);
      if (err == 0) err = pthread_join(t, NULL);
      errno = err;
      rc = err ? -1 : 0;
    } else if (!strcmp(n, "getpid")) {
      rc = syscall(SYS_getpid);
    } else {
      printf("%s unknown\n", n);
      continue;
    }
    report(n, rc);
  }
  return 0;
}
