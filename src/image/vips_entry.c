/*
 * vips_entry: the table imgbatch-vips.so exports; see vips_module.h.
 *
 * Starting it fences ImageMagick in first: it reads its policy when it
 * starts, inside libvips' start, and libvips' own disc temporaries (a large
 * image turned upright) follow TMPDIR into the same private directory,
 * removed with the run.
 */
#include "heif_fast.h"
#include "magick_policy.h"
#include "vips_internal.h"
#include "vips_module.h"

static int start_vips(const char *scratch_dir)
{
    if (magick_policy_install(scratch_dir) < 0) {
        vips_library_refuse();
        return -1;
    }
    return vips_library_start();
}

static void stop_vips(void)
{
    vips_library_shutdown();
    magick_policy_remove();
}

__attribute__((visibility("default"))) extern const struct vips_module imgbatch_vips_module;

const struct vips_module imgbatch_vips_module = {
    .abi = VIPS_MODULE_ABI,
    .start = start_vips,
    .failed = vips_library_failed,
    .shutdown = stop_vips,
    .process = vips_process,
    .heif_fast = heif_fast_process,
};
