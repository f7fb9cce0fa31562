/*
 * fault_inject: a library the end-to-end tests preload into imgbatch
 * (LD_PRELOAD) to make its workers fail in ways real files rarely do on
 * demand: a decoder that crashes, aborts, hangs or is slow on one file,
 * and a worker whose image library crashes as it starts.
 *
 * The file's name says what to do: a name containing "crash-in-decoder"
 * raises SIGSEGV once the worker has opened it (a worker opens each input
 * once, with openat below INPUT's descriptor, and holds it while it works),
 * "abort-in-decoder" aborts, "hang-in-decoder" never returns,
 * "slow-decoder" takes a second first.
 * With IMGBATCH_FAULT_INIT=crash in the environment, vips_init() crashes,
 * so no worker can ever start.  With IMGBATCH_FAULT_MARKS=DIR, a worker
 * entering a hang or a slow decode first creates DIR/started-PID, so a
 * test knows the file is in flight before it signals.  Only workers call these two functions;
 * the master never starts libvips, so it is never hit.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int vips_init(const char *argv0);

/* A crash as a decoder would have it: SIGSEGV, not a sanitizer's report of it. */
static void segfault(void)
{
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    _exit(99);
}

/* Tells the test this worker is now inside a slow or hanging file. */
static void mark_started(void)
{
    const char *dir = getenv("IMGBATCH_FAULT_MARKS");
    char path[4096];

    if (!dir)
        return;
    snprintf(path, sizeof(path), "%s/started-%d", dir, (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

/* What the name asks for, done with the file already open, as a decoder would be. */
static void act_on(const char *filename)
{
    if (strstr(filename, "crash-in-decoder"))
        segfault();
    if (strstr(filename, "abort-in-decoder")) {
        signal(SIGABRT, SIG_DFL);
        abort();
    }
    if (strstr(filename, "hang-in-decoder")) {
        mark_started();
        for (;;)
            pause();
    }
    if (strstr(filename, "slow-decoder")) {
        mark_started();
        struct timespec second = {1, 0};
        while (nanosleep(&second, &second) < 0)
            ;
    }
}

typedef int (*openat_fn)(int, const char *, int, ...);

static int open_then_act(const char *symbol, int dirfd, const char *filename, int flags,
                         mode_t mode)
{
    openat_fn real = (openat_fn)dlsym(RTLD_NEXT, symbol);
    int fd = real(dirfd, filename, flags, mode);

    /* Inputs only: they are opened for reading; the markers name no directory. */
    if (fd >= 0 && !(flags & (O_WRONLY | O_RDWR | O_DIRECTORY)))
        act_on(filename);
    return fd;
}

int openat(int dirfd, const char *filename, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
    va_end(ap);
    return open_then_act("openat", dirfd, filename, flags, mode);
}

int openat64(int dirfd, const char *filename, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
    va_end(ap);
    return open_then_act("openat64", dirfd, filename, flags, mode);
}

int vips_init(const char *argv0)
{
    int (*real)(const char *) = (int (*)(const char *))dlsym(RTLD_NEXT, "vips_init");
    const char *fault = getenv("IMGBATCH_FAULT_INIT");

    if (fault && !strcmp(fault, "crash"))
        segfault();
    return real(argv0);
}
