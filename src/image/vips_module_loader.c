/* vips_module_loader: finding and loading imgbatch-vips.so; see vips_module.h. */
#include "vips_module.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const struct vips_module *module;
static char failure[256];

/* The file beside the engine: where this very function was loaded from. */
static int module_path(char *path, size_t len)
{
    Dl_info self;

    if (!dladdr((void *)module_path, &self) || !self.dli_fname)
        return -1;
    const char *slash = strrchr(self.dli_fname, '/');
    int dir_len = slash ? (int)(slash - self.dli_fname) : 1;
    const char *dir = slash ? self.dli_fname : ".";
    return (size_t)snprintf(path, len, "%.*s/%s", dir_len, dir, VIPS_MODULE_FILE) < len ? 0 : -1;
}

const struct vips_module *vips_module_load(char *err, size_t errlen)
{
    static int tried;
    char path[PATH_MAX];

    if (tried) {
        if (!module)
            snprintf(err, errlen, "%s", failure);
        return module;
    }
    tried = 1;
    if (module_path(path, sizeof(path)) < 0) {
        snprintf(failure, sizeof(failure), "cannot find %s beside the engine", VIPS_MODULE_FILE);
    } else {
        /*
         * Lazily bound, as a program linked with these libraries would be:
         * binding every symbol of a hundred libraries now costs more than
         * loading them.  Global, so that libvips' own modules and anything
         * preloaded (the tests' fault injection) find their symbols.
         */
        void *handle = dlopen(path, RTLD_LAZY | RTLD_GLOBAL);
        const struct vips_module *table = handle ? dlsym(handle, VIPS_MODULE_SYMBOL) : NULL;
        if (table && table->abi == VIPS_MODULE_ABI)
            module = table;
        else
            snprintf(failure, sizeof(failure), "cannot load libvips: %s",
                     handle ? "the module is not this imgbatch's" : dlerror());
    }
    if (!module)
        snprintf(err, errlen, "%s", failure);
    return module;
}
