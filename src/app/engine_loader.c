/*
 * engine_loader: finding imgbatch-engine.so, and loading it; see engine_loader.h.
 *
 * The module is looked for beside the program first (where the build puts
 * both, and where a relocated copy keeps them together), then where
 * `cmake --install` put it.  The program's own path comes from
 * /proc/self/exe, not from argv[0] or the environment, so nothing a caller
 * sets chooses the code that is loaded.
 */
#include "engine_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef IMGBATCH_ENGINE_DIR
#define IMGBATCH_ENGINE_DIR "/usr/local/lib/imgbatch"
#endif

static const struct image_engine *engine;

const struct image_engine *engine_loaded(void)
{
    return engine;
}

/* The module beside the program, if there is one there; else the installed one. */
static void module_path(char *path, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if ((size_t)snprintf(path, len, "%s/%s", exe, IMAGE_ENGINE_FILE) < len &&
                access(path, R_OK) == 0)
                return;
        }
    }
    snprintf(path, len, "%s/%s", IMGBATCH_ENGINE_DIR, IMAGE_ENGINE_FILE);
}

int engine_locate(char *err, size_t errlen)
{
    char path[PATH_MAX];

    module_path(path, sizeof(path));
    if (access(path, R_OK) == 0)
        return 0;
    snprintf(err, errlen, "cannot load the image engine: %s: %s", path, strerror(errno));
    return -1;
}

const struct image_engine *engine_load(char *err, size_t errlen)
{
    char path[PATH_MAX];

    if (engine)
        return engine;
    module_path(path, sizeof(path));
    /*
     * Lazily bound, as a program linked with these libraries would be; global,
     * so that the second module (libvips') finds this one's symbols, and
     * anything preloaded that wraps a library call (the tests' fault
     * injection) finds the libraries'.
     */
    void *module = dlopen(path, RTLD_LAZY | RTLD_GLOBAL);
    if (!module) {
        snprintf(err, errlen, "cannot load the image engine: %s", dlerror());
        return NULL;
    }
    const struct image_engine *table = dlsym(module, IMAGE_ENGINE_SYMBOL);
    if (!table || table->abi != IMAGE_ENGINE_ABI) {
        snprintf(err, errlen, "cannot load the image engine: %s is not this imgbatch's", path);
        dlclose(module);
        return NULL;
    }
    engine = table;
    return engine;
}
