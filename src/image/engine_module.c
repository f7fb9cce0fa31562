/* engine_module: the table the program finds in imgbatch-engine.so; see image/engine_module.h. */
#include "image/engine_module.h"

__attribute__((visibility("default"))) extern const struct image_engine imgbatch_image_engine;

const struct image_engine imgbatch_image_engine = {
    .abi = IMAGE_ENGINE_ABI,
    .prepare = image_engine_prepare,
    .process = image_process,
    .library_failed = image_library_failed,
    .library_shutdown = image_library_shutdown,
};
